"""THE hotpreview recipe and the hothash: the rule every imalink frontend must follow.

A hotpreview is made from the photo as a person sees it:

1. Source: the group's JPEG; for a RAW-only group, the largest JPEG embedded in the RAW.
2. Decode with JPEG draft mode (``img.draft("RGB", (150, 150))``): libjpeg scales by 1/2, 1/4 or
   1/8 while decoding, so a 24-megapixel file is never decoded in full.
3. Apply the EXIF orientation (1-8, the table of ``ImageOps.exif_transpose``): the JPEG's own tag,
   or for an embedded preview the RAW's IFD0 Orientation (embedded previews are stored unrotated).
4. Convert to RGB; shrink so the longest side is 150 px with Pillow's ``thumbnail((150, 150))``
   defaults (aspect kept, BICUBIC after a box reduce, ``reducing_gap=2.0``; never enlarged).
5. Encode as baseline JPEG, quality 85, with no metadata at all (no EXIF, ICC, XMP, comment).

The **hothash** is the lowercase hex SHA-256 of exactly those JPEG bytes; it names the photo.
Import :func:`make_hotpreview` and :func:`hothash` rather than re-implementing them.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

from imalink.importer.containers import DECODABLE_SOF, CorruptFile, TiffFile, jpeg_frame

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


@dataclass(frozen=True, slots=True)
class Hotpreview:
    """A hotpreview and the size of the image it shows (after orientation)."""

    data: bytes
    width: int
    height: int

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


def render_hotpreview(source: Source, *, orientation: int | None = None) -> Hotpreview:
    """:func:`make_hotpreview`, also returning the source image's oriented width and height."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    with Image.open(source) as img:
        width, height = img.size
        # Before anything loads the pixels: libjpeg then decodes at 1/2, 1/4 or 1/8 scale
        # (a 4000x3000 JPEG at 500x375). Pillow returns None when it could not apply it.
        if img.draft("RGB", (HOTPREVIEW_SIZE, HOTPREVIEW_SIZE)) is None and img.format == "JPEG":
            raise RuntimeError("JPEG draft mode was not applied")  # would decode at full size
        if orientation is None:
            orientation = img.getexif().get(ORIENTATION_TAG, 1)
        method = _TRANSPOSE.get(orientation)  # type: ignore[arg-type]
        out = img.convert("RGB")
    if method is not None:
        out = out.transpose(method)
        if orientation >= 5:  # type: ignore[operator]
            width, height = height, width
    out.thumbnail((HOTPREVIEW_SIZE, HOTPREVIEW_SIZE), Image.Resampling.BICUBIC, reducing_gap=2.0)
    # A fresh image carries no info dict, so nothing of the source's metadata can reach the
    # encoder (Pillow copies e.g. the comment from ``im.info`` on save).
    clean = Image.frombytes("RGB", out.size, out.tobytes())
    buf = io.BytesIO()
    clean.save(buf, "JPEG", quality=HOTPREVIEW_QUALITY)
    return Hotpreview(buf.getvalue(), width, height)


# --- the JPEG embedded in a RAW file ------------------------------------------------------------

MAX_EMBEDDED_JPEG_BYTES = 64 * 1024 * 1024
# Where to look for an embedded JPEG when the file has no TIFF structure telling where it is.
SCAN_WINDOW_BYTES = 16 * 1024 * 1024
MAX_SCAN_CANDIDATES = 64

TAG_NEW_SUBFILE_TYPE = 0x00FE
TAG_COMPRESSION = 0x0103
TAG_STRIP_OFFSETS = 0x0111
TAG_STRIP_BYTE_COUNTS = 0x0117
TAG_SUB_IFDS = 0x014A
TAG_JPEG_OFFSET = 0x0201
TAG_JPEG_LENGTH = 0x0202
TAG_PANASONIC_JPG_FROM_RAW = 0x002E


@dataclass(frozen=True, slots=True)
class EmbeddedPreview:
    """The JPEG a RAW file carries for display, and the RAW's orientation."""

    jpeg: bytes
    orientation: int


def find_embedded_preview(path: str) -> EmbeddedPreview:
    """The largest decodable JPEG embedded in the RAW file at ``path``.

    TIFF-based RAWs say where their JPEGs are (JPEGInterchangeFormat/Length, or a single JPEG
    strip, in IFD0, its chain or SubIFDs); other files are scanned for JPEG start markers within
    the first 16 MiB. Raises :class:`CorruptFile` when no embedded JPEG is found.
    """
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        orientation = 1
        candidates: list[tuple[int, int]] = []
        try:
            tiff = TiffFile(f, size)
        except CorruptFile:
            tiff = None
        if tiff is not None:
            try:
                orientation, candidates = _tiff_jpegs(tiff)
            except CorruptFile:
                pass
        best: tuple[int, int, int] | None = None  # (area, offset, length)
        for offset, length in candidates:
            if length > MAX_EMBEDDED_JPEG_BYTES or offset + length > size:
                continue
            try:
                sof, w, h = jpeg_frame(f, offset, offset + length)
            except (CorruptFile, OSError, ValueError):
                continue
            if sof in DECODABLE_SOF and (best is None or w * h > best[0]):
                best = (w * h, offset, length)
        if best is not None:
            f.seek(best[1])
            return EmbeddedPreview(f.read(best[2]), orientation)
        f.seek(0)
        window = f.read(SCAN_WINDOW_BYTES)
    return EmbeddedPreview(_scan_for_jpeg(window), orientation)


def _tiff_jpegs(tiff: TiffFile) -> tuple[int, list[tuple[int, int]]]:
    """The RAW's orientation and the (offset, length) of every JPEG its IFDs point to."""
    ifd0 = tiff.read_ifd(tiff.first_ifd)
    orientation = tiff.int(ifd0, ORIENTATION_TAG) or 1
    found: list[tuple[int, int]] = []
    todo = [(tiff.first_ifd, 0)]
    seen: set[int] = set()
    while todo and len(seen) < 64:
        offset, depth = todo.pop()
        if offset in seen:
            continue
        seen.add(offset)
        try:
            ifd = tiff.read_ifd(offset)
        except CorruptFile:
            continue
        start, length = tiff.int(ifd, TAG_JPEG_OFFSET), tiff.int(ifd, TAG_JPEG_LENGTH)
        if start and length:
            found.append((start, length))
        if tiff.int(ifd, TAG_COMPRESSION) in (6, 7):  # JPEG-compressed image in strips
            starts, lengths = (tiff.ints(ifd.entries[t]) if t in ifd.entries else () for t in (TAG_STRIP_OFFSETS, TAG_STRIP_BYTE_COUNTS))
            if len(starts) == 1 and len(lengths) == 1:
                found.append((starts[0], lengths[0]))
        panasonic = ifd.entries.get(TAG_PANASONIC_JPG_FROM_RAW)
        if panasonic is not None and not panasonic.inline:
            found.append((panasonic.value_offset, panasonic.size))
        if ifd.next_offset:
            todo.append((ifd.next_offset, depth))
        if depth < 3 and TAG_SUB_IFDS in ifd.entries:
            todo.extend((sub, depth + 1) for sub in tiff.ints(ifd.entries[TAG_SUB_IFDS], limit=16))
    return orientation if orientation in range(1, 9) else 1, found


def _scan_for_jpeg(window: bytes) -> bytes:
    """The largest decodable JPEG starting inside ``window`` (to the window's end)."""
    view = io.BytesIO(window)
    best: tuple[int, int] | None = None  # (area, offset)
    pos = window.find(b"\xff\xd8\xff")
    tries = 0
    while pos >= 0 and tries < MAX_SCAN_CANDIDATES:
        tries += 1
        try:
            sof, w, h = jpeg_frame(view, pos)
            if sof in DECODABLE_SOF and (best is None or w * h > best[0]):
                best = (w * h, pos)
        except (CorruptFile, OSError, ValueError):
            pass
        pos = window.find(b"\xff\xd8\xff", pos + 3)
    if best is None:
        raise CorruptFile("no embedded JPEG preview found")
    return window[best[1] :]
