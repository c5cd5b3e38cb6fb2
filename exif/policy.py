"""The rules that turn tag values into trustworthy metadata (see README.md, "EXIF policy").

Which date wins, what makes a date or a GPS position valid, how an exposure time is written.
"""

from __future__ import annotations

import re
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from . import values
from .tiff import Ifd

# Capture-time candidates in order of preference: (date tag, sub-seconds tag, offset tag, source
# directory ("exif" or "ifd0"), name reported in ``taken_at_source``).
DATE_TAGS: tuple[tuple[int, int, int, str, str], ...] = (
    (0x9003, 0x9291, 0x9011, "exif", "DateTimeOriginal"),
    (0x9004, 0x9292, 0x9012, "exif", "DateTimeDigitized"),
    (0x0132, 0x9290, 0x9010, "ifd0", "DateTime"),
)

_DATE_RE = re.compile(r"(\d{4})[:\-/.](\d\d)[:\-/.](\d\d)[ T](\d\d):(\d\d):(\d\d)")
_OFFSET_RE = re.compile(r"[+-](\d\d):(\d\d)")


class CaptureTime(NamedTuple):
    taken_at: datetime
    subsec: str | None
    offset: str | None
    source: str


def parse_date(raw: str | None) -> datetime | None:
    """An EXIF date ``YYYY:MM:DD HH:MM:SS``; ``None`` for blanks, year 0, out-of-range parts."""
    if raw is None:
        return None
    match = _DATE_RE.fullmatch(raw.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = map(int, match.groups())
    if year == 0:
        return None
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:  # month 13, 31 February, hour 25 ...
        return None


def parse_subsec(raw: str | None) -> str | None:
    """Sub-second digits as recorded; anything but digits is absent."""
    if raw is None:
        return None
    raw = raw.strip()
    return raw if raw.isascii() and raw.isdigit() else None


def parse_offset(raw: str | None) -> str | None:
    """A UTC offset ``+HH:MM``/``-HH:MM`` within ±14:00; anything else is absent."""
    if raw is None:
        return None
    raw = raw.strip()
    match = _OFFSET_RE.fullmatch(raw)
    if match is None:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if minutes >= 60 or hours * 60 + minutes > 14 * 60:
        return None
    return raw


def capture_time(ifd0: Ifd | None, exif: Ifd | None) -> CaptureTime | None:
    """The first valid date of DateTimeOriginal, DateTimeDigitized, DateTime, with its companions."""
    for date_tag, subsec_tag, offset_tag, where, name in DATE_TAGS:
        taken_at = parse_date(values.text(exif if where == "exif" else ifd0, date_tag))
        if taken_at is not None:
            return CaptureTime(
                taken_at,
                parse_subsec(values.text(exif, subsec_tag)),
                parse_offset(values.text(exif, offset_tag)),
                name,
            )
    return None


class Position(NamedTuple):
    latitude: float
    longitude: float
    altitude: float | None


def _degrees(ifd: Ifd, tag: int, limit: float) -> float | None:
    """Degrees, minutes, seconds (one to three rationals) as decimal degrees within ±limit."""
    entry = ifd.get(tag)
    if entry is None or entry.count == 0:
        return None
    pairs = values.rationals(ifd, entry, 3)
    if not pairs or any(den == 0 or num < 0 or den < 0 for num, den in pairs):
        return None
    total = sum(num / den / scale for (num, den), scale in zip(pairs, (1, 60, 3600)))
    if total < 0 or total > limit:
        return None
    return total


def _ref(ifd: Ifd, tag: int) -> str:
    ref = values.text(ifd, tag)
    return ref.strip().upper()[:1] if ref else ""


def gps_position(gps: Ifd | None) -> Position | None:
    """Signed position and altitude; ``None`` for no fix (0,0), bad values or a bad reference."""
    if gps is None:
        return None
    latitude = _degrees(gps, 0x0002, 90.0)
    longitude = _degrees(gps, 0x0004, 180.0)
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None
    lat_ref, lon_ref = _ref(gps, 0x0001), _ref(gps, 0x0003)
    # A missing reference reads as north/east (as exiftool does); a garbled one is no position.
    if lat_ref not in ("", "N", "S") or lon_ref not in ("", "E", "W"):
        return None
    if lat_ref == "S":
        latitude = -latitude
    if lon_ref == "W":
        longitude = -longitude
    altitude = values.fraction(gps, 0x0006)
    altitude_value = None
    if altitude is not None:
        altitude_value = -float(altitude) if values.first_int(gps, 0x0005) == 1 else float(altitude)
    return Position(latitude, longitude, altitude_value)


def exposure_text(seconds: Fraction) -> str:
    """The exposure time as photographers write it: ``1/125``, ``1/3``, ``0.4``, ``2.5``, ``30``.

    Exact: ``1/N`` whenever the (reduced) value is 1/N, else a decimal when it terminates, else
    ``num/den``.
    """
    num, den = seconds.numerator, seconds.denominator
    if den == 1:
        return str(num)
    if num == 1:
        return f"1/{den}"
    rest, places = den, 0
    for factor in (2, 5):
        count = 0
        while rest % factor == 0:
            rest //= factor
            count += 1
        places = max(places, count)
    if rest != 1:
        return f"{num}/{den}"
    scaled = num * 10**places // den
    whole, frac = divmod(scaled, 10**places)
    return f"{whole}.{frac:0{places}d}".rstrip("0")
