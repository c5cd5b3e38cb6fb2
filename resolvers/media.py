"""The previews served over HTTP beside GraphQL: hotpreviews from the database, coldpreviews from disk."""

from __future__ import annotations

from collections.abc import Sequence

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


def hotpreviews(engine: Engine, owner_id: int, hothashes: Sequence[str]) -> list[bytes | None]:
    """The hotpreviews of the owner's photos ``hothashes`` (any case), in the order asked:
    ``None`` for a hash that is malformed or not one of the owner's photos."""
    canonical = [canonical_sha256(hothash) for hothash in hothashes]
    wanted = sorted({hothash for hothash in canonical if hothash is not None})
    found: dict[str, bytes | None] = {}
    if wanted:
        with engine.connect() as conn:
            found = queries.hotpreviews_by_hothashes(conn, owner_id, wanted)
    return [found.get(hothash) if hothash is not None else None for hothash in canonical]


def coldpreview(media: MediaStore, owner_id: int, hothash: str) -> bytes | None:
    """The coldpreview JPEG of the owner's photo ``hothash`` (any case), or ``None``."""
    canonical = canonical_sha256(hothash)
    return media.coldpreview(owner_id, canonical) if canonical is not None else None


__all__ = ["MediaStore", "coldpreview", "hotpreview", "hotpreviews"]
