"""Photo queries: one photo, the paginated listing, and which hothashes the library has."""

from __future__ import annotations

from typing import Annotated

import strawberry
from anyio import to_thread

from imalink.resolvers import lookalikes, photos
from imalink.resolvers.pagination import page_request
from imalink.schema.pagination import After, Before, First, Last, other_side_wanted
from imalink.schema.photos.inputs import PhotoFilter, PhotoOrder
from imalink.schema.selection import selected_paths
from imalink.schema.photos.types import (
    DuplicateCluster,
    DuplicateClusterConnection,
    ExistingFile,
    ExistingPhoto,
    MaxDistance,
    Photo,
    PhotoConnection,
)
from imalink.resolvers.accounts import Scope
from imalink.schema.permissions import needs

_HOTHASHES = "Lowercase hex SHA-256 hothashes; any other string is never found."


@strawberry.type
class PhotoQueries:
    @strawberry.field(metadata=needs(Scope.READ), description="One photo by its hothash, or null.")
    async def photo(
        self, info: strawberry.Info, hothash: Annotated[str, strawberry.argument(description="The photo's hothash.")]
    ) -> Photo | None:
        row = await to_thread.run_sync(photos.photo_by_hothash, info.context.engine, info.context.owner_id, hothash)
        return Photo.from_row(row) if row is not None else None

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="Photos, newest capture first by default, cursor-paginated (first: default 50, at most 500).\n"
        "Undated photos come after dated ones in either capture-time order. Page backward with last/before; "
        "open the timeline at any bucket with its cursor (photoTimeline) as after (older) or before (newer)."
    )
    async def photos(
        self,
        info: strawberry.Info,
        first: First = None,
        after: After = None,
        filter: Annotated[PhotoFilter | None, strawberry.argument(description="Only photos meeting these conditions.")] = None,
        order_by: Annotated[PhotoOrder | None, strawberry.argument(description="Default TAKEN_AT_DESC.")] = None,
        last: Last = None,
        before: Before = None,
    ) -> PhotoConnection:
        spec = (filter or PhotoFilter()).to_spec(info.context.owner_id)
        sort = (order_by or PhotoOrder.TAKEN_AT_DESC).to_sort()
        request = page_request(first, after, last, before)
        wanted = selected_paths(info)
        parts = photos.PageParts(
            total="totalCount" in wanted,
            images="edges.node.images" in wanted,
            sessions="edges.node.importSession" in wanted,
            tags="edges.node.tags" in wanted,
            other_side=other_side_wanted(request, wanted),
        )
        page = await to_thread.run_sync(photos.photo_page, info.context.engine, spec, sort, request, parts)
        return PhotoConnection.from_page(page, lambda row: Photo.from_row(row, page.images, page.sessions, page.tags))

    @strawberry.field(
        metadata=needs(Scope.READ, Scope.IMPORT),
        description="Which of these hothashes the library already has, so a client can skip work before sending."
    )
    async def existing_hothashes(
        self, info: strawberry.Info, hothashes: Annotated[list[str], strawberry.argument(description=_HOTHASHES)]
    ) -> list[str]:
        limit = info.context.settings.max_existing_hothashes
        return await to_thread.run_sync(photos.existing_hothashes, info.context.engine, info.context.owner_id, hothashes, limit)

    @strawberry.field(
        metadata=needs(Scope.READ, Scope.IMPORT),
        description="The photos among these hothashes that the library already has, each with the file names "
        "attached to it, so a client can send only files that are new (a RAW arriving after its JPEG). "
        "At most as many hothashes as existingHothashes takes."
    )
    async def existing_photos(
        self, info: strawberry.Info, hothashes: Annotated[list[str], strawberry.argument(description=_HOTHASHES)]
    ) -> list[ExistingPhoto]:
        limit = info.context.settings.max_existing_hothashes
        # The resolver's named tuples answer for ExistingPhoto (same attributes): 5,000 objects less to make.
        return await to_thread.run_sync(photos.existing_photo_files, info.context.engine, info.context.owner_id, hothashes, limit)

    @strawberry.field(
        metadata=needs(Scope.READ, Scope.IMPORT),
        description="The files among these content hashes (SHA-256 of a file's bytes) that the library already "
        "has, each with its file name and the hothash of its photo, so a client can skip reading and decoding "
        "them. At most as many content hashes as existingHothashes takes hothashes."
    )
    async def existing_files(
        self,
        info: strawberry.Info,
        content_hashes: Annotated[
            list[str], strawberry.argument(description="Lowercase hex SHA-256 of each file's bytes.")
        ],
    ) -> list[ExistingFile]:
        limit = info.context.settings.max_existing_hothashes
        return await to_thread.run_sync(photos.existing_files, info.context.engine, info.context.owner_id, content_hashes, limit)

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="The library's clusters of likely duplicates: photos whose perceptual fingerprints are within "
        "maxDistance of another photo of the cluster (the same picture imported more than once: re-encoded, resized, "
        "edited, cropped, its RAW and JPEG apart). Largest clusters first; cursor-paginated."
    )
    async def duplicate_clusters(
        self,
        info: strawberry.Info,
        max_distance: MaxDistance = lookalikes.DEFAULT_DISTANCE,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> DuplicateClusterConnection:
        distance = lookalikes.check_distance(max_distance)
        request = page_request(first, after, last, before)
        page = await to_thread.run_sync(lookalikes.cluster_page, info.context.engine, info.context.owner_id, distance, request)
        return DuplicateClusterConnection.from_page(page, lambda ids: DuplicateCluster(photo_ids=ids))
