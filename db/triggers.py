"""Creating and dropping the triggers that keep counts and versions (db/counts.py,
db/range_counts.py, db/changes.py): one way to tell a trigger's table and to replace a set of them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, text

_TABLE = re.compile(r"\bON (photo_tag|photo)\b")


def table_of(definition: str) -> str:
    """The table a trigger is on, read from its definition (what follows ``CREATE TRIGGER name``)."""
    table = _TABLE.search(definition)
    assert table, definition
    return table.group(1)


def drop(conn: Connection, triggers: Mapping[str, str], functions: Iterable[str] = ()) -> None:
    """Drop ``triggers`` ({name: definition}) where they are, and PostgreSQL's ``functions`` (by name)."""
    sqlite = conn.dialect.name == "sqlite"
    for name, definition in triggers.items():
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table_of(definition)}")))
    if not sqlite:
        for function in functions:
            conn.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))


def replace(conn: Connection, triggers: Mapping[str, str], functions: Iterable[str] = ()) -> None:
    """(Re)create ``triggers`` ({name: definition}), PostgreSQL's ``functions`` (their ``CREATE OR
    REPLACE FUNCTION`` statements) first."""
    if conn.dialect.name != "sqlite":
        for function in functions:
            conn.execute(text(function))
    drop(conn, triggers)
    for name, definition in triggers.items():
        conn.execute(text(f"CREATE TRIGGER {name} {definition}"))
