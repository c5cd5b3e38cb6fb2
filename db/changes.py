"""A version per library, raised by triggers on every write to its photos or tags, and the photos
each version wrote.

What is worked out from many photos and kept between requests (db/browse.py: the photos a text
search misses) is kept with the version its owner's library had when it was read: any insert,
update or delete of a photo or a tag, whoever writes it (the import, an edit, a migration, a
script), raises the version in the write's own transaction, and logs the ids of the photos it
wrote with it (``photo_change``; a tag by its photo's id). What was kept at an older version is
brought up to date by reading those photos again (:func:`changed_since`), not the whole library.
The log keeps the last ``LOGGED_VERSIONS`` versions of each library. A library never written since
the table came has no row: version 0.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, text

from imalink.db import triggers as db_triggers
from imalink.db.tables import library_version_t, photo_change_t

TABLE = "library_version"
LOG = "photo_change"
LOGGED_VERSIONS = 2_000
"""Versions of a library whose written photos the log keeps: SQLite raises the version once per
row written (a batch of 100 photos with their tags: a few hundred), PostgreSQL once per statement
(at most 200,000 rows). Kept misses older than that are read anew."""
_TABLES = {"photo": "id", "photo_tag": "photo_id"}


def _sqlite_raise(row: str, photo: str, log: bool, when: str = " WHERE true") -> str:
    owner = f"{row}.owner_id"
    raised = (
        f"INSERT INTO {TABLE} (owner_id, version) SELECT {owner}, 1{when} "
        "ON CONFLICT (owner_id) DO UPDATE SET version = version + 1"
    )
    if not log:
        return raised
    return (
        f"{raised}; INSERT INTO {LOG} (owner_id, version, photo_id) SELECT owner_id, version, {row}.{photo} FROM {TABLE} "
        f"WHERE owner_id = {owner}{when.replace(' WHERE ', ' AND ')} ON CONFLICT DO NOTHING; "
        f"DELETE FROM {LOG} WHERE owner_id = {owner} "
        f"AND version <= (SELECT version - {LOGGED_VERSIONS} FROM {TABLE} WHERE owner_id = {owner})"
    )


def _sqlite_triggers(log: bool) -> dict[str, str]:
    return {
        **{f"{table}_version_after_insert": f"AFTER INSERT ON {table} BEGIN {_sqlite_raise('new', photo, log)}; END" for table, photo in _TABLES.items()},
        **{f"{table}_version_after_delete": f"AFTER DELETE ON {table} BEGIN {_sqlite_raise('old', photo, log)}; END" for table, photo in _TABLES.items()},
        **{  # an update that moves a row to another owner changes both libraries
            f"{table}_version_after_update": (
                f"AFTER UPDATE ON {table} BEGIN {_sqlite_raise('old', photo, log)}; "
                f"{_sqlite_raise('new', photo, log, ' WHERE new.owner_id IS NOT old.owner_id')}; END"
            )
            for table, photo in _TABLES.items()
        },
    }


def _postgres_function(name: str, rows: str, log: bool) -> str:
    """``rows``: the statement's written rows as (owner_id, photo_id)."""
    raised = (
        f"INSERT INTO {TABLE} (owner_id, version)\n"
        # in key order, like every other write: writers never wait on each other in turn
        "    SELECT owner_id, 1 FROM written GROUP BY owner_id ORDER BY owner_id\n"
        f"    ON CONFLICT (owner_id) DO UPDATE SET version = {TABLE}.version + 1"
    )
    logged = (
        f"  , raised AS (\n    {raised} RETURNING owner_id, version\n  ), logged AS (\n"
        f"    INSERT INTO {LOG} (owner_id, version, photo_id)\n"
        "    SELECT DISTINCT owner_id, version, photo_id FROM written JOIN raised USING (owner_id)\n"
        "  )\n"
        f"  DELETE FROM {LOG} USING raised\n"
        f"  WHERE {LOG}.owner_id = raised.owner_id AND {LOG}.version <= raised.version - {LOGGED_VERSIONS};\n"
    )
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  WITH written AS ({rows})\n"
        + (logged if log else f"  {raised};\n")
        + "  RETURN NULL;\n"
        "END $$"
    )


def _postgres_functions(log: bool) -> dict[str, str]:
    """PostgreSQL raises each owner once per statement (its transition tables): an import's 100
    photos are one upsert, not a row lock taken 100 times."""
    return {
        f"{table}_version_raise{suffix}": _postgres_function(
            f"{table}_version_raise{suffix}",
            " UNION ALL ".join(f"SELECT owner_id, {photo} AS photo_id FROM {rows}" for rows in sources),
            log,
        )
        for table, photo in _TABLES.items()
        for suffix, sources in (("", ("changed_rows",)), ("_updated", ("old_rows", "new_rows")))
    }


POSTGRES_TRIGGERS = {
    **{
        f"{table}_version_after_{event.lower()}": (
            f"AFTER {event} ON {table} REFERENCING {'NEW' if event == 'INSERT' else 'OLD'} TABLE AS changed_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_version_raise()"
        )
        for table in _TABLES
        for event in ("INSERT", "DELETE")
    },
    **{
        f"{table}_version_after_update": (
            f"AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_version_raise_updated()"
        )
        for table in _TABLES
    },
}
POSTGRES_FUNCTIONS = _postgres_functions(log=True)
RETIRED_FUNCTIONS = ("library_version_raise", "library_version_raise_updated")
"""Migration 0021's functions, one for both tables (before the log: 0023)."""


def triggers(sqlite: bool) -> dict[str, str]:
    return _sqlite_triggers(log=True) if sqlite else POSTGRES_TRIGGERS


def create_triggers(conn: Connection, log: bool = True) -> None:
    """(Re)create the triggers that raise the versions (and log the photos written: ``log``), and
    PostgreSQL's functions."""
    sqlite = conn.dialect.name == "sqlite"
    db_triggers.replace(conn, _sqlite_triggers(log) if sqlite else POSTGRES_TRIGGERS, _postgres_functions(log).values())
    if not sqlite:
        for function in RETIRED_FUNCTIONS:
            conn.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))


def drop_triggers(conn: Connection) -> None:
    db_triggers.drop(conn, triggers(conn.dialect.name == "sqlite"), POSTGRES_FUNCTIONS)


def raise_all(conn: Connection) -> None:
    """Raise every library's version past what the log keeps: for writes made with the triggers
    off (a bulk load, then db/counts.py ``recount``), which it does not hold."""
    least = "" if conn.dialect.name == "sqlite" else f"{TABLE}."
    conn.execute(
        text(
            f"INSERT INTO {TABLE} (owner_id, version) SELECT id, {LOGGED_VERSIONS} FROM app_user WHERE true "
            f"ON CONFLICT (owner_id) DO UPDATE SET version = {least}version + {LOGGED_VERSIONS}"
        )
    )
    conn.execute(text(f"DELETE FROM {LOG}"))


def version(conn: Connection, owner_id: int) -> int:
    """The library's version now (0: never written since the table came)."""
    v = library_version_t.c
    return conn.execute(select(v.version).where(v.owner_id == owner_id)).scalar() or 0


def changed_since(conn: Connection, owner_id: int, since: int, bound: int) -> list[int] | None:
    """The photos written (or deleted) in the library after its version ``since``, or ``None``:
    more than ``bound``, or the log no longer reaches back to ``since``."""
    log = photo_change_t.c
    query = select(log.photo_id).where(log.owner_id == owner_id, log.version > since).distinct().limit(bound + 1)
    written = list(conn.execute(query).scalars())
    # The version after the log: a write that pruned it committed no later than that version.
    if len(written) > bound or version(conn, owner_id) - LOGGED_VERSIONS >= since:
        return None
    return written


__all__ = ["LOG", "LOGGED_VERSIONS", "TABLE", "changed_since", "create_triggers", "drop_triggers", "raise_all", "triggers", "version"]
