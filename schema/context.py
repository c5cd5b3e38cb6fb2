"""What every resolver of one request can reach."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from imalink.resolvers.imports import ImportLimits
from imalink.resolvers.loaders import Loaders, create_loaders

HOTPREVIEW_ROUTE = "/hotpreview/{hothash}.jpg"


@dataclass(frozen=True, slots=True)
class SchemaSettings:
    """The settings the schema itself needs (the app maps its configuration onto these)."""

    limits: ImportLimits = ImportLimits()
    max_existing_hothashes: int = 10_000


@dataclass(slots=True)
class Context:
    """One request's database, settings and DataLoaders."""

    engine: Engine
    settings: SchemaSettings
    loaders: Loaders

    @classmethod
    def for_request(cls, engine: Engine, settings: SchemaSettings) -> Context:
        """A context with fresh loaders: their caches must never outlive the request."""
        return cls(engine, settings, create_loaders(engine))
