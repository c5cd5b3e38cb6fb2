"""files stored without a content hash can be found by name, so they are recognised when they return with one

A partial index: a library whose files all have their content hash pays nothing for it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 20:40:00
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_image_owner_unhashed_name",
        "image",
        ["owner_id", "filename_key"],
        sqlite_where=sa.text("content_hash IS NULL"),
        postgresql_where=sa.text("content_hash IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_image_owner_unhashed_name", table_name="image")
