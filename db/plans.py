"""How a filtered photo query runs: walk an index in timeline order, or find the few matches and sort.

The two ways, and when each is fast:

- **walk**: read photos in timeline order on an index and keep those that pass, until the page is
  full. Costs (page size) / (share of photos that match): fast for common filters, hopeless for
  a rare one (a tag three photos carry walks the whole timeline). Equality filters have keyset
  indexes of their own (a camera's photos in timeline order): a walk there visits matches only.
- **find and sort**: read the matches through the most selective condition's own index (a tag's
  rows, a latitude range, the text index), check the other conditions, sort them and keep a page.
  Costs (number of matches): fast for rare filters, slow for common ones.

Which one is decided per query by counting: each condition's matches are counted through its own
index, stopping at ``COUNT_BOUND``; the rarest condition drives a find when finding its matches
costs less than the walk is expected to (page size x library size / expected matches, conditions
taken as independent). Counting costs a few milliseconds and needs no planner statistics, so the
choice holds right after a large import too; counts are remembered for ``COUNT_SECONDS``.
SQLite is told the index (``INDEXED BY``); PostgreSQL's planner picks the same indexes for these
shapes, and a MATERIALIZED CTE keeps it from turning a find back into a walk.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, and_, func, literal, or_, select, tuple_, union_all

from imalink.db.filters import DAY, TIMELINE_INDEX, BoundingBox, Condition, PhotoFilterSpec, filter_conditions
from imalink.db.tables import BY_ID_INDEX, CARRYING_INDEXES, facet_t, photo_cell_t, photo_t

COUNT_BOUND = 20_000
"""Counting a condition's matches stops here: a condition with more never drives a find."""
COUNT_SECONDS = 30.0
"""How long a count is trusted for planning, until the next import (counts only steer the plan;
results are always exact)."""
MAX_ID = 2**31 - 1
"""Above every photo id (ids are 32-bit integers on both databases): the start of a descending id walk."""
WALKED_ENTRY_COST = 0.1
"""An index entry walked, against a photo found by key: what an aggregate's walk costs per photo."""
PRIMARY_KEY = ""
"""Walk by id: the table itself (SQLite: NOT INDEXED, rowid order)."""

# Large blobs are fetched only by the look-ups that need them; pages learn just whether they exist.
PHOTO_COLUMNS = [
    *(c for c in photo_t.c if c.name not in ("hotpreview", "search_text", "geo_cell")),
    photo_t.c.hotpreview.is_not(None).label("has_hotpreview"),
]


class PhotoSort(Enum):
    """Orders of the photo timeline."""

    TAKEN_AT_DESC = "TAKEN_AT_DESC"
    TAKEN_AT_ASC = "TAKEN_AT_ASC"
    CREATED_AT_DESC = "CREATED_AT_DESC"

    def phases(self, backward: bool = False) -> tuple[Phase, ...]:
        """The stretches the order walks through, in order (reversed when paging backward).

        Capture-time orders walk the dated photos on (day, taken_at, id) and then the undated ones
        by id, so undated photos come last either way and every stretch is one index range.
        """
        if self is PhotoSort.CREATED_AT_DESC:
            phases: tuple[Phase, ...] = (Phase(None, True),)
        else:
            descending = self is PhotoSort.TAKEN_AT_DESC
            phases = (Phase(True, descending), Phase(False, descending))
        if backward:
            phases = tuple(Phase(p.dated, not p.descending) for p in reversed(phases))
        return phases


@dataclass(frozen=True, slots=True)
class PageKey:
    """A position in an order: the sort key of a photo (or of a boundary, e.g. a bucket's start).

    For the capture-time orders ``taken_at`` is ``None`` in the undated stretch.
    """

    taken_at: datetime | None
    id: int


@dataclass(frozen=True, slots=True)
class Phase:
    """One stretch of an order: dated photos by (day, taken_at, id), undated ones by id, or all by id."""

    dated: bool | None
    descending: bool

    def clauses(self) -> list[ColumnElement[bool]]:
        """The stretch's rows, on the day, which timeline indexes seek by (matches found elsewhere:
        :meth:`found`)."""
        if self.dated is None:
            return []
        return [DAY.is_not(None)] if self.dated else [DAY.is_(None), photo_t.c.taken_at.is_(None)]

    def order(self, source: Any = photo_t, by_day: bool = True, dialect: str = "sqlite") -> list[Any]:
        """ORDER BY terms; ``by_day`` leads with the day, as the timeline indexes do.

        The undated stretch is ordered by id. Seeking on a timeline index, PostgreSQL sees that
        order in the index only when it is spelled as the whole key (day and time are NULL
        there), SQLite only as the id after ``IS NULL`` on both: either way no undated photo is sorted.
        """
        by_id = not self.dated and (not by_day or self.dated is None or dialect == "sqlite")
        columns = [source.c.id] if by_id else [source.c.taken_at, source.c.id]
        if not by_id and by_day:
            columns.insert(0, DAY)
        return [col.desc() if self.descending else col.asc() for col in columns]

    def found(self, source: Any, key: PageKey | None) -> list[ColumnElement[bool]]:
        """The stretch's rows among ``source``'s (id, taken_at) matches, after ``key`` if given."""
        c = source.c
        clauses: list[ColumnElement[bool]] = []
        if self.dated is not None:
            clauses.append(c.taken_at.is_not(None) if self.dated else c.taken_at.is_(None))
        if key is not None:
            if not self.dated:
                clauses.append(c.id < key.id if self.descending else c.id > key.id)
            else:
                after = tuple_(c.taken_at, c.id), tuple_(key.taken_at, key.id)
                clauses.append(after[0] < after[1] if self.descending else after[0] > after[1])
        return clauses

    def holds(self, key: PageKey) -> bool:
        return self.dated is None or self.dated == (key.taken_at is not None)

    def after(self, key: PageKey) -> list[ColumnElement[bool]]:
        """Rows strictly after ``key`` in this stretch's direction (the day repeated, to seek by)."""
        c = photo_t.c
        if not self.dated:
            return [c.id < key.id if self.descending else c.id > key.id]
        assert key.taken_at is not None
        if self.descending:
            return [DAY <= key.taken_at.date(), tuple_(c.taken_at, c.id) < tuple_(key.taken_at, key.id)]
        return [DAY >= key.taken_at.date(), tuple_(c.taken_at, c.id) > tuple_(key.taken_at, key.id)]


@dataclass(slots=True)
class PhotoPage:
    rows: list[Row[Any]] = field(default_factory=list)
    has_more: bool = False
    """More rows follow in the direction walked."""


@dataclass(frozen=True, slots=True)
class Plan:
    """How to run queries for one filter (see the module docstring)."""

    owner_id: int
    conditions: tuple[Condition, ...]
    driver: Condition | None = None
    """Find through this condition; ``None``: walk ``walk_index``."""
    walk_index: str = TIMELINE_INDEX
    by_id: bool = False
    """The driver's matches are checked and sorted on ``BY_ID_INDEX`` (SQLite): its own index or
    side table holds their ids, not their capture time and what the other conditions test."""

    def may_hold(self, phase: Phase) -> bool:
        """Whether a stretch can hold matches: a date range or ``hasTakenAt`` rules one out."""
        if phase.dated is None:
            return True
        for condition in self.conditions:
            if condition.name == "taken" and not phase.dated:
                return False
            if condition.name == "has_taken_at" and condition.key != phase.dated:
                return False
        return True

    @property
    def seeks(self) -> bool:
        """Whether the plan reads only a part of an index (a driver's matches, an ordered
        condition's range), not the whole timeline."""
        return self.driver is not None or any(c.ordered and c.index == self.walk_index for c in self.conditions)

    @property
    def index(self) -> str | None:
        """The index the plan reads (``None``: rowid look-ups from a side table; "": the table)."""
        if self.by_id:
            return BY_ID_INDEX
        return self.driver.index if self.driver is not None else self.walk_index

    def where(self, but: tuple[str, ...] = ()) -> list[ColumnElement[bool]]:
        """Every condition (but those named in ``but``, which the caller tests itself); those read
        through the plan's index in their finding form."""
        clauses: list[ColumnElement[bool]] = [photo_t.c.owner_id == self.owner_id]
        for condition in self.conditions:
            if condition.name in but:
                continue
            if condition is self.driver and self.by_id and condition.index is not None:
                # The ids from the driver's own index, each then found in BY_ID_INDEX.
                ids = hinted(select(photo_t.c.id), "sqlite", condition.index).where(photo_t.c.owner_id == self.owner_id, *condition.finding)
                clauses.append(photo_t.c.id.in_(ids.correlate(None)))
                continue
            reads_index = condition is self.driver or (self.driver is None and condition.index == self.walk_index)
            clauses.extend(condition.finding if reads_index else condition.test)
        return clauses

    def source(self, query: Select[Any], dialect: str) -> Select[Any]:
        """``query`` reading photo, SQLite told which index."""
        return hinted(query, dialect, self.index)


def hinted(query: Select[Any], dialect: str, index: str | None) -> Select[Any]:
    """``query`` from photo; on SQLite with ``INDEXED BY index`` (``None``/"": by rowid only)."""
    query = query.select_from(photo_t)
    if dialect != "sqlite":
        return query
    return query.with_hint(photo_t, f"INDEXED BY {index}" if index else "NOT INDEXED")


def make_plan(
    conn: Connection,
    spec: PhotoFilterSpec,
    sort: PhotoSort = PhotoSort.TAKEN_AT_DESC,
    limit: int | None = 100,
    in_timeline_order: bool = True,
) -> Plan:
    """Count each condition's matches (up to ``COUNT_BOUND``) and choose how to run ``spec``.

    ``limit`` is the page size; ``None`` plans an aggregate, which reads every match anyway: a walk
    then costs the whole index (an entry of a covering index is far cheaper than a row found by key).
    ``in_timeline_order=False``: the caller walks an index of its own (the map's, by place), so an
    equality filter's keyset index is no walk for it, only a way to find few matches.
    """
    conditions = tuple(filter_conditions(spec, conn.dialect.name))
    by_time = in_timeline_order and sort is not PhotoSort.CREATED_AT_DESC
    default_walk = TIMELINE_INDEX if by_time else PRIMARY_KEY
    ordered = [c for c in conditions if c.ordered] if by_time else []
    if not conditions:
        return Plan(spec.owner_id, conditions, walk_index=default_walk)
    if len(conditions) == 1 and ordered:
        return Plan(spec.owner_id, conditions, walk_index=ordered[0].index or default_walk)
    counts = sorted((bounded_count(conn, spec.owner_id, c), k, c) for k, c in enumerate(conditions))
    count, _, rarest = counts[0]
    if count < COUNT_BOUND:
        size = max(library_size(conn, spec.owner_id), 1)
        if limit is None:
            walk_rows = size * WALKED_ENTRY_COST
        else:
            expected = float(count)
            for other, _, _ in counts[1:]:
                if other < COUNT_BOUND:
                    expected *= other / size
            walk_rows = max(limit, 1) * size / max(expected, 1.0)
        if any(c is not rarest for c in ordered):
            walk_rows = min(walk_rows, min(n for n, _, c in counts if c in ordered))
        if count <= walk_rows:
            by_id = conn.dialect.name == "sqlite" and rarest.index not in CARRYING_INDEXES
            return Plan(spec.owner_id, conditions, driver=rarest, by_id=by_id)
    walk = min(((n, k, c) for n, k, c in counts if c in ordered), default=None)
    return Plan(spec.owner_id, conditions, walk_index=(walk[2].index or default_walk) if walk else default_walk)


_remembered: dict[tuple[Any, ...], tuple[float, int]] = {}
_remembered_lock = threading.Lock()


def _remember(key: tuple[Any, ...], compute: Any) -> int:
    now = time.monotonic()
    with _remembered_lock:
        hit = _remembered.get(key)
        if hit is not None and now - hit[0] < COUNT_SECONDS:
            return hit[1]
    value = compute()
    with _remembered_lock:
        if len(_remembered) > 4096:
            _remembered.clear()
        _remembered[key] = (now, value)
    return value


def _library(conn: Connection) -> tuple[str, int]:
    """Which library, as of which import: counts remembered across an import would mislead."""
    newest = conn.execute(select(func.max(photo_t.c.id))).scalar_one()
    return str(conn.engine.url), newest or 0


def library_size(conn: Connection, owner_id: int) -> int:
    """How many photos the owner has (remembered for ``COUNT_SECONDS``: it only steers plans)."""
    # Every photo has a rating (0: unrated), and the triggers keep the photos per rating
    # (db/counts.py): a few rows, where counting read a whole index (SQLite picks a narrow one by
    # its declared types, not its size).
    f = facet_t.c
    query = select(func.coalesce(func.sum(f.photos), 0)).where(f.owner_id == owner_id, f.facet == "rating")
    return _remember((*_library(conn), owner_id, "size"), lambda: conn.execute(query).scalar_one())


def bounded_count(conn: Connection, owner_id: int, condition: Condition, bound: int = COUNT_BOUND) -> int:
    """The condition's matches counted through its own index, stopping at ``bound``; for a box, at
    most that many when the counts kept per map cell already bound it below ``bound``."""
    if condition.count is not None:
        query = condition.count.limit(bound)
    else:
        query = hinted(select(photo_t.c.id), conn.dialect.name, condition.index)
        query = query.where(photo_t.c.owner_id == owner_id, *condition.finding).limit(bound)
    counted = select(func.count()).select_from(query.subquery())

    def count() -> int:
        if condition.name == "bbox":
            kept = kept_cells_bound(conn, owner_id, condition.key)
            if kept < bound:
                return kept
        return conn.execute(counted).scalar_one()

    key = (*_library(conn), owner_id, condition.name, condition.key, bound)
    return _remember(key, count)


def kept_cells_bound(conn: Connection, owner_id: int, box: BoundingBox) -> int:
    """At most how many photos lie inside ``box``: the photos of the map cells kept by triggers
    (db/counts.py ``photo_cell``, a few hundred rows) whose photos' bounds meet it (or are unknown).
    The box's count through the latitude index reads the box's whole band of latitudes: across the
    180th meridian from 30 S to 70 N, nearly every positioned photo for 0.1 % of them (40 ms at a
    million photos, a page's whole budget, where these rows are read in about one)."""
    k = photo_cell_t.c
    crosses = box.west > box.east
    longitudes = or_(k.east >= box.west, k.west <= box.east) if crosses else and_(k.east >= box.west, k.west <= box.east)
    meets = and_(k.north >= box.south, k.south <= box.north, longitudes)
    query = select(func.coalesce(func.sum(k.photos), 0)).where(
        k.owner_id == owner_id, k.facet == "", k.key == "", or_(k.photo_id.is_(None), meets)
    )
    return conn.execute(query).scalar_one()


def page_photos(
    conn: Connection,
    plan: Plan,
    sort: PhotoSort,
    key: PageKey | None,
    limit: int,
    backward: bool = False,
) -> PhotoPage:
    """Up to ``limit`` photos after ``key`` in ``sort`` (before it when ``backward``), never by OFFSET.

    Rows come back in ``sort`` order either way; ``has_more`` says whether more follow in the
    direction walked. ``limit`` 0 just tells whether any photo lies that way.
    """
    phases = sort.phases(backward)
    start = 0
    if key is not None:
        start = next(k for k, phase in enumerate(phases) if phase.holds(key))
    rows: list[Row[Any]] = []
    if plan.driver is not None:
        stretches = [(phase, key if k == 0 else None) for k, phase in enumerate(phases[start:]) if plan.may_hold(phase)]
        rows = _found_rows(conn, plan, stretches, limit + 1)
    else:
        for k, phase in enumerate(phases[start:]):
            keyset = phase.after(key) if key is not None and k == 0 else []
            rows += _walked_rows(conn, plan, phase, keyset, limit + 1 - len(rows))
            if len(rows) > limit:
                break
    page = PhotoPage(rows[:limit], len(rows) > limit)
    if backward:
        page.rows.reverse()
    return page


def _walked_rows(conn: Connection, plan: Plan, phase: Phase, keyset: list[ColumnElement[bool]], limit: int) -> list[Row[Any]]:
    """Walk: the first ``limit`` rows of a stretch in the order of the plan's index."""
    if not plan.may_hold(phase):
        return []
    dialect = conn.dialect.name
    where = [*plan.where(), *phase.clauses(), *keyset]
    if dialect == "sqlite":  # SQLite checks what the index holds before it reads a row
        query = plan.source(select(*PHOTO_COLUMNS), dialect).where(*where).order_by(*phase.order(dialect=dialect))
        return list(conn.execute(query.limit(limit)).all())
    # PostgreSQL reads the heap row of every entry that passes the index's own conditions before
    # a side table's (a tag) is probed: the page's ids first, from the index alone, then their
    # rows. The commonest tag inside Europe walked 8,700 entries at a million photos: 27-43 ms,
    # ids first 19-20 ms.
    walked = plan.source(select(photo_t.c.id), dialect).where(*where).order_by(*phase.order(dialect=dialect)).limit(limit)
    query = select(*PHOTO_COLUMNS).where(photo_t.c.id.in_(walked)).order_by(*phase.order(by_day=False, dialect=dialect))
    return list(conn.execute(query).all())


def _found_rows(conn: Connection, plan: Plan, stretches: list[tuple[Phase, PageKey | None]], limit: int) -> list[Row[Any]]:
    """Find and sort: the driver's matches found once (a fence the planner cannot turn into a
    walk) and the first ``limit`` of each stretch taken from them in one statement, then the
    page's rows by primary key. A stretch per statement found the matches again for each: a
    file-name search on PostgreSQL is a trigram search of 15 ms at a million photos, whose
    few matches left the dated stretch short and were searched again for the undated one."""
    if not stretches:
        return []
    found = plan.source(select(photo_t.c.id, photo_t.c.taken_at), conn.dialect.name).where(*plan.where())
    matches = found.cte("matches").prefix_with("MATERIALIZED")
    parts = []
    for n, (phase, key) in enumerate(stretches):
        where = phase.found(matches, key)
        ordered = select(matches.c.id, literal(n).label("part")).where(*where).order_by(*phase.order(matches, by_day=False)).limit(limit)
        part = ordered.subquery(f"part{n}")
        parts.append(select(part.c.id, part.c.part))
    top = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("top")
    query = select(*PHOTO_COLUMNS, top.c.part).select_from(photo_t.join(top, photo_t.c.id == top.c.id))
    # Stretch after stretch, each in its own order: by id (undated photos: no time to tie), or
    # by time and id; every stretch of one walk goes the same way.
    c = photo_t.c
    first = stretches[0][0]
    columns = [c.id] if first.dated is None else [c.taken_at, c.id]
    query = query.order_by(top.c.part, *(col.desc() if first.descending else col.asc() for col in columns))
    return list(conn.execute(query).all())[:limit]


def count_photos(conn: Connection, plan: Plan) -> int:
    """How many photos match the plan's filter: through the plan's index (a driver's, an equality
    filter's), else through the timeline index, which holds every number filtered on."""
    index = plan.index if plan.index != PRIMARY_KEY else TIMELINE_INDEX
    query = hinted(select(func.count()), conn.dialect.name, index)
    return conn.execute(query.where(*plan.where())).scalar_one()
