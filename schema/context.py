"""What every resolver of one request can reach."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from imalink.resolvers.imports import ImportLimits
from imalink.resolvers.loaders import Loaders, create_loaders
from imalink.resolvers.media import MediaStore
from imalink.resolvers.accounts import LOCAL_OWNER, NOBODY, Viewer


@dataclass(frozen=True, slots=True)
class SchemaSettings:
    """The settings the schema itself needs (the app maps its configuration onto these)."""

    limits: ImportLimits = ImportLimits()
    max_existing_hothashes: int = 10_000
    max_request_bytes: int = 64 * 1024 * 1024
    """The largest request body the app reads (``Settings.max_request_bytes``, enforced by
    imalink/guard.py); published in ``importLimits`` so clients size their batches by it."""
    media_dir: Path = Path("imalink-media")
    """Where coldpreviews are kept (see ``Settings.media_dir``)."""
    session_lifetime: timedelta = timedelta(days=30)
    """How long a sign-in lasts (``Settings.session_lifetime``)."""
    media: MediaStore = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "media", MediaStore(self.media_dir))


@dataclass(slots=True)
class SessionCookie:
    """What the response does to the browser's session cookie; the app writes the header (the
    secret never appears in a GraphQL response, so scripts in the page cannot read it)."""

    issued: tuple[str, datetime] | None = None
    """(secret, expiry) of a session just signed in."""
    ended: bool = False
    """The browser signed out: clear its cookie."""


@dataclass(slots=True)
class Context:
    """One request's database, settings, viewer and DataLoaders."""

    engine: Engine
    settings: SchemaSettings
    viewer: Viewer
    loaders: Loaders
    session_cookie: SessionCookie = field(default_factory=SessionCookie)

    @classmethod
    def for_request(cls, engine: Engine, settings: SchemaSettings, viewer: Viewer) -> Context:
        """A context with fresh loaders: their caches must never outlive the request (nor the viewer)."""
        return cls(engine, settings, viewer, create_loaders(engine, viewer.user_id))

    @property
    def media(self) -> MediaStore:
        """The library's files beside the database (coldpreviews)."""
        return self.settings.media

    @property
    def owner_id(self) -> int:
        """The library every resolver of this request works on: the viewer's own."""
        return self.viewer.user_id


__all__ = ["LOCAL_OWNER", "NOBODY", "Context", "SchemaSettings", "SessionCookie", "Viewer"]
