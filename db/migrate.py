"""Bring a database to the newest schema: a library is upgraded in place, never re-imported."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from imalink.db.counts import ensure_counts
from imalink.db.engine import SQLITE_WRITE, make_engine
from imalink.db.search import ensure_search_index, kept_outside_metadata
from imalink.db.tables import COUNTING_BATCH

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class MigrationBrokeReferences(RuntimeError):
    """A migration left rows pointing at rows that do not exist (it was rolled back)."""


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """What Alembic compares with db/tables.py: everything but the search index's own objects and
    SQLite's ``counting_batch`` (made with the count triggers)."""
    return not (type_ in ("table", "index") and (kept_outside_metadata(name) or name == COUNTING_BATCH))


def alembic_config() -> Config:
    """Alembic's configuration, pointing at the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_to_head(engine: Engine, revision: str = "head") -> None:
    """Apply every migration the database has not seen yet (idempotent), in one transaction.

    SQLite changes a table by rebuilding it (copy, DROP, rename). With foreign keys enforced, that
    DROP would cascade and delete every image and tag of the library, so they are switched off for
    the migration (SQLite only allows that outside a transaction) and checked before committing.
    """
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            # Take the write lock up front: servers starting side by side would otherwise both
            # read the version, both try to write, and one fail with "database is locked".
            connection.execution_options(**SQLITE_WRITE)
            with connection.begin():
                config.attributes["connection"] = connection
                before = MigrationContext.configure(connection).get_current_revision()
                command.upgrade(config, revision)
                migrated = MigrationContext.configure(connection).get_current_revision() != before
                ensure_search_index(connection)
                ensure_counts(connection)
                # Only after a migration ran: the check reads every row (a minute at a million photos).
                if sqlite and migrated and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise MigrationBrokeReferences("a migration broke foreign keys; nothing was changed")
        finally:
            if sqlite:
                connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


@contextmanager
def open_library(database_url: str) -> Iterator[Engine]:
    """An engine on the library at ``database_url``, brought to the newest schema, disposed after."""
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        yield engine
    finally:
        engine.dispose()
