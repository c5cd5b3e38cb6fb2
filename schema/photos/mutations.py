"""Photo edits."""

from __future__ import annotations

from typing import Annotated

import strawberry
from anyio import to_thread

from imalink.resolvers import photos
from imalink.schema.photos.inputs import PhotoUpdateInput
from imalink.schema.photos.types import Photo
from imalink.resolvers.accounts import Scope
from imalink.schema.permissions import needs


@strawberry.type
class PhotoMutations:
    @strawberry.mutation(metadata=needs(Scope.EDIT), description="Change a photo's title, description, tags, rating, favourite mark or rotation; null if unknown.")
    async def update_photo(
        self,
        info: strawberry.Info,
        hothash: Annotated[str, strawberry.argument(description="The photo's hothash.")],
        input: Annotated[PhotoUpdateInput, strawberry.argument(description="The changes.")],
    ) -> Photo | None:
        row = await to_thread.run_sync(photos.update_photo, info.context.engine, info.context.owner_id, hothash, input.changes())
        return Photo.from_row(row) if row is not None else None

    @strawberry.mutation(metadata=needs(Scope.EDIT), description="Delete a photo and its images; false when there was no such photo.")
    async def delete_photo(
        self, info: strawberry.Info, hothash: Annotated[str, strawberry.argument(description="The photo's hothash.")]
    ) -> bool:
        context = info.context
        return await to_thread.run_sync(photos.delete_photo, context.engine, context.media, context.owner_id, hothash)
