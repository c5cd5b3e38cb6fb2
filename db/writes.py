"""Write statements of the import: duplicate-safe inserts that lean on unique constraints.

Concurrent importers never check-then-insert: they INSERT ... ON CONFLICT DO NOTHING and read back
what they actually wrote, so an overlapping hothash or file name is never a failure nor a copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, text, update
from sqlalchemy.dialects import postgresql, sqlite

from imalink.db.tables import SESSION_COMPLETED, SESSION_IN_PROGRESS, image_t, photo_t, session_t, tag_t


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _in_lock_order(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
) -> Sequence[dict[str, Any]]:
    """``rows`` in the order to insert them, with ids still following the request order.

    On PostgreSQL two importers must take unique-key locks in the same order or they may deadlock,
    so rows go in key order, carrying ids drawn from the table's sequence in request order. SQLite
    writers hold the whole database (BEGIN IMMEDIATE), so request order is already safe.
    """
    if conn.dialect.name != "postgresql" or not rows:
        return rows
    draw = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)")
    ids = sorted(conn.execute(draw, {"table": table.name, "n": len(rows)}).scalars())
    return sorted(({**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)), key=key)


def insert_new_photos(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert photos whose hothash their owner does not have yet; returns ``{hothash: id}`` of
    those inserted. Every row names the same owner (one batch is one user's).

    Ids follow the order of ``rows``.
    """
    inserted: dict[str, int] = {}
    ordered = _in_lock_order(conn, photo_t, rows, key=lambda row: row["hothash"])
    if ordered:
        # executemany form: SQLAlchemy batches it into multi-row INSERT ... RETURNING statements
        # with one cached compilation, far cheaper than compiling a fresh VALUES list each time.
        statement = (
            _insert(conn, photo_t)
            .on_conflict_do_nothing(index_elements=["owner_id", "hothash"])
            .returning(photo_t.c.id, photo_t.c.hothash)
        )
        inserted.update((row.hothash, row.id) for row in conn.execute(statement, list(ordered)))
    return inserted


def insert_new_images(conn: Connection, rows: Sequence[dict[str, Any]]) -> set[tuple[int, str]]:
    """Insert images whose (photo, file name) is not taken yet; returns those inserted.

    Ids follow the order of ``rows``.
    """
    inserted: set[tuple[int, str]] = set()
    ordered = _in_lock_order(conn, image_t, rows, key=lambda row: (row["photo_id"], row["filename_key"]))
    if ordered:
        statement = (
            _insert(conn, image_t)
            .on_conflict_do_nothing(index_elements=["photo_id", "filename_key"])
            .returning(image_t.c.photo_id, image_t.c.filename_key)
        )
        inserted.update((row.photo_id, row.filename_key) for row in conn.execute(statement, list(ordered)))
    return inserted


def replace_photo_tags(conn: Connection, photo_id: int, tags: Iterable[str]) -> None:
    """Make ``tags`` (any case) the photo's tag index."""
    conn.execute(tag_t.delete().where(tag_t.c.photo_id == photo_id))
    insert_photo_tags(conn, {photo_id: tags})


def insert_photo_tags(conn: Connection, tags_by_photo: dict[int, Iterable[str]]) -> None:
    """Index the tags of freshly created photos (lowercased, one row per distinct tag)."""
    rows = [
        {"photo_id": photo_id, "tag": tag}
        for photo_id, tags in tags_by_photo.items()
        for tag in dict.fromkeys(t.lower() for t in tags)
    ]
    if rows:
        conn.execute(_insert(conn, tag_t).on_conflict_do_nothing(), rows)


def fill_missing_photo_fields(conn: Connection, photo_id: int, values: dict[str, Any], now: datetime) -> None:
    """Set the photo's fields that are still empty (NULL) from ``values``; filled ones are kept."""
    assignments = {name: func.coalesce(photo_t.c[name], value) for name, value in values.items() if value is not None}
    if assignments:
        conn.execute(update(photo_t).where(photo_t.c.id == photo_id).values(**assignments, updated_at=now))


def add_session_totals(conn: Connection, session_id: int, totals: dict[str, int]) -> None:
    """Add to a session's running totals atomically (concurrent batches may share a session)."""
    increments = {name: session_t.c[name] + amount for name, amount in totals.items() if amount}
    if increments:
        conn.execute(update(session_t).where(session_t.c.id == session_id).values(**increments))


def insert_session(
    conn: Connection, owner_id: int, storage_directory: str | None, description: str | None, now: datetime
) -> int:
    """Open an import session for ``owner_id``; returns its id."""
    statement = (
        insert(session_t)
        .values(
            owner_id=owner_id,
            storage_directory=storage_directory,
            description=description,
            status=SESSION_IN_PROGRESS,
            started_at=now,
        )
        .returning(session_t.c.id)
    )
    return conn.execute(statement).scalar_one()


def complete_session(conn: Connection, owner_id: int, session_id: int, now: datetime) -> None:
    """Close the owner's session if it is still open (a closed one keeps its completion time)."""
    conn.execute(
        update(session_t)
        .where(session_t.c.owner_id == owner_id, session_t.c.id == session_id, session_t.c.status == SESSION_IN_PROGRESS)
        .values(status=SESSION_COMPLETED, completed_at=now)
    )


def update_photo(conn: Connection, owner_id: int, hothash: str, values: dict[str, Any], now: datetime) -> int | None:
    """Set ``values`` on the owner's photo with ``hothash``; its id, or ``None`` when there is none."""
    statement = (
        update(photo_t)
        .where(photo_t.c.owner_id == owner_id, photo_t.c.hothash == hothash)
        .values(**values, updated_at=now)
        .returning(photo_t.c.id)
    )
    return conn.execute(statement).scalar_one_or_none()


def delete_photo(conn: Connection, owner_id: int, hothash: str) -> bool:
    """Delete the owner's photo with ``hothash`` (its images and tags cascade); ``False`` when there was none."""
    statement = (
        delete(photo_t).where(photo_t.c.owner_id == owner_id, photo_t.c.hothash == hothash).returning(photo_t.c.id)
    )
    return conn.execute(statement).scalar_one_or_none() is not None
