"""Reading one photo file, once: its content hash, its raw EXIF, and where a hotpreview could come from.

Every byte of a file passes through SHA-256 (the content hash names the file, whoever imports
it), so the file is read in full anyway; nothing else is read twice. A JPEG is read into memory
(it is at most tens of megabytes) and its EXIF, frame and thumbnail are taken from those bytes;
a RAW or HEIC is streamed through the hash in 1 MiB reads and only its metadata is read again
(from the page cache) by seeking: a RAW is never held in memory.

Hostile files are normal input: a file that vanishes, shrinks, grows or is rewritten while it is
read is reported (``FILE_VANISHED``, ``FILE_CHANGED``) and skipped, never half-imported.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import BinaryIO

from imalink.exif.containers import (
    DECODABLE_SOF,
    BytesSource,
    ContainerError,
    FileSource,
    Source,
    iter_jpeg_segments,
    jpeg_frame,
    read_ifd,
    tiff_header,
)
from imalink.exif.containers import TAG_JPEG_LENGTH, TAG_JPEG_OFFSET, TAG_ORIENTATION, TAG_PANASONIC_JPG_FROM_RAW
from imalink.importer.embedded import ExifFacts, Thumbnail, choose_embedded, exif_facts, jpeg_candidates, jpeg_thumbnail
from imalink.importer.exif_extract import RawExif, exif_of
from imalink.importer.problems import Problem, reason
from imalink.importer.scan import PhotoFile

# A JPEG is read into memory once and hash, EXIF and frame come from those bytes; a (mislabelled)
# file bigger than this is streamed like a RAW.
MAX_READ_ONCE_BYTES = 64 * 1024 * 1024
HASH_CHUNK = 1024 * 1024

MAX_EMBEDDED_JPEG_BYTES = 64 * 1024 * 1024
# Where to look for an embedded JPEG when a RAW has no TIFF structure telling where it is.
SCAN_WINDOW_BYTES = 16 * 1024 * 1024
MAX_SCAN_CANDIDATES = 64

TAG_COMPRESSION = 0x0103
TAG_STRIP_OFFSETS = 0x0111
TAG_STRIP_BYTE_COUNTS = 0x0117
TAG_SUB_IFDS = 0x014A


class FileProblem(Exception):
    """The file cannot be imported; :attr:`problem` says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class FileFacts:
    """One file as it will be sent: name, size, content hash, raw EXIF."""

    path: str
    name: str
    size: int
    content_hash: str
    exif: bytes | None


@dataclass(frozen=True, slots=True)
class PreviewPlan:
    """Where the hotpreview of a group can come from, in this file."""

    path: str
    kind: str
    """``jpeg`` (the file or a part of it is a JPEG) or ``heic``."""
    span: tuple[int, int] | None = None
    """``(offset, length)`` of the JPEG inside the file (a RAW's embedded JPEG); None: the file."""
    orientation: int = 1
    crop: tuple[int, int, int, int] | None = None
    """The picture inside letterbox bands of an embedded JPEG, in its pixels."""
    fallback: tuple[int, int] | None = None
    """Another embedded JPEG to decode when the bands around ``crop`` are not dark after all."""
    thumbnail: Thumbnail | None = None
    """A JPEG's EXIF thumbnail that passed the rule of :mod:`importer.embedded`."""
    frame: tuple[int, int] | None = None
    """The picture's size (unrotated) to report when a smaller JPEG stands in for it: the main
    JPEG's frame, or a RAW's largest embedded JPEG."""
    size: int = 0
    """The file's size in bytes."""
    label: str = "decoded"
    facts: ExifFacts | None = None
    """A HEIC's EXIF facts: the edit hints its thumbnail is checked against (see :mod:`importer.embedded`)."""


def read_file(f: PhotoFile) -> tuple[FileFacts, PreviewPlan | None, list[Problem]]:
    """Hash, raw EXIF and preview plan of ``f``; warnings. Raises :class:`FileProblem`."""
    kind = f.kind
    try:
        with open(f.path, "rb") as fh:
            before = os.fstat(fh.fileno())
            if kind == "jpeg" and before.st_size <= MAX_READ_ONCE_BYTES:
                data = fh.read()
                size, digest = len(data), hashlib.sha256(data).hexdigest()
                _check_unchanged(f, fh, before, size)
                src: Source = BytesSource(data)
            else:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
                size = fh.tell()
                _check_unchanged(f, fh, before, size)
                src = FileSource(fh, size)
            exif = exif_of(src, kind)
            plan, notes = _plan(f, kind, src, exif)
    except FileNotFoundError:
        raise FileProblem(Problem("FILE_VANISHED", "the file was removed after it was listed", f.path)) from None
    except OSError as exc:
        raise FileProblem(Problem("FILE_UNREADABLE", f"cannot read the file: {reason(exc)}", f.path)) from None
    warnings = [Problem(exif.warning_code, exif.warning or "", f.path)] if exif.warning_code else []
    warnings += notes
    return FileFacts(f.path, f.name, size, digest, exif.data), plan, warnings


def _check_unchanged(f: PhotoFile, fh: BinaryIO, before: os.stat_result, size: int) -> None:
    after = os.fstat(fh.fileno())
    if size == 0:
        raise FileProblem(Problem("EMPTY_FILE", "the file is empty (0 bytes)", f.path))
    if size != before.st_size or after.st_size != before.st_size or after.st_mtime_ns != before.st_mtime_ns:
        raise FileProblem(Problem("FILE_CHANGED", f"the file changed while it was read ({before.st_size} bytes, then {after.st_size}); import it again once it is complete", f.path))
    if size != f.size:
        raise FileProblem(Problem("FILE_CHANGED", f"the file changed after it was listed ({f.size} bytes then, {size} now); import it again once it is complete", f.path))


def _plan(f: PhotoFile, kind: str, src: Source, exif: RawExif) -> tuple[PreviewPlan | None, list[Problem]]:
    if kind == "heic":
        return PreviewPlan(f.path, "heic", facts=exif_facts(exif.data) if exif.data is not None else None), []
    if kind == "jpeg":
        return _jpeg_plan(f, src, exif)
    return _raw_plan(f, src), []


def _jpeg_plan(f: PhotoFile, src: Source, exif: RawExif) -> tuple[PreviewPlan, list[Problem]]:
    """Decode the JPEG itself, or its EXIF thumbnail when the rule allows it."""
    facts = exif_facts(exif.data) if exif.data is not None else None
    orientation = facts.orientation if facts is not None else 1
    try:
        segments = list(iter_jpeg_segments(src))
        _, width, height = jpeg_frame(src)
    except ContainerError:
        return PreviewPlan(f.path, "jpeg", orientation=orientation), []  # Pillow will say what is wrong
    notes = []
    if isinstance(src, BytesSource) and segments:
        # Entropy-coded data stuffs every 0xFF, so no end-of-image marker can appear inside the
        # image data: a file cut short has none after its header. Searched from the end, where
        # it is (data after it, a phone's motion video, does not matter), so the search is short.
        scan = segments[-1].offset + segments[-1].length
        if src.data.rfind(b"\xff\xd9", scan) < 0:
            notes.append(Problem("IMAGE_TRUNCATED", "the file is cut short (its image data has no end); what could be read is imported", f.path))
    thumbnail, _why = jpeg_thumbnail(src, segments, exif.data, (width, height))
    return PreviewPlan(f.path, "jpeg", orientation=orientation, thumbnail=thumbnail, frame=(width, height), size=src.size), notes


def _raw_plan(f: PhotoFile, src: Source) -> PreviewPlan | None:
    """The RAW's embedded JPEG to decode (see :func:`importer.embedded.choose_embedded`)."""
    orientation = 1
    places: list[tuple[int, int]] = []
    try:
        header = tiff_header(src)
    except ContainerError:
        header = None
    if header is not None:
        try:
            orientation, places = _tiff_jpegs(src, header.order, header.first_ifd)
        except ContainerError:
            pass
    candidates = jpeg_candidates(src, places, MAX_EMBEDDED_JPEG_BYTES)
    if not candidates:
        candidates = _scan_for_jpegs(src)
    chosen = choose_embedded(candidates)
    if chosen is None:
        return None
    return PreviewPlan(f.path, "jpeg", span=chosen.span, orientation=orientation, crop=chosen.crop, fallback=chosen.fallback, frame=chosen.size, label="embedded")


def _tiff_jpegs(src: Source, order: str, first_ifd: int) -> tuple[int, list[tuple[int, int]]]:
    """The RAW's orientation and the (offset, length) of every JPEG its IFDs point to."""
    ifd0, _ = read_ifd(src, order, first_ifd)
    orientation = (ifd0.int(TAG_ORIENTATION) if ifd0 is not None else None) or 1
    found: list[tuple[int, int]] = []
    todo = [(first_ifd, 0)]
    seen: set[int] = set()
    while todo and len(seen) < 64:
        offset, depth = todo.pop()
        if offset in seen:
            continue
        seen.add(offset)
        ifd, _ = read_ifd(src, order, offset)
        if ifd is None:
            continue
        start, length = ifd.int(TAG_JPEG_OFFSET), ifd.int(TAG_JPEG_LENGTH)
        if start and length:
            found.append((start, length))
        if ifd.int(TAG_COMPRESSION) in (6, 7):  # a JPEG-compressed image in strips
            starts, lengths = (ifd.ints(e) if (e := ifd.get(t)) is not None else () for t in (TAG_STRIP_OFFSETS, TAG_STRIP_BYTE_COUNTS))
            if len(starts) == 1 and len(lengths) == 1:
                found.append((starts[0], lengths[0]))
        panasonic = ifd.get(TAG_PANASONIC_JPG_FROM_RAW)
        if panasonic is not None and not panasonic.inline:
            found.append((panasonic.offset, panasonic.size))
        if ifd.next_offset:
            todo.append((ifd.next_offset, depth))
        sub = ifd.get(TAG_SUB_IFDS)
        if depth < 3 and sub is not None:
            todo.extend((o, depth + 1) for o in ifd.ints(sub, limit=16))
    return orientation if 1 <= orientation <= 8 else 1, found


def _scan_for_jpegs(src: Source) -> list[tuple[int, int, int, int]]:
    """JPEGs starting in the first 16 MiB of a RAW without TIFF structure (CR3, RAF), found by their
    start markers; each is taken to run to the end of the window."""
    found: list[tuple[int, int, int, int]] = []
    window = min(src.size, SCAN_WINDOW_BYTES)
    pos, tries = 0, 0
    while pos < window and tries < MAX_SCAN_CANDIDATES:
        chunk = src.read(pos, HASH_CHUNK + 2)
        hit = chunk.find(b"\xff\xd8\xff")
        if hit < 0:
            pos += HASH_CHUNK
            continue
        start = pos + hit
        tries += 1
        try:
            sof, w, h = jpeg_frame(src, start, window)
            if sof in DECODABLE_SOF and w and h:
                found.append((start, window - start, w, h))
        except ContainerError:
            pass
        pos = start + 3
    return found


def read_span(path: str, span: tuple[int, int] | None) -> bytes:
    """The bytes a preview plan decodes: the whole file, or ``length`` bytes at ``offset``."""
    with open(path, "rb") as fh:
        if span is None:
            return fh.read()
        fh.seek(span[0])
        return fh.read(span[1])


