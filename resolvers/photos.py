"""Photo queries and edits: pages with opaque cursors, look-ups, updates and deletion."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Engine, Row

from imalink.db import plans, queries, writes
from imalink.db.engine import writing
from imalink.db.media import MediaStore
# BoundingBox, PhotoFilterSpec, PhotoSort and Range are also the values the schema maps its filter inputs onto.
from imalink.db.filters import BoundingBox, PhotoFilterSpec, Range  # noqa: F401
from imalink.db.plans import PageKey, PhotoSort
from imalink.db.search import MAX_TERMS as MAX_SEARCH_TERMS  # noqa: F401 (the search filter's description)
from imalink.exif import TagMapping, exif_tags
from imalink.exif import parse_offset as parse_utc_offset  # noqa: F401 (the UtcOffset scalar's rule)
from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.imports.checks import canonical_sha256, canonical_sha256s, clean_tags, rating_problem, rotation_problem
from imalink.resolvers.pagination import (  # noqa: F401 (page sizes: also what schema/limits.py counts by)
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    PageRequest,
    cursor_int,
    decode_cursor,
    encode_cursor,
    sides,
)

SESSIONS = "IMPORT_SESSIONS"
"""The listing name in import session cursors (photo cursors carry their order's name)."""


def encode_photo_cursor(sort: PhotoSort, row: Any) -> str:
    """An opaque cursor: the sort key of ``row`` (or of a boundary) in ``sort``."""
    taken = row.taken_at.isoformat() if row.taken_at is not None and sort is not PhotoSort.CREATED_AT_DESC else None
    return encode_cursor(sort.value, taken, row.id)


def decode_photo_cursor(sort: PhotoSort, cursor: str) -> PageKey:
    """The key a photo cursor stands for; a clear error for anything not made by this server."""
    taken, photo_id = decode_cursor(sort.value, cursor, 2)
    try:
        taken_at = datetime.fromisoformat(taken) if taken is not None else None
    except (TypeError, ValueError):
        raise UserError(ErrorCode.INVALID_CURSOR, "The cursor is malformed; use a cursor from a previous page.")
    return PageKey(taken_at, cursor_int(photo_id))


@dataclass(frozen=True, slots=True)
class PageParts:
    """What a page needs besides its photos; each part skipped costs nothing."""

    total: bool = True
    images: bool = False
    sessions: bool = False
    tags: bool = False
    other_side: bool = False
    """Whether photos lie beyond the cursor, against the paging direction (hasPreviousPage going forward)."""


def photo_page(
    engine: Engine, spec: PhotoFilterSpec, sort: PhotoSort, request: PageRequest, parts: PageParts = PageParts()
) -> Page:
    """A page of photos matching ``spec``, with the parts asked for, in one connection.

    Relations come one query each instead of one DataLoader round trip per photo field; counting
    every match is skipped when the total is not wanted (0 then).
    """
    key = decode_photo_cursor(sort, request.cursor) if request.cursor else None
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, sort, request.size)
        page = plans.page_photos(conn, plan, sort, key, request.size, request.backward)
        beyond = False
        if key is not None and parts.other_side:
            beyond = plans.page_photos(conn, plan, sort, key, 0, not request.backward).has_more
        total = plans.count_photos(conn, plan) if parts.total else 0
        ids = [row.id for row in page.rows]
        images = queries.images_by_photo_ids(conn, spec.owner_id, ids) if parts.images else None
        session_ids = list({row.import_session_id for row in page.rows} - {None})
        sessions = queries.sessions_by_ids(conn, spec.owner_id, session_ids) if parts.sessions else None
        tags = queries.tags_by_photo_ids(conn, spec.owner_id, ids) if parts.tags else None
    cursors = [encode_photo_cursor(sort, row) for row in page.rows]
    has_next, has_previous = sides(request, page.has_more, beyond)
    return Page(page.rows, cursors, has_next, has_previous, total, images, sessions, tags)


def session_page(engine: Engine, owner_id: int, request: PageRequest, other_side: bool = False) -> Page:
    """A page of the owner's import sessions, newest first."""
    after_id = cursor_int(decode_cursor(SESSIONS, request.cursor, 1)[0]) if request.cursor else None
    with engine.connect() as conn:
        page = queries.page_sessions(conn, owner_id, after_id, request.size, request.backward)
        beyond = False
        if after_id is not None and other_side:
            beyond = queries.page_sessions(conn, owner_id, after_id, 0, not request.backward).has_more
        total = queries.count_sessions(conn, owner_id)
    cursors = [encode_cursor(SESSIONS, row.id) for row in page.rows]
    has_next, has_previous = sides(request, page.has_more, beyond)
    return Page(page.rows, cursors, has_next, has_previous, total)


def photo_by_hothash(engine: Engine, owner_id: int, hothash: str) -> Row[Any] | None:
    """One of the owner's photos by hothash (any case), or ``None``."""
    canonical = canonical_sha256(hothash)
    if canonical is None:
        return None
    with engine.connect() as conn:
        return queries.photos_by_hothashes(conn, owner_id, [canonical]).get(canonical)


def _asked_hashes(hashes: list[str], limit: int, what: str = "hothashes") -> dict[str, str]:
    """The distinct hashes asked for, in order, mapped to their canonical form (others dropped)."""
    if len(hashes) > limit:
        raise UserError(ErrorCode.TOO_MANY_HOTHASHES, f"Ask for at most {limit} {what} at a time, not {len(hashes)}.")
    return canonical_sha256s(hashes)


Found = TypeVar("Found", dict[str, Any], set[str])

SPLIT_FROM = 2_000
"""Hashes asked from which PostgreSQL looks them up in two halves at once (fewer take a statement
of a few milliseconds: not worth a second connection)."""
_HALVES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="imalink-lookup")


def _looked_up(engine: Engine, lookup: Callable[[Any, int, list[str]], Found], owner_id: int, hashes: list[str]) -> Found:
    """``lookup`` of ``hashes``; on PostgreSQL, from :data:`SPLIT_FROM` on, each half of
    them on a connection of its own at the same time, as its backend runs a probe per hash on one
    core. 10,000 hashes at a million photos over HTTP, two interleaved runs of 7
    (benchmarks/precheck_bench.py): existingFiles 75 / 77 -> 56 / 61 ms, existingPhotos 81 / 82 ->
    59 / 60, existingHothashes 51 / 51 -> 38 / 45, for 3-8 ms more CPU. On SQLite the same split
    saved no time over HTTP and cost 15 ms more CPU, so it stays one statement there. Halves of
    the sorted hashes, so each keeps its probes' neighbouring pages; neither holds a connection
    while it waits for the other."""

    def half(part: list[str]) -> Found:
        with engine.connect() as conn:
            return lookup(conn, owner_id, part)

    if len(hashes) < SPLIT_FROM or engine.dialect.name != "postgresql":
        return half(hashes)
    ordered = sorted(hashes)
    middle = len(ordered) // 2
    # The request's context goes along: its time limit stops that half's statement too (db/interrupts.py).
    other = _HALVES.submit(contextvars.copy_context().run, half, ordered[middle:])
    found = half(ordered[:middle])
    found.update(other.result())
    return found


def existing_hothashes(engine: Engine, owner_id: int, hothashes: list[str], limit: int) -> list[str]:
    """Which of ``hothashes`` the owner's library has, in the order asked (one round trip)."""
    asked = _asked_hashes(hothashes, limit)
    found = _looked_up(engine, queries.existing_hothashes, owner_id, list(asked.values()))
    return [h for h, canonical in asked.items() if canonical in found]


class KnownPhoto(NamedTuple):
    """A photo the library has: its hothash (as asked) and its files' names, in the order they arrived.
    Named tuples, here and below: 5,000 of them a request, made at half a frozen dataclass's cost, and
    answered as they are for the schema's ExistingPhoto / ExistingFile (the same attributes)."""

    hothash: str
    filenames: list[str]


def existing_photo_files(engine: Engine, owner_id: int, hothashes: list[str], limit: int) -> list[KnownPhoto]:
    """Each known photo among ``hothashes``, in the order asked."""
    asked = _asked_hashes(hothashes, limit)
    found = _looked_up(engine, queries.filenames_by_hothash, owner_id, list(asked.values()))
    return [KnownPhoto(h, names) for h, c in asked.items() if (names := found.get(c)) is not None]


class KnownFile(NamedTuple):
    """A file the library has: its content hash (as asked), its name and its photo's hothash."""

    content_hash: str
    filename: str
    hothash: str


def existing_files(engine: Engine, owner_id: int, content_hashes: list[str], limit: int) -> list[KnownFile]:
    """The files among ``content_hashes`` the owner's library has, in the order asked (one round trip)."""
    asked = _asked_hashes(content_hashes, limit, "content hashes")
    found = _looked_up(engine, queries.files_by_content_hash, owner_id, list(asked.values()))
    return [KnownFile(h, f.filename, f.hothash) for h, c in asked.items() if (f := found.get(c)) is not None]


EDITABLE = ("title", "description", "tags", "rating", "favorite", "user_rotation")
SEARCHED = {"title", "description", "tags"}


def update_photo(engine: Engine, owner_id: int, hothash: str, changes: dict[str, Any]) -> Row[Any] | None:
    """Apply ``changes`` (a subset of :data:`EDITABLE`; ``None`` clears); ``None`` if no such photo.

    A cleared rating or rotation goes back to 0 (unrated, not turned), a cleared favourite to
    false, cleared tags to none. The search text follows in the same transaction.
    """
    changes = {name: value for name, value in changes.items() if name in EDITABLE}
    for problem in (rating_problem(changes.get("rating")), rotation_problem(changes.get("user_rotation"))):
        if problem:
            raise UserError(ErrorCode(problem.code), problem.message)
    for name, cleared in (("rating", 0), ("user_rotation", 0), ("favorite", False)):
        if name in changes and changes[name] is None:
            changes[name] = cleared
    tags = clean_tags(changes.pop("tags") or []) if "tags" in changes else None
    canonical = canonical_sha256(hothash)
    if canonical is None:
        return None
    with writing(engine) as conn:
        photo_id = writes.update_photo(conn, owner_id, canonical, changes, datetime.now(UTC))
        if photo_id is None:
            return None
        if tags is not None:
            writes.replace_photo_tags(conn, owner_id, photo_id, tags)
        if SEARCHED.intersection(changes) or tags is not None:
            writes.refresh_search_text(conn, owner_id, [photo_id])
        return queries.photos_by_ids(conn, owner_id, [photo_id])[photo_id]


def delete_photo(engine: Engine, media: MediaStore, owner_id: int, hothash: str) -> bool:
    """Delete a photo with its images, tags, search entry and coldpreview; ``False`` when there was none."""
    canonical = canonical_sha256(hothash)
    if canonical is None:
        return False
    with writing(engine) as conn:
        deleted = writes.delete_photo(conn, owner_id, canonical)
    if deleted:
        media.delete_coldpreview(owner_id, canonical)
    return deleted


def decoded_exif(data: bytes | None) -> TagMapping | None:
    """Every tag of an image's stored EXIF bytes, for the API (``None`` without EXIF)."""
    return exif_tags(data) if data is not None else None
