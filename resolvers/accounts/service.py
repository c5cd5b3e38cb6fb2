"""Accounts: users with passwords, signed-in sessions for browsers, API tokens for scripts.

Secrets (a session cookie's, a token's) are 256 random bits; only their SHA-256 is stored, so a
copy of the database lets nobody in. (A fast hash is right for random secrets; passwords, which
people choose, get Argon2.) A request's credential is checked by one indexed look-up; its
last-used time is written at most once a minute, so a busy importer does not write per request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row

from imalink.db import accounts
from imalink.db.engine import writing
from imalink.resolvers.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from imalink.resolvers.accounts.scopes import Scope, parsed, scopes_of_user, stored
from imalink.resolvers.accounts.throttle import THROTTLE
from imalink.resolvers.accounts.viewer import Viewer
from imalink.resolvers.errors import ErrorCode, UserError

TOKEN_PREFIX = "imalink_"
"""API tokens start with this, so a leaked one is recognisable (secret scanners, logs)."""
TOUCH_INTERVAL = timedelta(minutes=1)
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
MAX_TOKEN_NAME = 100


def secret_hash(secret: str) -> str:
    """What is stored of a secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def has_accounts(engine: Engine) -> bool:
    """Whether any user can sign in: then every request needs a session or a token."""
    with engine.connect() as conn:
        return accounts.has_accounts(conn)


def check_username(username: str) -> str:
    """The stored form of a user name (lower case), or a UserError saying what a name may be."""
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise UserError(
            ErrorCode.INVALID_VALUE,
            "A user name is 1-64 letters, digits or . _ @ - and starts with a letter or digit.",
        )
    return name


def check_password(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise UserError(
            ErrorCode.INVALID_VALUE,
            f"A password is {MIN_PASSWORD_LENGTH}-{MAX_PASSWORD_LENGTH} characters long.",
        )


def add_user(engine: Engine, username: str, password: str, *, admin: bool = False) -> Row[Any]:
    """Make a user. The first one becomes an admin and takes over the local owner's library
    (every photo imported before accounts existed); later ones start with an empty library."""
    name = check_username(username)
    check_password(password)
    password_hash = hash_password(password)
    with writing(engine) as conn:
        if not accounts.has_accounts(conn) and accounts.claim_local_owner(conn, name, password_hash):
            user_id = accounts.LOCAL_OWNER_ID
        elif accounts.username_taken(conn, name):
            raise UserError(ErrorCode.USERNAME_TAKEN, f"There is already a user {name!r}.")
        else:
            user_id = accounts.insert_user(conn, name, password_hash, admin, _now())
        user = accounts.user_by_id(conn, user_id)
    assert user is not None
    return user


def set_password(engine: Engine, username: str, password: str) -> bool:
    """Give an existing user a new password (``imalink user password``); False if there is no such user.
    Their sessions end: whoever knew the old password is signed out."""
    check_password(password)
    password_hash = hash_password(password)
    with writing(engine) as conn:
        user = accounts.user_with_password(conn, username.strip())
        if user is None or user.password_hash is None:
            return False
        accounts.set_password(conn, user.id, password_hash)
        accounts.delete_sessions_of(conn, user.id)
    return True


def user(engine: Engine, user_id: int) -> Row[Any] | None:
    with engine.connect() as conn:
        return accounts.user_by_id(conn, user_id)


def users(engine: Engine) -> Sequence[Row[Any]]:
    with engine.connect() as conn:
        return accounts.users(conn)


# Sessions -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A new sign-in: the cookie's secret (given to the browser only) and when it ends."""

    secret: str
    expires_at: datetime
    user: Row[Any]


def sign_in(engine: Engine, username: str, password: str, lifetime: timedelta) -> IssuedSession:
    """Check the password and open a session; a wrong name or password is one error, alike.
    Many wrong passwords for one name make it wait (``throttle.py``)."""
    name = username.strip().lower()[:64]
    wait = THROTTLE.wait_seconds(name)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        raise UserError(ErrorCode.TOO_MANY_ATTEMPTS, f"Too many wrong passwords; try again in {minutes} min.")
    with engine.connect() as conn:
        user = accounts.user_with_password(conn, name)
    valid = len(password) <= MAX_PASSWORD_LENGTH and verify_password(user.password_hash if user is not None else None, password)
    if not valid or user is None:
        THROTTLE.failed(name)
        raise UserError(ErrorCode.INVALID_CREDENTIALS, "Wrong user name or password.")
    THROTTLE.succeeded(name)
    secret = secrets.token_urlsafe(32)
    now = _now()
    with writing(engine) as conn:
        if needs_rehash(user.password_hash):
            accounts.set_password(conn, user.id, hash_password(password))
        accounts.delete_expired_sessions(conn, now)
        accounts.insert_session(conn, user.id, secret_hash(secret), now, now + lifetime)
    return IssuedSession(secret, now + lifetime, user)


def sign_out(engine: Engine, session_id: int) -> bool:
    """End a session (its cookie stops working at once); False when there was none."""
    with writing(engine) as conn:
        return accounts.delete_session(conn, session_id)


def viewer_of_session(engine: Engine, secret: str) -> Viewer | None:
    """The signed-in user of a session cookie's secret, or None (unknown or expired)."""
    found = _holder(engine, secret, accounts.session_holder, accounts.touch_session, "session_id")
    if found is None:
        return None
    return Viewer(found.id, scopes_of_user(found.is_admin), found.username, session_id=found.session_id)


def _holder(
    engine: Engine, secret: str, look_up: Callable[..., Row[Any] | None], touch: Callable[..., None], key: str
) -> Row[Any] | None:
    """The holder of an unexpired credential's ``secret``; its last use is written at most once a
    ``TOUCH_INTERVAL``, so a busy client does not write per request."""
    now = _now()
    with engine.connect() as conn:
        found = look_up(conn, secret_hash(secret), now)
    if found is not None and (found.last_used_at is None or now - _aware(found.last_used_at) > TOUCH_INTERVAL):
        with writing(engine) as conn:
            touch(conn, getattr(found, key), now)
    return found


# API tokens ---------------------------------------------------------------------------------


def viewer_of_token(engine: Engine, secret: str) -> Viewer | None:
    """The user and scopes of an API token, or None (unknown, revoked or expired).

    The scopes are the token's, less any its user no longer has (an admin made an ordinary user).
    """
    found = _holder(engine, secret, accounts.token_holder, accounts.touch_token, "token_id")
    if found is None:
        return None
    scopes = parsed(found.scopes) & scopes_of_user(found.is_admin)
    return Viewer(found.id, scopes, found.username, token_id=found.token_id)


@dataclass(frozen=True, slots=True)
class CreatedToken:
    """A new token's row and its secret, which is shown this once and never again."""

    token: Row[Any]
    secret: str


def create_token(
    engine: Engine, viewer: Viewer, name: str, scopes: Iterable[Scope], expires_at: datetime | None
) -> CreatedToken:
    """A token for the viewer, with at most the viewer's own scopes."""
    wanted = frozenset(scopes)
    name = name.strip()
    if not 1 <= len(name) <= MAX_TOKEN_NAME:
        raise UserError(ErrorCode.INVALID_VALUE, f"A token's name is 1-{MAX_TOKEN_NAME} characters.")
    if not wanted:
        raise UserError(ErrorCode.INVALID_VALUE, "A token needs at least one scope.")
    if not wanted <= viewer.scopes:
        missing = ", ".join(sorted(scope.value for scope in wanted - viewer.scopes))
        raise UserError(ErrorCode.INSUFFICIENT_SCOPE, f"You cannot give a token scopes you do not have: {missing}.")
    now = _now()
    if expires_at is not None and _aware(expires_at) <= now:
        raise UserError(ErrorCode.INVALID_VALUE, "A token's expiry must lie in the future.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with writing(engine) as conn:
        row = accounts.insert_token(conn, viewer.user_id, name, secret_hash(secret), stored(wanted), now, expires_at)
    return CreatedToken(row, secret)


def tokens(engine: Engine, user_id: int) -> Sequence[Row[Any]]:
    with engine.connect() as conn:
        return accounts.tokens_of(conn, user_id)


def revoke_token(engine: Engine, user_id: int, token_id: int) -> bool:
    """Revoke one of the user's own tokens (it stops working at once); False if they have no such token."""
    with writing(engine) as conn:
        return accounts.delete_token(conn, user_id, token_id)


def token_scopes(token: Row[Any]) -> frozenset[Scope]:
    return parsed(token.scopes)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back (stored as UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
