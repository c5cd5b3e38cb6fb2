"""ISO that a camera records only in its maker notes, read where exiftool reads it.

Some cameras leave the Exif ``ISOSpeedRatings`` tag out and keep the ISO in their maker notes.
The rule (README, "EXIF policy") follows exiftool's reading of the same bytes:

- **Canon** (exiftool's composite ``ISO``): ``CameraISO`` (CameraSettings, tag 0x0001, value 16)
  when it is a number (0x4000 flag: the value itself; 16-20: 50-800); otherwise
  ``BaseISO * AutoISO / 100`` from ShotInfo (tag 0x0004, values 2 and 1), with
  ``AutoISO = 2^(v/32) * 100`` and ``BaseISO = 2^(v/32) * 100 / 32`` (no BaseISO when 0), rounded
  to an integer as exiftool prints it. Canon maker notes moved by an editor carry a footer
  (``II*\\0`` + the original offset): their value offsets are shifted by how far they moved.
- **Casio** (exiftool's ``Casio:ISO``): maker notes starting ``QVC\\0`` (type 2) give ISO in tag
  0x3014, else its tag 0x0014 coded 3/4/6/9 = ISO 50/64/100/200; type 1 notes (no header) the
  coded tag 0x0014.

Bounded like the rest of the engine: one directory read through the shared walker, no entry
count beyond its cap, offsets checked against the payload.
"""

from __future__ import annotations

import math
import struct

from . import values
from .containers import TAG_MAKE, Ifd, Source, Window, read_ifd
from .tiff import Tiff

MAKER_NOTE = 0x927C

_CANON_CAMERA_SETTINGS, _CANON_SHOT_INFO = 0x0001, 0x0004
_CANON_ISO_CODES = {16: 50, 17: 100, 18: 200, 19: 400, 20: 800}
_CASIO_TYPE2_ISO, _CASIO_ISO_CODE = 0x3014, 0x0014
_CASIO_ISO_CODES = {3: 50, 4: 64, 6: 100, 9: 200}
_MAX_NOTE_ENTRIES = 256  # Canon and Casio notes hold 10-100 entries


def maker_note_iso(tiff: Tiff, ifd0: Ifd | None, exif: Ifd | None) -> int | None:
    """The ISO a Canon or Casio maker note records, or None (other makers, no note, damage)."""
    make = (values.text(ifd0, TAG_MAKE) or "").strip().upper()
    note = exif.get(MAKER_NOTE) if exif is not None else None
    if note is None or note.type not in (1, 7) or note.count < 14:
        return None
    if make.startswith("CANON"):
        return _canon(tiff, note.offset, note.count)
    if make.startswith("CASIO"):
        return _casio(tiff, note.offset)
    return None


def _canon(tiff: Tiff, offset: int, length: int) -> int | None:
    source: Source = tiff.source
    start = offset
    orders = [tiff.order, ">" if tiff.order == "<" else "<"]
    footer = source.read(offset + length - 8, 8)
    if len(footer) == 8 and footer[:4] in (b"II*\x00", b"MM\x00*"):
        orders = ["<" if footer[:2] == b"II" else ">"]  # the note's own byte order
        (original,) = struct.unpack(orders[0] + "I", footer[4:])
        # Entry offsets were written for the note at ``original``; it now lies at ``offset``.
        source, start = Window(source, offset - original), original
    note = _directory(source, orders, start)
    if note is None:
        return None
    camera_iso = _signed(note, _CANON_CAMERA_SETTINGS, 16)
    if camera_iso is not None and camera_iso != 0x7FFF:
        iso = camera_iso & 0x3FFF if camera_iso & 0x4000 else _CANON_ISO_CODES.get(camera_iso)
        if iso:
            return iso
    auto, base = _signed(note, _CANON_SHOT_INFO, 1), _signed(note, _CANON_SHOT_INFO, 2)
    if auto is None or not base:
        return None
    auto_iso = math.exp(auto / 32 * math.log(2)) * 100
    base_iso = math.exp(base / 32 * math.log(2)) * 100 / 32
    iso = int(f"{base_iso * auto_iso / 100:.0f}")  # as exiftool prints it (sprintf "%.0f")
    return iso if iso > 0 else None


def _casio(tiff: Tiff, offset: int) -> int | None:
    type2 = tiff.source.read(offset, 4) == b"QVC\x00"
    note = _directory(tiff.source, [tiff.order, ">" if tiff.order == "<" else "<"], offset + 6 if type2 else offset)
    if note is None:
        return None
    if type2:
        iso = values.first_int(note, _CASIO_TYPE2_ISO)
        if iso:
            return iso
    code = values.first_int(note, _CASIO_ISO_CODE)
    return _CASIO_ISO_CODES.get(code) if code is not None else None


def _directory(source: Source, orders: list[str], offset: int) -> Ifd | None:
    """The maker note's directory in the first byte order in which it reads whole.

    An editor that rewrote the TIFF in the other byte order may have kept the note as it was
    (exiftool too tries the other order when the entry count is implausible).
    """
    for order in orders:
        note, warning = read_ifd(source, order, offset, max_entries=_MAX_NOTE_ENTRIES)
        if note is not None and note.positions and warning is None:
            return note
    return None


def _signed(note: Ifd, tag: int, index: int) -> int | None:
    """Value ``index`` of a Canon int16s array tag, or None when the array is shorter."""
    entry = note.get(tag)
    if entry is None or entry.type not in (3, 8) or entry.count <= index:
        return None
    found = values.ints(note, entry, index + 1)
    if len(found) <= index:
        return None
    value = found[index]
    return value - 0x10000 if entry.type == 3 and value >= 0x8000 else value


__all__ = ["maker_note_iso"]
