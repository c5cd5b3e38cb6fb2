"""Photo files built in memory for the importer tests (used by conftest's fixtures and tests).

A uniquely named module rather than helpers in conftest.py: other test folders have their own
conftest.py, so ``from conftest import ...`` would be ambiguous.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import piexif
from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def two_colour_image(size: tuple[int, int]) -> Image.Image:
    """Left half red, right half blue."""
    img = Image.new("RGB", size, RED)
    img.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return img


def jpeg_bytes(size: tuple[int, int] = (400, 200), *, exif: bytes | None = None, quality: int = 90, **save: Any) -> bytes:
    """A two-colour JPEG, optionally carrying ``exif`` (bytes from piexif.dump)."""
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"quality": quality, **save}
    if exif is not None:
        kwargs["exif"] = exif
    two_colour_image(size).save(buf, "JPEG", **kwargs)
    return buf.getvalue()


def exif_dump(*, make: str = "Canon", model: str = "EOS 5D", orientation: int | None = None, taken: str = "2023:06:01 12:30:45") -> bytes:
    """piexif-made EXIF (``Exif\\0\\0`` + TIFF) with camera, orientation and capture time."""
    zeroth: dict[int, Any] = {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: model.encode()}
    if orientation is not None:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    exif_ifd = {piexif.ExifIFD.DateTimeOriginal: taken.encode(), piexif.ExifIFD.ISOSpeedRatings: 200}
    return piexif.dump({"0th": zeroth, "Exif": exif_ifd, "GPS": {}, "1st": {}})


@dataclass
class RawFile:
    """A RAW stand-in on disk and what the tests need to know about its layout."""

    path: Path
    metadata_end: int
    """Offset just past IFD0, the Exif IFD and IFD1 (when the preview sits in IFD1)."""
    preview: bytes


def _ifd(entries: list[tuple[int, int, int, bytes]], offset: int, next_offset: int, order: str) -> bytes:
    """One IFD at ``offset`` followed by its out-of-line values."""
    n = len(entries)
    values_at = offset + 2 + 12 * n + 4
    body, values = b"", b""
    for tag, typ, count, payload in sorted(entries):
        if len(payload) <= 4:
            field = payload.ljust(4, b"\0")
        else:
            field = struct.pack(order + "I", values_at + len(values))
            values += payload + (b"\0" if len(payload) % 2 else b"")
        body += struct.pack(order + "HHI", tag, typ, count) + field
    return struct.pack(order + "H", n) + body + struct.pack(order + "I", next_offset) + values


def raw_bytes(
    *,
    make: str = "Canon",
    model: str = "EOS R5",
    orientation: int = 1,
    taken: str = "2023:06:01 12:30:45",
    preview: bytes | None = None,
    preview_in: str = "ifd1",
    thumbnail: bytes | None = None,
    sensor_bytes: int = 200_000,
    order: str = "<",
    magic: bytes | None = None,
) -> tuple[bytes, int]:
    """The bytes of a TIFF RAW stand-in and the offset where its metadata ends.

    ``preview_in`` is ``"ifd1"`` or ``"subifd"``; ``thumbnail`` (optional) then goes in IFD1
    when the preview is in the SubIFD.
    """
    def ascii_(s: str) -> tuple[int, bytes]:
        b = s.encode() + b"\0"
        return len(b), b

    def short(v: int) -> bytes:
        return struct.pack(order + "H", v)

    def long(v: int) -> bytes:
        return struct.pack(order + "I", v)

    preview = preview if preview is not None else jpeg_bytes((320, 160))
    make_n, make_b = ascii_(make)
    model_n, model_b = ascii_(model)
    taken_n, taken_b = ascii_(taken)

    def layout(offsets: dict[str, int]) -> dict[str, bytes]:
        ifd0 = [(0x010F, 2, make_n, make_b), (0x0110, 2, model_n, model_b), (0x0112, 3, 1, short(orientation)), (0x8769, 4, 1, long(offsets["exif"]))]
        if preview_in == "subifd":
            ifd0.append((0x014A, 4, 1, long(offsets["sub"])))
        has_ifd1 = preview_in == "ifd1" or thumbnail is not None
        blocks = {
            "ifd0": _ifd(ifd0, 8, offsets["ifd1"] if has_ifd1 else 0, order),
            "exif": _ifd([(0x9003, 2, taken_n, taken_b), (0x8827, 3, 1, short(100))], offsets["exif"], 0, order),
        }
        ifd1_jpeg = preview if preview_in == "ifd1" else thumbnail
        if has_ifd1:
            assert ifd1_jpeg is not None
            blocks["ifd1"] = _ifd([(0x0103, 3, 1, short(6)), (0x0201, 4, 1, long(offsets["ifd1_jpeg"])), (0x0202, 4, 1, long(len(ifd1_jpeg)))], offsets["ifd1"], 0, order)
        if preview_in == "subifd":
            blocks["sub"] = _ifd([(0x00FE, 4, 1, long(1)), (0x0201, 4, 1, long(offsets["sub_jpeg"])), (0x0202, 4, 1, long(len(preview)))], offsets["sub"], 0, order)
            blocks["sub_jpeg"] = preview
        if has_ifd1:
            blocks["ifd1_jpeg"] = ifd1_jpeg  # type: ignore[assignment]
        return blocks

    names = ["ifd0", "exif", "ifd1", "sub", "ifd1_jpeg", "sub_jpeg"]
    offsets = {name: 0 for name in names}
    blocks = layout(offsets)
    pos = 8
    for name in names:  # sizes do not depend on offsets, so one pass places everything
        if name in blocks:
            offsets[name] = pos
            pos += len(blocks[name])
    blocks = layout(offsets)
    metadata_end = offsets["exif"] + len(blocks["exif"])
    if "ifd1" in blocks:
        metadata_end = offsets["ifd1"] + len(blocks["ifd1"])
    head = (magic or (b"II*\x00" if order == "<" else b"MM\x00*")) + struct.pack(order + "I", 8)
    data = head + b"".join(blocks[n] for n in names if n in blocks)
    sensor = bytes((i * 7919) % 251 for i in range(sensor_bytes))
    return data + sensor, metadata_end
