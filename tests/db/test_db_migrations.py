"""Migrations create exactly the tables the code declares, and upgrading keeps a library."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from imalink.db.migrate import alembic_config, upgrade_to_head
from imalink.db.tables import SQLModel
from tests.api.importing import group, send
from tests.support.media import jpeg


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_the_tables_in_code(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], "db/tables.py and db/migrations disagree: add a migration (alembic revision --autogenerate)"


def test_expression_indexes_exist(engine):
    # Reflection skips expression indexes on SQLite, so ask the catalogues directly.
    catalogue = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'photo'"
    )
    with engine.connect() as conn:
        names = set(conn.execute(text(catalogue)).scalars())
    assert {"ix_photo_camera_make_lower", "ix_photo_camera_model_lower", "ix_photo_lens_model_lower"} <= names


def test_starting_again_upgrades_in_place_and_keeps_the_library(gql, engine):
    send(gql, [group(jpeg(), "KEEP.JPG")])
    upgrade_to_head(engine)
    upgrade_to_head(engine)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        assert conn.execute(text("SELECT filename FROM image")).scalars().all() == ["KEEP.JPG"]
