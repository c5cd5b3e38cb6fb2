"""browsing: tags stored once, favourites, text search, keyset indexes per filter

- Tags live only in ``photo_tag``, which now keeps the spelling the user gave (``tag``) beside the
  case-insensitive key (``tag_key``), the photo's owner and the tag's place in the photo's list.
  Every tag survives: the JSON column's spellings and order first, then any tag only the index
  had. The JSON column ``photo.tags`` is dropped.
- ``photo.favorite`` (users set it), ``photo.search_text`` (what text search looks in) with its
  index: an FTS5 trigram table kept by triggers on SQLite, a pg_trgm GIN index on PostgreSQL.
- Timeline indexes led by the local capture day, keyset indexes (owner_id, <filter>, day,
  taken_at, id) for the equality filters, range indexes, the map's geo index (``geo_cell``); on
  SQLite the hotpreview becomes the photo row's last column.
- ``photo_day``, ``photo_facet``: photos per owner and capture day, camera, lens and rating, kept
  by triggers (db/counts.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00
"""

import json
from typing import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from imalink.db import counts
from imalink.db.geo import geo_cell
from imalink.db.search import POSTGRES_INDEX, SQLITE_FTS_TABLE, SQLITE_TRIGGERS, ensure_search_index, search_text

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXPRESSION_COLUMNS = ("camera_make", "camera_model", "lens_model")
OLD_INDEXES = ("ix_photo_owner_taken_at_id", "ix_photo_owner_gps", "ix_photo_owner_rating", "ix_photo_import_session_id")
DAY = {"sqlite": "substr(taken_at, 1, 10)", "postgresql": "CAST(taken_at AS DATE)"}
RANGES = ("gps_latitude", "gps_longitude", "rating", "favorite", "iso", "aperture", "focal_length")


def new_indexes(dialect: str) -> dict[str, list]:
    """The browsing indexes of db/tables.py, with their expressions spelled for ``dialect``."""
    day = sa.text(DAY[dialect])
    key = [day, "taken_at", "id"]
    indexes: dict[str, list] = {"ix_photo_owner_timeline": ["owner_id", day, "taken_at", "id", *RANGES]}
    for column in EXPRESSION_COLUMNS:
        indexes[f"ix_photo_owner_{column}_lower"] = ["owner_id", sa.text(f"lower({column})"), *key, column]
    indexes.update({
        "ix_photo_owner_rating": ["owner_id", "rating", *key],
        "ix_photo_owner_favorite": ["owner_id", "favorite", *key],
        "ix_photo_owner_session": ["owner_id", "import_session_id", *key],
        "ix_photo_owner_iso": ["owner_id", "iso"],
        "ix_photo_owner_aperture": ["owner_id", "aperture"],
        "ix_photo_owner_focal_length": ["owner_id", "focal_length"],
        "ix_photo_owner_gps": ["owner_id", "gps_latitude", "gps_longitude"],
        "ix_photo_owner_geo": ["owner_id", "geo_cell", "gps_latitude", "gps_longitude", "id"],
    })
    return indexes


# The photo table's columns after this revision, the hotpreview blob last (see db/tables.py).
PHOTO_ORDER = (
    "id", "owner_id", "hothash", "width", "height", "taken_at", "taken_at_subsec", "taken_at_offset",
    "taken_at_source", "gps_latitude", "gps_longitude", "gps_altitude", "geo_cell", "camera_make", "camera_model",
    "lens_model", "focal_length", "aperture", "iso", "exposure_time", "orientation", "title", "description",
    "rating", "favorite", "user_rotation", "import_session_id", "created_at", "updated_at", "search_text",
    "hotpreview",
)
CHUNK = 5000


def _photo_tags(bind: sa.Connection) -> dict[int, tuple[int, list[str]]]:
    """Each tagged photo's owner and tags: the JSON's spellings in order, then index-only tags."""
    found: dict[int, tuple[int, list[str]]] = {}
    rows = bind.execute(sa.text("SELECT id, owner_id, tags FROM photo")).yield_per(CHUNK)
    for photo_id, owner_id, raw in rows:
        tags = json.loads(raw) if isinstance(raw, str) else (raw or [])
        kept: dict[str, str] = {}
        for tag in tags:
            if isinstance(tag, str) and tag.strip() and tag.strip().lower() not in kept:
                kept[tag.strip().lower()] = tag.strip()
        if kept:
            found[photo_id] = (owner_id, list(kept.values()))
    indexed = bind.execute(
        sa.text("SELECT t.photo_id, p.owner_id, t.tag FROM photo_tag t JOIN photo p ON p.id = t.photo_id ORDER BY t.photo_id, t.tag")
    )
    for photo_id, owner_id, tag in indexed:
        _, tags = found.setdefault(photo_id, (owner_id, []))
        if tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return found


def _create_photo_tag() -> sa.Table:
    table = op.create_table(
        "photo_tag",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("tag_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["photo_id"], ["photo.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("photo_id", "tag_key"),
    )
    op.create_index("ix_photo_tag_owner_key", "photo_tag", ["owner_id", "tag_key", "photo_id"])
    return table


def _fill_geo_cells(bind: sa.Connection) -> None:
    """Every positioned photo's map cell."""
    rows = bind.execute(sa.text("SELECT id, gps_latitude, gps_longitude FROM photo WHERE gps_latitude IS NOT NULL")).all()
    update = sa.text("UPDATE photo SET geo_cell = :cell WHERE id = :id")
    values = [{"id": pid, "cell": geo_cell(lat, lon)} for pid, lat, lon in rows]
    for start in range(0, len(values), CHUNK):
        bind.execute(update, values[start : start + CHUNK])


def _fill_search_text(bind: sa.Connection) -> None:
    """Every photo's search text from its title, description, tags and file names."""
    tags: dict[int, list[str]] = {}
    for photo_id, tag in bind.execute(sa.text("SELECT photo_id, tag FROM photo_tag ORDER BY photo_id, position")):
        tags.setdefault(photo_id, []).append(tag)
    names: dict[int, list[str]] = {}
    for photo_id, name in bind.execute(sa.text("SELECT photo_id, filename FROM image ORDER BY photo_id, id")):
        names.setdefault(photo_id, []).append(name)
    update = sa.text("UPDATE photo SET search_text = :text WHERE id = :id")
    rows = bind.execute(sa.text("SELECT id, title, description FROM photo")).all()
    values = [
        {"id": pid, "text": search_text(title, description, tags.get(pid, ()), names.get(pid, ()))}
        for pid, title, description in rows
    ]
    for start in range(0, len(values), CHUNK):
        chunk = [v for v in values[start : start + CHUNK] if v["text"] is not None]
        if chunk:
            bind.execute(update, chunk)


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"

    tags = _photo_tags(bind)
    op.drop_table("photo_tag")
    photo_tag = _create_photo_tag()
    rows = [
        {"photo_id": photo_id, "tag_key": tag.lower(), "owner_id": owner_id, "tag": tag, "position": position}
        for photo_id, (owner_id, names) in tags.items()
        for position, tag in enumerate(names)
    ]
    for start in range(0, len(rows), CHUNK):
        op.bulk_insert(photo_tag, rows[start : start + CHUNK])

    # SQLite rebuilds the table in batch mode and cannot keep expression indexes through it.
    for column in EXPRESSION_COLUMNS:
        op.drop_index(f"ix_photo_owner_{column}_lower", table_name="photo")
    for name in OLD_INDEXES:
        op.drop_index(name, table_name="photo")
    with op.batch_alter_table("photo", partial_reordering=[PHOTO_ORDER] if sqlite else None) as batch:
        batch.add_column(sa.Column("favorite", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("search_text", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("geo_cell", sa.BigInteger(), nullable=True))
        batch.drop_column("tags")
    _fill_geo_cells(bind)
    _fill_search_text(bind)
    for name, columns in new_indexes(bind.dialect.name).items():
        op.create_index(name, "photo", columns)
    op.create_table(
        "photo_day",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("photos", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("owner_id", "day"),
    )
    op.create_table(
        "photo_facet",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("facet", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("photos", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("owner_id", "facet", "key"),
    )
    counts.ensure_counts(bind)  # their triggers, and the counts of the photos there are

    if sqlite:
        ensure_search_index(bind)
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(f"CREATE INDEX {POSTGRES_INDEX} ON photo USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    counts.drop_counts(bind)
    if sqlite:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {SQLITE_FTS_TABLE}")
    else:
        op.execute(f"DROP INDEX IF EXISTS {POSTGRES_INDEX}")
    op.drop_table("photo_facet")
    op.drop_table("photo_day")

    tags: dict[int, list[str]] = {}
    for photo_id, tag in bind.execute(sa.text("SELECT photo_id, tag FROM photo_tag ORDER BY photo_id, position")):
        tags.setdefault(photo_id, []).append(tag)

    for name in new_indexes(bind.dialect.name):
        op.drop_index(name, table_name="photo")
    with op.batch_alter_table("photo") as batch:
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))
        batch.drop_column("favorite")
        batch.drop_column("search_text")
        batch.drop_column("geo_cell")
    op.create_index("ix_photo_owner_taken_at_id", "photo", ["owner_id", "taken_at", "id"])
    op.create_index("ix_photo_owner_gps", "photo", ["owner_id", "gps_latitude", "gps_longitude"])
    op.create_index("ix_photo_owner_rating", "photo", ["owner_id", "rating"])
    op.create_index("ix_photo_import_session_id", "photo", ["import_session_id"])
    for column in EXPRESSION_COLUMNS:
        op.create_index(f"ix_photo_owner_{column}_lower", "photo", ["owner_id", sa.text(f"lower({column})")])
    update = sa.text("UPDATE photo SET tags = :tags WHERE id = :id")
    values = [{"id": photo_id, "tags": json.dumps(names)} for photo_id, names in tags.items()]
    if values:
        bind.execute(update, values)

    op.drop_table("photo_tag")
    old = op.create_table(
        "photo_tag",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["photo.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("photo_id", "tag"),
    )
    op.create_index("ix_photo_tag_tag", "photo_tag", ["tag"])
    rows = [{"photo_id": pid, "tag": tag.lower()} for pid, names in tags.items() for tag in names]
    if rows:
        op.bulk_insert(old, rows)
