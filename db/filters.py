"""The photo filter: what each condition means in SQL, and which index can find its matches.

``filter_conditions`` is the one place the API's filters are defined. Each condition comes in two
forms: ``test`` checks a row the query already holds (cheap while walking an index in timeline
order), ``find`` lists the matches through the condition's own index or side table (cheap when
they are few). ``db/plans.py`` counts the matches of each condition up to a bound and picks the
form and the index by those counts.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, any_, except_, exists, func, not_, or_, select, text

from imalink.db.search import TRIGRAM, fts_phrase, like_pattern, search_terms
from imalink.db.tables import capture_day, photo_t, tag_t

N = TypeVar("N", int, float)
TIMELINE_INDEX = "ix_photo_owner_timeline"
DAY = capture_day(photo_t.c.taken_at)
"""The first key of every timeline index after the filter's own columns."""


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """Degrees, inclusive; ``west > east`` crosses the 180th meridian."""

    south: float
    west: float
    north: float
    east: float


@dataclass(frozen=True, slots=True)
class Range(Generic[N]):
    """Inclusive bounds; ``None`` leaves that side open."""

    min: N | None = None
    max: N | None = None


@dataclass(frozen=True, slots=True)
class PhotoFilterSpec:
    """Conditions a photo must meet; ``None`` (or empty) means no condition.

    ``owner_id`` is not optional: every photo query is one owner's library.
    """

    owner_id: int
    taken_after: datetime | None = None
    taken_before: datetime | None = None
    has_taken_at: bool | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    lens_model: str | None = None
    has_gps: bool | None = None
    bbox: BoundingBox | None = None
    tags: tuple[str, ...] = ()
    rating: Range[int] | None = None
    favorite: bool | None = None
    iso: Range[int] | None = None
    aperture: Range[float] | None = None
    focal_length: Range[float] | None = None
    text: str | None = None
    import_session_id: int | None = None

    def without(self, *names: str) -> PhotoFilterSpec:
        """The same filter with the conditions ``names`` left out (a facet ignores its own selection)."""
        defaults = {f.name: f.default for f in fields(self) if f.name in names}
        return replace(self, **defaults)


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition of a filter, in its two forms."""

    name: str
    key: Any
    """The condition's value: with ``name``, what identifies its count."""
    test: tuple[ColumnElement[bool], ...]
    """Clauses on the photo row, for a walk that already holds the row."""
    find: tuple[ColumnElement[bool], ...] = ()
    """Clauses that reach the matches through ``index`` or a side table (default: ``test``)."""
    index: str | None = None
    """The photo index ``find`` reads (SQLite is told to use it); ``None``: found by rowid."""
    ordered: bool = False
    """``index`` lists this condition's matches in timeline order: a walk on it visits matches only."""
    count: Select | None = field(default=None, compare=False)
    """Counts the matches from a side table, when that is cheaper than from photo."""

    @property
    def finding(self) -> tuple[ColumnElement[bool], ...]:
        return self.find or self.test


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def sql_lower(value: str, dialect: str) -> str:
    """``value`` as the database's lower() folds a column, so that a value and the column it is
    compared with (and the counts triggers keep by ``lower()``) fold alike: SQLite's built-in
    lower() folds ASCII letters only; PostgreSQL's (UTF-8) folds as Python does."""
    return value.translate(_ASCII_LOWER) if dialect == "sqlite" else value.lower()


def filter_conditions(spec: PhotoFilterSpec, dialect: str) -> list[Condition]:
    """The conditions of ``spec`` (without the owner, which every query adds itself)."""
    c = photo_t.c
    found: list[Condition] = []
    taken: list[ColumnElement[bool]] = []
    days: list[ColumnElement[bool]] = []  # the same range on the index's leading day, to seek by
    if spec.taken_after is not None:
        taken.append(c.taken_at >= spec.taken_after)
        days.append(DAY >= spec.taken_after.date())
    if spec.taken_before is not None:
        taken.append(c.taken_at < spec.taken_before)
        days.append(DAY <= spec.taken_before.date())
    if taken:
        found.append(Condition("taken", (spec.taken_after, spec.taken_before), tuple(taken), find=(*days, *taken), index=TIMELINE_INDEX, ordered=True))
    if spec.has_taken_at is not None:
        clause = c.taken_at.is_not(None) if spec.has_taken_at else c.taken_at.is_(None)
        day = DAY.is_not(None) if spec.has_taken_at else DAY.is_(None)
        found.append(Condition("has_taken_at", spec.has_taken_at, (clause,), find=(day,), index=TIMELINE_INDEX, ordered=True))
    for name in ("camera_make", "camera_model", "lens_model"):
        value = getattr(spec, name)
        if value is not None:
            key = sql_lower(value, dialect)
            clause = func.lower(c[name]) == key
            found.append(Condition(name, key, (clause,), index=f"ix_photo_owner_{name}_lower", ordered=True))
    if spec.favorite is not None:
        found.append(Condition("favorite", spec.favorite, (c.favorite == spec.favorite,), index="ix_photo_owner_favorite", ordered=True))
    if spec.import_session_id is not None:
        clause = c.import_session_id == spec.import_session_id
        found.append(Condition("import_session_id", spec.import_session_id, (clause,), index="ix_photo_owner_session", ordered=True))
    # (name, its index, whether the index holds each value's photos in timeline order)
    for name, index, by_time in (("rating", "ix_photo_owner_rating", True), ("iso", "ix_photo_owner_iso", True),
                                 ("aperture", "ix_photo_owner_aperture", False), ("focal_length", "ix_photo_owner_focal_length", False)):
        bounds: Range | None = getattr(spec, name)
        if bounds is not None and (bounds.min is not None or bounds.max is not None):
            clauses = []
            single = bounds.min is not None and bounds.min == bounds.max
            if single:
                # One value as an equality: SQLite walks "iso = 800" in the index's timeline order,
                # but sorted every match of "iso >= 800 AND iso <= 800" (90,000 at 100,000 photos).
                clauses.append(c[name] == bounds.min)
            else:
                if bounds.min is not None:
                    clauses.append(c[name] >= bounds.min)
                if bounds.max is not None:
                    clauses.append(c[name] <= bounds.max)
            found.append(Condition(name, (bounds.min, bounds.max), tuple(clauses), index=index, ordered=single and by_time))
    if spec.has_gps is not None:
        # A range rather than IS NOT NULL: planners use the index for a range.
        clause = c.gps_latitude.between(-90, 90) if spec.has_gps else c.gps_latitude.is_(None)
        found.append(Condition("has_gps", spec.has_gps, (clause,), index="ix_photo_owner_gps"))
    if spec.bbox is not None:
        found.append(Condition("bbox", spec.bbox, bbox_clauses(spec.bbox), index="ix_photo_owner_gps"))
    for key in dict.fromkeys(t.strip().lower() for t in spec.tags if t.strip()):
        tagged = select(tag_t.c.photo_id).where(tag_t.c.owner_id == spec.owner_id, tag_t.c.tag_key == key)
        probe = exists().where(tag_t.c.photo_id == c.id, tag_t.c.owner_id == spec.owner_id, tag_t.c.tag_key == key)
        # PostgreSQL joins an IN (subquery) to a scan of every photo; = ANY(ARRAY(...)) reads the
        # tag's photos by key (0.2-0.4 s against 0.7-0.9 s for a tag on 11,500 of a million).
        find = c.id.in_(tagged) if dialect == "sqlite" else c.id == any_(func.array(tagged.scalar_subquery()))
        found.append(Condition("tags", key, (probe,), find=(find,), count=tagged))
    if spec.text is not None and (terms := search_terms(spec.text)):
        found.append(_text_condition(terms, dialect))
    return found


def bbox_clauses(box: BoundingBox, shifted: bool = False) -> tuple[ColumnElement[bool], ...]:
    """Inside ``box``: latitude first (the index's order), a box across the 180th meridian as two
    ranges. ``shifted`` tests the position + 0, which no index serves: for a query that reads
    another index, where PostgreSQL's generic plan would read the box through the latitude index."""
    c = photo_t.c
    lat, lon = (c.gps_latitude + 0, c.gps_longitude + 0) if shifted else (c.gps_latitude, c.gps_longitude)
    latitude = lat.between(box.south, box.north)
    if box.west <= box.east:
        return latitude, lon.between(box.west, box.east)
    return latitude, or_(lon >= box.west, lon <= box.east)


def _text_tests(terms: list[str]) -> tuple[ColumnElement[bool], ...]:
    return tuple(photo_t.c.search_text.like(like_pattern(term), escape="\\") for term in terms)


def _fts_matches(terms: list[str]) -> Select:
    """SQLite: the rowids FTS5 finds for every term (each a quoted string: implicit AND)."""
    query = " ".join(fts_phrase(term) for term in terms)
    return select(text("rowid")).select_from(text("photo_search")).where(text("photo_search MATCH :q").bindparams(q=query))


def _text_condition(terms: list[str], dialect: str) -> Condition:
    c = photo_t.c
    test = _text_tests(terms)
    if dialect != "sqlite":
        return Condition("text", tuple(terms), test)  # the trigram GIN index serves LIKE itself
    indexed = [term for term in terms if len(term) >= TRIGRAM]
    if not indexed:
        return Condition("text", tuple(terms), test)
    # FTS5 trigram for the indexed terms, short terms checked per row.
    matches = _fts_matches(indexed)
    short = tuple(clause for term, clause in zip(terms, test, strict=True) if len(term) < TRIGRAM)
    return Condition("text", tuple(terms), test, find=(c.id.in_(matches), *short), count=matches)


def text_misses(spec: PhotoFilterSpec, dialect: str, among: Select | None = None) -> ColumnElement[bool] | None:
    """The photos the filter's text search does not match, as one clause that reads no photo row
    on SQLite: the ids of ``among`` (in id order) less FTS5's rowids, both in id order, a merge
    (``NOT IN`` built a temporary index of the 958,000 rowids "img" finds in a million photos: its
    timeline took 855 ms of server CPU so, 607 merged, on a loaded machine); without ``among``
    (a few photos found otherwise) and on PostgreSQL, each row's text tested. ``None`` without a
    search, or on SQLite when a term is shorter than a trigram (only the row's text can tell)."""
    terms = search_terms(spec.text) if spec.text is not None else []
    if not terms:
        return None
    if dialect != "sqlite" or among is None:
        return or_(photo_t.c.search_text.is_(None), not_(and_(*_text_tests(terms))))
    if any(len(term) < TRIGRAM for term in terms):
        return None
    return photo_t.c.id.in_(except_(among, _fts_matches(terms)).order_by(text("1")))


def filter_clauses(spec: PhotoFilterSpec, dialect: str = "sqlite") -> list[ColumnElement[bool]]:
    """Every condition of ``spec`` as row tests, owner included (for counts and simple queries)."""
    clauses: list[ColumnElement[bool]] = [photo_t.c.owner_id == spec.owner_id]
    for condition in filter_conditions(spec, dialect):
        clauses.extend(condition.test)
    return clauses

