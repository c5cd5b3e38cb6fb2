"""SQLite's photo insert count triggers skip a batch its writer counts together

SQLite has no statement triggers: an import's 100 new photos ran ~44 count upserts each, ~4 of the
batch's ~11 ms of photo insert. The import now counts its batch itself, one grouped upsert per count
table (db/counts.py ``counted_together``), and the three photo insert triggers of the counts skip photos while
``counting_batch`` holds a row (only inside such a writer's transaction). Every other insert is
counted row by row as before. Only the triggers change; nothing is recounted. PostgreSQL's
statement triggers are untouched.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 23:00:00
"""

from typing import Sequence

from alembic import op
from sqlalchemy import text

from imalink.db import counts, range_counts
from imalink.db.tables import SQLITE_COUNTING_BATCH

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INSERT_TRIGGERS = {
    "photo_counts2_after_insert": counts.SQLITE_TRIGGERS,
    "photo_cells_after_insert": counts.CELL_SQLITE_TRIGGERS,
    "photo_range_counts_after_insert": range_counts.SQLITE_TRIGGERS,
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    bind.execute(text(SQLITE_COUNTING_BATCH))
    for name, triggers in _INSERT_TRIGGERS.items():
        bind.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        bind.execute(text(f"CREATE TRIGGER {name} {triggers[name]}"))


def downgrade() -> None:
    # The triggers made here count every photo no writer counts itself, as the ones they replace
    # did; nothing below this revision writes counting_batch: left as they are.
    pass
