"""Finding the EXIF payload inside JPEG bytes (a RAW file's embedded preview)."""

from __future__ import annotations

from .containers import BytesSource, ContainerError, jpeg_exif_segment


def find_exif_segment(jpeg: bytes) -> bytes | None:
    """The APP1 ``Exif\\0\\0`` payload of a JPEG, or ``None``; stops at the image data."""
    source = BytesSource(jpeg)
    try:
        segment = jpeg_exif_segment(source)
    except ContainerError:
        return None
    return source.read(segment.offset, segment.length) if segment is not None else None
