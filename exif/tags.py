"""``exif_tags``: every decoded tag as JSON-safe data, for the ``exif`` JSON field of an Image.

Representation (documented in README.md, "EXIF policy"):

- directories ``"0th"``, ``"Exif"``, ``"GPS"``, ``"Interop"``, ``"1st"`` (only those present);
- keys are piexif tag names (``"Make"``, ``"DateTimeOriginal"``); unknown tags ``"0xC4A5"``;
- text as ``str`` under the text policy (absent when empty);
- integers as ``int``; rationals as ``[numerator, denominator]`` (exact, zero denominators kept);
  floats as ``float`` (``None`` when not finite);
- a tag holding several values gives a list;
- UNDEFINED bytes as text when printable ASCII (``ExifVersion`` → ``"0230"``), else lowercase
  hex when at most 64 bytes, else a summary string ``"<N bytes>"``;
- summarised as ``"<N bytes>"`` / ``"<N values>"`` instead of decoded: maker notes, values over
  8 KB, lists over 256 values, and everything past 256 KB decoded in one call;
- directory pointers and the thumbnail bytes are left out.
"""

from __future__ import annotations

import codecs
import math
from typing import Any

from piexif import TAGS

from . import values
from .containers import TAG_EXIF_IFD, TAG_GPS_IFD, TAG_INTEROP_IFD
from .tiff import Entry, Ifd, TiffError, parse_header

_MAX_VALUES = 256
_MAX_HEX_BYTES = 64
# Hostile blobs point hundreds of entries at the same megabyte; these caps keep a call within
# milliseconds and a few hundred kilobytes whatever the blob claims.
_MAX_VALUE_BYTES = 8192  # larger values are summarised, never decoded
_BUDGET_BYTES = 256 * 1024  # total bytes decoded per call; later values are summarised
_MAKER_NOTE = 0x927C
_USER_COMMENT = 0x9286
_PRINTABLE = bytes(range(32, 127))
# Codecs load lazily from disk on first use; load them now so a call never touches the filesystem.
for _codec in ("utf-16", "utf-16-be", "latin-1", "utf-8"):
    codecs.lookup(_codec)
_POINTERS = {TAG_EXIF_IFD, TAG_GPS_IFD, TAG_INTEROP_IFD}
_NAMES: dict[str, dict[int, str]] = {
    directory: {tag: info["name"] for tag, info in TAGS[table].items()}
    for directory, table in (("0th", "Image"), ("Exif", "Exif"), ("GPS", "GPS"), ("Interop", "Interop"), ("1st", "Image"))
}


def exif_tags(data: bytes) -> dict[str, dict[str, Any]]:
    """Every tag of an EXIF payload, JSON-safe, grouped by directory; ``{}`` when unreadable.

    Never raises and never touches the filesystem. Computed on demand from the stored bytes.
    """
    try:
        return _tags(data)
    except Exception:  # noqa: BLE001 - the contract is "never raises"
        return {}


def _tags(data: bytes) -> dict[str, dict[str, Any]]:
    try:
        tiff = parse_header(data)
    except TiffError:
        return {}
    ifd0, _ = tiff.ifd(tiff.ifd0_offset)
    exif, _ = tiff.sub_ifd(ifd0, TAG_EXIF_IFD)
    directories: dict[str, Ifd | None] = {
        "0th": ifd0,
        "Exif": exif,
        "GPS": tiff.sub_ifd(ifd0, TAG_GPS_IFD)[0],
        "Interop": tiff.sub_ifd(exif, TAG_INTEROP_IFD)[0],
        "1st": tiff.ifd(ifd0.next_offset)[0] if ifd0 is not None and ifd0.next_offset else None,
    }
    result: dict[str, dict[str, Any]] = {}
    budget = [_BUDGET_BYTES]
    for name, ifd in directories.items():
        if ifd is None:
            continue
        decoded = _directory(name, ifd, budget)
        if decoded:
            result[name] = decoded
    return result


def _directory(name: str, ifd: Ifd, budget: list[int]) -> dict[str, Any]:
    names = _NAMES[name]
    out: dict[str, Any] = {}
    for tag in sorted(ifd.positions):
        if tag in _POINTERS:
            continue
        entry = ifd.get(tag)
        value = _value(ifd, tag, entry, budget) if entry is not None else None
        if value is not None:
            out[names.get(tag) or f"0x{tag:04X}"] = value
    return out


def _value(ifd: Ifd, tag: int, entry: Entry, budget: list[int]) -> Any:
    typ, count, size = entry.type, entry.count, entry.size
    if count == 0:
        return None
    if size > _MAX_VALUE_BYTES or size > budget[0] or (typ == 7 and tag == _MAKER_NOTE):
        return f"<{size} bytes>"
    budget[0] -= size
    if typ == 2:
        return values.decode_text(values.raw(ifd, entry))
    if typ == 7:
        return _undefined(tag, values.raw(ifd, entry))
    if count > _MAX_VALUES:
        return f"<{count} values>"
    items: tuple[Any, ...]
    if typ in (5, 10):
        items = tuple([num, den] for num, den in values.rationals(ifd, entry))
    elif typ in (11, 12):
        items = tuple(v if math.isfinite(v) else None for v in values.floats(ifd, entry))
    else:
        items = values.ints(ifd, entry)
    return items[0] if count == 1 else list(items)


def _undefined(tag: int, data: bytes) -> Any:
    if tag == _USER_COMMENT and len(data) >= 8:
        # 8-byte character-code prefix, then the comment.
        code, body = data[:8].rstrip(b"\x00 "), data[8:]
        if code == b"UNICODE":
            encoding = "utf-16-be" if body[:2] != b"\xff\xfe" else "utf-16"
            return body.decode(encoding, errors="replace").rstrip("\x00 ") or None
        if code in (b"ASCII", b""):
            return values.decode_text(body)
    stripped = data.rstrip(b"\x00")
    if stripped and not stripped.translate(None, _PRINTABLE):
        return stripped.decode("ascii").rstrip() or None
    if len(data) <= _MAX_HEX_BYTES:
        return data.hex()
    return f"<{len(data)} bytes>"
