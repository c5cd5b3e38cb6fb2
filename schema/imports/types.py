"""Import session and import result types."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import Row

from imalink.resolvers.imports import BatchOutcome, GroupOutcome
from imalink.resolvers.imports import ImportProblem as Problem
from imalink.resolvers.loaders import SessionPhotosKey
from imalink.schema.pagination import Connection
from imalink.schema.photos.types import Photo, PhotoConnection


@strawberry.type(description="One import run: the storage directory the user chose and totals of what it brought.")
class ImportSession:
    id: int = strawberry.field(description="Database id.")
    storage_directory: str | None = strawberry.field(
        description="Name of the storage directory the user chose in the frontend; stored, never touched."
    )
    description: str | None = strawberry.field(description="The user's description of this import.")
    status: str = strawberry.field(description="IN_PROGRESS until completeImportSession, then COMPLETED.")
    started_at: datetime = strawberry.field(description="When the session was created.")
    completed_at: datetime | None = strawberry.field(description="When the session was completed.")
    photos_created: int = strawberry.field(
        description="Totals over every group sent to this session, with the meanings of BatchImportResult."
    )
    images_created: int = strawberry.field(description="Files written, including those attached to known photos.")
    duplicates_skipped: int = strawberry.field(description="Groups whose status was DUPLICATE.")
    files_processed: int = strawberry.field(description="Every file received, whatever became of it.")
    errors_count: int = strawberry.field(description="Lines of BatchImportResult.errors produced for this session.")

    @classmethod
    def from_row(cls, row: Row[Any]) -> ImportSession:
        """The API's view of a session row."""
        return cls(
            id=row.id,
            storage_directory=row.storage_directory,
            description=row.description,
            status=row.status,
            started_at=row.started_at,
            completed_at=row.completed_at,
            photos_created=row.photos_created,
            images_created=row.images_created,
            duplicates_skipped=row.duplicates_skipped,
            files_processed=row.files_processed,
            errors_count=row.errors_count,
        )

    @strawberry.field(description="Photos this session created, newest capture first, undated last.")
    async def photos(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> PhotoConnection:
        page = await info.context.loaders.session_photos.load(SessionPhotosKey(self.id, first, after))
        return PhotoConnection.from_page(page, Photo.from_row)


@strawberry.enum(description="What became of one photo group.")
class PhotoGroupStatus(Enum):
    CREATED = strawberry.enum_value("CREATED", description="A new photo was created.")
    DUPLICATE = strawberry.enum_value(
        "DUPLICATE",
        description="The hothash is known and every file name in the group (case-insensitive) is already attached.",
    )
    IMAGES_ADDED = strawberry.enum_value(
        "IMAGES_ADDED", description="The hothash is known; files whose names it did not have yet were attached."
    )
    FAILED = strawberry.enum_value("FAILED", description="Nothing of this group was written; errors say why.")


@strawberry.type(description="An error or warning about a photo group or one of its files.")
class ImportProblem:
    code: str = strawberry.field(
        description="Stable, machine-readable, e.g. INVALID_BASE64, HOTHASH_MISMATCH, NO_IMAGES, EXIF_UNREADABLE."
    )
    message: str = strawberry.field(description="What went wrong, for people.")
    filename: str | None = strawberry.field(description="The file concerned, when it is about one file.")

    @classmethod
    def from_problem(cls, problem: Problem) -> ImportProblem:
        return cls(code=problem.code, message=problem.message, filename=problem.filename)


@strawberry.type(description="The outcome of one photo group.")
class PhotoGroupResult:
    hothash: str | None = strawberry.field(description="The group's hothash, when it could be told.")
    status: PhotoGroupStatus = strawberry.field(description="What became of the group.")
    images_created: int = strawberry.field(description="Files of this group written.")
    errors: list[ImportProblem] = strawberry.field(description="Why the group failed (empty unless FAILED).")
    warnings: list[ImportProblem] = strawberry.field(
        description="Non-fatal: e.g. a file whose EXIF could not be read (the photo is still created)."
    )
    photo_id: strawberry.Private[int | None]

    @classmethod
    def from_outcome(cls, outcome: GroupOutcome) -> PhotoGroupResult:
        return cls(
            hothash=outcome.hothash,
            status=PhotoGroupStatus(outcome.status.value),
            images_created=outcome.images_created,
            errors=[ImportProblem.from_problem(p) for p in outcome.errors],
            warnings=[ImportProblem.from_problem(p) for p in outcome.warnings],
            photo_id=outcome.photo_id,
        )

    @strawberry.field(description="The photo the group created or was added to; null when it failed.")
    async def photo(self, info: strawberry.Info) -> Photo | None:
        if self.photo_id is None:
            return None
        row = await info.context.loaders.photo.load(self.photo_id)
        return Photo.from_row(row) if row is not None else None


@strawberry.type(description="The outcome of a batch: totals, and one result per group in request order.")
class BatchImportResult:
    photos_created: int = strawberry.field(description="Groups whose status is CREATED.")
    images_created: int = strawberry.field(description="Files written, including those attached to known photos.")
    duplicates_skipped: int = strawberry.field(description="Groups whose status is DUPLICATE.")
    errors: list[str] = strawberry.field(description="One human-readable line per failed group or file.")
    processing_time_ms: float = strawberry.field(description="Server time spent on the batch, milliseconds.")
    results: list[PhotoGroupResult] = strawberry.field(description="One result per group, in request order.")

    @classmethod
    def from_outcome(cls, outcome: BatchOutcome) -> BatchImportResult:
        return cls(
            photos_created=outcome.photos_created,
            images_created=outcome.images_created,
            duplicates_skipped=outcome.duplicates_skipped,
            errors=outcome.errors,
            processing_time_ms=outcome.processing_time_ms,
            results=[PhotoGroupResult.from_outcome(r) for r in outcome.results],
        )


ImportSessionConnection = Connection[ImportSession]
