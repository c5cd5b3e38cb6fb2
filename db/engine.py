"""Engines for SQLite (embedded default) and PostgreSQL, set up for concurrent importers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Connection, make_url

# Execution option asking a SQLite transaction to take the write lock at BEGIN. Without it two
# importers both read, then both try to upgrade to a writer, and one fails with "database is locked"
# instead of waiting its turn.
SQLITE_WRITE = {"sqlite_begin": "BEGIN IMMEDIATE"}


class _HintedSQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler, rendering table hints (``INDEXED BY ix`` / ``NOT INDEXED``) after the table.

    SQLite has no statistics on anything but an index's leading columns; db/plans.py counts
    matches itself and names the index to read (SQLAlchemy's stock SQLite compiler drops hints).
    """

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for ``database_url``: SQLite gets WAL, foreign keys and a busy timeout."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)

    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
    engine.dialect.statement_compiler = _HintedSQLiteCompiler

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own transaction handling
        # cannot take the write lock up front).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if url.database and url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(connection.get_execution_options().get("sqlite_begin", "BEGIN"))

    return engine


def is_sqlite(engine: Engine) -> bool:
    """True for the embedded SQLite backend."""
    return engine.dialect.name == "sqlite"
