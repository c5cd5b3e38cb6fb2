"""What every resolver of one request can reach."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from imalink.db.tables import LOCAL_OWNER_ID
from imalink.resolvers.imports import ImportLimits
from imalink.resolvers.loaders import Loaders, create_loaders

HOTPREVIEW_ROUTE = "/hotpreview/{hothash}.jpg"


@dataclass(frozen=True, slots=True)
class SchemaSettings:
    """The settings the schema itself needs (the app maps its configuration onto these)."""

    limits: ImportLimits = ImportLimits()
    max_existing_hothashes: int = 10_000


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
    def owner_id(self) -> int:
        """The library every resolver of this request works on: the viewer's own."""
        return self.viewer.user_id
