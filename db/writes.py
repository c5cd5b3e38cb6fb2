"""Write statements: the import's inserts, session totals, photo edits.

Every function takes an open connection inside the caller's transaction.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import operator
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from psycopg.copy import LibpqWriter
from psycopg.postgres import types as postgres_types
from sqlalchemy import Column, Connection, Engine, Table, bindparam, case, cast, delete, func, insert, literal_column, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from imalink.db import counts, interrupts
from imalink.db.enums import SessionStatus
from imalink.db.geo import geo_cell
from imalink.db.queries import chunks
from imalink.db.search import search_text
from imalink.db.tables import image_t, photo_t, session_t, tag_t


def dialect_insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


LIBRARY_LOCK = 0x696D61
"""Namespace of the advisory locks that make one library's importers take turns (PostgreSQL)."""


def lock_library(conn: Connection, owner_id: int) -> None:
    """Hold the owner's library for import writes until the transaction ends.

    An import plans against what it reads, then writes: another importer must not commit the same
    files in between. SQLite needs nothing (``BEGIN IMMEDIATE`` holds the whole database); under
    PostgreSQL's READ COMMITTED each later statement sees what the previous holder committed.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:space, :owner)"), {"space": LIBRARY_LOCK, "owner": owner_id})


def lock_library_if_free(conn: Connection, owner_id: int) -> bool:
    """:func:`lock_library` without waiting: whether the lock was free and is now held (SQLite's
    writer holds the whole database already)."""
    if conn.dialect.name != "postgresql":
        return True
    statement = text("SELECT pg_try_advisory_xact_lock(:space, :owner)")
    return bool(conn.execute(statement, {"space": LIBRARY_LOCK, "owner": owner_id}).scalar_one())


def with_geo_cell(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with the map cell of its position (db/geo.py): the cell is always written with the
    position it comes from, by the same statement."""
    if "gps_latitude" not in row:
        return row
    return {**row, "geo_cell": geo_cell(row.get("gps_latitude"), row.get("gps_longitude"))}


def insert_rows(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], returning: Sequence[str] = (), skip_conflicts: bool = False
) -> Any:
    """Insert ``rows`` (dicts with the same keys) in one statement; the ``returning`` columns of each.
    ``skip_conflicts``: a row a unique key already holds is left out (ON CONFLICT DO NOTHING).

    PostgreSQL gets one array per column (``INSERT ... SELECT * FROM unnest(...)``): a short
    statement whatever the number of rows, which psycopg parses once. As a multi-row VALUES list
    (SQLAlchemy's insertmanyvalues) a batch's 100 photos were a statement of ~3,500 placeholders
    rendered, split by psycopg and parsed by the server each time: twice the server's Python CPU
    for the statement (measured per statement, benchmarks/import_bench.py's groups). The arrays go
    in binary (db/engine.py), so a batch's 200 EXIF blobs are one bytea array copied as is. SQLite
    runs in this process: its executemany steps one prepared statement.
    """
    postgres = conn.dialect.name == "postgresql"
    columns = list(rows[0])
    statement = dialect_insert(conn, table)
    if postgres:
        statement = statement.from_select(columns, _unnested(table, tuple(columns)))
    if skip_conflicts:
        statement = statement.on_conflict_do_nothing()
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    if postgres:
        return conn.execute(statement, {name: [row[name] for row in rows] for name in columns})
    return conn.execute(statement, list(rows))


def _unnested(table: Table, columns: tuple[str, ...]) -> Any:
    """``SELECT * FROM unnest(:a, :b, ...)``: the rows of one array parameter per column, typed as the column."""
    arrays = [cast(bindparam(name, type_=ARRAY(table.c[name].type)), ARRAY(table.c[name].type)) for name in columns]
    return select(literal_column("*")).select_from(func.unnest(*arrays).alias("rows"))


def insert_photos(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert photos (one owner's, hothashes it does not have); returns ``{hothash: id}``."""
    if not rows:
        return {}
    rows = [with_geo_cell(row) for row in rows]
    if conn.dialect.name == "postgresql":
        # Their ids first, so that the rows can be copied (COPY returns nothing): one more round
        # trip, and the server's CPU for a batch's 100 photos 11.4 -> 9.5 ms, ours 6.0 -> 2.2 ms
        # (benchmarks/import_phases.py on PostgreSQL, 1,500 groups, load 7-8).
        ids = new_ids(conn, photo_t, len(rows))
        copy_rows(conn, photo_t, [{"id": photo_id, **row} for photo_id, row in zip(ids, rows, strict=True)])
        return {row["hothash"]: photo_id for photo_id, row in zip(ids, rows, strict=True)}
    with counts.counted_together(conn) as counted:
        ids = {row.hothash: row.id for row in insert_rows(conn, photo_t, rows, returning=("id", "hothash"))}
        counted.extend(ids.values())
    return ids


def new_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """``count`` new ids for ``table``'s rows, ascending: from its ``id`` sequence (PostgreSQL); on
    SQLite the ones after the largest, as SQLite would give them, which the caller's write lock
    (``BEGIN IMMEDIATE``) keeps for it."""
    if conn.dialect.name == "sqlite":
        largest = conn.execute(select(func.max(table.c.id))).scalar_one() or 0
        return list(range(largest + 1, largest + 1 + count))
    sequence = func.nextval(func.pg_get_serial_sequence(table.name, "id"))
    return sorted(conn.execute(select(sequence).select_from(func.generate_series(1, count))).scalars())


def insert_images(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert images (files their photos and owner do not have yet)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        copy_rows(conn, image_t, rows)
    else:
        insert_rows(conn, image_t, rows)


def alongside_other_batches(engine: Engine) -> bool:
    """Whether a batch may take its library at once, and be described beside its own writes, while
    other batches of this process are importing: PostgreSQL writes in its own process; SQLite's
    writing thread would hold the write lock while the batch is described, and take the core the
    other batches use."""
    return engine.dialect.name == "postgresql"


POSTGRES_PHOTOS_TOGETHER = 50
"""Photos copied together beside the describing (PostgreSQL), the rest after it. A copy's statement
triggers (the counts, the library's version) cost the database ~2 ms whatever its rows, and the
database is the slower side (the files' copy takes 18 ms of the describing's 26): 100 photos in
one copy took 12.9 ms of its CPU, in two 16.9, in four 21.6 (2026-12-04)."""

COPY_UNSENT_BYTES = 16 * 1024 * 1024
"""What libpq may hold of a copy the request's thread writes before it waits for the server to take
it: a batch of 100 groups' files is ~4 MB, written without a wait; a request may carry 64 MB."""


@contextlib.contextmanager
def images_copied_meanwhile(conn: Connection, rows: Sequence[dict[str, Any]]) -> Iterator[_Alongside]:
    """Copy ``rows`` into ``image`` while the body runs (PostgreSQL); the body is given the thread,
    which takes more work after the copy (:meth:`_Alongside.add`).

    The rows are written here, at once: the driver sends them as the socket takes them, holding up
    to :data:`COPY_UNSENT_BYTES` it could not send yet. The database stores a binary copy's rows
    only when the copy ends (it flushes its buffered rows by count, 1,000, and never counts a binary
    row's bytes), so a thread ends the copy and waits for the database while the body runs. Only
    that thread's start and end need the interpreter lock: formatting the rows there as well made
    it wait for the lock at every block while the body ran Python (the body 21.8 -> 26.3 ms, the
    copy's span 28.4). The body must not use the connection.
    An error of the copy is raised once the body is done; an error of the body, once the copy is.
    The files' photos may be written after them: their foreign key to their photo is checked at
    the commit.
    """
    with _Alongside.running("imalink-copy") as alongside:
        if rows:
            interrupts.raise_if_cancelled()  # COPY runs on the driver's cursor, past the engine's events
            conn.execute(text("SET CONSTRAINTS image_photo_id_fkey DEFERRED"))  # deferrable since migration 0026
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                started = _copy_started(cursor, image_t, rows, LibpqWriter(cursor, flush_threshold=COPY_UNSENT_BYTES))
            except BaseException:
                cursor.close()
                raise

            def end() -> None:
                try:
                    started.__exit__(None, None, None)
                finally:
                    cursor.close()

            alongside.add(end)
        yield alongside


@contextlib.contextmanager
def written_meanwhile(conn: Connection, image_rows: Sequence[dict[str, Any]]) -> Iterator[Callable[[list[dict[str, Any]], list[int]], None]]:
    """Write the batch's files (``image_rows``) while the body runs, and the photos it hands on.

    The body is given ``add_photos(rows, ids)``: photos to insert, their ids taken by
    :func:`new_ids`. A thread writes the files while the body runs. On SQLite, whose statements let
    go of the interpreter lock while they run, the thread then inserts each part of the photos as
    it comes, while the body describes the next, by multi-row statements the body's thread binds
    (:func:`_sqlite_multirow_inserts`): only the last part is left after the body. On PostgreSQL
    the files are copied (:func:`images_copied_meanwhile`), then each
    :data:`POSTGRES_PHOTOS_TOGETHER` photos as they come, the rest after the body. The files' foreign key
    to their photo is checked at the commit. The body must not use the connection.
    """
    if conn.dialect.name == "postgresql":
        waiting: list[dict[str, Any]] = []
        with images_copied_meanwhile(conn, image_rows) as alongside:

            def add_photos(rows: list[dict[str, Any]], ids: list[int]) -> None:
                waiting.extend({"id": i, **with_geo_cell(row)} for i, row in zip(ids, rows, strict=True))
                if len(waiting) >= POSTGRES_PHOTOS_TOGETHER:
                    part = waiting.copy()
                    waiting.clear()
                    alongside.add(lambda: copy_rows(conn, photo_t, part))

            yield add_photos
        if waiting:
            copy_rows(conn, photo_t, waiting)
        return
    interrupts.raise_if_cancelled()  # the thread runs on the driver's connection, past the engine's events
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # until this transaction ends
    driver = conn.connection.driver_connection
    most_parameters = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    defaults = {column.name: column.default.arg for column in photo_t.c if column.default is not None and column.default.is_scalar}  # type: ignore[attr-defined]

    def inserted(table: Table, rows: Sequence[dict[str, Any]], then: Sequence[tuple[str, Any]] = ()) -> Callable[[], None]:
        statements = [*_sqlite_multirow_inserts(conn, table, rows, most_parameters), *then]

        def insert() -> None:
            cursor = driver.cursor()
            try:
                for statement, parameters in statements:
                    cursor.execute(statement, parameters)
            finally:
                cursor.close()

        return insert

    # The thread counts each part of the photos after it (so counted_together has none left).
    with counts.counted_together(conn), _Alongside.running("imalink-insert", interrupts.sqlite_unwatched(driver)) as alongside:
        if image_rows:
            alongside.add(inserted(image_t, image_rows))

        def add_photos(rows: list[dict[str, Any]], ids: list[int]) -> None:
            # SQLAlchemy would fill the columns' defaults; the thread's statements are SQLite's own.
            rows = [{**defaults, "id": i, **with_geo_cell(row)} for i, row in zip(ids, rows, strict=True)]
            alongside.add(inserted(photo_t, rows, then=counts.sqlite_added(ids)))

        yield add_photos


HANDOVER_SECONDS = 0.0005
"""The interpreter's switch interval while a thread writes beside a request (Python's is 0.005)."""
_PYTHON_SWITCH_INTERVAL = sys.getswitchinterval()
_handovers = 0
_handovers_lock = threading.Lock()


@contextlib.contextmanager
def _quick_handover() -> Iterator[None]:
    """Let a thread waiting for the interpreter lock have it after :data:`HANDOVER_SECONDS` of
    another's Python, while the block runs (in any thread; the interval is the process's).

    A writing thread wants the lock back after each statement, while the request's thread
    describes: with Python's 5 ms it fell behind by a batch's last part, and counting each part
    after it (4 statements) was slower than counting once (the thread's work left after the
    describing 6.8 ms, against 2.3 with 0.5 ms: benchmarks/import_phases.py). Elsewhere (two
    batches describing at once, say) the longer interval saves switches.
    """
    global _handovers
    with _handovers_lock:
        _handovers += 1
        if _handovers == 1:
            sys.setswitchinterval(HANDOVER_SECONDS)
    try:
        yield
    finally:
        with _handovers_lock:
            _handovers -= 1
            if _handovers == 0:
                sys.setswitchinterval(_PYTHON_SWITCH_INTERVAL)


class _Alongside:
    """A thread doing a transaction's writes, in order, on its connection while the request's
    thread goes on working (which must not use the connection meanwhile).

    The database works while the thread waits for it, without the interpreter lock: PostgreSQL in
    its own process, SQLite in its statements. The thread needs the lock to start each piece of
    work and to take up the next: a thread waiting for the lock gets it once the one running
    Python has run a switch interval (:func:`_quick_handover`), so the pieces are few and the
    request's thread prepares them (binds SQLite's rows, writes the files' COPY). One multi-row
    SQLite statement made a batch's 100 photos in 10 ms where SQLAlchemy's executemany with ids
    took 21 (2026-12-04).
    """

    def __init__(self, name: str, around: contextlib.AbstractContextManager[Any]) -> None:
        self._around = around
        self._work: queue.SimpleQueue[tuple[Callable[[], None], threading.Event] | None] = queue.SimpleQueue()
        self._idle = False
        self.failures: list[BaseException] = []
        self._worker = threading.Thread(target=contextvars.copy_context().run, args=(self._run,), name=name, daemon=True)

    @classmethod
    @contextlib.contextmanager
    def running(cls, name: str, around: contextlib.AbstractContextManager[Any] | None = None) -> Iterator[_Alongside]:
        """The thread, running ``around`` its work; on leaving, it has done all it was given (its
        first error is raised then, unless the body raised first: later work is skipped)."""
        alongside = cls(name, around or contextlib.nullcontext())
        with _quick_handover():
            alongside._worker.start()
            try:
                yield alongside
            finally:
                alongside._work.put(None)
                alongside._worker.join()
        if alongside.failures:
            raise alongside.failures[0]

    def add(self, work: Callable[[], None]) -> None:
        """Have the thread do ``work`` after what it has. When it was idle, returns once it has
        begun: it runs now, not a switch interval later."""
        if self.failures:
            return
        taken = threading.Event()
        idle = self._idle
        self._work.put((work, taken))
        while idle and not taken.wait(1.0) and self._worker.is_alive():
            pass

    def _run(self) -> None:
        try:
            with self._around:
                while True:
                    self._idle = True
                    item = self._work.get()
                    self._idle = False
                    if item is None:
                        return
                    work, taken = item
                    taken.set()
                    if not self.failures:  # after an error the transaction fails: nothing more is written
                        try:
                            work()
                        except BaseException as error:  # noqa: BLE001 - raised in the request's thread
                            self.failures.append(error)
        except BaseException as error:  # noqa: BLE001 - raised in the request's thread
            self.failures.append(error)


def _sqlite_multirow_inserts(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], most_parameters: int
) -> list[tuple[str, list[Any]]]:
    """``rows`` as ``INSERT ... VALUES (...), (...)`` statements of at most ``most_parameters``
    parameters each, the values converted as SQLAlchemy converts them for SQLite."""
    columns = list(rows[0])
    # Only dates, floats and booleans are converted: the other values are taken as they are, a
    # row at a time (the request's thread does this while it describes: a batch's rows 1.4 -> 1.1 ms).
    converted = [(n, process) for n, name in enumerate(columns) if (process := _sqlite_bind_processor(conn.dialect, table.c[name]))]
    values_of = operator.itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    per_statement = max(1, min(most_parameters, 32766) // len(columns))
    placeholder = "(" + ", ".join("?" * len(columns)) + ")"
    names = ", ".join(conn.dialect.identifier_preparer.quote(name) for name in columns)
    statements = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        parameters: list[Any] = []
        for row in chunk:
            values = list(values_of(row))
            for n, process in converted:
                values[n] = process(values[n])
            parameters += values
        statements.append((f"INSERT INTO {table.name} ({names}) VALUES {', '.join([placeholder] * len(chunk))}", parameters))
    return statements


def _sqlite_bind_processor(dialect: Any, column: Column[Any]) -> Any:
    """How SQLAlchemy converts a value of ``column`` for SQLite (``None``: as it is)."""
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def copy_rows(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) by ``COPY ... FROM STDIN`` in binary (PostgreSQL).

    For a batch's files, whose EXIF blobs are most of the import's bytes: as one ``unnest`` of
    arrays, the server received the 3.8 MB of a batch's 200 blobs as one message, copied them
    into an array, and planned each execution with the array folded in as a constant, copied
    again. COPY streams them row by row into the table: the server's CPU for the insert
    21 -> 14.5 ms per batch, ours 2.6 -> 1.7 ms (200 files of ~18 KiB, in turns). Unique keys and
    foreign keys hold as for an INSERT; a violation fails the transaction.
    """
    interrupts.raise_if_cancelled()  # COPY runs on the driver's cursor, past the engine's events
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        _copy_started(cursor, table, rows).__exit__(None, None, None)
    finally:
        cursor.close()


def _copy_started(cursor: Any, table: Table, rows: Sequence[dict[str, Any]], writer: LibpqWriter | None = None) -> Any:
    """A binary ``COPY`` of ``rows`` into ``table`` on ``cursor``, every row written, not ended: the
    caller leaves the returned context (its ``__exit__`` sends the end and waits for the database,
    from any thread). Aborted if a row cannot be written."""
    columns = list(rows[0])
    names = ", ".join(_quote(name) for name in columns)
    started = cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)", writer=writer)
    copy = started.__enter__()
    try:
        copy.set_types([_postgres_type(table.c[name]) for name in columns])
        for row in rows:
            copy.write_row([row[name] for name in columns])
    except BaseException as error:
        started.__exit__(type(error), error, error.__traceback__)
        raise
    return started


_quote = postgresql.dialect().identifier_preparer.quote


@functools.cache  # the same few columns for every batch: compiled once each
def _postgres_type(column: Column[Any]) -> int:
    """The PostgreSQL type id of ``column`` (a built-in type), as binary COPY must be told."""
    name = column.type.compile(dialect=postgresql.dialect()).lower().split("(")[0]
    info = postgres_types.get({"float": "float8"}.get(name, name))
    if info is None:
        raise TypeError(f"no binary COPY type for {column} ({name})")
    return info.oid


def learn_content_hashes(conn: Connection, hashes_by_image_id: dict[int, str]) -> None:
    """Give files stored without a content hash the one they came back with (in id order)."""
    if hashes_by_image_id:
        statement = (
            update(image_t)
            .where(image_t.c.id == bindparam("image_id"), image_t.c.content_hash.is_(None))
            .values(content_hash=bindparam("hash"))
        )
        conn.execute(statement, [{"image_id": i, "hash": h} for i, h in sorted(hashes_by_image_id.items())])


def replace_photo_tags(conn: Connection, owner_id: int, photo_id: int, tags: Sequence[str]) -> None:
    """Make ``tags`` the photo's tags, in this order and spelling."""
    conn.execute(tag_t.delete().where(tag_t.c.photo_id == photo_id))
    insert_photo_tags(conn, owner_id, {photo_id: tags})


def insert_photo_tags(conn: Connection, owner_id: int, tags_by_photo: dict[int, Sequence[str]]) -> None:
    """Store the owner's photos' tags: the first spelling of each (tags compare case-insensitively),
    in the order given."""
    rows = []
    for photo_id, tags in tags_by_photo.items():
        keys: set[str] = set()
        for tag in tags:
            if tag.lower() not in keys:
                keys.add(tag.lower())
                rows.append(
                    {"photo_id": photo_id, "tag_key": tag.lower(), "owner_id": owner_id, "tag": tag, "position": len(keys) - 1}
                )
    if rows:
        insert_rows(conn, tag_t, rows, skip_conflicts=True)


def refresh_search_text(conn: Connection, owner_id: int, photo_ids: Sequence[int]) -> None:
    """Recompute the search text of the owner's photos from what they hold now (in the caller's
    transaction, so search never sees a half-made change); rows whose text is unchanged are left alone."""
    for chunk in chunks(photo_ids):
        c = photo_t.c
        photos = conn.execute(
            select(c.id, c.title, c.description, c.search_text).where(c.owner_id == owner_id, c.id.in_(chunk))
        ).all()
        tags: dict[int, list[str]] = {}
        query = select(tag_t.c.photo_id, tag_t.c.tag).where(tag_t.c.photo_id.in_(chunk)).order_by(tag_t.c.position)
        for photo_id, tag in conn.execute(query):
            tags.setdefault(photo_id, []).append(tag)
        names: dict[int, list[str]] = {}
        query = select(image_t.c.photo_id, image_t.c.filename).where(image_t.c.photo_id.in_(chunk)).order_by(image_t.c.id)
        for photo_id, name in conn.execute(query):
            names.setdefault(photo_id, []).append(name)
        changed = [
            {"photo_id": row.id, "text": new}
            for row in photos
            if (new := search_text(row.title, row.description, tags.get(row.id, ()), names.get(row.id, ()))) != row.search_text
        ]
        if changed:
            statement = update(photo_t).where(photo_t.c.id == bindparam("photo_id")).values(search_text=bindparam("text"))
            conn.execute(statement, changed)


def fill_missing_photo_fields(conn: Connection, photo_id: int, values: dict[str, Any], now: datetime) -> None:
    """Set the photo's fields that are still empty (NULL) from ``values``; filled ones are kept."""
    values = with_geo_cell(values)
    assignments = {name: func.coalesce(photo_t.c[name], value) for name, value in values.items() if value is not None}
    if assignments:
        conn.execute(update(photo_t).where(photo_t.c.id == photo_id).values(**assignments, updated_at=now))


def add_session_totals(conn: Connection, session_id: int, totals: dict[str, int], now: datetime) -> None:
    """Add to a session's running totals atomically (concurrent batches may share a session).

    A batch is activity: an interrupted session it names is in progress again."""
    increments = {name: session_t.c[name] + amount for name, amount in totals.items() if amount}
    resumed = case((session_t.c.status == SessionStatus.INTERRUPTED, SessionStatus.IN_PROGRESS), else_=session_t.c.status)
    conn.execute(
        update(session_t).where(session_t.c.id == session_id).values(**increments, last_activity_at=now, status=resumed)
    )


def interrupt_idle_sessions(conn: Connection, idle_since: datetime) -> int:
    """Sessions in progress with no batch since ``idle_since`` are interrupted (of every owner); how many."""
    last = func.coalesce(session_t.c.last_activity_at, session_t.c.started_at)
    statement = (
        update(session_t)
        .where(session_t.c.status == SessionStatus.IN_PROGRESS, last < idle_since)
        .values(status=SessionStatus.INTERRUPTED)
    )
    return conn.execute(statement).rowcount


def insert_session(
    conn: Connection, owner_id: int, storage_directory: str | None, description: str | None, now: datetime
) -> int:
    """Open an import session for ``owner_id``; returns its id."""
    statement = (
        insert(session_t)
        .values(
            owner_id=owner_id,
            storage_directory=storage_directory,
            description=description,
            status=SessionStatus.IN_PROGRESS,
            started_at=now,
            last_activity_at=now,
        )
        .returning(session_t.c.id)
    )
    return conn.execute(statement).scalar_one()


def complete_session(conn: Connection, owner_id: int, session_id: int, now: datetime) -> None:
    """Close the owner's session if it is still open (a closed one keeps its completion time)."""
    conn.execute(
        update(session_t)
        .where(
            session_t.c.owner_id == owner_id,
            session_t.c.id == session_id,
            session_t.c.status.in_([SessionStatus.IN_PROGRESS, SessionStatus.INTERRUPTED]),
        )
        .values(status=SessionStatus.COMPLETED, completed_at=now)
    )


def update_photo(conn: Connection, owner_id: int, hothash: str, values: dict[str, Any], now: datetime) -> int | None:
    """Set ``values`` on the owner's photo with ``hothash``; its id, or ``None`` when there is none."""
    statement = (
        update(photo_t)
        .where(photo_t.c.owner_id == owner_id, photo_t.c.hothash == hothash)
        .values(**values, updated_at=now)
        .returning(photo_t.c.id)
    )
    return conn.execute(statement).scalar_one_or_none()


def delete_photo(conn: Connection, owner_id: int, hothash: str) -> bool:
    """Delete the owner's photo with ``hothash`` (its images and tags cascade); ``False`` when there was none."""
    lock_library(conn, owner_id)  # an import must not attach files to it between its look-up and its writes
    statement = (
        delete(photo_t).where(photo_t.c.owner_id == owner_id, photo_t.c.hothash == hothash).returning(photo_t.c.id)
    )
    return conn.execute(statement).scalar_one_or_none() is not None
