"""The raw EXIF bytes of a photo file, exactly as a browser frontend extracts them.

- JPEG: the payload of the first APP1 segment that starts with ``Exif\\0\\0`` (header included),
  as it sits in the file. Not the whole file; XMP (also APP1) is not EXIF.
- TIFF-based RAW (CR2, NEF, ARW, DNG, PEF, SRW, NRW, ORF, RW2): ``Exif\\0\\0`` followed by the
  file's bytes from the TIFF header up to the end of its metadata: IFD0, the Exif, GPS and
  Interoperability IFDs and IFD1, with every value they point to. Offsets inside stay valid
  because the prefix starts at the TIFF header. Image data after the metadata is not sent.
- HEIC/HEIF: ``Exif\\0\\0`` followed by the ``Exif`` item's bytes from its TIFF header on (the item
  starts with a 4-byte offset to that header; see :func:`imalink.exif.containers.heif_exif`).
- Anything else (CR3, RAF, a file that is not what its name says): no EXIF, and a warning.

Only the bytes needed are read. The structure walks are :mod:`imalink.exif.containers`, the
same code the server's EXIF engine reads the payload with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from imalink.exif.containers import (
    EXIF_HEADER,
    ContainerError,
    FileSource,
    Ifd,
    Source,
    TiffHeader,
    as_source,
    heif_exif,
    jpeg_exif,
    read_ifd,
    tiff_header,
)
from imalink.exif.containers import TAG_EXIF_IFD, TAG_GPS_IFD, TAG_INTEROP_IFD

# A RAW's metadata (maker notes included) is tens of kilobytes; an IFD or value that lies
# beyond this is left out rather than dragging megabytes of image data into the payload.
MAX_RAW_EXIF_BYTES = 1024 * 1024

# Blobs that are not EXIF fields (XMP, IPTC, Photoshop, ICC, DNGPrivateData): DNG writers often
# put them after the image data, megabytes into the file. Those are left out without a warning.
BULK_TAGS = frozenset({0x02BC, 0x83BB, 0x8649, 0x8773, 0xC634})


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
    with open(path, "rb") as f:
        return exif_of(f, kind)


def exif_of(data: bytes | BinaryIO | Source, kind: str) -> RawExif:
    """:func:`extract_exif` of a file already open, or of its bytes already read."""
    src = as_source(data)
    try:
        if kind == "jpeg":
            return RawExif(jpeg_exif(src))
        if kind == "heic":
            tiff = heif_exif(src)
            return RawExif(EXIF_HEADER + tiff if tiff is not None else None)
        try:
            header = tiff_header(src)
        except ContainerError:
            return RawExif(None, "EXIF_UNSUPPORTED_FORMAT", "not a TIFF-based RAW; EXIF is not read from it")
        return tiff_exif(src, header)
    except ContainerError as exc:
        return RawExif(None, "EXIF_UNREADABLE", str(exc))


def tiff_exif(src: Source | BinaryIO, header: TiffHeader | None = None) -> RawExif:
    """``Exif\\0\\0`` + the TIFF-structured file's bytes up to the end of its metadata."""
    src = as_source(src)
    header = header or tiff_header(src)
    end, truncated = tiff_metadata_end(src, header)
    data = EXIF_HEADER + src.read_exact(0, end)
    if truncated:
        return RawExif(data, "EXIF_TRUNCATED", f"metadata beyond {MAX_RAW_EXIF_BYTES} bytes was left out")
    return RawExif(data)


def tiff_metadata_end(src: Source, header: TiffHeader, cap: int = MAX_RAW_EXIF_BYTES) -> tuple[int, bool]:
    """Where the metadata ends, and whether any of it lay beyond ``cap`` and was left out.

    Raises :class:`ContainerError` when IFD0 itself is unreadable; a damaged Exif/GPS/Interop IFD
    or IFD1 is skipped (its pointer stays, so the server reports the damage like it would in a JPEG).
    """
    ifd0, problem = read_ifd(src, header.order, header.first_ifd)
    if ifd0 is None or not ifd0.positions:
        raise ContainerError(f"IFD0 is unreadable ({problem})")
    end = 8
    truncated = False
    todo: list[tuple[Ifd | int, tuple[int, ...]]] = [(ifd0, (TAG_EXIF_IFD, TAG_GPS_IFD))]
    if ifd0.next_offset:
        todo.append((ifd0.next_offset, ()))  # IFD1
    seen: set[int] = set()
    while todo:
        where, children = todo.pop()
        ifd = where if isinstance(where, Ifd) else read_ifd(src, header.order, where)[0]
        if ifd is None or ifd.offset in seen:
            continue
        seen.add(ifd.offset)
        if ifd.end > cap:
            truncated = True
            continue
        end = max(end, min(ifd.end, src.size))
        for tag in ifd.positions:
            entry = ifd.entry(tag)
            if entry is None or entry.inline:
                continue
            value_end = entry.offset + entry.size
            if value_end > src.size:
                continue  # a damaged pointer: the server reports it, there is nothing to send
            if value_end > cap:
                truncated = truncated or entry.tag not in BULK_TAGS
            else:
                end = max(end, value_end)
        for tag in children:
            offset = ifd.int(tag)
            if offset:
                todo.append((offset, (TAG_INTEROP_IFD,) if tag == TAG_EXIF_IFD else ()))
    return end, truncated


__all__ = ["EXIF_HEADER", "FileSource", "RawExif", "exif_of", "extract_exif", "jpeg_exif", "tiff_exif", "tiff_metadata_end"]
