"""TIFF-structured EXIF as the engine reads it: the header of a payload, and its directories.

The walking itself (directories, entries, bounds) is :mod:`.containers`, shared with the import
client. This module adds what reading *one payload* needs: the ``Exif\\0\\0`` prefix, a
readable error for data that is no EXIF at all, and loop detection (each directory is read at
most once per payload, so the work is bounded by the payload's length whatever it claims).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from .containers import (
    EXIF_HEADER,
    TIFF_MAGIC,
    TYPE_SIZES,
    BytesSource,
    ContainerError,
    Entry,
    Ifd,
    Source,
    read_ifd,
    tiff_header,
)

__all__ = ["TYPE_SIZES", "Entry", "Ifd", "Tiff", "TiffError", "parse_header"]


class TiffError(ValueError):
    """The blob has no readable TIFF structure; the message is a short human sentence."""


@dataclass(slots=True)
class Tiff:
    """A validated TIFF header: the TIFF bytes (without ``Exif\\0\\0``), byte order, first IFD."""

    source: Source
    order: str
    ifd0_offset: int
    magic: bytes
    visited: set[int] = field(default_factory=set)

    def ifd(self, offset: int) -> tuple[Ifd | None, str | None]:
        """Read the directory at ``offset``: ``(ifd, None)`` or ``(None, reason)``."""
        if offset in self.visited:
            return None, "directory loop"
        if 8 <= offset < self.source.size:
            self.visited.add(offset)
        return read_ifd(self.source, self.order, offset)

    def sub_ifd(self, parent: Ifd | None, tag: int) -> tuple[Ifd | None, str | None]:
        """Follow a pointer tag of ``parent``; ``(None, None)`` when the tag is absent."""
        if parent is None:
            return None, None
        entry = parent.get(tag)
        if entry is None:
            return (None, "directory pointer is unreadable") if tag in parent.positions else (None, None)
        # A pointer is one LONG (or IFD); anything else (text, a list) is not followed.
        if entry.type not in (4, 13) or entry.count != 1:
            return None, "directory pointer is empty or of the wrong type"
        (offset,) = struct.unpack(self.order + "I", parent.value(entry))
        return self.ifd(offset)


def parse_header(data: bytes) -> Tiff:
    """Validate the header of an EXIF blob (``Exif\\0\\0`` optional) or raise :class:`TiffError`."""
    buf = data[6:] if data[:6] == EXIF_HEADER else data
    if len(buf) < 8:
        if not data:
            raise TiffError("The data is empty.")
        raise TiffError("The data is too short to hold a TIFF header.")
    if bytes(buf[:4]) not in TIFF_MAGIC:
        if data[:2] == b"\xff\xd8":
            raise TiffError("This is a whole JPEG file, not its EXIF segment.")
        raise TiffError("The data does not start with an EXIF or TIFF header.")
    source = BytesSource(buf)
    try:
        header = tiff_header(source)
    except ContainerError as exc:  # unreachable after the checks above; kept for the contract
        raise TiffError("The data does not start with an EXIF or TIFF header.") from exc
    return Tiff(source, header.order, header.first_ifd, header.magic)
