"""The embedded-preview rule (importer/embedded.py): when a JPEG's EXIF thumbnail or a RAW's small
preview stands in for decoding the picture, and when it must not."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image, ImageOps, ImageStat

from imalink.importer.embedded import fit, same_picture, thumbnail_of
from imalink.importer.grouping import iter_groups
from imalink.importer.preview import make_hotpreview
from imalink.importer.process import _thumbnails_verified, process_groups
from imalink.importer.scan import iter_folders
from imalink.importer.vectors import camera_jpeg, exif_payload, heic_bytes, picture, pillow_jpeg, thumbnail_jpeg

SIZE = (1200, 900)


def camera(img: Image.Image, *, thumb_of: Image.Image | None = None, **exif: object) -> bytes:
    exif.setdefault("pixel_size", img.size)
    return camera_jpeg(img, exif_payload(thumbnail=thumbnail_jpeg(thumb_of or img), **exif))  # type: ignore[arg-type]


def verdict(data: bytes) -> str:
    thumb, why = thumbnail_of(data)
    return "thumbnail" if thumb is not None else why


def test_a_camera_file_uses_its_thumbnail() -> None:
    assert verdict(camera(picture(SIZE))) == "thumbnail"
    assert verdict(camera(picture(SIZE), orientation=6)) == "thumbnail"


@pytest.mark.parametrize(
    "edit, reason",
    [
        ("jfif", "re-saved by an editor"),
        ("rotated", "smaller than a hotpreview"),  # seen as a pillarboxed 90x120 picture: too small
        ("small", "smaller than a hotpreview"),
        ("pixels", "PixelXDimension"),
        ("software", "edited with GIMP"),
        ("modified", "modified after it was taken"),
    ],
)
def test_an_edited_file_is_decoded(edit: str, reason: str) -> None:
    img = picture(SIZE)
    if edit == "jfif":
        data = pillow_jpeg(img, exif=exif_payload(thumbnail=thumbnail_jpeg(img)))
    elif edit == "rotated":
        turned = img.transpose(Image.Transpose.ROTATE_90)
        data = camera(turned, thumb_of=img, pixel_size=None)
    elif edit == "small":
        data = camera_jpeg(img, exif_payload(thumbnail=thumbnail_jpeg(img, box=120)))
    elif edit == "pixels":
        data = camera(img.resize((600, 450)), thumb_of=img, pixel_size=SIZE)
    elif edit == "software":
        data = camera(img, software="GIMP 2.10.36")
    else:
        data = camera(img, modified="2024:01:01 00:00:00")
    assert reason in verdict(data)


def test_fit_knows_letterboxes_and_pillarboxes() -> None:
    assert fit((160, 120), (4000, 3000)) is None
    assert fit((160, 120), (6000, 4000)) == (0, 6, 160, 113)
    assert fit((160, 120), (3000, 3000)) == (20, 0, 140, 120)
    assert fit((160, 120), (3000, 4000)) == (35, 0, 125, 120)
    assert fit((120, 160), (4000, 3000)) == (0, 35, 120, 125)


def test_same_picture_tells_recolouring_and_other_pictures_apart() -> None:
    a = picture((300, 225), 1)
    assert same_picture(a, a.resize((150, 113)))
    assert same_picture(a, Image.open(io.BytesIO(pillow_jpeg(a, 40))))
    assert not same_picture(a, ImageOps.grayscale(a).convert("RGB"))
    assert not same_picture(a, picture((300, 225), 2))


def test_the_import_uses_thumbnails_and_checks_the_first_of_each_camera(tmp_path: Path) -> None:
    _thumbnails_verified.clear()
    for i in range(3):
        (tmp_path / f"IMG_{i}.JPG").write_bytes(camera(picture(SIZE, i), make="Fujifilm", model="X100V"))
    sources = [pg.preview.source for pg in process_groups(iter_groups(iter_folders([tmp_path])), workers=1)]
    # The first is decoded too (and compared); the rest come from their thumbnails.
    assert sources == ["thumbnail", "thumbnail", "thumbnail"]
    assert _thumbnails_verified[("jpeg", "Fujifilm", "X100V", "")] is True


def test_a_batch_edit_with_camera_like_exif_is_caught_by_the_first_check(tmp_path: Path) -> None:
    _thumbnails_verified.clear()
    for i in range(3):
        img = picture(SIZE, i)
        grey = ImageOps.grayscale(img).convert("RGB")
        (tmp_path / f"IMG_{i}.JPG").write_bytes(camera(grey, thumb_of=img, make="Fujifilm", model="X-T4", software="BatchTone 3"))
    results = list(process_groups(iter_groups(iter_folders([tmp_path])), workers=1))
    assert [pg.preview.source for pg in results] == ["decoded"] * 3
    assert results[0].preview.data == make_hotpreview((tmp_path / "IMG_0.JPG").read_bytes(), orientation=1)


def test_a_thumbnail_preview_reports_the_pictures_size(tmp_path: Path) -> None:
    _thumbnails_verified.clear()
    (tmp_path / "IMG_1.JPG").write_bytes(camera(picture(SIZE), orientation=8))
    (pg,) = process_groups(iter_groups(iter_folders([tmp_path])), workers=1)
    assert pg.preview.source == "thumbnail"
    assert (pg.preview.width, pg.preview.height) == (900, 1200)
    assert Image.open(io.BytesIO(pg.preview.data)).size in ((112, 150), (113, 150))


def test_a_letterboxed_thumbnail_with_bright_bands_is_not_used(tmp_path: Path) -> None:
    _thumbnails_verified.clear()
    img = picture((1500, 1000))
    fake = Image.new("RGB", (160, 120), (250, 250, 250))  # 4:3 and not dark at the top and bottom
    fake.paste(img.resize((160, 107)), (0, 6))
    payload = exif_payload(thumbnail=pillow_jpeg(fake, 80), pixel_size=(1500, 1000))
    (tmp_path / "IMG_1.JPG").write_bytes(camera_jpeg(img, payload))
    (pg,) = process_groups(iter_groups(iter_folders([tmp_path])), workers=1)
    assert pg.preview.source == "decoded" and (pg.preview.width, pg.preview.height) == (1500, 1000)


def test_dark_letterbox_bands_are_cut_off(tmp_path: Path) -> None:
    _thumbnails_verified.clear()
    img = picture((1500, 1000))
    boxed = Image.new("RGB", (160, 120))
    boxed.paste(img.resize((160, 107)), (0, 6))
    payload = exif_payload(thumbnail=pillow_jpeg(boxed, 90), pixel_size=(1500, 1000))
    (tmp_path / "IMG_1.JPG").write_bytes(camera_jpeg(img, payload))
    (pg,) = process_groups(iter_groups(iter_folders([tmp_path])), workers=1)
    assert pg.preview.source == "thumbnail"
    preview = Image.open(io.BytesIO(pg.preview.data))
    assert preview.size == (150, 100)
    top = ImageStat.Stat(preview.convert("L").crop((0, 0, 150, 3))).mean[0]
    wanted = ImageStat.Stat(img.resize((150, 100)).convert("L").crop((0, 0, 150, 3))).mean[0]
    assert abs(top - wanted) < 15  # the picture's own top rows, no black band left


@pytest.mark.parametrize("edit", ["recoloured", "cropped", "other picture"])
def test_pixels_changed_under_verbatim_exif_are_caught_by_the_top_rows(tmp_path: Path, edit: str) -> None:
    _thumbnails_verified.clear()
    _thumbnails_verified[("jpeg", "Canon", "Canon EOS 5D", "")] = True  # the camera's own files came first
    img = picture(SIZE, 4)
    changed = {
        "recoloured": ImageOps.grayscale(img).convert("RGB"),
        "cropped": img.crop((300, 225, 1200, 900)).resize(SIZE),
        "other picture": picture(SIZE, 5),
    }[edit]
    (tmp_path / "IMG_1.JPG").write_bytes(camera(changed, thumb_of=img))
    (pg,) = process_groups(iter_groups(iter_folders([tmp_path])), workers=1)
    assert pg.preview.source == "decoded"


def test_a_progressive_main_image_is_decoded(tmp_path: Path) -> None:
    _thumbnails_verified.clear()
    img = picture(SIZE)
    plain = pillow_jpeg(img, progressive=True)
    payload = exif_payload(thumbnail=thumbnail_jpeg(img), pixel_size=SIZE)
    app0_end = 4 + int.from_bytes(plain[4:6], "big")
    (tmp_path / "IMG_1.JPG").write_bytes(b"\xff\xd8\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + plain[app0_end:])
    (pg,) = process_groups(iter_groups(iter_folders([tmp_path])), workers=1)
    assert pg.preview.source == "decoded"


# --- HEIC: the thumbnail image, held to the same rule ---------------------------------------------

HEIC_SIZE = (640, 480)


def iphone_heic(img: Image.Image, **exif: object) -> bytes:
    """A HEIC as an iPhone writes it: a 320x240 thumbnail image, EXIF orientation 6 kept as the
    container's rotation, PixelX/YDimension of the picture as stored."""
    fields: dict[str, object] = {"make": "Apple", "model": "iPhone 13", "software": "17.1", "orientation": 6, "pixel_size": img.size}
    return heic_bytes(img, exif_payload(**{**fields, **exif}))  # type: ignore[arg-type]


def stale_heic(shown: Image.Image, thumbnail_of: Image.Image) -> bytes:
    """A HEIC whose picture is ``shown`` but whose thumbnail image shows ``thumbnail_of`` (both of
    one size: every header agrees), as a tool that swapped the picture and kept the thumbnail
    would leave it. Made by pillow-heif, then the primary item and the thumbnail's reference are
    pointed at the second picture (two bytes each)."""
    heif = pillow_heif.from_pillow(thumbnail_of)
    heif.add_from_pillow(shown)
    buf = io.BytesIO()
    heif.save(buf, format="HEIF", quality=50, thumbnails=[320], enc_params={"preset": "ultrafast"})
    data = bytearray(buf.getvalue())
    (thmb,) = [m.start() for m in re.finditer(b"thmb", data)]  # from_item_ID(2) count(2) to_item_ID(2)
    pitm = data.index(b"pitm")  # version/flags(4) item_ID(2)
    first, thumb = bytes(data[pitm + 8 : pitm + 10]), bytes(data[thmb + 4 : thmb + 6])
    assert bytes(data[thmb + 8 : thmb + 10]) == first
    (second,) = {bytes(data[m.start() - 4 : m.start() - 2]) for m in re.finditer(b"hvc1", data)} - {first, thumb}
    data[pitm + 8 : pitm + 10] = data[thmb + 8 : thmb + 10] = second
    return bytes(data)


def heic_sources(folder: Path) -> list[str]:
    return [pg.preview.source for pg in process_groups(iter_groups(iter_folders([folder])), workers=1)]


def test_an_iphone_heic_uses_its_thumbnail_after_the_first_is_checked(tmp_path: Path) -> None:
    _thumbnails_verified.clear()
    for i in range(3):
        (tmp_path / f"IMG_{i}.HEIC").write_bytes(iphone_heic(picture(HEIC_SIZE, i)))
    results = list(process_groups(iter_groups(iter_folders([tmp_path])), workers=1))
    assert [pg.preview.source for pg in results] == ["heic-thumbnail"] * 3
    assert _thumbnails_verified[("heic", "Apple", "iPhone 13", "17.1")] is True
    # Shown as the phone took it (turned by the container's rotation), and the same picture as a
    # hotpreview of the whole image.
    assert (results[0].preview.width, results[0].preview.height) == (480, 640)
    with Image.open(io.BytesIO(results[0].preview.data)) as got:
        assert got.size == (112, 150)
        assert same_picture(got.convert("RGB"), picture(HEIC_SIZE, 0).transpose(Image.Transpose.ROTATE_270))


@pytest.mark.parametrize(
    "edit",
    ["software", "modified", "pixels"],
)
def test_an_edited_heic_is_decoded(tmp_path: Path, edit: str) -> None:
    _thumbnails_verified.clear()
    img = picture(HEIC_SIZE, 3)
    hints = {"software": {"software": "Adobe Lightroom 7.0"}, "modified": {"modified": "2024:01:01 10:00:00"},
             "pixels": {"pixel_size": (1280, 960)}}[edit]
    (tmp_path / "IMG_1.HEIC").write_bytes(iphone_heic(img, **hints))
    assert heic_sources(tmp_path) == ["decoded"]
    assert _thumbnails_verified == {}  # the rule said no before any picture was compared


def test_a_heic_whose_thumbnail_shows_another_picture_is_caught_by_the_first_check(tmp_path: Path) -> None:
    _thumbnails_verified.clear()
    for i in range(2):
        (tmp_path / f"IMG_{i}.HEIC").write_bytes(stale_heic(picture(HEIC_SIZE, 4 + i), picture(HEIC_SIZE, 6 + i)))
    results = list(process_groups(iter_groups(iter_folders([tmp_path])), workers=1))
    # Every header agrees; the full decode of the first file shows another picture, so this
    # camera's (no EXIF: an unknown one's) files are decoded from then on.
    assert [pg.preview.source for pg in results] == ["decoded", "decoded"]
    assert _thumbnails_verified[("heic", "", "", "")] is False
    with Image.open(io.BytesIO(results[1].preview.data)) as got:
        assert same_picture(got.convert("RGB"), picture(HEIC_SIZE, 5))
