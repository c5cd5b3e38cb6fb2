"""Fresh, migrated databases for each test: SQLite always, PostgreSQL when configured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

from imalink.db.engine import make_engine
from imalink.db.migrate import upgrade_to_head

POSTGRES_ENV = "IMALINK_TEST_POSTGRES_URL"
TABLES = ("photo_tag", "image", "photo", "import_session")


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
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS " + ", ".join(TABLES) + ", alembic_version CASCADE"))
            conn.execute(text("DROP FUNCTION IF EXISTS imalink_test_fail() CASCADE"))
        upgrade_to_head(engine)
        _migrated_postgres.add(url)
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE"))
    yield url, engine
    engine.dispose()
