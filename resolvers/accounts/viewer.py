"""Who is asking: the user a request acts for, and what its credential allows."""

from __future__ import annotations

from dataclasses import dataclass

from imalink.db.tables import LOCAL_OWNER_ID
from imalink.resolvers.accounts.scopes import ALL_SCOPES, Scope

NOBODY_ID = 0
"""No user has this id: a request without valid credentials reads an empty library at worst."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The user whose library every resolver of the request reads and writes, and how they got in."""

    user_id: int
    scopes: frozenset[Scope] = ALL_SCOPES
    username: str | None = None
    session_id: int | None = None
    """Set for a browser signed in with a password (a session cookie)."""
    token_id: int | None = None
    """Set for a request carrying an API token."""
    refusal: str | None = None
    """Why the credentials sent were not accepted (shown with UNAUTHENTICATED)."""

    @property
    def authenticated(self) -> bool:
        return self.user_id != NOBODY_ID


LOCAL_OWNER = Viewer(LOCAL_OWNER_ID)
"""The viewer of a server without accounts (on loopback) and of the importer's local mode."""

NOBODY = Viewer(NOBODY_ID, frozenset())
"""A request without (valid) credentials on a server that has accounts."""


def nobody(refusal: str | None = None) -> Viewer:
    return Viewer(NOBODY_ID, frozenset(), refusal=refusal) if refusal else NOBODY
