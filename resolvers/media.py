"""The previews served over HTTP beside GraphQL: hotpreviews from the database, coldpreviews from disk."""

from __future__ import annotations

from sqlalchemy import Engine

from imalink.db import queries
from imalink.db.media import MediaStore
from imalink.resolvers.imports.checks import canonical_sha256


def hotpreview(engine: Engine, owner_id: int, hothash: str) -> bytes | None:
    """The hotpreview JPEG of the owner's photo ``hothash`` (any case), or ``None``."""
    canonical = canonical_sha256(hothash)
    if canonical is None:
        return None
    with engine.connect() as conn:
        return queries.hotpreview_by_hothash(conn, owner_id, canonical)


def coldpreview(media: MediaStore, owner_id: int, hothash: str) -> bytes | None:
    """The coldpreview JPEG of the owner's photo ``hothash`` (any case), or ``None``."""
    canonical = canonical_sha256(hothash)
    return media.coldpreview(owner_id, canonical) if canonical is not None else None


__all__ = ["MediaStore", "coldpreview", "hotpreview"]
