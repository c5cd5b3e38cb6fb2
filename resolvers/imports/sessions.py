"""Import sessions: opened by a client before it sends batches, closed when it is done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row

from imalink.db import queries, writes
from imalink.db.engine import writing
from imalink.db.enums import SessionStatus
from imalink.resolvers.errors import ErrorCode, UserError


def create_import_session(
    engine: Engine, owner_id: int, storage_directory: str | None, description: str | None
) -> Row[Any]:
    """Open a session; the storage directory name is stored as given and never touched."""
    with writing(engine) as conn:
        session_id = writes.insert_session(conn, owner_id, storage_directory, description, datetime.now(UTC))
        return queries.sessions_by_ids(conn, owner_id, [session_id])[session_id]


def complete_import_session(engine: Engine, owner_id: int, session_id: int) -> Row[Any]:
    """Close a session (idempotent: completing a completed session changes nothing)."""
    with writing(engine) as conn:
        writes.complete_session(conn, owner_id, session_id, datetime.now(UTC))
        found = queries.sessions_by_ids(conn, owner_id, [session_id])
    if session_id not in found:
        raise UserError(ErrorCode.UNKNOWN_IMPORT_SESSION, f"There is no import session {session_id}.")
    return found[session_id]


def interrupt_idle_sessions(engine: Engine, idle_seconds: float) -> int:
    """Interrupt every session (of every owner) that has had no batch for ``idle_seconds``: its
    importer stopped or the server was killed. Nothing is lost: a later batch naming it resumes it,
    and running the import again adds only what is missing. Returns how many were interrupted."""
    with writing(engine) as conn:
        return writes.interrupt_idle_sessions(conn, datetime.now(UTC) - timedelta(seconds=idle_seconds))


__all__ = ["SessionStatus", "complete_import_session", "create_import_session", "interrupt_idle_sessions"]
