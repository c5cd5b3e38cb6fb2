"""The ISO index carries what filters test, as the rating index does

An ISO range with another condition the timeline index alone could check (an aperture range) read
the whole timeline index: a million entries at a million photos for its timeline and facets
(ISO 800-3200 + aperture <= 2: buckets 152 / 208 ms, facets 289 / 391 ms on SQLite / PostgreSQL).
Carrying ``CARRIED``, each ISO value's stretch is read and checked from the ISO index alone, a
quarter of those entries.

On SQLite the rebuilt index gets its statistics here, as in 0013, when the library has any.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 14:30:00
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY = {"sqlite": "substr(taken_at, 1, 10)", "postgresql": "CAST(taken_at AS DATE)"}
CARRIED = (  # db/tables.py CARRIED without iso, as it is at this revision
    "gps_latitude", "gps_longitude", "rating", "favorite", "aperture", "focal_length", "camera_make", "camera_model", "lens_model",
)


def _iso_index(*carried: str) -> None:
    day = sa.text(DAY[op.get_context().dialect.name])
    op.drop_index("ix_photo_owner_iso", table_name="photo")
    op.create_index("ix_photo_owner_iso", "photo", ["owner_id", "iso", day, "taken_at", "id", *carried])


def upgrade() -> None:
    _iso_index(*CARRIED)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        bind.execute(sa.text("PRAGMA analysis_limit=2000"))  # a sample is enough to plan by (db/maintenance.py)
        bind.execute(sa.text('ANALYZE "ix_photo_owner_iso"'))


def downgrade() -> None:
    _iso_index()
