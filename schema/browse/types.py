"""Timeline buckets, map clusters and facet values."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Annotated, Any

import strawberry
from anyio import to_thread

from imalink.resolvers.photos import PhotoFilterSpec
from imalink.resolvers import browse
from imalink.resolvers.browse import DEFAULT_FACET_SIZE, MAX_FACET_SIZE, FacetReads
from imalink.schema.photos.types import Photo
from imalink.schema.scalars import LocalDateTime


@strawberry.enum(description="How long one timeline bucket is.")
class TimelineGranularity(Enum):
    YEAR = strawberry.enum_value("YEAR", description="One bucket per calendar year.")
    MONTH = strawberry.enum_value("MONTH", description="One bucket per calendar month.")
    DAY = strawberry.enum_value("DAY", description="One bucket per calendar day.")


@strawberry.type(description="A stretch of local capture time and how many matching photos it holds.")
class TimelineBucket:
    label: str = strawberry.field(description="The year (2024), month (2024-05) or day (2024-05-17) it covers.")
    start: LocalDateTime = strawberry.field(description="First moment inside the bucket (local wall clock).")
    end: LocalDateTime = strawberry.field(description="First moment after the bucket (exclusive).")
    count: int = strawberry.field(description="Matching photos taken inside the bucket.")
    cursor: str = strawberry.field(
        description="Open the photos listing here (same filter and orderBy): as `after` with `first`, the "
        "bucket's photos and what follows them; as `before` with `last`, the photos just before the bucket."
    )


@strawberry.type(description="The timeline of matching photos: the buckets that hold any, in order, and the undated photos apart.")
class PhotoTimeline:
    granularity: TimelineGranularity = strawberry.field(description="How long each bucket is.")
    buckets: list[TimelineBucket] = strawberry.field(
        description="Every non-empty bucket in the order asked for (at most one per day of the library's span)."
    )
    undated_count: int = strawberry.field(description="Matching photos without a capture time (they come last in the listing).")
    undated_cursor: str | None = strawberry.field(
        description="Open the listing at the undated photos, like a bucket's cursor; null when there are none."
    )

    @strawberry.field(description="Every matching photo: the buckets' counts plus the undated ones.")
    def total_count(self) -> int:
        return sum(bucket.count for bucket in self.buckets) + self.undated_count


@strawberry.type(description="A box on the globe, degrees.")
class GeoBounds:
    south: float = strawberry.field(description="Southern edge.")
    west: float = strawberry.field(description="Western edge.")
    north: float = strawberry.field(description="Northern edge.")
    east: float = strawberry.field(description="Eastern edge.")


@strawberry.type(description="Matching photos close together on the map at the zoom asked for; a count of 1 is a single photo.")
class PhotoCluster:
    count: int = strawberry.field(description="Photos in the cluster.")
    latitude: float = strawberry.field(description="Where to put the marker: the mean latitude (a single photo's own).")
    longitude: float = strawberry.field(description="The mean longitude (a single photo's own).")
    bounds: GeoBounds = strawberry.field(
        description="The smallest box holding the cluster's photos: zoom to it, or pass it as the filter's bbox to list them."
    )
    hothash: str = strawberry.field(description="The photo shown for the cluster (the most recently added one).")
    photo_id: strawberry.Private[int]

    @strawberry.field(description="The photo shown for the cluster.")
    async def photo(self, info: strawberry.Info) -> Photo:
        row = await info.context.loaders.photo.load(self.photo_id)
        return Photo.from_row(row)


@strawberry.type(description="Matching photos inside a box, clustered on the server for one zoom level.")
class PhotoMap:
    zoom: int = strawberry.field(description="The zoom level the clusters are made for.")
    clusters: list[PhotoCluster] = strawberry.field(
        description="One per occupied cell of a grid of about 64 screen pixels: a few hundred for a full-screen map, whatever the number of photos."
    )

    @strawberry.field(description="Matching photos inside the box: the clusters' counts summed.")
    def total_count(self) -> int:
        return sum(cluster.count for cluster in self.clusters)


@strawberry.type(description="A value of a facet and how many matching photos have it.")
class FacetValue:
    value: str = strawberry.field(description="The value as photos spell it (values compare case-insensitively).")
    count: int = strawberry.field(description="Matching photos with this value.")


@strawberry.type(description="A capture year and how many matching photos were taken in it.")
class YearFacetValue:
    year: int = strawberry.field(description="The year, local capture time.")
    count: int = strawberry.field(description="Matching photos taken that year.")


@strawberry.type(description="A rating and how many matching photos have it.")
class RatingFacetValue:
    rating: int = strawberry.field(description="0-5; 0 means unrated.")
    count: int = strawberry.field(description="Matching photos with this rating.")


FacetSize = Annotated[
    int | None,
    strawberry.argument(description=f"How many values, most common first (default {DEFAULT_FACET_SIZE}, at most {MAX_FACET_SIZE})."),
]


def _column_facet(column: str, description: str) -> Any:
    """The resolver of the facet of one photo column (the camera and lens facets differ only in it)."""

    @strawberry.field(description=description)
    async def resolve(self: PhotoFacets, info: strawberry.Info, first: FacetSize = None) -> list[FacetValue]:
        found = await to_thread.run_sync(browse.column_facet, info.context.engine, self.spec, column, first, self.reads)
        return [FacetValue(value=value, count=count) for value, count in found]

    return resolve


@strawberry.type(
    description="What the filter menus offer: the values present among the matching photos, with counts. "
    "Each facet ignores its own selection (the cameras facet counts as if no camera were chosen), so a menu "
    "shows the alternatives to what is picked. The facets asked for are counted in parallel; under a filter "
    "with few matches, they share one read of those photos."
)
class PhotoFacets:
    spec: strawberry.Private[PhotoFilterSpec]
    reads: strawberry.Private[FacetReads] = dataclasses.field(default_factory=FacetReads)

    camera_makes = _column_facet("camera_make", "Camera makes, most common first.")
    camera_models = _column_facet("camera_model", "Camera models, most common first.")
    lens_models = _column_facet("lens_model", "Lens models, most common first.")

    @strawberry.field(description="Tags, most common first.")
    async def tags(self, info: strawberry.Info, first: FacetSize = None) -> list[FacetValue]:
        found = await to_thread.run_sync(browse.tag_facet, info.context.engine, self.spec, first, self.reads)
        return [FacetValue(value=value, count=count) for value, count in found]

    @strawberry.field(description="Capture years, newest first (ignoring takenAfter/takenBefore; undated photos have no year).")
    async def years(self, info: strawberry.Info) -> list[YearFacetValue]:
        found = await to_thread.run_sync(browse.year_facet, info.context.engine, self.spec, self.reads)
        return [YearFacetValue(year=year, count=count) for year, count in found]

    @strawberry.field(description="Ratings 0-5, lowest first (ignoring minRating/rating); ratings no photo has are left out.")
    async def ratings(self, info: strawberry.Info) -> list[RatingFacetValue]:
        found = await to_thread.run_sync(browse.rating_facet, info.context.engine, self.spec, self.reads)
        return [RatingFacetValue(rating=rating, count=count) for rating, count in found]
