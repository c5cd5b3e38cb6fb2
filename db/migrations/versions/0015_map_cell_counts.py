"""Map cells counted by triggers: ``photo_cell`` holds the positioned photos per cell of 1.4 degrees

The map of the world read one range of the geo index per map cell, every positioned photo of the
library (a third of a million at a million photos: 240 ms of SQL on SQLite, over the 200 ms the
whole request may take). ``photo_cell`` keeps, per owner and cell of ``geo.KEPT_LEVEL`` (and again
per camera make, model, lens and rating), how many photos, the sums of their positions, their
bounds and the newest: the world is a few hundred rows (db/counts.py keeps them, db/browse.py reads
them). Filled here from the photos there are.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-02 02:10:00
"""

from typing import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from imalink.db import counts

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_cell",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("facet", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("photos", sa.Integer(), nullable=False),
        sa.Column("latitude_sum", sa.Float(), nullable=False),
        sa.Column("longitude_sum", sa.Float(), nullable=False),
        sa.Column("south", sa.Float(), nullable=True),
        sa.Column("west", sa.Float(), nullable=True),
        sa.Column("north", sa.Float(), nullable=True),
        sa.Column("east", sa.Float(), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("owner_id", "facet", "key", "cell"),
    )
    bind = op.get_bind()
    counts.create_cell_triggers(bind)
    counts.recount_cells(bind)


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    for name in counts.CELL_SQLITE_TRIGGERS if sqlite else counts.CELL_POSTGRES_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else " ON photo"))
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS photo_cells_added()")
        op.execute("DROP FUNCTION IF EXISTS photo_cells_changed()")
    op.drop_table("photo_cell")
