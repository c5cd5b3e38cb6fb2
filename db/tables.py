"""The SQLModel tables of the library.

Column names are the storage contract that Alembic migrations in ``db/migrations`` create; a change
here needs a new migration (``tests/db/test_migrations.py`` fails until it has one).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, LargeBinary, UniqueConstraint, func
from sqlalchemy.types import JSON
from sqlmodel import Field, SQLModel

from imalink.db.enums import SessionStatus


LOCAL_OWNER_ID = 1
"""The user every library starts with (created by the migrations, without a password): on a
server with no accounts every request acts as this user, and the first admin made takes it over."""


class AppUser(SQLModel, table=True):
    """Someone who owns a library. Photos, images and import sessions each belong to one user."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str | None = None
    """``None``: the user cannot sign in with a password (the local owner before an admin claims it)."""
    is_admin: bool = False
    created_at: datetime


class ImportSession(SQLModel, table=True):
    """One import run: the storage directory the user chose and running totals of what it brought."""

    __tablename__ = "import_session"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    storage_directory: str | None = None
    description: str | None = None
    status: str = Field(default=SessionStatus.IN_PROGRESS, max_length=16)
    started_at: datetime
    completed_at: datetime | None = None
    last_activity_at: datetime | None = None
    """When the session was opened or last received a batch (idle sessions are interrupted)."""
    photos_created: int = 0
    images_created: int = 0
    duplicates_skipped: int = 0
    files_processed: int = 0
    errors_count: int = 0


class Photo(SQLModel, table=True):
    """One photograph, identified by its hothash; the files that show it are its images."""

    __tablename__ = "photo"
    __table_args__ = (
        # A photo is in its owner's library once; another user may import the same picture.
        UniqueConstraint("owner_id", "hothash", name="uq_photo_owner_hothash"),
        # Every listing is one owner's: indexes lead with owner_id so each stays a range scan.
        # The timeline: keyset pagination walks (taken_at, id) in either direction.
        Index("ix_photo_owner_taken_at_id", "owner_id", "taken_at", "id"),
        Index("ix_photo_owner_camera_make_lower", "owner_id", func.lower(Column("camera_make"))),
        Index("ix_photo_owner_camera_model_lower", "owner_id", func.lower(Column("camera_model"))),
        Index("ix_photo_owner_lens_model_lower", "owner_id", func.lower(Column("lens_model"))),
        # Serves both hasGps and bounding boxes (latitude range first).
        Index("ix_photo_owner_gps", "owner_id", "gps_latitude", "gps_longitude"),
        Index("ix_photo_owner_rating", "owner_id", "rating"),
        Index("ix_photo_import_session_id", "import_session_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id")
    hothash: str = Field(max_length=64)
    hotpreview: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    width: int | None = None
    height: int | None = None
    taken_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=False)))
    """Local wall clock of the camera (naive), sub-seconds included: the timeline's sort key."""
    taken_at_subsec: str | None = Field(default=None, max_length=16)
    taken_at_offset: str | None = Field(default=None, max_length=8)
    taken_at_source: str | None = Field(default=None, max_length=32)
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_altitude: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    lens_model: str | None = None
    focal_length: float | None = None
    aperture: float | None = None
    iso: int | None = None
    exposure_time: str | None = Field(default=None, max_length=32)
    orientation: int | None = None
    title: str | None = None
    description: str | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rating: int = 0
    user_rotation: int = 0
    import_session_id: int | None = Field(default=None, foreign_key="import_session.id")
    created_at: datetime
    updated_at: datetime


class PhotoTag(SQLModel, table=True):
    """A photo's tag, lowercased, so that tag filters are indexed lookups rather than JSON scans."""

    __tablename__ = "photo_tag"

    photo_id: int = Field(foreign_key="photo.id", primary_key=True, ondelete="CASCADE")
    tag: str = Field(primary_key=True, index=True)


class Image(SQLModel, table=True):
    """One file of a photo (the JPEG, the RAW), with its raw EXIF bytes exactly as received."""

    __tablename__ = "image"
    __table_args__ = (
        # A photo never gets the same file name twice (case-insensitively), even under races.
        UniqueConstraint("photo_id", "filename_key", name="uq_image_photo_filename"),
        Index("ix_image_import_session_id", "import_session_id"),
        # A file is in its owner's library once: its content hash is its identity (existingFiles
        # and the import look files up by it). Files sent without one (NULL) are not compared.
        Index("uq_image_owner_content_hash", "owner_id", "content_hash", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id")
    """The photo's owner, repeated so that per-owner file keys can be database constraints."""
    photo_id: int = Field(foreign_key="photo.id", ondelete="CASCADE")
    filename: str
    filename_key: str
    """``filename`` lowercased: the identity of a file within its photo."""
    file_size: int | None = Field(default=None, sa_column=Column(BigInteger))
    content_hash: str | None = Field(default=None, max_length=64)
    """Lowercase hex SHA-256 of the file's bytes, when the client sent it."""
    exif_data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    import_session_id: int | None = Field(default=None, foreign_key="import_session.id")
    created_at: datetime


# The Core tables, for the statements of db/queries.py and db/writes.py.
photo_t = Photo.__table__
image_t = Image.__table__
session_t = ImportSession.__table__
tag_t = PhotoTag.__table__
user_t = AppUser.__table__
