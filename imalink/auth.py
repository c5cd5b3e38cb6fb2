"""Who is asking, over HTTP: the one place that turns a request's credentials into a ``Viewer``.

- ``Authorization: Bearer <token>``: an API token (scripts, ``imalink import``). A token that is
  unknown, revoked or expired refuses the request (UNAUTHENTICATED); it never falls back to less.
- The ``imalink_session`` cookie: a browser signed in with ``signIn``. A stale cookie counts as
  none, so the sign-in page still works.
- Neither, on a server without accounts: the local owner, but only when the request names the
  server by a loopback address (``127.0.0.1``, ``localhost``, ``[::1]``). A page elsewhere that
  points its own host name at 127.0.0.1 (DNS rebinding), or a reverse proxy passing another name,
  gets no library. Once a user exists, a request without credentials is nobody.

What each viewer may then do is decided by ``schema/permissions.py``.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime

from anyio import to_thread
from sqlalchemy import Engine
from starlette.requests import HTTPConnection
from starlette.responses import Response

from imalink.schema.accounts.service import has_accounts, viewer_of_session, viewer_of_token
from imalink.schema.context import LOCAL_OWNER, NOBODY, SessionCookie, Viewer

SESSION_COOKIE = "imalink_session"
NOT_LOOPBACK = (
    "This server has no accounts, so it answers only at a loopback address (127.0.0.1, localhost). "
    "To reach it by another name, add a user first: imalink user add NAME"
)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address, IPv6 with or without brackets) is this computer only."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _host_name(connection: HTTPConnection) -> str:
    host = connection.headers.get("host", "")
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _refused(refusal: str) -> Viewer:
    return Viewer(NOBODY.user_id, frozenset(), refusal=refusal)


class Authenticator:
    """Turns a request into its viewer (one indexed look-up when it carries credentials).

    Whether accounts exist is remembered only once it is true: no user is ever removed (nor loses
    their password), so that answer cannot go stale. "No accounts" is never remembered: the first
    user may be made by another process (``imalink user add``, another server worker) at any
    moment, and from then on a request without credentials must be nobody. So while there are no
    accounts every anonymous request asks the database; a hotpreview asks in the same connection
    that reads it (``local_owner_unless_accounts``), the price of one small statement.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._accounts_exist = False  # once a user exists, they always do: no need to ask again

    async def accounts_exist(self) -> bool:
        if not self._accounts_exist:
            self._accounts_exist = await to_thread.run_sync(has_accounts, self.engine)
        return self._accounts_exist

    def accounts_seen(self) -> None:
        """An account was found (by a caller that asked the database itself): from now on for good."""
        self._accounts_exist = True

    def local_owner_unless_accounts(self, connection: HTTPConnection) -> bool:
        """Whether ``connection`` is the local owner exactly when no account exists: it carries no
        credentials, names the server by a loopback address, and no account has been seen yet. The
        caller must then ask whether accounts exist in the very transaction that serves it (and
        refuse, through ``viewer``, when they do)."""
        return (
            not self._accounts_exist
            and "authorization" not in connection.headers
            and not connection.cookies.get(SESSION_COOKIE)
            and is_loopback(_host_name(connection))
        )

    async def viewer(self, connection: HTTPConnection) -> Viewer:
        authorization = connection.headers.get("authorization")
        if authorization is not None:
            scheme, _, secret = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return _refused("Send an API token as Authorization: Bearer <token>.")
            found = await to_thread.run_sync(viewer_of_token, self.engine, secret.strip())
            return found if found is not None else _refused("The API token is unknown, revoked or expired.")
        cookie = connection.cookies.get(SESSION_COOKIE)
        if cookie:
            found = await to_thread.run_sync(viewer_of_session, self.engine, cookie)
            if found is not None:
                return found
        if await self.accounts_exist():
            return NOBODY
        if not is_loopback(_host_name(connection)):
            return _refused(NOT_LOOPBACK)
        return LOCAL_OWNER


def write_session_cookie(connection: HTTPConnection, cookie: SessionCookie, response: Response) -> None:
    """Set (after signIn) or clear (after signOut) the browser's session cookie.

    HttpOnly: scripts in the page never see the secret. SameSite=Strict: no other site's page
    makes the browser send it; with operations accepted only as application/json POSTs (a type no
    cross-site form or simple request can send), that is the CSRF defence (README, "Browsers").
    Secure when the request came over HTTPS (uvicorn reads a trusted proxy's X-Forwarded-Proto).
    """
    secure = connection.url.scheme == "https"
    if cookie.issued is not None:
        secret, expires_at = cookie.issued
        max_age = max(0, round((expires_at - datetime.now(expires_at.tzinfo)).total_seconds()))
        response.set_cookie(
            SESSION_COOKIE, secret, max_age=max_age, path="/", secure=secure, httponly=True, samesite="strict"
        )
    elif cookie.ended:
        response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
