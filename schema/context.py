"""What every resolver of one request can reach."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from imalink.resolvers.imports import ImportLimits
from imalink.resolvers.loaders import Loaders, create_loaders
from imalink.resolvers.media import MediaStore
from imalink.resolvers.owners import LOCAL_OWNER_ID


@dataclass(frozen=True, slots=True)
class SchemaSettings:
    """The settings the schema itself needs (the app maps its configuration onto these)."""

    limits: ImportLimits = ImportLimits()
    max_existing_hothashes: int = 10_000
    media_dir: Path = Path("imalink-media")
    """Where coldpreviews are kept (see ``Settings.media_dir``)."""
    media: MediaStore = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "media", MediaStore(self.media_dir))


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: the user whose library every resolver of the request reads and writes."""

    user_id: int


LOCAL_OWNER = Viewer(LOCAL_OWNER_ID)
"""The viewer of a server without accounts (and of the importer's local mode)."""


@dataclass(slots=True)
class Context:
    """One request's database, settings, viewer and DataLoaders."""

    engine: Engine
    settings: SchemaSettings
    viewer: Viewer
    loaders: Loaders

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
