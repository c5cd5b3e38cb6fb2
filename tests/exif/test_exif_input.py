"""What inputs are accepted, and hostile inputs: never an exception, never a file, bounded work."""

from __future__ import annotations

import struct
from dataclasses import asdict

import pytest
from sandbox import guarded, peak_memory, within_time
from tiffbuild import ASCII, LONG, SHORT, Tag, build_exif

from imalink.exif import ExifReading, exif_tags, read_exif

CAMERA = {0x010F: "Canon", 0x0110: "EOS 40D"}
EXPOSURE = {0x829A: (1, 125), 0x9003: "2008:05:30 15:56:01"}


def read(data: object) -> ExifReading:
    reading = within_time(read_exif, data)  # type: ignore[arg-type]
    assert isinstance(reading, ExifReading)
    return reading


@pytest.mark.parametrize("byte_order", ["<", ">"])
@pytest.mark.parametrize("prefix", [True, False])
def test_both_byte_orders_with_and_without_prefix(byte_order: str, prefix: bool) -> None:
    m = read(build_exif(CAMERA, EXPOSURE, byte_order=byte_order, prefix=prefix)).metadata
    assert (m.camera_make, m.camera_model, m.exposure_time_text) == ("Canon", "EOS 40D", "1/125")


@pytest.mark.parametrize("magic, byte_order", [
    (b"IIU\x00", "<"), (b"IIRO", "<"), (b"IIRS", "<"), (b"MMOR", ">"), (b"II*\x00", "<"), (b"MM\x00*", ">"),
])
@pytest.mark.parametrize("prefix", [True, False])
def test_raw_header_variants(magic: bytes, byte_order: str, prefix: bool) -> None:
    blob = build_exif(CAMERA, EXPOSURE, byte_order=byte_order, prefix=prefix, magic=magic)
    assert read(blob).metadata.camera_model == "EOS 40D"


def test_bytearray_and_memoryview() -> None:
    blob = build_exif(CAMERA)
    assert read(bytearray(blob)).metadata.camera_make == "Canon"
    assert read(memoryview(blob)).metadata.camera_make == "Canon"


def test_thumbnail_is_skipped() -> None:
    blob = build_exif(CAMERA, EXPOSURE, ifd1={0x0103: 6}, thumbnail=b"\xff\xd8" + b"\x00" * 60000 + b"\xff\xd9")
    assert read(blob).metadata.camera_make == "Canon"
    assert "1st" in exif_tags(blob) and all(isinstance(v, int) for v in exif_tags(blob)["1st"].values())


def test_panasonic_rw2_fills_gaps_from_its_preview_jpeg() -> None:
    preview_exif = build_exif({0x0112: 1}, {0xA002: 1920, 0xA003: 1440, 0x8827: 80})
    jpeg = b"\xff\xd8" + b"\xff\xe1" + struct.pack(">H", len(preview_exif) + 2) + preview_exif + b"\xff\xd9"
    blob = build_exif({**CAMERA, 0x0017: 80, 0x002E: jpeg}, {0x829A: (1, 250)}, magic=b"IIU\x00")
    m = read(blob).metadata
    assert (m.camera_make, m.iso, m.pixel_width, m.pixel_height, m.exposure_time_text) == ("Canon", 80, 1920, 1440, "1/250")


def test_panasonic_rw2_with_broken_preview_keeps_the_rest() -> None:
    jpeg = b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00II*\x00\xff\xff\xff\xff"
    m = read(build_exif({**CAMERA, 0x002E: jpeg}, magic=b"IIU\x00")).metadata
    assert m.camera_make == "Canon"


# --- not EXIF at all ----------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"", b"Exif\x00\x00", b"II*\x00", b"/etc/hostname", b"/dev/stdin", b"\xff\xd8\xff\xe0\x00\x10JFIF",
    b"Exif\x00\x00XX*\x00\x08\x00\x00\x00", b"II+\x00\x08\x00\x00\x00\x10\x00\x00\x00", b"x" * 100, "II*\x00",
    None, 12,
])
def test_not_exif_gives_a_reason_and_touches_no_file(data: object) -> None:
    reading = read(data)
    assert reading.problem and reading.problem.endswith((".", ")"))
    assert not reading.readable
    assert reading.metadata == type(reading.metadata)()
    assert guarded(exif_tags, data)[0] == {}  # type: ignore[arg-type]


def test_whole_jpeg_is_named_in_the_reason() -> None:
    assert "JPEG" in (read(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00II*\x00").problem or "")


def test_ifd0_offset_out_of_range() -> None:
    reading = read(b"Exif\x00\x00II*\x00" + struct.pack("<I", 0xFFFFFFF0) + b"\x00" * 20)
    assert reading.problem


# --- hostile structure --------------------------------------------------------------------------

def _patch(blob: bytes, at: bytes, new: bytes) -> bytes:
    i = blob.index(at)
    return blob[:i] + new + blob[i + len(at):]


def test_directory_loops_end() -> None:
    # Exif pointer to IFD0 itself, GPS pointer to the Exif IFD, IFD0 next pointer to itself.
    blob = build_exif({**CAMERA, 0x8769: Tag(LONG, [8]), 0x8825: Tag(LONG, [8])})
    tiff = bytearray(blob[6:])
    (count,) = struct.unpack_from("<H", tiff, 8)
    struct.pack_into("<I", tiff, 8 + 2 + 12 * count, 8)
    reading = read(b"Exif\x00\x00" + bytes(tiff))
    assert reading.metadata.camera_make == "Canon"
    assert any("loop" in w for w in reading.warnings)
    assert exif_tags(b"Exif\x00\x00" + bytes(tiff))["0th"]["Make"] == "Canon"


def test_huge_entry_count_is_truncated_to_the_blob() -> None:
    blob = build_exif(CAMERA)
    tiff = bytearray(blob[6:])
    struct.pack_into("<H", tiff, 8, 0xFFFF)
    reading = read(bytes(tiff))
    assert reading.metadata.camera_make == "Canon"
    assert any("truncated" in w for w in reading.warnings)


def test_value_larger_than_the_blob_is_skipped_alone() -> None:
    blob = build_exif({0x010F: Tag(ASCII, b"Canon\x00\x00\x00", count=0xFFFFFFFF), 0x0110: "EOS"},
                      {0x829A: Tag(5, [(1, 125)], count=0x20000000)})
    m = read(blob).metadata
    assert (m.camera_make, m.camera_model, m.exposure_time) == (None, "EOS", None)


def test_unknown_field_types_are_skipped() -> None:
    blob = build_exif({0x010F: Tag(ASCII, b"Canon\x00"), 0x0110: "EOS"})
    blob = _patch(blob, struct.pack("<HH", 0x010F, 2), struct.pack("<HH", 0x010F, 99))
    m = read(blob).metadata
    assert (m.camera_make, m.camera_model) == (None, "EOS")
    assert exif_tags(blob)["0th"] == {"Model": "EOS"}


def test_short_pointer_and_list_pointer_are_not_followed() -> None:
    for pointer in (Tag(SHORT, [8]), Tag(LONG, [26, 26])):
        reading = read(build_exif({**CAMERA, 0x8769: pointer}))
        assert reading.metadata.camera_make == "Canon" and reading.warnings


def test_directory_cut_off_mid_entry() -> None:
    blob = build_exif(CAMERA, EXPOSURE)
    whole = asdict(read(blob).metadata)
    assert (whole["camera_make"], whole["exposure_time_text"]) == ("Canon", "1/125")
    answers = []
    for cut in range(8, len(blob), 7):
        reading = read(blob[:cut])  # never raises, never slow
        found = {name: value for name, value in asdict(reading.metadata).items() if value is not None}
        # A cut-off payload tells less, never something else: every value it gives is the whole one's.
        assert found.items() <= whole.items(), (cut, found)
        assert reading.readable or not found, cut
        answers.append(found)
    # The cuts go from nothing readable to everything but what lies past the cut.
    assert answers[0] == {} and answers[-1].get("camera_make") == "Canon"


@pytest.mark.parametrize("field_type", [1, 2, 3, 5, 7, 12])
@pytest.mark.parametrize("value_bytes", [8000, 900_000])
def test_large_blob_bounded_in_time_and_memory(field_type: int, value_bytes: int) -> None:
    # 1 MB blob, 4000 entries (in IFD0 and again as the Exif IFD) all pointing at one big value.
    n, sizes = 4000, {1: 1, 2: 1, 3: 2, 5: 8, 7: 1, 12: 8}
    data_at = 8 + 2 + 12 * n + 4
    tags = [0x9000 + i for i in range(n - 1)] + [0x8769]
    table = struct.pack("<H", n) + b"".join(
        struct.pack("<HHII", tag, field_type, value_bytes // sizes[field_type], data_at) if tag != 0x8769
        else struct.pack("<HHII", tag, 4, 1, 8 + 6) for tag in tags) + b"\x00" * 4
    blob = b"II*\x00\x08\x00\x00\x00" + table + b"A" * (1_000_000 - 8 - len(table))
    read(blob)
    within_time(exif_tags, blob)
    assert peak_memory(read_exif, blob) < 10_000_000
    assert peak_memory(exif_tags, blob) < 10_000_000
