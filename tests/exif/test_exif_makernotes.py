"""ISO from maker notes (README, "EXIF policy"): where exiftool reads it, bounded and never raising."""

from __future__ import annotations

import struct

import pytest
from sandbox import within_time
from tiffbuild import canon_note, casio_note, with_maker_note

from imalink.exif import read_exif

ISO = 0x8827


def iso_of(blob: bytes) -> int | None:
    reading = within_time(read_exif, blob)
    assert reading.problem is None
    return reading.metadata.iso


def canon(*, byte_order: str = "<", exif: dict | None = None, **note: object) -> bytes:
    return with_maker_note(lambda at: canon_note(at, byte_order=byte_order, **note), make="Canon", exif=exif, byte_order=byte_order)  # type: ignore[arg-type]


@pytest.mark.parametrize("code, iso", [(16, 50), (17, 100), (18, 200), (19, 400), (20, 800), (0x4000 | 1600, 1600)])
def test_canon_camera_iso_when_it_is_a_number(code: int, iso: int) -> None:
    assert iso_of(canon(camera_iso=code, shot_info=(0, 160))) == iso


@pytest.mark.parametrize("code", [0, 14, 15, 0x7FFF, 99])
def test_canon_auto_iso_is_base_times_auto_over_100(code: int) -> None:
    # BaseISO raw 128 -> 2^4 * 100 / 32 = 50; AutoISO raw 32 -> 2^1 * 100 = 200: ISO 100.
    assert iso_of(canon(camera_iso=code, shot_info=(32, 128))) == 100
    # exiftool prints the product rounded: raw 140, 0 -> 64.84 -> 65.
    assert iso_of(canon(camera_iso=code, shot_info=(0, 140))) == 65
    # Negative AutoISO (int16s): raw -32 -> 50; BaseISO 160 -> 100: ISO 50.
    assert iso_of(canon(camera_iso=code, shot_info=(-32, 160))) == 50


def test_canon_without_base_iso_has_no_iso() -> None:
    assert iso_of(canon(camera_iso=15, shot_info=(32, 0))) is None
    assert iso_of(canon(camera_iso=15)) is None


def test_exif_iso_wins_over_the_maker_note() -> None:
    assert iso_of(canon(exif={ISO: 1000}, camera_iso=15, shot_info=(32, 128))) == 1000


@pytest.mark.parametrize("shift", [-54, 62, 128])
def test_a_moved_canon_note_is_read_through_its_footer(shift: int) -> None:
    padding = {0x8828: b"x" * 400}  # an OECF value placed before the note: offsets of hundreds
    blob = with_maker_note(lambda at: canon_note(at, camera_iso=15, shot_info=(32, 128), moved_from=at - shift),
                           make="Canon", exif=padding)
    assert iso_of(blob) == 100


def test_a_canon_note_in_the_other_byte_order() -> None:
    # An editor rewrote the TIFF big-endian and kept the note little-endian (canon_ixus40-t28).
    blob = with_maker_note(lambda at: canon_note(at, camera_iso=18, byte_order="<"), make="Canon", byte_order=">")
    assert iso_of(blob) == 200


def test_casio_type2_and_type1() -> None:
    assert iso_of(with_maker_note(lambda at: casio_note(at, iso=50), make="CASIO COMPUTER CO.,LTD", byte_order=">")) == 50
    assert iso_of(with_maker_note(lambda at: casio_note(at, iso_code=6), make="CASIO COMPUTER CO.,LTD", byte_order=">")) == 100
    assert iso_of(with_maker_note(lambda at: casio_note(at, iso_code=4, type2=False, byte_order="<"), make="CASIO")) == 64
    assert iso_of(with_maker_note(lambda at: casio_note(at, iso_code=77, type2=False, byte_order="<"), make="CASIO")) is None


def test_other_makers_notes_are_not_read() -> None:
    blob = with_maker_note(lambda at: canon_note(at, camera_iso=17), make="NIKON CORPORATION")
    assert iso_of(blob) is None


@pytest.mark.parametrize("damage", ["count", "offsets", "footer", "short"])
def test_damaged_notes_give_no_iso_and_no_error(damage: str) -> None:
    def note(at: int) -> bytes:
        good = bytearray(canon_note(at, camera_iso=17, shot_info=(0, 160)))
        if damage == "count":
            good[0:2] = struct.pack("<H", 0xFFFF)
        elif damage == "offsets":
            for entry in range(2):
                good[2 + 12 * entry + 8 : 2 + 12 * entry + 12] = struct.pack("<I", 0xFFFFFF00)
        elif damage == "footer":
            good[-8:] = b"II*\x00" + struct.pack("<I", 0xFFFFFFFF)
        elif damage == "short":
            good[:] = good[:10].ljust(len(good), b"\x00")
        return bytes(good)

    blob = with_maker_note(note, make="Canon")
    assert iso_of(blob) in (None, 100)  # read as far as it is sound, never an exception
