"""Import mutations: sessions, one photo group, a batch."""

from __future__ import annotations

import strawberry
from anyio import to_thread

from imalink.resolvers.imports import import_batch
from imalink.resolvers.imports.sessions import complete_import_session, create_import_session
from imalink.resolvers.imports.submission import BatchSubmission
from imalink.schema.imports.inputs import BatchImportInput, ImportSessionInput, PhotoGroupInput
from imalink.schema.imports.types import BatchImportResult, ImportSession, PhotoGroupResult


@strawberry.type
class ImportMutations:
    @strawberry.mutation(description="Open an import session; send its id with the batches of this import.")
    async def create_import_session(self, info: strawberry.Info, input: ImportSessionInput) -> ImportSession:
        row = await to_thread.run_sync(
            create_import_session, info.context.engine, info.context.owner_id, input.storage_directory, input.description
        )
        return ImportSession.from_row(row)

    @strawberry.mutation(description="Close an import session (idempotent); later batches naming it are refused.")
    async def complete_import_session(self, info: strawberry.Info, id: int) -> ImportSession:
        row = await to_thread.run_sync(complete_import_session, info.context.engine, info.context.owner_id, id)
        return ImportSession.from_row(row)

    @strawberry.mutation(description="One photo group (e.g. a RAW+JPEG pair); EXIF is extracted on the server.")
    async def create_photo_group(self, info: strawberry.Info, input: PhotoGroupInput) -> PhotoGroupResult:
        batch = BatchSubmission([input.to_submission()])
        outcome = await to_thread.run_sync(import_batch, info.context.engine, info.context.owner_id, batch, info.context.settings.limits)
        return PhotoGroupResult.from_outcome(outcome.results[0])

    @strawberry.mutation(description="Many photo groups; each succeeds or fails on its own, results in request order.")
    async def import_batch(self, info: strawberry.Info, input: BatchImportInput) -> BatchImportResult:
        outcome = await to_thread.run_sync(
            import_batch, info.context.engine, info.context.owner_id, input.to_submission(), info.context.settings.limits
        )
        return BatchImportResult.from_outcome(outcome)
