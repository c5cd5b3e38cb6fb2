"""PostgreSQL's statement count triggers count a batch's alike photos once

The statement-level triggers that add an import's new photos to ``photo_facet`` and
``photo_range_facet`` evaluated every kind of count row for every photo (19 per photo for the
range counts: 1,900 rows to compute, sort and group per batch of 100). They now group the
statement's photos first by what the counts read (db/range_counts.py ``alike_new_photos``): the
same counts and spellings from a few rows per batch. Only the functions change; nothing is
recounted. SQLite's row triggers are untouched.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 18:30:00
"""

from typing import Sequence

from alembic import op
from sqlalchemy import text

from imalink.db import counts, range_counts

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.execute(text(counts.POSTGRES_ADDED_FUNCTION))
    bind.execute(text(range_counts.POSTGRES_ADDED_FUNCTION))


def downgrade() -> None:
    # The functions made here count exactly as the ones they replace: left as they are.
    pass
