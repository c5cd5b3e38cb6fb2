"""The pre-check answered from indexes alone: a file's photo and name by content hash, a photo's
hothash by id, a photo's file names by photo id

existingFiles, existingPhotos and existingHothashes probe 10,000 hashes at a time. Each found file
or photo read its table row for a name or a hothash; at a million photos those rows sit among EXIF
bytes and hotpreviews in a 14.7 GB file, so each was a random read (existingFiles 1,912 ms for
10,000 hashes half known, SQLite; benchmarks/precheck_bench.py). The indexes below carry what the
answer needs. On PostgreSQL the key (owner, hothash) carries the photo's id too (SQLite's holds
the row id).

On SQLite the new indexes get their statistics here, when the library has any: the refresh in
db/maintenance.py waits for the library to grow, and an index without statistics is planned by
guesses (SQLite then preferred the unique file-name key to the covering index).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 02:00:00
"""

from typing import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_image_owner_content_hash_file": ("image", ["owner_id", "content_hash", "photo_id", "filename"]),
    "ix_image_photo_files": ("image", ["photo_id", "id", "filename"]),
    "ix_photo_id_hothash": ("photo", ["id", "hothash"]),
}


def _photo_key(include_id: bool) -> None:
    """PostgreSQL's key (owner, hothash), carrying the photo's id or not (SQLite's holds the row id)."""
    op.drop_constraint("uq_photo_owner_hothash", "photo", type_="unique")
    op.execute(
        "ALTER TABLE photo ADD CONSTRAINT uq_photo_owner_hothash UNIQUE (owner_id, hothash)" + (" INCLUDE (id)" if include_id else "")
    )


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _photo_key(include_id=True)
    if bind.dialect.name == "sqlite" and bind.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        bind.execute(text("PRAGMA analysis_limit=2000"))  # a sample is enough to plan by (db/maintenance.py)
        for name in INDEXES:
            bind.execute(text(f'ANALYZE "{name}"'))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _photo_key(include_id=False)
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
