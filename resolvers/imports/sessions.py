"""Import sessions: opened by a client before it sends batches, closed when it is done."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Row, insert, update

from db import queries
from db.tables import ImportSession
from resolvers.errors import UserError

session_t = ImportSession.__table__


def create_import_session(engine: Engine, storage_directory: str | None, description: str | None) -> Row[Any]:
    """Open a session; the storage directory name is stored as given and never touched."""
    with engine.begin() as conn:
        session_id = conn.execute(
            insert(session_t)
            .values(
                storage_directory=storage_directory,
                description=description,
                status="IN_PROGRESS",
                started_at=datetime.now(UTC),
            )
            .returning(session_t.c.id)
        ).scalar_one()
        return queries.sessions_by_ids(conn, [session_id])[session_id]


def complete_import_session(engine: Engine, session_id: int) -> Row[Any]:
    """Close a session (idempotent: completing a completed session changes nothing)."""
    with engine.begin() as conn:
        conn.execute(
            update(session_t)
            .where(session_t.c.id == session_id, session_t.c.status == "IN_PROGRESS")
            .values(status="COMPLETED", completed_at=datetime.now(UTC))
        )
        found = queries.sessions_by_ids(conn, [session_id])
    if session_id not in found:
        raise UserError("UNKNOWN_IMPORT_SESSION", f"There is no import session {session_id}.")
    return found[session_id]
