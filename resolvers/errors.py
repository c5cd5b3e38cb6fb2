"""Errors a client can act on: a stable machine-readable code plus a human message.

Raised for whole-request problems (an unknown session, a malformed cursor, a batch past its limit);
the schema turns them into GraphQL errors carrying ``extensions.code``. Everything else that goes
wrong is unexpected and gets masked for the client.
"""

from __future__ import annotations


class UserError(Exception):
    """A request the client can fix; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
