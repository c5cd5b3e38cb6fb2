"""Writing a resolved plan: the batch's photos, tags, images, filled fields and session totals.

Runs inside the batch's transaction, after ``writes.lock_library``: importers of one library write
one at a time, each seeing what the previous one committed, so the plan it made is still true
when it writes. The unique keys (hothash and content hash per owner, file name per photo) stay
as the database's own guarantee: were a plan ever wrong, the batch fails whole instead of
storing a photo or a file twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from imalink.db import lookalikes, writes
from imalink.db.search import search_text
from imalink.db.tables import photo_t
from imalink.resolvers.imports.outcome import GroupStatus
from imalink.resolvers.imports.plan import GroupPlan, Library

# What a later group never sets on a known photo, even where empty: the user's judgement of it.
_USERS_OWN = ("tags", "rating", "user_rotation")


Describing = Callable[[Callable[[list[GroupPlan]], None]], None]
"""Describes the batch's groups (``checks.describe_groups``), handing on each part as it is done."""


def apply_plan(
    conn: Connection,
    owner_id: int,
    plans: list[GroupPlan],
    library: Library,
    now: datetime,
    meanwhile: Describing | None = None,
) -> None:
    """Write what :func:`plan.resolve` decided; each plan learns its photo id and files written.

    ``meanwhile``, given where the library was free (``service.import_batch``), works out the
    photos' values (checks.describe_groups) while the batch's files, most of its bytes, are written
    alongside (``writes.written_meanwhile``); each part's new photos follow as it is described.
    Without it the photos' values are known already and the photos go first, then their files.
    """
    resolved = [plan for plan in plans if plan.target is not None and not plan.errors]
    created = [plan for plan in resolved if plan.creates_photo]
    stored: list[Any] | None = None  # the look-alike candidates stored before the batch, when read aside
    # Before the new files, so that no file of the batch can take a hash a stored file is learning.
    writes.learn_content_hashes(conn, library.learned)
    if meanwhile is not None:
        ids = writes.new_ids(conn, photo_t, len(created)) if created else []
        for plan, photo_id in zip(created, ids, strict=True):
            plan.target.id = photo_id  # type: ignore[union-attr]
        unwritten = {id(plan): plan for plan in created}

        with writes.written_meanwhile(conn, _image_rows(owner_id, resolved, now)) as add_photos:

            def described(part: list[GroupPlan]) -> None:
                new = [unwritten.pop(id(plan)) for plan in part if id(plan) in unwritten]
                if new:
                    add_photos(_photo_rows(owner_id, new, now), [plan.target.id for plan in new])  # type: ignore[union-attr]

            meanwhile(described)
            if unwritten:  # every photo the batch creates was described, but none may be lost
                raise RuntimeError(f"{len(unwritten)} new photos were not described")
            # A known photo gaining files may gain a fingerprint (or keep its own): then its candidates
            # are read below with the batch's, after the copy, and a read aside would be lost.
            fills_fingerprint = any(map(_brings_fingerprint, resolved))
            if conn.dialect.name == "postgresql" and not fills_fingerprint and (batch_fingerprints := _fingerprints(created)):
                stored = lookalikes.stored_before(conn, owner_id, batch_fingerprints.values())
    else:
        ids_by_hothash = writes.insert_photos(conn, _photo_rows(owner_id, created, now))
        for plan in created:
            plan.target.id = ids_by_hothash[plan.hothash]  # type: ignore[union-attr,index]
        writes.insert_images(conn, _image_rows(owner_id, resolved, now))
    writes.insert_photo_tags(conn, owner_id, {plan.target.id: plan.tags for plan in created if plan.tags})  # type: ignore[union-attr]

    fills: list[tuple[int, dict[str, Any]]] = []
    for plan in resolved:
        plan.images_created = len(plan.new_files)
        if _adds_files(plan):
            # The new files may know what the photo's first files did not (a RAW's lens, say).
            values = {k: v for k, v in plan.photo.items() if k not in _USERS_OWN}
            fills.append((plan.target.id, {**values, "hotpreview": plan.hotpreview}))  # type: ignore[union-attr]
    # In photo id order, like every other write, so that no two writers wait on each other in turn.
    for photo_id, values in sorted(fills, key=lambda fill: fill[0]):
        writes.fill_missing_photo_fields(conn, photo_id, values, now)
    # New photos were written with their search text; photos that gained files find them now too.
    writes.refresh_search_text(conn, owner_id, sorted({photo_id for photo_id, _ in fills}))
    # Look-alike pairs of the photos that got a fingerprint (a photo that had one keeps it).
    fingerprinted = _fingerprints(created)
    filled = [plan.target.id for plan in resolved if _brings_fingerprint(plan)]  # type: ignore[union-attr]
    if filled:  # a photo that already had a fingerprint keeps its own: read it, and its candidates
        fingerprinted.update(lookalikes.fingerprints_of(conn, owner_id, filled))
    lookalikes.link(conn, owner_id, fingerprinted, stored)
    _add_session_totals(conn, plans, library, now)


def _adds_files(plan: GroupPlan) -> bool:
    """Whether a resolved group brings new files to a photo stored before (``IMAGES_ADDED`` once written)."""
    return not plan.creates_photo and bool(plan.new_files)


def _brings_fingerprint(plan: GroupPlan) -> bool:
    """Whether a resolved group brings files, and a fingerprint, to a photo stored before (which
    keeps its own fingerprint where it has one)."""
    return _adds_files(plan) and plan.photo.get("phash") is not None


def _fingerprints(created: list[GroupPlan]) -> dict[int, int]:
    return {plan.target.id: plan.photo["phash"] for plan in created if plan.photo.get("phash") is not None}  # type: ignore[union-attr]


def _photo_rows(owner_id: int, created: list[GroupPlan], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            **plan.photo,
            "owner_id": owner_id,
            "hothash": plan.hothash,
            "hotpreview": plan.hotpreview,
            "import_session_id": plan.session_id,
            "created_at": now,
            "updated_at": now,
            "search_text": search_text(
                plan.photo.get("title"), plan.photo.get("description"), plan.tags, [f.filename for f in plan.new_files]
            ),
        }
        for plan in created
    ]


def _image_rows(owner_id: int, resolved: list[GroupPlan], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "owner_id": owner_id,
            "photo_id": plan.target.id,  # type: ignore[union-attr]
            "filename": file.filename,
            "filename_key": file.key,
            "file_size": file.file_size,
            "content_hash": file.content_hash,
            "exif_data": file.exif_data,
            "import_session_id": file.session_id,
            "created_at": now,
        }
        for plan in resolved
        for file in plan.new_files
    ]


def _add_session_totals(conn: Connection, plans: list[GroupPlan], library: Library, now: datetime) -> None:
    """Count the batch into the sessions its groups were sent to (a group's own, else the batch's),
    whatever session their files name for themselves; a group naming an unknown session has none."""
    totals: dict[int, Counter[str]] = {}
    for plan in plans:
        if plan.session_id is None or plan.session_id not in library.sessions:
            continue
        counter = totals.setdefault(plan.session_id, Counter())
        counter["files_processed"] += len(plan.sent.images)
        counter["images_created"] += plan.images_created
        counter["errors_count"] += len(plan.errors)
        counter["photos_created"] += plan.status is GroupStatus.CREATED
        counter["duplicates_skipped"] += plan.status is GroupStatus.DUPLICATE
    for session_id, counter in sorted(totals.items()):
        writes.add_session_totals(conn, session_id, dict(counter), now)
