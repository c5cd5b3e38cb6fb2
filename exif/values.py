"""Decoding entry values: text, integers, rationals, raw bytes.

Every function answers ``None`` (or an empty tuple) for an entry that is absent or of a type that
cannot hold the value asked for, so callers never need to check types themselves.
"""

from __future__ import annotations

import struct
from fractions import Fraction

from .tiff import TYPE_SIZES, Entry, Ifd

_INT_FORMATS: dict[int, str] = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 13: "I"}
_RATIONAL_FORMATS: dict[int, str] = {5: "I", 10: "i"}
_FLOAT_FORMATS: dict[int, str] = {11: "f", 12: "d"}
_TEXT_TYPES = (1, 2, 7)  # ASCII, and BYTE/UNDEFINED that some writers use for text


def raw(ifd: Ifd, entry: Entry) -> bytes:
    """The value's bytes, exactly as stored."""
    return ifd.value(entry)


def decode_text(data: bytes) -> str | None:
    """Text as the policy reads it: up to the first NUL, trailing spaces dropped, empty is absent.

    UTF-8 first, Latin-1 when that fails (Latin-1 decodes any byte string). The value is taken
    by its stored length, so a last character without a closing NUL is kept.
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        data = data[:nul]
    data = data.rstrip(b" ")
    if not data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def text(ifd: Ifd | None, tag: int) -> str | None:
    """The text of ``tag`` in ``ifd``, or ``None``."""
    entry = ifd.get(tag) if ifd is not None else None
    if entry is None or entry.type not in _TEXT_TYPES:
        return None
    return decode_text(raw(ifd, entry))  # type: ignore[union-attr]


def ints(ifd: Ifd, entry: Entry, limit: int | None = None) -> tuple[int, ...]:
    """Integer values of an integer-typed entry (at most ``limit``), else ``()``."""
    return _numbers(ifd, entry, _INT_FORMATS, limit)


def _numbers(ifd: Ifd, entry: Entry, formats: dict[int, str], limit: int | None) -> tuple:
    fmt = formats.get(entry.type)
    if fmt is None:
        return ()
    n = entry.count if limit is None else min(entry.count, limit)
    data = ifd.value(entry, n * TYPE_SIZES[entry.type])
    if len(data) < n * TYPE_SIZES[entry.type]:
        return ()
    return struct.unpack_from(f"{ifd.order}{n}{fmt}", data)


def rationals(ifd: Ifd, entry: Entry, limit: int | None = None) -> tuple[tuple[int, int], ...]:
    """``(numerator, denominator)`` pairs of a rational entry (at most ``limit``), else ``()``."""
    fmt = _RATIONAL_FORMATS.get(entry.type)
    if fmt is None:
        return ()
    n = entry.count if limit is None else min(entry.count, limit)
    data = ifd.value(entry, n * 8)
    if len(data) < n * 8:
        return ()
    flat = struct.unpack_from(f"{ifd.order}{2 * n}{fmt}", data)
    return tuple(zip(flat[0::2], flat[1::2]))


def floats(ifd: Ifd, entry: Entry, limit: int | None = None) -> tuple[float, ...]:
    """Values of a FLOAT/DOUBLE entry (at most ``limit``), else ``()``."""
    return _numbers(ifd, entry, _FLOAT_FORMATS, limit)


def first_int(ifd: Ifd | None, tag: int) -> int | None:
    """The first integer value of ``tag``, or ``None``."""
    entry = ifd.get(tag) if ifd is not None else None
    if entry is None or entry.count == 0:
        return None
    values = ints(ifd, entry, 1)  # type: ignore[arg-type]
    return values[0] if values else None


def _first_rational(ifd: Ifd | None, tag: int) -> tuple[int, int] | None:
    """The first (numerator, denominator) of ``tag``; ``None`` when absent or n/0."""
    entry = ifd.get(tag) if ifd is not None else None
    if entry is None or entry.count == 0:
        return None
    pairs = rationals(ifd, entry, 1)  # type: ignore[arg-type]
    if not pairs or pairs[0][1] == 0:
        return None
    return pairs[0]


def fraction(ifd: Ifd | None, tag: int) -> Fraction | None:
    """The first rational of ``tag`` as an exact Fraction; ``None`` when absent or n/0."""
    pair = _first_rational(ifd, tag)
    return Fraction(*pair) if pair is not None else None


def positive_float(ifd: Ifd | None, tag: int) -> float | None:
    """A rational measurement (focal length, f-number) as a float; zero or negative is absent."""
    pair = _first_rational(ifd, tag)
    if pair is None:
        return None
    # Plain division, not a Fraction: this runs for every blob and Fractions are slow to build.
    value = pair[0] / pair[1]
    return value if value > 0 else None
