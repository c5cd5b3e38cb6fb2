"""Browsing the library: timeline buckets, map clusters and facet counts under any photo filter."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

from sqlalchemy import Engine

from imalink.db import browse
from imalink.db.browse import most_common
from imalink.db.filters import BoundingBox, PhotoFilterSpec
from imalink.db.plans import MAX_ID, PhotoSort
from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.pagination import encode_cursor

DEFAULT_FACET_SIZE = 20
MAX_FACET_SIZE = 500
MAX_ZOOM = 22


class Granularity(Enum):
    """How long one timeline bucket is."""

    YEAR = "YEAR"
    MONTH = "MONTH"
    DAY = "DAY"

    def start(self, day: date) -> date:
        if self is Granularity.YEAR:
            return date(day.year, 1, 1)
        if self is Granularity.MONTH:
            return date(day.year, day.month, 1)
        return day

    def next(self, start: date) -> date:
        if self is Granularity.YEAR:
            return date(start.year + 1, 1, 1)
        if self is Granularity.MONTH:
            return date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return start + _ONE_DAY

    def label(self, start: date) -> str:
        return start.isoformat()[: _LABEL_LENGTHS[self.value]]


_ONE_DAY = timedelta(days=1)
_LABEL_LENGTHS = {"YEAR": 4, "MONTH": 7, "DAY": 10}
"""How much of a bucket's first day (YYYY-MM-DD) names it."""


@dataclass(slots=True)  # not frozen: a frozen dataclass sets each field through object.__setattr__
class Bucket:
    """A stretch of local capture time with photos in it."""

    label: str
    start: datetime
    end: datetime
    count: int
    cursor: str
    """Starts a page of photos (same filter and order) at this bucket: as ``after``, the bucket's
    photos and what follows; as ``before``, what comes just before the bucket."""


@dataclass(frozen=True, slots=True)
class Timeline:
    buckets: list[Bucket]
    undated_count: int
    undated_cursor: str | None


def bucket_counts(days: Iterable[tuple[date, int]], granularity: Granularity) -> dict[date, int]:
    """Photos per day added up per bucket, by the bucket's first day."""
    counts: dict[date, int] = {}
    for day, count in days:
        start = granularity.start(day)
        counts[start] = counts.get(start, 0) + count
    return counts


def timeline(engine: Engine, spec: PhotoFilterSpec, granularity: Granularity, sort: PhotoSort) -> Timeline:
    """The non-empty buckets of matching photos in ``sort`` order, and the undated ones apart."""
    if sort is PhotoSort.CREATED_AT_DESC:
        raise UserError(ErrorCode.INVALID_ORDER, "The timeline follows capture time: order by TAKEN_AT_DESC or TAKEN_AT_ASC.")
    with engine.connect() as conn:
        days, undated = browse.day_counts(conn, spec)
    counts = bucket_counts(days, granularity)
    descending = sort is PhotoSort.TAKEN_AT_DESC
    buckets = []
    midnight, listing = datetime.min.time(), sort.value  # a day timeline at a million photos has 3,556 buckets
    for start, count in sorted(counts.items(), reverse=descending):
        begin = datetime.combine(start, midnight)
        end = datetime.combine(granularity.next(start), midnight)
        # The boundary itself, with an id below every photo's: after it in the order is the bucket.
        boundary = (end if descending else begin).isoformat()
        buckets.append(Bucket(granularity.label(start), begin, end, count, encode_cursor(listing, boundary, 0)))
    undated_cursor = encode_cursor(listing, None, MAX_ID if descending else 0) if undated else None
    return Timeline(buckets, undated, undated_cursor)


@dataclass(frozen=True, slots=True)
class MapCluster:
    count: int
    latitude: float
    longitude: float
    bounds: BoundingBox
    hothash: str
    photo_id: int


def photo_map(engine: Engine, spec: PhotoFilterSpec, box: BoundingBox, zoom: int) -> list[MapCluster]:
    """Matching photos inside ``box`` as clusters for a map at ``zoom`` (0: the whole world in one tile)."""
    if not 0 <= zoom <= MAX_ZOOM:
        raise UserError(ErrorCode.INVALID_ZOOM, f"zoom runs from 0 to {MAX_ZOOM}, not {zoom}.")
    with engine.connect() as conn:
        clusters = browse.map_clusters(conn, spec, box, zoom)
        hothashes = browse.hothashes_by_ids(conn, spec.owner_id, [c.photo_id for c in clusters])
    return [
        MapCluster(c.count, c.latitude, c.longitude, BoundingBox(c.south, c.west, c.north, c.east), hothashes[c.photo_id], c.photo_id)
        for c in clusters
        if c.photo_id in hothashes
    ]


def facet_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_FACET_SIZE
    if not 1 <= first <= MAX_FACET_SIZE:
        raise UserError(ErrorCode.INVALID_PAGE_SIZE, f"first must be between 1 and {MAX_FACET_SIZE}, not {first}.")
    return first


# Each facet counts under the filter without its own selection, as shop filters do: the camera
# menu lists every camera the other conditions leave, not just the one chosen.


@dataclass
class FacetReads:
    """One request's facets, sharing their reads: the matches of a filter with few of them are
    read once for every facet counted under that filter (db/browse.py ``match_counts``).

    The facets of a request are resolved in parallel threads: the first to ask for a filter's
    counts reads them, the others wait for that read instead of making their own.
    """

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _found: dict[PhotoFilterSpec, tuple[threading.Lock, list[browse.MatchCounts | None]]] = field(default_factory=dict)

    def counts(self, engine: Engine, spec: PhotoFilterSpec) -> browse.MatchCounts | None:
        with self._lock:
            lock, found = self._found.setdefault(spec, (threading.Lock(), []))
        with lock:
            if not found:
                with engine.connect() as conn:
                    found.append(browse.match_counts(conn, spec))
            return found[0]


def column_facet(engine: Engine, spec: PhotoFilterSpec, column: str, first: int | None, reads: FacetReads | None = None) -> list[tuple[str, int]]:
    """Camera makes, models or lenses with their counts, most common first."""
    limit = facet_size(first)
    spec = spec.without(column)
    shared = (reads or FacetReads()).counts(engine, spec)
    with engine.connect() as conn:
        if shared is not None:
            return browse.spelled_column_facet(conn, spec.owner_id, column, browse.most_common(shared.columns[column], limit))
        return browse.column_facet(conn, spec, column, limit)


def tag_facet(engine: Engine, spec: PhotoFilterSpec, first: int | None, reads: FacetReads | None = None) -> list[tuple[str, int]]:
    """Tags with their counts, most common first."""
    limit = facet_size(first)
    spec = spec.without("tags")
    shared = (reads or FacetReads()).counts(engine, spec)
    if shared is not None and shared.tags is not None:
        counted = most_common({key: n for key, (_, n) in shared.tags.items()}, limit)
        return [(shared.tags[key][0], n) for key, n in counted]
    with engine.connect() as conn:
        return browse.tag_facet(conn, spec, limit)


def rating_facet(engine: Engine, spec: PhotoFilterSpec, reads: FacetReads | None = None) -> list[tuple[int, int]]:
    """Ratings (0 = unrated) with their counts."""
    spec = spec.without("rating")
    shared = (reads or FacetReads()).counts(engine, spec)
    if shared is not None and shared.ratings is not None:
        return sorted(shared.ratings.items())
    with engine.connect() as conn:
        return browse.rating_facet(conn, spec)


def year_facet(engine: Engine, spec: PhotoFilterSpec, reads: FacetReads | None = None) -> list[tuple[int, int]]:
    """Capture years with their counts, newest first (undated photos have none)."""
    spec = spec.without("taken_after", "taken_before")
    shared = (reads or FacetReads()).counts(engine, spec)
    if shared is not None and shared.days is not None:
        years = bucket_counts(shared.days.items(), Granularity.YEAR)
        return [(start.year, n) for start, n in sorted(years.items(), reverse=True)]
    with engine.connect() as conn:
        kept = browse.range_years(conn, spec)
    if kept is not None:
        return kept
    found = timeline(engine, spec, Granularity.YEAR, PhotoSort.TAKEN_AT_DESC)
    return [(bucket.start.year, bucket.count) for bucket in found.buckets]
