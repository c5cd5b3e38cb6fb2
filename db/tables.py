"""The SQLModel tables of the library.

Column names are the storage contract that Alembic migrations in ``db/migrations`` create; a change
here needs a new migration (``tests/db/test_migrations.py`` fails until it has one).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, UniqueConstraint, func, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Field, SQLModel

from imalink.db.enums import SessionStatus
from imalink.db.geo import REGION_SHIFT


class capture_day(FunctionElement[date]):
    """The local calendar day of a capture time, as the timeline indexes store it.

    SQLite keeps ``taken_at`` as text, so its day is the first ten characters; PostgreSQL casts
    the timestamp. Both render without bound parameters, so a query's expression is the index's.
    """

    type = Date()
    name = "capture_day"
    inherit_cache = True


@compiles(capture_day, "sqlite")
def _capture_day_sqlite(element: capture_day, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"


@compiles(capture_day, "postgresql")
def _capture_day_postgresql(element: capture_day, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


class phash_band(FunctionElement[int]):
    """One 16-bit band of a perceptual fingerprint (db/lookalikes.py): ``phash_band(phash, 0)`` is
    its top 16 bits. Rendered with literal numbers, so a query's expression is its index's."""

    type = Integer()
    name = "phash_band"
    inherit_cache = True

    def __init__(self, column: Any, band: int) -> None:
        self.band = band
        super().__init__(column)


@compiles(phash_band)
def _phash_band(element: phash_band, compiler: Any, **kw: Any) -> str:
    # Both SQLite and PostgreSQL shift a negative BIGINT arithmetically; the mask keeps 16 bits.
    return f"(({compiler.process(element.clauses, **kw)} >> {16 * (3 - element.band)}) & 65535)"


class geo_region(FunctionElement[int]):
    """The map region of a ``geo_cell`` (db/geo.py ``REGION_LEVEL``), rendered with a literal
    shift so that a query's expression is its index's."""

    type = Integer()
    name = "geo_region"
    inherit_cache = True


@compiles(geo_region)
def _geo_region(element: geo_region, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} >> {REGION_SHIFT})"


def timeline_key() -> tuple[Any, ...]:
    """The timeline's order, which keyset indexes end with."""
    return capture_day(Column("taken_at")), "taken_at", "id"


CARRIED = (
    "gps_latitude", "gps_longitude", "rating", "favorite", "iso", "aperture", "focal_length",
    "camera_make", "camera_model", "lens_model",
)
"""What filters test and facets count, carried at the end of the indexes that pages and aggregates
walk: a condition is checked, a bucket, cluster or facet counted from the index alone. On SQLite a
photo row is a page or more (its hotpreview), so one read of a row costs what a few hundred index
entries do: at 1,000,000 photos the facets under ``hasGps`` took 8.5 s reading rows."""


BY_ID_INDEX = "ix_photo_id_carried"
"""Photos by id with their owner, capture time and ``CARRIED``."""


def carried(*leading: str) -> tuple[str, ...]:
    """``CARRIED`` without the columns an index already leads with."""
    return tuple(name for name in CARRIED if name not in leading)

def sha256_hex_type() -> String:
    """A lowercase hex SHA-256 (hothash, content hash): compared byte by byte on both databases.
    PostgreSQL's database collation (C.UTF-8 here; en_US elsewhere) compares text through strcoll,
    a copy of both strings per comparison; "C" is a memcmp, in the same order for hex digits. The
    pre-check probes 10,000 of them at a time (at 100,000 photos, in the backend, fastest of 15:
    existingFiles' probes 60 -> 43 ms, existingHothashes' 63 -> 36; migration 0020). SQLite's
    BINARY already is."""
    return String(64).with_variant(String(64, collation="C"), "postgresql")


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


class AuthSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of its cookie's secret is kept: a copy of the
    database signs nobody in."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    secret_hash: str = Field(max_length=64, unique=True)
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime


class ApiToken(SQLModel, table=True):
    """A user's key for scripts and the importer: scopes, and the SHA-256 of its secret (the
    secret itself is shown once, when it is made). Revoking deletes the row."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    name: str = Field(max_length=100)
    secret_hash: str = Field(max_length=64, unique=True)
    scopes: str = Field(max_length=64)
    """Comma-separated scope names (``read,import``)."""
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


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
        # The key carries the photo's id, so a photo is found by hothash from the index alone
        # (existingPhotos); SQLite's key holds the row id anyway.
        UniqueConstraint("owner_id", "hothash", name="uq_photo_owner_hothash", postgresql_include=["id"]),
        # Every listing is one owner's: indexes lead with owner_id so each stays a range scan.
        # The timeline walks (day, taken_at, id) in either direction: the day first, so timeline
        # buckets are counted in index order without sorting; what filters test rides along
        # (CARRIED), so a filter is checked (and its buckets counted) without reading photo rows.
        Index("ix_photo_owner_timeline", "owner_id", *timeline_key(), *CARRIED),
        # Keyset indexes per equality filter: the filter's photos in timeline order at any
        # selectivity (a camera with ten photos in a million, or half the library), their
        # buckets and their facet counts from the index alone. A facet reads its own index whole
        # (counted in order, no sort) checking the filter on the carried columns. The column
        # itself comes first of those: SQLite (before 3.41) and PostgreSQL read an expression
        # from an index alone only when the index holds the column it is computed from.
        *(
            Index(f"ix_photo_owner_{name}_lower", "owner_id", func.lower(Column(name)), *timeline_key(), name, *carried(name))
            for name in ("camera_make", "camera_model", "lens_model")
        ),
        Index("ix_photo_owner_rating", "owner_id", "rating", *timeline_key(), *carried("rating")),
        Index("ix_photo_owner_favorite", "owner_id", "favorite", *timeline_key(), *carried("favorite")),
        Index("ix_photo_owner_session", "owner_id", "import_session_id", *timeline_key()),
        # Range filters: the few matches of a selective range are found here. ISO values are few
        # (standard stops): each value's photos are a stretch in timeline order, which a page
        # under one ISO value walks (the timeline and facets under a range alone are kept per
        # value, db/range_counts.py). What filters test rides along, as on the rating index: an
        # ISO range with another condition (aperture) is read as its values' stretches from the
        # index alone, a quarter of a library where the timeline index is the whole.
        Index("ix_photo_owner_iso", "owner_id", "iso", *timeline_key(), *carried("iso")),
        Index("ix_photo_owner_aperture", "owner_id", "aperture"),
        Index("ix_photo_owner_focal_length", "owner_id", "focal_length"),
        # hasGps and bounding boxes (latitude range first).
        Index("ix_photo_owner_gps", "owner_id", "gps_latitude", "gps_longitude"),
        # Timelines under a box: each region's positioned photos in timeline order, counted per
        # day region by region as they stream (db/browse.py); a third of a library, so partial.
        # The cell itself rides along: the region is computed from it in the index alone.
        Index(
            "ix_photo_owner_geo_region", "owner_id", geo_region(Column("geo_cell")), *timeline_key(), "gps_latitude", "gps_longitude",
            "geo_cell", sqlite_where=text("geo_cell IS NOT NULL"), postgresql_where=text("geo_cell IS NOT NULL"),
        ),
        # Map clusters: any map cell's photos are one range of geo_cell (db/geo.py), counted
        # under any filter but tags and text from the index alone.
        Index(
            "ix_photo_owner_geo", "owner_id", "geo_cell", "gps_latitude", "gps_longitude", "id", "taken_at",
            *carried("gps_latitude", "gps_longitude"),
        ),
        # Look-alikes: photos sharing a band of the fingerprint, index only (db/lookalikes.py).
        *(Index(f"ix_photo_owner_phash_band{band}", "owner_id", phash_band(Column("phash"), band), "phash", "id")
          for band in range(4)),
        # A photo's hothash by id from the index alone: existingFiles names each found file's photo
        # by hothash without reading photo rows, which sit among hotpreviews (db/queries.py).
        Index("ix_photo_id_hothash", "id", "hothash"),
        # What filters test, by id: the matches a tag or a text search finds (by id) are checked
        # against the other conditions and sorted by time without reading their rows (db/plans.py).
        Index(BY_ID_INDEX, "id", "owner_id", "taken_at", *CARRIED),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id")
    hothash: str = Field(sa_column=Column(sha256_hex_type(), nullable=False))
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
    geo_cell: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    """The position's cell on the map quadtree (db/geo.py), kept by db/writes.py with the position."""
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
    rating: int = 0
    favorite: bool = False
    """Set by the user (a heart in the web app)."""
    user_rotation: int = 0
    import_session_id: int | None = Field(default=None, foreign_key="import_session.id")
    created_at: datetime
    updated_at: datetime
    phash: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    """Perceptual fingerprint of the hotpreview (db/lookalikes.py), written with it; null without
    a decodable hotpreview, or until ``imalink fingerprints backfill`` for photos from before."""
    search_text: str | None = None
    """What text search looks in (title, description, tags, file names), lowercased: see db/search.py.
    SQLite indexes it in the FTS5 table ``photo_search``, PostgreSQL with a trigram GIN index."""
    hotpreview: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    """Last on purpose: SQLite keeps a row's bytes in order and spills a large value to overflow
    pages, so every column after a blob costs a walk through those pages to read."""


class PhotoTag(SQLModel, table=True):
    """A photo's tag: the one place tags are stored.

    ``tag`` keeps the spelling the user gave; ``tag_key`` (lowercased) is what tags are compared,
    filtered and counted by, so "Norway" and "norway" are one tag shown as it was written.
    """

    __tablename__ = "photo_tag"
    __table_args__ = (
        # A tag filter, a tag facet: the owner's photos carrying one tag, and each key's
        # spellings (the facet shows the least), index only.
        Index("ix_photo_tag_owner_key", "owner_id", "tag_key", "photo_id", "tag"),
    )

    photo_id: int = Field(foreign_key="photo.id", primary_key=True, ondelete="CASCADE")
    tag_key: str = Field(primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id")
    """The photo's owner, repeated so that tag look-ups and counts stay within one library."""
    tag: str
    position: int = 0
    """Where the tag stands in the photo's list (the order the user gave)."""


class PhotoDay(SQLModel, table=True):
    """How many of an owner's photos were taken on one local calendar day (db/counts.py).

    Kept by triggers on ``photo``, in the transaction of every write: the whole library's
    timeline is read from here instead of counting every photo.
    """

    __tablename__ = "photo_day"

    owner_id: int = Field(foreign_key="app_user.id", primary_key=True)
    day: date = Field(primary_key=True)
    photos: int


class PhotoFacet(SQLModel, table=True):
    """How many of an owner's photos have one camera make, model, lens or rating (db/counts.py).

    Kept by triggers on ``photo`` like ``photo_day``: the filter menus of the whole library are
    read from here. ``key`` is what the filters compare (text lowercased), ``value`` a spelling
    photos use.
    """

    __tablename__ = "photo_facet"

    owner_id: int = Field(foreign_key="app_user.id", primary_key=True)
    facet: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True)
    value: str
    photos: int


class PhotoRangeFacet(SQLModel, table=True):
    """How many of an owner's photos with one value of a range filter's column (ISO, aperture,
    focal length, rating) have one camera make, model, lens, rating, capture year or tag
    (db/range_counts.py): the filter menus under a range are sums of these rows.

    Kept by triggers on ``photo`` and ``photo_tag`` like ``photo_facet``; ``key`` and ``value`` as there.
    """

    __tablename__ = "photo_range_facet"

    owner_id: int = Field(foreign_key="app_user.id", primary_key=True)
    by_column: str = Field(primary_key=True, max_length=16)
    facet: str = Field(primary_key=True, max_length=16)
    at_value: float = Field(primary_key=True)
    key: str = Field(primary_key=True)
    value: str
    photos: int


class PhotoCell(SQLModel, table=True):
    """An owner's positioned photos inside one map cell of ``geo.KEPT_LEVEL`` (db/counts.py): how
    many, where on average, their bounds and the newest of them.

    Kept by triggers on ``photo`` like ``photo_facet``, for the whole library (``facet`` and
    ``key`` empty) and per camera make, model, lens and rating (``key`` as in ``photo_facet``):
    the map of the world, or of a large part of it, under no filter or one of those, sums a few
    hundred of these rows instead of reading every positioned photo (db/browse.py). Adding a
    photo widens the bounds; taking one away that lay on them (or was the newest) leaves them
    unknown (``photo_id`` null) and the cell is counted from the photos again when asked.
    """

    __tablename__ = "photo_cell"

    owner_id: int = Field(foreign_key="app_user.id", primary_key=True)
    facet: str = Field(primary_key=True, max_length=16)
    key: str = Field(primary_key=True)
    cell: int = Field(sa_column=Column(BigInteger, primary_key=True))
    """``photo.geo_cell >> geo.KEPT_SHIFT``."""
    photos: int
    latitude_sum: float
    longitude_sum: float
    south: float | None = None
    west: float | None = None
    north: float | None = None
    east: float | None = None
    photo_id: int | None = None
    """The newest photo (highest id); null with the bounds when a photo taken away may have set them."""


class LibraryVersion(SQLModel, table=True):
    """A number raised by triggers on every write to an owner's photos or tags (db/changes.py):
    what is kept between requests is used only while its library's version is unchanged."""

    __tablename__ = "library_version"

    owner_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    """Goes with its owner: it outlives the photos, whose deletion raised it."""
    version: int = Field(sa_column=Column(BigInteger, nullable=False))


class PhotoChange(SQLModel, table=True):
    """A photo a version of its library wrote (inserted, updated, deleted, or one of its tags),
    logged by the same triggers (db/changes.py): what was kept at an older version is brought up
    to date from these photos alone."""

    __tablename__ = "photo_change"

    owner_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    version: int = Field(sa_column=Column(BigInteger, primary_key=True))
    photo_id: int = Field(primary_key=True)
    """No foreign key: a deleted photo is logged too."""


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
        # The pre-check answered from indexes alone (image rows sit among EXIF bytes): a file's
        # photo and name by content hash (existingFiles), a photo's file names in the order they
        # arrived (existingPhotos). The unique key above stays as it is: it is the constraint.
        Index("ix_image_owner_content_hash_file", "owner_id", "content_hash", "photo_id", "filename"),
        Index("ix_image_photo_files", "photo_id", "id", "filename"),
        # Files stored without a content hash (imported before clients sent one), by name: the
        # import recognises them when they come back with one (resolvers/imports/plan.py). Partial,
        # so a library whose files all have their hash pays nothing for it.
        Index(
            "ix_image_owner_unhashed_name",
            "owner_id",
            "filename_key",
            sqlite_where=text("content_hash IS NULL"),
            postgresql_where=text("content_hash IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id")
    """The photo's owner, repeated so that per-owner file keys can be database constraints."""
    photo_id: int = Field(
        sa_column=Column(
            ForeignKey("photo.id", ondelete="CASCADE", deferrable=True, initially="IMMEDIATE"), nullable=False
        )
    )
    """Checked at once, but a batch's import may check it at its commit: PostgreSQL copies the files
    before their photos are written (db/writes.py ``images_copied_meanwhile``)."""
    filename: str
    filename_key: str
    """``filename`` lowercased: the identity of a file within its photo."""
    file_size: int | None = Field(default=None, sa_column=Column(BigInteger))
    content_hash: str | None = Field(default=None, sa_column=Column(sha256_hex_type(), nullable=True))
    """Lowercase hex SHA-256 of the file's bytes, when the client sent it."""
    exif_data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    import_session_id: int | None = Field(default=None, foreign_key="import_session.id")
    created_at: datetime


class PhotoLookalike(SQLModel, table=True):
    """Two of an owner's photos whose fingerprints are within ``lookalikes.MAX_DISTANCE``: likely
    the same picture (re-encoded, resized, edited, its RAW and JPEG imported apart). Kept when a
    photo gets its fingerprint; ``photo_id < other_id``; gone with either photo."""

    __tablename__ = "photo_lookalike"
    __table_args__ = (
        # A library's clusters read its pairs alone, nearest first.
        Index("ix_photo_lookalike_owner", "owner_id", "distance", "photo_id", "other_id"),
        Index("ix_photo_lookalike_other", "other_id", "distance", "photo_id"),
    )

    photo_id: int = Field(foreign_key="photo.id", primary_key=True, ondelete="CASCADE")
    other_id: int = Field(foreign_key="photo.id", primary_key=True, ondelete="CASCADE")
    owner_id: int = Field(foreign_key="app_user.id")
    distance: int = Field(sa_column=Column(SmallInteger, nullable=False))
    """Hamming distance of the two fingerprints (0-64)."""


# The Core tables, for the statements of db/queries.py and db/writes.py.
photo_t = Photo.__table__
image_t = Image.__table__
session_t = ImportSession.__table__
tag_t = PhotoTag.__table__
user_t = AppUser.__table__
auth_session_t = AuthSession.__table__
api_token_t = ApiToken.__table__
day_t = PhotoDay.__table__
facet_t = PhotoFacet.__table__
range_facet_t = PhotoRangeFacet.__table__
photo_cell_t = PhotoCell.__table__
library_version_t = LibraryVersion.__table__
photo_change_t = PhotoChange.__table__
lookalike_t = PhotoLookalike.__table__

CARRYING_INDEXES = frozenset(
    index.name for index in photo_t.indexes if {"owner_id", "taken_at", *CARRIED} <= {column.name for column in index.columns}
)
"""The photo indexes that hold the owner, capture time and ``CARRIED``: a query reading one tests
any filter and sorts by time without reading photo rows."""

COUNTING_BATCH = "counting_batch"
"""SQLite: a table that holds a row only while a writer counts its own new photos together
(db/counts.py ``counted_together``): the photo insert triggers of the counts skip them meanwhile.
It never commits a row. Made with those triggers (``SQLITE_COUNTING_BATCH``), outside the metadata:
a migration at any revision may create them."""
SQLITE_COUNTING_BATCH = f"CREATE TABLE IF NOT EXISTS {COUNTING_BATCH} (writer INTEGER PRIMARY KEY)"
SQLITE_UNLESS_COUNTING_BATCH = f"WHEN NOT EXISTS (SELECT 1 FROM {COUNTING_BATCH})"
"""The WHEN of the photo insert triggers of the counts (SQLite)."""
