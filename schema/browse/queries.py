"""Browsing queries: the timeline, the map and the facets, each under any PhotoFilter."""

from __future__ import annotations

from typing import Annotated

import strawberry
from anyio import to_thread

from imalink.resolvers import browse
from imalink.resolvers.browse import MAX_ZOOM, Granularity
from imalink.schema.browse.types import (
    GeoBounds,
    PhotoCluster,
    PhotoFacets,
    PhotoMap,
    PhotoTimeline,
    TimelineBucket,
    TimelineGranularity,
)
from imalink.schema.photos.inputs import BoundingBoxInput, PhotoFilter, PhotoOrder
from imalink.resolvers.accounts import Scope
from imalink.schema.permissions import needs
from imalink.schema.rows import object_from_row

FilterArgument = Annotated[PhotoFilter | None, strawberry.argument(description="Only photos meeting these conditions.")]


@strawberry.type
class BrowseQueries:
    @strawberry.field(
        metadata=needs(Scope.READ),
        description="How many matching photos each year, month or day of local capture time holds (undated "
        "photos apart), so a client can lay out the whole timeline and its scrubber before loading photos; "
        "each bucket's cursor opens the photos listing there."
    )
    async def photo_timeline(
        self,
        info: strawberry.Info,
        filter: FilterArgument = None,
        granularity: Annotated[
            TimelineGranularity, strawberry.argument(description="Bucket length (default MONTH).")
        ] = TimelineGranularity.MONTH,
        order_by: Annotated[
            PhotoOrder | None,
            strawberry.argument(description="TAKEN_AT_DESC (default, newest bucket first) or TAKEN_AT_ASC; "
                                "the bucket cursors work with photos in the same order."),
        ] = None,
    ) -> PhotoTimeline:
        spec = (filter or PhotoFilter()).to_spec(info.context.owner_id)
        sort = (order_by or PhotoOrder.TAKEN_AT_DESC).to_sort()
        found = await to_thread.run_sync(
            browse.timeline, info.context.engine, spec, Granularity(granularity.value), sort
        )
        buckets = [object_from_row(TimelineBucket, bucket) for bucket in found.buckets]
        return object_from_row(PhotoTimeline, found, granularity=granularity, buckets=buckets)

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="Matching photos with a position inside a box, clustered on the server for a map at one zoom "
        "level: a few hundred markers however many photos there are. Clusters split as the zoom grows."
    )
    async def photo_map(
        self,
        info: strawberry.Info,
        bbox: Annotated[BoundingBoxInput, strawberry.argument(description="The map's visible box (west > east crosses the 180th meridian).")],
        zoom: Annotated[int, strawberry.argument(description=f"Web-map zoom level, 0 (the world in one 256-pixel tile) to {MAX_ZOOM}.")],
        filter: FilterArgument = None,
    ) -> PhotoMap:
        spec = (filter or PhotoFilter()).to_spec(info.context.owner_id)
        found = await to_thread.run_sync(browse.photo_map, info.context.engine, spec, bbox.to_box(), zoom)
        clusters = [
            object_from_row(PhotoCluster, c, bounds=object_from_row(GeoBounds, c.bounds), photo_id=c.photo_id) for c in found
        ]
        return PhotoMap(zoom=zoom, clusters=clusters)

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="The values present among the matching photos, with counts, for filter menus: cameras, "
        "lenses, tags, years, ratings. Only the facets asked for are counted."
    )
    def photo_facets(self, info: strawberry.Info, filter: FilterArgument = None) -> PhotoFacets:
        return PhotoFacets(spec=(filter or PhotoFilter()).to_spec(info.context.owner_id))
