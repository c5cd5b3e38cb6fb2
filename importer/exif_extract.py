"""The raw EXIF bytes of a photo file, exactly as a browser frontend extracts them.

- JPEG: the payload of the APP1 segment that starts with ``Exif\\0\\0`` (header included), as it
  sits in the file. Not the whole file; XMP (also APP1) is not EXIF.
- TIFF-based RAW (CR2, NEF, ARW, DNG, PEF, SRW, NRW, ORF, RW2): ``Exif\\0\\0`` followed by the
  file's bytes from the TIFF header up to the end of its metadata: IFD0, the Exif, GPS and
  Interoperability IFDs and IFD1, with every value they point to. Offsets inside stay valid
  because the prefix starts at the TIFF header. Image data after the metadata is not sent.
- Anything else (HEIC, CR3, RAF, a file that is not what its name says): no EXIF, and a warning.

Only the bytes needed are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from imalink.importer.containers import APP1, CorruptFile, Ifd, TiffFile, iter_jpeg_segments

EXIF_HEADER = b"Exif\x00\x00"
# A RAW's metadata (maker notes included) is tens of kilobytes; an IFD or value that lies
# beyond this is left out rather than dragging megabytes of image data into the payload.
MAX_RAW_EXIF_BYTES = 1024 * 1024

# Blobs that are not EXIF fields (XMP, IPTC, Photoshop, ICC, DNGPrivateData): DNG writers often
# put them after the image data, megabytes into the file. Those are left out without a warning.
BULK_TAGS = frozenset({0x02BC, 0x83BB, 0x8649, 0x8773, 0xC634})

TAG_EXIF_IFD = 0x8769
TAG_GPS_IFD = 0x8825
TAG_INTEROP_IFD = 0xA005


@dataclass(frozen=True, slots=True)
class RawExif:
    """What was found: the payload (or None) and, when something was wrong, a warning."""

    data: bytes | None
    warning_code: str | None = None
    warning: str | None = None


def extract_exif(path: str, kind: str) -> RawExif:
    """The raw EXIF of the file at ``path`` of the given kind (``jpeg``, ``raw``, ``heic``).

    Raises :class:`OSError` when the file cannot be read at all.
    """
    if kind == "heic":
        return exif_of(None, kind)  # not even opened
    with open(path, "rb") as f:
        return exif_of(f, kind)


def exif_of(f: BinaryIO | None, kind: str) -> RawExif:
    """:func:`extract_exif` of a file already open (e.g. ``io.BytesIO`` over bytes read once).

    The file is read from offset 0, and only its JPEG header segments or its RAW metadata.
    """
    if kind == "heic" or f is None:
        return RawExif(None, "EXIF_UNSUPPORTED_FORMAT", "EXIF is not read from HEIC files")
    try:
        if kind == "jpeg":
            return RawExif(jpeg_exif(f))
        size = f.seek(0, 2)
        try:
            tiff = TiffFile(f, size)
        except CorruptFile:
            return RawExif(None, "EXIF_UNSUPPORTED_FORMAT", "not a TIFF-based RAW; EXIF is not read from it")
        return tiff_exif(tiff)
    except CorruptFile as exc:
        return RawExif(None, "EXIF_UNREADABLE", str(exc))


def jpeg_exif(f: BinaryIO) -> bytes | None:
    """The ``Exif\\0\\0`` APP1 payload of the JPEG in ``f``, or None when it has none."""
    for seg in iter_jpeg_segments(f):
        if seg.marker == APP1 and seg.length >= len(EXIF_HEADER):
            f.seek(seg.offset)
            if f.read(len(EXIF_HEADER)) == EXIF_HEADER:
                f.seek(seg.offset)
                payload = f.read(seg.length)
                if len(payload) != seg.length:
                    raise CorruptFile("JPEG ends inside its EXIF segment")
                return payload
    return None


def tiff_exif(tiff: TiffFile) -> RawExif:
    """``Exif\\0\\0`` + the TIFF-structured file's bytes up to the end of its metadata."""
    end, truncated = tiff_metadata_end(tiff)
    tiff.f.seek(0)
    data = EXIF_HEADER + tiff.f.read(end)
    if truncated:
        return RawExif(data, "EXIF_TRUNCATED", f"metadata beyond {MAX_RAW_EXIF_BYTES} bytes was left out")
    return RawExif(data)


def tiff_metadata_end(tiff: TiffFile, cap: int = MAX_RAW_EXIF_BYTES) -> tuple[int, bool]:
    """Where the metadata of ``tiff`` ends, and whether any of it lay beyond ``cap`` and was left out.

    Raises :class:`CorruptFile` when IFD0 itself is unreadable; a damaged Exif/GPS/Interop IFD or
    IFD1 is skipped (its pointer stays, so the server reports the damage like it would in a JPEG).
    """
    end = 8
    truncated = False
    ifd0 = tiff.read_ifd(tiff.first_ifd)
    todo: list[tuple[Ifd | int, tuple[int, ...]]] = [(ifd0, (TAG_EXIF_IFD, TAG_GPS_IFD))]
    if ifd0.next_offset:
        todo.append((ifd0.next_offset, ()))  # IFD1
    seen: set[int] = set()
    while todo:
        where, children = todo.pop()
        try:
            ifd = where if isinstance(where, Ifd) else tiff.read_ifd(where)
        except CorruptFile:
            continue
        if ifd.offset in seen:
            continue
        seen.add(ifd.offset)
        if ifd.end > cap:
            truncated = True
            continue
        end = max(end, ifd.end)
        for entry in ifd.entries.values():
            if entry.inline:
                continue
            value_end = entry.value_offset + entry.size
            if value_end > tiff.size:
                continue  # a damaged pointer: the server reports it, there is nothing to send
            if value_end > cap:
                truncated = truncated or entry.tag not in BULK_TAGS
            else:
                end = max(end, value_end)
        for tag in children:
            offset = tiff.int(ifd, tag)
            if offset:
                todo.append((offset, (TAG_INTEROP_IFD,) if tag == TAG_EXIF_IFD else ()))
    return end, truncated
