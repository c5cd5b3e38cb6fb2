"""``import_batch``: check every group, look the batch up once, resolve it, describe it, write it, in one transaction.

Each group succeeds or fails on its own: a group that fails its checks or names two photos is
reported with stable codes and nothing of it is written. A database failure part-way rolls back
the whole batch.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from sqlalchemy import Engine

from imalink.db import maintenance, writes
from imalink.db.engine import writing
from imalink.db.media import MediaStore
from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.imports.apply import apply_plan
from imalink.resolvers.imports.checks import check_groups, describe_groups
from imalink.resolvers.imports.limits import ImportLimits
from imalink.resolvers.imports.outcome import GroupStatus
from imalink.resolvers.imports.plan import BatchOutcome, look_up, resolve
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
    with _in_flight(owner_id) as others_in_flight:
        plans = check_groups(batch.photo_groups, batch.import_session_id, limits)
        checked = [plan for plan in plans if not plan.errors]
        # What the groups say of their photos (EXIF, fingerprints: a third of a batch's CPU) is
        # worked out while the database copies the batch's files, where it can take them alongside
        # and no other batch of the library would wait for the lock meanwhile (one batch at a time
        # on PostgreSQL: 1,049-1,096 -> 1,181-1,205 groups/s); else before the lock, beside the
        # other batch's writes (two in flight, described under the lock: 1,541 -> 1,240).
        # docs/measurements.md, 2026-12-04 evening.
        describe_meanwhile = writes.copies_alongside(engine) and not others_in_flight()
        if not describe_meanwhile:
            describe_groups(checked)
        with writing(engine) as conn:
            writes.lock_library(conn, owner_id)
            library = look_up(conn, owner_id, plans, batch.import_session_id)
            resolve(plans, library, batch.import_session_id)
            meanwhile = (lambda: describe_groups(checked)) if describe_meanwhile else None
            apply_plan(conn, owner_id, plans, library, datetime.now(UTC), meanwhile)
    # Files after the commit: a rolled-back batch leaves none behind. A photo that already has
    # its coldpreview keeps it; one that had none gets the first sent.
    for plan in plans:
        if plan.coldpreview is not None and plan.photo_id is not None:
            media.put_coldpreview(owner_id, plan.hothash, plan.coldpreview)  # type: ignore[arg-type]
    # A large import leaves the planner's statistics behind; they catch up in the background.
    maintenance.photos_written(engine, sum(plan.status is GroupStatus.CREATED for plan in plans))
    return BatchOutcome(plans, (time.perf_counter() - started) * 1000)


_batches: Counter[int] = Counter()
_batches_lock = threading.Lock()


@contextlib.contextmanager
def _in_flight(owner_id: int) -> Iterator[Callable[[], bool]]:
    """Count this batch among the library's batches being imported by this process; yields
    whether any other is, asked when needed (importers in other processes are not seen)."""
    with _batches_lock:
        _batches[owner_id] += 1

    def others() -> bool:
        with _batches_lock:
            return _batches[owner_id] > 1

    try:
        yield others
    finally:
        with _batches_lock:
            _batches[owner_id] -= 1
            if not _batches[owner_id]:
                del _batches[owner_id]
