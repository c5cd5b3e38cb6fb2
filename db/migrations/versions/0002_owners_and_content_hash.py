"""owners and content hashes

Every photo, image and import session gets an owner. The library so far becomes the local owner's
(user 1, no password: the first admin made takes it over). Photos are unique per owner; images
learn their file's content hash.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 17:00:00
"""

from datetime import UTC, datetime
from typing import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCAL_OWNER_ID = 1
# Names for the constraints 0001 left unnamed, so batch mode can find them on SQLite.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
EXPRESSION_INDEXES = ("camera_make", "camera_model", "lens_model")


def upgrade() -> None:
    users = op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.bulk_insert(
        users,
        [{"id": LOCAL_OWNER_ID, "username": "owner", "password_hash": None, "is_admin": True, "created_at": datetime.now(UTC)}],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('app_user', 'id'), 1)")

    # SQLite rebuilds the table in batch mode and cannot keep expression indexes through it.
    for column in EXPRESSION_INDEXES:
        op.drop_index(f"ix_photo_{column}_lower", table_name="photo")

    owner = sa.text(str(LOCAL_OWNER_ID))
    with op.batch_alter_table("import_session") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=False, server_default=owner))
        batch.create_foreign_key("fk_import_session_owner_id_app_user", "app_user", ["owner_id"], ["id"])
        batch.create_index("ix_import_session_owner_id", ["owner_id"], unique=False)
    with op.batch_alter_table("import_session") as batch:
        batch.alter_column("owner_id", server_default=None)

    is_postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("photo", naming_convention=NAMING) as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=False, server_default=owner))
        batch.create_foreign_key("fk_photo_owner_id_app_user", "app_user", ["owner_id"], ["id"])
        batch.drop_constraint("photo_hothash_key" if is_postgres else "uq_photo_hothash", type_="unique")
        batch.create_unique_constraint("uq_photo_owner_hothash", ["owner_id", "hothash"])
        for old in ("ix_photo_taken_at_id", "ix_photo_gps", "ix_photo_rating"):
            batch.drop_index(old)
        batch.create_index("ix_photo_owner_taken_at_id", ["owner_id", "taken_at", "id"], unique=False)
        batch.create_index("ix_photo_owner_gps", ["owner_id", "gps_latitude", "gps_longitude"], unique=False)
        batch.create_index("ix_photo_owner_rating", ["owner_id", "rating"], unique=False)
    with op.batch_alter_table("photo") as batch:
        batch.alter_column("owner_id", server_default=None)
    for column in EXPRESSION_INDEXES:
        op.create_index(f"ix_photo_owner_{column}_lower", "photo", ["owner_id", sa.text(f"lower({column})")])

    with op.batch_alter_table("image") as batch:
        batch.add_column(sa.Column("owner_id", sa.Integer(), nullable=False, server_default=owner))
        batch.add_column(sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.create_foreign_key("fk_image_owner_id_app_user", "app_user", ["owner_id"], ["id"])
        batch.create_index("ix_image_owner_content_hash", ["owner_id", "content_hash"], unique=False)
    with op.batch_alter_table("image") as batch:
        batch.alter_column("owner_id", server_default=None)
    # Images follow their photo's owner (all the local owner's today, but say what is meant).
    op.execute("UPDATE image SET owner_id = (SELECT owner_id FROM photo WHERE photo.id = image.photo_id)")


def downgrade() -> None:
    with op.batch_alter_table("image") as batch:
        batch.drop_index("ix_image_owner_content_hash")
        batch.drop_constraint("fk_image_owner_id_app_user", type_="foreignkey")
        batch.drop_column("content_hash")
        batch.drop_column("owner_id")
    for column in EXPRESSION_INDEXES:
        op.drop_index(f"ix_photo_owner_{column}_lower", table_name="photo")
    with op.batch_alter_table("photo") as batch:
        batch.drop_index("ix_photo_owner_taken_at_id")
        batch.drop_index("ix_photo_owner_gps")
        batch.drop_index("ix_photo_owner_rating")
        batch.drop_constraint("uq_photo_owner_hothash", type_="unique")
        batch.drop_constraint("fk_photo_owner_id_app_user", type_="foreignkey")
        batch.drop_column("owner_id")
        batch.create_unique_constraint("photo_hothash_key", ["hothash"])
        batch.create_index("ix_photo_taken_at_id", ["taken_at", "id"], unique=False)
        batch.create_index("ix_photo_gps", ["gps_latitude", "gps_longitude"], unique=False)
        batch.create_index("ix_photo_rating", ["rating"], unique=False)
    for column in EXPRESSION_INDEXES:
        op.create_index(f"ix_photo_{column}_lower", "photo", [sa.text(f"lower({column})")])
    with op.batch_alter_table("import_session") as batch:
        batch.drop_index("ix_import_session_owner_id")
        batch.drop_constraint("fk_import_session_owner_id_app_user", type_="foreignkey")
        batch.drop_column("owner_id")
    op.drop_table("app_user")
