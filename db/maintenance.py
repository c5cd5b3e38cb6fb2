"""Housekeeping a running server does without a person: fresh planner statistics, and no import
session left "in progress" by an importer (or a server) that went away; and what a person runs
once after an upgrade: fingerprints for the photos of a library made before them.

Statistics:

Right after a large import both databases plan from stale statistics (or none): PostgreSQL's
autovacuum analyzes only after its next nap and a threshold, SQLite never on its own. Measured
before this module: at 100,000 photos on PostgreSQL every page took 44-89 ms until ANALYZE, then
5-16 ms. So statistics are refreshed

- after writes that grew the library by ``GROWTH_FACTOR`` since the last analysis (the import
  service reports what it created; the refresh runs in a background thread, never in the batch);
- when the server starts, if they are stale or missing;
- every ``INTERVAL_SECONDS`` while the server runs, if they are stale.

"Stale" is judged from the catalogue, cheaply: SQLite's ``sqlite_stat1`` row count of the timeline
index against ``max(id)``; PostgreSQL's rows written since the last analysis
(``n_mod_since_analyze``) against the rows that analysis saw. SQLite
reads the timeline index whole (its count must be exact) and samples the other indexes
(``analysis_limit``); PostgreSQL samples as it always does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, select, text, update

from imalink.db import lookalikes, writes
from imalink.db.background import AfterWrites
from imalink.db.engine import writing
from imalink.db.filters import TIMELINE_INDEX
from imalink.db.tables import photo_t

GROWTH_FACTOR = 2.0
MIN_ROWS = 1000
"""SQLite: below this many photos any plan is fast; statistics are left alone."""
POSTGRES_MIN_ROWS = 100
"""PostgreSQL, without statistics, guesses that an owner holds a few of the library's photos, so an
index that starts with the owner looks as good as one that also narrows by the value asked: at
300-700 photos a first import's look-alike probes were now and then planned on such an index and
read all the owner's photos for each value (75-150 ms a batch instead of 4-7). An analysis of a
few hundred rows costs a few milliseconds, in the background."""
INTERVAL_SECONDS = 600.0
SQLITE_ANALYSIS_LIMIT = 2000
TABLES = ("photo", "image", "photo_tag")

log = logging.getLogger(__name__)


def statistics_stale(conn: Connection) -> bool:
    """Whether the photo table grew (or changed) by ``GROWTH_FACTOR`` since its last analysis."""
    if conn.dialect.name == "sqlite":
        rows = conn.execute(text("SELECT coalesce(max(id), 0) FROM photo")).scalar_one()
        if rows < MIN_ROWS:
            return False
        has_stats = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
        if not has_stats:
            return True
        stat = conn.execute(
            text("SELECT stat FROM sqlite_stat1 WHERE tbl = 'photo' AND idx = :index"), {"index": TIMELINE_INDEX}
        ).scalar()
        analyzed = int(stat.split()[0]) if stat else 0
        return rows >= GROWTH_FACTOR * max(analyzed, 1)
    row = conn.execute(
        text(
            "SELECT n_live_tup, n_mod_since_analyze, coalesce(last_analyze, last_autoanalyze) IS NOT NULL"
            " FROM pg_stat_user_tables WHERE relname = 'photo'"
        )
    ).first()
    if row is None:
        return False
    live, modified, analyzed = row[0] or 0, row[1] or 0, row[2]
    if not analyzed:
        # Counted, not read off the activity counters: those lag the commits by up to a second,
        # the eight batches of a first import's start.
        enough = text("SELECT count(*) FROM (SELECT 1 FROM photo LIMIT :rows) AS enough")
        return conn.execute(enough, {"rows": POSTGRES_MIN_ROWS}).scalar_one() >= POSTGRES_MIN_ROWS
    if max(live, modified) < POSTGRES_MIN_ROWS:
        return False
    # Rows the last analysis saw: today's rows less those written since (imports only add).
    return modified >= (GROWTH_FACTOR - 1) * max(live - modified, 1)


def refresh_statistics(engine: Engine) -> float:
    """ANALYZE the library's tables now; returns the seconds it took."""
    started = time.perf_counter()
    # In the writers' turn: ANALYZE writes (SQLite's sqlite_stat1), and on SQLite a transaction that
    # began by reading cannot become a writer once an import's commit has overtaken it ("database is
    # locked" at once, without waiting). With two batches in flight that failed up to ten times in
    # an import of 3,000 photos, each after reading the timeline index whole.
    with writing(engine) as conn:
        if conn.dialect.name == "sqlite":
            _analyze_sqlite(conn)
        else:
            for table in TABLES:
                conn.execute(text(f"ANALYZE {table}"))
    took = time.perf_counter() - started
    log.info("planner statistics refreshed in %.0f ms", took * 1000)
    return took


def _analyze_sqlite(conn: Connection) -> None:
    """A sample of each index is enough to plan by; the timeline index is read whole, so its row
    count (what staleness is judged by) is exact."""
    indexes = conn.execute(
        text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('photo', 'image', 'photo_tag')")
    ).scalars().all()
    conn.execute(text("PRAGMA analysis_limit=0"))
    conn.execute(text(f"ANALYZE {TIMELINE_INDEX}"))
    conn.execute(text(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}"))
    for name in indexes:
        if name != TIMELINE_INDEX:
            conn.execute(text(f'ANALYZE "{name}"'))


def refresh_if_stale(engine: Engine) -> bool:
    """Refresh the statistics when they are stale; whether it did."""
    with engine.connect() as conn:
        stale = statistics_stale(conn)
    if stale:
        refresh_statistics(engine)
    return stale


_statistics = AfterWrites(refresh_if_stale, "imalink-statistics")


def photos_written(engine: Engine, count: int) -> None:
    """Tell maintenance that ``count`` photos were just committed; statistics are checked (and
    refreshed if stale) in the background, so the caller never waits for them."""
    if count > 0:
        _statistics.ask(engine)


def interrupt_idle_sessions(engine: Engine, idle_seconds: float) -> int:
    """Interrupt every session (of every owner) that has had no batch for ``idle_seconds``: its
    importer stopped or the server was killed. Nothing is lost: a later batch naming it resumes it,
    and running the import again adds only what is missing. Returns how many were interrupted."""
    with writing(engine) as conn:
        return writes.interrupt_idle_sessions(conn, datetime.now(UTC) - timedelta(seconds=idle_seconds))


def backfill_fingerprints(
    engine: Engine, batch_size: int = 500, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Fingerprint every photo that has a hotpreview but no fingerprint (a library from
    before fingerprints), and record its look-alikes, ``batch_size`` photos per transaction; returns
    ``(photos fingerprinted, undecodable hotpreviews)``. Safe beside running imports (each batch
    holds its owners' import lock) and safe to stop and run again. ``progress(done, failed)`` is
    called after each batch."""
    done = failed = 0
    after = 0
    while True:
        with engine.connect() as conn:
            query = (
                select(photo_t.c.id, photo_t.c.owner_id, photo_t.c.hotpreview)
                .where(photo_t.c.id > after, photo_t.c.phash.is_(None), photo_t.c.hotpreview.is_not(None))
                .order_by(photo_t.c.id)
                .limit(batch_size)
            )
            rows = conn.execute(query).all()
        if not rows:
            return done, failed
        after = rows[-1].id
        computed: dict[int, dict[int, int]] = {}
        for row in rows:
            value = lookalikes.fingerprint(row.hotpreview)
            if value is None:
                failed += 1
            else:
                computed.setdefault(row.owner_id, {})[row.id] = value
        with writing(engine) as conn:
            for owner_id, values in sorted(computed.items()):
                writes.lock_library(conn, owner_id)
                statement = (
                    update(photo_t)
                    .where(photo_t.c.id == bindparam("photo_id"), photo_t.c.phash.is_(None))
                    .values(phash=bindparam("fingerprint"))
                )
                conn.execute(statement, [{"photo_id": k, "fingerprint": v} for k, v in values.items()])
                # Another writer may have set some meanwhile (a group filling the photo): link what is stored.
                lookalikes.link(conn, owner_id, lookalikes.fingerprints_of(conn, owner_id, list(values)))
                done += len(values)
        if progress is not None:
            progress(done, failed)

