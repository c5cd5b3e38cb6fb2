"""Import session queries."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import strawberry
from anyio import to_thread

from imalink.resolvers import photos
from imalink.resolvers.pagination import page_request
from imalink.schema.pagination import After, Before, First, Last, other_side_wanted
from imalink.schema.photos.types import ImportSession, ImportSessionConnection
from imalink.schema.selection import selected_paths
from imalink.resolvers.accounts import Scope
from imalink.schema.permissions import needs


@strawberry.type(
    description="What one request of an import may carry on this server. Clients size their batches and "
    "look-ups by it instead of copying the server's defaults, which an administrator may change."
)
class ImportLimits:
    max_groups_per_batch: int = strawberry.field(description="Photo groups in one importBatch.")
    max_images_per_group: int = strawberry.field(description="Files in one photo group.")
    max_hotpreview_bytes: int = strawberry.field(description="Bytes of one hotpreview, decoded from base64.")
    max_coldpreview_bytes: int = strawberry.field(description="Bytes of one coldpreview, decoded from base64.")
    max_hashes_per_lookup: int = strawberry.field(
        description="Hashes in one existingFiles, existingPhotos or existingHothashes query."
    )
    max_request_bytes: int = strawberry.field(description="Bytes of one request body, as sent (JSON, base64 inside).")


@strawberry.type
class ImportQueries:
    @strawberry.field(metadata=needs(Scope.READ, Scope.IMPORT), description="This server's limits on what an import sends.")
    def import_limits(self, info: strawberry.Info) -> ImportLimits:
        settings = info.context.settings
        return ImportLimits(
            **asdict(settings.limits),
            max_hashes_per_lookup=settings.max_existing_hothashes,
            max_request_bytes=settings.max_request_bytes,
        )

    @strawberry.field(metadata=needs(Scope.READ, Scope.IMPORT), description="One import session by id, or null.")
    async def import_session(
        self, info: strawberry.Info, id: Annotated[int, strawberry.argument(description="The session's id.")]
    ) -> ImportSession | None:
        row = await info.context.loaders.session.load(id)
        return ImportSession.from_row(row) if row is not None else None

    @strawberry.field(metadata=needs(Scope.READ, Scope.IMPORT), description="Import sessions, newest first, cursor-paginated (first: default 50, at most 500).")
    async def import_sessions(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> ImportSessionConnection:
        request = page_request(first, after, last, before)
        other_side = other_side_wanted(request, selected_paths(info))
        page = await to_thread.run_sync(
            photos.session_page, info.context.engine, info.context.owner_id, request, other_side
        )
        return ImportSessionConnection.from_page(page, ImportSession.from_row)
