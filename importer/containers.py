"""Bounded walkers over the binary structure of JPEG and TIFF files.

Both read through ``seek``/``read`` on an open file, a few bytes at a time, and never trust an
offset or a count: every walk is capped (segments, entries, IFDs, bytes) so that a corrupt or
hostile file costs at most a few kilobytes of reads and ends in :class:`CorruptFile`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO


class CorruptFile(ValueError):
    """The bytes do not have the structure their format promises."""


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise CorruptFile("file ends early")
    return data


# --- JPEG -------------------------------------------------------------------------------------

SOI = 0xD8
EOI = 0xD9
SOS = 0xDA
APP1 = 0xE1
# Markers without a length field: TEM, RST0-7 (SOI/EOI are handled on their own).
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# Start-of-frame markers; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Frames Pillow (libjpeg) decodes: baseline, extended sequential, progressive (Huffman).
DECODABLE_SOF = {0xC0, 0xC1, 0xC2}
MAX_JPEG_SEGMENTS = 256


@dataclass(frozen=True, slots=True)
class Segment:
    """One marker segment of a JPEG header: its marker and where its payload lies."""

    marker: int
    offset: int
    """Absolute file offset of the payload (after the two length bytes)."""
    length: int
    """Payload length in bytes."""


def iter_jpeg_segments(f: BinaryIO, start: int = 0, end: int | None = None) -> Iterator[Segment]:
    """The header segments of the JPEG at ``start``, up to (not including) SOS.

    Raises :class:`CorruptFile` when ``start`` holds no SOI or a segment is malformed.
    ``end`` bounds the walk (e.g. the length of a JPEG embedded in a RAW file).
    """
    f.seek(start)
    if f.read(2) != b"\xff\xd8":
        raise CorruptFile("not a JPEG (no SOI marker)")
    pos = start + 2
    for _ in range(MAX_JPEG_SEGMENTS):
        f.seek(pos)
        head = f.read(2)
        if len(head) < 2 or head[0] != 0xFF:
            raise CorruptFile(f"JPEG marker expected at byte {pos}")
        marker = head[1]
        pos += 2
        while marker == 0xFF:  # fill bytes may pad a marker
            b = f.read(1)
            if not b:
                raise CorruptFile("JPEG ends inside a marker")
            marker = b[0]
            pos += 1
        if marker in (SOS, EOI):
            return
        if marker in _STANDALONE:
            continue
        raw_len = f.read(2)
        if len(raw_len) < 2:
            raise CorruptFile("JPEG ends inside a segment header")
        length = struct.unpack(">H", raw_len)[0] - 2
        if length < 0 or (end is not None and pos + 2 + length > end):
            raise CorruptFile(f"JPEG segment at byte {pos - 2} has a bad length")
        yield Segment(marker, pos + 2, length)
        pos += 2 + length
    raise CorruptFile("too many JPEG header segments")


def jpeg_frame(f: BinaryIO, start: int = 0, end: int | None = None) -> tuple[int, int, int]:
    """``(sof_marker, width, height)`` of the JPEG at ``start``, read from its SOF segment."""
    for seg in iter_jpeg_segments(f, start, end):
        if seg.marker in _SOF:
            if seg.length < 5:
                raise CorruptFile("JPEG frame header too short")
            f.seek(seg.offset)
            _precision, height, width = struct.unpack(">BHH", _read_exact(f, 5))
            return seg.marker, width, height
    raise CorruptFile("JPEG has no frame header")


# --- TIFF -------------------------------------------------------------------------------------

# Magic numbers of TIFF-structured files: standard TIFF, Panasonic RW2 ("IIU\0"),
# Olympus ORF ("IIRO", "IIRS", "MMOR"). The IFD layout is the same in all of them.
_TIFF_MAGIC = {b"II*\x00": "<", b"MM\x00*": ">", b"IIU\x00": "<", b"IIRO": "<", b"IIRS": "<", b"MMOR": ">"}
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
MAX_IFD_ENTRIES = 1000


@dataclass(frozen=True, slots=True)
class Entry:
    """One IFD entry: a tag, its type and count, and where its value lies."""

    tag: int
    type: int
    count: int
    value_offset: int
    """Absolute offset of the value: inside the entry when it fits in 4 bytes, else elsewhere."""
    size: int
    """Value size in bytes (0 for an unknown type)."""

    @property
    def inline(self) -> bool:
        """True when the value sits inside the entry itself."""
        return self.size <= 4


@dataclass(frozen=True, slots=True)
class Ifd:
    """One image file directory."""

    offset: int
    entries: dict[int, Entry]
    next_offset: int

    @property
    def end(self) -> int:
        """Offset just past the directory itself (count, entries, next-IFD pointer)."""
        return self.offset + 2 + 12 * len(self.entries) + 4


class TiffFile:
    """Bounded random access to the IFDs of a TIFF-structured file."""

    def __init__(self, f: BinaryIO, size: int) -> None:
        f.seek(0)
        head = f.read(8)
        order = _TIFF_MAGIC.get(head[:4])
        if order is None or len(head) < 8:
            raise CorruptFile("not a TIFF-structured file")
        self.f = f
        self.size = size
        self.order = order
        self.first_ifd: int = struct.unpack(order + "I", head[4:8])[0]

    def read_ifd(self, offset: int) -> Ifd:
        """The IFD at ``offset``; raises :class:`CorruptFile` if it does not fit the file."""
        if offset < 8 or offset + 2 > self.size:
            raise CorruptFile(f"IFD offset {offset} outside the file")
        self.f.seek(offset)
        (n,) = struct.unpack(self.order + "H", _read_exact(self.f, 2))
        if n == 0 or n > MAX_IFD_ENTRIES or offset + 2 + 12 * n + 4 > self.size:
            raise CorruptFile(f"IFD at {offset} has an implausible entry count {n}")
        raw = _read_exact(self.f, 12 * n + 4)
        entries: dict[int, Entry] = {}
        for i in range(n):
            tag, typ, count, value = struct.unpack(self.order + "HHII", raw[12 * i : 12 * i + 12])
            size = _TYPE_SIZES.get(typ, 0) * count
            value_offset = offset + 2 + 12 * i + 8 if size <= 4 else value
            entries[tag] = Entry(tag, typ, count, value_offset, size)
        (next_offset,) = struct.unpack(self.order + "I", raw[12 * n :])
        return Ifd(offset, entries, next_offset)

    def ints(self, entry: Entry, limit: int = 1024) -> tuple[int, ...]:
        """The values of a BYTE/SHORT/LONG entry (at most ``limit`` of them)."""
        fmt = {1: "B", 3: "H", 4: "I", 13: "I"}.get(entry.type)
        if fmt is None or entry.count > limit or entry.value_offset + entry.size > self.size:
            return ()
        self.f.seek(entry.value_offset)
        return struct.unpack(f"{self.order}{entry.count}{fmt}", _read_exact(self.f, entry.size))

    def int(self, ifd: Ifd, tag: int) -> int | None:
        """The first value of an integer tag of ``ifd``, or None."""
        entry = ifd.entries.get(tag)
        values = self.ints(entry) if entry is not None else ()
        return values[0] if values else None
