"""Configuration from command-line flags, ``IMALINK_*`` environment variables and defaults."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from imalink.schema.context import ImportLimits, SchemaSettings


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
    max_groups_per_batch: int = Field(default=1000, ge=1)
    max_images_per_group: int = Field(default=32, ge=1)
    max_hotpreview_bytes: int = Field(default=1024 * 1024, ge=1)
    max_coldpreview_bytes: int = Field(default=4 * 1024 * 1024, ge=1)
    media_dir: Path | None = Field(
        default=None,
        description="Where coldpreviews are kept; default: beside the SQLite file (imalink.db -> imalink-media), "
        "else ./imalink-media.",
    )
    max_request_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    max_existing_hothashes: int = Field(default=10_000, ge=1)
    log_level: str = "info"

    def schema_settings(self) -> SchemaSettings:
        """The part of the configuration the GraphQL layer needs."""
        limits = ImportLimits(
            self.max_groups_per_batch, self.max_images_per_group, self.max_hotpreview_bytes, self.max_coldpreview_bytes
        )
        return SchemaSettings(limits, self.max_existing_hothashes, self.media_directory())

    def media_directory(self) -> Path:
        """``media_dir``, or its default beside the SQLite file (``./imalink-media`` for other databases)."""
        if self.media_dir is not None:
            return self.media_dir
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            database = Path(url.database)
            return database.with_name(f"{database.stem}-media")
        return Path("imalink-media")
