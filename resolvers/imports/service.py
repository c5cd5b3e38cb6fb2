"""``import_batch``: check every group, look the batch up once, resolve it, describe it, write it, in one transaction.

Each group succeeds or fails on its own: a group that fails its checks or names two photos is
reported with stable codes and nothing of it is written. A database failure part-way rolls back
the whole batch.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine

from imalink.db import maintenance, writes
from imalink.db.engine import writing, writing_if_free
from imalink.db.media import MediaStore
from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.imports.apply import Describing, apply_plan
from imalink.resolvers.imports.checks import check_groups, describe_groups
from imalink.resolvers.imports.limits import ImportLimits
from imalink.resolvers.imports.outcome import GroupStatus
from imalink.resolvers.imports.plan import BatchOutcome, GroupPlan, look_up, resolve
from imalink.resolvers.imports.submission import BatchSubmission


def import_batch(
    engine: Engine, owner_id: int, batch: BatchSubmission, limits: ImportLimits, media: MediaStore
) -> BatchOutcome:
    """Import ``batch`` into ``owner_id``'s library atomically; per-group results come back in request order.

    Raises :class:`UserError` (and writes nothing) when the batch as a whole cannot be taken.
    """
    started = time.perf_counter()
    if len(batch.photo_groups) > limits.max_groups_per_batch:
        raise UserError(
            ErrorCode.BATCH_TOO_LARGE,
            f"A batch may carry at most {limits.max_groups_per_batch} photo groups; "
            f"this one has {len(batch.photo_groups)}. Send it in smaller batches.",
        )
    with _importing.entered() as others:
        plans = _import(engine, owner_id, batch, limits, others)
    # Files after the commit: a rolled-back batch leaves none behind. A photo that already has
    # its coldpreview keeps it; one that had none gets the first sent.
    for plan in plans:
        if plan.coldpreview is not None and plan.photo_id is not None:
            media.put_coldpreview(owner_id, plan.hothash, plan.coldpreview)  # type: ignore[arg-type]
    # A large import leaves the planner's statistics behind; they catch up in the background.
    maintenance.photos_written(engine, sum(plan.status is GroupStatus.CREATED for plan in plans))
    return BatchOutcome(plans, (time.perf_counter() - started) * 1000)


def _import(engine: Engine, owner_id: int, batch: BatchSubmission, limits: ImportLimits, others: int) -> list[GroupPlan]:
    """Check, describe and write the batch (``others``: batches this process is importing beside it)."""
    plans = check_groups(batch.photo_groups, batch.import_session_id, limits)
    checked = [plan for plan in plans if not plan.errors]
    # What the groups say of their photos (EXIF, fingerprints: a third of a batch's CPU) is worked
    # out where it overlaps the database's work. With the library free: while the batch's files
    # are written alongside, by PostgreSQL's process or by a thread that SQLite's statements let
    # go of the interpreter lock (one batch at a time: PostgreSQL 1,049-1,096 -> 1,181-1,205
    # groups/s; SQLite 1.34-1.45x -> 1.23-1.36x its bare run). With another batch writing the
    # library: while waiting for it, beside that batch's writes (under the lock it would keep the
    # other waiting: PostgreSQL two in flight 1,541 -> 1,240). SQLite's writes are this process's
    # own, so there the library is taken at once only by a batch importing alone: with two in
    # flight, one describing under the lock made SQLite 1.22-1.51 -> 1.33-1.59x its bare run.
    # docs/measurements.md, 2026-12-04.
    at_once = others == 0 or writes.alongside_other_batches(engine)
    with writing_if_free(engine) if at_once else contextlib.nullcontext() as conn:
        if conn is not None:
            if writes.lock_library_if_free(conn, owner_id):
                _write(conn, owner_id, plans, batch, lambda described: describe_groups(checked, described))
            else:  # PostgreSQL: another importer has this library
                describe_groups(checked)
                writes.lock_library(conn, owner_id)
                _write(conn, owner_id, plans, batch, None)
    if conn is None:  # SQLite: another batch is importing, or another writer has the library
        describe_groups(checked)
        with writing(engine) as conn:
            _write(conn, owner_id, plans, batch, None)
    return plans


class _BatchesInFlight:
    """How many batches this process is importing (of any library)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    @contextlib.contextmanager
    def entered(self) -> Iterator[int]:
        """Count one more batch while the block runs; the block is given how many others there are."""
        with self._lock:
            others = self._count
            self._count += 1
        try:
            yield others
        finally:
            with self._lock:
                self._count -= 1


_importing = _BatchesInFlight()


def _write(conn: Connection, owner_id: int, plans: list[GroupPlan], batch: BatchSubmission, meanwhile: Describing | None) -> None:
    """Look the batch up, resolve it and write it, holding the library; ``meanwhile`` describes the
    groups while they are written (``apply.apply_plan``)."""
    library = look_up(conn, owner_id, plans, batch.import_session_id)
    resolve(plans, library, batch.import_session_id)
    apply_plan(conn, owner_id, plans, library, datetime.now(UTC), meanwhile)

