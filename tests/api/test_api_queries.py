"""The photo listing: keyset pages, orders, filters, look-ups and their statement counts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import event

from imalink.resolvers.imports.checks import canonical_sha256, canonical_sha256s

from tests.api.importing import group, open_session, send
from tests.support.graphql import data
from tests.support.media import distinct_jpegs, exif_blob, sha256

PAGE = """
query Page($first: Int, $after: String, $filter: PhotoFilter, $order: PhotoOrder) {
  photos(first: $first, after: $after, filter: $filter, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { hothash takenAt } }
  }
}
"""


def import_dated(gql, dates: list[str | None], prefix: str = "dated", **exif_fields) -> list[str]:
    """One photo per date (None: no EXIF date); returns hothashes in the same order."""
    previews = distinct_jpegs(len(dates), prefix=prefix)
    groups = [
        group(p, "IMG.JPG", exif={"IMG.JPG": exif_blob(taken=d, **exif_fields)}) for p, d in zip(previews, dates)
    ]
    send(gql, groups)
    return [sha256(p) for p in previews]


def walk(gql, first: int, **variables) -> list[str]:
    """Every hothash of the listing, page by page."""
    seen, after = [], None
    while True:
        page = data(gql.execute(PAGE, {"first": first, "after": after, **variables}))["photos"]
        seen += [e["node"]["hothash"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


DATES = ["2020:01:01 10:00:00", None, "2021:06:01 08:00:00", "2019:12:31 23:59:59", None, "2021:06:01 08:00:00"]


@pytest.mark.parametrize("first", [1, 2, 4, 50])
def test_newest_first_with_undated_last_across_pages(gql, first):
    h = import_dated(gql, DATES)
    # Equal capture times fall back to id order (newest id first when descending).
    expected = [h[5], h[2], h[0], h[3], h[4], h[1]]
    assert walk(gql, first) == expected
    assert walk(gql, first, order="TAKEN_AT_ASC") == [h[3], h[0], h[2], h[5], h[1], h[4]]
    assert walk(gql, first, order="CREATED_AT_DESC") == list(reversed(h))


def test_pages_are_stable_while_imports_run(gql):
    h = import_dated(gql, ["2020:01:0%d 10:00:00" % d for d in range(1, 7)])
    page = data(gql.execute(PAGE, {"first": 3}))["photos"]
    assert [e["node"]["hothash"] for e in page["edges"]] == [h[5], h[4], h[3]]
    # A newer photo arriving between pages does not shift the next page.
    import_dated(gql, ["2030:01:01 00:00:00"], prefix="later")
    rest = data(gql.execute(PAGE, {"first": 10, "after": page["pageInfo"]["endCursor"]}))["photos"]
    assert [e["node"]["hothash"] for e in rest["edges"]] == [h[2], h[1], h[0]]
    assert rest["totalCount"] == 7


def test_default_and_maximum_page_sizes(gql):
    send(gql, [group(p, "X.JPG") for p in distinct_jpegs(55)])
    page = data(gql.execute(PAGE))["photos"]
    assert len(page["edges"]) == 50 and page["pageInfo"]["hasNextPage"] and page["totalCount"] == 55
    too_many = gql.execute(PAGE, {"first": 501})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


@pytest.mark.parametrize("cursor", ["garbage", "", "WyJUQUtFTl9BVF9ERVNDIiwieCIsMV0", "eyJhIjoxfQ"])
def test_malformed_cursors_get_a_clear_error(gql, cursor):
    response = gql.execute(PAGE, {"after": cursor or "====", "first": 5})
    error = response["errors"][0]
    assert error["extensions"]["code"] == "INVALID_CURSOR"
    assert "Traceback" not in error["message"] and "Error" not in error["message"]


def test_a_cursor_of_another_order_is_refused(gql):
    import_dated(gql, DATES[:3])
    cursor = data(gql.execute(PAGE, {"first": 1}))["photos"]["pageInfo"]["endCursor"]
    response = gql.execute(PAGE, {"first": 1, "after": cursor, "order": "TAKEN_AT_ASC"})
    assert response["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


def test_filters(gql):
    session = open_session(gql)
    previews = distinct_jpegs(6, prefix="filters")
    specs = [
        dict(make="Canon", model="EOS R5", lens="RF 50mm", gps=(59.9, 10.7), taken="2021:05:01 12:00:00"),
        dict(make="NIKON CORPORATION", model="D90", gps=(-33.8, 151.2), taken="2022:05:01 12:00:00"),
        dict(make="canon", model="eos r5", gps=(64.1, -179.5), taken="2020:05:01 12:00:00"),
        dict(make="Apple", model="iPhone", gps=(64.1, 179.5), taken=None),
        dict(make="Apple", model="iPhone", gps=None, taken="2023:01:01 00:00:00"),
        dict(make="Sony", model="A7", gps=None, taken="2021:05:01 11:59:59"),
    ]
    groups = [group(p, "F.JPG", exif={"F.JPG": exif_blob(**s)}) for p, s in zip(previews, specs)]
    groups[0].update(tags=["Norway", "Summer"], rating=5)
    groups[1].update(tags=["summer"], rating=3, importSessionId=session)
    groups[2].update(tags=["NORWAY"])
    send(gql, groups)
    h = [sha256(p) for p in previews]

    def only(**filter_) -> set[str]:
        return set(walk(gql, 2, filter=filter_))

    assert only(cameraMake="CANON") == {h[0], h[2]}
    assert only(cameraModel="d90") == {h[1]}
    assert only(lensModel="rf 50MM") == {h[0]}
    assert only(hasGps=True) == {h[0], h[1], h[2], h[3]}
    assert only(hasGps=False) == {h[4], h[5]}
    assert only(takenAfter="2021-05-01T12:00:00") == {h[0], h[1], h[4]}
    assert only(takenAfter="2021-05-01", takenBefore="2021-05-01T12:00:00") == {h[5]}
    assert only(bbox={"south": 50, "west": 0, "north": 70, "east": 20}) == {h[0]}
    # Across the 180th meridian: west > east.
    assert only(bbox={"south": 60, "west": 170, "north": 70, "east": -170}) == {h[2], h[3]}
    assert only(tags=["norway"]) == {h[0], h[2]}
    assert only(tags=["Norway", "SUMMER"]) == {h[0]}
    assert only(minRating=3) == {h[0], h[1]}
    assert only(importSessionId=session) == {h[1]}
    assert only(cameraMake="canon", hasGps=True, tags=["norway"], takenBefore="2021-01-01") == {h[2]}
    counted = data(gql.execute(PAGE, {"filter": {"cameraMake": "Apple"}}))["photos"]["totalCount"]
    assert counted == 2


@pytest.mark.parametrize(
    "filter_",
    [
        {"takenAfter": "yesterday"},
        {"takenBefore": "2021-01-01T00:00:00+02:00"},
        {"bbox": {"south": 10, "west": 0, "north": 5, "east": 1}},
        {"bbox": {"south": 0, "west": 0, "north": 95, "east": 1}},
    ],
)
def test_unusable_filters_get_a_clear_error(gql, filter_):
    response = gql.execute(PAGE, {"filter": filter_})
    assert response["errors"][0]["extensions"]["code"] == "INVALID_FILTER"


def test_existing_hothashes(gql):
    previews = distinct_jpegs(3, prefix="existing")
    send(gql, [group(p, "E.JPG") for p in previews[:2]])
    asked = [sha256(previews[2]), sha256(previews[0]).upper(), "not a hash", sha256(previews[1])]
    found = data(gql.execute("query($h: [String!]!) { existingHothashes(hothashes: $h) }", {"h": asked}))
    assert found["existingHothashes"] == [sha256(previews[0]).upper(), sha256(previews[1])]


def test_existing_hothashes_answers_ten_thousand_in_one_round_trip(gql):
    asked = [f"{n:064x}" for n in range(10_000)]
    found = data(gql.execute("query($h: [String!]!) { existingHothashes(hothashes: $h) }", {"h": asked}))
    assert found["existingHothashes"] == []
    response = gql.execute("query($h: [String!]!) { existingHothashes(hothashes: $h) }", {"h": asked + ["f" * 64]})
    assert response["errors"][0]["extensions"]["code"] == "TOO_MANY_HOTHASHES"


def test_existing_hothashes_all_canonical_and_mixed_answer_alike(gql):
    """A list of canonical hashes only is checked in one pass (resolvers/imports/checks.py); one
    odd value among them sends the whole list the per-value way. Both answer the same, in the
    order asked, duplicates once."""
    previews = distinct_jpegs(3, prefix="canonical")
    send(gql, [group(p, "C.JPG") for p in previews[:2]])
    known = [sha256(p) for p in previews[:2]]
    unknown = [f"{n:064x}" for n in range(50)]
    canonical = [unknown[0], known[1], *unknown[1:], known[0], known[1]]
    query = "query($h: [String!]!) { existingHothashes(hothashes: $h) }"
    assert data(gql.execute(query, {"h": canonical}))["existingHothashes"] == [known[1], known[0]]
    for odd in (known[0].upper(), f" {known[0]}", known[0][:63], known[0] + "0", known[0][:62] + "+0", known[0][:62] + "0\n",
                "٠" * 64, "ｆ" * 64, "g" * 64, "_" * 64, ""):
        found = data(gql.execute(query, {"h": [*canonical, odd]}))["existingHothashes"]
        expected = [known[1], known[0]] + ([odd] if odd.strip().lower() == known[0] and odd != known[0] else [])
        assert found == expected, odd


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet="0123456789abcdefABCDEF \n", min_size=62, max_size=66), st.text(max_size=70),
                          st.sampled_from(["a" * 64, "0" * 64, "٠" * 64])), max_size=20))
def test_canonical_hashes_in_one_pass_are_those_of_one_at_a_time(values):
    """The one-pass check of a list of canonical hashes agrees with the per-hash rule, whatever the list."""
    one_at_a_time = {v: c for v in dict.fromkeys(values) if (c := canonical_sha256(v)) is not None}
    assert canonical_sha256s(values) == one_at_a_time
    canonical = [v for v in values if canonical_sha256(v) == v]
    assert canonical_sha256s(canonical) == dict(zip(canonical, canonical))


def test_update_and_delete_photo(gql):
    preview = distinct_jpegs(1, prefix="edit")[0]
    send(gql, [group(preview, "A.JPG", "A.CR2", title="Old", tags=["x"])])
    hothash = sha256(preview)
    update = """mutation($h: String!, $i: PhotoUpdateInput!) {
        updatePhoto(hothash: $h, input: $i) { title description tags rating userRotation } }"""
    edited = data(gql.execute(update, {"h": hothash, "i": {"description": "New", "tags": ["Beach", "beach", "Sun"], "rating": 4}}))
    assert edited["updatePhoto"] == {"title": "Old", "description": "New", "tags": ["Beach", "Sun"], "rating": 4, "userRotation": 0}
    assert walk(gql, 10, filter={"tags": ["sun"]}) == [hothash]
    assert walk(gql, 10, filter={"tags": ["x"]}) == []
    cleared = data(gql.execute(update, {"h": hothash, "i": {"title": None, "rating": None}}))["updatePhoto"]
    assert cleared["title"] is None and cleared["rating"] == 0 and cleared["description"] == "New"
    bad = gql.execute(update, {"h": hothash, "i": {"userRotation": 45}})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_ROTATION"
    assert data(gql.execute(update, {"h": "0" * 64, "i": {"title": "x"}}))["updatePhoto"] is None

    delete = "mutation($h: String!) { deletePhoto(hothash: $h) }"
    assert data(gql.execute(delete, {"h": hothash}))["deletePhoto"] is True
    assert data(gql.execute(delete, {"h": hothash}))["deletePhoto"] is False
    assert data(gql.execute(PAGE))["photos"]["totalCount"] == 0
    # Its files went with it: the same group imports afresh.
    assert send(gql, [group(preview, "A.JPG")])["results"][0]["status"] == "CREATED"


def test_import_sessions_listing_and_session_photos(gql):
    sessions = [open_session(gql, f"dir {n}") for n in range(3)]
    previews = distinct_jpegs(7, prefix="sessions")
    send(gql, [group(p, "S.JPG") for p in previews[:4]], sessions[0])
    send(gql, [group(p, "S.JPG") for p in previews[4:]], sessions[2])
    query = """query($after: String) { importSessions(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { id storageDirectory photos(first: 3) { totalCount pageInfo { hasNextPage } edges { node { hothash } } } } } } }"""
    first = data(gql.execute(query))["importSessions"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    nodes = [e["node"] for e in first["edges"]]
    assert [n["id"] for n in nodes] == [sessions[2], sessions[1]]
    assert nodes[0]["photos"]["totalCount"] == 3 and not nodes[0]["photos"]["pageInfo"]["hasNextPage"]
    assert nodes[1]["photos"]["totalCount"] == 0
    second = data(gql.execute(query, {"after": first["pageInfo"]["endCursor"]}))["importSessions"]
    last = second["edges"][0]["node"]
    assert last["id"] == sessions[0] and last["photos"]["totalCount"] == 4
    assert len(last["photos"]["edges"]) == 3 and last["photos"]["pageInfo"]["hasNextPage"]


def statements_for_page(gql, engine, first: int) -> int:
    counted = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if statement != "BEGIN":  # SQLite's explicit BEGIN (see db/engine.py) is no query
            counted.append(statement)

    event.listen(gql.engine, "before_cursor_execute", count)
    try:
        query = """query($first: Int) { photos(first: $first) { totalCount edges { node {
            hothash hotpreview takenAt
            images { filename exifData photo { hothash } importSession { id } }
            importSession { id storageDirectory photos(first: 5) { totalCount edges { node { hothash } } } } } } } }"""
        page = data(gql.execute(query, {"first": first}))["photos"]
    finally:
        event.remove(gql.engine, "before_cursor_execute", count)
    assert len(page["edges"]) == first
    return len(counted)


def test_a_page_costs_the_same_statements_for_10_and_100_photos(gql, engine):
    # More photos than the larger page, so both pages have the same shape (a next page follows).
    sessions = [open_session(gql, f"s{n}") for n in range(11)]
    previews = distinct_jpegs(110, prefix="n+1")
    for n, session in enumerate(sessions):
        chunk = previews[n * 10 : (n + 1) * 10]
        send(gql, [group(p, "A.JPG", "A.CR2", exif={"A.JPG": exif_blob()}) for p in chunk], session)
    small, large = statements_for_page(gql, engine, 10), statements_for_page(gql, engine, 100)
    assert small == large
    assert large <= 10


def test_existing_photos_lists_the_files_each_known_photo_has(gql):
    known, unknown = distinct_jpegs(2, prefix="files")
    send(gql, [group(known, "IMG_1.JPG", "IMG_1.CR2")])
    query = "query($h: [String!]!) { existingPhotos(hothashes: $h) { hothash filenames } }"
    found = data(gql.execute(query, {"h": [sha256(unknown), sha256(known), "junk"]}))["existingPhotos"]
    assert found == [{"hothash": sha256(known), "filenames": ["IMG_1.JPG", "IMG_1.CR2"]}]
    too_many = gql.execute(query, {"h": [f"{n:064x}" for n in range(10_001)]})
    assert too_many["errors"][0]["extensions"]["code"] == "TOO_MANY_HOTHASHES"
