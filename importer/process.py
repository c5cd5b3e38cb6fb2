"""A stream of file groups turned into what is sent, in two steps, on worker processes.

1. **Inspect** (:func:`inspect_group`): read each file once -- content hash, raw EXIF, where a
   hotpreview could come from. Cheap: I/O and SHA-256.
2. **Check**: the main process asks the library which content hashes it has
   (``existingFiles``; the ``check`` callback). A group whose files are all known is done; a
   group with some known files joins that photo (no hotpreview needed) with its new files only.
3. **Preview** (:func:`make_preview`), only for groups the library does not have: the
   CPU-heavy step (a JPEG decode, unless an embedded thumbnail may stand in).

Both steps run on a pool of worker processes with a bounded number of groups in flight, so
memory stays flat however long the stream is, and results come back in the order the groups
went in.
"""

from __future__ import annotations

import io
import os
import signal
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import NamedTuple

from PIL import Image

from imalink.importer.embedded import STRIP_HEIGHT, bands_are_dark, camera_key, heic_thumbnail_rule, same_picture, same_strip
from imalink.importer.grouping import FileGroup, source_order
from imalink.importer.preview import Hotpreview, PreviewError, clean_message, decode_small, decode_top, displayed, finish, orient, render_heic
from imalink.importer.problems import Problem
from imalink.importer.reading import FileFacts, FileProblem, PreviewPlan, read_file, read_span

# Groups per task sent to a worker, and tasks in flight per worker: enough to keep both cores
# busy and amortise inter-process overhead, small enough that memory stays flat and the
# progress bar moves smoothly.
CHUNK_SIZE = 4
TASKS_PER_WORKER = 4
# How much of a JPEG is read to decode the top of its picture (checked against its thumbnail):
# this part of its image data, and at least this many bytes.
STRIP_BYTES = 0.15
STRIP_MIN_BYTES = 64 * 1024


class KnownFile(NamedTuple):
    """A file the library has (``existingFiles``): the photo it belongs to, and its name there."""

    hothash: str
    filename: str


@dataclass(slots=True)
class InspectedGroup:
    """A group after step 1: its readable files, where its hotpreview can come from, problems."""

    group: FileGroup
    files: list[FileFacts] = field(default_factory=list)
    plans: list[PreviewPlan] = field(default_factory=list)
    """Preview sources in order of preference (JPEG, HEIC, RAW)."""
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class ProcessedGroup:
    """A group ready to send, already in the library, or (nothing to send) failed and why."""

    group: FileGroup
    images: list[FileFacts] = field(default_factory=list)
    """The files to send (the known ones are left out)."""
    preview: Hotpreview | None = None
    known_hothash: str | None = None
    """The hothash of the photo the library already has for some of this group's files."""
    known_files: int = 0
    """Files of this group the library already has."""
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)

    @property
    def sendable(self) -> bool:
        """True when there are files to send and a photo to send them to (a hotpreview or a known photo)."""
        return bool(self.images) and (self.preview is not None or self.known_hothash is not None)

    @property
    def hothash(self) -> str | None:
        """The hothash the group is sent with."""
        return self.known_hothash or (self.preview.hothash if self.preview is not None else None)

    @property
    def in_library(self) -> bool:
        """True when the library has every readable file of the group (nothing to do)."""
        return self.known_files > 0 and not self.images and not self.errors


Check = Callable[[list[InspectedGroup]], Mapping[str, KnownFile]]
"""Given inspected groups, the known files among their content hashes (content hash -> KnownFile)."""


# --- step 1 -------------------------------------------------------------------------------------


def inspect_group(group: FileGroup) -> InspectedGroup:
    """Read every file of ``group`` once. Never raises for a bad file: it is reported and left out."""
    result = InspectedGroup(group)
    plans: dict[str, PreviewPlan] = {}
    for f in group.files:
        try:
            facts, plan, warnings = read_file(f)
        except FileProblem as exc:
            (result.skipped if exc.problem.code == "EMPTY_FILE" else result.errors).append(exc.problem)
            continue
        result.files.append(facts)
        result.warnings.extend(warnings)
        if plan is not None:
            plans[f.path] = plan
    result.plans = [plans[f.path] for f in source_order(group.files) if f.path in plans]
    return result


# --- step 3 -------------------------------------------------------------------------------------

# Per worker: whether the thumbnails (EXIF or HEIC) of a (Make, Model, Software) showed the same
# picture as a full decode, the first time one was met.
_thumbnails_verified: dict[tuple[str, str, str, str], bool] = {}


def make_preview(inspected: InspectedGroup) -> tuple[Hotpreview | None, list[Problem]]:
    """The group's hotpreview from its first plan that works, and what went wrong on the way.

    A source that fails before another works is a warning on that file; when none works, the
    first failure is the group's error (returned as the last problem, code ``PREVIEW_FAILED``).
    """
    failures: list[Problem] = []
    for plan in inspected.plans:
        try:
            preview = _preview(plan)
        except (PreviewError, OSError, ValueError, RuntimeError, Image.DecompressionBombError, EOFError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else clean_message(str(exc))
            failures.append(Problem("PREVIEW_FAILED", f"cannot make a hotpreview: {why}", plan.path))
            continue
        known = {(w.code, w.filename) for w in inspected.warnings}
        notes = [Problem(code, message, plan.path) for code, message in preview.warnings if (code, plan.path) not in known]
        return preview, [*failures, *notes]
    if not failures:
        failures.append(Problem("NO_PREVIEW_SOURCE", "no JPEG, HEIC or RAW file to make a hotpreview from", inspected.group.label))
    return None, failures


def _preview(plan: PreviewPlan) -> Hotpreview:
    if plan.kind == "heic":
        return _from_heic(plan)
    if plan.thumbnail is not None:
        preview = _from_thumbnail(plan)
        if preview is not None:
            return preview
    data = read_span(plan.path, plan.span)
    decoded = decode_small(data, allow_truncated=True, read_orientation=False)
    if plan.crop is not None and not bands_are_dark(decoded.image, decoded.box(plan.crop)):
        # Not a letterboxed copy after all: decode the largest embedded JPEG instead (never the
        # whole RAW file, which a span of None would read).
        if plan.fallback is None:
            return finish(decoded, orientation=plan.orientation, label=plan.label)
        return _preview(replace(plan, span=plan.fallback, crop=None, fallback=None))
    return finish(decoded, orientation=plan.orientation, crop=plan.crop, size=_shown(plan), label=plan.label)


def _shown(plan: PreviewPlan) -> tuple[int, int] | None:
    """The picture's size as displayed, when the plan knows it better than the decoded JPEG."""
    return displayed(plan.frame, plan.orientation) if plan.frame is not None else None


def _from_thumbnail(plan: PreviewPlan) -> Hotpreview | None:
    """The hotpreview from the EXIF thumbnail, or None when it turns out not to show the picture."""
    thumb = plan.thumbnail
    assert thumb is not None and plan.frame is not None
    try:
        decoded = decode_small(thumb.jpeg, read_orientation=False)
    except (PreviewError, OSError, ValueError, RuntimeError):
        return None
    if thumb.crop is not None and not bands_are_dark(decoded.image, decoded.box(thumb.crop)):
        return None
    small = decoded.image.crop(decoded.box(thumb.crop)) if thumb.crop else decoded.image
    # The top rows of the picture itself, from the first part of the file only.
    head = max(STRIP_MIN_BYTES, int((plan.size - thumb.scan_at) * STRIP_BYTES))
    strip = decode_top(read_span(plan.path, (0, thumb.scan_at + head)), thumb.sof_at, plan.frame, STRIP_HEIGHT)
    if strip is None:
        return None
    rows = max(2, round(small.height * STRIP_HEIGHT))
    if not same_strip(small.crop((0, 0, small.width, rows)), strip):
        return None
    verdict = _thumbnails_verified.get(thumb.key)
    if verdict is None:
        # The first file of this camera and software: compare with the decoded picture.
        main = decode_small(read_span(plan.path, None), allow_truncated=True, read_orientation=False)
        if any(code == "IMAGE_TRUNCATED" for code, _ in main.notes):
            verdict = True  # a file cut short proves nothing about its camera's thumbnails
        else:
            verdict = same_picture(orient(small, plan.orientation), orient(main.image, plan.orientation))
            _thumbnails_verified[thumb.key] = verdict
            if not verdict:
                return finish(main, orientation=plan.orientation)
    if not verdict:
        return None
    return finish(decoded, orientation=plan.orientation, crop=thumb.crop, size=_shown(plan), label="thumbnail")


def _from_heic(plan: PreviewPlan) -> Hotpreview:
    """A HEIC's hotpreview: from its thumbnail image where :func:`heic_thumbnail_rule` lets it
    stand in and, for the first file of each camera key in this worker, a full decode shows the
    same picture; else from the picture itself."""
    preview = render_heic(plan.path, lambda shown: heic_thumbnail_rule(plan.facts, shown))
    if preview.source != "heic-thumbnail":
        return preview
    key = camera_key(plan.facts, "heic")
    verdict = _thumbnails_verified.get(key)
    if verdict is None:
        full = render_heic(plan.path)
        verdict = _thumbnails_verified[key] = same_picture(_pixels(preview), _pixels(full))
        return preview if verdict else full
    return preview if verdict else render_heic(plan.path)


def _pixels(preview: Hotpreview) -> Image.Image:
    with Image.open(io.BytesIO(preview.data)) as img:
        return img.convert("RGB")


# --- the pipeline -------------------------------------------------------------------------------


def resolve(inspected: InspectedGroup, known: Mapping[str, KnownFile]) -> ProcessedGroup:
    """What to do with an inspected group given the files the library has."""
    out = ProcessedGroup(inspected.group, errors=list(inspected.errors), warnings=list(inspected.warnings), skipped=list(inspected.skipped))
    hits = [known[f.content_hash] for f in inspected.files if f.content_hash in known]
    photos = sorted({hit.hothash for hit in hits})
    if len(photos) > 1:
        out.errors.append(Problem("FILES_OF_DIFFERENT_PHOTOS", f"the files of this group belong to {len(photos)} different photos of the library; rename one of them to import it apart", inspected.group.label))
        return out
    out.known_files = len(hits)
    out.images = [f for f in inspected.files if f.content_hash not in known]
    if photos:
        out.known_hothash = photos[0]
    return out


def process_group(group: FileGroup, known: Mapping[str, KnownFile] | None = None) -> ProcessedGroup:
    """All steps for one group in this process (``known``: the library's files, by content hash)."""
    inspected = inspect_group(group)
    pg = resolve(inspected, known or {})
    return _apply_preview(pg, make_preview(inspected)) if _needs_preview(pg) else pg


def _inspect_chunk(groups: list[FileGroup]) -> list[InspectedGroup]:
    return [inspect_group(g) for g in groups]


def _preview_chunk(groups: list[InspectedGroup]) -> list[tuple[Hotpreview | None, list[Problem]]]:
    return [make_preview(g) for g in groups]


def _apply_preview(pg: ProcessedGroup, outcome: tuple[Hotpreview | None, list[Problem]]) -> ProcessedGroup:
    preview, problems = outcome
    pg.preview = preview
    if preview is None:
        pg.errors.extend(problems)
        # Nothing of a group without hotpreview is sent, so its files' warnings are moot.
        pg.images.clear()
        pg.warnings.clear()
    else:
        pg.warnings.extend(problems)
    return pg


def _needs_preview(pg: ProcessedGroup) -> bool:
    return bool(pg.images) and pg.known_hothash is None and not any(e.code == "FILES_OF_DIFFERENT_PHOTOS" for e in pg.errors)


def _worker_init() -> None:
    # Ctrl-C is handled once, in the main process, which then shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A library warning is never printed raw by a worker: those that matter are recorded where
    # they happen (decode_small, render_heic) and reported with the file's name.
    warnings.simplefilter("ignore")


def default_workers() -> int:
    """One worker per CPU the process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _no_check(_groups: list[InspectedGroup]) -> Mapping[str, KnownFile]:
    return {}


def process_groups(groups: Iterable[FileGroup], workers: int | None = None, check: Check | None = None) -> Iterator[ProcessedGroup]:
    """The groups inspected, checked against the library (``check``) and previewed, in order.

    ``workers=1`` runs in this process (no pool). At most ``workers * TASKS_PER_WORKER`` chunks
    of groups are in each step at any time.
    """
    check = check or _no_check
    workers = workers or default_workers()
    it = iter(groups)
    if workers == 1:
        while chunk := list(islice(it, CHUNK_SIZE)):
            for pg, inspected in _resolve_chunk(_inspect_chunk(chunk), check):
                yield _apply_preview(pg, make_preview(inspected)) if inspected is not None else pg
        return
    window = workers * TASKS_PER_WORKER
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
    inspecting: deque[Future[list[InspectedGroup]]] = deque()
    # Per inspected chunk, in order: its groups, and the future of the previews it needed.
    previewing: deque[tuple[list[tuple[ProcessedGroup, InspectedGroup | None]], Future[list[tuple[Hotpreview | None, list[Problem]]]] | None]] = deque()
    try:
        while True:
            while len(inspecting) + len(previewing) < 2 * window:
                chunk = list(islice(it, CHUNK_SIZE))
                if not chunk:
                    break
                inspecting.append(pool.submit(_inspect_chunk, chunk))
            if previewing and (previewing[0][1] is None or previewing[0][1].done() or not inspecting):
                yield from _finish(*previewing.popleft())
                continue
            if inspecting and len(previewing) < window:
                # The chunks already inspected are checked together: one look-up (a round trip
                # to the server) for all of them, not one per chunk of four groups.
                ready = [inspecting.popleft().result()]
                while inspecting and inspecting[0].done() and len(previewing) + len(ready) < window:
                    ready.append(inspecting.popleft().result())
                for resolved in _resolve_chunks(ready, check):
                    todo = [inspected for _, inspected in resolved if inspected is not None]
                    previewing.append((resolved, pool.submit(_preview_chunk, todo) if todo else None))
                continue
            if previewing:
                yield from _finish(*previewing.popleft())
                continue
            return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _resolve_chunk(chunk: list[InspectedGroup], check: Check) -> list[tuple[ProcessedGroup, InspectedGroup | None]]:
    """Each group resolved against the library; paired with itself when it still needs a preview."""
    return _resolve_chunks([chunk], check)[0]


def _resolve_chunks(chunks: list[list[InspectedGroup]], check: Check) -> list[list[tuple[ProcessedGroup, InspectedGroup | None]]]:
    """:func:`_resolve_chunk` of each chunk, with one ``check`` for all of them."""
    known = check([inspected for chunk in chunks for inspected in chunk])
    out = []
    for chunk in chunks:
        resolved = []
        for inspected in chunk:
            pg = resolve(inspected, known)
            resolved.append((pg, inspected if _needs_preview(pg) else None))
        out.append(resolved)
    return out


def _finish(resolved: list[tuple[ProcessedGroup, InspectedGroup | None]], future: Future[list[tuple[Hotpreview | None, list[Problem]]]] | None) -> Iterator[ProcessedGroup]:
    outcomes = iter(future.result() if future is not None else [])
    for pg, inspected in resolved:
        yield _apply_preview(pg, next(outcomes)) if inspected is not None else pg
