"""The hotpreview recipe and the hothash."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from imalink.exif.containers import BytesSource, iter_jpeg_segments
from imalink.importer.preview import HOTPREVIEW_QUALITY, HOTPREVIEW_SIZE, hothash, make_hotpreview, render_hotpreview
from imalink.importer.reading import read_file, read_span
from imalink.importer.grouping import iter_groups
from imalink.importer.process import process_group
from imalink.importer.scan import PhotoFile, iter_folders
from photo_builders import BLUE, RED, exif_payload, jpeg_bytes, raw_bytes


def find_embedded_preview(path: str):  # type: ignore[no-untyped-def]
    """The embedded JPEG the importer decodes for a RAW-only group, and the orientation it applies."""
    _, plan, _ = read_file(PhotoFile(path, Path(path).name, Path(path).stat().st_size))
    if plan is None:
        raise ValueError("no embedded JPEG")
    return type("Found", (), {"jpeg": read_span(path, plan.span), "orientation": plan.orientation, "crop": plan.crop})


def _close(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour))


def _markers(jpeg: bytes) -> set[int]:
    return {seg.marker for seg in iter_jpeg_segments(BytesSource(jpeg))}


def test_hotpreview_follows_the_recipe(tmp_path: Path, make_jpeg) -> None:
    path = make_jpeg(tmp_path / "IMG_1.JPG", (1600, 800), comment=b"private note", icc_profile=b"\0" * 200)
    data = make_hotpreview(path)
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG" and img.mode == "RGB"
    assert img.size == (150, 75)
    # Only JFIF (APP0), tables, frame: no EXIF/XMP (APP1), ICC (APP2) or comment (COM).
    assert _markers(data) <= {0xE0, 0xDB, 0xC0, 0xC4}
    assert hothash(data) == hashlib.sha256(data).hexdigest()
    assert hothash(data) == hothash(data).lower() and len(hothash(data)) == 64


def test_hotpreview_is_deterministic_from_path_bytes_or_file(tmp_path: Path, make_jpeg) -> None:
    path = make_jpeg(tmp_path / "IMG_1.JPG", (1024, 768))
    with open(path, "rb") as f:
        from_file = make_hotpreview(f)
    assert make_hotpreview(path) == make_hotpreview(str(path)) == make_hotpreview(path.read_bytes()) == from_file


def test_small_images_are_not_enlarged(tmp_path: Path, make_jpeg) -> None:
    img = Image.open(io.BytesIO(make_hotpreview(make_jpeg(tmp_path / "small.jpg", (100, 40)))))
    assert img.size == (100, 40)


def test_orientation_is_applied(tmp_path: Path, make_jpeg) -> None:
    # Orientation 6: the stored image is displayed rotated 90° clockwise, so its left (red)
    # half ends up on top.
    preview = render_hotpreview(make_jpeg(tmp_path / "IMG_1.JPG", (400, 200), orientation=6))
    img = Image.open(io.BytesIO(preview.data))
    assert img.size == (75, 150)
    assert (preview.width, preview.height) == (200, 400)
    assert _close(img.getpixel((37, 20)), RED) and _close(img.getpixel((37, 130)), BLUE)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_matches_exif_transpose(tmp_path: Path, make_jpeg, orientation: int) -> None:
    path = make_jpeg(tmp_path / "IMG_1.JPG", (640, 320), orientation=orientation)
    # The recipe spelled out with Pillow's own exif_transpose.
    with Image.open(path) as img:
        img.draft("RGB", (HOTPREVIEW_SIZE, HOTPREVIEW_SIZE))
        img = ImageOps.exif_transpose(img).convert("RGB")
    img.thumbnail((HOTPREVIEW_SIZE, HOTPREVIEW_SIZE))  # Pillow's defaults
    buf = io.BytesIO()
    Image.frombytes("RGB", img.size, img.tobytes()).save(buf, "JPEG", quality=HOTPREVIEW_QUALITY)
    assert make_hotpreview(path) == buf.getvalue()


def test_draft_mode_keeps_big_files_cheap(tmp_path: Path, make_jpeg) -> None:
    path = make_jpeg(tmp_path / "big.jpg", (4000, 3000))
    with Image.open(path) as img:
        img.draft("RGB", (HOTPREVIEW_SIZE, HOTPREVIEW_SIZE))
        assert img.size == (500, 375)  # libjpeg decodes at 1/8 scale
    assert Image.open(io.BytesIO(make_hotpreview(path))).size == (150, 113)


def test_grayscale_and_cmyk_sources_become_rgb() -> None:
    for mode in ("L", "CMYK"):
        buf = io.BytesIO()
        Image.new(mode, (300, 200)).save(buf, "JPEG")
        assert Image.open(io.BytesIO(make_hotpreview(buf.getvalue()))).mode == "RGB"


def test_corrupt_source_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        make_hotpreview(b"\xff\xd8\xff\xe0 not a jpeg")
    with pytest.raises(OSError):
        make_hotpreview(jpeg_bytes((800, 600))[:400])  # truncated


@pytest.mark.parametrize("preview_in", ["ifd1", "subifd"])
def test_raw_embedded_preview_with_raw_orientation(tmp_path: Path, make_raw, preview_in: str) -> None:
    embedded = jpeg_bytes((640, 320))
    raw = make_raw(tmp_path / "DSC_1.NEF", preview=embedded, preview_in=preview_in, orientation=6)
    found = find_embedded_preview(str(raw.path))
    assert found.jpeg == embedded and found.orientation == 6
    img = Image.open(io.BytesIO(make_hotpreview(found.jpeg, orientation=found.orientation)))
    assert img.size == (75, 150)
    assert _close(img.getpixel((37, 20)), RED)


def test_raw_orientation_overrides_the_embedded_jpegs_own(tmp_path: Path) -> None:
    embedded = jpeg_bytes((640, 320), exif=exif_payload(orientation=3))
    assert Image.open(io.BytesIO(make_hotpreview(embedded, orientation=1))).getpixel((10, 37))[0] > 200  # red stays left


def test_the_smallest_embedded_jpeg_of_the_pictures_shape_wins(tmp_path: Path) -> None:
    big, thumb = jpeg_bytes((960, 480)), jpeg_bytes((160, 80))
    data, _ = raw_bytes(preview=big, preview_in="subifd", thumbnail=thumb)
    path = tmp_path / "IMG_1.DNG"
    path.write_bytes(data)
    assert find_embedded_preview(str(path)).jpeg == thumb
    (group,) = iter_groups(iter_folders([path]))
    preview = process_group(group).preview
    assert preview.source == "embedded" and (preview.width, preview.height) == (960, 480)


def test_an_embedded_jpeg_too_small_or_of_another_shape_is_passed_over(tmp_path: Path) -> None:
    big = jpeg_bytes((960, 480))
    # Too small; and square with bands that are not dark (so not a letterboxed copy).
    for thumb in (jpeg_bytes((128, 64)), jpeg_bytes((160, 160))):
        data, _ = raw_bytes(preview=big, preview_in="subifd", thumbnail=thumb)
        path = tmp_path / "IMG_1.DNG"
        path.write_bytes(data)
        (group,) = iter_groups(iter_folders([path]))
        result = process_group(group)
        assert result.preview.data == make_hotpreview(big, orientation=1)
        assert (result.preview.width, result.preview.height) == (960, 480)


def test_a_letterboxed_embedded_thumbnail_is_cut_to_the_picture(tmp_path: Path) -> None:
    # A DSLR's 160x120 thumbnail of a 3:2 picture: black bands above and below.
    picture = Image.new("RGB", (160, 107), RED)
    picture.paste(BLUE, (80, 0, 160, 107))
    boxed = Image.new("RGB", (160, 120), (0, 0, 0))
    boxed.paste(picture, (0, 6))
    buf = io.BytesIO()
    boxed.save(buf, "JPEG", quality=95)
    data, _ = raw_bytes(preview=jpeg_bytes((1500, 1000)), preview_in="subifd", thumbnail=buf.getvalue())
    path = tmp_path / "IMG_1.NEF"
    path.write_bytes(data)
    found = find_embedded_preview(str(path))
    assert found.jpeg == buf.getvalue() and found.crop == (0, 6, 160, 113)


def test_non_tiff_raw_is_scanned_for_its_jpeg(tmp_path: Path) -> None:
    embedded = jpeg_bytes((480, 240))
    path = tmp_path / "DSCF0001.RAF"
    path.write_bytes(b"FUJIFILMCCD-RAW " + bytes(300) + embedded + bytes(5000))
    found = find_embedded_preview(str(path))
    assert found.orientation == 1
    assert make_hotpreview(found.jpeg) == make_hotpreview(embedded)


def test_raw_without_preview_raises(tmp_path: Path) -> None:
    path = tmp_path / "x.CR3"
    path.write_bytes(bytes(10_000))
    with pytest.raises(ValueError):
        find_embedded_preview(str(path))


def test_draft_is_applied_before_the_pixels_are_loaded(tmp_path: Path, make_jpeg, monkeypatch) -> None:
    from PIL import ImageFile, JpegImagePlugin

    drafts: list[object] = []
    loads: list[tuple[int, int]] = []
    draft, load = JpegImagePlugin.JpegImageFile.draft, ImageFile.ImageFile.load

    def spy_draft(self, mode, size):  # type: ignore[no-untyped-def]
        drafts.append(result := draft(self, mode, size))
        return result

    def spy_load(self):  # type: ignore[no-untyped-def]
        if self.format == "JPEG" and not loads:
            loads.append(self.size)
        return load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy_draft)
    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    preview = render_hotpreview(make_jpeg(tmp_path / "big.jpg", (4000, 3000)).read_bytes())
    assert drafts[0] is not None
    assert loads == [(500, 375)]  # decoded at 1/8 scale, never at 4000x3000
    assert (preview.width, preview.height) == (4000, 3000)


def test_a_jpeg_whose_draft_fails_is_refused_not_decoded_in_full(tmp_path: Path, make_jpeg, monkeypatch) -> None:
    from PIL import JpegImagePlugin

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", lambda self, mode, size: None)
    with pytest.raises(RuntimeError, match="draft"):
        make_hotpreview(make_jpeg(tmp_path / "a.jpg"))


@pytest.mark.parametrize("thumbnail", [False, True], ids=["decoded", "from-thumbnail"])
def test_a_truncated_jpeg_with_intact_exif_is_imported_with_one_warning(tmp_path: Path, thumbnail: bool) -> None:
    from imalink.importer.vectors import camera_jpeg, exif_payload, picture, thumbnail_jpeg

    img = picture((800, 600), 2)
    payload = exif_payload(thumbnail=thumbnail_jpeg(img) if thumbnail else None, pixel_size=img.size)
    whole = camera_jpeg(img, payload)
    (tmp_path / "IMG_1.JPG").write_bytes(whole[: len(whole) * 2 // 3])
    (group,) = iter_groups(iter_folders([tmp_path]))
    result = process_group(group)
    assert result.sendable and not result.errors
    assert result.images[0].exif == payload  # the EXIF is sent whole
    assert [w.code for w in result.warnings] == ["IMAGE_TRUNCATED"]
    assert result.preview.source == ("thumbnail" if thumbnail else "decoded")
    assert (result.preview.width, result.preview.height) == (800, 600)
