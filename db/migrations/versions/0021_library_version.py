"""A version per library, raised by triggers on every write to its photos or tags: ``library_version``

A text search matching nearly every photo is answered as the kept counts less the photos it misses;
finding them reads every id of the library against the search index (958,000 of a million match
"img": 300-600 ms for each of the timeline, the map and the facets). The misses are kept between
requests with the library's version (db/browse.py), which these triggers raise on every insert,
update or delete of a photo or tag (db/changes.py).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 18:00:00
"""

from typing import Sequence

import sqlalchemy as sa
from alembic import op

from imalink.db import changes

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "library_version",
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("owner_id"),
    )
    changes.create_triggers(op.get_bind(), log=False)  # the log comes with its table (0023)


def downgrade() -> None:
    changes.drop_triggers(op.get_bind())
    op.drop_table("library_version")
