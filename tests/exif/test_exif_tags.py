"""``exif_tags``: every tag, JSON-safe, grouped by directory."""

from __future__ import annotations

import json

import piexif
from tiffbuild import ASCII, DOUBLE, SRATIONAL, Tag, build_exif

from imalink.exif import exif_tags


def test_directories_names_and_value_shapes() -> None:
    blob = build_exif(
        {0x010F: Tag(ASCII, b"HTC"), 0x0112: 1, 0x011A: (72, 1)},
        {0x829A: (10, 30), 0x9000: b"0230", 0x927C: b"\x01" * 5000, 0x9204: Tag(SRATIONAL, [(-1, 3)]),
         0xA420: "abc", 0xC000: 7, 0x9286: b"ASCII\x00\x00\x00Hello  ", 0xA40B: b"\x00\x01\xfe"},
        {0x0000: Tag(1, b"\x02\x02\x00\x00"), 0x0002: [(59, 1), (0, 1), (0, 0)]},
        interop={0x0001: "R98"},
        ifd1={0x0103: 6},
        thumbnail=b"\xff\xd8" + b"\x00" * 1000 + b"\xff\xd9",
        byte_order=">",
    )
    tags = exif_tags(blob)
    assert list(tags) == ["0th", "Exif", "GPS", "Interop", "1st"]
    assert tags["0th"] == {"Make": "HTC", "Orientation": 1, "XResolution": [72, 1]}
    exif = tags["Exif"]
    assert exif["ExposureTime"] == [10, 30]
    assert exif["ExifVersion"] == "0230"
    assert exif["MakerNote"] == "<5000 bytes>"
    assert exif["ExposureBiasValue"] == [-1, 3]
    assert exif["ImageUniqueID"] == "abc"
    assert exif["0xC000"] == 7
    assert exif["UserComment"] == "Hello"
    assert exif["DeviceSettingDescription"] == "0001fe"
    assert tags["GPS"] == {"GPSVersionID": [2, 2, 0, 0], "GPSLatitude": [[59, 1], [0, 1], [0, 0]]}
    assert tags["Interop"] == {"InteroperabilityIndex": "R98"}
    assert set(tags["1st"]) == {"Compression", "JPEGInterchangeFormat", "JPEGInterchangeFormatLength"}
    assert "ExifTag" not in tags["0th"] and "GPSTag" not in tags["0th"]
    json.dumps(tags, allow_nan=False)


def test_names_are_piexif_names() -> None:
    blob = piexif.dump({"0th": {piexif.ImageIFD.Make: b"Canon"}, "Exif": {piexif.ExifIFD.LensModel: b"EF 50"}})
    assert exif_tags(blob) == {"0th": {"Make": "Canon"}, "Exif": {"LensModel": "EF 50"}}


def test_non_finite_floats_become_null() -> None:
    blob = build_exif({0x010F: "X"}, {0xC001: Tag(DOUBLE, [float("nan"), 1.5])})
    assert exif_tags(blob)["Exif"]["0xC001"] == [None, 1.5]


def test_broken_gps_keeps_other_directories() -> None:
    blob = build_exif({0x010F: "Canon", 0x8825: Tag(4, [123456789])}, {0x8827: 100})
    assert exif_tags(blob) == {"0th": {"Make": "Canon"}, "Exif": {"ISOSpeedRatings": 100}}
