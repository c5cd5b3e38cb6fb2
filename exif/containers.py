"""The one walker over the binary structure of photo files: JPEG segments, TIFF directories and
ISO-BMFF boxes (HEIC/HEIF).

The EXIF engine uses it on bytes (the payload a client sent); the import client on the files it
reads, through the same functions: a :class:`Source` is either bytes or a binary file-like object
the caller opened (``seek``/``read``). This module never opens anything, so ``imalink.exif``
stays pure.

Nothing here trusts the input. Every count and offset is checked against the source's size before
it is used, and every walk is capped (segments, entries, boxes, items, extents, bytes), so a
corrupt or hostile file costs at most a few kilobytes of reads and ends in :class:`ContainerError`
or a warning, never in a loop or a large allocation.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple


class ContainerError(ValueError):
    """The bytes do not have the structure their format promises; the message says where."""


# --- sources --------------------------------------------------------------------------------------


class Source:
    """Random access to a run of bytes: :attr:`size` and :meth:`read`."""

    __slots__ = ("size",)
    size: int

    def read(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``offset`` (fewer at the end, ``b""`` outside the source)."""
        raise NotImplementedError

    def has(self, offset: int, n: int) -> bool:
        """True when all ``n`` bytes at ``offset`` lie inside the source."""
        return offset >= 0 and n >= 0 and offset + n <= self.size

    def read_exact(self, offset: int, n: int) -> bytes:
        """Exactly ``n`` bytes at ``offset``, or :class:`ContainerError`."""
        data = self.read(offset, n)
        if len(data) != n:
            raise ContainerError(f"data ends at byte {offset + len(data)}, inside a structure")
        return data


class BytesSource(Source):
    """A source over bytes held in memory."""

    __slots__ = ("data",)

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self.data = data if isinstance(data, bytes) else bytes(data)
        self.size = len(self.data)

    def read(self, offset: int, n: int) -> bytes:
        if offset < 0 or n <= 0:
            return b""
        return self.data[offset : offset + n]


class FileSource(Source):
    """A source over a binary file-like object the caller opened (``seek`` and ``read``)."""

    __slots__ = ("f",)

    def __init__(self, f: BinaryIO, size: int | None = None) -> None:
        self.f = f
        self.size = f.seek(0, 2) if size is None else size

    def read(self, offset: int, n: int) -> bytes:
        if offset < 0 or n <= 0 or offset >= self.size:
            return b""
        self.f.seek(offset)
        return self.f.read(min(n, self.size - offset))


class Window(Source):
    """Another source seen from ``start`` on: offset 0 here is ``start`` there.

    ``start`` may be negative (a Canon maker note moved by an editor: its offsets count from a
    point before the data); offsets that fall before the base's start hold nothing.
    """

    __slots__ = ("base", "start")

    def __init__(self, base: Source, start: int, length: int | None = None) -> None:
        available = max(base.size - start, 0)
        self.base, self.start = base, start
        self.size = available if length is None else max(min(length, available), 0)

    def has(self, offset: int, n: int) -> bool:
        return offset >= 0 and self.start + offset >= 0 and n >= 0 and offset + n <= self.size

    def read(self, offset: int, n: int) -> bytes:
        if offset < 0 or n <= 0 or offset >= self.size or self.start + offset < 0:
            return b""
        return self.base.read(self.start + offset, min(n, self.size - offset))


def as_source(data: bytes | bytearray | memoryview | BinaryIO | Source) -> Source:
    """A :class:`Source` over bytes or an open binary file."""
    if isinstance(data, Source):
        return data
    if isinstance(data, (bytes, bytearray, memoryview)):
        return BytesSource(data)
    return FileSource(data)


# --- JPEG -----------------------------------------------------------------------------------------

SOI = 0xD8
EOI = 0xD9
SOS = 0xDA
APP0 = 0xE0
APP1 = 0xE1
EXIF_HEADER = b"Exif\x00\x00"
# Markers without a length field: TEM, RST0-7 (SOI/EOI are handled on their own).
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# Start-of-frame markers; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
SOF_MARKERS = frozenset(set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC})
# Frames Pillow (libjpeg) and browsers decode: baseline, extended sequential, progressive.
DECODABLE_SOF = frozenset({0xC0, 0xC1, 0xC2})
MAX_JPEG_SEGMENTS = 256


@dataclass(frozen=True, slots=True)
class Segment:
    """One marker segment of a JPEG header: its marker and where its payload lies."""

    marker: int
    offset: int
    """Offset of the payload (after the two length bytes) in the source."""
    length: int
    """Payload length in bytes."""


def iter_jpeg_segments(src: Source, start: int = 0, end: int | None = None) -> Iterator[Segment]:
    """The header segments of the JPEG at ``start``, in order, up to (not including) SOS.

    Raises :class:`ContainerError` when ``start`` holds no SOI or a segment is malformed.
    ``end`` bounds the walk (e.g. the length of a JPEG embedded in a RAW file).
    """
    limit = src.size if end is None else min(end, src.size)
    if src.read(start, 2) != b"\xff\xd8":
        raise ContainerError("not a JPEG (no SOI marker)")
    pos = start + 2
    for _ in range(MAX_JPEG_SEGMENTS):
        head = src.read(pos, 4)
        if len(head) < 2 or head[0] != 0xFF:
            raise ContainerError(f"JPEG marker expected at byte {pos}")
        marker = head[1]
        pos += 2
        fill = 0
        while marker == 0xFF:  # fill bytes may pad a marker
            b = src.read(pos, 1)
            fill += 1
            if not b or fill > 64:
                raise ContainerError("JPEG ends inside a marker")
            marker = b[0]
            pos += 1
        if marker in (SOS, EOI):
            return
        if marker in _STANDALONE:
            continue
        raw_len = src.read(pos, 2)
        if len(raw_len) < 2:
            raise ContainerError("JPEG ends inside a segment header")
        length = struct.unpack(">H", raw_len)[0] - 2
        if length < 0 or pos + 2 + length > limit:
            raise ContainerError(f"JPEG segment at byte {pos - 2} has a bad length")
        yield Segment(marker, pos + 2, length)
        pos += 2 + length
    raise ContainerError("too many JPEG header segments")


def jpeg_frame(src: Source, start: int = 0, end: int | None = None) -> tuple[int, int, int]:
    """``(sof_marker, width, height)`` of the JPEG at ``start``, read from its SOF segment."""
    for seg in iter_jpeg_segments(src, start, end):
        if seg.marker in SOF_MARKERS:
            if seg.length < 5:
                raise ContainerError("JPEG frame header too short")
            _precision, height, width = struct.unpack(">BHH", src.read_exact(seg.offset, 5))
            return seg.marker, width, height
    raise ContainerError("JPEG has no frame header")


def jpeg_exif_segment(src: Source, start: int = 0, end: int | None = None) -> Segment | None:
    """The first APP1 segment whose payload starts with ``Exif\\0\\0`` (the EXIF), or None."""
    for seg in iter_jpeg_segments(src, start, end):
        if seg.marker == APP1 and seg.length >= len(EXIF_HEADER) and src.read(seg.offset, 6) == EXIF_HEADER:
            return seg
    return None


def jpeg_exif(data: bytes | BinaryIO | Source) -> bytes | None:
    """The ``Exif\\0\\0`` APP1 payload of the JPEG in ``data``, or None when it has none."""
    src = as_source(data)
    segment = jpeg_exif_segment(src)
    return src.read_exact(segment.offset, segment.length) if segment is not None else None


# --- TIFF -----------------------------------------------------------------------------------------

# Tags both the EXIF engine and the import client look for, named once.
TAG_MAKE, TAG_MODEL, TAG_ORIENTATION, TAG_SOFTWARE, TAG_DATETIME = 0x010F, 0x0110, 0x0112, 0x0131, 0x0132
TAG_EXIF_IFD, TAG_GPS_IFD, TAG_INTEROP_IFD = 0x8769, 0x8825, 0xA005
TAG_JPEG_OFFSET, TAG_JPEG_LENGTH, TAG_DATETIME_ORIGINAL, TAG_PIXEL_X, TAG_PIXEL_Y = 0x0201, 0x0202, 0x9003, 0xA002, 0xA003
TAG_PANASONIC_JPG_FROM_RAW = 0x002E  # RW2's embedded preview JPEG (IFD0), whose EXIF has what the RAW's lacks

# Classic TIFF plus the RAW variants that keep the TIFF layout but change the magic number.
TIFF_MAGIC: dict[bytes, str] = {
    b"II*\x00": "<",
    b"MM\x00*": ">",
    b"IIU\x00": "<",  # Panasonic RW2
    b"IIRO": "<",  # Olympus ORF
    b"IIRS": "<",  # Olympus ORF (some models)
    b"MMOR": ">",  # Olympus ORF, big-endian
}
# Bytes per value of each TIFF field type; entries of other types have size 0 and are skipped.
TYPE_SIZES: dict[int, int] = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_ENTRY_FIELDS = {order: struct.Struct(order + "HII") for order in ("<", ">")}
"""An entry's type, count and value (or offset) after its tag, per byte order."""
# Real directories hold a few dozen entries (the largest seen in the corpus: < 100). The cap keeps
# a hostile count from costing more than a fraction of a millisecond.
MAX_IFD_ENTRIES = 512


class Entry(NamedTuple):
    """One directory entry: tag, type, value count and where its value bytes are."""

    tag: int
    type: int
    count: int
    offset: int
    """Offset of the value in the source: inside the entry itself when it fits in 4 bytes."""

    @property
    def size(self) -> int:
        """Value size in bytes (0 for an unknown type)."""
        return TYPE_SIZES.get(self.type, 0) * self.count

    @property
    def inline(self) -> bool:
        """True when the value sits inside the 12-byte entry."""
        return self.size <= 4


@dataclass(slots=True)
class Ifd:
    """One image file directory. Entries are decoded only when asked for (:meth:`entry`)."""

    source: Source
    order: str
    offset: int
    raw: bytes
    """The directory's 12-byte entries as read."""
    positions: dict[int, int]
    """Tag -> position of its entry in :attr:`raw` (the first entry when a tag repeats)."""
    next_offset: int

    @property
    def end(self) -> int:
        """Offset just past the directory itself (count, entries, next-directory pointer)."""
        return self.offset + 2 + len(self.raw) + 4

    def entry(self, tag: int) -> Entry | None:
        """The entry of ``tag`` as stored (its value may lie outside the source), or None."""
        pos = self.positions.get(tag)
        if pos is None:
            return None
        typ, count, value = _ENTRY_FIELDS[self.order].unpack_from(self.raw, pos + 2)
        if TYPE_SIZES.get(typ, 0) * count <= 4:
            return Entry(tag, typ, count, self.offset + 2 + pos + 8)
        return Entry(tag, typ, count, value)

    def get(self, tag: int) -> Entry | None:
        """The entry of ``tag`` when its type is known and its value lies inside the source."""
        entry = self.entry(tag)
        if entry is None:
            return None
        # The size once, not Entry.size's property beside a second TYPE_SIZES look-up: a reading
        # asks for ~20 tags per payload.
        unit = TYPE_SIZES.get(entry.type)
        if unit is None or not self.source.has(entry.offset, unit * entry.count):
            return None
        return entry

    def value(self, entry: Entry, limit: int | None = None) -> bytes:
        """The value bytes of ``entry`` as stored (its first ``limit`` bytes; short past the source)."""
        size = TYPE_SIZES.get(entry.type, 0) * entry.count
        return self.source.read(entry.offset, size if limit is None else min(limit, size))

    def ints(self, entry: Entry, limit: int = 1024) -> tuple[int, ...]:
        """The values of an unsigned BYTE/SHORT/LONG/IFD entry (none when more than ``limit``)."""
        fmt = {1: "B", 3: "H", 4: "I", 13: "I"}.get(entry.type)
        if fmt is None or entry.count > limit:
            return ()
        data = self.value(entry)
        if len(data) != entry.size:
            return ()
        return struct.unpack(f"{self.order}{entry.count}{fmt}", data)

    def int(self, tag: int) -> int | None:
        """The first value of an unsigned integer tag, or None."""
        entry = self.get(tag)
        values = self.ints(entry) if entry is not None else ()
        return values[0] if values else None


@dataclass(frozen=True, slots=True)
class TiffHeader:
    """A TIFF header: byte order (``<``/``>``), the magic number, the first directory's offset."""

    order: str
    magic: bytes
    first_ifd: int


def tiff_header(src: Source) -> TiffHeader:
    """The TIFF header at the start of ``src``, or :class:`ContainerError`."""
    head = src.read(0, 8)
    order = TIFF_MAGIC.get(head[:4])
    if order is None or len(head) < 8:
        raise ContainerError("not TIFF-structured data")
    return TiffHeader(order, head[:4], struct.unpack(order + "I", head[4:8])[0])


def read_ifd(src: Source, order: str, offset: int, max_entries: int = MAX_IFD_ENTRIES) -> tuple[Ifd | None, str | None]:
    """The directory at ``offset``: ``(ifd, warning)``, or ``(None, reason)`` when unreadable.

    A count that claims more entries than fit the source (or than ``max_entries``) is cut to what
    fits, with the warning ``"directory truncated"``; zero entries give ``"empty directory"``.
    """
    if offset < 8 or offset + 2 > src.size:
        return None, "directory offset out of range"
    (count,) = struct.unpack(order + "H", src.read_exact(offset, 2))
    warning = None
    fit = (src.size - offset - 2) // 12
    if count > fit or count > max_entries:
        count = min(count, fit, max_entries)
        warning = "directory truncated"
    raw = src.read_exact(offset + 2, 12 * count) if count else b""
    tail = src.read(offset + 2 + 12 * count, 4)
    next_offset = struct.unpack(order + "I", tail)[0] if len(tail) == 4 else 0
    if count == 0:
        return Ifd(src, order, offset, b"", {}, next_offset), warning or "empty directory"
    # One unpack of all tag ids. Reversed, so that a repeated tag keeps its first entry.
    tags = struct.unpack_from(order + "H10x" * count, raw)
    positions = dict(zip(reversed(tags), range(12 * (count - 1), -1, -12)))
    return Ifd(src, order, offset, raw, positions, next_offset), warning


# --- ISO-BMFF (HEIC/HEIF) -------------------------------------------------------------------------

HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1", b"avif"})
MAX_BOXES = 64  # boxes per level: a HEIC has ~5 at the top and ~10 in `meta`
MAX_ITEMS = 4096  # items of a HEIC: tiles (a 48 MP iPhone grid has ~100), thumbnails, metadata
MAX_EXTENTS = 64
MAX_EXIF_ITEM_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Box:
    """One ISO-BMFF box: its type and where its payload lies."""

    type: bytes
    offset: int
    """Offset of the payload (after the size and type fields) in the source."""
    length: int


def iter_boxes(src: Source, start: int, end: int, max_boxes: int = MAX_BOXES) -> Iterator[Box]:
    """The boxes between ``start`` and ``end``, in order (at most ``max_boxes``)."""
    pos = start
    for _ in range(max_boxes):
        if pos + 8 > end:
            return
        size, typ = struct.unpack(">I4s", src.read_exact(pos, 8))
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", src.read_exact(pos + 8, 8))
            header = 16
        elif size == 0:  # "to the end of the enclosing box"
            size = end - pos
        if size < header or pos + size > end:
            raise ContainerError(f"box {typ!r} at byte {pos} has a bad size")
        yield Box(typ, pos + header, size - header)
        pos += size
    if pos + 8 <= end:
        raise ContainerError("too many boxes")


def _child(src: Source, parent: Box, typ: bytes, skip: int = 0) -> Box | None:
    return next((b for b in iter_boxes(src, parent.offset + skip, parent.offset + parent.length) if b.type == typ), None)


class _Reader:
    """Sequential big-endian fields of one box's payload, bounded by the box."""

    def __init__(self, src: Source, box: Box) -> None:
        self.data = src.read_exact(box.offset, min(box.length, 1 << 20))
        self.pos = 0

    def uint(self, size: int) -> int:
        if size == 0:
            return 0
        if self.pos + size > len(self.data):
            raise ContainerError("box ends inside a field")
        value = int.from_bytes(self.data[self.pos : self.pos + size], "big")
        self.pos += size
        return value

    def bytes(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ContainerError("box ends inside a field")
        value = self.data[self.pos : self.pos + n]
        self.pos += n
        return value


def heif_brand(src: Source) -> bytes | None:
    """The major brand of an ISO-BMFF file whose brands include a HEIF one, else None."""
    head = src.read(0, 64)
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = min(struct.unpack(">I", head[:4])[0], len(head))
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, size - 3, 4)]
    return head[8:12] if any(b in HEIF_BRANDS for b in brands) else None


def heif_exif(src: Source) -> bytes | None:
    """The TIFF bytes of a HEIF file's ``Exif`` item (from its TIFF header on), or None.

    The item is found through ``meta``: ``iinf`` names it (type ``Exif``), ``iloc`` says where its
    extents are (in the file, or in ``idat``). Its payload starts with a 4-byte big-endian offset
    to the TIFF header (ISO/IEC 23008-12, A.2.1), usually 6, skipping ``Exif\\0\\0``.
    """
    if heif_brand(src) is None:
        raise ContainerError("not a HEIF file (no HEIF brand in ftyp)")
    meta = next((b for b in iter_boxes(src, 0, src.size) if b.type == b"meta"), None)
    if meta is None:
        raise ContainerError("HEIF file has no meta box")
    # meta is a full box: 4 bytes of version and flags before its children.
    iinf, iloc = _child(src, meta, b"iinf", 4), _child(src, meta, b"iloc", 4)
    if iinf is None or iloc is None:
        raise ContainerError("HEIF meta box lacks iinf or iloc")
    exif_ids = _exif_item_ids(src, iinf)
    if not exif_ids:
        return None
    extents, method = _item_extents(src, iloc, exif_ids[0])
    if method == 1:
        idat = _child(src, meta, b"idat", 4)
        if idat is None:
            raise ContainerError("HEIF Exif item lies in a missing idat box")
        base: Source = Window(src, idat.offset, idat.length)
    elif method == 0:
        base = src
    else:
        raise ContainerError(f"HEIF Exif item has construction method {method}")
    total = sum(length for _, length in extents)
    if total > MAX_EXIF_ITEM_BYTES:
        raise ContainerError(f"HEIF Exif item of {total} bytes is too large")
    payload = b"".join(base.read_exact(offset, length) for offset, length in extents)
    if len(payload) < 4:
        raise ContainerError("HEIF Exif item too short")
    tiff_at = 4 + struct.unpack(">I", payload[:4])[0]
    tiff = payload[tiff_at:]
    if tiff[:4] not in TIFF_MAGIC:
        raise ContainerError("HEIF Exif item holds no TIFF header where its offset points")
    return tiff


def _exif_item_ids(src: Source, iinf: Box) -> list[int]:
    r = _Reader(src, iinf)
    version = r.uint(1)
    r.uint(3)
    count = r.uint(2 if version == 0 else 4)
    found = []
    for infe in iter_boxes(src, iinf.offset + r.pos, iinf.offset + iinf.length, MAX_ITEMS):
        if len(found) >= count:
            break
        if infe.type != b"infe":
            continue
        e = _Reader(src, infe)
        e_version = e.uint(1)
        e.uint(3)
        if e_version < 2:
            continue  # versions 0/1 carry no item type
        item_id = e.uint(2 if e_version == 2 else 4)
        e.uint(2)  # protection index
        if e.bytes(4) == b"Exif":
            found.append(item_id)
    return found


def _item_extents(src: Source, iloc: Box, item_id: int) -> tuple[list[tuple[int, int]], int]:
    """``([(offset, length), ...], construction_method)`` of ``item_id`` from an ``iloc`` box."""
    r = _Reader(src, iloc)
    version = r.uint(1)
    r.uint(3)
    if version > 2:
        raise ContainerError(f"iloc version {version}")
    sizes = r.uint(1)
    offset_size, length_size = sizes >> 4, sizes & 15
    sizes = r.uint(1)
    base_offset_size, index_size = sizes >> 4, (sizes & 15 if version in (1, 2) else 0)
    if any(s not in (0, 4, 8) for s in (offset_size, length_size, base_offset_size, index_size)):
        raise ContainerError("iloc field sizes are not 0, 4 or 8")
    count = r.uint(2 if version < 2 else 4)
    for _ in range(min(count, MAX_ITEMS)):
        this_id = r.uint(2 if version < 2 else 4)
        method = r.uint(2) & 15 if version in (1, 2) else 0
        r.uint(2)  # data reference index
        base = r.uint(base_offset_size)
        n = r.uint(2)
        if n > MAX_EXTENTS:
            raise ContainerError(f"iloc item with {n} extents")
        extents = []
        for _ in range(n):
            r.uint(index_size)
            offset = r.uint(offset_size)
            length = r.uint(length_size)
            extents.append((base + offset, length))
        if this_id == item_id:
            if any(length == 0 for _, length in extents):
                raise ContainerError("HEIF Exif item extent without a length")
            return extents, method
    raise ContainerError(f"iloc does not locate item {item_id}")
