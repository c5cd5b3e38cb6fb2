"""Real JPEG and EXIF bytes made on the spot (Pillow and piexif)."""

from __future__ import annotations

import base64
import hashlib
import io
from PIL import Image

from imalink.importer.vectors import exif_payload


def jpeg(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (150, 100), label: str = "") -> bytes:
    """A small real JPEG; a distinct ``label`` (a JPEG comment) gives a distinct hothash."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=85, comment=label)
    return buffer.getvalue()


def distinct_jpegs(count: int, prefix: str = "photo") -> list[bytes]:
    """``count`` JPEGs with different bytes."""
    return [jpeg((i * 37 % 256, i * 91 % 256, 77), label=f"{prefix}-{i}") for i in range(count)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def exif_blob(
    make: str = "Canon",
    model: str = "Canon EOS 40D",
    taken: str | None = "2021:06:01 12:30:45",
    orientation: int | None = None,
    gps: tuple[float, float] | None = None,
    lens: str | None = None,
    size: tuple[int, int] | None = None,
    exposure: tuple[int, int] | None = (1, 125),
) -> bytes:
    """A JPEG APP1 EXIF payload (``Exif\\0\\0`` + TIFF) by the shared vectors' builder, with these
    tests' defaults (no ISO, an exposure time)."""
    return exif_payload(make=make, model=model, taken=taken, orientation=orientation, gps=gps, lens=lens,
                        pixel_size=size, exposure=exposure, iso=None)


def other_encoder_preview(jpeg: bytes, quality: int = 92) -> bytes:
    """A hotpreview of ``jpeg`` as another client would make it (a browser's canvas, say): another
    resampling filter and quality than the reference recipe, so other bytes for the same picture."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    image.thumbnail((150, 150), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()
