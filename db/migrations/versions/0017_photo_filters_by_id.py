"""What filters test, by photo id: the few matches a tag or a text search finds are checked there

A rare filter's matches are found through their own index or side table (a tag's photos, the text
index, a box's latitudes), then the other conditions are checked and the matches sorted by time.
Those found by id read the photo row for that; on SQLite a row is a page or more (its
hotpreview): the commonest tag inside a box read 11,500 rows at a million photos. This index
holds, per id, the owner, the capture time and what filters test (``CARRIED`` in db/tables.py), so
they are checked from the index alone.

On SQLite the new index gets its statistics here, as in 0013 and 0014, when the library has any.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-02 05:30:00
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CARRIED = (  # db/tables.py CARRIED, as it is at this revision
    "gps_latitude", "gps_longitude", "rating", "favorite", "iso", "aperture", "focal_length",
    "camera_make", "camera_model", "lens_model",
)


def upgrade() -> None:
    op.create_index("ix_photo_id_carried", "photo", ["id", "owner_id", "taken_at", *CARRIED])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        bind.execute(sa.text("PRAGMA analysis_limit=2000"))  # a sample is enough to plan by (db/maintenance.py)
        bind.execute(sa.text('ANALYZE "ix_photo_id_carried"'))


def downgrade() -> None:
    op.drop_index("ix_photo_id_carried", table_name="photo")
