"""Statements of accounts: users, signed-in sessions and API tokens (no GraphQL, no HTTP).

Secrets never reach this module: callers pass their SHA-256 (``secret_hash``). Every function
takes an open connection inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, exists, insert, or_, select, update

from imalink.db.tables import LOCAL_OWNER_ID, api_token_t, auth_session_t, user_t

USER_COLUMNS = (user_t.c.id, user_t.c.username, user_t.c.is_admin, user_t.c.created_at)
TOKEN_COLUMNS = tuple(c for c in api_token_t.c if c.name != "secret_hash")


def has_accounts(conn: Connection) -> bool:
    """Whether any user can sign in (has a password): from then on every request needs credentials."""
    return bool(conn.execute(select(exists().where(user_t.c.password_hash.is_not(None)))).scalar())


def user_by_id(conn: Connection, user_id: int) -> Row[Any] | None:
    return conn.execute(select(*USER_COLUMNS).where(user_t.c.id == user_id)).first()


def user_with_password(conn: Connection, username: str) -> Row[Any] | None:
    """The user of this name (any case) with the password hash, for signing in."""
    query = select(*USER_COLUMNS, user_t.c.password_hash).where(user_t.c.username == username.lower())
    return conn.execute(query).first()


def username_taken(conn: Connection, username: str) -> bool:
    return conn.execute(select(exists().where(user_t.c.username == username.lower()))).scalar() is True


def claim_local_owner(conn: Connection, username: str, password_hash: str) -> bool:
    """The first user takes over the local owner's row (and so every photo already imported);
    False when it has been claimed already."""
    claimed = conn.execute(
        update(user_t)
        .where(user_t.c.id == LOCAL_OWNER_ID, user_t.c.password_hash.is_(None))
        .values(username=username.lower(), password_hash=password_hash, is_admin=True)
    )
    return claimed.rowcount == 1


def insert_user(conn: Connection, username: str, password_hash: str, is_admin: bool, now: datetime) -> int:
    values = {"username": username.lower(), "password_hash": password_hash, "is_admin": is_admin, "created_at": now}
    return int(conn.execute(insert(user_t).values(**values).returning(user_t.c.id)).scalar_one())


def set_password(conn: Connection, user_id: int, password_hash: str) -> None:
    conn.execute(update(user_t).where(user_t.c.id == user_id).values(password_hash=password_hash))


def users(conn: Connection) -> Sequence[Row[Any]]:
    """Every user who can sign in, by name."""
    return conn.execute(select(*USER_COLUMNS).where(user_t.c.password_hash.is_not(None)).order_by(user_t.c.username)).all()


# Sessions -----------------------------------------------------------------------------------


def insert_session(conn: Connection, user_id: int, secret_hash: str, now: datetime, expires_at: datetime) -> int:
    values = {"user_id": user_id, "secret_hash": secret_hash, "created_at": now, "expires_at": expires_at, "last_used_at": now}
    return int(conn.execute(insert(auth_session_t).values(**values).returning(auth_session_t.c.id)).scalar_one())


def session_holder(conn: Connection, secret_hash: str, now: datetime) -> Row[Any] | None:
    """(session_id, last_used_at, expires_at, user columns) of an unexpired session, else None."""
    query = (
        select(auth_session_t.c.id.label("session_id"), auth_session_t.c.last_used_at, auth_session_t.c.expires_at, *USER_COLUMNS)
        .join(user_t, user_t.c.id == auth_session_t.c.user_id)
        .where(auth_session_t.c.secret_hash == secret_hash, auth_session_t.c.expires_at > now)
    )
    return conn.execute(query).first()


def touch_session(conn: Connection, session_id: int, now: datetime) -> None:
    conn.execute(update(auth_session_t).where(auth_session_t.c.id == session_id).values(last_used_at=now))


def delete_session(conn: Connection, session_id: int) -> bool:
    return conn.execute(delete(auth_session_t).where(auth_session_t.c.id == session_id)).rowcount > 0


def delete_sessions_of(conn: Connection, user_id: int) -> int:
    return conn.execute(delete(auth_session_t).where(auth_session_t.c.user_id == user_id)).rowcount


def delete_expired_sessions(conn: Connection, now: datetime) -> int:
    return conn.execute(delete(auth_session_t).where(auth_session_t.c.expires_at <= now)).rowcount


# API tokens ---------------------------------------------------------------------------------


def insert_token(
    conn: Connection, user_id: int, name: str, secret_hash: str, scopes: str, now: datetime, expires_at: datetime | None
) -> Row[Any]:
    values = {
        "user_id": user_id, "name": name, "secret_hash": secret_hash, "scopes": scopes,
        "created_at": now, "expires_at": expires_at, "last_used_at": None,
    }
    return conn.execute(insert(api_token_t).values(**values).returning(*TOKEN_COLUMNS)).one()


def token_holder(conn: Connection, secret_hash: str, now: datetime) -> Row[Any] | None:
    """(token_id, scopes, last_used_at, user columns) of an unexpired token, else None."""
    query = (
        select(api_token_t.c.id.label("token_id"), api_token_t.c.scopes, api_token_t.c.last_used_at, *USER_COLUMNS)
        .join(user_t, user_t.c.id == api_token_t.c.user_id)
        .where(
            api_token_t.c.secret_hash == secret_hash,
            or_(api_token_t.c.expires_at.is_(None), api_token_t.c.expires_at > now),
        )
    )
    return conn.execute(query).first()


def touch_token(conn: Connection, token_id: int, now: datetime) -> None:
    conn.execute(update(api_token_t).where(api_token_t.c.id == token_id).values(last_used_at=now))


def tokens_of(conn: Connection, user_id: int) -> Sequence[Row[Any]]:
    """The user's tokens, newest first."""
    query = select(*TOKEN_COLUMNS).where(api_token_t.c.user_id == user_id).order_by(api_token_t.c.id.desc())
    return conn.execute(query).all()


def delete_token(conn: Connection, user_id: int, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when the user has no such token."""
    query = delete(api_token_t).where(api_token_t.c.user_id == user_id, api_token_t.c.id == token_id)
    return conn.execute(query).rowcount > 0
