"""The previews served over HTTP beside GraphQL (the app's ``/hotpreview/…`` and ``/coldpreview/…``
routes): who may see them, by the same rule as the read fields, and their bytes. The app turns
these into responses (``imalink/media.py``); it reaches the resolvers only through here."""

from __future__ import annotations

from sqlalchemy import Engine

from imalink.resolvers.accounts import Scope
from imalink.resolvers.media import coldpreview, hotpreview, local_owner_hotpreview
from imalink.schema.context import SchemaSettings, Viewer
from imalink.schema.enums import ErrorCode
from imalink.schema.permissions import Access, refusal

SEES_PREVIEWS = Access(any_of=frozenset({Scope.READ}))


def preview_refusal(viewer: Viewer) -> tuple[ErrorCode, str] | None:
    """Why ``viewer`` may not see previews (UNAUTHENTICATED or FORBIDDEN, and a message), or None."""
    return refusal(viewer, "previews", SEES_PREVIEWS)


def hotpreview_of(engine: Engine, viewer: Viewer, hothash: str) -> bytes | None:
    """The hotpreview JPEG of the viewer's photo ``hothash`` (any case), or None."""
    return hotpreview(engine, viewer.user_id, hothash)


def hotpreview_unless_accounts(engine: Engine, hothash: str) -> tuple[bool, bytes | None]:
    """For a request that is the local owner unless an account exists (``imalink/auth.py``):
    (whether an account exists, and if none does, the local owner's hotpreview ``hothash`` or None).
    The local owner may see previews (every scope), so no other rule applies."""
    return local_owner_hotpreview(engine, hothash)


def coldpreview_of(settings: SchemaSettings, viewer: Viewer, hothash: str) -> bytes | None:
    """The coldpreview JPEG of the viewer's photo ``hothash`` (any case), or None."""
    return coldpreview(settings.media, viewer.user_id, hothash)


__all__ = ["SEES_PREVIEWS", "coldpreview_of", "hotpreview_of", "hotpreview_unless_accounts", "preview_refusal"]
