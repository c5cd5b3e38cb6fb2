"""Engines for SQLite (embedded default) and PostgreSQL, set up for concurrent importers."""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

from psycopg.types.array import ListBinaryDumper
from sqlalchemy import Engine, Join, create_engine, event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Connection, make_url

from imalink.db import interrupts
from imalink.db.background import AfterWrites

# Execution option asking a SQLite transaction to take the write lock at BEGIN. Without it two
# importers both read, then both try to upgrade to a writer, and one fails with "database is locked"
# instead of waiting its turn.
SQLITE_WRITE = {"sqlite_begin": "BEGIN IMMEDIATE"}
WRITE_LOCK_WAIT = 30
"""Seconds a SQLite writer waits for the lock (the busy timeout of every statement)."""
WRITE_LOCK_STEP_MS = 100
SQLITE_PAGE_SIZE = 16384
"""Bytes per page of a new SQLite library (SQLite's default is 4096; an existing file keeps its own).
A batch writes ~5 MB (EXIF blobs, previews, 19 photo indexes): with 4 KiB pages every blob was a
chain of overflow pages and the commit a write per page to the WAL and again to the file at the
checkpoint. import_bench, 3 interleaved pairs at load 5-6: 504 / 544 / 558 -> 797 / 641 / 682
groups/s, server CPU 2.58 / 2.76 / 2.99 -> 2.30 / 2.58 / 2.40 s; precheck_bench at 100,000 photos
no slower (server CPU 54 / 51 / 22 -> 52 / 46 / 19 ms)."""
SQLITE_WAL_FALLBACK_PAGES = 4096
"""WAL pages (64 MiB) after which a writer checkpoints itself, as SQLite does by default after
1,000: only if the background checkpoint (:func:`_checkpoint`) falls behind."""


class OuterLoopJoin(Join):
    """A join whose left side SQLite keeps as the outer loop: rendered ``CROSS JOIN`` (SQLite's
    documented way to fix the order; the result is the same as an inner join's). SQLite only."""

    __visit_name__ = "outer_loop_join"
    inherit_cache = True


class _HintedSQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler, rendering table hints (``INDEXED BY ix`` / ``NOT INDEXED``) after the table,
    and :class:`OuterLoopJoin`.

    SQLite has no statistics on anything but an index's leading columns; db/plans.py counts
    matches itself and names the index to read (SQLAlchemy's stock SQLite compiler drops hints).
    """

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text

    def visit_outer_loop_join(self, join: OuterLoopJoin, asfrom: bool = False, from_linter: Any = None, **kwargs: Any) -> str:
        if from_linter:
            from_linter.edges.update(itertools.product(join.left._from_objects, join.right._from_objects))
        left = join.left._compiler_dispatch(self, asfrom=True, from_linter=from_linter, **kwargs)
        right = join.right._compiler_dispatch(self, asfrom=True, from_linter=from_linter, **kwargs)
        return f"{left} CROSS JOIN {right} ON {join.onclause._compiler_dispatch(self, from_linter=from_linter, **kwargs)}"


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for ``database_url``: SQLite gets WAL, foreign keys and a busy timeout."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # No parallel workers: a request reads a few hundred to a few hundred thousand index
        # entries, and starting workers costs more than that on a small machine. At a million
        # photos PostgreSQL gave the page "ISO 800-3200 and the commonest tag" two workers:
        # 34-42 ms, against 10-24 in one process (two cores, load 5-8). No JIT either: it compiled
        # every statement estimated above 100,000 (the pre-check's existingFiles and existingPhotos
        # at a million photos: 10-19 ms of compiling each, for statements of ~100 ms).
        # work_mem 16 MB, not 4: the facets' one pass over many matches (GROUPING SETS) is planned
        # for a group per match (92,000 estimated, 4,100 found) and sorted two of its facets on
        # disk; with 16 MB every facet is hashed in 2-4 MB (ISO 800-3200 + aperture <= 2 at a
        # million photos: 172 -> 114-122 ms in the backend, 181 -> 140 ms over HTTP).
        connect_args = {"options": "-c max_parallel_workers_per_gather=0 -c jit=off -c work_mem=16MB", **kwargs.pop("connect_args", {})}
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _binary_arrays(dbapi_connection: Any, _record: Any) -> None:
            # Lists (the import's column arrays) go in binary: psycopg's default text format
            # quotes every element in Python, a tenth of the import's CPU.
            dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)

        interrupts.install(engine)  # an abandoned request's statements stop (db/interrupts.py)
        return engine

    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": WRITE_LOCK_WAIT}, **kwargs)
    engine.dialect.statement_compiler = _HintedSQLiteCompiler

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own transaction handling
        # cannot take the write lock up front).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # takes only on a file with no table yet
        if url.database and url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_FALLBACK_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={WRITE_LOCK_WAIT * 1000}")
        # No memory map (SQLite's default): every connection maps the file on its own and each page
        # a map touched counts in the server's resident memory (1.5-3.3 GB at a million photos
        # with 2 GB maps), and on this machine the pre-check read by read() cost no more CPU
        # (10,000 content hashes: 377 ms unmapped, 350 mapped, 2.3 GB RSS mapped; README).
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        statement = options.get("sqlite_begin", "BEGIN")
        if statement == "BEGIN":
            connection.exec_driver_sql(statement)
        else:
            _begin_writing(connection.connection.dbapi_connection, statement, wait=options.get("sqlite_begin_wait", True))

    interrupts.install(engine)
    return engine


class WriteLockTaken(Exception):
    """Another writer holds the SQLite library (:func:`writing_if_free` did not wait for it)."""


def _begin_writing(dbapi_connection: Any, statement: str, wait: bool = True) -> None:
    """Wait for SQLite's write lock in short steps, so a cancelled request stops waiting.

    SQLite's own busy wait (up to the 30 s busy timeout) cannot be interrupted, neither by
    ``interrupt()`` nor by a progress handler; between two short waits the request is asked.
    ``wait=False``: one try, :class:`WriteLockTaken` if another writer has the lock.
    """
    deadline = time.monotonic() + WRITE_LOCK_WAIT
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={WRITE_LOCK_STEP_MS if wait else 0}")
    try:
        while True:
            try:
                cursor.execute(statement)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error):
                    raise
                if not wait:
                    raise WriteLockTaken from error
                if time.monotonic() > deadline:
                    raise
                interrupts.raise_if_cancelled()
    finally:
        cursor.execute(f"PRAGMA busy_timeout={WRITE_LOCK_WAIT * 1000}")
        cursor.close()


@contextlib.contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: on SQLite it takes the write lock at BEGIN (waiting for it in
    steps a cancelled request can stop), so it never fails half-way on a lock. Use it for every
    write; ``engine.begin()`` would wait inside SQLite, where nothing can stop it."""
    with _writing(engine, wait=True) as conn:
        assert conn is not None  # a writer that waits always gets the library
        yield conn


@contextlib.contextmanager
def writing_if_free(engine: Engine) -> Iterator[Connection | None]:
    """:func:`writing` if no other writer has the library now (SQLite); ``None`` at once if one has.

    PostgreSQL's writers do not take the whole database: there it is :func:`writing` (an importer
    tries its library's own lock, ``writes.lock_library_if_free``)."""
    with _writing(engine, wait=False) as conn:
        yield conn


@contextlib.contextmanager
def _writing(engine: Engine, wait: bool) -> Iterator[Connection | None]:
    """:func:`writing`, or with ``wait=False`` :func:`writing_if_free`."""
    on_file = engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")
    with _writer_turn(engine, wait) if on_file else contextlib.nullcontext(True) as turn:
        if not turn:  # another writer of this process
            yield None
            return
        with engine.connect() as conn:
            conn.execution_options(**SQLITE_WRITE, sqlite_begin_wait=wait)
            try:
                transaction = conn.begin()
            except WriteLockTaken:  # another process's writer
                yield None
                return
            with transaction:
                yield conn
    if on_file:
        _checkpoints.ask(engine)


_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


@contextlib.contextmanager
def _writer_turn(engine: Engine, wait: bool) -> Iterator[bool]:
    """This process's writers to one SQLite file take turns on a lock of their own, before SQLite's;
    whether this one has its turn (always, when it waits).

    A writer that finds SQLite's lock taken sleeps in SQLite's busy handler by fixed steps
    (1, 2, 5, 10 ms...) and wakes after the lock is free: with two import batches in flight the
    second waited a median 18.8 ms a batch, mostly asleep after the first had committed
    (import_bench.py --concurrency 2). A lock in this process hands over at the release. Another
    process's writers still meet SQLite's lock (``_begin_writing``). Waited in steps, so a
    cancelled request stops waiting.
    """
    key = os.path.realpath(str(engine.url.database))
    with _writer_locks_guard:
        lock = _writer_locks.setdefault(key, threading.Lock())
    if wait:
        deadline = time.monotonic() + WRITE_LOCK_WAIT
        while not lock.acquire(timeout=WRITE_LOCK_STEP_MS / 1000):
            interrupts.raise_if_cancelled()
            if time.monotonic() > deadline:
                raise sqlite3.OperationalError("database is locked")
    elif not lock.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


def _checkpoint(engine: Engine) -> None:
    """Copy a SQLite library's write-ahead log into the database file (after a write, in the background).

    SQLite's own checkpoint runs inside the commit that takes the log past 1,000 pages: with a
    batch of photos writing ~5 MB that was every third import request, and it cost the commit
    10-15 ms of the batch's ~80 (benchmarks/import_phases.py). SQLite's documentation suggests
    this split ("run checkpoints in a separate thread"); Python's sqlite3 lets other threads
    run during the checkpoint, so it takes the second core. A PASSIVE checkpoint never waits for,
    nor blocks, readers and writers; the writer's own checkpoint (``SQLITE_WAL_FALLBACK_PAGES``)
    stays as the backstop.
    """
    connection = engine.raw_connection()  # no transaction: a checkpoint cannot run in one
    try:
        connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        connection.close()


_checkpoints = AfterWrites(_checkpoint, "imalink-checkpoint")


def wait_for_checkpoints(engine: Engine, timeout: float = 10.0) -> bool:
    """Wait for a SQLite library's background checkpoint to finish (tests, and a clean copy)."""
    return _checkpoints.wait(engine, timeout)
