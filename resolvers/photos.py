"""Photo queries and edits: pages with opaque cursors, look-ups, updates and deletion."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row

from imalink.db import queries, writes
from imalink.db.engine import writing
from imalink.db.media import MediaStore
# BoundingBox, PhotoFilterSpec and PhotoSort are also the values the schema maps its filter inputs onto.
from imalink.db.queries import BoundingBox, PageKey, PhotoFilterSpec, PhotoSort  # noqa: F401
from imalink.exif import TagMapping, exif_tags
from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.imports.checks import canonical_sha256, clean_tags, rating_problem, rotation_problem

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(slots=True)
class Page:
    """One page of rows with the cursor of each and whether more follow."""

    rows: list[Row[Any]]
    cursors: list[str]
    has_next: bool
    total_count: int
    images: dict[int, list[Row[Any]]] | None = None
    """Images of the page's photos by photo id, when they were asked for with the page."""
    sessions: dict[int, Row[Any]] | None = None
    """Import sessions of the page's photos by id, when they were asked for with the page."""


def page_size(first: int | None) -> int:
    """The page size asked for, checked against the contract's bounds."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise UserError(ErrorCode.INVALID_PAGE_SIZE, f"first must be between 0 and {MAX_PAGE_SIZE}, not {first}.")
    return first


def encode_photo_cursor(sort: PhotoSort, row: Row[Any]) -> str:
    """An opaque cursor: the sort key of ``row`` and the order it belongs to."""
    taken = row.taken_at.isoformat() if row.taken_at is not None and sort is not PhotoSort.CREATED_AT_DESC else None
    payload = json.dumps([sort.value, taken, row.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_photo_cursor(sort: PhotoSort, cursor: str) -> PageKey:
    """The key a cursor stands for; a clear error for anything not made by this server."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        order, taken, photo_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(photo_id, int) or isinstance(photo_id, bool):
            raise ValueError("id")
        taken_at = datetime.fromisoformat(taken) if taken is not None else None
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise UserError(ErrorCode.INVALID_CURSOR, "The cursor is malformed; use an endCursor or cursor from a previous page.")
    if order != sort.value:
        raise UserError(ErrorCode.INVALID_CURSOR, f"The cursor belongs to order {order}, not {sort.value}.")
    return PageKey(taken_at, photo_id)


@dataclass(frozen=True, slots=True)
class PageParts:
    """What a page needs besides its photos; each part skipped costs nothing."""

    total: bool = True
    images: bool = False
    sessions: bool = False


def photo_page(
    engine: Engine,
    spec: PhotoFilterSpec,
    sort: PhotoSort,
    first: int | None,
    after: str | None,
    parts: PageParts = PageParts(),
) -> Page:
    """A page of photos matching ``spec`` after the cursor ``after``, with the parts asked for.

    Relations come in the same connection, one query each, instead of one DataLoader round trip
    per photo field; counting every match is skipped when the total is not wanted (0 then).
    """
    limit = page_size(first)
    key = decode_photo_cursor(sort, after) if after else None
    with engine.connect() as conn:
        page = queries.page_photos(conn, spec, sort, key, limit)
        ids = [row.id for row in page.rows]
        total = queries.count_photos(conn, spec) if parts.total else 0
        images = queries.images_by_photo_ids(conn, spec.owner_id, ids) if parts.images else None
        session_ids = list({row.import_session_id for row in page.rows} - {None})
        sessions = queries.sessions_by_ids(conn, spec.owner_id, session_ids) if parts.sessions else None
    cursors = [encode_photo_cursor(sort, row) for row in page.rows]
    return Page(page.rows, cursors, page.has_next, total, images, sessions)


def session_page(engine: Engine, owner_id: int, first: int | None, after: str | None) -> Page:
    """A page of the owner's import sessions, newest first."""
    limit = page_size(first)
    after_id = None
    if after:
        try:
            after_id = int(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode().removeprefix("session:"))
        except (ValueError, UnicodeError, binascii.Error):
            raise UserError(ErrorCode.INVALID_CURSOR, "The cursor is malformed; use an endCursor from a previous page.")
    with engine.connect() as conn:
        page = queries.page_sessions(conn, owner_id, after_id, limit)
        total = queries.count_sessions(conn, owner_id)
    cursors = [base64.urlsafe_b64encode(f"session:{row.id}".encode()).decode().rstrip("=") for row in page.rows]
    return Page(page.rows, cursors, page.has_next, total)


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
    return {h: c for h in dict.fromkeys(hashes) if (c := canonical_sha256(h))}


def existing_hothashes(engine: Engine, owner_id: int, hothashes: list[str], limit: int) -> list[str]:
    """Which of ``hothashes`` the owner's library has, in the order asked (one round trip)."""
    asked = _asked_hashes(hothashes, limit)
    with engine.connect() as conn:
        found = queries.existing_hothashes(conn, owner_id, list(dict.fromkeys(asked.values())))
    return [h for h, canonical in asked.items() if canonical in found]


def existing_photo_files(engine: Engine, owner_id: int, hothashes: list[str], limit: int) -> list[tuple[str, list[str]]]:
    """(hothash as asked, file names) of each known photo among ``hothashes``, in the order asked."""
    asked = _asked_hashes(hothashes, limit)
    with engine.connect() as conn:
        found = {p.hothash: p for p in queries.photo_files(conn, owner_id, list(dict.fromkeys(asked.values())))}
    return [(h, [f.filename for f in found[c].files]) for h, c in asked.items() if c in found]


@dataclass(frozen=True, slots=True)
class KnownFile:
    """A file the library has: its content hash (as asked), its name and its photo's hothash."""

    content_hash: str
    filename: str
    hothash: str


def existing_files(engine: Engine, owner_id: int, content_hashes: list[str], limit: int) -> list[KnownFile]:
    """The files among ``content_hashes`` the owner's library has, in the order asked (one round trip)."""
    asked = _asked_hashes(content_hashes, limit, "content hashes")
    with engine.connect() as conn:
        found = queries.files_by_content_hash(conn, owner_id, list(dict.fromkeys(asked.values())))
    return [
        KnownFile(h, found[c].filename, found[c].hothash) for h, c in asked.items() if c in found
    ]


EDITABLE = ("title", "description", "tags", "rating", "user_rotation")


def update_photo(engine: Engine, owner_id: int, hothash: str, changes: dict[str, Any]) -> Row[Any] | None:
    """Apply ``changes`` (a subset of :data:`EDITABLE`; ``None`` clears); ``None`` if no such photo.

    A cleared rating or rotation goes back to 0 (unrated, not turned); cleared tags to none.
    """
    changes = {name: value for name, value in changes.items() if name in EDITABLE}
    for problem in (rating_problem(changes.get("rating")), rotation_problem(changes.get("user_rotation"))):
        if problem:
            raise UserError(ErrorCode(problem.code), problem.message)
    for name in ("rating", "user_rotation"):
        if name in changes and changes[name] is None:
            changes[name] = 0
    if "tags" in changes:
        changes["tags"] = clean_tags(changes["tags"] or [])
    canonical = canonical_sha256(hothash)
    if canonical is None:
        return None
    with writing(engine) as conn:
        photo_id = writes.update_photo(conn, owner_id, canonical, changes, datetime.now(UTC))
        if photo_id is None:
            return None
        if "tags" in changes:
            writes.replace_photo_tags(conn, photo_id, changes["tags"])
        return queries.photos_by_ids(conn, owner_id, [photo_id])[photo_id]


def delete_photo(engine: Engine, media: MediaStore, owner_id: int, hothash: str) -> bool:
    """Delete a photo with its images, tags and coldpreview; ``False`` when there was none."""
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
