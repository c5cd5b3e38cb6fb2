"""a file's content hash is unique in its owner's library

Before content hashes were identities, one file could be imported twice under two hotpreviews
(two encoders: two photos). Such a library upgrades with every row kept: the earliest image of a
content hash keeps it, later copies lose theirs (they stay, files of their photos as before, and
existingFiles names the earliest), so the hash can become unique.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""

from typing import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE image SET content_hash = NULL WHERE content_hash IS NOT NULL AND EXISTS ("
        " SELECT 1 FROM image AS earlier WHERE earlier.owner_id = image.owner_id"
        " AND earlier.content_hash = image.content_hash AND earlier.id < image.id)"
    )
    op.drop_index("ix_image_owner_content_hash", table_name="image")
    op.create_index("uq_image_owner_content_hash", "image", ["owner_id", "content_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_image_owner_content_hash", table_name="image")
    op.create_index("ix_image_owner_content_hash", "image", ["owner_id", "content_hash"], unique=False)
