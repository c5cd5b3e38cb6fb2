"""One test per policy rule (README.md, "EXIF policy"), on EXIF built by the tests themselves."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

import piexif
import pytest
from tiffbuild import ASCII, BYTE, RATIONAL, SRATIONAL, Tag, build_exif

from imalink.exif import ExifMetadata, read_exif
from imalink.exif.policy import exposure_text

DTO, DTD, DT = 0x9003, 0x9004, 0x0132
SUB_O, SUB_D, SUB = 0x9291, 0x9292, 0x9290
OFF_O, OFF_D, OFF = 0x9011, 0x9012, 0x9010


def meta(**dirs: object) -> ExifMetadata:
    reading = read_exif(build_exif(**dirs))  # type: ignore[arg-type]
    assert reading.problem is None
    return reading.metadata


# --- capture time -----------------------------------------------------------------------------


def test_date_time_original_wins_over_digitized_and_ifd0() -> None:
    m = meta(
        ifd0={DT: "2021:06:01 10:00:00"},
        exif={DTO: "2020:01:02 03:04:05", DTD: "2020:01:02 03:04:06", SUB_O: "892", OFF_O: "+02:00",
              SUB_D: "1", OFF_D: "+01:00", SUB: "2", OFF: "-05:00"},
    )
    assert (m.taken_at, m.taken_at_subsec, m.taken_at_offset, m.taken_at_source) == (
        datetime(2020, 1, 2, 3, 4, 5), "892", "+02:00", "DateTimeOriginal")


@pytest.mark.parametrize("bad", ["0000:00:00 00:00:00", "    :  :     :  :  ", "", "2020:13:01 00:00:00",
                                 "2021:02:29 00:00:00", "2020:01:01 24:00:00", "garbage", "2020:01:01"])
def test_invalid_original_falls_back_to_digitized_with_its_companions(bad: str) -> None:
    m = meta(exif={DTO: bad, DTD: "2019:05:06 07:08:09", SUB_O: "111", OFF_O: "+09:00",
                   SUB_D: "42", OFF_D: "-03:30"})
    assert (m.taken_at, m.taken_at_subsec, m.taken_at_offset, m.taken_at_source) == (
        datetime(2019, 5, 6, 7, 8, 9), "42", "-03:30", "DateTimeDigitized")


def test_ifd0_date_time_is_the_last_resort() -> None:
    m = meta(ifd0={DT: "2023:04:05 09:06:56"},
             exif={DTO: "0000:00:00 00:00:00", DTD: "0000:00:00 00:00:00", SUB: "5", OFF: "+00:00"})
    assert (m.taken_at, m.taken_at_subsec, m.taken_at_offset, m.taken_at_source) == (
        datetime(2023, 4, 5, 9, 6, 56), "5", "+00:00", "DateTime")


def test_ifd0_date_time_without_exif_directory() -> None:
    assert meta(ifd0={DT: "2013:07:07 17:20:59"}).taken_at == datetime(2013, 7, 7, 17, 20, 59)


def test_no_valid_date_means_no_capture_time() -> None:
    m = meta(ifd0={DT: "    :  :     :  :  "}, exif={DTO: "0000:00:00 00:00:00", SUB_O: "12"})
    assert (m.taken_at, m.taken_at_subsec, m.taken_at_offset, m.taken_at_source) == (None, None, None, None)


@pytest.mark.parametrize("offset", ["+25:00", "02:00", "+2:00", "   :  ", "+02:60"])
def test_invalid_offset_is_absent(offset: str) -> None:
    assert meta(exif={DTO: "2020:01:02 03:04:05", OFF_O: offset}).taken_at_offset is None


@pytest.mark.parametrize("subsec, expected", [("068", "068"), ("892 ", "892"), ("   ", None), ("1a", None)])
def test_subsec_digits_kept_as_recorded(subsec: str, expected: str | None) -> None:
    assert meta(exif={DTO: "2020:01:02 03:04:05", SUB_O: subsec}).taken_at_subsec == expected


def test_date_without_closing_nul_keeps_its_last_digit() -> None:
    m = meta(exif={DTO: Tag(ASCII, b"2020:01:02 03:04:05")})
    assert m.taken_at == datetime(2020, 1, 2, 3, 4, 5)


# --- GPS --------------------------------------------------------------------------------------

OSLO = {1: "N", 2: [(59, 1), (54, 1), (6000, 100)], 3: "E", 4: [(10, 1), (45, 1), (0, 1)]}


def test_gps_refs_applied() -> None:
    m = meta(gps={**OSLO, 1: "S", 3: "W"})
    assert m.gps_latitude == pytest.approx(-59.91666666666)
    assert m.gps_longitude == pytest.approx(-10.75)


def test_gps_north_east_positive() -> None:
    m = meta(gps=OSLO)
    assert (m.gps_latitude, m.gps_longitude) == (pytest.approx(59.91666666666), 10.75)


@pytest.mark.parametrize("ref, sign", [(Tag(BYTE, b"\x01"), -1), (Tag(BYTE, b"\x00"), 1), (None, 1)])
def test_gps_altitude_ref_one_is_below_sea_level(ref: object, sign: int) -> None:
    gps = {**OSLO, 6: (1234, 10)}
    if ref is not None:
        gps[5] = ref
    assert meta(gps=gps).gps_altitude == sign * 123.4


def test_gps_zero_zero_is_no_fix_and_has_no_altitude() -> None:
    m = meta(gps={1: "N", 2: [(0, 1), (0, 1), (0, 1)], 3: "E", 4: [(0, 1), (0, 1), (0, 1)], 6: (10, 1)})
    assert (m.gps_latitude, m.gps_longitude, m.gps_altitude) == (None, None, None)


@pytest.mark.parametrize("gps", [
    {**OSLO, 2: [(91, 1), (0, 1), (0, 1)]},
    {**OSLO, 4: [(180, 1), (0, 1), (1, 1)]},
    {**OSLO, 2: [(59, 0), (54, 1), (0, 1)]},
    {**OSLO, 4: [(10, 1), (45, 1), (1, 0)]},
    {**OSLO, 2: Tag(SRATIONAL, [(-59, 1), (0, 1), (0, 1)])},
    {**OSLO, 2: Tag(SRATIONAL, [(59, 1), (-30, 1), (0, 1)])},
    {**OSLO, 1: "X"},
    {1: "N", 2: [(59, 1), (0, 1), (0, 1)]},
])
def test_gps_bad_values_mean_no_position_and_no_altitude(gps: dict) -> None:
    m = meta(gps={**gps, 6: (100, 1)})
    assert (m.gps_latitude, m.gps_longitude, m.gps_altitude) == (None, None, None)


def test_gps_altitude_with_zero_denominator_is_absent_but_position_kept() -> None:
    m = meta(gps={**OSLO, 6: (100, 0)})
    assert m.gps_latitude is not None and m.gps_altitude is None


def test_gps_decimal_degrees_in_one_rational() -> None:
    assert meta(gps={**OSLO, 2: [(599166667, 10000000)]}).gps_latitude == pytest.approx(59.9166667)


# --- text -------------------------------------------------------------------------------------


def test_text_without_closing_nul_keeps_last_character() -> None:
    # piexif 1.1.3 reads this as "HT".
    blob = build_exif(ifd0={0x010F: Tag(ASCII, b"HTC"), 0x0110: Tag(ASCII, b"One")})
    assert piexif.load(blob)["0th"][0x010F] == b"HT"
    m = read_exif(blob).metadata
    assert (m.camera_make, m.camera_model) == ("HTC", "One")


def test_text_trailing_nuls_and_spaces_stripped() -> None:
    m = meta(ifd0={0x010F: Tag(ASCII, b"NIKON CORPORATION   \x00\x00"), 0x0110: Tag(ASCII, b"D70 \x00 junk")})
    assert (m.camera_make, m.camera_model) == ("NIKON CORPORATION", "D70")


@pytest.mark.parametrize("raw", [b"", b"\x00", b"    \x00", b"\x00\x00\x00\x00\x00\x00"])
def test_empty_text_is_absent(raw: bytes) -> None:
    assert meta(ifd0={0x010F: Tag(ASCII, raw)}, exif={0xA434: Tag(ASCII, raw)}).camera_make is None


def test_text_utf8_then_latin1() -> None:
    m = meta(ifd0={0x010F: Tag(ASCII, "Bjørn".encode() + b"\x00"), 0x0110: Tag(ASCII, "Kamera é".encode("latin-1"))})
    assert (m.camera_make, m.camera_model) == ("Bjørn", "Kamera é")


def test_lens_model() -> None:
    assert meta(exif={0xA434: "EF-S18-55mm f/3.5-5.6 IS"}).lens_model == "EF-S18-55mm f/3.5-5.6 IS"


# --- exposure and the other numbers -----------------------------------------------------------


@pytest.mark.parametrize("num, den, text", [
    (1, 125, "1/125"), (10, 30, "1/3"), (1, 3, "1/3"), (5, 2, "2.5"), (30, 1, "30"), (300, 10, "30"),
    (2, 5, "0.4"), (3, 10, "0.3"), (10, 3, "10/3"), (2, 3, "2/3"), (1, 4000, "1/4000"), (13, 8, "1.625"),
    (10, 1250, "1/125"), (4, 3000, "1/750"),
])
def test_exposure_time_exact_and_as_photographers_write_it(num: int, den: int, text: str) -> None:
    m = meta(exif={0x829A: (num, den)})
    assert m.exposure_time == Fraction(num, den)
    assert m.exposure_time_text == text == exposure_text(Fraction(num, den))


@pytest.mark.parametrize("value", [(0, 1), (1, 0), (0, 0)])
def test_zero_or_undefined_exposure_is_absent(value: tuple[int, int]) -> None:
    m = meta(exif={0x829A: value})
    assert (m.exposure_time, m.exposure_time_text) == (None, None)


def test_numbers_read() -> None:
    m = meta(ifd0={0x0112: 6}, exif={0x920A: (185, 10), 0x829D: (28, 10), 0x8827: 400,
                                     0xA002: 4000, 0xA003: 70000})
    assert (m.focal_length, m.aperture, m.iso, m.orientation, m.pixel_width, m.pixel_height) == (
        18.5, 2.8, 400, 6, 4000, 70000)


def test_zero_placeholders_and_bad_orientation_are_absent() -> None:
    m = meta(ifd0={0x0112: 9}, exif={0x920A: (0, 1), 0x829D: (0, 0), 0x8827: 0, 0xA002: 0, 0xA003: 0})
    assert (m.focal_length, m.aperture, m.iso, m.orientation, m.pixel_width, m.pixel_height) == (None,) * 6


def test_wrongly_typed_values_are_absent() -> None:
    m = meta(ifd0={0x010F: 5, 0x0112: "6"}, exif={0x829A: 125, 0x8827: "400", 0x920A: Tag(RATIONAL, [], count=0)})
    assert (m.camera_make, m.orientation, m.exposure_time, m.iso, m.focal_length) == (None,) * 5


# --- one broken directory never costs the others ----------------------------------------------


def test_empty_gps_directory_keeps_camera_and_date() -> None:
    blob = build_exif(ifd0={0x010F: "Polyphony"}, exif={DTO: "2012:06:23 06:55:49"}, gps={})
    m = read_exif(blob).metadata
    assert (m.camera_make, m.taken_at, m.gps_latitude) == ("Polyphony", datetime(2012, 6, 23, 6, 55, 49), None)


def test_gps_pointer_out_of_range_keeps_the_rest() -> None:
    blob = build_exif(ifd0={0x010F: "Canon", 0x8825: Tag(0x4, [10**9])}, exif={0x8827: 100})
    reading = read_exif(blob)
    assert (reading.metadata.camera_make, reading.metadata.iso) == ("Canon", 100)
    assert any("GPS" in w for w in reading.warnings)


def test_exif_pointer_stored_as_text_keeps_ifd0() -> None:
    blob = build_exif(ifd0={0x010F: "Canon", DT: "2013:07:07 17:20:59", 0x8769: "1234"})
    reading = read_exif(blob)
    assert reading.problem is None
    assert (reading.metadata.camera_make, reading.metadata.taken_at) == ("Canon", datetime(2013, 7, 7, 17, 20, 59))
