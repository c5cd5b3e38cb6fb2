"""Real JPEG and EXIF bytes made on the spot (Pillow and piexif)."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

import piexif
from PIL import Image


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
    """A JPEG APP1 EXIF payload (``Exif\\0\\0`` + TIFF) written by piexif."""
    zeroth: dict[int, Any] = {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: model.encode()}
    exif: dict[int, Any] = {}
    gps_ifd: dict[int, Any] = {}
    if orientation is not None:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if taken is not None:
        exif[piexif.ExifIFD.DateTimeOriginal] = taken.encode()
    if lens is not None:
        exif[piexif.ExifIFD.LensModel] = lens.encode()
    if exposure is not None:
        exif[piexif.ExifIFD.ExposureTime] = exposure
    if size is not None:
        exif[piexif.ExifIFD.PixelXDimension] = size[0]
        exif[piexif.ExifIFD.PixelYDimension] = size[1]
    if gps is not None:
        lat, lon = gps
        gps_ifd = {
            piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _dms(abs(lat)),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _dms(abs(lon)),
        }
    return piexif.dump({"0th": zeroth, "Exif": exif, "GPS": gps_ifd})


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
    return ((degrees, 1), (minutes, 1), (seconds, 10000))


def other_encoder_preview(jpeg: bytes, quality: int = 92) -> bytes:
    """A hotpreview of ``jpeg`` as another client would make it (a browser's canvas, say): another
    resampling filter and quality than the reference recipe, so other bytes for the same picture."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    image.thumbnail((150, 150), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()
