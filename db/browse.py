"""Aggregates for browsing: timeline counts per day, map clusters, facet counts; all under a filter.

Each aggregate reads as few entries as its filter allows, and never sorts them when an index
already has them in order:

- **timeline**: photos per local capture day, grouped in the order of a timeline index (the
  library's, or an equality filter's own), so counting is one index range scan; the few matches
  of a rare filter are found and grouped instead (db/plans.py decides).
- **map**: under no filter or one kept facet value, the counts per cell of 1.4 degrees kept by
  triggers (db/counts.py ``photo_cell``) summed into the map's cells, up to the level they make
  (zoom 6); the cells a box cuts counted from the photos. Otherwise one aggregate per map cell
  over a range of ``geo_cell`` (db/geo.py), one compiled statement run per cell: a cell's photos
  are contiguous in the geo index, so nothing is sorted.
- **facets**: the whole library's counts per camera, lens and rating, and those of its
  positioned photos (``hasGps: true``, with their days), are kept by triggers (db/counts.py),
  and those of the photos without a position are the first less the second; under one range
  of ISO, aperture, focal length or rating they are sums of counts kept per value
  (db/range_counts.py);
  under a map box alone the camera, lens and rating facets are sums of the kept map cells inside
  it (``photo_cell``) and the photos of those its edge cuts; under a filter with few matches (the
  plan finds them through a driver), a box with another condition (its stretches of the geo
  index) or a kept range with another condition holding at most a third of the library, the
  matches are read once for every facet of a request (:func:`match_counts`); under any other
  filter each is counted through the plan's index.
- **a text search matching nearly every photo** (alone or with ``hasGps: true``): its timeline,
  facets and map are the kept counts less those of the few photos it misses, read once
  (:func:`missed_counts`): counted from its matches, each read a million photo rows for their text.
  The misses are kept between requests; after a write they are brought up to date from the
  photos written alone, which the version triggers log (``photo_change``, migration 0023;
  db/changes.py), and read whole again only when the log no longer reaches back that far.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from sqlalchemy import ARRAY, BigInteger, ColumnElement, Engine, case, Integer, type_coerce, Connection, Select, String, bindparam, cast, func, literal, literal_column, null, or_, select, true, union_all

from imalink.db import changes, geo, range_counts
from imalink.db.counts import CELL_TAG, CELL_YEAR, GPS_SCOPE, cell_year
from imalink.db.filters import DAY, BoundingBox, Condition, PhotoFilterSpec, Range, bbox_clauses, filter_conditions, sql_lower, text_misses
from imalink.db.plans import COUNT_BOUND, Plan, hinted, kept_cells_bound, library_size, make_plan
from imalink.db.queries import asked_table, chunks, joined_to_asked, plain_rows
from imalink.db.tables import BY_ID_INDEX, CARRIED, CARRYING_INDEXES, day_t, facet_t, geo_region, photo_cell_t, photo_t, range_facet_t, tag_t

MAP_CELLS_PER_TILE_LEVELS = 2
"""A map cell is a quarter of a 256-pixel tile's width: clusters about 64 pixels apart on screen."""
DAY_CONDITIONS = ("taken", "has_taken_at")
"""Conditions on the capture day alone: every timeline index seeks them (it holds the day)."""
MISSES_SHARE = 4
"""A text search's misses are taken from the kept counts while they are at most a quarter of the
library (or ``COUNT_BOUND``): they come here one by one ("img" missed 41,655 of a million photos),
where counting its matches reads each match's row for its text."""
MAX_MAP_CELLS = 1024
"""A box that would need more cells gets coarser ones (a huge screen at a high zoom)."""


def kept_scope(conn: Connection, spec: PhotoFilterSpec) -> str | None:
    """The prefix of the counts db/counts.py keeps for exactly these matches ("" for the whole
    library, ``GPS_SCOPE`` for the positioned photos), or ``None``: they must be counted."""
    names = [condition.name for condition in filter_conditions(spec, conn.dialect.name)]
    if not names:
        return ""
    return GPS_SCOPE if names == ["has_gps"] and spec.has_gps else None


def unpositioned_kept(conn: Connection, spec: PhotoFilterSpec) -> bool:
    """Whether the matches are exactly the photos without a position (``hasGps: false`` alone),
    counted as the whole library's kept counts less the positioned photos' (``GPS_SCOPE``). That
    holds while no latitude lies outside -90..90 (such a photo is in neither scope): two seeks
    of the latitude index make sure. Counted from the photos, the facets of the two thirds of a
    million photos without a position read each facet's whole index (330-990 ms at 1,000,000)."""
    names = [condition.name for condition in filter_conditions(spec, conn.dialect.name)]
    if names != ["has_gps"] or spec.has_gps is not False:
        return False
    c = photo_t.c

    def stray(beyond: ColumnElement[bool]) -> ColumnElement[bool]:
        return hinted(select(c.id), conn.dialect.name, "ix_photo_owner_gps").where(c.owner_id == spec.owner_id, beyond).exists()

    return not conn.execute(select(or_(stray(c.gps_latitude < -90), stray(c.gps_latitude > 90)))).scalar_one()


def _kept_less_positioned(conn: Connection, owner_id: int, facet: str) -> dict[str, tuple[str, int]]:
    """Per key of a kept facet: a spelling and the photos without a position (the whole library's
    count less the positioned photos'), keys left with none dropped."""
    whole = {key: (value, n) for key, value, n in conn.execute(_kept(owner_id, facet))}
    return _less_positioned(conn, owner_id, facet, whole)


def _less_positioned(
    conn: Connection, owner_id: int, facet: str, whole: dict[str, tuple[str, int]]
) -> dict[str, tuple[str, int]]:
    """``whole`` (per key: a spelling, the whole library's photos) less the positioned photos'
    kept counts of ``facet``, keys left with none dropped."""
    left = dict(whole)
    for key, _, n in conn.execute(_kept(owner_id, GPS_SCOPE + facet)):
        value, photos = left[key]
        left[key] = (value, photos - n)
    return {key: (value, n) for key, (value, n) in left.items() if n > 0}


def kept_range(conn: Connection, spec: PhotoFilterSpec) -> tuple[str, Range[Any]] | None:
    """(column, bounds) when the filter is one range of a column db/range_counts.py keeps the
    facets per value of (ISO, aperture, focal length, rating), else ``None``."""
    conditions = filter_conditions(spec, conn.dialect.name)
    if len(conditions) != 1 or conditions[0].name not in range_counts.RANGES:
        return None
    return conditions[0].name, getattr(spec, conditions[0].name)


def _range_sums(conn: Connection, spec: PhotoFilterSpec, facet: str) -> dict[str, tuple[str, int]] | None:
    """Per key of ``facet``: a spelling and the matches of the filter's one kept range, summed
    over the range's values (db/range_counts.py); ``None`` when the filter is not such a range."""
    ranged = kept_range(conn, spec)
    if ranged is None:
        return None
    column, bounds = ranged
    r = range_facet_t.c
    where = _kept_range_rows(spec.owner_id, column, bounds, facet)
    query = select(r.key, func.min(r.value), func.sum(r.photos)).where(*where).group_by(r.key)
    return {key: (value, int(n)) for key, value, n in conn.execute(query) if n}


def _kept_range_rows(owner_id: int, column: str, bounds: Range[Any], facet: str) -> list[ColumnElement[bool]]:
    """The rows of ``photo_range_facet`` that hold ``facet``'s counts for the values of ``column`` within ``bounds``."""
    r = range_facet_t.c
    where = [r.owner_id == owner_id, r.by_column == column, r.facet == facet]
    if bounds.min is not None:
        where.append(r.at_value >= bounds.min)
    if bounds.max is not None:
        where.append(r.at_value <= bounds.max)
    return where


def range_years(conn: Connection, spec: PhotoFilterSpec) -> list[tuple[int, int]] | None:
    """Photos per capture year (newest first) under one kept range or one map box, or ``None``
    (see ``_range_sums`` and ``_box_cell_sums``)."""
    if (boxed := _box_cell_sums(conn, spec, CELL_YEAR)) is not None:
        return sorted(((int(year), n) for year, n in boxed.items()), reverse=True)
    days = _range_sums(conn, spec, range_counts.DAY)
    if days is None:
        return None
    years: dict[int, int] = {}
    for day, (_, n) in days.items():
        if day:  # "": the undated
            years[int(day[:4])] = years.get(int(day[:4]), 0) + n
    return sorted(years.items(), reverse=True)


def _kept(owner_id: int, facet: str) -> Select[Any]:
    f = facet_t.c
    return select(f.key, f.value, f.photos).where(f.owner_id == owner_id, f.facet == facet)


def day_counts(conn: Connection, spec: PhotoFilterSpec) -> tuple[list[tuple[date, int]], int]:
    """Matching photos per local capture day (oldest first), and how many match without a date."""
    if kept_scope(conn, spec) == GPS_SCOPE:
        days = [(date.fromisoformat(key), n) for key, _, n in conn.execute(_kept(spec.owner_id, GPS_SCOPE + "day").order_by(facet_t.c.key))]
        undated = conn.execute(_kept(spec.owner_id, GPS_SCOPE + "undated")).first()
        return days, undated.photos if undated else 0
    if unpositioned_kept(conn, spec):
        return _unpositioned_day_counts(conn, spec)
    if (ranged := _range_sums(conn, spec, range_counts.DAY)) is not None:  # kept per value (db/range_counts.py)
        undated = ranged.pop("", ("", 0))[1]
        return sorted((date.fromisoformat(day), n) for day, (_, n) in ranged.items()), undated
    plan = make_plan(conn, spec, limit=None)
    dialect = conn.dialect.name
    missed = _missed(conn, spec, plan)
    if missed is not None:  # a search matching nearly every photo: the kept days less its misses
        days, undated = _days_less(*day_counts(conn, spec.without("text")), missed.days)
        return sorted(days.items()), undated
    if not plan.conditions:  # the whole library: kept per day by triggers (db/counts.py)
        kept = select(day_t.c.day, day_t.c.photos).where(day_t.c.owner_id == spec.owner_id).order_by(day_t.c.day)
        undated = plan.source(select(func.count()), dialect).where(*plan.where(), DAY.is_(None))
        return [(_as_date(day), n) for day, n in conn.execute(kept)], conn.execute(undated).scalar_one()  # type: ignore[misc]
    if plan.driver is not None:
        matches = plan.source(select(DAY.label("day")), dialect).where(*plan.where()).cte("matches").prefix_with("MATERIALIZED")
        query = select(matches.c.day, func.count()).group_by(matches.c.day)
        days: dict[date | None, int] = {_as_date(day): n for day, n in conn.execute(query)}
        undated = days.pop(None, 0)
        return sorted(days.items()), undated  # type: ignore[arg-type]
    if not plan.seeks:  # the walk would read the whole timeline index: read a filter's stretches instead
        if (ranged := _carrying_range(plan)) is not None:
            return _day_counts_per_value(conn, plan, (ranged.name,), ranged.index, photo_t.c[ranged.name], _kept_values(conn, spec, ranged.name))
        names = {condition.name for condition in plan.conditions}
        if "bbox" in names and names <= {"bbox", "has_gps"}:
            return _day_counts_per_region(conn, spec, plan)
        if (box := _box_stretches(conn, spec, plan)) is not None:
            return _day_counts_in_box(conn, plan, box)
    query = plan.source(select(DAY, func.count()), dialect).where(*plan.where(), DAY.is_not(None)).group_by(DAY).order_by(DAY)
    counted = [(_as_date(day), n) for day, n in conn.execute(query)]
    undated = plan.source(select(func.count()), dialect).where(*plan.where(), DAY.is_(None))
    return counted, conn.execute(undated).scalar_one()  # type: ignore[return-value]


def _unpositioned_day_counts(conn: Connection, spec: PhotoFilterSpec) -> tuple[list[tuple[date, int]], int]:
    """Day counts of the photos without a position: the whole library's kept days less the
    positioned photos' (``gps:day``); the undated likewise, the whole library's one range of the
    timeline index less ``gps:undated``."""
    whole = spec.without("has_gps")
    days: dict[date, int] = {_as_date(day): n for day, n in conn.execute(  # type: ignore[misc]
        select(day_t.c.day, day_t.c.photos).where(day_t.c.owner_id == spec.owner_id)
    )}
    for key, _, n in conn.execute(_kept(spec.owner_id, GPS_SCOPE + "day")):
        days[date.fromisoformat(key)] -= n
    plan = make_plan(conn, whole, limit=None)
    undated = conn.execute(plan.source(select(func.count()), conn.dialect.name).where(*plan.where(), DAY.is_(None))).scalar_one()
    positioned_undated = conn.execute(_kept(spec.owner_id, GPS_SCOPE + "undated")).first()
    undated -= positioned_undated.photos if positioned_undated else 0
    return sorted((day, n) for day, n in days.items() if n > 0), undated


def _carrying_range(plan: Plan) -> Condition | None:
    """A range condition whose own index carries what filters test (rating, ISO: ``CARRYING_INDEXES``):
    each of its values' photos are one stretch of it in day order, checked from the index alone.
    Under a range of them that would walk the whole timeline index, only the range's entries are
    read: at a million photos rating >= 4 read a million entries (150 ms of CPU), ISO 800-3200 with
    aperture <= 2 a million for 273,000."""
    return next((c for c in plan.conditions if c.name in range_counts.RANGES and c.index in CARRYING_INDEXES), None)


def _kept_values(conn: Connection, spec: PhotoFilterSpec, column: str) -> list[Any]:
    """The values of a range's column within the filter's bounds that photos hold, as the triggers
    keep them (ratings: db/counts.py; others: each value's ratings, db/range_counts.py; every photo has a rating)."""
    bounds = getattr(spec, column)
    if column == "rating":
        present: Any = (int(key) for key, _, _ in conn.execute(_kept(spec.owner_id, "rating")))
        return sorted(v for v in present if (bounds.min is None or v >= bounds.min) and (bounds.max is None or v <= bounds.max))
    r = range_facet_t.c
    present = conn.execute(select(r.at_value).where(*_kept_range_rows(spec.owner_id, column, bounds, "rating")).distinct()).scalars()
    return sorted(photo_t.c[column].type.python_type(v) for v in present)


def _day_counts_in_box(conn: Connection, plan: Plan, box: list[tuple[ColumnElement[bool], ...]]) -> tuple[list[tuple[date, int]], int]:
    """Day counts of a map box with other conditions the geo index carries (``_box_stretches``):
    the box's stretches of the geo index, checked from the index alone; on SQLite the days come
    back as one JSON array, counted here (grouped in SQL, the matches were sorted by day). At a
    million photos Europe with an aperture or focal length range walked the whole timeline index
    (a million entries; 150,000 in the box's stretches): 36 -> 24 ms of CPU at 100,000 photos."""
    reads = [hinted(select(DAY.label("day")), conn.dialect.name, "ix_photo_owner_geo").where(*plan.where(), *clause) for clause in box]
    matches = (union_all(*reads) if len(reads) > 1 else reads[0]).subquery("matches")
    if conn.dialect.name == "sqlite":
        counted = Counter(orjson.loads(conn.execute(select(func.json_group_array(matches.c.day))).scalar_one()))
    else:
        counted = Counter(dict(conn.execute(select(matches.c.day, func.count()).group_by(matches.c.day)).all()))
    undated = counted.pop(None, 0)
    return sorted((_as_date(day), n) for day, n in counted.items()), undated  # type: ignore[misc]


def _day_counts_per_region(conn: Connection, spec: PhotoFilterSpec, plan: Plan) -> tuple[list[tuple[date, int]], int]:
    """Day counts inside a map box (and at most ``hasGps``), which would walk the whole timeline
    index: each map region (db/geo.py) the box meets is one stretch of the region
    index in day order, its entries checked against the box as they stream. A region reaches
    past the box, but photos gather in places: the regions about Europe held 7 % more photos than
    the box. At a million photos the box walked a million timeline entries (290 ms) for 150,000."""
    assert spec.bbox is not None
    if spec.has_gps is False:
        return [], 0
    regions = sorted({region for part in plain_boxes(spec.bbox) for region in geo.regions_covering(part.south, part.west, part.north, part.east)})
    c = photo_t.c
    # A position has a cell (db/writes.py), so the index's own condition stands for hasGps; the
    # box is tested on the position + 0: a reused statement's generic plan on PostgreSQL read it
    # through the latitude index and the table (70 ms a region at 100,000 photos, against 1).
    inside = bbox_clauses(spec.bbox, shifted=True)
    return _day_counts_per_value(
        conn, plan, ("bbox", "has_gps"), "ix_photo_owner_geo_region", geo_region(c.geo_cell), regions, c.geo_cell.is_not(None), *inside
    )


def _day_counts_per_value(
    conn: Connection, plan: Plan, chosen: tuple[str, ...], index: str, key: ColumnElement[Any], values: Sequence[Any], *extra: ColumnElement[bool]
) -> tuple[list[tuple[date, int]], int]:
    """Day counts of the plan's matches read as one stretch of ``index`` per value of its first
    key after the owner (day order inside each: grouped as they stream, nothing sorted), added up
    here. The values are those the conditions ``chosen`` let through (not tested again: a range
    would be sought instead of the value; ``extra`` tests what more they ask). The index must hold every column the plan's
    other conditions test."""
    # The day as the driver gives it (SQLite: text), made a date once per day at the end: a value
    # per day and value, parsed by SQLAlchemy's date type, cost 30 ms at a million photos.
    run = (
        hinted(select(type_coerce(DAY, String), func.count()), conn.dialect.name, index)
        .where(*plan.where(but=chosen), *extra, key == bindparam("value"))
        .group_by(DAY)
        .order_by(DAY)
    )
    days: dict[Any, int] = {}
    for value in values:
        for day, n in conn.execute(run, {"value": value}):
            days[day] = days.get(day, 0) + n
    undated = days.pop(None, 0)
    return sorted((_as_date(day), n) for day, n in days.items()), undated  # type: ignore[misc]


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class Cluster:
    """Photos close together on the map at one zoom level."""

    count: int
    latitude: float
    longitude: float
    south: float
    west: float
    north: float
    east: float
    photo_id: int
    """A photo of the cluster shown for it: the most recently added."""


def map_level(zoom: int, boxes: Sequence[BoundingBox]) -> int:
    """The quadtree level of the clusters at ``zoom``, made coarser until the boxes need at most
    ``MAX_MAP_CELLS`` cells."""
    level = min(geo.BITS, zoom + MAP_CELLS_PER_TILE_LEVELS)
    while level > 0 and sum(_cell_count(box, level) for box in boxes) > MAX_MAP_CELLS:
        level -= 1
    return level


def _cell_count(box: BoundingBox, level: int) -> int:
    side = geo.cell_degrees(level)
    return (int((box.east + 180) / side) - int((box.west + 180) / side) + 1) * (
        int((box.north + 180) / side) - int((box.south + 180) / side) + 1
    )


def plain_boxes(box: BoundingBox, other: BoundingBox | None = None) -> list[BoundingBox]:
    """``box`` (and ``other``, when given) as boxes that do not cross the 180th meridian."""

    def spans(b: BoundingBox) -> list[tuple[float, float]]:
        return [(b.west, b.east)] if b.west <= b.east else [(b.west, 180.0), (-180.0, b.east)]

    south, north = box.south, box.north
    longitudes = spans(box)
    if other is not None:
        south, north = max(south, other.south), min(north, other.north)
        longitudes = [(max(w1, w2), min(e1, e2)) for w1, e1 in longitudes for w2, e2 in spans(other)]
    if south > north:
        return []
    return [BoundingBox(south, w, north, e) for w, e in longitudes if w <= e]


def map_clusters(conn: Connection, spec: PhotoFilterSpec, box: BoundingBox, zoom: int) -> list[Cluster]:
    """The matching photos inside ``box``, grouped on a quadtree aligned to the world (clusters do
    not jump while the map pans), one cluster per occupied cell."""
    boxes = plain_boxes(box, spec.bbox)
    if not boxes:
        return []
    level = map_level(zoom, boxes)
    rest = spec.without("bbox")
    scope = kept_cells(conn, rest)
    if scope is not None and level <= geo.KEPT_LEVEL:  # fewer rows than matches, however few
        return _clusters_of_kept_cells(conn, make_plan(conn, rest, limit=None), scope, boxes, level)
    # The geo index carries what most filters test, but not an import session or text: a rare one
    # of those drives (one import session's 330 positioned photos of a million walked every
    # positioned photo's row through the geo index: 1.7 s).
    plan = make_plan(conn, rest, limit=None, in_timeline_order=False)
    if plan.driver is not None:
        return _clusters_of_few(conn, plan, boxes, level)
    missed = _missed(conn, rest, plan) if level <= geo.KEPT_LEVEL else None
    if missed is not None:  # a search matching nearly every photo: the kept cells less its misses
        return _clusters_of_kept_cells(conn, plan, ("", ""), boxes, level, missed.cells, but=("text",), counted=missed.counted_cells)
    # Per cell, one range of the geo index aggregated in order (a GROUP BY over the whole box
    # would sort its photos); the filter is checked on the columns the index carries.
    span = 1 << (2 * (geo.BITS - level))
    clusters: list[Cluster] = []
    for part in boxes:
        firsts = [first for _, _, first in geo.cells_covering(part.south, part.west, part.north, part.east, level)]
        rows = _range_aggregates(conn, plan, part, [(first, first + span) for first in firsts])
        clusters.extend(Cluster(*row) for row in rows if row[0])
    return clusters


def kept_cells(conn: Connection, spec: PhotoFilterSpec) -> tuple[str, str] | None:
    """The (facet, key) of the ``photo_cell`` rows db/counts.py keeps for exactly these matches
    (("", "") for every positioned photo), or ``None``: they must be counted from the photos."""
    conditions = filter_conditions(spec, conn.dialect.name)
    names = [condition.name for condition in conditions]
    if not names or (names == ["has_gps"] and spec.has_gps):
        return "", ""
    if len(names) == 1 and names[0] in COLUMN_FACETS:
        return names[0], conditions[0].key
    if names == ["rating"] and spec.rating is not None and spec.rating.min == spec.rating.max:
        return "rating", str(spec.rating.min)
    return None


def _apart(part: BoundingBox, south: float, west: float, north: float, east: float) -> bool:
    """Whether a kept cell's photos' bounds lie wholly outside ``part`` (one not crossing 180)."""
    return north < part.south or south > part.north or east < part.west or west > part.east


def _within(part: BoundingBox, south: float, west: float, north: float, east: float) -> bool:
    """Whether a kept cell's photos' bounds lie wholly inside ``part``: its kept counts are the box's."""
    return part.south <= south and north <= part.north and part.west <= west and east <= part.east


def _clusters_of_kept_cells(
    conn: Connection, plan: Plan, scope: tuple[str, str], boxes: list[BoundingBox], level: int,
    excluded: dict[int, list[tuple[int, float, float]]] | None = None, but: tuple[str, ...] = (),
    counted: dict[tuple[BoundingBox, int], tuple[Any, ...]] | None = None,
) -> list[Cluster]:
    """Clusters summed from the counts kept per cell (db/counts.py): a few hundred rows for the
    world. A kept cell whose photos all lie inside the box (its bounds say so) is taken whole;
    one the box cuts, or whose bounds are unknown since a photo was taken away, is counted from
    the photos (its range of the geo index).

    ``excluded``: per kept cell, photos (id, latitude, longitude) the filter leaves out that the
    kept counts hold (a text search's misses; the plan's conditions ``but`` are then not tested):
    taken from the cell's count and sums, unless one of them is its newest photo or lies on its
    bounds, which only the remaining photos can tell: such a cell is counted from the photos
    without them. ("img" at a million photos: 440 kept cells, nearly all holding a miss.)

    ``counted``: per (box part, kept cell), the cell's kept photos and what counting it from the
    photos found then, taken from here while the cell holds as many, and added to it (kept with
    the misses: 67 cells of the world at a million photos, 90 ms)."""
    excluded = excluded or {}
    k = photo_cell_t.c
    facet, key = scope
    kept = select(k.cell, k.photos, k.latitude_sum, k.longitude_sum, k.south, k.west, k.north, k.east, k.photo_id).where(
        k.owner_id == plan.owner_id, k.facet == facet, k.key == key
    )
    shift = 2 * (geo.KEPT_LEVEL - level)
    sums: dict[int, list[float]] = {}

    def add(cell: int, count: int, latitude_sum: float, longitude_sum: float, south: float, west: float, north: float, east: float, photo_id: int) -> None:
        found = sums.get(cell)
        if found is None:
            sums[cell] = [count, latitude_sum, longitude_sum, south, west, north, east, photo_id]
            return
        found[0] += count
        found[1] += latitude_sum
        found[2] += longitude_sum
        found[3], found[4] = min(found[3], south), min(found[4], west)
        found[5], found[6], found[7] = max(found[5], north), max(found[6], east), max(found[7], photo_id)

    cut: dict[int, list[int]] = {}  # per box part: the kept cells counted from the photos
    for cell, photos, latitude_sum, longitude_sum, south, west, north, east, photo_id in conn.execute(kept):
        for part_number, part in enumerate(boxes):
            if north is not None and _apart(part, south, west, north, east):
                continue
            if photo_id is not None and _within(part, south, west, north, east):
                left = excluded.get(cell, ())
                if not any(i == photo_id or lat in (south, north) or lon in (west, east) for i, lat, lon in left):
                    latitude_sum -= sum(lat for _, lat, _ in left)
                    longitude_sum -= sum(lon for _, _, lon in left)
                    add(cell >> shift, photos - len(left), latitude_sum, longitude_sum, south, west, north, east, photo_id)
                    continue
            cut.setdefault(part_number, []).append((cell, photos))
    for part_number, cut_cells in cut.items():
        part = boxes[part_number]
        cells = [cell for cell, _ in cut_cells]
        # Counted while the cell held as many photos (db/browse.py ``Misses.counted_cells``).
        rows = {cell: counted[part, cell][1] for cell, photos in cut_cells if counted is not None and counted.get((part, cell), (None,))[0] == photos}
        todo = [cell for cell in cells if cell not in rows]
        ranges = [(cell << geo.KEPT_SHIFT, (cell + 1) << geo.KEPT_SHIFT) for cell in todo]
        left_out = [[i for i, _, _ in excluded.get(cell, ())] for cell in todo] if excluded else None
        if counted is not None and len(counted) + len(todo) > COUNTED_CELLS_KEPT:  # boxes panned across
            counted.clear()
        held = dict(cut_cells)
        for cell, row in zip(todo, _range_aggregates(conn, plan, part, ranges, left_out, but), strict=True):
            rows[cell] = tuple(row)
            if counted is not None:
                counted[part, cell] = (held[cell], rows[cell])
        for cell in cells:
            count, latitude, longitude, *bounds = rows[cell]
            if count:
                add(cell >> shift, count, latitude * count, longitude * count, *bounds)
    return [
        Cluster(int(count), latitude_sum / count, longitude_sum / count, south, west, north, east, int(photo_id))
        for count, latitude_sum, longitude_sum, south, west, north, east, photo_id in sums.values()
    ]


def _range_aggregates(
    conn: Connection, plan: Plan, part: BoundingBox, ranges: list[tuple[int, int]],
    left_out: list[list[int]] | None = None, but: tuple[str, ...] = (),
) -> list[Any]:
    """Per range [lo, hi) of ``geo_cell``, the matches inside ``part`` aggregated (``_aggregates``),
    in the order of ``ranges``: each range read in order from the geo index. ``left_out``: per
    range, ids not to count (the plan's conditions ``but`` are then not tested)."""
    c = photo_t.c
    south, west, north, east = bindparam("south"), bindparam("west"), bindparam("north"), bindparam("east")
    bounds = {"south": part.south, "west": part.west, "north": part.north, "east": part.east}
    if conn.dialect.name == "sqlite":
        # In-process statements cost microseconds: one compiled statement run per cell.
        lo, hi = bindparam("lo"), bindparam("hi")
        where = [*plan.where(but), c.gps_latitude.between(south, north), c.gps_longitude.between(west, east)]
        if left_out is not None:  # a list per cell: SQLite would make a list of every cell's for each
            where.append(c.id.not_in(bindparam("left_out", expanding=True)))
        cell = hinted(select(*_aggregates()), "sqlite", "ix_photo_owner_geo").where(*where, c.geo_cell >= lo, c.geo_cell < hi)
        extra = [{"left_out": ids} for ids in left_out] if left_out is not None else [{} for _ in ranges]
        return [conn.execute(cell, {"lo": lo_, "hi": hi_, **bounds, **more}).one() for (lo_, hi_), more in zip(ranges, extra, strict=True)]
    if not ranges:
        return []
    # A round trip per cell would cost more than its range scan: every cell in one statement, a
    # lateral aggregate per (lo, hi) pair, in the order given. The box is tested on position + 0,
    # which no index serves: for a small box the planner would otherwise read the whole box
    # through the latitude index once per cell (0.9 s for Oslo at zoom 11).
    where = [*plan.where(but), (c.gps_latitude + 0).between(south, north), (c.gps_longitude + 0).between(west, east)]
    if left_out is not None:  # one list for every cell, hashed once
        ids = func.unnest(bindparam("left_out", [i for cell in left_out for i in cell], type_=ARRAY(Integer)))
        where.append(c.id.not_in(select(ids.column_valued())))
    cells = func.unnest(
        bindparam("los", [lo_ for lo_, _ in ranges], type_=ARRAY(BigInteger)),
        bindparam("his", [hi_ for _, hi_ in ranges], type_=ARRAY(BigInteger)),
    ).table_valued("lo", "hi", with_ordinality="n").render_derived(name="cell")
    aggregate = select(*_aggregates()).where(*where, c.geo_cell >= cells.c.lo, c.geo_cell < cells.c.hi).lateral("aggregate")
    return list(conn.execute(select(aggregate).select_from(cells).join(aggregate, true()).order_by(cells.c.n), bounds))


def _aggregates() -> list[ColumnElement[Any]]:
    c = photo_t.c
    return [
        func.count(), func.avg(c.gps_latitude), func.avg(c.gps_longitude), func.min(c.gps_latitude),
        func.min(c.gps_longitude), func.max(c.gps_latitude), func.max(c.gps_longitude), func.max(c.id),
    ]


def _batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _clusters_of_few(conn: Connection, plan: Plan, boxes: list[BoundingBox], level: int) -> list[Cluster]:
    """Clusters of a rare filter's matches, grouped here: there are few."""
    c = photo_t.c
    side = geo.cell_degrees(level)
    cells: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
    for part in boxes:
        inside = (c.gps_latitude.between(part.south, part.north), c.gps_longitude.between(part.west, part.east))
        query = plan.source(select(c.gps_latitude, c.gps_longitude, c.id), conn.dialect.name).where(*plan.where(), *inside)
        for lat, lon, photo_id in conn.execute(query):
            cell = (int((lon + 180) // side), int((lat + 180) // side))
            cells.setdefault(cell, []).append((lat, lon, photo_id))
    return [
        Cluster(
            len(members),
            sum(m[0] for m in members) / len(members),
            sum(m[1] for m in members) / len(members),
            min(m[0] for m in members),
            min(m[1] for m in members),
            max(m[0] for m in members),
            max(m[1] for m in members),
            max(m[2] for m in members),
        )
        for members in cells.values()
    ]


def hothashes_by_ids(conn: Connection, owner_id: int, ids: Sequence[int]) -> dict[int, str]:
    """The owner's photos' hothashes by id."""
    found: dict[int, str] = {}
    for chunk in chunks(list(ids)):
        query = select(photo_t.c.id, photo_t.c.hothash).where(photo_t.c.owner_id == owner_id, photo_t.c.id.in_(chunk))
        found.update((photo_id, hothash) for photo_id, hothash in conn.execute(query))
    return found


def _box_cell_sums(conn: Connection, spec: PhotoFilterSpec, facet: str) -> dict[str, int] | None:
    """Per key of a facet db/counts.py keeps per map cell (``photo_cell``: camera make, model,
    lens, rating, tags and capture years), the photos inside the filter's one map box; ``None``
    when the filter is not a box alone. A kept cell whose photos all lie inside the box (its
    bounds say so) adds its kept counts, one outside it nothing, one the box's edge cuts (or whose
    bounds are unknown) is counted from its photos (its range of the geo index), as the map's
    clusters are. Counted from the photos, each facet read its whole index or the box's 150,000
    entries of the geo index (Europe at a million photos: 90-113 ms of CPU per facet on SQLite;
    2 of its 108 cells cut)."""
    names = [condition.name for condition in filter_conditions(spec, conn.dialect.name)]
    if names != ["bbox"] or spec.bbox is None:
        return None
    parts = plain_boxes(spec.bbox)
    k = photo_cell_t.c
    whole: list[int] = []
    cut: list[int] = []
    cells = select(k.cell, k.south, k.west, k.north, k.east, k.photo_id).where(k.owner_id == spec.owner_id, k.facet == "", k.key == "")
    for cell, south, west, north, east, photo_id in conn.execute(cells):
        if north is not None and all(_apart(p, south, west, north, east) for p in parts):
            continue
        if photo_id is not None and any(_within(p, south, west, north, east) for p in parts):
            whole.append(cell)
        else:
            cut.append(cell)
    counts: dict[str, int] = {}
    for chunk in chunks(whole):
        kept = select(k.key, func.sum(k.photos)).where(k.owner_id == spec.owner_id, k.facet == facet, k.cell.in_(chunk)).group_by(k.key)
        for key, n in conn.execute(kept):
            counts[key] = counts.get(key, 0) + int(n)
    if cut:
        c = photo_t.c
        plan = make_plan(conn, spec, limit=None)

        def cells_read(*columns: ColumnElement[Any], where: tuple[ColumnElement[bool], ...] = ()) -> Any:
            reads = [
                hinted(select(*columns), conn.dialect.name, "ix_photo_owner_geo").where(
                    *plan.where(), *where, c.geo_cell >= cell << geo.KEPT_SHIFT, c.geo_cell < (cell + 1) << geo.KEPT_SHIFT
                )
                for cell in cut
            ]
            return (union_all(*reads) if len(reads) > 1 else reads[0]).subquery("cut")

        if facet == CELL_YEAR:
            year = literal_column(cell_year(photo_t.name)).label("key")  # as the cells' triggers key it
            matches = cells_read(year, where=(c.taken_at.is_not(None),))
            counted = select(matches.c.key, func.count()).group_by(matches.c.key)
        elif facet == CELL_TAG:  # the tags of the cut cells' photos
            t = tag_t.c
            photos = cells_read(c.id)
            counted = select(t.tag_key, func.count()).where(t.owner_id == spec.owner_id, t.photo_id.in_(select(photos.c.id)))
            counted = counted.group_by(t.tag_key)
        else:
            column = c[facet]
            matches = cells_read((column if facet == "rating" else func.lower(column)).label("key"), where=(column.is_not(None),))
            counted = select(matches.c.key, func.count()).group_by(matches.c.key)
        for key, n in conn.execute(counted):
            key = str(key) if facet == "rating" else key
            counts[key] = counts.get(key, 0) + n
    return {key: n for key, n in counts.items() if n}


def _grouped(conn: Connection, spec: PhotoFilterSpec, key: ColumnElement[Any], own_index: str) -> Select[Any]:
    """SELECT key, count(*) over the matches: through the plan's index when it reads only a part
    of one (a driver's few matches, a date range, an equality filter's photos), else the whole of
    ``own_index``, whose entries are in ``key`` order (a streamed group, no sort) and carry what
    the filter tests (db/tables.py ``CARRIED``)."""
    plan = make_plan(conn, spec, limit=None)
    count = func.count().label("count")
    index = plan.index if plan.seeks else own_index
    return hinted(select(key, count), conn.dialect.name, index).where(*plan.where()).group_by(key)


def column_facet(conn: Connection, spec: PhotoFilterSpec, column: str, limit: int) -> list[tuple[str, int]]:
    """The most common values of a text column (compared case-insensitively) among the matches,
    each with its count, spelled as one of its photos spells it; most common first."""
    scope = kept_scope(conn, spec)
    if scope is not None:  # kept by triggers (db/counts.py)
        kept = _kept(spec.owner_id, scope + column).order_by(facet_t.c.photos.desc(), facet_t.c.key).limit(limit)
        return [(value, n) for _, value, n in conn.execute(kept)]
    if (ranged := _range_sums(conn, spec, column)) is not None:
        return [(ranged[key][0], n) for key, n in most_common({key: n for key, (_, n) in ranged.items()}, limit)]
    if unpositioned_kept(conn, spec):
        left = _kept_less_positioned(conn, spec.owner_id, column)
        return [(left[key][0], n) for key, n in most_common({key: n for key, (_, n) in left.items()}, limit)]
    if (boxed := _box_cell_sums(conn, spec, column)) is not None:
        return spelled_column_facet(conn, spec.owner_id, column, most_common(boxed, limit))
    if _only_days(conn, spec):
        counted = _counted_per_kept_value(conn, spec, column, func.lower(photo_t.c[column]), f"ix_photo_owner_{column}_lower")
        return spelled_column_facet(conn, spec.owner_id, column, most_common(counted, limit))
    key = func.lower(photo_t.c[column]).label("key")
    grouped = _grouped(conn, spec, key, f"ix_photo_owner_{column}_lower").where(photo_t.c[column].is_not(None)).subquery()
    query = select(grouped.c.key, grouped.c.count).order_by(grouped.c.count.desc(), grouped.c.key).limit(limit)
    return spelled_column_facet(conn, spec.owner_id, column, [(k, n) for k, n in conn.execute(query)])


def _only_days(conn: Connection, spec: PhotoFilterSpec) -> bool:
    """Whether the filter tests nothing but the capture day (a date range, ``hasTakenAt``), on
    SQLite: PostgreSQL groups the day range by hashing, without sorting, and planned a statement
    of 200 counts for longer than it ran (260 ms for the lenses of a year at 100,000 photos)."""
    if conn.dialect.name != "sqlite":
        return False
    names = {condition.name for condition in filter_conditions(spec, conn.dialect.name)}
    return bool(names) and names <= set(DAY_CONDITIONS)


def _counted_per_kept_value(
    conn: Connection, spec: PhotoFilterSpec, facet: str, key: ColumnElement[Any], index: str, as_value: Any = None
) -> dict[str, int]:
    """A facet's counts under a filter on the capture day alone, value by value: each value the
    whole library holds (a row kept by triggers, db/counts.py) is one range of the facet's own
    (value, day) index, counted there without sorting anything. Grouping the day range of the
    timeline index by value sorted its entries, facet by facet (a year of a million photos:
    60,000 entries, four sorts)."""
    plan = make_plan(conn, spec, limit=None)
    f = facet_t.c
    # The kept key through an expression: compared with a column, SQLite takes the column's
    # affinity and no longer seeks the (affinity-less) lower() of the index.
    value = func.lower(f.key) if as_value is None else cast(f.key, as_value)
    counted = hinted(select(func.count()), conn.dialect.name, index).where(*plan.where(), key == value).scalar_subquery()
    query = select(f.key, counted).where(f.owner_id == spec.owner_id, f.facet == facet)
    return {k: n for k, n in conn.execute(query) if n}


def _spellings(conn: Connection, owner_id: int, column: str, keys: list[str]) -> dict[str, str]:
    """One spelling per case-insensitive key: the first photo's, found through the column's index."""
    c = photo_t.c
    found: dict[str, str] = {}
    for chunk in _batches(keys, 200):
        probes = [
            select(
                literal(key).label("key"),
                hinted(select(c[column]), conn.dialect.name, f"ix_photo_owner_{column}_lower")
                .where(c.owner_id == owner_id, func.lower(c[column]) == key)
                .limit(1)
                .scalar_subquery()
                .label("spelled"),
            )
            for key in chunk
        ]
        statement = union_all(*probes) if len(probes) > 1 else probes[0]
        found.update((key, spelled) for key, spelled in conn.execute(statement) if spelled is not None)
    return found


def rating_facet(conn: Connection, spec: PhotoFilterSpec) -> list[tuple[int, int]]:
    """Matching photos per rating (0 = unrated), lowest rating first."""
    scope = kept_scope(conn, spec)
    if scope is not None:  # kept by triggers (db/counts.py)
        return sorted((int(key), n) for key, _, n in conn.execute(_kept(spec.owner_id, scope + "rating")))
    if (ranged := _range_sums(conn, spec, "rating")) is not None:
        return sorted((int(key), n) for key, (_, n) in ranged.items())
    if unpositioned_kept(conn, spec):
        return sorted((int(key), n) for key, (_, n) in _kept_less_positioned(conn, spec.owner_id, "rating").items())
    if (boxed := _box_cell_sums(conn, spec, "rating")) is not None:
        return sorted((int(key), n) for key, n in boxed.items())
    if _only_days(conn, spec):
        counted = _counted_per_kept_value(conn, spec, "rating", photo_t.c.rating, "ix_photo_owner_rating", Integer)
        return sorted((int(key), n) for key, n in counted.items() if n)
    grouped = _grouped(conn, spec, photo_t.c.rating, "ix_photo_owner_rating").order_by(photo_t.c.rating)
    return [(value, count) for value, count in conn.execute(grouped)]


def tag_facet(conn: Connection, spec: PhotoFilterSpec, limit: int) -> list[tuple[str, int]]:
    """The most common tags among the matches with their counts, most common first.

    Tags are few next to photos: their rows are read in tag order (one streamed group) and, under
    a filter, joined to the matches' ids read from the plan's index (SQLite) or each one's photo
    checked by key (PostgreSQL).
    """
    if kept_scope(conn, spec) == GPS_SCOPE:  # kept by triggers (db/counts.py)
        kept = _kept(spec.owner_id, GPS_SCOPE + "tag").order_by(facet_t.c.photos.desc(), facet_t.c.key).limit(limit)
        return [(value, n) for _, value, n in conn.execute(kept)]
    if (ranged := _range_sums(conn, spec, range_counts.TAG)) is not None:
        return [(ranged[key][0], n) for key, n in most_common({key: n for key, (_, n) in ranged.items()}, limit)]
    if (boxed := _box_cell_sums(conn, spec, CELL_TAG)) is not None:  # each spelled as the positioned photos spell it
        spelled = _kept_tags(conn, spec.owner_id, GPS_SCOPE)
        return [(spelled[key][0] if key in spelled else key, n) for key, n in most_common(boxed, limit)]
    t, c = tag_t.c, photo_t.c
    count = func.count().label("count")
    query = select(t.tag_key, func.min(t.tag), count).where(t.owner_id == spec.owner_id)
    if unpositioned_kept(conn, spec):
        # Every tag counted (one streamed group of the tag index, as under no filter) less the
        # positioned photos' kept counts; each spelled as the whole library spells it.
        whole = {key: (spelled, n) for key, spelled, n in conn.execute(query.group_by(t.tag_key))}
        left = _less_positioned(conn, spec.owner_id, "tag", whole)
        counted = most_common({key: n for key, (_, n) in left.items()}, limit)
        return [(left[key][0], n) for key, n in counted]
    plan = make_plan(conn, spec, limit=None)
    names = {condition.name for condition in plan.conditions}
    if spec.bbox is not None and plan.driver is None and names <= _GEO_CARRIED and conn.dialect.name == "sqlite":
        # The box's ids from its stretches of the geo index (Europe at a million photos: 150,000
        # entries, where the plan's timeline index streamed a million; 155 -> 105 ms of CPU).
        reads = [hinted(select(c.id), "sqlite", "ix_photo_owner_geo").where(*plan.where(), *clause) for clause in _stretches(spec.bbox)]
        query = query.where(t.photo_id.in_(union_all(*reads) if len(reads) > 1 else reads[0]))
    elif plan.driver is not None or (plan.conditions and conn.dialect.name == "sqlite"):
        # The matches' ids read from the plan's index (index only: it carries what the filter
        # tests), even a whole one: a photo row read per tag costs more on SQLite, where a row
        # is a page or more.
        matching = plan.source(select(c.id), conn.dialect.name).where(*plan.where())
        query = query.where(t.photo_id.in_(matching))
    elif plan.conditions:  # PostgreSQL's rows are narrow (previews are TOASTed): each tag's photo by key
        query = query.where(select(c.id).where(c.id == t.photo_id, *plan.where()).exists())
    query = query.group_by(t.tag_key).order_by(count.desc(), t.tag_key).limit(limit)
    return [(spelled, n) for _, spelled, n in conn.execute(query)]


COLUMN_FACETS = ("camera_make", "camera_model", "lens_model")
"""The text columns counted as facets (compared case-insensitively, as the filters do)."""


@dataclass(slots=True)
class MatchCounts:
    """The facets' counts over one filter's matches, all read in one statement.

    Only the facets that count under exactly this filter are present: a facet ignores its own
    selection, so e.g. the camera makes are counted here only when the filter names no make.
    """

    columns: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per column of ``COLUMN_FACETS``: photos per lowercased value."""
    tags: dict[str, tuple[str, int]] | None = None
    """Per tag key: the least spelling and the photos."""
    ratings: dict[int, int] | None = None
    days: dict[date, int] | None = None
    undated: int = 0


@dataclass(slots=True)
class Misses:
    """The photos of a kept scope that a text search matching nearly every photo misses, summed
    for what is taken from the kept counts: per facet key, per day, per kept map cell."""

    scope: str
    """The kept counts' prefix the matches are taken from ("" or ``GPS_SCOPE``)."""
    rows: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    """Per missed photo: (make, model, lens lowercased, rating, day, latitude, longitude)."""
    columns: dict[str, dict[str, int]] = field(default_factory=lambda: {name: {} for name in COLUMN_FACETS})
    """Per column of ``COLUMN_FACETS``: photos per lowercased value."""
    ratings: dict[int, int] = field(default_factory=dict)
    days: dict[Any, int] = field(default_factory=dict)
    """Photos per day as ``DAY`` reads it; ``None``: undated."""
    cells: dict[int, list[tuple[int, float, float]]] = field(default_factory=dict)
    """Per kept map cell (db/counts.py ``positioned``): each photo's (id, latitude, longitude)."""
    tags: dict[str, int] | None = None
    """Photos per tag key, read when the tag facet first needs them (with ``tags_of``)."""
    tags_of: dict[int, list[str]] = field(default_factory=dict)
    counted_cells: dict[tuple[BoundingBox, int], tuple[int, tuple[Any, ...]]] = field(default_factory=dict)
    """The map's kept cells counted from the photos without the misses, per (box part, cell): the
    cell's kept photos then, what was found. Brought up to date as the misses are, less the cells
    a photo written lies in now: one that left a cell changed its kept photos."""

    def add(self, missed: Sequence[Sequence[Any]]) -> None:
        """Count in these photos: (id, make, model, lens lowercased, rating, day, latitude, longitude)."""
        rows, ratings, days, cells = self.rows, self.ratings, self.days, self.cells
        makes, models, lenses = (self.columns[name] for name in COLUMN_FACETS)
        for photo_id, *row in missed:  # 40,000 photos by position: the first read of "img" at a million
            make, model, lens, rating, day, latitude, longitude = rows[photo_id] = tuple(row)
            if make is not None:
                makes[make] = makes.get(make, 0) + 1
            if model is not None:
                models[model] = models.get(model, 0) + 1
            if lens is not None:
                lenses[lens] = lenses.get(lens, 0) + 1
            ratings[rating] = ratings.get(rating, 0) + 1
            days[day] = days.get(day, 0) + 1
            if latitude is not None and (cell := _kept_cell(latitude, longitude)) is not None:
                cells.setdefault(cell, []).append((photo_id, latitude, longitude))

    def remove(self, photo_id: int) -> None:
        row = self.rows.pop(photo_id, None)
        if row is None:
            return
        *values, rating, day, latitude, longitude = row
        for counts, value in zip(self.columns.values(), values, strict=True):
            if value is not None:
                _less_one(counts, value)
        _less_one(self.ratings, rating)
        _less_one(self.days, day)
        if (cell := _kept_cell(latitude, longitude)) is not None:
            if not (left := [entry for entry in self.cells[cell] if entry[0] != photo_id]):
                del self.cells[cell]
            else:
                self.cells[cell] = left
        if self.tags is not None:
            for key in self.tags_of.pop(photo_id, ()):
                _less_one(self.tags, key)

    def add_tags(self, tagged: Sequence[tuple[int, str]]) -> None:
        """Count these (photo id, tag key) pairs in: on a copy, or on the kept misses the first
        time, into new dicts set at once (other requests read them meanwhile)."""
        fresh = self.tags is None
        tags_of: dict[int, list[str]] = {} if fresh else self.tags_of
        tags: dict[str, int] = {} if fresh else self.tags  # type: ignore[assignment]
        for photo_id, key in tagged:
            tags_of.setdefault(photo_id, []).append(key)
            tags[key] = tags.get(key, 0) + 1
        self.tags_of, self.tags = tags_of, tags

    def copy(self) -> Misses:
        """A copy to change: the kept one may be read by other requests meanwhile."""
        return Misses(
            self.scope, dict(self.rows), {name: dict(counts) for name, counts in self.columns.items()},
            dict(self.ratings), dict(self.days), {cell: list(entries) for cell, entries in self.cells.items()},
            None if self.tags is None else dict(self.tags), {} if self.tags is None else dict(self.tags_of),
        )


def _less_one(counts: dict[Any, int], key: Any) -> None:
    if counts[key] == 1:
        del counts[key]
    else:
        counts[key] -= 1


def _kept_cell(latitude: float | None, longitude: float | None) -> int | None:
    """The kept map cell of a photo the kept cells hold (db/counts.py ``positioned``), else ``None``."""
    if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return geo.geo_cell(latitude, longitude) >> geo.KEPT_SHIFT  # type: ignore[operator]


MISSES_KEPT = 8
"""Searches whose misses each database keeps between requests (a few MB each at a million photos)."""
COUNTED_CELLS_KEPT = 4096
"""A search's map cells counted from the photos kept with its misses, at most (a map panned across
the world asks new boxes)."""


class _KeptMisses:
    """The misses of recent searches per database, each with its library's version when read
    (db/changes.py). A search's timeline, map and facets are asked together; they read the misses
    once, not three times (300-600 ms each at a million photos), and a search asked again reads
    none, or after writes only the photos written since (db/changes.py ``changed_since``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_engine: weakref.WeakKeyDictionary[Engine, OrderedDict[PhotoFilterSpec, tuple[int, Misses | None]]] = (
            weakref.WeakKeyDictionary()
        )
        self._reading: dict[tuple[int, PhotoFilterSpec], threading.Lock] = {}

    def get(
        self, conn: Connection, spec: PhotoFilterSpec, read: Callable[[], Misses | None],
        update: Callable[[int, Misses], Misses | None],
    ) -> Misses | None:
        """The misses kept for ``spec`` at the library's version now; else those kept at an older
        version brought up to date (``update(version, kept)``, ``None`` when it cannot), else
        ``read()``; kept at the version now.

        ``conn`` has written nothing (the browse resolvers' own connections): misses read after a
        write that is then rolled back would be kept at a version the next write takes again."""
        # The version first: misses read after it are as new as it or newer, never older.
        version = changes.version(conn, spec.owner_id)
        engine = conn.engine
        with self._lock:
            kept = self._by_engine.setdefault(engine, OrderedDict())
            reading = self._reading.setdefault((id(engine), spec), threading.Lock())
        with reading:  # the same search asked by several requests at once is read once
            with self._lock:
                found = kept.get(spec)
                if found is not None and found[0] == version:
                    kept.move_to_end(spec)
                    return found[1]
            misses = update(*found) if found is not None and found[1] is not None else None
            if misses is None:
                misses = read()
            with self._lock:
                kept[spec] = (version, misses)
                kept.move_to_end(spec)
                while len(kept) > MISSES_KEPT:
                    kept.popitem(last=False)
                self._reading.pop((id(engine), spec), None)
            return misses


_kept_misses = _KeptMisses()


def _missed(conn: Connection, spec: PhotoFilterSpec, plan: Plan) -> Misses | None:
    """For a text search that matches nearly every photo (alone, or with ``hasGps: true``): the
    photos of the kept scope its matches are taken from that it misses, summed (:class:`Misses`),
    as kept since the library last changed, brought up to date from the photos written since
    (each tested row by row), or read in one walk of the by-id index that reads no photo row
    (SQLite: the ids against FTS5's rowids). ``None``: not such a search, or it misses more than
    ``COUNT_BOUND`` photos and a ``MISSES_SHARE``-th of the library."""
    if plan.driver is not None or spec.text is None:
        return None
    scope = kept_scope(conn, spec.without("text"))
    c = photo_t.c
    dialect = conn.dialect.name
    where = plan.where(but=("text",))
    misses = text_misses(spec, dialect, hinted(select(c.id), dialect, BY_ID_INDEX).where(*where))
    if scope is None or misses is None:
        return None
    # Read by position: (id, make, model, lens, rating, day, latitude, longitude), as the driver's
    # tuples: a SQLAlchemy Row per photo, its day parsed to a date, cost a quarter of the first read
    # of "img" at a million photos (41,000 misses); a day stays as the driver gives it.
    read = [c.id, *(func.lower(c[name]) for name in COLUMN_FACETS), c.rating, DAY, c.gps_latitude, c.gps_longitude]
    bound = max(COUNT_BOUND, library_size(conn, spec.owner_id) // MISSES_SHARE)

    def summed() -> Misses | None:
        missed = plain_rows(conn, hinted(select(*read), dialect, BY_ID_INDEX).where(*where, misses).limit(bound + 1))
        if len(missed) > bound:
            return None
        found = Misses(scope)
        found.add(missed)
        return found

    def updated(version: int, kept: Misses) -> Misses | None:
        written = changes.changed_since(conn, spec.owner_id, version, COUNT_BOUND)
        if written is None:
            return None
        found = kept.copy()
        for photo_id in written:
            found.remove(photo_id)
        ids = select(asked_table(conn, written, ids=True).c.value)
        # The photos written, by id, each tested by its row: the same rule as the search index's.
        missed = text_misses(spec, dialect).label("missed")  # type: ignore[union-attr]
        rows = plain_rows(conn, hinted(select(*read, missed), dialect, None).where(*where, c.id.in_(ids)))
        now_missed = [row[:-1] for row in rows if row[-1]]
        found.add(now_missed)
        touched = {_kept_cell(latitude, longitude) for *_, latitude, longitude, _ in rows}
        found.counted_cells = {key: value for key, value in kept.counted_cells.items() if key[1] not in touched}
        if found.tags is not None and now_missed:
            found.add_tags(_tag_keys(conn, spec.owner_id, [photo_id for photo_id, *_ in now_missed]))
        return found if len(found.rows) <= bound else None

    return _kept_misses.get(conn, spec, summed, updated)


def _tag_keys(conn: Connection, owner_id: int, photo_ids: list[int]) -> list[tuple[int, str]]:
    """(photo id, tag key) of every tag of these photos."""
    t = tag_t.c
    asked = asked_table(conn, sorted(photo_ids), ids=True)
    query = select(t.photo_id, t.tag_key).select_from(joined_to_asked(conn, asked, tag_t, t.photo_id == asked.c.value)).where(t.owner_id == owner_id)
    return [(photo_id, key) for photo_id, key in conn.execute(query)]


def _days_less(days: list[tuple[date, int]], undated: int, missed: dict[Any, int]) -> tuple[dict[date, int], int]:
    by_day = dict(missed)
    undated -= by_day.pop(None, 0)
    counted = dict(days)
    for day, n in by_day.items():
        counted[_as_date(day)] -= n  # type: ignore[index]
    return {day: n for day, n in counted.items() if n}, undated


def missed_counts(conn: Connection, spec: PhotoFilterSpec, plan: Plan) -> MatchCounts | None:
    """Every facet of a text search that matches nearly every photo: the counts kept for the whole
    library (or its positioned photos) less those of the few photos it misses (:func:`_missed`).
    Counted from the matches, "img" (every file name but a camera's "DSC_") read a million photo
    rows per facet: 11.8 s for the six at a million photos."""
    missed = _missed(conn, spec, plan)
    if missed is None:
        return None
    owner, scope = spec.owner_id, missed.scope
    columns = {name: {key: n for key, _, n in conn.execute(_kept(owner, scope + name))} for name in COLUMN_FACETS}
    ratings = {int(key): n for key, _, n in conn.execute(_kept(owner, scope + "rating"))}
    tags = _kept_tags(conn, owner, scope)
    for name, counts in columns.items():
        for key, n in missed.columns[name].items():
            counts[key] -= n
    for rating, n in missed.ratings.items():
        ratings[rating] -= n
    if missed.tags is None:  # the same for every request while the version holds: read once
        missed.add_tags(_tag_keys(conn, owner, list(missed.rows)))
    for key, n in missed.tags.items():
        spelled, had = tags[key]
        tags[key] = (spelled, had - n)
    days, undated = _days_less(*day_counts(conn, spec.without("text")), missed.days)
    return MatchCounts(
        columns={name: {key: n for key, n in counts.items() if n} for name, counts in columns.items()},
        tags={key: value for key, value in tags.items() if value[1]},
        ratings={rating: n for rating, n in ratings.items() if n},
        days=days,
        undated=undated,
    )


def _kept_tags(conn: Connection, owner_id: int, scope: str) -> dict[str, tuple[str, int]]:
    """Per tag key, its least spelling and photos: kept for the positioned photos (db/counts.py),
    read from the tag index (in key order, a streamed group) for the whole library."""
    if scope == GPS_SCOPE:
        return {key: (value, n) for key, value, n in conn.execute(_kept(owner_id, GPS_SCOPE + "tag"))}
    t = tag_t.c
    query = select(t.tag_key, func.min(t.tag), func.count()).where(t.owner_id == owner_id).group_by(t.tag_key)
    return {key: (spelled, n) for key, spelled, n in conn.execute(query)}


_GEO_CARRIED = frozenset({"bbox", "has_gps", *DAY_CONDITIONS, *CARRIED})
"""Conditions whose columns ``ix_photo_owner_geo`` carries (the position, capture time, ``CARRIED``)."""
MAX_BOX_STRETCHES = 64
"""Cells of the geo index a box is read as, at most (coarser cells: fewer stretches, more entries
read past the box)."""
BOX_READ_SHARE = 3
"""A box and another condition are read once for every facet while the box's kept cells hold at
most this share of the library. At a million photos (SQLite, in-process CPU, six facets) even the
whole world's 333,000 positioned photos with ISO >= 100 took 791 ms so against 835 ms streamed
facet by facet; ISO 800-3200 there 262 against 714."""


def _box_stretches(conn: Connection, spec: PhotoFilterSpec, plan: Plan) -> list[tuple[ColumnElement[bool], ...]] | None:
    """For a map box with another condition and many matches: the box's stretches of the geo index
    (cells a few times the box's size, adjacent ones merged) as (inside the box part, in the
    stretch) clauses, read once for every facet (:func:`match_counts`). Each facet otherwise
    streamed a whole index of a million entries for its own count (ISO 800-3200 in Europe at a
    million photos: 41,000 matches, 110-120 ms of CPU per facet on SQLite, six facets). ``None``:
    no box, a box alone (kept per cell, ``_box_cell_sums``), a driver, a condition the index does
    not carry, or a box holding more than a ``BOX_READ_SHARE``-th of the library."""
    names = {condition.name for condition in plan.conditions}
    if spec.bbox is None or plan.driver is not None or len(names) < 2 or not names <= _GEO_CARRIED:
        return None
    if kept_cells_bound(conn, spec.owner_id, spec.bbox) > library_size(conn, spec.owner_id) // BOX_READ_SHARE:
        return None
    return _stretches(spec.bbox)


def _stretches(box: BoundingBox) -> list[tuple[ColumnElement[bool], ...]]:
    """The box's stretches of the geo index, each as (inside the box's part, in the stretch) clauses."""
    c = photo_t.c
    clauses: list[tuple[ColumnElement[bool], ...]] = []
    for part in plain_boxes(box):
        level = geo.KEPT_LEVEL
        while level > 0 and _cell_count(part, level) > MAX_BOX_STRETCHES:
            level -= 1
        span = 1 << (2 * (geo.BITS - level))
        stretches: list[list[int]] = []
        for first in sorted(first for _, _, first in geo.cells_covering(part.south, part.west, part.north, part.east, level)):
            if stretches and stretches[-1][1] == first:
                stretches[-1][1] = first + span
            else:
                stretches.append([first, first + span])
        clauses += [(*bbox_clauses(part), c.geo_cell >= lo, c.geo_cell < hi) for lo, hi in stretches]
    return clauses


def _few_in_range(conn: Connection, spec: PhotoFilterSpec, plan: Plan) -> str | None:
    """For a filter with several conditions, one a range db/range_counts.py keeps counts per value
    of that holds at most a ``BOX_READ_SHARE``-th of the library by those counts (every photo has a
    rating): the index its matches are read through once for every facet (the range's own when it
    carries what filters test, as ISO's does, and the plan reads a whole index; else the plan's), each facet streaming that
    whole index for its own count otherwise (ISO 800-3200 and aperture <= 2 at a million photos:
    273,000 by the ISO range, 90,000 matches). ``None``: no such range."""
    if len(plan.conditions) < 2:
        return None
    r = range_facet_t.c
    bound = library_size(conn, spec.owner_id) // BOX_READ_SHARE
    for condition in plan.conditions:
        if condition.name not in range_counts.RANGES:
            continue
        where = _kept_range_rows(spec.owner_id, condition.name, getattr(spec, condition.name), "rating")
        if conn.execute(select(func.coalesce(func.sum(r.photos), 0)).where(*where)).scalar_one() <= bound:
            return condition.index if condition.index in CARRYING_INDEXES and not plan.seeks else plan.index
    return None


def match_counts(conn: Connection, spec: PhotoFilterSpec) -> MatchCounts | None:
    """Every facet counted under ``spec``, from one read of its matches, when they are few (the
    plan finds them through a driver: at most ``COUNT_BOUND``). Counted one facet at a time,
    each read those photos again: five reads of a row per match (under the commonest tag of a
    million photos, 11,500 rows at about 40 ms a read on SQLite). So too a map box with another
    condition (its stretches of the geo index, ``_box_stretches``) and a kept range holding at
    most a third of the library with another condition (``_few_in_range``): each facet streamed a
    whole index of its own for them. ``None``: the matches are many (each facet streams its own
    index, no row read) or kept by triggers."""
    if kept_scope(conn, spec) is not None or kept_range(conn, spec) is not None:
        return None
    plan = make_plan(conn, spec, limit=None)
    box = _box_stretches(conn, spec, plan)
    index = plan.index
    if plan.driver is None and box is None:
        missed = missed_counts(conn, spec, plan)
        if missed is not None or (index := _few_in_range(conn, spec, plan)) is None:
            return missed
    columns = [name for name in COLUMN_FACETS if getattr(spec, name) is None]
    found = MatchCounts(
        columns={name: {} for name in columns},
        tags={} if not spec.tags else None,
        ratings={} if spec.rating is None else None,
        days={} if spec.taken_after is None and spec.taken_before is None else None,
    )
    c = photo_t.c
    read = [c.id, *(c[name] for name in columns), c.rating, DAY.label("day")]
    if box is not None:  # each stretch checked against the box and the filter from the index alone
        reads = [hinted(select(*read), conn.dialect.name, "ix_photo_owner_geo").where(*plan.where(), *clause) for clause in box]
        matches = union_all(*reads) if len(reads) > 1 else reads[0]
    else:
        matches = hinted(select(*read), conn.dialect.name, index).where(*plan.where())
    if conn.dialect.name == "sqlite":
        _count_matches_sqlite(conn, spec.owner_id, matches.subquery("matches"), found)
    else:
        _count_matches_postgres(conn, spec.owner_id, matches, plan.driver is not None or box is not None, found)
    return found


def _facet_keys(found: MatchCounts) -> list[str]:
    """The columns of the matches ``found`` counts per value: the text facets, rating, day."""
    return [*found.columns, *(["rating"] if found.ratings is not None else []), *(["day"] if found.days is not None else [])]


def _add_count(found: MatchCounts, name: str, key: Any, n: int) -> None:
    """``n`` matches with ``key`` (a text facet's lowercased value, a rating, a "YYYY-MM-DD" day)."""
    if name == "rating":
        found.ratings[int(key)] = n  # type: ignore[index]
    elif name == "day":
        if key is None:
            found.undated = n
        else:
            found.days[date.fromisoformat(key)] = n  # type: ignore[index]
    elif key is not None:  # spellings of one key add up
        counts = found.columns[name]
        counts[key] = counts.get(key, 0) + n


def _count_matches_sqlite(conn: Connection, owner_id: int, matches: Any, found: MatchCounts) -> None:
    """SQLite: each facet's values over the matches as one JSON array, counted here (``Counter``),
    and the tags of the matches' ids (passed back as JSON, no photo read again). Grouped in SQL,
    the matches were written to a temporary table and sorted again for each facet: 58 -> 35 ms of
    CPU for ISO 800-3200 + aperture <= 2 at 100,000 photos (9,000 matches). The text facets come
    as spelled and are folded here (``sql_lower``), once per spelling: SQLite's lower() on each of the 90,000
    matches at a million photos took 28 of that statement's 70 ms."""
    m = matches.c
    names = _facet_keys(found)
    *values, ids = conn.execute(select(*(func.json_group_array(m[name]) for name in names), func.json_group_array(m.id))).one()
    for name, listed in zip(names, values, strict=True):
        fold = name in found.columns
        for key, n in Counter(orjson.loads(listed)).items():
            _add_count(found, name, sql_lower(key, "sqlite") if fold and key is not None else key, n)
    if found.tags is not None:
        t = tag_t.c
        # Each match (one row per photo) probes for its own tags, in the order the matches came:
        # "IN (SELECT value FROM json_each(?))" first sorted the ids into a temporary index, 40 ->
        # 25 ms of the tag count for aperture <= 2 in Europe at a million photos (50,000 matches).
        matched = func.json_each(bindparam("ids", ids)).table_valued("value").alias("listed")
        tagged = joined_to_asked(conn, matched, tag_t, t.photo_id == matched.c.value)
        query = select(t.tag_key, func.min(t.tag), func.count()).select_from(tagged).where(t.owner_id == owner_id)
        found.tags = {key: (spelled, n) for key, spelled, n in conn.execute(query.group_by(t.tag_key))}


def _count_matches_postgres(conn: Connection, owner_id: int, matches: Select[Any], driven: bool, found: MatchCounts) -> None:
    """PostgreSQL: every facet from one pass over the matches (``GROUPING SETS``: a hash table per
    facet), grouped on the stored spellings and lowercased per group, and the tags of the same
    matches, in one statement. Read by an aggregate per facet from a CTE, lowercasing each match,
    cost 2-3x the CPU (ISO 800-3200 + aperture <= 2: 50 -> 16 ms at 100,000 photos, 850 -> 450
    at a million on a loaded machine). A driver's few matches (a text search, a tag) are found
    once, in a materialized CTE, and so are a box's stretches (a union of many reads, planned
    once); an index's many matches are read twice, which costs less than writing them to a CTE."""
    source = matches.cte("matches").prefix_with("MATERIALIZED") if driven else matches.subquery("matches")
    m = source.c
    names = _facet_keys(found)
    parts: list[Select[Any]] = []
    if names:
        keys = [m[name] for name in names]
        texts = [func.lower(m[name]) if name in found.columns else cast(m[name], String) for name in names]
        which = case(*((func.grouping(key) == 0, k) for k, key in enumerate(keys)))
        key = case(*((func.grouping(key) == 0, spelled) for key, spelled in zip(keys, texts, strict=True)))
        parts.append(select(which, key, cast(null(), String), func.count()).select_from(source).group_by(func.grouping_sets(*keys)))
    if found.tags is not None:
        t = tag_t.c
        ids = select(source.c.id) if driven else select(matches.subquery("matched").c.id)
        tagged = select(literal(-1), t.tag_key, func.min(t.tag), func.count()).where(t.owner_id == owner_id, t.photo_id.in_(ids))
        parts.append(tagged.group_by(t.tag_key))
    if not parts:
        return
    for k, key, spelled, n in conn.execute(union_all(*parts) if len(parts) > 1 else parts[0]):
        if k == -1:
            found.tags[key] = (spelled, n)  # type: ignore[index]
        else:
            _add_count(found, names[k], key, n)


def most_common(counts: dict[str, int], limit: int) -> list[tuple[str, int]]:
    """The ``limit`` most common keys with their counts, ties by key (as the SQL facets order)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def spelled_column_facet(conn: Connection, owner_id: int, column: str, counted: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Counted lowercased values, each spelled as one of its photos spells it."""
    spelled = _spellings(conn, owner_id, column, [k for k, _ in counted])
    return [(spelled.get(k, k), n) for k, n in counted]


__all__ = [
    "COLUMN_FACETS",
    "Cluster",
    "MatchCounts",
    "column_facet",
    "day_counts",
    "hothashes_by_ids",
    "kept_cells",
    "map_clusters",
    "map_level",
    "match_counts",
    "most_common",
    "plain_boxes",
    "range_years",
    "spelled_column_facet",
    "rating_facet",
    "tag_facet",
]
