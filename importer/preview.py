"""THE hotpreview recipe: the rule every imalink frontend follows to make a photo's small preview.

A hotpreview is made from the photo as a person sees it:

1. Source (see :mod:`importer.embedded` for when a cheaper one stands in): the group's JPEG, else
   its HEIC, else the JPEG embedded in its RAW.
2. Decode small: a JPEG with draft mode (``img.draft("RGB", (150, 150))``: libjpeg scales by 1/2,
   1/4 or 1/8 while decoding, so a 24-megapixel file is never decoded in full); a HEIC through
   pillow-heif, from its embedded thumbnail when that is a scaled copy of the image.
3. Orientation: a JPEG's EXIF orientation (1-8, the table of ``ImageOps.exif_transpose``); for a
   JPEG embedded in a RAW, the RAW's IFD0 orientation; for HEIC none (libheif applies the
   container's ``irot``/``imir``, which the EXIF orientation of an iPhone file repeats).
4. Convert to RGB; shrink so the longest side is 150 px with Pillow's ``thumbnail((150, 150))``
   defaults (aspect kept, BICUBIC after a box reduce, ``reducing_gap=2.0``; never enlarged).
5. Encode as baseline JPEG, quality 85, with no metadata at all (no EXIF, ICC, XMP, comment).

The **hothash** is the lowercase hex SHA-256 of exactly those JPEG bytes. It no longer names a
photo on its own (the content hashes of its files do), so clients whose encoders differ, or who
take the preview from an embedded thumbnail, still import the same file as the same photo.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from PIL import Image, ImageFile, UnidentifiedImageError

HOTPREVIEW_SIZE = 150
HOTPREVIEW_QUALITY = 85

ORIENTATION_TAG = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

Source = str | os.PathLike[str] | bytes | BinaryIO


class PreviewError(ValueError):
    """No hotpreview can be made from the source; the message says why, in words for people."""


@dataclass(frozen=True, slots=True)
class Hotpreview:
    """A hotpreview, the size of the image it shows (after orientation), and how it was made."""

    data: bytes
    width: int
    height: int
    source: str = "decoded"
    """``decoded`` (the image itself), ``thumbnail`` (its EXIF thumbnail), ``embedded`` (a JPEG
    inside a RAW) or ``heic-thumbnail``."""
    warnings: tuple[tuple[str, str], ...] = field(default=())
    """``(code, message)`` of what was off while decoding: ``IMAGE_TRUNCATED``, ``IMAGE_WARNING``."""

    @property
    def hothash(self) -> str:
        """The hothash of this hotpreview."""
        return hothash(self.data)


def hothash(hotpreview: bytes) -> str:
    """Lowercase hex SHA-256 of the hotpreview's JPEG bytes."""
    return hashlib.sha256(hotpreview).hexdigest()


def make_hotpreview(source: Source, *, orientation: int | None = None) -> bytes:
    """The hotpreview JPEG bytes of an image (a path, its bytes, or an open binary file).

    ``orientation`` overrides the image's own EXIF orientation; pass the RAW's orientation when
    the source is a preview embedded in a RAW file. Raises ``OSError``/``ValueError`` (Pillow's
    errors) when the image cannot be decoded.
    """
    return render_hotpreview(source, orientation=orientation).data


def render_hotpreview(
    source: Source,
    *,
    orientation: int | None = None,
    crop: tuple[int, int, int, int] | None = None,
    size: tuple[int, int] | None = None,
    label: str = "decoded",
    allow_truncated: bool = False,
) -> Hotpreview:
    """:func:`make_hotpreview`, also returning the oriented size of the image shown.

    ``crop`` cuts the image first (the picture inside a letterboxed thumbnail, in the source's
    pixels); ``size`` is the width and height to report instead of the source's (a thumbnail
    stands for its main image). ``allow_truncated`` decodes a JPEG whose end is missing (the
    missing part grey) instead of failing, and says so in :attr:`Hotpreview.warnings`.
    """
    decoded = decode_small(_bytes(source), allow_truncated=allow_truncated, read_orientation=orientation is None)
    return finish(decoded, orientation=orientation, crop=crop, size=size, label=label)


@dataclass(slots=True)
class Decoded:
    """A JPEG decoded small: the image, the source's size (unrotated), its EXIF orientation."""

    image: Image.Image
    width: int
    height: int
    orientation: int
    notes: list[tuple[str, str]]

    def box(self, crop: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """``crop`` (in the source's pixels) in the decoded image's pixels (draft mode scales)."""
        sx, sy = self.image.width / self.width, self.image.height / self.height
        return (round(crop[0] * sx), round(crop[1] * sy), round(crop[2] * sx), round(crop[3] * sy))


def decode_small(data: bytes, *, allow_truncated: bool = False, read_orientation: bool = True) -> Decoded:
    """Decode JPEG ``data`` in draft mode, turning Pillow's warnings into notes.

    Raises :class:`PreviewError` (not an image), ``OSError`` (damaged), ``RuntimeError`` (draft
    mode not applied). ``read_orientation=False`` leaves the EXIF to the caller (orientation 1).
    """
    notes: list[tuple[str, str]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            img, width, height, orientation = _decode(data, read_orientation)
        except OSError as exc:
            if not allow_truncated or not _is_truncation(exc):
                raise
            with _truncated_images_allowed():
                img, width, height, orientation = _decode(data, read_orientation)
            notes.append(("IMAGE_TRUNCATED", "the file is cut short; the hotpreview shows what could be read (the rest grey)"))
    notes += [("IMAGE_WARNING", clean_message(str(w.message))) for w in caught]
    return Decoded(img, width, height, orientation, notes)


def finish(
    decoded: Decoded,
    *,
    orientation: int | None = None,
    crop: tuple[int, int, int, int] | None = None,
    size: tuple[int, int] | None = None,
    label: str = "decoded",
) -> Hotpreview:
    """Steps 3-5 of the recipe on a decoded image: crop, orient, shrink, encode."""
    img = decoded.image.crop(decoded.box(crop)) if crop is not None else decoded.image
    if orientation is None:
        orientation = decoded.orientation
    width, height = size if size is not None else displayed((decoded.width, decoded.height), orientation)
    return Hotpreview(_encode(orient(img, orientation)), width, height, label, tuple(decoded.notes))


def displayed(size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """Width and height as displayed (or, of a displayed size, as stored): EXIF orientations 5-8 swap them."""
    return (size[1], size[0]) if orientation and orientation >= 5 else size


def orient(img: Image.Image, orientation: int) -> Image.Image:
    """``img`` turned as EXIF ``orientation`` (1-8) says it is displayed."""
    method = _TRANSPOSE.get(orientation)
    return img.transpose(method) if method is not None else img


def render_image(img: Image.Image, width: int, height: int, label: str) -> Hotpreview:
    """A hotpreview of an image already decoded and oriented."""
    return Hotpreview(_encode(img), width, height, label)


def _bytes(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            return f.read()
    return source.read()


def _decode(data: bytes, read_orientation: bool = True) -> tuple[Image.Image, int, int, int]:
    """Decode ``data`` small: ``(RGB image, width, height, EXIF orientation)``, sizes unrotated."""
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise PreviewError("not an image that can be decoded (JPEG expected)") from None
    with img:
        width, height = img.size
        # Before anything loads the pixels: libjpeg then decodes at 1/2, 1/4 or 1/8 scale
        # (a 4000x3000 JPEG at 500x375). Pillow returns None when it could not apply it.
        if img.draft("RGB", (HOTPREVIEW_SIZE, HOTPREVIEW_SIZE)) is None and img.format == "JPEG":
            raise RuntimeError("JPEG draft mode was not applied")  # would decode at full size
        orientation = img.getexif().get(ORIENTATION_TAG, 1) if read_orientation else 1
        img.load()
        out = img.convert("RGB")
    return out, width, height, orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1


def _encode(img: Image.Image) -> bytes:
    out = img.convert("RGB") if img.mode != "RGB" else img.copy()
    out.thumbnail((HOTPREVIEW_SIZE, HOTPREVIEW_SIZE), Image.Resampling.BICUBIC, reducing_gap=2.0)
    # A fresh image carries no info dict, so nothing of the source's metadata can reach the
    # encoder (Pillow copies e.g. the comment from ``im.info`` on save).
    clean = Image.frombytes("RGB", out.size, out.tobytes())
    buf = io.BytesIO()
    clean.save(buf, "JPEG", quality=HOTPREVIEW_QUALITY)
    return buf.getvalue()


def _is_truncation(exc: OSError) -> bool:
    return "truncated" in str(exc).lower()


@contextlib.contextmanager
def _truncated_images_allowed() -> Iterator[None]:
    """Pillow's ``LOAD_TRUNCATED_IMAGES`` for one decode only (a worker decodes one image at a time)."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


_OBJECT_REPR = re.compile(r"\s*<[\w.]+ object at 0x[0-9a-fA-F]+>")


def clean_message(message: str) -> str:
    """A library's message without the ``<_io.BytesIO object at 0x...>`` it may name."""
    return _OBJECT_REPR.sub("", message).strip() or "decoding failed"


def decode_top(head: bytes, sof_at: int, frame: tuple[int, int], fraction: float) -> Image.Image | None:
    """The top ``fraction`` of a baseline JPEG's picture, decoded at 1/8 scale from ``head`` (the
    file's first bytes), or None when ``head`` does not reach that far or does not decode.

    The frame height in the copy of the SOF is cut, so the decoder stops after those rows.
    """
    width, height = frame
    rows = max(16, int(height * fraction))
    data = bytearray(head)
    data[sof_at + 1 : sof_at + 3] = rows.to_bytes(2, "big")
    with warnings.catch_warnings(), _truncated_images_allowed():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(bytes(data))) as img:
                img.draft("RGB", (max(width // 8, 1), max(rows // 8, 1)))
                img.load()
                strip = img.convert("RGB")
        except (OSError, ValueError, SyntaxError):
            return None
    # Rows the data did not reach are filled with mid-grey: then the strip is not all there.
    last = strip.crop((0, strip.height - 1, strip.width, strip.height)).getextrema()
    if all(lo == hi == 128 for lo, hi in last):
        return None
    return strip


# --- HEIC -----------------------------------------------------------------------------------------


def render_heic(source: Source, thumbnail_rule: Callable[[tuple[int, int]], str | None] | None = None) -> Hotpreview:
    """The hotpreview of a HEIC/HEIF image, from its embedded thumbnail when that may stand in.

    pillow-heif decodes with libheif, which applies the container's rotation and mirroring;
    its ``draft`` picks the smallest thumbnail at least 150x150 that is a scaled copy of the
    picture by its header (same aspect ratio, crop, rotation and colour profile). ``thumbnail_rule``
    is then asked with the picture's size (as stored) and says why not, or None to use it
    (:func:`importer.embedded.heic_thumbnail_rule`); without it the picture itself is decoded.
    """
    from pillow_heif import options  # imported here: only HEIC groups need libheif
    from pillow_heif.as_plugin import HeifImageFile

    # One decoding thread: a worker process per CPU already keeps every core busy, and libde265's
    # threads cost more than they bring on a 320x240 thumbnail.
    options.DECODE_THREADS = 1
    data = _bytes(source)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            img = HeifImageFile(io.BytesIO(data))
        except (SyntaxError, OSError, ValueError) as exc:
            raise PreviewError(f"not a HEIC/HEIF image that can be decoded ({clean_message(str(exc))})") from None
        with img:
            width, height = img.size
            used_thumbnail = thumbnail_rule is not None and thumbnail_rule((width, height)) is None
            used_thumbnail = used_thumbnail and img.draft("RGB", (HOTPREVIEW_SIZE, HOTPREVIEW_SIZE)) is not None
            try:
                img.load()
            except (OSError, ValueError, EOFError) as exc:
                raise PreviewError(f"the HEIC image cannot be decoded ({clean_message(str(exc))})") from None
            out = img.convert("RGB")
    preview = render_image(out, width, height, "heic-thumbnail" if used_thumbnail else "decoded")
    notes = tuple(("IMAGE_WARNING", clean_message(str(w.message))) for w in caught)
    return Hotpreview(preview.data, width, height, preview.source, notes)
