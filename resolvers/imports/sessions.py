"""Import sessions: opened by a client before it sends batches, closed when it is done."""

from __future__ import annotations

from datetime import UTC, datetime
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


__all__ = ["SessionStatus", "complete_import_session", "create_import_session"]
