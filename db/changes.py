"""A version per library, raised by triggers on every write to its photos or tags.

What is worked out from many photos and kept between requests (db/browse.py: the photos a text
search misses) is kept with the version its owner's library had when it was read, and used only
while the version is still that: any insert, update or delete of a photo or a tag, whoever writes
it (the import, an edit, a migration, a script), raises the version in the write's own
transaction, so nothing kept outlives a change it could depend on. A library never written since
the table came has no row: version 0.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, text

from imalink.db.tables import library_version_t

TABLE = "library_version"
_TABLES = ("photo", "photo_tag")


def _sqlite_raise(row: str, when: str = " WHERE true") -> str:
    return (
        f"INSERT INTO {TABLE} (owner_id, version) SELECT {row}.owner_id, 1{when} "
        "ON CONFLICT (owner_id) DO UPDATE SET version = version + 1"
    )


SQLITE_TRIGGERS = {
    **{f"{table}_version_after_insert": f"AFTER INSERT ON {table} BEGIN {_sqlite_raise('new')}; END" for table in _TABLES},
    **{f"{table}_version_after_delete": f"AFTER DELETE ON {table} BEGIN {_sqlite_raise('old')}; END" for table in _TABLES},
    **{  # an update that moves a row to another owner changes both libraries
        f"{table}_version_after_update": (
            f"AFTER UPDATE ON {table} BEGIN {_sqlite_raise('old')}; "
            f"{_sqlite_raise('new', ' WHERE new.owner_id IS NOT old.owner_id')}; END"
        )
        for table in _TABLES
    },
}


def _postgres_function(name: str, owners: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  INSERT INTO {TABLE} (owner_id, version)\n"
        # in key order, like every other write: writers never wait on each other in turn
        f"  SELECT owner_id, 1 FROM ({owners}) AS owners GROUP BY owner_id ORDER BY owner_id\n"
        f"  ON CONFLICT (owner_id) DO UPDATE SET version = {TABLE}.version + 1;\n"
        "  RETURN NULL;\n"
        "END $$"
    )


# PostgreSQL raises each owner once per statement (its transition tables): an import's 100 photos
# are one upsert, not a row lock taken 100 times.
POSTGRES_FUNCTIONS = {
    "library_version_raise": _postgres_function("library_version_raise", "SELECT owner_id FROM changed_rows"),
    "library_version_raise_updated": _postgres_function(
        "library_version_raise_updated", "SELECT owner_id FROM old_rows UNION ALL SELECT owner_id FROM new_rows"
    ),
}
POSTGRES_TRIGGERS = {
    **{
        f"{table}_version_after_{event.lower()}": (
            f"AFTER {event} ON {table} REFERENCING {'NEW' if event == 'INSERT' else 'OLD'} TABLE AS changed_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION library_version_raise()"
        )
        for table in _TABLES
        for event in ("INSERT", "DELETE")
    },
    **{
        f"{table}_version_after_update": (
            f"AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION library_version_raise_updated()"
        )
        for table in _TABLES
    },
}
TRIGGER_TABLES = {name: ("photo_tag" if name.startswith("photo_tag") else "photo") for name in POSTGRES_TRIGGERS}


def triggers(sqlite: bool) -> dict[str, str]:
    return SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS


def create_triggers(conn: Connection) -> None:
    """(Re)create the triggers that raise the versions (and PostgreSQL's functions)."""
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        for function in POSTGRES_FUNCTIONS.values():
            conn.execute(text(function))
    for name, definition in triggers(sqlite).items():
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {TRIGGER_TABLES[name]}")))
        conn.execute(text(f"CREATE TRIGGER {name} {definition}"))


def drop_triggers(conn: Connection) -> None:
    sqlite = conn.dialect.name == "sqlite"
    for name in triggers(sqlite):
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {TRIGGER_TABLES[name]}")))
    if not sqlite:
        for function in POSTGRES_FUNCTIONS:
            conn.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))


def raise_all(conn: Connection) -> None:
    """Raise every library's version: for writes made with the triggers off (a bulk load, then
    db/counts.py ``recount``)."""
    least = "" if conn.dialect.name == "sqlite" else f"{TABLE}."
    conn.execute(
        text(
            f"INSERT INTO {TABLE} (owner_id, version) SELECT id, 1 FROM app_user WHERE true "
            f"ON CONFLICT (owner_id) DO UPDATE SET version = {least}version + 1"
        )
    )


def version(conn: Connection, owner_id: int) -> int:
    """The library's version now (0: never written since the table came)."""
    v = library_version_t.c
    return conn.execute(select(v.version).where(v.owner_id == owner_id)).scalar() or 0


__all__ = ["TABLE", "create_triggers", "drop_triggers", "raise_all", "triggers", "version"]
