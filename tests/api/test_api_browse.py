"""Browsing a generated library: filters, paging both ways, timeline buckets, map clusters, facets.

Every answer is checked against a brute-force reference computed in Python from the tables
(tests/support/library.py), on SQLite and on PostgreSQL, and the two databases against each other.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks.library import LONELY_BOX, RARE_MODEL, RARE_TAG, RARE_WORD
from imalink.db import geo
from imalink.db.browse import map_level, plain_boxes
from imalink.db.filters import BoundingBox
from imalink.local import LocalGraphQL
from imalink.schema.context import Viewer
from imalink.settings import Settings
from tests.support.databases import POSTGRES_ENV, backends
from tests.support.graphql import data
from tests.support.library import OTHER_OWNER, Reference, cell_of, library_database, vars_of

LONELY = {"south": LONELY_BOX[0], "west": LONELY_BOX[1], "north": LONELY_BOX[2], "east": LONELY_BOX[3]}
EUROPE = {"south": 35, "west": -10, "north": 71, "east": 40}
ACROSS_180 = {"south": -30, "west": 170, "north": 70, "east": -170}
PACIFIC = {"south": -80, "west": 0, "north": 80, "east": -60}
"""Across the 180th meridian and holding many photos: its timeline is counted region by region."""

FILTERS: list[dict[str, Any]] = [
    {},
    {"cameraMake": "canon"},
    {"cameraModel": RARE_MODEL[1].lower()},
    {"lensModel": "EF 50mm F1.8"},
    {"hasGps": True},
    {"hasGps": False},
    {"bbox": LONELY},
    {"bbox": EUROPE},
    {"bbox": ACROSS_180},
    {"tags": [RARE_TAG.upper()]},
    {"tags": ["family"]},
    {"rating": {"min": 4}},
    {"minRating": 5, "cameraMake": "Canon"},
    {"favorite": True},
    {"iso": {"min": 800, "max": 3200}},
    {"iso": {"min": 400}},
    {"bbox": PACIFIC, "hasGps": True},
    {"aperture": {"max": 2.0}},
    {"focalLength": {"min": 200}},
    {"search": RARE_WORD},
    {"search": "img_00001"},
    {"search": "to"},
    {"search": "harbour dusk"},
    # nearly every photo: the whole library's kept counts less the photos the search misses
    {"search": "img"},
    {"search": "IMG jpg", "hasGps": True},
    {"takenAfter": "2015-01-01T00:00:00", "takenBefore": "2016-01-01T00:00:00"},
    {"hasTakenAt": False},
    {"favorite": True, "hasGps": True},
    {"tags": ["family"], "bbox": EUROPE},
    {"importSessionId": 3},
    {"iso": {"min": 100, "max": 100}, "aperture": {"min": 2.8, "max": 2.8}, "rating": {"min": 1, "max": 3}},
    # A range with each other kind of filter (a single value is an equality, walked in order).
    {"iso": {"min": 800, "max": 800}},
    {"iso": {"min": 800, "max": 3200}, "cameraMake": "Canon"},
    {"iso": {"min": 800, "max": 3200}, "bbox": LONELY},
    {"iso": {"min": 800, "max": 3200}, "aperture": {"max": 2.0}},
    {"iso": {"min": 400}, "focalLength": {"min": 200}, "hasGps": False},
    {"aperture": {"max": 2.0}, "tags": ["family"]},
    # a box with a range its own index does not carry: the box's stretches of the geo index
    {"aperture": {"max": 2.0}, "bbox": PACIFIC},
    {"focalLength": {"min": 200}, "bbox": EUROPE},
    {"focalLength": {"min": 50, "max": 50}, "favorite": True},
    {"focalLength": {"min": 200}, "takenAfter": "2015-01-01T00:00:00", "takenBefore": "2016-01-01T00:00:00"},
]

PAGE = """
query Page($first: Int, $after: String, $last: Int, $before: String, $filter: PhotoFilter, $order: PhotoOrder) {
  photos(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { hothash takenAt tags favorite } }
  }
}
"""
TIMELINE = """
query Timeline($filter: PhotoFilter, $granularity: TimelineGranularity!, $order: PhotoOrder) {
  photoTimeline(filter: $filter, granularity: $granularity, orderBy: $order) {
    granularity totalCount undatedCount undatedCursor
    buckets { label start end count cursor }
  }
}
"""
MAP = """
query Map($filter: PhotoFilter, $bbox: BoundingBoxInput!, $zoom: Int!) {
  photoMap(filter: $filter, bbox: $bbox, zoom: $zoom) {
    totalCount
    clusters { count latitude longitude hothash bounds { south west north east } }
  }
}
"""
FACETS = """
query Facets($filter: PhotoFilter) {
  photoFacets(filter: $filter) {
    cameraMakes(first: 500) { value count }
    cameraModels(first: 500) { value count }
    lensModels(first: 500) { value count }
    tags(first: 500) { value count }
    years { year count }
    ratings { rating count }
  }
}
"""


@pytest.fixture(scope="module", params=backends())
def library(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalGraphQL, Reference]]:
    url, engine = library_database(request.param, tmp_path_factory.mktemp("library"))
    reference = Reference(engine)
    gql = LocalGraphQL(settings=Settings(database_url=url))
    yield gql, reference
    gql.close()
    engine.dispose()


def walk(gql: LocalGraphQL, size: int, backward: bool = False, **variables: Any) -> list[str]:
    """Every hothash of a listing in listing order, page by page (forward, or backward from the end)."""
    seen: list[str] = []
    cursor = None
    while True:
        args = {"last": size, "before": cursor} if backward else {"first": size, "after": cursor}
        page = data(gql.execute(PAGE, {**args, **variables}))["photos"]
        hashes = [e["node"]["hothash"] for e in page["edges"]]
        seen = hashes + seen if backward else seen + hashes
        info = page["pageInfo"]
        if not (info["hasPreviousPage"] if backward else info["hasNextPage"]):
            return seen
        cursor = info["startCursor"] if backward else info["endCursor"]


def test_the_library_has_what_the_filters_need(library):
    _, ref = library
    for filter_ in FILTERS:
        assert ref.matching(filter_) or filter_.get("hasTakenAt") is False, filter_
    assert len(ref.matching({"cameraModel": RARE_MODEL[1]})) == 10
    assert len(ref.matching({"tags": [RARE_TAG]})) == 3
    assert len(ref.matching({"bbox": LONELY})) == 3


@pytest.mark.parametrize("filter_", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_filters_find_exactly_the_matching_photos_in_order(library, filter_):
    gql, ref = library
    expected = ref.order(ref.matching(filter_))
    assert walk(gql, 500, filter=filter_) == expected
    total = data(gql.execute(PAGE, {"first": 1, "filter": filter_}))["photos"]["totalCount"]
    assert total == len(expected)


@pytest.mark.parametrize("order", ["TAKEN_AT_DESC", "TAKEN_AT_ASC", "CREATED_AT_DESC"])
@pytest.mark.parametrize("filter_", [{}, {"tags": [RARE_TAG]}, {"hasGps": True}, {"bbox": LONELY}, {"search": "img"}],
                         ids=lambda f: ",".join(f) or "none")
def test_backward_and_forward_paging_visit_the_same_photos(library, order, filter_):
    gql, ref = library
    expected = ref.order(ref.matching(filter_), order)
    assert walk(gql, 97, order=order, filter=filter_) == expected
    assert walk(gql, 97, backward=True, order=order, filter=filter_) == expected


def test_paging_back_from_the_middle_returns_the_previous_page(library):
    gql, ref = library
    order = ref.order(ref.photos)
    page = data(gql.execute(PAGE, {"first": 50, "after": None}))["photos"]
    second = data(gql.execute(PAGE, {"first": 50, "after": page["pageInfo"]["endCursor"]}))["photos"]
    assert [e["node"]["hothash"] for e in second["edges"]] == order[50:100]
    assert second["pageInfo"]["hasPreviousPage"] and second["pageInfo"]["hasNextPage"]
    back = data(gql.execute(PAGE, {"last": 50, "before": second["pageInfo"]["startCursor"]}))["photos"]
    assert [e["node"]["hothash"] for e in back["edges"]] == order[:50]
    assert back["pageInfo"] == {**back["pageInfo"], "hasPreviousPage": False, "hasNextPage": True}


@pytest.mark.parametrize("granularity", ["YEAR", "MONTH", "DAY"])
@pytest.mark.parametrize("filter_", FILTERS, ids=lambda f: ",".join(f) or "none")
def test_bucket_counts_add_up_to_the_total_and_to_brute_force(library, granularity, filter_):
    gql, ref = library
    timeline = data(gql.execute(TIMELINE, {"filter": filter_, "granularity": granularity}))["photoTimeline"]
    total = data(gql.execute(PAGE, {"first": 0, "filter": filter_}))["photos"]["totalCount"]
    assert sum(b["count"] for b in timeline["buckets"]) + timeline["undatedCount"] == total == timeline["totalCount"]
    assert {b["label"]: b["count"] for b in timeline["buckets"]} == ref.buckets(filter_, granularity)
    labels = [b["label"] for b in timeline["buckets"]]
    assert labels == sorted(labels, reverse=True)
    assert timeline["undatedCount"] == len([p for p in ref.matching(filter_) if p.taken_at is None])


@pytest.mark.parametrize("order", ["TAKEN_AT_DESC", "TAKEN_AT_ASC"])
def test_a_bucket_cursor_opens_the_listing_at_the_bucket_both_ways(library, order):
    gql, ref = library
    filter_ = {"hasGps": True}
    expected = ref.order(ref.matching(filter_), order)
    timeline = data(gql.execute(TIMELINE, {"filter": filter_, "granularity": "MONTH", "order": order}))["photoTimeline"]
    passed = 0
    for bucket in timeline["buckets"][::7]:
        before = sum(b["count"] for b in timeline["buckets"][: timeline["buckets"].index(bucket)])
        page = data(gql.execute(PAGE, {"first": bucket["count"], "after": bucket["cursor"], "filter": filter_, "order": order}))
        assert [e["node"]["hothash"] for e in page["photos"]["edges"]] == expected[before : before + bucket["count"]]
        # Inside the bucket by its own bounds.
        for edge in page["photos"]["edges"]:
            assert bucket["start"] <= edge["node"]["takenAt"] < bucket["end"]
        newer = data(gql.execute(PAGE, {"last": 5, "before": bucket["cursor"], "filter": filter_, "order": order}))
        assert [e["node"]["hothash"] for e in newer["photos"]["edges"]] == expected[max(0, before - 5) : before]
        passed += 1
    assert passed >= 3
    if timeline["undatedCursor"]:
        dated = sum(b["count"] for b in timeline["buckets"])
        page = data(gql.execute(PAGE, {"first": 500, "after": timeline["undatedCursor"], "filter": filter_, "order": order}))
        assert [e["node"]["hothash"] for e in page["photos"]["edges"]] == expected[dated:]


def test_a_bucket_loads_by_filter_too(library):
    gql, ref = library
    timeline = data(gql.execute(TIMELINE, {"granularity": "DAY"}))["photoTimeline"]
    bucket = max(timeline["buckets"], key=lambda b: b["count"])
    listed = walk(gql, 100, filter={"takenAfter": bucket["start"], "takenBefore": bucket["end"]})
    assert len(listed) == bucket["count"]


BOXES = [
    (BoundingBox(-90, -180, 90, 180), 0),
    (BoundingBox(-90, -180, 90, 180), 2),
    (BoundingBox(35, -10, 71, 40), 4),
    (BoundingBox(-30, 170, 70, -170), 3),
    (BoundingBox(*LONELY_BOX), 9),
    (BoundingBox(59.5, 10.2, 60.3, 11.3), 11),
]


@pytest.mark.parametrize(("box", "zoom"), BOXES, ids=lambda v: str(v))
@pytest.mark.parametrize("filter_", [{}, {"favorite": True}, {"cameraMake": "canon", "rating": {"min": 2}},
                                     # counts kept per cell (db/counts.py): the whole library, one facet value
                                     {"cameraMake": "CANON"}, {"rating": {"min": 3, "max": 3}}, {"hasGps": True},
                                     # conditions the geo index does not carry
                                     {"importSessionId": 3}, {"search": "img"}],
                         ids=lambda f: ",".join(f) or "none")
def test_map_clusters_hold_exactly_the_photos_inside_the_box(library, box, zoom, filter_):
    gql, ref = library
    found = data(gql.execute(MAP, {"filter": filter_, "bbox": vars_of(box), "zoom": zoom}))["photoMap"]
    inside = ref.matching({**filter_, "bbox": vars_of(box)})
    assert found["totalCount"] == len(inside)
    side = geo.cell_degrees(map_level(zoom, plain_boxes(box)))
    by_hash = {p.hothash: p for p in inside}
    got: Counter[tuple[int, int]] = Counter()
    for cluster in found["clusters"]:
        cell = cell_of(by_hash[cluster["hothash"]], side)  # the photo shown is inside the box, in the cluster's cell
        got[cell] += cluster["count"]
        members = [p for p in inside if cell_of(p, side) == cell]
        b = cluster["bounds"]
        assert b == {"south": min(p.lat for p in members), "west": min(p.lon for p in members),
                     "north": max(p.lat for p in members), "east": max(p.lon for p in members)}
        assert cluster["latitude"] == pytest.approx(sum(p.lat for p in members) / len(members))
        assert cluster["hothash"] == max(members, key=lambda p: p.id).hothash
    assert got == ref.cells(filter_, side, box)
    if box == BoundingBox(-90, -180, 90, 180) and zoom == 0:
        assert len(found["clusters"]) <= 8  # the whole world at zoom 0: a handful of markers


@pytest.mark.parametrize("filter_", [{}, {"cameraMake": "Canon"}, {"tags": ["family"]}, {"hasGps": True}, {"hasGps": True, "rating": {"min": 3}},
                                     {"takenAfter": "2020-01-01T00:00:00"}, {"search": "img_000"}, {"search": "img"},
                                     {"search": "img", "hasGps": True}, {"search": "img", "cameraMake": "Canon"},
                                     # kept counts: the whole library's less the positioned photos'
                                     {"hasGps": False},
                                     # kept counts per value of a range's column, summed
                                     {"iso": {"min": 800, "max": 3200}}, {"iso": {"min": 800, "max": 800}}, {"aperture": {"max": 2.0}},
                                     {"focalLength": {"min": 200}}, {"rating": {"min": 4}}, {"iso": {"min": 400}, "tags": ["family"]},
                                     {"takenAfter": "2015-01-01T00:00:00", "takenBefore": "2016-01-01T00:00:00"}, {"hasTakenAt": False},
                                     # few matches: every facet counted from one read of them
                                     {"tags": [RARE_TAG]}, {"search": RARE_WORD, "rating": {"min": 1}},
                                     {"cameraModel": RARE_MODEL[1], "takenAfter": "2001-01-01T00:00:00"},
                                     # a box alone: the kept map cells inside it and the photos of those it cuts
                                     {"bbox": EUROPE}, {"bbox": PACIFIC}, {"bbox": ACROSS_180},
                                     # a box and another condition: the box's stretches of the geo index read once
                                     {"iso": {"min": 800, "max": 3200}, "bbox": EUROPE}, {"aperture": {"max": 2.0}, "bbox": PACIFIC},
                                     {"rating": {"min": 1}, "hasGps": True, "bbox": EUROPE}, {"cameraMake": "Canon", "bbox": PACIFIC},
                                     # a range with at most a third of the library and another condition: read once
                                     {"iso": {"min": 800, "max": 3200}, "aperture": {"max": 2.0}}, {"focalLength": {"min": 200}, "hasGps": False}],
                         ids=lambda f: ",".join(f) or "none")
def test_facets_equal_brute_force_counts_each_ignoring_its_own_selection(library, filter_):
    gql, ref = library
    facets = data(gql.execute(FACETS, {"filter": filter_}))["photoFacets"]

    def without(*names: str) -> dict[str, Any]:
        return {k: v for k, v in filter_.items() if k not in names}

    def text_facet(name: str, own: str, value: Any) -> None:
        expected = ref.facet(without(own), lambda p: [value(p).lower()] if value(p) else [])
        got = {v["value"].lower(): v["count"] for v in facets[name]}
        assert got == dict(expected), name
        counts = [v["count"] for v in facets[name]]
        assert counts == sorted(counts, reverse=True)

    text_facet("cameraMakes", "cameraMake", lambda p: p.make)
    text_facet("cameraModels", "cameraModel", lambda p: p.model)
    text_facet("lensModels", "lensModel", lambda p: p.lens)
    tags = ref.facet(without("tags"), lambda p: [t.lower() for t in p.tags])
    assert {v["value"].lower(): v["count"] for v in facets["tags"]} == dict(tags)
    years = ref.facet(without("takenAfter", "takenBefore"), lambda p: [p.taken_at.year] if p.taken_at else [])
    assert {v["year"]: v["count"] for v in facets["years"]} == dict(years)
    ratings = ref.facet(without("rating", "minRating"), lambda p: [p.rating])
    assert {v["rating"]: v["count"] for v in facets["ratings"]} == dict(ratings)


def test_facet_values_keep_a_spelling_photos_use(library):
    gql, ref = library
    facets = data(gql.execute(FACETS, {}))["photoFacets"]
    makes = {p.make for p in ref.photos}
    assert {v["value"] for v in facets["cameraMakes"]} <= makes
    spelled = {t for p in ref.photos for t in p.tags}
    assert {v["value"] for v in facets["tags"]} <= spelled


def test_another_owner_sees_only_their_own_library(library):
    gql, ref = library
    other = LocalGraphQL(settings=gql.settings, viewer=Viewer(OTHER_OWNER))
    try:
        theirs = walk(other, 500)
        assert len(theirs) == 300 and not set(theirs) & {p.hothash for p in ref.photos}
        timeline = data(other.execute(TIMELINE, {"granularity": "YEAR"}))["photoTimeline"]
        assert timeline["totalCount"] == 300
        world = data(other.execute(MAP, {"bbox": {"south": -90, "west": -180, "north": 90, "east": 180}, "zoom": 1}))
        positioned = [p for p in Reference(gql.engine, OTHER_OWNER).photos if p.lat is not None]
        assert world["photoMap"]["totalCount"] == len(positioned) > 0
        facets = data(other.execute(FACETS, {}))["photoFacets"]
        assert sum(v["count"] for v in facets["ratings"]) == 300
    finally:
        other.close()


@pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set: no PostgreSQL to compare with")
def test_sqlite_and_postgresql_agree_on_every_filter(tmp_path):
    answers = {}
    for backend in ("sqlite", "postgresql"):
        url, engine = library_database(backend, tmp_path)
        with LocalGraphQL(settings=Settings(database_url=url)) as gql:
            answers[backend] = {
                repr(f): (
                    walk(gql, 500, filter=f),
                    data(gql.execute(TIMELINE, {"filter": f, "granularity": "MONTH"})),
                    data(gql.execute(FACETS, {"filter": f})),
                    clusters(data(gql.execute(MAP, {"filter": f, "bbox": ACROSS_180, "zoom": 3}))),
                )
                for f in FILTERS
            }
        engine.dispose()
    for key, answer in answers["sqlite"].items():
        for part, name in enumerate(("listing", "timeline", "facets", "map")):
            assert answers["postgresql"][key][part] == answer[part], (key, name)


def clusters(answer: dict[str, Any]) -> list[tuple[Any, ...]]:
    """A map's clusters, positions rounded (the two databases sum floats in different orders)."""
    found = answer["photoMap"]["clusters"]
    return sorted((c["count"], c["hothash"], round(c["latitude"], 6), round(c["longitude"], 6)) for c in found)
