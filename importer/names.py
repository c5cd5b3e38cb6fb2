"""File names as the API carries them, and back: the one rule for names that are not UTF-8.

A POSIX file name is bytes. The API's ``filename`` is a GraphQL ``String`` (Unicode, sent as
UTF-8), so a name whose bytes are not valid UTF-8 (written by an old camera, a Windows-1252 tool,
a broken archive) cannot be sent as it is, and it must still be stored so that a later run finds
it again and a person can tell which file it was.

The rule (the "OPTU-8" mapping of MirBSD, also used by some archivers):

- a name that is valid UTF-8 is sent unchanged (newlines and all; no Unicode normalisation);
- otherwise every byte that is not part of a valid UTF-8 sequence, always 0x80-0xFF, is sent as
  the private-use character ``U+EF00 + byte`` (0xE9 -> ``U+EFE9``), the rest as decoded UTF-8.

It is reversible: :func:`disk_name` maps U+EF80-U+EFFF back to single bytes. The one name it
cannot tell apart is a valid UTF-8 name that itself contains characters of U+EF80-U+EFFF (a
private-use block no camera, phone or operating system writes); such a name maps back to other
bytes. On disk Python holds undecodable bytes as the lone surrogates U+DC80-U+DCFF
(``os.fsdecode``'s ``surrogateescape``); those are what :func:`api_name` replaces.
"""

from __future__ import annotations

import os

_ESCAPE_BASE = 0xEF00  # + byte value 0x80-0xFF: U+EF80-U+EFFF
_SURROGATE_BASE = 0xDC00  # surrogateescape: byte b <-> U+DC00 + b


def api_name(name: str | bytes) -> str:
    """The API form of a file or folder name (``str`` from ``os.fsdecode`` or raw bytes)."""
    text = os.fsdecode(name) if isinstance(name, bytes) else name
    if not _has_surrogates(text):
        return text
    return "".join(chr(_ESCAPE_BASE + ord(c) - _SURROGATE_BASE) if 0xDC80 <= ord(c) <= 0xDCFF else c for c in text)


def disk_name(api: str) -> bytes:
    """The bytes of the name on disk that :func:`api_name` turned into ``api``."""
    out = bytearray()
    for c in api:
        code = ord(c)
        if 0xEF80 <= code <= 0xEFFF:
            out.append(code - _ESCAPE_BASE)
        else:
            out += c.encode("utf-8")
    return bytes(out)


def display_name(path: str) -> str:
    """A path as one printable line: the API form, with control characters escaped (``\\n``)."""
    text = api_name(path)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
