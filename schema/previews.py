"""The previews served over HTTP beside GraphQL (the app's ``/hotpreview/…``, ``/hotpreviews`` and
``/coldpreview/…`` routes): who may see them, by the same rule as the read fields, and their bytes.
The app turns these into responses (``imalink/media.py``); it reaches the resolvers only through here."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from imalink.resolvers.accounts import Scope
from imalink.resolvers.media import coldpreview, hotpreview, hotpreviews
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


def hotpreviews_of(engine: Engine, viewer: Viewer, hothashes: Sequence[str]) -> list[bytes | None]:
    """The hotpreviews of the viewer's photos ``hothashes`` in the order asked (None: not one of them)."""
    return hotpreviews(engine, viewer.user_id, hothashes)


def coldpreview_of(settings: SchemaSettings, viewer: Viewer, hothash: str) -> bytes | None:
    """The coldpreview JPEG of the viewer's photo ``hothash`` (any case), or None."""
    return coldpreview(settings.media, viewer.user_id, hothash)


__all__ = ["SEES_PREVIEWS", "coldpreview_of", "hotpreview_of", "hotpreviews_of", "preview_refusal"]
