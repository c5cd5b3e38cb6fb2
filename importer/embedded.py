"""Cheaper sources for a hotpreview: the JPEGs a photo file carries besides its picture.

Decoding a 12-megapixel JPEG costs ~50 ms even in draft mode (libjpeg must entropy-decode every
coefficient), while most cameras embed a 160x120 thumbnail in the EXIF (IFD1) and RAWs one or
more preview JPEGs. Identity no longer rests on the hotpreview's bytes (the content hash names a
file), so the hotpreview may come from them -- but only where they show the same picture. An
edited JPEG can carry a stale thumbnail: a tool that crops, rotates or recolours the pixels and
copies the EXIF unchanged. The rule, checked from a few hundred header bytes:

**An EXIF thumbnail (IFD1) is used when all of these hold**, else the JPEG is decoded:

1. the EXIF APP1 is the first segment after SOI (as cameras and phones write it; an editor that
   re-encodes writes its JFIF APP0 first);
2. the thumbnail is a baseline/progressive JPEG lying inside the EXIF payload, at least
   150 px on its long side (a hotpreview is never enlarged);
3. its aspect ratio is the main image's (within one thumbnail pixel), or it is the main image
   letterboxed/pillarboxed in a 4:3 or similar frame (DSLRs: a 3:2 picture in 160x120 with black
   bands, which are cut off after checking that they are dark);
4. PixelXDimension/PixelYDimension, when present, are the frame's size (within 16 px of MCU
   padding): a resize or crop that kept the EXIF leaves them stale;
5. no edit hints: IFD0 ``Software`` names no editor (:data:`EDITORS`), and IFD0 ``DateTime``
   (ModifyDate) equals ``DateTimeOriginal`` when both are present.

6. the main image is baseline (its top rows can be decoded alone), and **its top sixteenth,
   decoded from the first part of the file only, is the same picture as the thumbnail's top rows**
   (:func:`same_strip`; the file's first ~15 % is read and decoded at 1/8 scale with the frame
   height cut to 1/16: about a tenth of a full decode). This catches recoloured, cropped and
   swapped pictures whose EXIF was copied unchanged, which no header can tell.

The orientation is the JPEG's own (a thumbnail is stored like its main image). Each worker also
checks the first thumbnail of every camera and software it meets against a full decode
(:func:`same_picture`) and decodes that camera's files from then on if they differ.

**A RAW's embedded JPEGs**: the smallest decodable one at least 150 px on its long side whose
aspect ratio matches the largest one's (letterboxing allowed as above), with the RAW's IFD0
orientation.

**A HEIC's thumbnail image** (:func:`heic_thumbnail_rule`): the one pillow-heif's ``draft``
finds a scaled copy by its header (rules 2 and 3: at least 150x150, same shape, crop, rotation,
colour profile), with the EXIF's edit hints of rules 4 and 5, and the per-worker check of the
first file of each camera against a full decode. Rule 6 has no HEIC counterpart: HEVC tiles
cannot be decoded in part through pillow-heif.

``benchmarks/embedded_preview_bench.py`` measures the rule's precision and recall on generated
edits (docs/import-client.md gives the figures).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PIL import Image

from imalink.exif.containers import (
    APP1,
    DECODABLE_SOF,
    EXIF_HEADER,
    SOF_MARKERS,
    BytesSource,
    ContainerError,
    Ifd,
    Segment,
    Source,
    iter_jpeg_segments,
    jpeg_frame,
    read_ifd,
    tiff_header,
)
from imalink.exif.containers import TAG_DATETIME, TAG_DATETIME_ORIGINAL, TAG_EXIF_IFD, TAG_JPEG_LENGTH, TAG_JPEG_OFFSET
from imalink.exif.containers import TAG_MAKE, TAG_MODEL, TAG_ORIENTATION, TAG_PIXEL_X, TAG_PIXEL_Y, TAG_SOFTWARE
from imalink.importer.preview import displayed

MIN_SIDE = 150  # the hotpreview's long side: a smaller source would have to be enlarged
BASELINE_SOF = frozenset({0xC0, 0xC1})
MCU_SLACK = 16
# Substrings (lower case) of Software values written by editors and converters, not cameras.
EDITORS = (
    "photoshop", "lightroom", "gimp", "capture one", "darktable", "rawtherapee", "digikam",
    "picasa", "paint.net", "pixelmator", "affinity", "luminar", "acdsee", "snapseed", "photoscape",
    "faststone", "irfanview", "xnview", "shotwell", "windows photo", "microsoft photo", "photos ",
    "preview", "imagemagick", "graphicsmagick", "pillow", "python", "gthumb", "photo editor",
    "dxo", "on1", "aperture", "iphoto", "skylum", "corel", "paintshop", "canva", "vsco", "picsart",
)


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A JPEG to make the hotpreview from instead of the main image, and how to use it."""

    jpeg: bytes
    crop: tuple[int, int, int, int] | None
    """The picture inside letterbox/pillarbox bands (left, top, right, bottom), checked after decoding."""
    key: tuple[str, str, str, str]
    """(``jpeg``, Make, Model, Software): files with the same key are verified once against a full decode."""
    sof_at: int = 0
    """Offset of the main JPEG's SOF payload in the file (set by the reader)."""
    scan_at: int = 0
    """Offset where the main JPEG's image data starts (its SOS segment)."""


@dataclass(frozen=True, slots=True)
class ExifFacts:
    """What the thumbnail rule reads from an EXIF payload."""

    orientation: int
    make: str
    model: str
    software: str
    modified: str | None
    original: str | None
    pixel_size: tuple[int, int] | None
    thumbnail: tuple[int, int] | None
    """(offset, length) of the IFD1 JPEG inside the payload's TIFF bytes."""


def _text(ifd: Ifd | None, tag: int) -> str | None:
    entry = ifd.get(tag) if ifd is not None else None
    if entry is None or entry.type != 2:
        return None
    raw = ifd.value(entry, 256).split(b"\x00", 1)[0].strip()  # type: ignore[union-attr]
    return raw.decode("latin-1") if raw else None


def exif_facts(payload: bytes) -> ExifFacts | None:
    """Orientation, camera, edit hints and the IFD1 thumbnail's place, from an EXIF payload."""
    tiff = BytesSource(payload[len(EXIF_HEADER):] if payload.startswith(EXIF_HEADER) else payload)
    try:
        header = tiff_header(tiff)
        ifd0, _ = read_ifd(tiff, header.order, header.first_ifd)
        if ifd0 is None:
            return None
        exif_offset = ifd0.int(TAG_EXIF_IFD)
        exif = read_ifd(tiff, header.order, exif_offset)[0] if exif_offset else None
        ifd1 = read_ifd(tiff, header.order, ifd0.next_offset)[0] if ifd0.next_offset else None
    except ContainerError:
        return None
    orientation = ifd0.int(TAG_ORIENTATION) or 1
    px, py = (exif.int(TAG_PIXEL_X), exif.int(TAG_PIXEL_Y)) if exif is not None else (None, None)
    thumbnail = None
    if ifd1 is not None:
        start, length = ifd1.int(TAG_JPEG_OFFSET), ifd1.int(TAG_JPEG_LENGTH)
        if start and length and start + length <= tiff.size:
            thumbnail = (start, length)
    return ExifFacts(
        orientation=orientation if 1 <= orientation <= 8 else 1,
        make=_text(ifd0, TAG_MAKE) or "",
        model=_text(ifd0, TAG_MODEL) or "",
        software=_text(ifd0, TAG_SOFTWARE) or "",
        modified=_text(ifd0, TAG_DATETIME),
        original=_text(exif, TAG_DATETIME_ORIGINAL),
        pixel_size=(px, py) if px and py else None,
        thumbnail=thumbnail,
    )


def fit(small: tuple[int, int], large: tuple[int, int]) -> tuple[int, int, int, int] | None | bool:
    """How ``small`` shows ``large``: ``None`` (same aspect ratio), a crop box (letterboxed or
    pillarboxed: the box holding the picture), or ``False`` (another picture shape)."""
    (tw, th), (w, h) = small, large
    if tw <= 0 or th <= 0 or w <= 0 or h <= 0:
        return False
    if abs(tw * h - th * w) <= max(w, h):
        return None
    if w * th > h * tw:  # the picture is wider than the frame: bands above and below
        inner = round(tw * h / w)
        top = (th - inner) // 2
        return (0, top, tw, top + inner) if top >= 1 and inner >= 1 else False
    inner = round(th * w / h)
    left = (tw - inner) // 2
    return (left, 0, left + inner, th) if left >= 1 and inner >= 1 else False


def exif_thumbnail(payload: bytes | None, frame: tuple[int, int], exif_first: bool) -> tuple[Thumbnail | None, str]:
    """The IFD1 thumbnail to use for a JPEG whose frame is ``frame`` (w, h), or None and why not."""
    if payload is None:
        return None, "no EXIF"
    if not exif_first:
        return None, "re-saved by an editor (EXIF is not the first segment)"
    facts = exif_facts(payload)
    if facts is None or facts.thumbnail is None:
        return None, "no thumbnail"
    tiff = payload[len(EXIF_HEADER):]
    start, length = facts.thumbnail
    jpeg = tiff[start : start + length]
    try:
        sof, tw, th = jpeg_frame(BytesSource(jpeg))
    except ContainerError:
        return None, "thumbnail is not a JPEG"
    if sof not in DECODABLE_SOF:
        return None, "thumbnail is not a baseline or progressive JPEG"
    crop = fit((tw, th), frame)
    if crop is False:
        return None, "thumbnail shape differs from the picture's"
    box = crop or (0, 0, tw, th)
    if max(box[2] - box[0], box[3] - box[1]) < MIN_SIDE:
        return None, "thumbnail smaller than a hotpreview"
    hint = edit_hint(facts, frame)
    if hint is not None:
        return None, hint
    return Thumbnail(jpeg, crop or None, camera_key(facts)), "ok"


def edit_hint(facts: ExifFacts, frame: tuple[int, int]) -> str | None:
    """What in the EXIF says the picture was changed after its thumbnail was made (rules 4 and 5),
    or None: PixelXDimension/PixelYDimension not the frame's size, an editor's Software, a
    ModifyDate other than DateTimeOriginal. The same hints for a JPEG's and a HEIC's thumbnail."""
    if facts.pixel_size is not None and not _close(facts.pixel_size, frame):
        return "PixelXDimension/PixelYDimension differ from the frame (resized or cropped)"
    software = facts.software.lower()
    if any(editor in software for editor in EDITORS):
        return f"edited with {facts.software}"
    if facts.modified and facts.original and facts.modified.strip() != facts.original.strip():
        return "modified after it was taken (DateTime differs from DateTimeOriginal)"
    return None


def camera_key(facts: ExifFacts | None, kind: str = "jpeg") -> tuple[str, str, str, str]:
    """Files whose thumbnails are verified once per worker against a full decode: one kind of
    thumbnail (``jpeg``: EXIF IFD1; ``heic``: a HEIC's thumbnail item) of one Make, Model, Software."""
    if facts is None:
        return (kind, "", "", "")
    return (kind, facts.make, facts.model, facts.software)


def heic_thumbnail_rule(facts: ExifFacts | None, shown: tuple[int, int]) -> str | None:
    """Why a HEIC's thumbnail image may not stand in for its picture, ``shown`` (w, h) as libheif
    gives it (after the container's rotation), or None when it may. pillow-heif's ``draft`` has
    already chosen a thumbnail that is a scaled copy by its header (at least 150x150, same aspect
    ratio, crop, rotation, mirroring and colour profile); these are the EXIF's edit hints of the
    JPEG rule (:func:`edit_hint`). The picture itself is compared per worker, on the first file
    of each camera key."""
    if facts is None:
        return None  # no EXIF: nothing says it was edited (libheif writes thumbnails on every save)
    # PixelX/YDimension describe the picture as stored, which the EXIF orientation turns (an
    # iPhone's 4032x3024 with orientation 6 is shown 3024x4032; its irot repeats the orientation).
    return edit_hint(facts, displayed(shown, facts.orientation))


def _close(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return abs(a[0] - b[0]) <= MCU_SLACK and abs(a[1] - b[1]) <= MCU_SLACK


def bands_are_dark(img: Image.Image, crop: tuple[int, int, int, int]) -> bool:
    """True when everything outside ``crop`` is near black (the bands of a letterboxed thumbnail)."""
    w, h = img.size
    grey = img.convert("L")
    bands = [(0, 0, w, crop[1]), (0, crop[3], w, h), (0, 0, crop[0], h), (crop[2], 0, w, h)]
    for box in bands:
        if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
            continue
        lo, hi = grey.crop(box).getextrema()
        if hi > 40:
            return False
    return True


@dataclass(frozen=True, slots=True)
class EmbeddedChoice:
    """The embedded JPEG to decode, the picture inside its bands, and the largest as a fallback."""

    span: tuple[int, int]
    crop: tuple[int, int, int, int] | None
    fallback: tuple[int, int] | None
    """The largest JPEG, to decode when the chosen one's bands turn out not to be dark."""
    size: tuple[int, int]
    """The largest JPEG's width and height: the picture's size as reported (unrotated)."""


def choose_embedded(candidates: list[tuple[int, int, int, int]]) -> EmbeddedChoice | None:
    """From a RAW's decodable embedded JPEGs ``(offset, length, width, height)``, the one to use:
    the smallest at least :data:`MIN_SIDE` on its long side whose shape matches the largest's
    (letterboxing allowed), else the largest itself."""
    if not candidates:
        return None
    largest = max(candidates, key=lambda c: c[2] * c[3])
    for offset, length, w, h in sorted(candidates, key=lambda c: c[2] * c[3]):
        crop = fit((w, h), (largest[2], largest[3]))
        if crop is False:
            continue
        box = crop or (0, 0, w, h)
        if max(box[2] - box[0], box[3] - box[1]) >= MIN_SIDE:
            return EmbeddedChoice((offset, length), crop or None, (largest[0], largest[1]) if crop else None, (largest[2], largest[3]))
    return EmbeddedChoice((largest[0], largest[1]), None, None, (largest[2], largest[3]))


def jpeg_candidates(src: Source, places: list[tuple[int, int]], max_bytes: int) -> list[tuple[int, int, int, int]]:
    """The decodable JPEGs among ``places`` ``(offset, length)``, with their frame sizes."""
    found = []
    for offset, length in places:
        if length > max_bytes or offset + length > src.size:
            continue
        try:
            sof, w, h = jpeg_frame(src, offset, offset + length)
        except ContainerError:
            continue
        if sof in DECODABLE_SOF and w and h:
            found.append((offset, length, w, h))
    return found


# --- "the same picture" -------------------------------------------------------------------------


MAX_HASH_DISTANCE = 12
MAX_COLOUR_DIFFERENCE = 20.0
STRIP_HEIGHT = 1 / 16
"""The part of the main image's height whose top rows are compared with the thumbnail's."""


def fingerprint(img: Image.Image, grid: tuple[int, int] = (8, 8), sketch: tuple[int, int] = (8, 8)) -> tuple[int, bytes]:
    """A difference hash of the luminance (``grid`` cells, one bit each: is a cell brighter than
    its right neighbour) and a colour sketch of ``img`` (``sketch`` cells of RGB)."""
    cols, rows = grid
    grey = img.convert("L").resize((cols + 1, rows), Image.Resampling.BOX).tobytes()
    bits = 0
    for y in range(rows):
        row = grey[y * (cols + 1) : (y + 1) * (cols + 1)]
        for x in range(cols):
            bits = (bits << 1) | (row[x] > row[x + 1])
    return bits, img.convert("RGB").resize(sketch, Image.Resampling.BOX).tobytes()


def _alike(a: tuple[int, bytes], b: tuple[int, bytes]) -> bool:
    (ha, ca), (hb, cb) = a, b
    colour = sum(abs(x - y) for x, y in zip(ca, cb)) / len(ca)
    return bin(ha ^ hb).count("1") <= MAX_HASH_DISTANCE and colour <= MAX_COLOUR_DIFFERENCE


def same_picture(a: Image.Image, b: Image.Image) -> bool:
    """True when ``a`` and ``b`` show the same picture: a 64-bit difference hash of the luminance
    within 12 bits, and an 8x8 colour sketch within 20/255 on average.

    Both must already be oriented alike and of (nearly) the same aspect ratio; sizes may differ.
    """
    return _alike(fingerprint(a), fingerprint(b))


def same_strip(a: Image.Image, b: Image.Image) -> bool:
    """:func:`same_picture` for wide strips (the top rows of a thumbnail and of its main image):
    the difference hash on a 16x4 grid, the colour sketch 16x2."""
    return _alike(fingerprint(a, (16, 4), (16, 2)), fingerprint(b, (16, 4), (16, 2)))


def jpeg_thumbnail(src: Source, segments: list[Segment], payload: bytes | None, frame: tuple[int, int]) -> tuple[Thumbnail | None, str]:
    """The EXIF thumbnail of the JPEG in ``src`` (its header ``segments``, its EXIF ``payload``,
    its ``frame`` size) that the rule lets stand in for it, or None and why not."""
    first = segments[0] if segments else None
    exif_first = first is not None and first.marker == APP1 and payload is not None and first.length == len(payload)
    thumbnail, why = exif_thumbnail(payload, frame, exif_first)
    if thumbnail is None:
        return None, why
    sof = next((seg for seg in segments if seg.marker in SOF_MARKERS), None)
    if sof is None or sof.marker not in BASELINE_SOF:
        # Only a baseline image's top rows can be decoded from the start of the file alone.
        return None, "the picture is not baseline (its top rows cannot be checked)"
    return replace(thumbnail, sof_at=sof.offset, scan_at=segments[-1].offset + segments[-1].length), "ok"


def thumbnail_of(jpeg: bytes) -> tuple[Thumbnail | None, str]:
    """:func:`jpeg_thumbnail` of a whole JPEG file's bytes (the header part of the rule)."""
    from imalink.importer.exif_extract import jpeg_exif

    src = BytesSource(jpeg)
    try:
        segments = list(iter_jpeg_segments(src))
        _, width, height = jpeg_frame(src)
        payload = jpeg_exif(src)
    except ContainerError as exc:
        return None, str(exc)
    return jpeg_thumbnail(src, segments, payload, (width, height))


__all__ = ["EmbeddedChoice", "Thumbnail", "bands_are_dark", "camera_key", "choose_embedded", "edit_hint", "exif_facts", "exif_thumbnail", "fit", "heic_thumbnail_rule", "jpeg_candidates", "jpeg_thumbnail", "same_picture", "same_strip", "thumbnail_of"]
