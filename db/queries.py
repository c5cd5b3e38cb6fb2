"""Read queries of the library: batched look-ups by id, hothash and content hash; session pages.

Every function takes an open SQLAlchemy connection and returns plain rows; callers own the
transaction. Filtered photo pages are db/plans.py's; browsing aggregates (timeline, map, facets)
live in db/browse.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from sqlalchemy import ARRAY, ColumnElement, Connection, Integer, Join, Row, Select, String, bindparam, func, select, true

from imalink.db.engine import OuterLoopJoin
from imalink.db.filters import BoundingBox, PhotoFilterSpec, Range, filter_clauses
from imalink.db.plans import PHOTO_COLUMNS, PageKey, PhotoPage, PhotoSort
from imalink.db.tables import image_t, photo_t, session_t, tag_t


IMAGE_COLUMNS = [*(c for c in image_t.c if c.name != "exif_data"), photo_t.c.hothash]

# Stay well below SQLite's and PostgreSQL's bound-parameter limits in IN (...) lists.
IN_CHUNK = 900


def chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """``values`` in slices short enough for one IN (...) list."""
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]

def only_asked(
    conn: Connection,
    query: Select[Any],
    from_: Any,
    column_: Any,
    values: Sequence[str] | Sequence[int] | None,
    key: str | None = None,
    ids: bool = False,
) -> Select[Any]:
    """``query`` read from ``from_`` (a table, or a join starting at ``column_``'s table), narrowed
    to the rows whose ``column_`` is one of ``values`` (10,000 at a time), each value one probe
    of ``column_``'s index.

    SQLite: the distinct values sorted, as the outer loop of a ``CROSS JOIN`` (SQLite keeps a
    cross join's left side outside), so each probe finds the pages the one before read still
    cached. Never a plain join: it leaves the loop order to the planner, and without statistics
    (a library under ``maintenance.MIN_ROWS`` photos is never analyzed) SQLite put the JSON list
    inside the loop, read once per file (10,000 content hashes at 900 photos: 8.4 s). Sorted here
    rather than by ``IN (SELECT value FROM json_each(?))``, which sorts them into a temporary
    index first: 10,000 hashes at 100,000 photos 24 -> 12 ms (existingHothashes), 47 -> 26 ms
    (existingPhotos) of CPU for the statement (benchmarks/precheck_bench.py).

    PostgreSQL: a join, as the array's length tells it how many are asked and it chooses between
    probes and merging the sorted hashes with the owner's key (at 100,000 photos, cheaper). Of an
    ``IN`` it guesses 200 values and always hashes them and probes (existingHothashes at 100,000
    photos: 179 CPU ms so, 136 joined; benchmarks/precheck_bench.py). Sorted too: its probes
    follow the array's order (10,000 hashes among 1,000,000 keys: 215 -> 148 ms, load 8).

    With ``key`` and no ``values``, the list is a parameter of that name, given at execution
    (:func:`asked_parameter`): a statement built once for many executions (``ids`` when it will
    hold integers).
    """
    # str order is the keys' order for hex (SQLite's BINARY, "C")
    asked = asked_table(conn, sorted(set(values)) if values is not None else None, ids=ids, key=key)
    if conn.dialect.name == "postgresql":
        # OFFSET 0: a fence, so that the subquery stays a probe per hash; flattened into a join,
        # it was hashed or merged with all the owner's photos at 100,000 (existingPhotos 164 -> 124 ms).
        found = query.select_from(from_).where(column_ == asked.c.value).offset(0).lateral("found")
        return select(*found.c).select_from(asked).join(found, true())
    return query.select_from(_asked_first(asked, from_, column_ == asked.c.value))


def joined_to_asked(conn: Connection, asked: Any, from_: Any, onclause: ColumnElement[bool]) -> Any:
    """``asked`` (a list as a table, :func:`asked_table`) joined to ``from_`` on ``onclause``, each
    value one probe of ``from_``'s index: on SQLite the list stays the outer loop (see
    :func:`only_asked`), on PostgreSQL the planner, told the list's length, chooses."""
    if conn.dialect.name == "postgresql":
        return asked.join(from_, onclause)
    return _asked_first(asked, from_, onclause)


def _asked_first(asked: Any, from_: Any, onclause: ColumnElement[bool]) -> Any:
    """``asked CROSS JOIN`` the first table of ``from_``, then ``from_``'s own joins in their order."""
    if isinstance(from_, Join):
        return Join(_asked_first(asked, from_.left, onclause), from_.right, from_.onclause, isouter=from_.isouter)
    return OuterLoopJoin(asked, from_, onclause)


_built: dict[tuple[str, str], Any] = {}


def built_once(conn: Connection, name: str, build: Callable[[Connection], Any]) -> Any:
    """The statement ``build`` makes for ``conn``'s kind of database, built on first use and kept:
    its values are bound parameters given at execution (``owner_id``, lists by :func:`only_asked`'s
    ``key``). A batch's look-ups built anew each time cost the server more CPU than the database
    took to answer them (SQLAlchemy's statement objects and cache keys: the look-alike probes 2.9
    ms a batch against 0.3)."""
    key = (conn.dialect.name, name)
    if (statement := _built.get(key)) is None:
        statement = _built[key] = build(conn)
    return statement


def plain_rows(conn: Connection, query: Any, parameters: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """All rows of ``query`` as the driver's own tuples, for columns the driver already gives as
    Python values (text, integers). The pre-check's 5,000-7,500 rows: a SQLAlchemy Row for each cost
    2-5 ms of 32-34 (the look-ups of 10,000 hashes at 100,000 photos, in-process CPU, best of 9)."""
    result = conn.execute(query, parameters)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def asked_table(conn: Connection, values: Sequence[str] | Sequence[int] | None, ids: bool = False, key: str | None = None) -> Any:
    """``values`` (text, or with ``ids`` integers, an empty list too) as a table of one column,
    ``value``, bound as one parameter: an array's ``unnest`` on PostgreSQL, a JSON array's
    ``json_each`` on SQLite (cheaper for SQLite than parsing 10,000 bound parameters). PostgreSQL
    plans ``= ANY`` of 10,000 constants by estimating each of them (16-60 ms of planning at a
    million photos); an ``unnest`` is planned once.

    With ``key`` (and ``values`` ``None``) the parameter is named ``key`` and given at execution,
    as :func:`asked_parameter` makes it.
    """
    ids = ids or bool(values and type(values[0]) is int)
    value = asked_parameter(conn, values) if values is not None else None
    if conn.dialect.name == "postgresql":
        array = func.unnest(bindparam(key or "asked", value, type_=ARRAY(Integer if ids else String), unique=key is None))
        return array.table_valued("value").render_derived(name="asked")
    return func.json_each(bindparam(key or "asked", value, unique=key is None)).table_valued("value").alias("asked")


def asked_parameter(conn: Connection, values: Sequence[str] | Sequence[int]) -> Any:
    """``values`` as :func:`asked_table`'s parameter: a list on PostgreSQL, JSON text on SQLite."""
    if conn.dialect.name == "postgresql":
        return list(values)
    # orjson: 10,000 hashes in 0.05 ms against json's 1.8 (text, as SQLite reads a blob as JSONB).
    return orjson.dumps(list(values)).decode()


def photos_by_ids(conn: Connection, owner_id: int, ids: Sequence[int]) -> dict[int, Row[Any]]:
    """The owner's photo rows (without the hotpreview) by id."""
    found: dict[int, Row[Any]] = {}
    for chunk in chunks(ids):
        query = select(*PHOTO_COLUMNS).where(photo_t.c.owner_id == owner_id, photo_t.c.id.in_(chunk))
        for row in conn.execute(query):
            found[row.id] = row
    return found

def photos_by_hothashes(conn: Connection, owner_id: int, hothashes: Sequence[str]) -> dict[str, Row[Any]]:
    """The owner's photo rows (without the hotpreview) by hothash."""
    found: dict[str, Row[Any]] = {}
    for chunk in chunks(hothashes):
        query = select(*PHOTO_COLUMNS).where(photo_t.c.owner_id == owner_id, photo_t.c.hothash.in_(chunk))
        for row in conn.execute(query):
            found[row.hothash] = row
    return found

def existing_hothashes(conn: Connection, owner_id: int, hothashes: Sequence[str]) -> set[str]:
    """The subset of ``hothashes`` the owner's library has (from the key (owner, hothash) alone)."""
    if not hothashes:
        return set()
    query = select(photo_t.c.hothash).where(photo_t.c.owner_id == owner_id)
    query = only_asked(conn, query, photo_t, photo_t.c.hothash, hothashes)
    return {hothash for hothash, in plain_rows(conn, query)}


@dataclass(frozen=True, slots=True)
class PhotoFiles:
    """One of the owner's photos and its files (``filename``, ``filename_key``, ``content_hash``), in the order they arrived."""

    id: int
    hothash: str
    files: list[Row[Any]]


def photo_files(
    conn: Connection, owner_id: int, hothashes: Sequence[str], content_hashes: Sequence[str] = ()
) -> list[PhotoFiles]:
    """The owner's photos named by one of ``hothashes`` or holding a file among ``content_hashes``, with all their files.

    Each hash asked is a probe of the owner's key (:func:`only_asked`), whatever the statistics
    say. A library's first import plans without any, and PostgreSQL then guesses an owner has a
    few photos: given ``= ANY`` it read all the owner's photos and files for each batch instead
    (91 ms a batch at 1,200 photos, growing with the library; benchmarks/import_phases.py
    --postgres). So would a new user's library beside another's large one, until the next analysis.
    """
    rows = list(conn.execute(built_once(conn, "photo_files", _photo_files), _owners(conn, owner_id, hothashes))) if hothashes else []
    if content_hashes:
        holding = built_once(conn, "photos_holding", _photos_holding)
        named = {photo_id for photo_id, in plain_rows(conn, holding, _owners(conn, owner_id, content_hashes))}
        named -= {row.id for row in rows}
        if named:
            rows += conn.execute(built_once(conn, "photo_files_by_id", _photo_files_by_id), _owners(conn, owner_id, named))
    rows.sort(key=lambda row: (row.file_id is None, row.file_id or 0))  # each photo's files in the order they arrived
    found: dict[int, PhotoFiles] = {}
    for row in rows:
        photo = found.setdefault(row.id, PhotoFiles(row.id, row.hothash, []))
        if row.filename is not None:
            photo.files.append(row)
    return list(found.values())


def _owners(conn: Connection, owner_id: int, values: Iterable[str] | Iterable[int]) -> dict[str, Any]:
    """The parameters of a statement :func:`built_once` asking the owner's rows for ``values``
    (``owner_id``, and the list as ``asked``: each distinct value once, sorted as only_asked wants)."""
    return {"owner_id": owner_id, "asked": asked_parameter(conn, sorted(set(values)))}  # type: ignore[type-var]


def _photo_files_query() -> Select[Any]:
    c, files = photo_t.c, image_t.c
    return select(c.id, c.hothash, files.filename, files.filename_key, files.content_hash, files.id.label("file_id")).where(
        c.owner_id == bindparam("owner_id")
    )


_FILES_OF_PHOTO = photo_t.outerjoin(image_t, image_t.c.photo_id == photo_t.c.id)
"""A photo with each of its files (none: one row of NULLs), for the look-ups by photo."""


def _photo_files(conn: Connection) -> Select[Any]:
    return only_asked(conn, _photo_files_query(), _FILES_OF_PHOTO, photo_t.c.hothash, None, key="asked")


def _photo_files_by_id(conn: Connection) -> Select[Any]:
    return only_asked(conn, _photo_files_query(), _FILES_OF_PHOTO, photo_t.c.id, None, key="asked", ids=True)


def _photos_holding(conn: Connection) -> Select[Any]:
    files = image_t.c
    holding = select(files.photo_id).where(files.owner_id == bindparam("owner_id"))
    return only_asked(conn, holding, image_t, files.content_hash, None, key="asked")


def filenames_by_hothash(conn: Connection, owner_id: int, hothashes: Sequence[str]) -> dict[str, list[str]]:
    """The owner's photos among ``hothashes`` with the names of their files, in the order they arrived.

    From indexes alone: the key (owner, hothash) gives the photo's id (SQLite's key holds the
    row id; PostgreSQL's carries it), ``ix_image_photo_files`` its files' ids and names. A photo's
    files are put in order here: an ``ORDER BY`` sorted all 7,500 rows of 10,000 hashes asked.
    """
    if not hothashes:
        return {}
    query = (
        select(photo_t.c.hothash, image_t.c.id, image_t.c.filename)
        .where(photo_t.c.owner_id == owner_id)
        # SQLite otherwise weighs the unique name key (photo_id, filename_key) the same and may
        # read each file's row (among its EXIF bytes) for the name.
        .with_hint(image_t, "INDEXED BY ix_image_photo_files", "sqlite")
    )
    files: dict[str, list[tuple[int, str]]] = {}
    query = only_asked(conn, query, _FILES_OF_PHOTO, photo_t.c.hothash, hothashes)
    for hothash, image_id, filename in plain_rows(conn, query):
        arrived = files.setdefault(hothash, [])
        if filename is not None:
            arrived.append((image_id, filename))
    found: dict[str, list[str]] = {}
    for hothash, arrived in files.items():
        if len(arrived) > 1:
            arrived.sort()
        found[hothash] = [filename for _, filename in arrived]
    return found


def unhashed_files(conn: Connection, owner_id: int, filename_keys: Sequence[str]) -> list[Row[Any]]:
    """The owner's files stored without a content hash under one of ``filename_keys``: id, name key,
    size, raw EXIF bytes and their photo's hothash, oldest first."""
    if not filename_keys:
        return []
    parameters = _owners(conn, owner_id, filename_keys)
    return sorted(conn.execute(built_once(conn, "unhashed_files", _unhashed_files), parameters), key=lambda row: row.id)


def _unhashed_files(conn: Connection) -> Select[Any]:
    c = image_t.c
    query = (
        select(c.id, c.filename_key, c.file_size, c.exif_data, photo_t.c.hothash)
        .where(c.owner_id == bindparam("owner_id"), c.content_hash.is_(None))
        # Probe the names: SQLite would otherwise read every unhashed file through the content-hash
        # key (owner, NULL), whatever the names asked for.
        .with_hint(image_t, "INDEXED BY ix_image_owner_unhashed_name", "sqlite")
    )
    # Each name one probe (only_asked), whatever the statistics: with ``= ANY`` PostgreSQL read all
    # the owner's unhashed files for each batch in a library not yet analyzed (a library an older
    # client imported holds nothing but).
    files = image_t.join(photo_t, photo_t.c.id == c.photo_id)
    # Asked once first: a library whose files all have their content hash (any a current client
    # imported) skips the probes. An uncorrelated condition, checked before the join on both.
    any_file = image_t.alias("any_file")
    unhashed = select(any_file.c.id).where(any_file.c.owner_id == bindparam("owner_id"), any_file.c.content_hash.is_(None))
    unhashed = unhashed.correlate(None).exists()
    return only_asked(conn, query, files, c.filename_key, None, key="asked").where(unhashed)


class FileFound(NamedTuple):
    """A file found by its content hash."""

    content_hash: str
    filename: str
    photo_id: int
    hothash: str


def files_by_content_hash(conn: Connection, owner_id: int, content_hashes: Sequence[str]) -> dict[str, FileFound]:
    """Each of the owner's files among ``content_hashes``: its file name and its photo's id and hothash.

    From indexes alone (at a million photos each row read was a random read among EXIF bytes and
    hotpreviews): ``ix_image_owner_content_hash_file`` gives the file's name and photo,
    ``ix_photo_id_hothash`` the photo's hothash.
    """
    if not content_hashes:
        return {}
    c = image_t.c
    # The photo's hothash: PostgreSQL costs one photo by id the same through any index on id,
    # index-only or not, and took the newest, ix_photo_id_carried, and each photo's row; ordered by
    # hothash, only ix_photo_id_hothash needs no sort (9,200 -> 4,300 buffers read).
    if conn.dialect.name == "postgresql":
        # In the same statement, a probe per file found: a second statement binding the 5,000
        # photos' ids and reading them back cost the server more than it saved the database
        # (10,000 content hashes at a million photos, median of 8: 19 -> 11 CPU ms in the server,
        # 56 -> 58 in the backend, 75 -> 69 ms wall).
        hothash = select(photo_t.c.hothash).where(photo_t.c.id == c.photo_id).order_by(photo_t.c.hothash).limit(1).scalar_subquery()
        query = select(c.content_hash, c.filename, c.photo_id, hothash).where(c.owner_id == owner_id)
        return {file[0]: FileFound(*file) for file in plain_rows(conn, only_asked(conn, query, image_t, c.content_hash, content_hashes))}
    query = (
        select(c.content_hash, c.filename, c.photo_id)
        .where(c.owner_id == owner_id)
        .with_hint(image_t, "INDEXED BY ix_image_owner_content_hash_file", "sqlite")
    )
    # Plain tuples: a Row's attribute look-up costs more than the index probe that found it.
    files = plain_rows(conn, only_asked(conn, query, image_t, c.content_hash, content_hashes))
    # SQLite: the photos' hothashes by a statement of their own, probed in id order (neighbours share
    # index pages; joined, in content-hash order, each probe was a page of its own: 10,000 content
    # hashes at a million photos 94 -> 82 CPU ms), from ix_photo_id_hothash: unhinted, SQLite would
    # read the photo's row by its id (the table's own key, among hotpreviews).
    ids = [photo_id for *_, photo_id in files]
    query = select(photo_t.c.id, photo_t.c.hothash).with_hint(photo_t, "INDEXED BY ix_photo_id_hothash", "sqlite")
    hothashes = dict(plain_rows(conn, only_asked(conn, query, photo_t, photo_t.c.id, ids))) if ids else {}
    return {file[0]: FileFound(*file, hothashes[file[2]]) for file in files}


def tags_by_photo_ids(conn: Connection, owner_id: int, photo_ids: Sequence[int]) -> dict[int, list[str]]:
    """The owner's photos' tags (as spelled, in the photo's order) by photo id."""
    found: dict[int, list[str]] = {photo_id: [] for photo_id in photo_ids}
    for chunk in chunks(photo_ids):
        query = (
            select(tag_t.c.photo_id, tag_t.c.tag)
            .where(tag_t.c.owner_id == owner_id, tag_t.c.photo_id.in_(chunk))
            .order_by(tag_t.c.photo_id, tag_t.c.position)
        )
        for photo_id, tag in conn.execute(query):
            found[photo_id].append(tag)
    return found


def hotpreviews_by_photo_ids(conn: Connection, owner_id: int, ids: Sequence[int]) -> dict[int, bytes | None]:
    """Hotpreview bytes of the owner's photos by photo id."""
    found: dict[int, bytes | None] = {}
    for chunk in chunks(ids):
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
    for chunk in chunks(photo_ids):
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
    for chunk in chunks(image_ids):
        query = select(image_t.c.id, image_t.c.exif_data).where(image_t.c.owner_id == owner_id, image_t.c.id.in_(chunk))
        found.update((row.id, row.exif_data) for row in conn.execute(query))
    return found

def sessions_by_ids(conn: Connection, owner_id: int, ids: Sequence[int]) -> dict[int, Row[Any]]:
    """The owner's import session rows by id."""
    found: dict[int, Row[Any]] = {}
    for chunk in chunks(ids):
        query = select(session_t).where(session_t.c.owner_id == owner_id, session_t.c.id.in_(chunk))
        for row in conn.execute(query):
            found[row.id] = row
    return found

def page_sessions(
    conn: Connection, owner_id: int, after_id: int | None, limit: int, backward: bool = False
) -> PhotoPage:
    """The owner's import sessions, newest first, keyset on id; ``backward`` pages toward the newest."""
    c = session_t.c
    keyset = [c.owner_id == owner_id]
    if after_id is not None:
        keyset.append(c.id > after_id if backward else c.id < after_id)
    order = c.id.asc() if backward else c.id.desc()
    rows = list(conn.execute(select(session_t).where(*keyset).order_by(order).limit(limit + 1)).all())
    page = PhotoPage(rows[:limit], len(rows) > limit)
    if backward:
        page.rows.reverse()
    return page


def count_sessions(conn: Connection, owner_id: int) -> int:
    """How many import sessions the owner has."""
    query = select(func.count()).select_from(session_t).where(session_t.c.owner_id == owner_id)
    return conn.execute(query).scalar_one()

__all__ = [
    # The filter and page types, defined in db/filters.py and db/plans.py, re-exported for callers.
    "BoundingBox",
    "PageKey",
    "PhotoFilterSpec",
    "PhotoPage",
    "PhotoSort",
    "Range",
    "chunks",
    "count_sessions",
    "existing_hothashes",
    "exif_by_image_ids",
    "files_by_content_hash",
    "filenames_by_hothash",
    "photo_files",
    "filter_clauses",
    "first_photos_per_session",
    "hotpreview_by_hothash",
    "hotpreviews_by_photo_ids",
    "images_by_photo_ids",
    "page_sessions",
    "photo_counts_per_session",
    "photos_by_hothashes",
    "photos_by_ids",
    "sessions_by_ids",
    "tags_by_photo_ids",
]


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
            page.has_more = True
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
