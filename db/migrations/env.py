"""Alembic environment: runs on the connection handed over by ``db.migrate``, or on a URL."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy import create_engine

from imalink.db.migrate import include_name
from imalink.db.tables import SQLModel

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    # SQLite batch mode reflects tables whose expression indexes SQLAlchemy cannot reflect; the
    # migrations drop and re-create those indexes themselves.
    warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
