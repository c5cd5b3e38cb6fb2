"""Photo files built in memory for the importer tests (used by conftest's fixtures and tests).

A uniquely named module rather than helpers in conftest.py: other test folders have their own
conftest.py, so ``from conftest import ...`` would be ambiguous.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

# The RAW stand-in and the EXIF payload are the shared vectors' own builders (one of each).
from imalink.importer.vectors import exif_payload, raw_bytes  # noqa: F401

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def two_colour_image(size: tuple[int, int]) -> Image.Image:
    """Left half red, right half blue."""
    img = Image.new("RGB", size, RED)
    img.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return img


def jpeg_bytes(size: tuple[int, int] = (400, 200), *, exif: bytes | None = None, quality: int = 90, **save: Any) -> bytes:
    """A two-colour JPEG, optionally carrying ``exif`` (bytes from ``exif_payload``)."""
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"quality": quality, **save}
    if exif is not None:
        kwargs["exif"] = exif
    two_colour_image(size).save(buf, "JPEG", **kwargs)
    return buf.getvalue()


@dataclass
class RawFile:
    """A RAW stand-in on disk and what the tests need to know about its layout."""

    path: Path
    metadata_end: int
    """Offset just past IFD0, the Exif IFD and IFD1 (when the preview sits in IFD1)."""
    preview: bytes
