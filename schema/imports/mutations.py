"""Import mutations: sessions, one photo group, a batch."""

from __future__ import annotations

from typing import Annotated

import strawberry
from anyio import to_thread

from imalink.resolvers.imports import BatchOutcome, import_batch
from imalink.resolvers.imports.sessions import complete_import_session, create_import_session
from imalink.resolvers.imports.submission import BatchSubmission, PhotoGroupSubmission
from imalink.schema.imports.inputs import BatchImportInput, ImportSessionInput, PhotoGroupInput
from imalink.schema.imports.types import BatchImportResult, PhotoGroupResult
from imalink.schema.photos.types import ImportSession
from imalink.resolvers.accounts import Scope
from imalink.schema.permissions import needs


def _import(info: strawberry.Info, batch: BatchSubmission) -> BatchOutcome:
    context = info.context
    return import_batch(context.engine, context.owner_id, batch, context.settings.limits, context.media)


@strawberry.type
class ImportMutations:
    @strawberry.mutation(metadata=needs(Scope.IMPORT), description="Open an import session; send its id with the batches of this import.")
    async def create_import_session(
        self, info: strawberry.Info, input: Annotated[ImportSessionInput, strawberry.argument(description="The session.")]
    ) -> ImportSession:
        row = await to_thread.run_sync(
            create_import_session, info.context.engine, info.context.owner_id, input.storage_directory, input.description
        )
        return ImportSession.from_row(row)

    @strawberry.mutation(metadata=needs(Scope.IMPORT), description="Close an import session (idempotent); later batches naming it are refused.")
    async def complete_import_session(
        self, info: strawberry.Info, id: Annotated[int, strawberry.argument(description="The session's id.")]
    ) -> ImportSession:
        row = await to_thread.run_sync(complete_import_session, info.context.engine, info.context.owner_id, id)
        return ImportSession.from_row(row)

    # The inputs arrive as the service's submissions (schema/fast_input.py), not as Strawberry objects.
    @strawberry.mutation(metadata=needs(Scope.IMPORT), description="One photo group (e.g. a RAW+JPEG pair); EXIF is extracted on the server.")
    async def create_photo_group(
        self, info: strawberry.Info, input: Annotated[PhotoGroupInput, strawberry.argument(description="The group.")]
    ) -> PhotoGroupResult:
        group: PhotoGroupSubmission = input  # type: ignore[assignment]
        outcome = await to_thread.run_sync(_import, info, BatchSubmission([group]))
        return PhotoGroupResult.from_plan(outcome.results[0])

    @strawberry.mutation(metadata=needs(Scope.IMPORT), description="Many photo groups; each succeeds or fails on its own, results in request order.")
    async def import_batch(
        self, info: strawberry.Info, input: Annotated[BatchImportInput, strawberry.argument(description="The batch.")]
    ) -> BatchImportResult:
        batch: BatchSubmission = input  # type: ignore[assignment]
        return BatchImportResult.from_outcome(await to_thread.run_sync(_import, info, batch))
