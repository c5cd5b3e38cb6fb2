"""The raw EXIF bytes: exactly the JPEG APP1 payload, or the RAW's TIFF metadata prefix."""

from __future__ import annotations

import io
from pathlib import Path

import piexif
import pytest

from photo_builders import exif_payload, jpeg_bytes, raw_bytes
from imalink.importer.exif_extract import EXIF_HEADER, exif_of, extract_exif, jpeg_exif, tiff_exif
from imalink.importer.vectors import heic_bytes, picture
from tests.exif.tiffbuild import Tag, build_exif


class CountingFile(io.BytesIO):
    """A file that counts the bytes read from it."""

    bytes_read = 0

    def read(self, n: int | None = -1) -> bytes:  # type: ignore[override]
        data = super().read(n)
        self.bytes_read += len(data)
        return data


def test_jpeg_exif_is_the_app1_payload_exactly(tmp_path: Path) -> None:
    payload = exif_payload(orientation=6)
    path = tmp_path / "IMG_1.JPG"
    path.write_bytes(jpeg_bytes(exif=payload))
    got = extract_exif(str(path), "jpeg")
    assert got.data == payload
    assert got.data.startswith(EXIF_HEADER)
    assert got.warning_code is None
    assert piexif.load(got.data)["0th"][piexif.ImageIFD.Make] == b"Canon"


def test_jpeg_exif_skips_other_segments_and_xmp(tmp_path: Path) -> None:
    payload = exif_payload()
    plain = jpeg_bytes(exif=payload)
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"
    app1_xmp = b"\xff\xe1" + (len(xmp) + 2).to_bytes(2, "big") + xmp
    com = b"\xff\xfe\x00\x07hello"
    path = tmp_path / "IMG_2.jpg"
    path.write_bytes(plain[:2] + b"\xff\xff" + com + app1_xmp + plain[2:])  # fill byte, COM, XMP first
    assert extract_exif(str(path), "jpeg").data == payload


def test_jpeg_without_exif_has_none_and_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    path.write_bytes(jpeg_bytes())
    got = extract_exif(str(path), "jpeg")
    assert got.data is None and got.warning_code is None


def test_jpeg_exif_reads_only_the_header() -> None:
    f = CountingFile(jpeg_bytes((2000, 1500), exif=exif_payload(), quality=95))
    assert jpeg_exif(f) is not None
    assert f.bytes_read < 2 * len(exif_payload()) < len(f.getvalue()) // 10


@pytest.mark.parametrize("preview_in", ["ifd1", "subifd"])
def test_raw_exif_is_the_tiff_metadata_prefix(tmp_path: Path, make_raw, preview_in: str) -> None:
    raw = make_raw(tmp_path / "IMG_1.CR2", orientation=8, preview_in=preview_in, sensor_bytes=500_000)
    got = extract_exif(str(raw.path), "raw")
    file_bytes = raw.path.read_bytes()
    assert got.data == EXIF_HEADER + file_bytes[: raw.metadata_end]
    assert len(got.data) < 2000 < len(file_bytes)
    assert raw.preview not in got.data  # the preview and the sensor data stay out
    tags = piexif.load(got.data)
    assert tags["0th"][piexif.ImageIFD.Model] == b"EOS R5"
    assert tags["0th"][piexif.ImageIFD.Orientation] == 8
    assert tags["Exif"][piexif.ExifIFD.DateTimeOriginal] == b"2023:06:01 12:30:45"
    assert got.warning_code is None


def test_raw_exif_big_endian_and_vendor_magics(tmp_path: Path) -> None:
    for name, options in [("a.PEF", {"order": ">"}), ("b.RW2", {"magic": b"IIU\x00"}), ("c.ORF", {"magic": b"IIRO"})]:
        data, end = raw_bytes(**options)
        path = tmp_path / name
        path.write_bytes(data)
        assert extract_exif(str(path), "raw").data == EXIF_HEADER + data[:end], name


def test_raw_exif_reads_only_the_metadata() -> None:
    data, end = raw_bytes(sensor_bytes=2_000_000)
    f = CountingFile(data)
    assert tiff_exif(f).data == EXIF_HEADER + data[:end]
    assert f.bytes_read < 2 * end + 1000


def test_unreadable_formats_get_no_exif_and_a_warning(tmp_path: Path) -> None:
    cr3 = tmp_path / "IMG_1.CR3"
    cr3.write_bytes(b"\x00\x00\x00\x18ftypcrx " + bytes(1000))
    got = extract_exif(str(cr3), "raw")
    assert got.data is None and got.warning_code == "EXIF_UNSUPPORTED_FORMAT"

    heic = tmp_path / "IMG_1.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(100))
    got = extract_exif(str(heic), "heic")
    assert got.data is None and got.warning_code == "EXIF_UNREADABLE" and "meta" in got.warning


@pytest.mark.parametrize("tiles", [0, 256])
def test_heic_exif_is_the_exif_items_tiff_with_the_exif_header(tmp_path: Path, tiles: int) -> None:
    payload = exif_payload(make="Apple", orientation=6)
    path = tmp_path / "IMG_1.HEIC"
    path.write_bytes(heic_bytes(picture((600, 400)), payload, tile_size=tiles))
    got = extract_exif(str(path), "heic")
    assert got.data == payload and got.warning_code is None


def test_heic_without_exif_has_none_and_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "IMG_2.HEIC"
    path.write_bytes(heic_bytes(picture((64, 64)), None, thumbnail=None))
    got = extract_exif(str(path), "heic")
    assert got.data is None and got.warning_code is None


def test_heic_exif_reads_only_the_boxes_and_the_item() -> None:
    payload = exif_payload(make="Apple")
    f = CountingFile(heic_bytes(picture((1024, 768)), payload))
    assert exif_of(f, "heic").data == payload
    assert f.bytes_read < 4096 < len(f.getvalue())


def test_damaged_raw_and_jpeg_are_warnings_not_crashes(tmp_path: Path) -> None:
    data, _ = raw_bytes()
    broken = tmp_path / "broken.NEF"
    broken.write_bytes(data[:4] + (10_000_000).to_bytes(4, "little") + data[8:])  # IFD0 beyond the file
    got = extract_exif(str(broken), "raw")
    assert got.data is None and got.warning_code == "EXIF_UNREADABLE"

    cut = tmp_path / "cut.jpg"
    cut.write_bytes(jpeg_bytes(exif=exif_payload())[:30])
    got = extract_exif(str(cut), "jpeg")
    assert got.data is None and got.warning_code == "EXIF_UNREADABLE"


def test_unreadable_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        extract_exif(str(tmp_path / "missing.jpg"), "jpeg")


def _tiff_with_far_value(tag: int, typ: int, far: int) -> bytes:
    """II TIFF: IFD0 with Orientation and ``tag`` whose 100-byte value sits at offset ``far`` (a
    4-byte value field that its count of 100 turns into that pointer)."""
    head = build_exif({0x0112: 1, tag: Tag(typ, far.to_bytes(4, "little"), count=100)}, prefix=False)
    return head + bytes(far - len(head)) + b"x" * 100


def test_metadata_beyond_the_cap_is_left_out(tmp_path: Path) -> None:
    far = 2 * 1024 * 1024
    xmp = tmp_path / "a.DNG"
    xmp.write_bytes(_tiff_with_far_value(0x02BC, 1, far))  # XMP after the image data: normal in DNG
    got = extract_exif(str(xmp), "raw")
    assert got.data == EXIF_HEADER + xmp.read_bytes()[: 8 + 2 + 24 + 4] and got.warning_code is None

    model = tmp_path / "b.DNG"
    model.write_bytes(_tiff_with_far_value(0x0110, 2, far))  # an EXIF field that far is odd: say so
    got = extract_exif(str(model), "raw")
    assert got.data == EXIF_HEADER + model.read_bytes()[: 8 + 2 + 24 + 4] and got.warning_code == "EXIF_TRUNCATED"
