"""Tags and capture years per map cell: ``photo_cell`` rows of the facets "tag" and "year"

A map box alone takes its cameras, lenses and ratings from the kept cells it holds whole, but its
tags and years were counted from the photos: the box's ids read from the geo index, the tags joined
to them (Europe at a million photos, SQLite: 105 and 37 of the six facets' ~185 ms). Triggers now
keep the tags and years of the positioned photos per kept cell too (db/counts.py); this revision
makes them and counts the cells afresh.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 08:45:00
"""

from typing import Sequence

from alembic import op

from imalink.db import counts

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    counts.create_cell_triggers(bind)  # the years among their facets
    counts.create_tag_cell_triggers(bind)
    counts.recount_cells(bind)
    counts.recount_tag_cells(bind)


def downgrade() -> None:
    # The cells' triggers stay as they are (an earlier revision reads no "year" row, and they
    # keep them right); the tags' go.
    counts.drop_tag_cell_triggers(op.get_bind())
