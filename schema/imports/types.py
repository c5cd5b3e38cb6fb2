"""What the import mutations answer: per-group results and batch totals."""

from __future__ import annotations

import strawberry

from imalink.resolvers.imports import BatchOutcome, GroupPlan
from imalink.resolvers.imports import ImportProblem as Problem
from imalink.schema.enums import GroupStatus, ImportProblemCode
from imalink.schema.photos.types import Photo


@strawberry.type(description="An error or warning about a photo group or one of its files.")
class ImportProblem:
    code: ImportProblemCode = strawberry.field(description="Stable and machine-readable: switch over it.")
    message: str = strawberry.field(description="What went wrong, for people.")
    filename: str | None = strawberry.field(description="The file concerned, when it is about one file.")

    @classmethod
    def from_problem(cls, problem: Problem) -> ImportProblem:
        return cls(code=problem.code, message=problem.message, filename=problem.filename)


@strawberry.type(description="The outcome of one photo group.")
class PhotoGroupResult:
    hothash: str | None = strawberry.field(
        description="The hothash of the photo the group created or joined (a known photo's own, when the group "
        "joined it by a file); when it failed, the group's hothash if it could be told."
    )
    status: GroupStatus = strawberry.field(description="What became of the group.")
    images_created: int = strawberry.field(description="Files of this group written.")
    errors: list[ImportProblem] = strawberry.field(description="Why the group failed (empty unless FAILED).")
    warnings: list[ImportProblem] = strawberry.field(
        description="Non-fatal: e.g. a file whose EXIF could not be read (the photo is still created)."
    )
    photo_id: strawberry.Private[int | None]

    @classmethod
    def from_plan(cls, plan: GroupPlan) -> PhotoGroupResult:
        return cls(
            hothash=plan.hothash,
            status=plan.status,
            images_created=plan.images_created,
            errors=[ImportProblem.from_problem(p) for p in plan.errors],
            warnings=[ImportProblem.from_problem(p) for p in plan.warnings],
            photo_id=plan.photo_id,
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
            photos_created=outcome.count(GroupStatus.CREATED),
            images_created=outcome.images_created,
            duplicates_skipped=outcome.count(GroupStatus.DUPLICATE),
            errors=outcome.errors,
            processing_time_ms=outcome.processing_time_ms,
            results=[PhotoGroupResult.from_plan(plan) for plan in outcome.results],
        )
