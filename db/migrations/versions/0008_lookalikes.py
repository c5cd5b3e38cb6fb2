"""near-duplicates: a perceptual fingerprint per photo, its band indexes, and the look-alike pairs

Photos already in a library get their fingerprints from ``imalink fingerprints backfill`` (batched,
safe beside a running server): a migration must stay quick, and decoding a million hotpreviews is not.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:00:00
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _band(band: int) -> sa.TextClause:
    return sa.text(f"((phash >> {16 * (3 - band)}) & 65535)")


def upgrade() -> None:
    with op.batch_alter_table("photo") as batch_op:
        batch_op.add_column(sa.Column("phash", sa.BigInteger(), nullable=True))
    for band in range(4):
        op.create_index(f"ix_photo_owner_phash_band{band}", "photo", ["owner_id", _band(band), "phash", "id"])
    op.create_table(
        "photo_lookalike",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("distance", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["photo.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["other_id"], ["photo.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("photo_id", "other_id"),
    )
    op.create_index("ix_photo_lookalike_owner", "photo_lookalike", ["owner_id", "distance", "photo_id", "other_id"])
    op.create_index("ix_photo_lookalike_other", "photo_lookalike", ["other_id", "distance", "photo_id"])


def downgrade() -> None:
    op.drop_table("photo_lookalike")
    for band in range(4):
        op.drop_index(f"ix_photo_owner_phash_band{band}", table_name="photo")
    with op.batch_alter_table("photo") as batch_op:
        batch_op.drop_column("phash")
