"""The files' foreign key to their photo may wait for the commit

On PostgreSQL a batch's files, most of its bytes, are copied while the server works out their
photos' values, and the photos are written after them (db/writes.py ``images_copied_meanwhile``):
that transaction checks the key at its commit; every other statement still checks it at once.
SQLite writes a batch's photos first; its key is declared the same way, so that the tables in code
and in both databases agree.

SQLite changes the table's declaration in place, by the procedure its documentation gives for
changing a foreign key (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table
Schema Changes"): no row is rewritten, which a rebuild of the table would do for every file of the
library, EXIF included.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 18:30:00
"""

import re
from collections.abc import Callable
from typing import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_KEY = "FOREIGN KEY(photo_id) REFERENCES photo (id) ON DELETE CASCADE"
_DEFERRABLE = " DEFERRABLE INITIALLY IMMEDIATE"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE image ALTER CONSTRAINT image_photo_id_fkey DEFERRABLE INITIALLY IMMEDIATE")
    else:
        _declare_in_sqlite(lambda sql: sql.replace(_SQLITE_KEY, _SQLITE_KEY + _DEFERRABLE))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE image ALTER CONSTRAINT image_photo_id_fkey NOT DEFERRABLE")
    else:
        _declare_in_sqlite(lambda sql: sql.replace(_SQLITE_KEY + _DEFERRABLE, _SQLITE_KEY))


def _declare_in_sqlite(change: Callable[[str], str]) -> None:
    """Rewrite the image table's declaration by ``change``, which must alter exactly one key."""
    bind = op.get_bind()
    sql = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'image'").scalar_one()
    changed = change(sql)
    if changed == sql or len(re.findall(re.escape(_SQLITE_KEY), sql)) != 1:
        raise RuntimeError("the image table's key to its photo is not declared as migration 0026 expects")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        bind.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'image'", (changed,))
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
    if bind.exec_driver_sql("PRAGMA integrity_check").scalar_one() != "ok":
        raise RuntimeError("the image table's new declaration failed SQLite's integrity check")
