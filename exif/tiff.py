"""A bounded reader for TIFF-structured EXIF: header, directories, entries.

Nothing here trusts the input. Every count and offset is checked against the blob before it is
used, directories are visited at most once, and each directory is capped in entries, so the work
done is bounded by the blob's length whatever it claims. Values are not decoded here (see
``values.py``); an entry only records where its bytes are.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import NamedTuple

EXIF_PREFIX = b"Exif\x00\x00"

# Classic TIFF plus the RAW variants that keep the TIFF layout but change the magic number.
_MAGICS: dict[bytes, str] = {
    b"II*\x00": "<",
    b"MM\x00*": ">",
    b"IIU\x00": "<",  # Panasonic RW2
    b"IIRO": "<",  # Olympus ORF
    b"IIRS": "<",  # Olympus ORF (some models)
    b"MMOR": ">",  # Olympus ORF, big-endian
}

# Bytes per value for each TIFF field type; other types are unknown and their entries skipped.
TYPE_SIZES: dict[int, int] = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

# Real directories hold a few dozen entries (the largest seen in the corpus: < 100). The cap keeps
# a hostile count from costing more than a fraction of a millisecond.
MAX_ENTRIES = 512

# Pointer tags: where the sub-directories live.
EXIF_POINTER = 0x8769
GPS_POINTER = 0x8825
INTEROP_POINTER = 0xA005


class TiffError(ValueError):
    """The blob has no readable TIFF structure; the message is a short human sentence."""


class Entry(NamedTuple):
    """One directory entry: its type, value count and the absolute offset of its value bytes."""

    type: int
    count: int
    offset: int

    @property
    def size(self) -> int:
        return TYPE_SIZES[self.type] * self.count


@dataclass(slots=True)
class Ifd:
    """One directory: where each tag's 12-byte entry is, plus the blob they point into.

    Entries are decoded and bounds-checked only when asked for (:meth:`get`): ``read_exif`` needs
    a third of them, so this keeps the common path short.
    """

    buf: bytes
    endian: str
    entries: dict[int, int] = field(default_factory=dict)
    next_offset: int = 0

    def get(self, tag: int) -> Entry | None:
        """The entry for ``tag``; ``None`` when absent, of unknown type or reaching past the blob."""
        pos = self.entries.get(tag)
        if pos is None:
            return None
        typ, count, value = struct.unpack_from(self.endian + "HII", self.buf, pos + 2)
        size = TYPE_SIZES.get(typ)
        if size is None:
            return None
        total = size * count
        if total <= 4:
            return Entry(typ, count, pos + 8)
        if value + total > len(self.buf):
            return None
        return Entry(typ, count, value)


@dataclass(slots=True)
class Tiff:
    """A validated TIFF header: the TIFF bytes (without ``Exif\\0\\0``), byte order, first IFD."""

    buf: bytes
    endian: str
    ifd0_offset: int
    magic: bytes
    visited: set[int] = field(default_factory=set)

    def ifd(self, offset: int) -> tuple[Ifd | None, str | None]:
        """Read the directory at ``offset``: ``(ifd, None)`` or ``(None, reason)``."""
        return read_ifd(self, offset)

    def sub_ifd(self, parent: Ifd | None, tag: int) -> tuple[Ifd | None, str | None]:
        """Follow a pointer tag of ``parent``; ``(None, None)`` when the tag is absent."""
        if parent is None:
            return None, None
        entry = parent.get(tag)
        if entry is None:
            return (None, "directory pointer is unreadable") if tag in parent.entries else (None, None)
        # A pointer is one LONG (or IFD); anything else (text, a list) is not followed.
        if entry.type not in (4, 13) or entry.count != 1:
            return None, "directory pointer is empty or of the wrong type"
        (offset,) = struct.unpack_from(self.endian + "I", self.buf, entry.offset)
        return read_ifd(self, offset)


def parse_header(data: bytes) -> Tiff:
    """Validate the header of an EXIF blob (``Exif\\0\\0`` optional) or raise :class:`TiffError`."""
    buf = data[6:] if data[:6] == EXIF_PREFIX else data
    if len(buf) < 8:
        if not data:
            raise TiffError("The data is empty.")
        raise TiffError("The data is too short to hold a TIFF header.")
    endian = _MAGICS.get(bytes(buf[:4]))
    if endian is None:
        if data[:2] == b"\xff\xd8":
            raise TiffError("This is a whole JPEG file, not its EXIF segment.")
        raise TiffError("The data does not start with an EXIF or TIFF header.")
    (ifd0_offset,) = struct.unpack_from(endian + "I", buf, 4)
    return Tiff(bytes(buf), endian, ifd0_offset, bytes(buf[:4]))


def read_ifd(tiff: Tiff, offset: int) -> tuple[Ifd | None, str | None]:
    """Read one directory, keeping every entry whose value lies inside the blob."""
    buf, endian = tiff.buf, tiff.endian
    end = len(buf)
    if offset < 8 or offset + 2 > end:
        return None, "directory offset out of range"
    if offset in tiff.visited:
        return None, "directory loop"
    tiff.visited.add(offset)
    (count,) = struct.unpack_from(endian + "H", buf, offset)
    warning = None
    fit = (end - offset - 2) // 12
    if count > fit or count > MAX_ENTRIES:
        count = min(count, fit, MAX_ENTRIES)
        warning = "directory truncated"
    if count == 0:
        return Ifd(buf, endian), warning or "empty directory"
    # One unpack of all tag ids; entries are located, not decoded (see Ifd.get). Reversed so
    # that a duplicated tag keeps its first entry.
    tags = struct.unpack_from(endian + "H10x" * count, buf, offset + 2)
    positions = range(offset + 2, offset + 2 + 12 * count, 12)
    entries = dict(zip(reversed(tags), reversed(positions)))
    next_pos = offset + 2 + 12 * count
    next_offset = struct.unpack_from(endian + "I", buf, next_pos)[0] if next_pos + 4 <= end else 0
    return Ifd(buf, endian, entries, next_offset), warning
