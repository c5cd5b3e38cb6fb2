"""Selective filters never walk the whole timeline: the plan finds their few matches through their
own index, on SQLite and PostgreSQL alike (each database's own EXPLAIN says so); common filters walk
in timeline order and aggregates stream in index order."""

from __future__ import annotations

import json
from datetime import datetime
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy import text as text_clause

from benchmarks.library import LONELY_BOX, RARE_MODEL, RARE_TAG, RARE_WORD, LibrarySpec, build
from imalink.db import browse, changes, counts, lookalikes, plans, queries
from imalink.db.engine import make_engine
from imalink.db.migrate import upgrade_to_head
from imalink.db.filters import BoundingBox, PhotoFilterSpec, Range, filter_clauses
from imalink.db.tables import image_t, photo_t
from imalink.db.plans import PhotoSort
from imalink.resolvers import browse as resolvers_browse
from tests.support.databases import backends, emptied_at_revision
from tests.support.databases import fresh_database as fresh_database_of
from tests.support.library import library_database

OWNER = 1
SELECTIVE = {
    "rare tag": (PhotoFilterSpec(OWNER, tags=(RARE_TAG,)), "tags"),
    "rare tag and a common camera": (PhotoFilterSpec(OWNER, tags=(RARE_TAG,), has_gps=False), "tags"),
    "box holding three photos": (PhotoFilterSpec(OWNER, bbox=BoundingBox(*LONELY_BOX)), "bbox"),
    "rare word": (PhotoFilterSpec(OWNER, text=RARE_WORD), "text"),
    "rare camera and rating": (PhotoFilterSpec(OWNER, camera_model=RARE_MODEL[1], rating=Range(0, 5)), "camera_model"),
    "common tag and a box": (PhotoFilterSpec(OWNER, tags=("family",), bbox=BoundingBox(35, -10, 71, 40)), "tags"),
    "common tag and an aperture range": (PhotoFilterSpec(OWNER, tags=("family",), aperture=Range(None, 2.0)), "tags"),
    "box holding three photos and an ISO range": (PhotoFilterSpec(OWNER, bbox=BoundingBox(*LONELY_BOX), iso=Range(100, 3200)), "bbox"),
    "rare camera and a focal length range": (PhotoFilterSpec(OWNER, camera_model=RARE_MODEL[1], focal_length=Range(50, None)), "camera_model"),
}
FOUND_BY_ID = ("common tag and a box", "common tag and an aperture range", "box holding three photos and an ISO range")
"""Matches found by id (a tag's photos) or through an index that carries nothing else (a box's
latitudes): the other conditions are checked, and the capture time read, from the by-id index."""


@pytest.fixture(scope="module", params=backends())
def library(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    _, engine = library_database(request.param, tmp_path_factory.mktemp("plans"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def sqlite_library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """The same library on SQLite only: for plans PostgreSQL's planner rightly chooses for itself
    on a small table (its heap is narrow; it weighs index against heap), so only SQLite's are pinned."""
    _, engine = library_database("sqlite", tmp_path_factory.mktemp("plans-sqlite"))
    yield engine
    engine.dispose()


def statements(engine: Engine, run) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """The queries ``run(conn)`` sends, with their parameters."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    with engine.connect() as conn:
        event.listen(engine, "before_cursor_execute", record)
        try:
            run(conn)
        finally:
            event.remove(engine, "before_cursor_execute", record)
    return seen


def touch(engine: Engine) -> None:
    """A write that changes nothing but the library's version (db/changes.py)."""
    with engine.begin() as conn:
        conn.execute(text_clause("UPDATE photo SET rating = rating WHERE id = (SELECT min(id) FROM photo WHERE owner_id = :o)"), {"o": OWNER})


def facet_statements(engine: Engine, spec: PhotoFilterSpec, *, timeline: bool = False) -> list[tuple[str, object]]:
    """The queries one request's six facets send (sharing their reads, as the schema's do), and its
    month timeline's when asked."""
    reads = resolvers_browse.FacetReads()

    def run(conn):  # type: ignore[no-untyped-def]
        for column in browse.COLUMN_FACETS:
            resolvers_browse.column_facet(engine, spec, column, 20, reads)
        resolvers_browse.rating_facet(engine, spec, reads)
        resolvers_browse.year_facet(engine, spec, reads)
        resolvers_browse.tag_facet(engine, spec, 20, reads)
        if timeline:
            resolvers_browse.timeline(engine, spec, resolvers_browse.Granularity.MONTH, PhotoSort.TAKEN_AT_DESC)

    return statements(engine, run)


def explain(engine: Engine, statement: str, parameters: object) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()  # type: ignore[arg-type]
            return "\n".join(row[-1] for row in rows)
        (plan,) = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).one()  # type: ignore[arg-type]
        return json.dumps(plan)


def photo_reads(engine: Engine, text_plan: str, table: str = "photo") -> list[str]:
    """How each plan step reads the photo table (or ``table``)."""
    if engine.dialect.name == "sqlite":
        return [line for line in text_plan.splitlines() if f" {table} " in f"{line} " or line.endswith(f" {table}")]
    found: list[str] = []

    def visit(node: dict) -> None:  # type: ignore[type-arg]
        if node.get("Relation Name") == table:
            found.append(f"{node['Node Type']} {node.get('Index Name', '')}".strip())
        for child in node.get("Plans", []):
            visit(child)

    for top in json.loads(text_plan):
        visit(top["Plan"])
    return found


@pytest.mark.parametrize("name", SELECTIVE)
def test_selective_filters_find_their_matches_and_never_walk_the_timeline(library, name):
    spec, driver = SELECTIVE[name]
    engine = library
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, PhotoSort.TAKEN_AT_DESC, 100)
    if driver == "camera_model":  # an equality filter walks its own keyset index: matches only
        assert plan.driver is None or plan.driver.name == driver
        assert plan.index == "ix_photo_owner_camera_model_lower"
    else:
        assert plan.driver is not None and plan.driver.name == driver, plan
    sent = statements(engine, lambda conn: plans.page_photos(conn, plan, PhotoSort.TAKEN_AT_DESC, None, 100))
    pages = [(s, p) for s, p in sent if "ORDER BY" in s]
    assert pages
    for statement, parameters in pages:
        reads = photo_reads(engine, explain(engine, statement, parameters))
        assert reads, statement
        for read in reads:
            assert "SCAN" not in read.upper().replace("INDEX ONLY SCAN", "").replace("INDEX SCAN", "").replace("BITMAP HEAP SCAN", ""), (name, read)
            assert "ix_photo_owner_timeline" not in read, (name, read)


@pytest.mark.parametrize("name", FOUND_BY_ID)
def test_matches_found_by_id_are_checked_without_reading_photo_rows(sqlite_library, name):
    """SQLite: a row is a page or more (its hotpreview). The matches' other conditions and capture
    times come from the by-id index alone; only the page's own rows are read."""
    engine = sqlite_library
    spec, driver = SELECTIVE[name]
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, PhotoSort.TAKEN_AT_DESC, 100)
    assert plan.driver is not None and plan.driver.name == driver and plan.by_id, plan
    sent = statements(engine, lambda conn: plans.page_photos(conn, plan, PhotoSort.TAKEN_AT_DESC, None, 100))
    pages = [(s, p) for s, p in sent if "ORDER BY" in s]
    assert pages
    for statement, parameters in pages:
        reads = photo_reads(engine, explain(engine, statement, parameters))
        finding = [read for read in reads if "ix_photo_id_carried" in read]
        assert finding and all("COVERING INDEX" in read for read in finding), reads
        # The page's own rows by key; anything else the index of the driver alone.
        others = [read for read in reads if read not in finding]
        assert all("INTEGER PRIMARY KEY" in read or ("COVERING INDEX" in read and plan.driver.index in read) for read in others), reads
    with engine.connect() as conn:
        counted = plans.count_photos(conn, plan)
        # Every condition tested on the rows themselves, read whole.
        reference = conn.execute(
            select(func.count()).select_from(photo_t).with_hint(photo_t, "NOT INDEXED").where(*filter_clauses(spec, "sqlite"))
        ).scalar_one()
    assert counted == reference and counted > 0


@pytest.mark.parametrize(
    "spec",
    [PhotoFilterSpec(OWNER, iso=Range(800, 800)), PhotoFilterSpec(OWNER, rating=Range(3, 3))],
    ids=["one ISO value", "one rating"],
)
def test_one_value_of_a_range_walks_its_index_in_timeline_order(library, spec):
    """"ISO 800" is an equality: its index holds its photos in timeline order, so a page reads
    100 of them in order. As a range (>= 800 AND <= 800) SQLite sorted every one of them."""
    engine = library
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, PhotoSort.TAKEN_AT_DESC, 100)
    index = "ix_photo_owner_iso" if spec.iso else "ix_photo_owner_rating"
    assert plan.driver is None and plan.index == index, plan
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner is free to choose for a small table; SQLite is told
    sent = statements(engine, lambda conn: plans.page_photos(conn, plan, PhotoSort.TAKEN_AT_DESC, None, 100))
    text = explain(engine, *sent[0])
    assert index in text and "TEMP B-TREE" not in text, text


BOXES = {
    "across 180": BoundingBox(-30, 170, 70, -170),
    "three photos": BoundingBox(*LONELY_BOX),
    "Europe": BoundingBox(35, -10, 71, 40),
    "Oslo": BoundingBox(59.5, 10.2, 60.3, 11.3),
    "empty ocean": BoundingBox(-50, -140, -40, -130),
}


@pytest.mark.parametrize("name", BOXES)
def test_a_box_is_counted_from_the_kept_map_cells(library, name):
    """A box's matches are bounded by the photos of the kept map cells its bounds meet (a few
    hundred rows), never below the brute-force count; the plan reads no photo to count them.
    Counted through the latitude index, a box across the 180th meridian read its whole band."""
    engine = library
    box = BOXES[name]
    spec = PhotoFilterSpec(OWNER, bbox=box)
    with engine.connect() as conn:
        inside = conn.execute(select(func.count()).select_from(photo_t).where(*filter_clauses(spec, engine.dialect.name))).scalar_one()
    plans._remembered.clear()  # counts are remembered for a while: plan afresh
    planned: list[plans.Plan] = []
    sent = statements(engine, lambda conn: planned.append(plans.make_plan(conn, spec, PhotoSort.TAKEN_AT_DESC, 100)))
    counted = [condition for condition in planned[0].conditions if condition.name == "bbox"]
    with engine.connect() as conn:
        at_most = plans.bounded_count(conn, OWNER, counted[0])
    assert inside <= at_most <= inside + 200, (inside, at_most)  # the test library's places are tight
    for statement, parameters in sent:
        for read in photo_reads(engine, explain(engine, statement, parameters)):
            assert "gps" not in read and "geo" not in read, (statement, read)
    assert planned[0].driver is not None and planned[0].driver.name == "bbox"


def test_common_filters_walk_in_timeline_order_without_sorting(library):
    engine = library
    spec = PhotoFilterSpec(OWNER, has_gps=True)
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, PhotoSort.TAKEN_AT_DESC, 100)
    assert plan.driver is None and plan.index == "ix_photo_owner_timeline"
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner is free to choose for a small table; SQLite is told
    sent = statements(engine, lambda conn: plans.page_photos(conn, plan, PhotoSort.TAKEN_AT_DESC, None, 100))
    text = explain(engine, *sent[0])
    assert "USING INDEX ix_photo_owner_timeline" in text and "TEMP B-TREE" not in text, text


def test_the_positioned_photos_timeline_and_menus_are_read_from_kept_counts(library):
    engine = library
    spec = PhotoFilterSpec(OWNER, has_gps=True)

    def read(conn):  # type: ignore[no-untyped-def]
        browse.day_counts(conn, spec)
        browse.column_facet(conn, spec, "camera_make", 20)
        browse.rating_facet(conn, spec)

    sent = statements(engine, read)
    assert len(sent) == 4 and all("FROM photo_facet" in s for s, _ in sent), sent  # nothing counted photo by photo
    assert not any("GROUP BY" in s for s, _ in sent)


@pytest.mark.parametrize(
    "spec",
    [PhotoFilterSpec(OWNER, has_gps=False), PhotoFilterSpec(OWNER, iso=Range(800, 3200)), PhotoFilterSpec(OWNER, iso=Range(400, None)),
     PhotoFilterSpec(OWNER, aperture=Range(None, 2.0)), PhotoFilterSpec(OWNER, focal_length=Range(200.0, None)),
     PhotoFilterSpec(OWNER, rating=Range(4, None))],
    ids=["unpositioned", "iso range", "iso from 400", "aperture", "focal length", "rating"],
)
def test_timeline_and_menus_without_a_position_or_under_one_range_are_read_from_kept_counts(library, spec):
    """Under "no position" the whole library's counts less the positioned photos'; under one range
    the counts kept per value summed: no photo counted one by one (the undated of the whole
    library are one range of the timeline index; two seeks look for latitudes beyond the poles)."""
    engine = library

    def read(conn):  # type: ignore[no-untyped-def]
        browse.day_counts(conn, spec)
        for column in ("camera_make", "camera_model", "lens_model"):
            browse.column_facet(conn, spec.without(column), column, 20)
        browse.rating_facet(conn, spec.without("rating"))
        browse.tag_facet(conn, spec, 20)

    sent = statements(engine, read)
    kept = ("FROM photo_facet", "FROM photo_day", "FROM photo_range_facet")
    counted = [(s, p) for s, p in sent if not any(table in s for table in kept)]
    if spec.has_gps is False:
        tags = [(s, p) for s, p in counted if "FROM photo_tag" in s]  # every tag, as under no filter
        assert len(tags) == 1 and "JOIN" not in tags[0][0] and "photo_id IN" not in tags[0][0], tags
        others = [(s, p) for s, p in counted if (s, p) not in tags]
        for statement, parameters in others:  # the stray latitudes and the undated: an index, matches only
            assert "GROUP BY" not in statement, statement
            assert_index_only(engine, explain(engine, statement, parameters))
    else:
        assert counted == [], counted


def test_the_whole_timeline_is_read_from_the_day_counts(library):
    engine = library
    sent = statements(engine, lambda conn: browse.day_counts(conn, PhotoFilterSpec(OWNER)))
    assert any("FROM photo_day" in s for s, _ in sent)
    assert not any("GROUP BY" in s for s, _ in sent)  # nothing counted photo by photo
    undated = [(s, p) for s, p in sent if "FROM photo " in s or s.rstrip().endswith("FROM photo")]
    assert_index_only(engine, explain(engine, *undated[0]))


@pytest.mark.parametrize(
    "spec",
    [PhotoFilterSpec(OWNER, camera_make="canon"), PhotoFilterSpec(OWNER, favorite=True),
     PhotoFilterSpec(OWNER, rating=Range(4, None), has_gps=True)],
    ids=["camera", "favourites", "rating range, positioned"],
)
def test_timeline_buckets_are_counted_from_an_index_alone(library, spec):
    engine = library
    sent = statements(engine, lambda conn: browse.day_counts(conn, spec))
    grouped = [(s, p) for s, p in sent if "GROUP BY" in s]
    if spec.rating is not None:  # one stretch of the rating index per rating in the range, matches only
        assert len(grouped) == 2 and all("ix_photo_owner_rating" in s or engine.dialect.name != "sqlite" for s, _ in grouped), grouped
    text = explain(engine, *grouped[0])
    if engine.dialect.name != "sqlite" and spec.has_gps is not None:
        # No index orders the positioned photos by day: PostgreSQL weighs a scan of the timeline
        # index against the (narrow) heap itself, and picks either; SQLite is told.
        return
    assert_index_only(engine, text)


BOUNDED = {
    "ISO and aperture ranges": (PhotoFilterSpec(OWNER, iso=Range(800, 3200), aperture=Range(None, 2.0)), "ix_photo_owner_iso"),
    "box": (PhotoFilterSpec(OWNER, bbox=BoundingBox(35, -10, 71, 40)), "ix_photo_owner_geo_region"),
    "box across the 180th meridian, positioned": (
        PhotoFilterSpec(OWNER, bbox=BoundingBox(-80, 0, 80, -60), has_gps=True), "ix_photo_owner_geo_region"),
}


@pytest.mark.parametrize("name", BOUNDED)
def test_timeline_buckets_under_a_range_or_a_box_read_only_their_stretches(library, name):
    """A timeline under an ISO range or a map box that would walk the whole timeline index reads
    one stretch of its own index per ISO value or map region instead, in day order: every entry
    read from the index alone, nothing sorted, and the timeline index not read at all."""
    engine = library
    spec, index = BOUNDED[name]
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, limit=None)
    assert plan.driver is None and not plan.seeks, plan  # the library holds too many matches to find them one by one
    sent = statements(engine, lambda conn: browse.day_counts(conn, spec))
    grouped = [(s, p) for s, p in sent if "GROUP BY" in s]
    assert len(grouped) >= 2, grouped  # a statement per value
    for statement, parameters in grouped:
        text = explain(engine, statement, parameters)
        assert_index_only(engine, text)
        reads = photo_reads(engine, text)
        assert all(index in read for read in reads), reads
        if engine.dialect.name == "sqlite":
            assert all("=?" in read.split("(", 1)[1] for read in reads), reads  # one value: a stretch, not the range
        else:
            assert '"Sort"' not in text, text


def test_facets_under_a_date_range_count_each_value_in_its_own_index(sqlite_library):
    """Under a date range alone each value of a facet (the library's, kept by triggers) is one
    range of the facet's own (value, day) index: counted from the index alone, nothing sorted
    (SQLite only: PostgreSQL groups the range by hashing)."""
    engine = sqlite_library
    spec = PhotoFilterSpec(OWNER, taken_after=datetime(2015, 1, 1), taken_before=datetime(2016, 1, 1))
    sent = statements(engine, lambda conn: (browse.column_facet(conn, spec, "camera_model", 20), browse.rating_facet(conn, spec)))
    counted = [(s, p) for s, p in sent if "count(*)" in s]
    assert len(counted) == 2 and not any("GROUP BY" in s for s, _ in sent), [s for s, _ in sent]
    for (statement, parameters), index in zip(counted, ("ix_photo_owner_camera_model_lower", "ix_photo_owner_rating"), strict=True):
        text = explain(engine, statement, parameters)
        assert_index_only(engine, text)
        assert all(index in read for read in photo_reads(engine, text)), text


def test_map_cells_are_index_ranges(library):
    """Zoomed in past the kept cells, each cell is one range of the geo index, read from it alone."""
    engine = library
    oslo = BoundingBox(59.7, 10.3, 60.1, 11.2)
    sent = statements(engine, lambda conn: browse.map_clusters(conn, PhotoFilterSpec(OWNER), oslo, 11))
    text = explain(engine, *sent[-1])
    assert_index_only(engine, text)
    assert "ix_photo_owner_geo" in text


def assert_kept_cells_only(engine: Engine, sent: list) -> None:  # type: ignore[type-arg]
    """The map was summed from the counts kept per cell (photo_cell): no statement walks the photos;
    at most the clusters' representative photos are fetched by their key."""
    texts = [explain(engine, *statement) for statement in sent]
    assert any(photo_reads(engine, text, "photo_cell") for text in texts), texts
    for text in texts:
        for read in photo_reads(engine, text):
            assert ("INTEGER PRIMARY KEY" in read or "photo_pkey" in read), text


def test_the_world_map_is_summed_from_kept_cells(library):
    engine = library
    world = BoundingBox(-90, -180, 90, 180)
    assert_kept_cells_only(engine, statements(engine, lambda conn: browse.map_clusters(conn, PhotoFilterSpec(OWNER), world, 2)))


def assert_index_only(engine: Engine, text: str) -> None:
    """Every read of photo comes from an index alone, and (SQLite) nothing is sorted to group it."""
    reads = photo_reads(engine, text)
    assert reads, text
    if engine.dialect.name == "sqlite":
        assert "TEMP B-TREE" not in text, text
        assert all("COVERING INDEX" in read for read in reads), text
    else:
        assert all(read.startswith("Index Only Scan") for read in reads), text


def test_look_alike_candidates_are_read_from_the_band_indexes(library):
    """A photo's candidates (sharing a band of its fingerprint) are index ranges, never a scan of the library."""
    engine = library
    with engine.connect() as conn:
        probe = conn.execute(text_clause("SELECT phash FROM photo WHERE owner_id = 1 AND phash IS NOT NULL LIMIT 1")).scalar_one()
    sent = statements(engine, lambda conn: lookalikes.sharing_a_band(conn, OWNER, [probe]))
    assert len(sent) == 1
    reads = photo_reads(engine, explain(engine, *sent[0]))
    assert len(reads) == 4, reads
    for band, read in enumerate(sorted(reads)):
        assert f"ix_photo_owner_phash_band{band}" in read, reads
        assert "SCAN" not in read.upper().replace("INDEX SCAN", "").replace("INDEX ONLY SCAN", ""), reads


def test_undated_pages_read_the_timeline_index_in_order(library):
    engine = library
    spec = PhotoFilterSpec(OWNER, has_taken_at=False)
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, PhotoSort.TAKEN_AT_DESC, 100)
    sent = statements(engine, lambda conn: plans.page_photos(conn, plan, PhotoSort.TAKEN_AT_DESC, None, 100))
    assert len(sent) == 1  # the dated stretch, which the filter rules out, is not asked for
    text = explain(engine, *sent[0])
    if engine.dialect.name == "sqlite":
        assert "ix_photo_owner_timeline" in text and "TEMP B-TREE" not in text, text
    else:  # the page's ids come from the index in order; only the page itself may be sorted
        assert not any("ix_photo_owner_timeline" in read for read in sorted_reads(text)), text


def sorted_reads(text_plan: str) -> list[str]:
    """PostgreSQL: the reads of photo whose rows a Sort takes whole (no Limit between them)."""
    found: list[str] = []

    def visit(node: dict, sorting: bool) -> None:  # type: ignore[type-arg]
        sorting = (sorting or node["Node Type"] == "Sort") and node["Node Type"] != "Limit"
        if node.get("Relation Name") == "photo" and sorting:
            found.append(f"{node['Node Type']} {node.get('Index Name', '')}".strip())
        for child in node.get("Plans", []):
            visit(child, sorting)

    for top in json.loads(text_plan):
        visit(top["Plan"], False)
    return found


FILTERED = {
    "favourites": PhotoFilterSpec(OWNER, favorite=True),
    "rating range": PhotoFilterSpec(OWNER, rating=Range(3, 5)),
    "camera": PhotoFilterSpec(OWNER, camera_make="canon"),
    "a year": PhotoFilterSpec(OWNER, taken_after=datetime(2015, 1, 1), taken_before=datetime(2016, 1, 1)),
}


@pytest.mark.parametrize("name", FILTERED)
def test_map_cells_under_a_filter_never_read_photo_rows(sqlite_library, name):
    engine = sqlite_library
    world = BoundingBox(-90, -180, 90, 180)
    sent = statements(engine, lambda conn: browse.map_clusters(conn, FILTERED[name], world, 2))
    with engine.connect() as conn:
        kept = browse.kept_cells(conn, FILTERED[name]) is not None
    if kept:  # one camera: its cells are counted as the whole library's are
        assert_kept_cells_only(engine, sent)
        return
    text = explain(engine, *sent[-1])
    assert_index_only(engine, text)
    # Many matches: each cell a range of the geo index; few: found through the filter's own index.
    assert "ix_photo_owner_geo" in text or (name in ("favourites", "a year") and "SEARCH" in text), text


def test_the_map_under_one_import_session_reads_only_its_photos(library):
    """The geo index does not carry the import session: its photos are found through the
    session's own index, never by walking every positioned photo (with its row) by place."""
    engine = library
    world = BoundingBox(-90, -180, 90, 180)
    sent = statements(engine, lambda conn: browse.map_clusters(conn, PhotoFilterSpec(OWNER, import_session_id=3), world, 2))
    reads = [read for statement in sent for read in photo_reads(engine, explain(engine, *statement))]
    assert any("ix_photo_owner_session" in read for read in reads), reads
    assert not any("ix_photo_owner_geo" in read for read in reads), reads
    for read in reads:
        assert "SCAN" not in read.upper().replace("INDEX ONLY SCAN", "").replace("INDEX SCAN", "").replace("BITMAP HEAP SCAN", ""), reads
        if engine.dialect.name == "sqlite":
            assert "COVERING INDEX" in read, reads


COUNTED = {
    **{name: spec for name, spec in FILTERED.items() if name != "rating range"},  # one range: kept counts (test above)
    "rating range, positioned": PhotoFilterSpec(OWNER, rating=Range(3, 5), has_gps=True),
}


@pytest.mark.parametrize("name", COUNTED)
def test_facets_under_a_filter_never_read_photo_rows(sqlite_library, name):
    engine = sqlite_library
    spec = COUNTED[name]

    def facets(conn):  # type: ignore[no-untyped-def]
        browse.column_facet(conn, spec.without("lens_model"), "lens_model", 20)
        browse.rating_facet(conn, spec.without("rating"))
        browse.tag_facet(conn, spec, 20)

    sent = statements(engine, facets)
    grouped = [(s, p) for s, p in sent if "GROUP BY" in s]
    counted = [(s, p) for s, p in sent if "count(*)" in s and "FROM photo " in s]
    assert len(grouped) >= 2 or name == "a year"  # a facet whose own selection is the whole filter reads the kept counts
    for statement, parameters in grouped + counted:
        text = explain(engine, statement, parameters)
        reads = photo_reads(engine, text)
        assert reads and all("COVERING INDEX" in read for read in reads), text


def test_files_without_a_content_hash_are_found_by_name(sqlite_library):
    """The import's look-up of files stored without a hash probes their names, never reads them all."""
    engine = sqlite_library
    sent = statements(engine, lambda conn: queries.unhashed_files(conn, OWNER, ["img_0001.jpg", "img_0002.cr2"]))
    text = explain(engine, *sent[-1])
    assert "ix_image_owner_unhashed_name (owner_id=? AND filename_key=?)" in text, text


@pytest.mark.parametrize("name", ["rare tag", "rare word"])
def test_facets_under_a_filter_with_few_matches_read_them_once(library, name):
    """Every facet of one request counted under a rare filter shares one read of its matches,
    found through the filter's own index (never a walk of the timeline); the tag facet, which
    ignores the tag filter, reads the whole library's tags apart."""
    engine = library
    spec = SELECTIVE[name][0]
    seen = facet_statements(engine, spec)
    shared = [(s, p) for s, p in seen if " matches" in s]
    assert len(shared) == 1, [s for s, _ in seen]  # PostgreSQL: a rare word's tags are counted in the same read
    if engine.dialect.name == "postgresql":
        assert "matches AS MATERIALIZED" in shared[0][0]  # the driver's matches found once
    elif not spec.tags:  # the tags of the matches' ids, passed back: no photo read again
        (tagged,) = [(s, p) for s, p in seen if "json_each" in s]
        assert not photo_reads(engine, explain(engine, *tagged)), tagged
    assert not any("GROUP BY" in s and "matches" not in s and "photo_tag" not in s for s, _ in seen), [s for s, _ in seen]
    for read in photo_reads(engine, explain(engine, *shared[0])):
        assert "ix_photo_owner_timeline" not in read, read
        if engine.dialect.name == "sqlite":
            assert not read.startswith("SCAN photo"), read


@pytest.mark.parametrize("spec", [PhotoFilterSpec(OWNER, text="img"), PhotoFilterSpec(OWNER, text="img", has_gps=True)], ids=["alone", "with hasGps"])
def test_a_search_matching_nearly_every_photo_reads_only_its_misses(library, spec):
    """The facets and timeline of a search that matches nearly every photo are the kept counts less
    those of the photos it misses: one bounded read of the misses for every facet and the timeline
    (kept until the library changes: none when asked again), no GROUP BY over photos; on SQLite
    from the by-id index and FTS5 alone (no photo row read for its text)."""
    engine = library
    touch(engine)  # whatever an earlier test kept is no longer current

    def misses_read(seen: list[tuple[str, object]]) -> list[str]:
        misses = [s for s, _ in seen if "search_text" in s or "photo_search" in s]
        return [s for s in misses if not ("LIMIT" in s and "count(" in s)]  # not the plan's bounded count of the matches

    seen = facet_statements(engine, spec, timeline=True)
    assert len(misses_read(seen)) == 1, misses_read(seen)
    assert misses_read(facet_statements(engine, spec, timeline=True)) == []
    touch(engine)
    assert len(misses_read(facet_statements(engine, spec, timeline=True))) == 1
    for statement, parameters in seen:
        text = explain(engine, statement, parameters)
        if "GROUP BY" in statement:
            assert not photo_reads(engine, text), statement
        if engine.dialect.name == "sqlite":
            assert all("COVERING INDEX" in read or "PRIMARY KEY" in read for read in photo_reads(engine, text)), text
            if "photo_search" in statement and "LIMIT" in statement and "count(" not in statement:  # ids less FTS5's rowids, merged
                assert "MERGE (EXCEPT)" in text and "TEMP B-TREE" not in text, text


def test_after_a_write_a_search_matching_nearly_every_photo_reads_only_the_photos_written(library):
    """Its kept misses are brought up to date from the photos written since (db/changes.py's log),
    each tested by its own row: never every photo's text or the search index again (1.2-1.6 s at a
    million photos for "img", after every edit or import batch)."""
    engine = library
    spec = PhotoFilterSpec(OWNER, text="img")
    facet_statements(engine, spec, timeline=True)  # kept at the version now
    with engine.begin() as conn:
        written = conn.execute(text_clause("SELECT id FROM photo WHERE owner_id = :o ORDER BY id DESC LIMIT 3"), {"o": OWNER}).scalars().all()
        conn.execute(text_clause("UPDATE photo SET title = 'an img' WHERE id = :i"), {"i": written[0]})
        conn.execute(text_clause("UPDATE photo SET rating = rating WHERE id IN (:a, :b)"), {"a": written[1], "b": written[2]})
    seen = [(s, p) for s, p in facet_statements(engine, spec, timeline=True) if "search_text" in s or "photo_search" in s]
    assert len(seen) == 1, seen  # the photos written, not the search read again
    ((statement, parameters),) = seen
    assert "photo_search" not in statement and "EXCEPT" not in statement, statement
    if engine.dialect.name == "sqlite":
        reads = photo_reads(engine, explain(engine, statement, parameters))
        assert reads and all("USING INTEGER PRIMARY KEY" in read for read in reads), reads
        return
    with engine.connect() as conn:
        (plan,) = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).one()  # type: ignore[arg-type]

    def rows_read(node: dict) -> int:  # type: ignore[type-arg]
        own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"] if node.get("Relation Name") == "photo" else 0
        return own + sum(rows_read(child) for child in node.get("Plans", []))

    assert rows_read(plan[0]["Plan"]) <= len(written), plan


def test_writes_the_log_does_not_hold_send_a_search_back_to_reading_its_misses(library):
    """A bulk load made without the triggers is followed by db/counts.py ``recount``: it raises the
    version past what the log keeps, and the kept misses are read anew, not updated from the log."""
    engine = library
    spec = PhotoFilterSpec(OWNER, text="img")
    facet_statements(engine, spec, timeline=True)  # kept at the version now
    with engine.connect() as conn:
        kept_at = changes.version(conn, OWNER)
    with engine.begin() as conn:
        counts.recount(conn)
    with engine.connect() as conn:
        assert changes.changed_since(conn, OWNER, kept_at, bound=1000) is None
    seen = [s for s, _ in facet_statements(engine, spec, timeline=True) if "search_text" in s or "photo_search" in s]
    assert [s for s in seen if "LIMIT" in s and "count(" not in s], seen  # the bounded read of every photo's misses


def test_the_map_of_a_search_matching_nearly_every_photo_is_the_kept_cells_less_its_misses(library):
    """The world's map under a search that matches nearly every photo: the kept cells, and the cells
    that hold a photo the search misses counted from the geo index without those photos; the
    search itself read once (on SQLite no photo row read for its text)."""
    engine = library
    world = BoundingBox(-90, -180, 90, 180)
    touch(engine)  # whatever an earlier test kept is no longer current
    sent = statements(engine, lambda conn: browse.map_clusters(conn, PhotoFilterSpec(OWNER, text="img"), world, 2))
    searched = [s for s, _ in sent if ("search_text" in s or "photo_search" in s) and not ("LIMIT" in s and "count(" in s)]
    assert len(searched) == 1, searched
    texts = [explain(engine, *statement) for statement in sent]
    assert any(photo_reads(engine, text, "photo_cell") for text in texts), texts
    cells = [text for (statement, _), text in zip(sent, texts, strict=True) if "geo_cell" in statement]
    assert cells and all("ix_photo_owner_geo" in text for text in cells), cells
    if engine.dialect.name == "sqlite":
        for text in texts:
            assert all("COVERING INDEX" in read or "PRIMARY KEY" in read for read in photo_reads(engine, text)), text


def pre_check_asked(engine: Engine, look_up: str, unknown: int) -> list[str]:
    """Five hashes the library knows (files' for files_by_content_hash, else photos'), then ``unknown`` it does not."""
    column, table = ("content_hash", "image") if look_up == "files_by_content_hash" else ("hothash", "photo")
    with engine.connect() as conn:
        known = list(conn.execute(text_clause(
            f"SELECT {column} FROM {table} WHERE owner_id = :o AND {column} IS NOT NULL ORDER BY id LIMIT 5"), {"o": OWNER}).scalars())
    assert len(known) == 5
    return known + [f"{i:064x}" for i in range(unknown)]


@pytest.mark.parametrize("look_up", ["existing_hothashes", "filenames_by_hothash", "files_by_content_hash"])
def test_the_pre_check_probes_its_keys_and_reads_no_table_whole(sqlite_library, look_up):
    """existingHothashes / existingPhotos / existingFiles: each asked hash one probe of the owner's
    key, each found row read by key; never a scan of photos or files, whatever the number asked."""
    engine = sqlite_library
    asked = pre_check_asked(engine, look_up, unknown=2000)
    sent = statements(engine, lambda conn: getattr(queries, look_up)(conn, OWNER, asked))
    assert len(sent) == PRE_CHECK_STATEMENTS["sqlite"][look_up]  # for 2,005 hashes
    for statement in sent[1:]:  # existingFiles' found photos, by id
        assert [s.startswith("SEARCH") and "ix_photo_id_hothash (id=?)" in s for s in explain(engine, *statement).splitlines()][1:] == [True]
    plan = explain(engine, *sent[0])
    steps = [line.strip() for line in plan.splitlines()]
    assert not [s for s in steps if s.startswith("SCAN") and "VIRTUAL TABLE" not in s], plan  # json_each: the hashes asked
    probe = ("ix_image_owner_content_hash_file (owner_id=? AND content_hash=?)" if look_up == "files_by_content_hash"
             else "(owner_id=? AND hothash=?)")  # the unique key (owner, hothash): SQLite's autoindex
    assert any(s.startswith("SEARCH") and probe in s for s in steps), plan


PRE_CHECK_READS = {  # what each look-up reads: the tables whose rows would be random reads at a million photos
    "existing_hothashes": ("photo",),
    "filenames_by_hothash": ("photo", "image"),
    "files_by_content_hash": ("image", "photo"),
}
PRE_CHECK_STATEMENTS = {  # per database: SQLite reads a file's photo by a second statement, PostgreSQL in the same one
    "sqlite": {"existing_hothashes": 1, "filenames_by_hothash": 1, "files_by_content_hash": 2},
    "postgresql": {"existing_hothashes": 1, "filenames_by_hothash": 1, "files_by_content_hash": 1},
}


@pytest.mark.parametrize("look_up", PRE_CHECK_READS)
def test_the_pre_check_is_answered_from_indexes_alone(library, look_up):
    """existingHothashes / existingPhotos / existingFiles read no table row: the hashes asked, a
    file's photo and name, a photo's hothash and file names all come from covering indexes (at a
    million photos each row read was a random read among EXIF bytes and hotpreviews).

    Many hashes: PostgreSQL, given a plain join, read a table of 3,000 narrow rows whole for a few
    hundred, and hashed or merged all the owner's photos for 10,000 at 100,000 photos; each hash
    is a probe of its own now, however many (db/queries.only_asked)."""
    engine = library
    asked = pre_check_asked(engine, look_up, unknown=2000)
    sent = statements(engine, lambda conn: getattr(queries, look_up)(conn, OWNER, asked))
    assert len(sent) == PRE_CHECK_STATEMENTS[engine.dialect.name][look_up]
    plan = "\n".join(explain(engine, *statement) for statement in sent)
    if engine.dialect.name == "postgresql":
        plan = json.dumps([top for statement in sent for top in json.loads(explain(engine, *statement))])
    for table in PRE_CHECK_READS[look_up]:
        reads = photo_reads(engine, plan, table)
        assert reads, (table, plan)
        if engine.dialect.name == "sqlite":
            assert all(read.startswith("SEARCH") and "USING COVERING INDEX" in read for read in reads), plan
        else:
            assert all(read.startswith("Index Only Scan") for read in reads), plan


def test_the_pre_check_probes_its_keys_in_a_library_never_analyzed(tmp_path):
    """A library under ``maintenance.MIN_ROWS`` photos is never analyzed. SQLite without statistics
    guesses a few rows per owner, and given a plain join to the hashes asked it put their JSON list
    inside the loop, read once per file (10,000 content hashes at 900 photos: 8.4 s). The
    pre-check stays probes of the hashes asked: their list read once, as the outer loop, each
    hash a probe of its key, each found row read from an index."""
    engine = make_engine(f"sqlite:///{tmp_path / 'library.db'}")
    upgrade_to_head(engine)
    build(engine, LibrarySpec(photos=200, seed=5, photos_per_session=50), analyze=False)
    with engine.connect() as conn:
        assert not conn.execute(text_clause("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
        hothashes = list(conn.execute(text_clause("SELECT hothash FROM photo LIMIT 5")).scalars())
        files = list(conn.execute(text_clause("SELECT content_hash FROM image WHERE content_hash IS NOT NULL LIMIT 5")).scalars())
    for look_up in PRE_CHECK_READS:
        asked = (files if look_up == "files_by_content_hash" else hothashes) + [f"{i:064x}" for i in range(2000)]
        for plan in [explain(engine, *statement) for statement in statements(engine, lambda conn: getattr(queries, look_up)(conn, OWNER, asked))]:
            steps = [line.strip() for line in plan.splitlines()]
            assert steps[0].startswith("SCAN asked VIRTUAL TABLE"), plan  # the hashes (or found photos' ids) asked, read once, outside
            assert steps[1].startswith("SEARCH") and steps[1].endswith(("content_hash=?)", "hothash=?)", "(id=?)")), plan  # a probe each
            assert not [s for s in steps[1:] if s.startswith("SCAN")], plan
            for step in steps[1:]:
                if step.startswith("SEARCH"):
                    assert "COVERING INDEX" in step and not step.endswith("(owner_id=?)"), plan
    engine.dispose()


def owner_alone(engine: Engine, text_plan: str) -> list[str]:
    """The plan steps that read rows narrowed by their owner alone (all of an owner's photos or files)."""
    if engine.dialect.name == "sqlite":
        return [line for line in text_plan.splitlines() if line.rstrip().endswith("(owner_id=?)")]
    found: list[str] = []

    def visit(node: dict) -> None:  # type: ignore[type-arg]
        if (node.get("Index Cond") or node.get("Recheck Cond") or "").strip("()") == f"owner_id = {OWNER}":
            found.append(f"{node['Node Type']} {node.get('Index Name', '')}")
        for child in node.get("Plans", []):
            # An EXISTS asked once before the rest (a one-time filter on its InitPlan) reads one row.
            if not (child.get("Parent Relationship") == "InitPlan" and "One-Time Filter" in node):
                visit(child)

    for top in json.loads(text_plan):
        visit(top["Plan"])
    return found


@pytest.mark.parametrize("backend", backends())
def test_the_import_look_ups_read_by_key_in_a_library_never_analyzed(backend, tmp_path):
    """A first import: the library grows batch by batch before any analysis (``maintenance.MIN_ROWS``
    photos on SQLite, ``POSTGRES_MIN_ROWS`` on PostgreSQL).
    The look-up of a batch's photos and files (db/queries.photo_files), of files stored without a
    content hash (queries.unhashed_files) and of its look-alike candidates
    (db/lookalikes.sharing_a_band) probe the owner's keys, never read the owner's photos
    or files whole. PostgreSQL without statistics guesses a few of the owner's photos and read them
    all for each batch (in the import benchmark: 91 ms a batch at 1,200 photos, growing with the
    library)."""
    url, engine = next(fresh_database_of(backend, tmp_path))
    emptied_at_revision(url, engine, "head")  # new tables: none analyzed by an earlier test
    build(engine, LibrarySpec(photos=1500, seed=5, photos_per_session=50), analyze=False)
    with engine.connect() as conn:
        if backend == "postgresql":  # build() re-creates indexes, which sizes the tables: the rest stays unknown
            assert not conn.execute(text_clause("SELECT 1 FROM pg_stats WHERE tablename IN ('photo', 'image')")).first()
        else:
            assert not conn.execute(text_clause("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
        known = list(conn.execute(text_clause("SELECT content_hash FROM image WHERE content_hash IS NOT NULL LIMIT 5")).scalars())
        fingerprints = list(conn.execute(text_clause("SELECT phash FROM photo WHERE phash IS NOT NULL LIMIT 100")).scalars())
    asked = known + [f"{i:064x}" for i in range(195)]
    hothashes = [f"{i:064x}" for i in range(100)]  # a batch's new photos
    sent = statements(engine, lambda conn: queries.photo_files(conn, OWNER, hothashes, asked))
    assert len(sent) == 3  # the photos asked, the files asked, the photos of the files found
    sent += statements(engine, lambda conn: lookalikes.sharing_a_band(conn, OWNER, fingerprints))  # the batch's look-alike candidates
    names = [f"img_{i:07d}.jpg" for i in range(200)]  # files stored without a content hash, by name
    sent += statements(engine, lambda conn: queries.unhashed_files(conn, OWNER, names))
    for statement in sent:
        plan = explain(engine, *statement)
        for table in ("photo", "image"):
            reads = photo_reads(engine, plan, table)
            assert not [read for read in reads if read.startswith(("Seq Scan", "SCAN"))], plan
        assert not owner_alone(engine, plan), plan  # never all the owner's rows, filtered
    with engine.connect() as conn:
        assert len(queries.photo_files(conn, OWNER, [], asked)) == len({*conn.execute(
            select(image_t.c.photo_id).where(image_t.c.content_hash.in_(known))).scalars()})
    engine.dispose()


BOXED = {
    "Europe and an ISO range": PhotoFilterSpec(OWNER, bbox=BoundingBox(35, -10, 71, 40), iso=Range(800, 3200)),
    "across the 180th meridian and an aperture range": PhotoFilterSpec(OWNER, bbox=BoundingBox(-80, 0, 80, -60), aperture=Range(None, 2.0)),
}


@pytest.mark.parametrize("name", BOXED)
def test_facets_under_a_box_and_a_range_read_the_box_once_from_the_geo_index(library, name):
    """A map box with another condition and many matches: every facet counted from one read of
    the box's stretches of the geo index (checked from the index alone), not each facet streaming
    a whole index of its own."""
    engine = library
    spec = BOXED[name]
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, limit=None)
    assert plan.driver is None and not plan.seeks, plan  # the library holds too many matches to find them one by one
    found: list[browse.MatchCounts | None] = []
    sent = statements(engine, lambda conn: found.append(browse.match_counts(conn, spec)))
    assert found[0] is not None and found[0].tags is not None
    (read,) = [(s, p) for s, p in sent if "matches" in s]
    text = explain(engine, *read)
    reads = photo_reads(engine, text)
    assert reads and all("ix_photo_owner_geo" in r and "region" not in r for r in reads), reads
    if engine.dialect.name == "sqlite":
        assert all("COVERING INDEX" in r for r in reads), reads


def test_buckets_under_a_box_and_a_range_without_a_carrying_index_read_the_box_from_the_geo_index(library):
    """The timeline under a map box and an aperture range (whose index carries nothing) is counted
    from the box's stretches of the geo index, checked from the index alone: not a walk of the
    whole timeline index; on SQLite without sorting the matches by day."""
    engine = library
    spec = BOXED["across the 180th meridian and an aperture range"]
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, limit=None)
    assert plan.driver is None and not plan.seeks, plan
    found: list[object] = []
    sent = statements(engine, lambda conn: found.append(browse.day_counts(conn, spec)))
    (read,) = [(s, p) for s, p in sent if "matches" in s]
    text = explain(engine, *read)
    reads = photo_reads(engine, text)
    assert reads and all("ix_photo_owner_geo" in r and "region" not in r for r in reads), reads
    if engine.dialect.name == "sqlite":
        assert all("COVERING INDEX" in r for r in reads) and "TEMP B-TREE" not in text, text
    assert not [s for s, _ in sent if "ix_photo_owner_timeline" in s or "GROUP BY" in s and "matches" not in s]


def test_facets_under_a_kept_range_and_another_condition_read_the_matches_once(library):
    """A range whose kept counts (db/range_counts.py) hold at most a third of the library, with
    another condition: every facet counted from one read of the matches, a statement in all; an
    ISO range's from its own stretch of the ISO index alone, not the whole timeline index."""
    engine = library
    spec = PhotoFilterSpec(OWNER, iso=Range(800, 3200), aperture=Range(None, 2.0))
    with engine.connect() as conn:
        plan = plans.make_plan(conn, spec, limit=None)
    assert plan.driver is None, plan  # too many matches to find them one by one
    found: list[browse.MatchCounts | None] = []
    sent = statements(engine, lambda conn: found.append(browse.match_counts(conn, spec)))
    assert found[0] is not None and found[0].tags is not None and found[0].days is not None
    (read,) = [(s, p) for s, p in sent if "matches" in s]
    text = explain(engine, *read)
    reads = photo_reads(engine, text)
    assert reads and all("ix_photo_owner_iso" in r for r in reads), reads
    if engine.dialect.name == "sqlite":
        assert all("COVERING INDEX" in r and "iso>? AND iso<?" in r for r in reads), reads
        # The facets' values come back as JSON arrays, counted by the server: no match is written
        # to a temporary table or sorted per facet.
        assert "TEMP B-TREE" not in text and "MATERIALIZE" not in text, text
        (tagged,) = [(s, p) for s, p in sent if "json_each" in s]
        assert not photo_reads(engine, explain(engine, *tagged)), tagged
    else:  # every facet grouped in one pass over the matches (one aggregate with a hash table per facet), no CTE written
        aggregates = [node for node in _nodes(json.loads(text)) if node["Node Type"] == "Aggregate"]
        assert any(node.get("Strategy") in ("Mixed", "Hashed") and len(node.get("Grouping Sets", [])) == 5 for node in aggregates), text
        assert "CTE Scan" not in text, text


def _nodes(plan: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    """Every node of a PostgreSQL JSON plan."""
    found: list[dict] = []  # type: ignore[type-arg]

    def visit(node: dict) -> None:  # type: ignore[type-arg]
        found.append(node)
        for child in node.get("Plans", []):
            visit(child)

    for top in plan:
        visit(top["Plan"])
    return found
