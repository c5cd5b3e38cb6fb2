"""PostgreSQL keeps raw EXIF compressed with lz4 and hotpreviews uncompressed

PostgreSQL compresses every value past ~2 KB with pglz by default: for a batch of 100 RAW+JPEG
groups (200 EXIF blobs of ~19 KB) that was 360 ms of the batch's 540 ms in the database
(benchmarks/import_bench.py, measured per statement). lz4 compresses EXIF as well at a fraction
of the cost; a hotpreview is a JPEG, which no compressor shrinks, so it is stored as it is.
Rows written before keep their form until rewritten; SQLite has no such setting.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:30:00
"""

from typing import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _lz4_available() -> bool:
    bind = op.get_bind()
    values = bind.exec_driver_sql("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'").scalar()
    return bool(values) and "lz4" in values


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    if _lz4_available():
        op.execute("ALTER TABLE image ALTER COLUMN exif_data SET COMPRESSION lz4")
    op.execute("ALTER TABLE photo ALTER COLUMN hotpreview SET STORAGE EXTERNAL")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE image ALTER COLUMN exif_data SET COMPRESSION DEFAULT")
    op.execute("ALTER TABLE photo ALTER COLUMN hotpreview SET STORAGE EXTENDED")
