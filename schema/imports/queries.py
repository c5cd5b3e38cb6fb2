"""Import session queries."""

from __future__ import annotations

from typing import Annotated

import strawberry
from anyio import to_thread

from imalink.resolvers import photos
from imalink.schema.photos.types import ImportSession, ImportSessionConnection


@strawberry.type
class ImportQueries:
    @strawberry.field(description="One import session by id, or null.")
    async def import_session(
        self, info: strawberry.Info, id: Annotated[int, strawberry.argument(description="The session's id.")]
    ) -> ImportSession | None:
        row = await info.context.loaders.session.load(id)
        return ImportSession.from_row(row) if row is not None else None

    @strawberry.field(description="Import sessions, newest first, cursor-paginated (first: default 50, at most 500).")
    async def import_sessions(
        self,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description="Page size: default 50, at most 500.")] = None,
        after: Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")] = None,
    ) -> ImportSessionConnection:
        page = await to_thread.run_sync(photos.session_page, info.context.engine, info.context.owner_id, first, after)
        return ImportSessionConnection.from_page(page, ImportSession.from_row)
