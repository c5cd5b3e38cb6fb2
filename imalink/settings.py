"""Configuration from command-line flags, ``IMALINK_*`` environment variables and defaults."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

from imalink.schema.context import ImportLimits, SchemaSettings
from imalink.schema.limits import QueryLimits

OPENSTREETMAP_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
"""The maps' default tiles. Each tile asked for tells the tile server a place the viewer looks at
(in the photo view, where the photo was taken): "none" keeps every request on this server."""

# The defaults of each limit are the layers' own (one place each); Settings only exposes them.
_QUERY, _SCHEMA = QueryLimits(), SchemaSettings()
_IMPORT = _SCHEMA.limits

class Settings(BaseSettings):
    """Everything an operator can set; each field reads ``IMALINK_<NAME>`` from the environment."""

    model_config = SettingsConfigDict(env_prefix="IMALINK_")

    database_url: str = Field(
        default="sqlite:///imalink.db",
        description="SQLAlchemy URL; the default is the SQLite file ./imalink.db, created on first run. "
        "PostgreSQL: postgresql+psycopg://user@host/dbname.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, description="Server processes; more use more cores.")
    max_groups_per_batch: int = Field(default=_IMPORT.max_groups_per_batch, ge=1)
    max_images_per_group: int = Field(default=_IMPORT.max_images_per_group, ge=1)
    max_hotpreview_bytes: int = Field(default=_IMPORT.max_hotpreview_bytes, ge=1)
    max_coldpreview_bytes: int = Field(default=_IMPORT.max_coldpreview_bytes, ge=1)
    media_dir: Path | None = Field(
        default=None,
        description="Where coldpreviews are kept; default: beside the SQLite file (imalink.db -> imalink-media), "
        "else ./imalink-media.",
    )
    max_request_bytes: int = Field(default=_SCHEMA.max_request_bytes, ge=1024)
    max_existing_hothashes: int = Field(default=_SCHEMA.max_existing_hothashes, ge=1)
    log_level: str = "info"

    # What one GraphQL document may ask for (schema/limits.py).
    max_query_bytes: int = Field(default=_QUERY.max_query_bytes, ge=1024, description="Query text, apart from its variables.")
    max_query_tokens: int = Field(default=_QUERY.max_tokens, ge=100)
    max_query_depth: int = Field(default=_QUERY.max_depth, ge=3)
    max_query_aliases: int = Field(default=_QUERY.max_aliases, ge=0)
    max_query_cost: int = Field(default=_QUERY.max_cost, ge=100, description="Fields resolved, lists multiplied out.")
    introspection: bool = Field(default=True, description="Schema introspection and GraphiQL (codegen needs it).")

    # How long a client may take (imalink/guard.py, imalink/serving.py).
    request_timeout: float = Field(default=30.0, gt=0, description="Seconds a request may run before it is stopped.")
    header_timeout: float = Field(default=10.0, gt=0, description="Seconds to send the request line and headers.")
    body_timeout: float = Field(default=10.0, gt=0, description="Grace seconds before min_body_rate applies.")
    min_body_rate: float = Field(default=16 * 1024, gt=0, description="Bytes a second a body must average.")
    shutdown_timeout: float = Field(default=5.0, ge=0, description="Seconds SIGTERM waits for requests in flight.")
    session_idle_timeout: float = Field(
        default=1800.0, gt=0, description="Seconds without a batch after which an import session is interrupted."
    )

    session_lifetime: float = Field(
        default=30 * 24 * 3600, gt=0, description="Seconds a sign-in lasts; then the browser signs in again."
    )

    map_tiles: str = Field(
        default=OPENSTREETMAP_TILES,
        description="The web app's map tiles: a URL template with {z}, {x} and {y} (https, or http), or \"none\" "
        "for a world outline drawn from the app's own files. A browser may choose otherwise on the Map page.",
    )

    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins (scheme://host[:port]) whose pages may call the API."
    )

    @field_validator("map_tiles")
    @classmethod
    def _tile_template(cls, value: str) -> str:
        value = value.strip()
        if value == "none":
            return value
        if not value.startswith(("https://", "http://")) or not all(part in value for part in ("{z}", "{x}", "{y}")):
            raise ValueError('a tile URL template such as https://tile.example.org/{z}/{x}/{y}.png, or "none"')
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @classmethod
    def with_overrides(cls, **overrides: object) -> Settings:
        """The environment's settings, with the options a command line gave (``None``: not given)."""
        return cls(**{name: value for name, value in overrides.items() if value is not None})

    def schema_settings(self) -> SchemaSettings:
        """The part of the configuration the GraphQL layer needs."""
        limits = ImportLimits(
            self.max_groups_per_batch, self.max_images_per_group, self.max_hotpreview_bytes, self.max_coldpreview_bytes
        )
        return SchemaSettings(
            limits,
            self.max_existing_hothashes,
            self.max_request_bytes,
            self.media_directory(),
            timedelta(seconds=self.session_lifetime),
        )

    def media_directory(self) -> Path:
        """``media_dir``, or its default beside the SQLite file (``./imalink-media`` for other databases)."""
        if self.media_dir is not None:
            return self.media_dir
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            database = Path(url.database)
            return database.with_name(f"{database.stem}-media")
        return Path("imalink-media")

    def query_limits(self) -> QueryLimits:
        """What one GraphQL document may ask for."""
        return QueryLimits(
            max_query_bytes=self.max_query_bytes,
            max_tokens=self.max_query_tokens,
            max_depth=self.max_query_depth,
            max_aliases=self.max_query_aliases,
            max_cost=self.max_query_cost,
            introspection=self.introspection,
        )
