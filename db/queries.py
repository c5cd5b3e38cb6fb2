"""Read queries of the library: filtered, keyset-paginated photo pages and batched look-ups.

Every function takes an open SQLAlchemy connection and returns plain rows; callers own the
transaction. Each filter here is backed by an index declared in ``db/tables.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    exists,
    func,
    or_,
    select,
    tuple_,
)

from imalink.db.tables import image_t, photo_t, session_t, tag_t


# Large blobs are fetched only by the look-ups that need them; pages learn just whether they exist.
PHOTO_COLUMNS = [
    *(c for c in photo_t.c if c.name != "hotpreview"),
    photo_t.c.hotpreview.is_not(None).label("has_hotpreview"),
]
IMAGE_COLUMNS = [*(c for c in image_t.c if c.name != "exif_data"), photo_t.c.hothash]

# Stay well below SQLite's and PostgreSQL's bound-parameter limits in IN (...) lists.
IN_CHUNK = 900

class PhotoSort(Enum):
    """Orders of the photo timeline."""

    TAKEN_AT_DESC = "TAKEN_AT_DESC"
    TAKEN_AT_ASC = "TAKEN_AT_ASC"
    CREATED_AT_DESC = "CREATED_AT_DESC"

@dataclass(frozen=True, slots=True)
class BoundingBox:
    """Degrees, inclusive; ``west > east`` crosses the 180th meridian."""

    south: float
    west: float
    north: float
    east: float

@dataclass(frozen=True, slots=True)
class PhotoFilterSpec:
    """Conditions a photo must meet; ``None`` means no condition.

    ``owner_id`` is not optional: every photo query is one owner's library.
    """

    owner_id: int
    taken_after: datetime | None = None
    taken_before: datetime | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    lens_model: str | None = None
    has_gps: bool | None = None
    bbox: BoundingBox | None = None
    tags: tuple[str, ...] = ()
    min_rating: int | None = None
    import_session_id: int | None = None

@dataclass(frozen=True, slots=True)
class PageKey:
    """Where a page starts: the sort key of the last photo of the previous page.

    For the capture-time orders ``taken_at`` is ``None`` once the dated photos are exhausted and
    the walk has moved on to the undated ones, which always come last.
    """

    taken_at: datetime | None
    id: int

@dataclass(slots=True)
class PhotoPage:
    rows: list[Row[Any]] = field(default_factory=list)
    has_next: bool = False

def filter_clauses(spec: PhotoFilterSpec) -> list[ColumnElement[bool]]:
    """SQL conditions for ``spec`` (the one place the contract's filters are defined)."""
    c = photo_t.c
    clauses: list[ColumnElement[bool]] = [c.owner_id == spec.owner_id]
    if spec.taken_after is not None:
        clauses.append(c.taken_at >= spec.taken_after)
    if spec.taken_before is not None:
        clauses.append(c.taken_at < spec.taken_before)
    for column, value in (
        (c.camera_make, spec.camera_make),
        (c.camera_model, spec.camera_model),
        (c.lens_model, spec.lens_model),
    ):
        if value is not None:
            clauses.append(func.lower(column) == value.lower())
    if spec.has_gps is not None:
        # A range rather than IS NOT NULL: planners use the index for a range.
        clauses.append(c.gps_latitude.between(-90, 90) if spec.has_gps else c.gps_latitude.is_(None))
    if spec.bbox is not None:
        box = spec.bbox
        clauses.append(c.gps_latitude.between(box.south, box.north))
        if box.west <= box.east:
            clauses.append(c.gps_longitude.between(box.west, box.east))
        else:
            clauses.append(or_(c.gps_longitude >= box.west, c.gps_longitude <= box.east))
    for tag in dict.fromkeys(t.lower() for t in spec.tags):
        clauses.append(exists().where(tag_t.c.photo_id == c.id, tag_t.c.tag == tag))
    if spec.min_rating is not None:
        clauses.append(c.rating >= spec.min_rating)
    if spec.import_session_id is not None:
        clauses.append(c.import_session_id == spec.import_session_id)
    return clauses

def count_photos(conn: Connection, spec: PhotoFilterSpec) -> int:
    """How many photos match ``spec``."""
    return conn.execute(select(func.count()).select_from(photo_t).where(*filter_clauses(spec))).scalar_one()

def page_photos(
    conn: Connection, spec: PhotoFilterSpec, sort: PhotoSort, after: PageKey | None, limit: int
) -> PhotoPage:
    """Up to ``limit`` photos after ``after`` in ``sort`` order, never using OFFSET.

    Capture-time orders walk the dated photos on the (taken_at, id) index first and then the
    undated ones by id, so both directions put undated photos last and stay index-only.
    """
    where = filter_clauses(spec)
    c = photo_t.c
    if sort is PhotoSort.CREATED_AT_DESC:
        keyset = [c.id < after.id] if after else []
        rows = _fetch(conn, select(*PHOTO_COLUMNS).where(*where, *keyset).order_by(c.id.desc()), limit + 1)
        return PhotoPage(rows[:limit], len(rows) > limit)

    descending = sort is PhotoSort.TAKEN_AT_DESC
    rows: list[Row[Any]] = []
    if after is None or after.taken_at is not None:
        if after is None:
            keyset: list[ColumnElement[bool]] = []
        elif descending:
            keyset = [tuple_(c.taken_at, c.id) < tuple_(after.taken_at, after.id)]
        else:
            keyset = [tuple_(c.taken_at, c.id) > tuple_(after.taken_at, after.id)]
        order = [c.taken_at.desc(), c.id.desc()] if descending else [c.taken_at.asc(), c.id.asc()]
        query = select(*PHOTO_COLUMNS).where(*where, c.taken_at.is_not(None), *keyset).order_by(*order)
        rows = _fetch(conn, query, limit + 1)
        if len(rows) > limit:
            return PhotoPage(rows[:limit], True)
        after = None  # the undated photos follow from their start

    undated_keyset = []
    if after is not None:
        undated_keyset = [c.id < after.id] if descending else [c.id > after.id]
    order_id = c.id.desc() if descending else c.id.asc()
    query = select(*PHOTO_COLUMNS).where(*where, c.taken_at.is_(None), *undated_keyset).order_by(order_id)
    rows += _fetch(conn, query, limit + 1 - len(rows))
    return PhotoPage(rows[:limit], len(rows) > limit)

def _fetch(conn: Connection, query: Select[Any], limit: int) -> list[Row[Any]]:
    return list(conn.execute(query.limit(limit)).all())

def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]

def photos_by_ids(conn: Connection, owner_id: int, ids: Sequence[int]) -> dict[int, Row[Any]]:
    """The owner's photo rows (without the hotpreview) by id."""
    found: dict[int, Row[Any]] = {}
    for chunk in _chunks(ids):
        query = select(*PHOTO_COLUMNS).where(photo_t.c.owner_id == owner_id, photo_t.c.id.in_(chunk))
        for row in conn.execute(query):
            found[row.id] = row
    return found

def photos_by_hothashes(conn: Connection, owner_id: int, hothashes: Sequence[str]) -> dict[str, Row[Any]]:
    """The owner's photo rows (without the hotpreview) by hothash."""
    found: dict[str, Row[Any]] = {}
    for chunk in _chunks(hothashes):
        query = select(*PHOTO_COLUMNS).where(photo_t.c.owner_id == owner_id, photo_t.c.hothash.in_(chunk))
        for row in conn.execute(query):
            found[row.hothash] = row
    return found

def existing_hothashes(conn: Connection, owner_id: int, hothashes: Sequence[str]) -> set[str]:
    """The subset of ``hothashes`` the owner's library has."""
    found: set[str] = set()
    for chunk in _chunks(hothashes):
        query = select(photo_t.c.hothash).where(photo_t.c.owner_id == owner_id, photo_t.c.hothash.in_(chunk))
        found.update(conn.execute(query).scalars())
    return found


@dataclass(frozen=True, slots=True)
class PhotoFiles:
    """One of the owner's photos and its files (``filename``, ``filename_key``, ``content_hash``), in the order they arrived."""

    id: int
    hothash: str
    files: list[Row[Any]]


def photo_files(
    conn: Connection, owner_id: int, hothashes: Sequence[str], content_hashes: Sequence[str] = ()
) -> list[PhotoFiles]:
    """The owner's photos named by one of ``hothashes`` or holding a file among ``content_hashes``, with all their files."""
    c = photo_t.c
    wanted = [c.hothash.in_(chunk) for chunk in _chunks(hothashes)]
    for chunk in _chunks(content_hashes):
        holding = select(image_t.c.photo_id).where(image_t.c.owner_id == owner_id, image_t.c.content_hash.in_(chunk))
        wanted.append(c.id.in_(holding))
    found: dict[int, PhotoFiles] = {}
    for condition in wanted:
        earlier = set(found)  # each query brings every file of the photos it finds
        query = (
            select(c.id, c.hothash, image_t.c.filename, image_t.c.filename_key, image_t.c.content_hash)
            .select_from(photo_t)
            .outerjoin(image_t, image_t.c.photo_id == c.id)
            .where(c.owner_id == owner_id, condition)
            .order_by(image_t.c.id)
        )
        for row in conn.execute(query):
            if row.id in earlier:
                continue
            photo = found.setdefault(row.id, PhotoFiles(row.id, row.hothash, []))
            if row.filename is not None:
                photo.files.append(row)
    return list(found.values())


def files_by_content_hash(conn: Connection, owner_id: int, content_hashes: Sequence[str]) -> dict[str, Row[Any]]:
    """Each of the owner's files among ``content_hashes``: its file name and its photo's id and hothash."""
    found: dict[str, Row[Any]] = {}
    for chunk in _chunks(content_hashes):
        query = (
            select(image_t.c.content_hash, image_t.c.filename, image_t.c.photo_id, photo_t.c.hothash)
            .join(photo_t, photo_t.c.id == image_t.c.photo_id)
            .where(image_t.c.owner_id == owner_id, image_t.c.content_hash.in_(chunk))
            .order_by(image_t.c.id)
        )
        for row in conn.execute(query):
            found.setdefault(row.content_hash, row)
    return found


def hotpreviews_by_photo_ids(conn: Connection, owner_id: int, ids: Sequence[int]) -> dict[int, bytes | None]:
    """Hotpreview bytes of the owner's photos by photo id."""
    found: dict[int, bytes | None] = {}
    for chunk in _chunks(ids):
        query = select(photo_t.c.id, photo_t.c.hotpreview).where(photo_t.c.owner_id == owner_id, photo_t.c.id.in_(chunk))
        found.update((row.id, row.hotpreview) for row in conn.execute(query))
    return found

def hotpreview_by_hothash(conn: Connection, owner_id: int, hothash: str) -> bytes | None:
    """The hotpreview of one of the owner's photos, or ``None`` when the photo or its preview is unknown."""
    query = select(photo_t.c.hotpreview).where(photo_t.c.owner_id == owner_id, photo_t.c.hothash == hothash)
    return conn.execute(query).scalar_one_or_none()

def images_by_photo_ids(conn: Connection, owner_id: int, photo_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """The owner's image rows (without EXIF bytes) grouped by photo id, in the order they were added."""
    found: dict[int, list[Row[Any]]] = {photo_id: [] for photo_id in photo_ids}
    for chunk in _chunks(photo_ids):
        query = (
            select(*IMAGE_COLUMNS)
            .join(photo_t, photo_t.c.id == image_t.c.photo_id)
            .where(image_t.c.owner_id == owner_id, image_t.c.photo_id.in_(chunk))
            .order_by(image_t.c.id)
        )
        for row in conn.execute(query):
            found[row.photo_id].append(row)
    return found

def exif_by_image_ids(conn: Connection, owner_id: int, image_ids: Sequence[int]) -> dict[int, bytes | None]:
    """Raw EXIF bytes of the owner's images by image id."""
    found: dict[int, bytes | None] = {}
    for chunk in _chunks(image_ids):
        query = select(image_t.c.id, image_t.c.exif_data).where(image_t.c.owner_id == owner_id, image_t.c.id.in_(chunk))
        found.update((row.id, row.exif_data) for row in conn.execute(query))
    return found

def sessions_by_ids(conn: Connection, owner_id: int, ids: Sequence[int]) -> dict[int, Row[Any]]:
    """The owner's import session rows by id."""
    found: dict[int, Row[Any]] = {}
    for chunk in _chunks(ids):
        query = select(session_t).where(session_t.c.owner_id == owner_id, session_t.c.id.in_(chunk))
        for row in conn.execute(query):
            found[row.id] = row
    return found

def page_sessions(conn: Connection, owner_id: int, after_id: int | None, limit: int) -> PhotoPage:
    """The owner's import sessions, newest first, keyset on id."""
    keyset = [session_t.c.owner_id == owner_id]
    if after_id is not None:
        keyset.append(session_t.c.id < after_id)
    rows = _fetch(conn, select(session_t).where(*keyset).order_by(session_t.c.id.desc()), limit + 1)
    return PhotoPage(rows[:limit], len(rows) > limit)

def count_sessions(conn: Connection, owner_id: int) -> int:
    """How many import sessions the owner has."""
    query = select(func.count()).select_from(session_t).where(session_t.c.owner_id == owner_id)
    return conn.execute(query).scalar_one()

def first_photos_per_session(
    conn: Connection, owner_id: int, session_ids: Sequence[int], limit: int
) -> dict[int, PhotoPage]:
    """The first ``limit`` photos of each session (newest capture first, undated last), one query.

    A window over the import-session index serves every session of a page at once, so a list of
    sessions with their photos costs the same number of statements however long it is.
    """
    c = photo_t.c
    rank = (
        func.row_number()
        .over(partition_by=c.import_session_id, order_by=[c.taken_at.is_(None), c.taken_at.desc(), c.id.desc()])
        .label("rank")
    )
    ranked = (
        select(*PHOTO_COLUMNS, rank)
        .where(c.owner_id == owner_id, c.import_session_id.in_(list(session_ids)))
        .subquery()
    )
    query = select(ranked).where(ranked.c.rank <= limit + 1).order_by(ranked.c.import_session_id, ranked.c.rank)
    pages = {session_id: PhotoPage() for session_id in session_ids}
    for row in conn.execute(query):
        page = pages[row.import_session_id]
        if row.rank <= limit:
            page.rows.append(row)
        else:
            page.has_next = True
    return pages


def photo_counts_per_session(conn: Connection, owner_id: int, session_ids: Sequence[int]) -> dict[int, int]:
    """How many photos each of the owner's sessions created."""
    c = photo_t.c
    query = select(c.import_session_id, func.count()).where(
        c.owner_id == owner_id, c.import_session_id.in_(list(session_ids))
    )
    counts = dict.fromkeys(session_ids, 0)
    counts.update((session_id, count) for session_id, count in conn.execute(query.group_by(c.import_session_id)))
    return counts
