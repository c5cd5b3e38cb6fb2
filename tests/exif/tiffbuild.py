"""Build EXIF/TIFF bytes by hand, for tests: anything piexif.dump can write and what it cannot
(text without a closing NUL, zero denominators, signed rationals, big-endian, hostile counts).

    from tests.exif.tiffbuild import build_exif, Tag, ASCII, RATIONAL
    blob = build_exif(
        ifd0={0x010F: "Canon", 0x0110: Tag(ASCII, b"HTC")},   # "HTC" without its NUL
        exif={0x9003: "2020:01:02 03:04:05", 0x829A: (1, 125)},
        gps={0x0001: "N", 0x0002: [(59, 1), (54, 1), (0, 1)]},
        byte_order=">",
    )

Values: ``str`` → ASCII with a closing NUL; ``bytes`` → UNDEFINED; ``int`` → SHORT (LONG when
it does not fit); ``(num, den)`` or ``Fraction`` → RATIONAL; a list of ints or of pairs → several
values; ``Tag(type, values, count=None)`` for an explicit type (``values`` as bytes for
ASCII/UNDEFINED/BYTE, else a list) and, with ``count``, a count that lies about the data.
Directories are written in order IFD0, Exif, GPS, Interop, IFD1, thumbnail.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

from imalink.importer.vectors import ifd_bytes

BYTE, ASCII, SHORT, LONG, RATIONAL, SBYTE, UNDEFINED, SSHORT, SLONG, SRATIONAL, FLOAT, DOUBLE = range(1, 13)
_FORMATS = {BYTE: "B", SHORT: "H", LONG: "I", SBYTE: "b", SSHORT: "h", SLONG: "i", FLOAT: "f", DOUBLE: "d"}
_SIZES = {BYTE: 1, ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, SBYTE: 1, UNDEFINED: 1, SSHORT: 2, SLONG: 4,
          SRATIONAL: 8, FLOAT: 4, DOUBLE: 8}

EXIF_POINTER, GPS_POINTER, INTEROP_POINTER = 0x8769, 0x8825, 0xA005
THUMBNAIL_OFFSET, THUMBNAIL_LENGTH = 0x0201, 0x0202


@dataclass(frozen=True)
class Tag:
    """An entry with an explicit TIFF type; ``count`` overrides the real count (hostile input)."""

    type: int
    values: Any
    count: int | None = None


def _tag(value: Any) -> Tag:
    if isinstance(value, Tag):
        return value
    if isinstance(value, str):
        return Tag(ASCII, value.encode() + b"\x00")
    if isinstance(value, (bytes, bytearray)):
        return Tag(UNDEFINED, bytes(value))
    if isinstance(value, (tuple, Fraction)):
        return Tag(RATIONAL, [value])
    if isinstance(value, int):
        return Tag(SHORT if 0 <= value < 65536 else LONG, [value])
    if isinstance(value, list) and value and isinstance(value[0], (tuple, Fraction)):
        return Tag(RATIONAL, value)
    if isinstance(value, list):
        return Tag(SHORT if all(0 <= v < 65536 for v in value) else LONG, value)
    raise TypeError(f"cannot infer a TIFF type for {value!r}")


def _payload(tag: Tag, bo: str) -> tuple[bytes, int]:
    if tag.type in (ASCII, UNDEFINED) or (tag.type == BYTE and isinstance(tag.values, bytes)):
        data = bytes(tag.values)
        return data, len(data)
    if tag.type in (RATIONAL, SRATIONAL):
        pairs = [(v.numerator, v.denominator) if isinstance(v, Fraction) else v for v in tag.values]
        fmt = "I" if tag.type == RATIONAL else "i"
        return struct.pack(f"{bo}{2 * len(pairs)}{fmt}", *[x for pair in pairs for x in pair]), len(pairs)
    return struct.pack(f"{bo}{len(tag.values)}{_FORMATS[tag.type]}", *tag.values), len(tag.values)


def _ifd(entries: Mapping[int, Tag], offset: int, next_offset: int, bo: str) -> bytes:
    """One directory at ``offset``, written by the vectors' IFD writer (one for the shipped vectors
    and the tests): entry table, next pointer, then out-of-line values."""
    rows = []
    for tag_id, tag in entries.items():
        payload, count = _payload(tag, bo)
        rows.append((tag_id, tag.type, count if tag.count is None else tag.count, payload))
    return ifd_bytes(rows, offset, next_offset, bo)


def build_exif(
    ifd0: Mapping[int, Any] | None = None,
    exif: Mapping[int, Any] | None = None,
    gps: Mapping[int, Any] | None = None,
    *,
    interop: Mapping[int, Any] | None = None,
    ifd1: Mapping[int, Any] | None = None,
    thumbnail: bytes | None = None,
    byte_order: str = "<",
    prefix: bool = True,
    magic: bytes | None = None,
) -> bytes:
    """EXIF bytes: ``Exif\\0\\0`` (when ``prefix``) + TIFF header + the given directories.

    Pointer tags are added for the sub-directories given (an explicit pointer tag in ``ifd0`` /
    ``exif`` wins, for hostile tests). ``magic`` replaces the 4-byte header (``b"IIU\\0"``...).
    """
    bo = byte_order
    dirs: dict[str, dict[int, Tag]] = {
        "ifd0": {k: _tag(v) for k, v in (ifd0 or {}).items()},
        "exif": {k: _tag(v) for k, v in (exif or {}).items()} if exif is not None or interop is not None else {},
        "gps": {k: _tag(v) for k, v in (gps or {}).items()},
        "interop": {k: _tag(v) for k, v in (interop or {}).items()},
        "ifd1": {k: _tag(v) for k, v in (ifd1 or {}).items()},
    }
    present = {
        "exif": exif is not None or interop is not None,
        "gps": gps is not None,
        "interop": interop is not None,
        "ifd1": ifd1 is not None or thumbnail is not None,
    }
    pointers = {"exif": ("ifd0", EXIF_POINTER), "gps": ("ifd0", GPS_POINTER), "interop": ("exif", INTEROP_POINTER)}
    # Pointers not given explicitly are filled in; explicit ones are kept as written.
    auto = {child for child, (parent, tag_id) in pointers.items() if present[child] and tag_id not in dirs[parent]}
    auto_thumb = thumbnail is not None and THUMBNAIL_OFFSET not in dirs["ifd1"]
    if thumbnail is not None:
        dirs["ifd1"].setdefault(THUMBNAIL_LENGTH, Tag(LONG, [len(thumbnail)]))
    order = ["ifd0"] + [name for name in ("exif", "gps", "interop", "ifd1") if present[name]]

    offsets = {name: 0 for name in order}
    thumb_at = 0
    for _ in range(2):  # pass 1 measures, pass 2 writes the real offsets (sizes do not change)
        for child in auto:
            parent, tag_id = pointers[child]
            dirs[parent][tag_id] = Tag(LONG, [offsets[child]])
        if auto_thumb:
            dirs["ifd1"][THUMBNAIL_OFFSET] = Tag(LONG, [thumb_at])
        body = b""
        for name in order:
            offsets[name] = 8 + len(body)
            nxt = offsets.get("ifd1", 0) if name == "ifd0" else 0
            body += _ifd(dirs[name], offsets[name], nxt, bo)
        thumb_at = 8 + len(body)
    header = magic if magic is not None else (b"II*\x00" if bo == "<" else b"MM\x00*")
    tiff = header + struct.pack(f"{bo}I", 8) + body + (thumbnail or b"")
    return (b"Exif\x00\x00" if prefix else b"") + tiff


MAKER_NOTE = 0x927C


def canon_note(at: int, *, camera_iso: int | None = None, shot_info: tuple[int, int] | None = None,
               byte_order: str = "<", moved_from: int | None = None) -> bytes:
    """A Canon maker note to be placed at TIFF offset ``at`` (value offsets count from the TIFF start).

    CameraSettings (tag 1) holds ``camera_iso`` at index 16; ShotInfo (tag 4) holds
    ``shot_info = (AutoISO, BaseISO)`` raw values at indexes 1 and 2 (int16s). ``moved_from``
    writes the offsets for a note at that offset and appends Canon's footer (``II*\\0`` + it):
    the note as an editor that moved it leaves it.
    """
    bo = byte_order
    written_at = moved_from if moved_from is not None else at
    entries = []
    values = b""
    n = (camera_iso is not None) + (shot_info is not None)
    data_at = written_at + 2 + 12 * n + 4
    if camera_iso is not None:
        settings = [0] * 20
        settings[0], settings[16] = 40, camera_iso & 0xFFFF
        entries.append(struct.pack(f"{bo}HHII", 1, 3, len(settings), data_at + len(values)))
        values += struct.pack(f"{bo}{len(settings)}H", *settings)
    if shot_info is not None:
        info = [0] * 10
        info[0], info[1], info[2] = 20, shot_info[0] & 0xFFFF, shot_info[1] & 0xFFFF
        entries.append(struct.pack(f"{bo}HHII", 4, 3, len(info), data_at + len(values)))
        values += struct.pack(f"{bo}{len(info)}H", *info)
    note = struct.pack(f"{bo}H", n) + b"".join(entries) + b"\x00\x00\x00\x00" + values
    if moved_from is not None:
        note += (b"II*\x00" if bo == "<" else b"MM\x00*") + struct.pack(f"{bo}I", moved_from)
    return note


def casio_note(at: int, *, iso: int | None = None, iso_code: int | None = None, type2: bool = True, byte_order: str = ">") -> bytes:
    """A Casio maker note at TIFF offset ``at``: type 2 (``QVC\\0`` header; ISO in tag 0x3014)
    or type 1 (no header); ``iso_code`` goes in tag 0x0014 (3/4/6/9 = ISO 50/64/100/200)."""
    bo = byte_order
    entries = []
    if iso_code is not None:
        entries.append(struct.pack(f"{bo}HHIH2x", 0x0014, 3, 1, iso_code))
    if iso is not None:
        entries.append(struct.pack(f"{bo}HHIH2x", 0x3014, 3, 1, iso))
    body = struct.pack(f"{bo}H", len(entries)) + b"".join(entries) + b"\x00\x00\x00\x00"
    return (b"QVC\x00\x00\x00" if type2 else b"") + body


def with_maker_note(note_at: Any, *, make: str, exif: Mapping[int, Any] | None = None, byte_order: str = "<") -> bytes:
    """EXIF whose Exif IFD holds the maker note ``note_at(offset)`` (called with where it lands).

    The blob is built twice, the second time with the note's real offset (placement does not
    depend on the note's content, only on its length).
    """
    size = len(note_at(1000))
    placeholder = bytes([0xA5]) * size
    fields = {**(exif or {}), MAKER_NOTE: placeholder}
    blob = build_exif({0x010F: make}, fields, byte_order=byte_order)
    at = blob.index(placeholder) - 6  # TIFF offsets count from after Exif\0\0
    note = note_at(at)
    assert len(note) == size, (len(note), size)
    return build_exif({0x010F: make}, {**(exif or {}), MAKER_NOTE: note}, byte_order=byte_order)
