"""The photos each version of a library wrote: ``photo_change``

A text search matching nearly every photo keeps the photos it misses with the library's version
(0021); every write raised the version, and the next request read the misses anew: every photo's
text against the search (1.2-1.6 s for "img" at a million photos). The same triggers now log the
ids of the photos each version wrote (db/changes.py), so kept misses are brought up to date from
those photos alone (db/browse.py).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 23:00:00
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

from imalink.db import changes

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_change",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("owner_id", "version", "photo_id"),
    )
    changes.create_triggers(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    changes.create_triggers(bind, log=False)
    op.drop_table("photo_change")
