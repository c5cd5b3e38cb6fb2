"""PostgreSQL counts a statement's new photos and tags together (statement-level triggers)

The counts of db/counts.py were kept by row triggers: each new photo ran a plpgsql upsert per
count it belongs to (its day, camera, model, lens, rating, and again under ``gps:`` when it has a
position), about six per photo, a third of the database's CPU for an import batch. An AFTER INSERT
trigger per statement reads the statement's new rows (its transition table) and adds them with
one grouped upsert per count table. Deletes, edits and a photo's position found later stay row by
row (one photo at a time). The counts themselves do not change, so nothing is recounted. SQLite
has row triggers only and keeps them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:20:00
"""

from typing import Sequence

from alembic import op

from imalink.db import counts

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, table, definition) of the row triggers this revision replaces, as 0010 had them; their
# functions stay (the row triggers that remain call them).
ROW_TRIGGERS = (
    ("photo_counts2_after_insert_delete", "photo", "AFTER INSERT OR DELETE ON photo FOR EACH ROW EXECUTE FUNCTION photo_counts()"),
    (
        "photo_tag_counts_after_insert_delete",
        "photo_tag",
        "AFTER INSERT OR DELETE ON photo_tag FOR EACH ROW EXECUTE FUNCTION photo_tag_counts()",
    ),
)
STATEMENT_TRIGGERS = (
    (
        "photo_counts3_after_insert",
        "photo",
        "AFTER INSERT ON photo REFERENCING NEW TABLE AS new_photos FOR EACH STATEMENT EXECUTE FUNCTION photo_counts_added()",
    ),
    ("photo_counts3_after_delete", "photo", "AFTER DELETE ON photo FOR EACH ROW EXECUTE FUNCTION photo_counts()"),
    (
        "photo_tag_counts2_after_insert",
        "photo_tag",
        "AFTER INSERT ON photo_tag REFERENCING NEW TABLE AS new_tags FOR EACH STATEMENT EXECUTE FUNCTION photo_tag_counts_added()",
    ),
    ("photo_tag_counts2_after_delete", "photo_tag", "AFTER DELETE ON photo_tag FOR EACH ROW EXECUTE FUNCTION photo_tag_counts()"),
)


def _replace(dropped: tuple[tuple[str, str, str], ...], created: tuple[tuple[str, str, str], ...]) -> None:
    # Both sets are dropped first: a database made at this revision or later already has the new ones.
    for name, table, _ in (*dropped, *created):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for name, _, definition in created:
        op.execute(f"CREATE TRIGGER {name} {definition}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    counts.create_postgres_functions(op.get_bind())
    _replace(ROW_TRIGGERS, STATEMENT_TRIGGERS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _replace(STATEMENT_TRIGGERS, ROW_TRIGGERS)
    op.execute("DROP FUNCTION IF EXISTS photo_counts_added()")
    op.execute("DROP FUNCTION IF EXISTS photo_tag_counts_added()")
