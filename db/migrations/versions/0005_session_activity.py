"""import sessions remember their last batch, so abandoned ones stop being "in progress"

Every existing session gets the last moment known of it: its completion, else its start.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:00:00
"""

from typing import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_session") as batch_op:
        batch_op.add_column(sa.Column("last_activity_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute("UPDATE import_session SET last_activity_at = COALESCE(completed_at, started_at)")


def downgrade() -> None:
    with op.batch_alter_table("import_session") as batch_op:
        batch_op.drop_column("last_activity_at")
