"""One file group turned into what is sent: hotpreview, hothash and each file's raw EXIF.

This is the CPU-heavy step (a JPEG decode per group), so :func:`process_groups` spreads it over
worker processes with a bounded number of groups in flight: memory stays flat however long the
stream of groups is, and results come back in the order the groups went in.
"""

from __future__ import annotations

import io
import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

from imalink.importer.exif_extract import exif_of, extract_exif
from imalink.importer.grouping import FileGroup
from imalink.importer.preview import Hotpreview, find_embedded_preview, render_hotpreview
from imalink.importer.scan import file_kind

# Groups per task sent to a worker, and tasks in flight per worker: enough to keep both cores
# busy and amortise inter-process overhead, small enough that memory does not grow.
CHUNK_SIZE = 8
TASKS_PER_WORKER = 4
# The JPEG a hotpreview is made from is read into memory once and both its EXIF and its pixels
# come from those bytes; a (mislabelled) file bigger than this is streamed from disk instead.
MAX_READ_ONCE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a file or group, named like the API's ImportProblem."""

    code: str
    message: str
    filename: str | None = None
    """Path of the file it concerns (the group's first file when it concerns the group)."""


@dataclass(frozen=True, slots=True)
class ImageFile:
    """One file of a group as sent: name, size and raw EXIF (None when there is none)."""

    filename: str
    size: int
    exif: bytes | None


@dataclass(slots=True)
class ProcessedGroup:
    """A group ready to send, or (``preview`` is None) one that cannot be sent and why."""

    group: FileGroup
    preview: Hotpreview | None = None
    images: list[ImageFile] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def sendable(self) -> bool:
        """True when the group has a hotpreview and at least one readable file."""
        return self.preview is not None and bool(self.images)


def process_group(group: FileGroup) -> ProcessedGroup:
    """Read every file of ``group`` and make its hotpreview. Never raises for a bad file.

    Each file is opened once. The JPEG the hotpreview comes from is read whole, once, and its
    EXIF (header segments only) and pixels (draft-mode decode) are taken from those bytes; every
    other file (a RAW next to the JPEG) has only its metadata read, and is never decoded.
    """
    result = ProcessedGroup(group)
    source = group.preview_source()
    source_jpeg: bytes | str | None = None  # the source JPEG's bytes (or its path when too big)
    for f in group.files:
        kind = file_kind(f.name) or ""
        try:
            if f is source and kind == "jpeg":
                with open(f.path, "rb") as fh:
                    if f.size <= MAX_READ_ONCE_BYTES:
                        source_jpeg = fh.read()
                        exif = exif_of(io.BytesIO(source_jpeg), kind)
                    else:
                        source_jpeg = f.path
                        exif = exif_of(fh, kind)
            else:
                exif = extract_exif(f.path, kind)
        except OSError as exc:
            result.errors.append(Problem("FILE_UNREADABLE", _reason(exc), f.path))
            continue
        if exif.warning_code:
            result.warnings.append(Problem(exif.warning_code, exif.warning or "", f.path))
        result.images.append(ImageFile(f.name, f.size, exif.data))

    if source is None:
        result.errors.append(Problem("NO_PREVIEW_SOURCE", "no JPEG or RAW to make a hotpreview from (HEIC is not decoded)", group.label))
    elif not any(e.filename == source.path for e in result.errors):
        try:
            if source_jpeg is not None:
                result.preview = render_hotpreview(source_jpeg)
            else:
                embedded = find_embedded_preview(source.path)
                result.preview = render_hotpreview(embedded.jpeg, orientation=embedded.orientation)
        except Exception as exc:  # Pillow raises many types for a damaged image; all mean the same here.
            result.errors.append(Problem("PREVIEW_FAILED", f"cannot make a hotpreview: {_reason(exc)}", source.path))
    if result.preview is None:
        # Nothing of a group without hotpreview is sent, so its files' warnings are moot.
        result.images.clear()
        result.warnings.clear()
    return result


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _process_chunk(groups: list[FileGroup]) -> list[ProcessedGroup]:
    return [process_group(g) for g in groups]


def _ignore_sigint() -> None:
    # Ctrl-C is handled once, in the main process, which then shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers() -> int:
    """One worker per CPU the process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def process_groups(groups: Iterable[FileGroup], workers: int | None = None) -> Iterator[ProcessedGroup]:
    """:func:`process_group` over a stream of groups, in order, on ``workers`` processes.

    ``workers=1`` processes in this process (no pool). At most ``workers * TASKS_PER_WORKER``
    chunks of groups are in flight at any time.
    """
    workers = workers or default_workers()
    if workers == 1:
        yield from map(process_group, groups)
        return
    it = iter(groups)
    window = workers * TASKS_PER_WORKER
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
    in_flight: deque[Future[list[ProcessedGroup]]] = deque()
    try:
        while True:
            while len(in_flight) < window:
                chunk = list(islice(it, CHUNK_SIZE))
                if not chunk:
                    break
                in_flight.append(pool.submit(_process_chunk, chunk))
            if not in_flight:
                return
            yield from in_flight.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
