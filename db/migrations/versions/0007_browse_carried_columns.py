"""browsing at a million photos: the indexes that pages and aggregates walk carry what filters test

The timeline index, the camera, lens, rating and favourite keyset indexes and the map's geo index
now end with the columns filters test and facets count (``db/tables.py`` ``CARRIED``), so a
filter is checked and a bucket, cluster or facet counted without reading photo rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:45:00
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY = {"sqlite": "substr(taken_at, 1, 10)", "postgresql": "CAST(taken_at AS DATE)"}
NUMBERS = ("gps_latitude", "gps_longitude", "rating", "favorite", "iso", "aperture", "focal_length")
CARRIED = (*NUMBERS, "camera_make", "camera_model", "lens_model")
CAMERAS = ("camera_make", "camera_model", "lens_model")


def _but(*leading: str) -> list[str]:
    return [name for name in CARRIED if name not in leading]


def indexes(dialect: str, wide: bool) -> dict[str, list]:
    """The indexes this revision changes, as they are after it (``wide``) or before."""
    key = [sa.text(DAY[dialect]), "taken_at", "id"]
    found: dict[str, list] = {"ix_photo_owner_timeline": ["owner_id", *key, *(CARRIED if wide else NUMBERS)]}
    for column in CAMERAS:
        found[f"ix_photo_owner_{column}_lower"] = ["owner_id", sa.text(f"lower({column})"), *key, column, *(_but(column) if wide else [])]
    found["ix_photo_owner_rating"] = ["owner_id", "rating", *key, *(_but("rating") if wide else [])]
    found["ix_photo_owner_favorite"] = ["owner_id", "favorite", *key, *(_but("favorite") if wide else [])]
    geo = ["owner_id", "geo_cell", "gps_latitude", "gps_longitude", "id"]
    found["ix_photo_owner_geo"] = [*geo, "taken_at", *_but("gps_latitude", "gps_longitude")] if wide else geo
    return found


def _replace(wide: bool) -> None:
    for name, columns in indexes(op.get_bind().dialect.name, wide).items():
        op.drop_index(name, table_name="photo")
        op.create_index(name, "photo", columns)


def upgrade() -> None:
    _replace(wide=True)


def downgrade() -> None:
    _replace(wide=False)
