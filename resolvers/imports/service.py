"""Writing a batch of photo groups: one transaction, each group succeeding or failing on its own.

Checks happen first (``prepare``), so a failed group never touches the database. The writes lean
on unique constraints (hothash; photo + file name) instead of check-then-insert, and every status
is derived from what the database says was actually inserted, so importers running at the same
time never fail on each other nor create a photo twice.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from imalink.db import queries, writes
from imalink.db.engine import SQLITE_WRITE
from imalink.db.tables import SESSION_IN_PROGRESS
from imalink.resolvers.errors import UserError
from imalink.resolvers.imports.limits import ImportLimits
from imalink.resolvers.imports.outcome import BatchOutcome, GroupOutcome, GroupStatus, ImportProblem
from imalink.resolvers.imports.prepare import PreparedGroup, RejectedGroup, filename_key, prepare_group
from imalink.resolvers.imports.submission import BatchSubmission



@dataclass(slots=True)
class _PhotoState:
    """What the batch knows of one hothash while it plans."""

    photo_id: int | None
    filename_keys: set[str] = field(default_factory=set)
    creator: int | None = None  # index of the group that creates the photo


def import_batch(engine: Engine, owner_id: int, batch: BatchSubmission, limits: ImportLimits) -> BatchOutcome:
    """Import ``batch`` into ``owner_id``'s library atomically; per-group results come back in request order.

    Raises :class:`UserError` (and writes nothing) when the batch as a whole cannot be taken.
    A database failure part-way rolls back the whole batch and propagates.
    """
    started = time.perf_counter()
    if len(batch.photo_groups) > limits.max_groups_per_batch:
        raise UserError(
            "BATCH_TOO_LARGE",
            f"A batch may carry at most {limits.max_groups_per_batch} photo groups; "
            f"this one has {len(batch.photo_groups)}. Send it in smaller batches.",
        )
    prepared = [prepare_group(group, batch.import_session_id, limits) for group in batch.photo_groups]

    with engine.connect() as conn:
        conn.execution_options(**SQLITE_WRITE)
        with conn.begin():
            prepared = _check_sessions(conn, owner_id, batch.import_session_id, prepared)
            results = _write_groups(conn, owner_id, prepared)
            _add_session_totals(conn, owner_id, batch, results)
    return BatchOutcome(results, (time.perf_counter() - started) * 1000)


def _check_sessions(
    conn: Connection, owner_id: int, batch_session_id: int | None, prepared: list[PreparedGroup | RejectedGroup]
) -> list[PreparedGroup | RejectedGroup]:
    """Refuse a batch naming an unknown or closed session; fail groups naming one.

    Another user's session is unknown: it is not even said to exist.
    """
    wanted = {batch_session_id} if batch_session_id is not None else set()
    for group in prepared:
        if isinstance(group, PreparedGroup):
            wanted.update(_sessions_named(group))
    sessions = queries.sessions_by_ids(conn, owner_id, sorted(wanted))
    if batch_session_id is not None:
        problem = _session_problem(sessions, batch_session_id)
        if problem:
            raise UserError(problem.code, problem.message)

    checked: list[PreparedGroup | RejectedGroup] = []
    for group in prepared:
        if isinstance(group, PreparedGroup):
            problems = [p for p in (_session_problem(sessions, s) for s in _sessions_named(group)) if p]
            if problems:
                group = RejectedGroup(group.hothash, problems)
        checked.append(group)
    return checked


def _sessions_named(group: PreparedGroup) -> list[int]:
    """The distinct sessions a group and its files name."""
    named = [group.import_session_id, *(image.import_session_id for image in group.images)]
    return list(dict.fromkeys(s for s in named if s is not None))


def _session_problem(sessions: dict[int, Any], session_id: int) -> ImportProblem | None:
    session = sessions.get(session_id)
    if session is None:
        return ImportProblem("UNKNOWN_IMPORT_SESSION", f"There is no import session {session_id}.")
    if session.status != SESSION_IN_PROGRESS:
        return ImportProblem(
            "IMPORT_SESSION_COMPLETED", f"Import session {session_id} is completed; start a new one."
        )
    return None


def _write_groups(conn: Connection, owner_id: int, prepared: list[PreparedGroup | RejectedGroup]) -> list[GroupOutcome]:
    now = datetime.now(UTC)
    valid = [g for g in prepared if isinstance(g, PreparedGroup)]
    hashes = list(dict.fromkeys(g.hothash for g in valid))
    state = _known_photos(conn, owner_id, hashes)

    # Plan in request order: the first group of an unknown hothash creates the photo; every later
    # one (in this batch or after) only brings the file names the photo does not have yet.
    new_photos: list[dict[str, Any]] = []
    planned: dict[int, list[Any]] = {}
    for index, group in enumerate(prepared):
        if not isinstance(group, PreparedGroup):
            continue
        photo = state.get(group.hothash)
        if photo is None:
            photo = state[group.hothash] = _PhotoState(None, creator=index)
            new_photos.append(_photo_row(group, owner_id, now))
        planned[index] = [image for image in group.images if image.filename_key not in photo.filename_keys]
        photo.filename_keys.update(image.filename_key for image in planned[index])

    inserted = writes.insert_new_photos(conn, new_photos)
    lost = [h for h, s in state.items() if s.creator is not None and h not in inserted]
    for hothash, photo_id in inserted.items():
        state[hothash].photo_id = photo_id
    if lost:
        # Another importer created these photos since we looked: attach to theirs instead.
        for hothash, row in queries.photos_by_hothashes(conn, owner_id, lost).items():
            state[hothash].photo_id = row.id
            state[hothash].creator = None
    writes.insert_photo_tags(
        conn, {state[g.hothash].photo_id: g.tags for g in valid if g.tags and state[g.hothash].creator is not None}
    )

    image_rows = [
        _image_row(image, owner_id, state[prepared[index].hothash].photo_id, now)  # type: ignore[union-attr]
        for index, images in planned.items()
        for image in images
    ]
    created_images = writes.insert_new_images(conn, image_rows)

    results: list[GroupOutcome] = []
    fills: list[tuple[int, dict[str, Any]]] = []
    for index, group in enumerate(prepared):
        if isinstance(group, RejectedGroup):
            results.append(GroupOutcome(group.hothash, GroupStatus.FAILED, errors=group.errors))
            continue
        photo = state[group.hothash]
        count = sum(1 for image in planned[index] if (photo.photo_id, image.filename_key) in created_images)
        if photo.creator == index:
            status = GroupStatus.CREATED
        elif count:
            status = GroupStatus.IMAGES_ADDED
            # The new files may know what the photo's first files did not (a RAW's lens, say).
            fills.append((photo.photo_id, _fillable(group)))  # type: ignore[arg-type]
        else:
            status = GroupStatus.DUPLICATE
        results.append(GroupOutcome(group.hothash, status, photo.photo_id, count, warnings=group.warnings))
    # In photo id order, like every other write: two importers filling the same photos in
    # different orders would deadlock on PostgreSQL (the concurrency test caught it).
    for photo_id, values in sorted(fills, key=lambda fill: fill[0]):
        writes.fill_missing_photo_fields(conn, photo_id, values, now)
    return results


def _known_photos(conn: Connection, owner_id: int, hashes: list[str]) -> dict[str, _PhotoState]:
    return {
        hothash: _PhotoState(photo_id, {filename_key(name) for name in names})
        for hothash, (photo_id, names) in queries.files_by_hothash(conn, owner_id, hashes).items()
    }


def _photo_row(group: PreparedGroup, owner_id: int, now: datetime) -> dict[str, Any]:
    return {
        **group.photo,
        "owner_id": owner_id,
        "hothash": group.hothash,
        "hotpreview": group.hotpreview,
        "import_session_id": group.import_session_id,
        "created_at": now,
        "updated_at": now,
    }


def _fillable(group: PreparedGroup) -> dict[str, Any]:
    values = {k: v for k, v in group.photo.items() if k not in ("tags", "rating", "user_rotation")}
    values["hotpreview"] = group.hotpreview
    return values


def _image_row(image: Any, owner_id: int, photo_id: int, now: datetime) -> dict[str, Any]:
    return {
        "owner_id": owner_id,
        "photo_id": photo_id,
        "filename": image.filename,
        "filename_key": image.filename_key,
        "file_size": image.file_size,
        "content_hash": image.content_hash,
        "exif_data": image.exif_data,
        "import_session_id": image.import_session_id,
        "created_at": now,
    }


def _add_session_totals(
    conn: Connection,
    owner_id: int,
    batch: BatchSubmission,
    results: list[GroupOutcome],
) -> None:
    """Count the batch into its sessions' statistics, inside the batch's own transaction.

    Everything a group brings counts for the session the group was sent to (its own, else the
    batch's), whatever session its files name for themselves.
    """
    totals: dict[int, Counter[str]] = {}
    for submitted, result in zip(batch.photo_groups, results, strict=True):
        session_id = submitted.import_session_id or batch.import_session_id
        if session_id is None:
            continue
        counter = totals.setdefault(session_id, Counter())
        counter["files_processed"] += len(submitted.images)
        counter["images_created"] += result.images_created
        counter["errors_count"] += len(result.errors)
        counter["photos_created"] += result.status is GroupStatus.CREATED
        counter["duplicates_skipped"] += result.status is GroupStatus.DUPLICATE
    # A group naming an unknown session failed; there is nothing to count it into.
    known = queries.sessions_by_ids(conn, owner_id, sorted(totals))
    for session_id, counter in totals.items():
        if session_id in known:
            writes.add_session_totals(conn, session_id, dict(counter))
