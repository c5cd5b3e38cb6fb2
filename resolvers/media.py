"""The previews served over HTTP beside GraphQL: hotpreviews from the database, coldpreviews from disk."""

from __future__ import annotations

from sqlalchemy import Engine

from imalink.db import accounts, queries
from imalink.db.media import MediaStore
from imalink.db.tables import LOCAL_OWNER_ID
from imalink.resolvers.imports.checks import canonical_sha256


def hotpreview(engine: Engine, owner_id: int, hothash: str) -> bytes | None:
    """The hotpreview JPEG of the owner's photo ``hothash`` (any case), or ``None``."""
    canonical = canonical_sha256(hothash)
    if canonical is None:
        return None
    with engine.connect() as conn:
        return queries.hotpreview_by_hothash(conn, owner_id, canonical)


def local_owner_hotpreview(engine: Engine, hothash: str) -> tuple[bool, bytes | None]:
    """(whether anyone can sign in, the local owner's hotpreview ``hothash`` or ``None``), both read
    through one connection: the preview only when no account exists. A server without accounts asks
    this for every thumbnail, so the question costs one small statement, not a connection of its own."""
    canonical = canonical_sha256(hothash)
    with engine.connect() as conn:
        if accounts.has_accounts(conn):
            return True, None
        return False, queries.hotpreview_by_hothash(conn, LOCAL_OWNER_ID, canonical) if canonical is not None else None


def coldpreview(media: MediaStore, owner_id: int, hothash: str) -> bytes | None:
    """The coldpreview JPEG of the owner's photo ``hothash`` (any case), or ``None``."""
    canonical = canonical_sha256(hothash)
    return media.coldpreview(owner_id, canonical) if canonical is not None else None


__all__ = ["MediaStore", "coldpreview", "hotpreview", "local_owner_hotpreview"]
