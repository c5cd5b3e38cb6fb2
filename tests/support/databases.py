"""Fresh, migrated databases for each test: SQLite always, PostgreSQL when configured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

from imalink.db.engine import make_engine
from imalink.db.migrate import upgrade_to_head
from imalink.db.tables import LOCAL_OWNER_ID

POSTGRES_ENV = "IMALINK_TEST_POSTGRES_URL"
TABLES = ("api_token", "auth_session", "photo_tag", "photo_day", "photo_facet", "photo_cell", "photo_range_facet", "image", "photo", "import_session", "library_version", "photo_change")


def backends() -> list[str]:
    """The database backends this run covers."""
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


_migrated_postgres: set[str] = set()


def fresh_database(backend: str, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A migrated, empty database of ``backend``: (url, engine)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'library.db'}"
        engine = make_engine(url)
        upgrade_to_head(engine)
        yield url, engine
        engine.dispose()
        return
    url = os.environ[POSTGRES_ENV]
    engine = make_engine(url)
    if url not in _migrated_postgres:
        # Start each run from an empty database, whatever an earlier run (or version) left.
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade_to_head(engine)
        _migrated_postgres.add(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE"))
        # Keep the local owner the migrations made; drop every other user.
        conn.execute(text("DELETE FROM app_user WHERE id <> :local"), {"local": LOCAL_OWNER_ID})
        # ... as the migrations made it: a test may have claimed it with a password.
        conn.execute(
            text("UPDATE app_user SET username = 'owner', password_hash = NULL, is_admin = true WHERE id = :local"),
            {"local": LOCAL_OWNER_ID},
        )
        conn.execute(text("SELECT setval(pg_get_serial_sequence('app_user', 'id'), :local)"), {"local": LOCAL_OWNER_ID})
    yield url, engine
    engine.dispose()


def emptied_at_revision(url: str, engine: Engine, revision: str) -> None:
    """The test database emptied and migrated to ``revision`` only (for migration tests).

    The next ``fresh_database`` starts again from an empty schema, so a migration test that fails
    half-way cannot leave the tests after it without tables.
    """
    _migrated_postgres.discard(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        engine.dispose()
        Path(engine.url.database or "").unlink(missing_ok=True)
    upgrade_to_head(engine, revision)
