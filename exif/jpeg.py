"""Finding the EXIF payload inside JPEG bytes (a RAW file's embedded preview)."""

from __future__ import annotations

import struct

from .tiff import EXIF_PREFIX

_MAX_SEGMENTS = 64  # EXIF sits in the first few segments; the cap bounds a hostile walk.


def find_exif_segment(jpeg: bytes) -> bytes | None:
    """The APP1 ``Exif\\0\\0`` payload of a JPEG, or ``None``; stops at the image data."""
    if jpeg[:2] != b"\xff\xd8":
        return None
    pos, end = 2, len(jpeg)
    for _ in range(_MAX_SEGMENTS):
        if pos + 4 > end or jpeg[pos] != 0xFF:
            return None
        marker = jpeg[pos + 1]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no metadata after this
            return None
        (length,) = struct.unpack_from(">H", jpeg, pos + 2)
        if length < 2:
            return None
        payload = jpeg[pos + 4 : pos + 2 + length]
        if marker == 0xE1 and payload[:6] == EXIF_PREFIX:
            return payload
        pos += 2 + length
    return None
