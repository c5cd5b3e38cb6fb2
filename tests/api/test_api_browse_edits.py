"""Favourites, tags stored once with their spelling, and the search index kept in step with every
write (import, files added later, edit, delete), inside the write's own transaction."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import Engine, event, text

from tests.api.importing import group, send
from tests.support.graphql import data
from tests.support.media import distinct_jpegs, exif_blob, sha256

SEARCH = """
query Search($q: String!, $first: Int) {
  photos(first: $first, filter: { search: $q }) { totalCount edges { node { hothash title tags } } }
}
"""
UPDATE = """
mutation Edit($h: String!, $i: PhotoUpdateInput!) {
  updatePhoto(hothash: $h, input: $i) { hothash title tags favorite rating }
}
"""


def found(gql, query: str) -> list[str]:
    return [e["node"]["hothash"] for e in data(gql.execute(SEARCH, {"q": query, "first": 100}))["photos"]["edges"]]


def test_search_finds_titles_descriptions_tags_and_file_names_in_any_case(gql):
    a, b, c = distinct_jpegs(3, "search")
    send(gql, [
        group(a, "IMG_0042.JPG", "IMG_0042.CR2", title="Dawn over Þingvellir", tags=["Iceland"]),
        group(b, "DSC_7777.NEF", description="A quiet harbour at dusk", tags=["boats"]),
        group(c, "PXL_1.JPG"),
    ])
    ha, hb, _ = map(sha256, (a, b, c))
    assert found(gql, "ICELAND") == [ha]
    assert found(gql, "þingvellir") == [ha]
    assert found(gql, "img_0042.cr2") == [ha]
    assert found(gql, "harb dusk") == [hb]  # every term, anywhere in a word
    assert found(gql, '"quiet harbour"') == [hb]
    assert found(gql, '"harbour quiet"') == []
    assert found(gql, "0") == [ha] and found(gql, "77") == [hb]  # terms shorter than a trigram work too
    assert set(found(gql, "_")) == {ha, hb, sha256(c)}  # an underscore is a character, not a wildcard
    assert found(gql, "%") == []


def test_like_wildcards_in_a_search_are_plain_characters(gql):
    a, b = distinct_jpegs(2, "wild")
    send(gql, [group(a, "A.JPG", title="50% off"), group(b, "B.JPG", title="50 kroner")])
    assert found(gql, "50%") == [sha256(a)]
    assert found(gql, "5_") == []


def test_the_search_index_follows_edits_files_added_later_and_deletion(gql, engine):
    preview = distinct_jpegs(1, "follow")[0]
    hothash = sha256(preview)
    send(gql, [group(preview, "IMG_1.JPG", title="Old title", tags=["Alpha"])])
    assert found(gql, "old") == [hothash] and found(gql, "alpha") == [hothash]

    data(gql.execute(UPDATE, {"h": hothash, "i": {"title": "New name", "tags": ["Beta"], "description": "fjord"}}))
    assert found(gql, "old") == [] and found(gql, "alpha") == []
    assert found(gql, "new") == found(gql, "beta") == found(gql, "fjord") == [hothash]

    # The RAW arrives later: its name is found too.
    result = send(gql, [group(preview, "IMG_1.JPG", "IMG_1.ARW")])
    assert result["results"][0]["status"] == "IMAGES_ADDED"
    assert found(gql, "img_1.arw") == [hothash]

    data(gql.execute('mutation($h: String!) { deletePhoto(hothash: $h) }', {"h": hothash}))
    assert found(gql, "new") == [] and found(gql, "img_1") == []
    if engine.dialect.name == "sqlite":  # the FTS index holds nothing of the deleted photo
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM photo_search WHERE photo_search MATCH '\"new\"'")).scalar_one() == 0


def test_an_edit_that_fails_leaves_the_search_text_as_it_was(gql):
    preview = distinct_jpegs(1, "atomic")[0]
    hothash = sha256(preview)
    send(gql, [group(preview, "A.JPG", title="Kept")])
    response = gql.execute(UPDATE, {"h": hothash, "i": {"title": "Lost", "rating": 9}})
    assert response["errors"][0]["extensions"]["code"] == "INVALID_RATING"
    assert found(gql, "kept") == [hothash] and found(gql, "lost") == []


def test_favourites_are_set_cleared_and_filtered(gql):
    a, b = distinct_jpegs(2, "fav")
    send(gql, [group(a, "A.JPG"), group(b, "B.JPG")])
    ha = sha256(a)
    edited = data(gql.execute(UPDATE, {"h": ha, "i": {"favorite": True}}))["updatePhoto"]
    assert edited["favorite"] is True
    query = "query($f: Boolean) { photos(filter: { favorite: $f }) { totalCount edges { node { hothash favorite } } } }"
    assert data(gql.execute(query, {"f": True}))["photos"]["edges"] == [{"node": {"hothash": ha, "favorite": True}}]
    assert data(gql.execute(query, {"f": False}))["photos"]["totalCount"] == 1
    data(gql.execute(UPDATE, {"h": ha, "i": {"favorite": None}}))
    assert data(gql.execute(query, {"f": True}))["photos"]["totalCount"] == 0


def test_tags_keep_their_spelling_and_order_and_compare_case_insensitively(gql, engine):
    a, b = distinct_jpegs(2, "tags")
    send(gql, [group(a, "A.JPG", tags=["Norway", "summer", "NORWAY", " "]), group(b, "B.JPG", tags=["norway"])])
    ha, hb = sha256(a), sha256(b)
    photo = data(gql.execute("query($h: String!) { photo(hothash: $h) { tags } }", {"h": ha}))["photo"]
    assert photo["tags"] == ["Norway", "summer"]
    listed = data(gql.execute(SEARCH, {"q": "norway"}))["photos"]["edges"]
    assert {e["node"]["hothash"]: e["node"]["tags"] for e in listed} == {ha: ["Norway", "summer"], hb: ["norway"]}
    query = 'query($t: [String!]) { photos(filter: { tags: $t }) { totalCount } }'
    assert data(gql.execute(query, {"t": ["NORWAY"]}))["photos"]["totalCount"] == 2
    facets = data(gql.execute("{ photoFacets { tags { value count } } }"))["photoFacets"]["tags"]
    assert [(f["value"].lower(), f["count"]) for f in facets] == [("norway", 2), ("summer", 1)]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT tag_key, tag, position FROM photo_tag ORDER BY photo_id, position")).all()
    assert [tuple(r) for r in rows] == [("norway", "Norway", 0), ("summer", "summer", 1), ("norway", "norway", 0)]


@pytest.mark.parametrize(
    ("filter_", "code"),
    [
        ({"rating": {"min": 4, "max": 2}}, "INVALID_FILTER"),
        ({"rating": {"max": 6}}, "INVALID_FILTER"),
        ({"iso": {"min": -1}}, "INVALID_FILTER"),
        ({"search": "x" * 201}, "INVALID_FILTER"),
        ({"bbox": {"south": 10, "west": 0, "north": 5, "east": 1}}, "INVALID_FILTER"),
    ],
)
def test_unusable_filters_get_a_clear_error(gql, filter_, code):
    response = gql.execute("query($f: PhotoFilter) { photos(filter: $f) { totalCount } }", {"f": filter_})
    assert response["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ("first: 5, last: 5", "INVALID_PAGE_ARGUMENTS"),
        ('after: "x", before: "y"', "INVALID_PAGE_ARGUMENTS"),
        ('first: 5, before: "y"', "INVALID_PAGE_ARGUMENTS"),
        ("last: 501", "INVALID_PAGE_SIZE"),
        ('last: 5, before: "garbage"', "INVALID_CURSOR"),
    ],
)
def test_paging_arguments_are_checked(gql, arguments, code):
    for field in ("photos", "importSessions"):
        response = gql.execute(f"{{ {field}({arguments}) {{ totalCount }} }}")
        assert response["errors"][0]["extensions"]["code"] == code, field


def test_import_sessions_page_both_ways_with_one_cursor_format(gql):
    opened = [data(gql.execute('mutation { createImportSession(input: {}) { id } }'))["createImportSession"]["id"] for _ in range(7)]
    newest_first = list(reversed(opened))
    query = "query($f: Int, $a: String, $l: Int, $b: String) { importSessions(first: $f, after: $a, last: $l, before: $b) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id } } } }"
    seen, after = [], None
    while True:
        page = data(gql.execute(query, {"f": 3, "a": after}))["importSessions"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == newest_first
    back, before = [], None
    while True:
        page = data(gql.execute(query, {"l": 3, "b": before}))["importSessions"]
        back = [e["node"]["id"] for e in page["edges"]] + back
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == newest_first
    # A photo cursor is refused by the session listing and the other way round.
    photo_cursor = data(gql.execute(query, {"f": 1}))["importSessions"]["pageInfo"]["endCursor"]
    response = gql.execute('query($a: String) { photos(after: $a) { totalCount } }', {"a": photo_cursor})
    assert response["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


def test_a_session_pages_its_photos_both_ways(gql):
    session = data(gql.execute('mutation { createImportSession(input: {}) { id } }'))["createImportSession"]["id"]
    previews = distinct_jpegs(5, "session-pages")
    groups = [group(p, "S.JPG", exif={"S.JPG": exif_blob(taken=f"2020:01:0{i + 1} 10:00:00")}) for i, p in enumerate(previews)]
    send(gql, groups, session_id=session)
    query = """query($id: Int!, $f: Int, $a: String, $l: Int, $b: String) { importSession(id: $id) {
      photos(first: $f, after: $a, last: $l, before: $b) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { node { hothash } } } } }"""
    first = data(gql.execute(query, {"id": session, "f": 2}))["importSession"]["photos"]
    newest = [sha256(p) for p in reversed(previews)]
    assert [e["node"]["hothash"] for e in first["edges"]] == newest[:2]
    rest = data(gql.execute(query, {"id": session, "f": 5, "a": first["pageInfo"]["endCursor"]}))["importSession"]["photos"]
    assert [e["node"]["hothash"] for e in rest["edges"]] == newest[2:]
    assert rest["pageInfo"]["hasPreviousPage"] is True
    back = data(gql.execute(query, {"id": session, "l": 2, "b": rest["pageInfo"]["startCursor"]}))["importSession"]["photos"]
    assert [e["node"]["hothash"] for e in back["edges"]] == newest[:2]


TIMELINE = "{ photoTimeline(granularity: DAY) { totalCount undatedCount buckets { label count } } }"


def test_the_timeline_follows_imports_dates_found_later_and_deletions(gql, engine):
    a, b, c = distinct_jpegs(3, "days")
    send(gql, [
        group(a, "A.JPG", exif={"A.JPG": exif_blob(taken="2021:06:01 10:00:00")}),
        group(b, "B.JPG", exif={"B.JPG": exif_blob(taken="2021:06:01 18:00:00")}),
        group(c, "C.JPG"),  # no date yet
    ])
    timeline = data(gql.execute(TIMELINE))["photoTimeline"]
    assert timeline["buckets"] == [{"label": "2021-06-01", "count": 2}] and timeline["undatedCount"] == 1
    # C's RAW arrives with a date: the photo moves from undated to its day.
    send(gql, [group(c, "C.JPG", "C.CR2", exif={"C.CR2": exif_blob(taken="2020:02:29 12:00:00")})])
    timeline = data(gql.execute(TIMELINE))["photoTimeline"]
    assert timeline["buckets"] == [{"label": "2021-06-01", "count": 2}, {"label": "2020-02-29", "count": 1}]
    assert timeline["undatedCount"] == 0
    data(gql.execute('mutation($h: String!) { deletePhoto(hothash: $h) }', {"h": sha256(a)}))
    data(gql.execute('mutation($h: String!) { deletePhoto(hothash: $h) }', {"h": sha256(c)}))
    timeline = data(gql.execute(TIMELINE))["photoTimeline"]
    assert timeline["buckets"] == [{"label": "2021-06-01", "count": 1}] and timeline["totalCount"] == 1
    with engine.connect() as conn:  # an emptied day leaves no row behind
        assert conn.execute(text("SELECT count(*) FROM photo_day")).scalar_one() == 1


FACETS = "{ photoFacets { cameraMakes { value count } ratings { rating count } } }"


def test_the_library_menus_follow_edits_and_deletions(gql):
    a, b = distinct_jpegs(2, "menus")
    send(gql, [group(a, "A.JPG", rating=2, exif={"A.JPG": exif_blob(make="Canon")}),
               group(b, "B.JPG", rating=2, exif={"B.JPG": exif_blob(make="CANON")})])
    facets = data(gql.execute(FACETS))["photoFacets"]
    assert [(f["value"].lower(), f["count"]) for f in facets["cameraMakes"]] == [("canon", 2)]
    assert facets["ratings"] == [{"rating": 2, "count": 2}]
    data(gql.execute(UPDATE, {"h": sha256(a), "i": {"rating": 5}}))
    assert data(gql.execute(FACETS))["photoFacets"]["ratings"] == [{"rating": 2, "count": 1}, {"rating": 5, "count": 1}]
    data(gql.execute('mutation($h: String!) { deletePhoto(hothash: $h) }', {"h": sha256(b)}))
    facets = data(gql.execute(FACETS))["photoFacets"]
    assert [(f["value"].lower(), f["count"]) for f in facets["cameraMakes"]] == [("canon", 1)]
    assert facets["ratings"] == [{"rating": 5, "count": 1}]


POSITIONED = """{ photoFacets(filter: {hasGps: true}) { cameraMakes { value count } ratings { rating count } years { year count } tags { value count } }
  photoTimeline(filter: {hasGps: true}, granularity: DAY) { undatedCount buckets { label count } } }"""


def test_the_positioned_photos_menus_and_timeline_follow_positions_found_later_edits_and_deletions(gql, engine):
    a, b, c = distinct_jpegs(3, "positioned")
    send(gql, [
        group(a, "A.JPG", rating=2, exif={"A.JPG": exif_blob(make="Canon", gps=(59.9, 10.7))}),
        group(b, "B.JPG", rating=2, exif={"B.JPG": exif_blob(make="Nikon")}),
        group(c, "C.JPG", rating=2, exif={"C.JPG": exif_blob(make="canon", taken=None)}),  # no position, no date yet
    ])
    data(gql.execute(UPDATE, {"h": sha256(a), "i": {"tags": ["Norway", "Summer"]}}))
    data(gql.execute(UPDATE, {"h": sha256(b), "i": {"tags": ["Norway"]}}))
    data(gql.execute(UPDATE, {"h": sha256(c), "i": {"tags": ["norway"]}}))
    found = data(gql.execute(POSITIONED))
    assert [(f["value"].lower(), f["count"]) for f in found["photoFacets"]["cameraMakes"]] == [("canon", 1)]
    assert found["photoFacets"]["ratings"] == [{"rating": 2, "count": 1}]
    assert [(f["value"].lower(), f["count"]) for f in found["photoFacets"]["tags"]] == [("norway", 1), ("summer", 1)]
    assert found["photoTimeline"] == {"undatedCount": 0, "buckets": [{"label": "2021-06-01", "count": 1}]}
    # C's RAW arrives with a position (still no date): C joins the positioned photos, undated.
    send(gql, [group(c, "C.JPG", "C.CR2", exif={"C.CR2": exif_blob(make="canon", taken=None, gps=(-33.9, 151.2))})])
    found = data(gql.execute(POSITIONED))
    assert [(f["value"].lower(), f["count"]) for f in found["photoFacets"]["cameraMakes"]] == [("canon", 2)]
    assert found["photoTimeline"]["undatedCount"] == 1
    assert [(f["value"].lower(), f["count"]) for f in found["photoFacets"]["tags"]] == [("norway", 2), ("summer", 1)]
    data(gql.execute(UPDATE, {"h": sha256(a), "i": {"rating": 5, "tags": ["Summer", "Fjord"]}}))
    found = data(gql.execute(POSITIONED))
    assert found["photoFacets"]["ratings"] == [{"rating": 2, "count": 1}, {"rating": 5, "count": 1}]
    assert found["photoFacets"]["years"] == [{"year": 2021, "count": 1}]
    assert [(f["value"].lower(), f["count"]) for f in found["photoFacets"]["tags"]] == [("fjord", 1), ("norway", 1), ("summer", 1)]
    data(gql.execute('mutation($h: String!) { deletePhoto(hothash: $h) }', {"h": sha256(a)}))
    found = data(gql.execute(POSITIONED))
    assert [(f["value"].lower(), f["count"]) for f in found["photoFacets"]["cameraMakes"]] == [("canon", 1)]
    assert found["photoTimeline"] == {"undatedCount": 1, "buckets": []}
    assert [(f["value"].lower(), f["count"]) for f in found["photoFacets"]["tags"]] == [("norway", 1)]
    with engine.connect() as conn:  # emptied counts leave no row behind
        kept = conn.execute(text("SELECT facet, key, photos FROM photo_facet WHERE facet LIKE 'gps:%' ORDER BY facet, key")).all()
    assert [tuple(row) for row in kept] == [
        ("gps:camera_make", "canon", 1), ("gps:camera_model", "canon eos 40d", 1), ("gps:rating", "2", 1), ("gps:tag", "norway", 1),
        ("gps:undated", "", 1),
    ]


NEARLY_ALL = """query($f: PhotoFilter) {
  photoTimeline(filter: $f, granularity: DAY) { totalCount undatedCount buckets { label count } }
  photoMap(filter: $f, bbox: {south: -90, west: -180, north: 90, east: 180}, zoom: 2) { totalCount clusters { count } }
  photoFacets(filter: $f) { cameraMakes { value count } tags { value count } ratings { rating count } years { year count } }
  photos(filter: $f, first: 100) { edges { node { takenAt gpsLatitude cameraMake rating tags } } }
}"""


def searched(gql, query: str) -> tuple[dict, dict]:
    """A search's timeline, map and facets as the server counts them, and as counted here from its listing."""
    found = data(gql.execute(NEARLY_ALL, {"f": {"search": query}}))
    nodes = [edge["node"] for edge in found["photos"]["edges"]]
    days, makes, tags, ratings, years = Counter(), Counter(), Counter(), Counter(), Counter()
    for node in nodes:
        if node["takenAt"]:
            days[node["takenAt"][:10]] += 1
            years[int(node["takenAt"][:4])] += 1
        if node["cameraMake"]:
            makes[node["cameraMake"].lower()] += 1
        tags.update({tag.lower() for tag in node["tags"]})
        ratings[node["rating"]] += 1
    facets = found["photoFacets"]
    served = {
        "total": found["photoTimeline"]["totalCount"], "undated": found["photoTimeline"]["undatedCount"],
        "days": {b["label"]: b["count"] for b in found["photoTimeline"]["buckets"]},
        "positioned": found["photoMap"]["totalCount"], "clustered": sum(c["count"] for c in found["photoMap"]["clusters"]),
        "makes": {f["value"].lower(): f["count"] for f in facets["cameraMakes"]}, "tags": {f["value"].lower(): f["count"] for f in facets["tags"]},
        "ratings": {f["rating"]: f["count"] for f in facets["ratings"]}, "years": {f["year"]: f["count"] for f in facets["years"]},
    }
    positioned = sum(1 for node in nodes if node["gpsLatitude"] is not None)
    counted = {
        "total": len(nodes), "undated": sum(1 for node in nodes if not node["takenAt"]), "days": dict(days),
        "positioned": positioned, "clustered": positioned,
        "makes": dict(makes), "tags": dict(tags), "ratings": dict(ratings), "years": dict(years),
    }
    return served, counted


def test_a_search_matching_nearly_every_photo_follows_every_write(gql):
    """"img" finds every photo but one: its timeline, map and facets are the kept counts less the
    photos it misses, kept between requests until the library changes. Each write below changes
    what it finds or counts right after the same search was asked (and its misses kept)."""
    a, b, c, d, e, f = distinct_jpegs(6, "nearly")
    send(gql, [
        group(a, "IMG_1.JPG", rating=2, exif={"IMG_1.JPG": exif_blob(make="Canon", gps=(59.9, 10.7))}),
        group(b, "IMG_2.JPG", tags=["Harbour"], exif={"IMG_2.JPG": exif_blob(make="Nikon", taken="2020:01:02 10:00:00")}),
        group(c, "IMG_3.JPG", exif={"IMG_3.JPG": exif_blob(make="Canon", taken=None)}),
        group(d, "DSC_4.JPG", rating=4, tags=["Boat"], exif={"DSC_4.JPG": exif_blob(make="SONY", gps=(-33.9, 151.2))}),
        group(e, "IMG_5.JPG", exif={"IMG_5.JPG": exif_blob(make="Canon", gps=(48.8, 2.3))}),
    ])
    delete = 'mutation($h: String!) { deletePhoto(hothash: $h) }'
    writes = [
        lambda: data(gql.execute(UPDATE, {"h": sha256(d), "i": {"title": "An img of a harbour"}})),  # a title: D is found
        lambda: data(gql.execute(UPDATE, {"h": sha256(d), "i": {"title": None, "tags": ["imgur", "Boat"]}})),  # a tag: still found
        lambda: data(gql.execute(UPDATE, {"h": sha256(d), "i": {"tags": ["Boat"]}})),  # missed again
        lambda: data(gql.execute(UPDATE, {"h": sha256(d), "i": {"rating": 5}})),  # a missed photo's rating
        lambda: data(gql.execute(UPDATE, {"h": sha256(b), "i": {"tags": ["Harbour", "Dusk"]}})),  # a found photo's tags
        lambda: send(gql, [group(d, "DSC_4.JPG", "IMG_4.CR2")]),  # a file name added later: D is found
        lambda: data(gql.execute(delete, {"h": sha256(a)})),
        lambda: send(gql, [group(f, "DSC_6.JPG", exif={"DSC_6.JPG": exif_blob(make="SONY", gps=(1.0, 1.0))})]),  # one more missed
        lambda: data(gql.execute(delete, {"h": sha256(d)})),
    ]
    misses_read: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "EXCEPT" in statement or "search_text IS NULL" in statement:  # the misses (db/filters.py text_misses)
            misses_read.append(statement)

    history = []
    event.listen(Engine, "before_cursor_execute", record)
    try:
        for write in [lambda: None, *writes]:
            write()
            misses_read.clear()
            served, counted = searched(gql, "img")
            assert served == counted
            assert len(misses_read) == 1  # the timeline, map and facets read the misses once
            assert searched(gql, "img") == (served, counted)  # asked again: the kept misses
            assert len(misses_read) == 1
            history.append(served["total"])
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert history == [4, 5, 5, 4, 4, 4, 5, 4, 4, 3]


def test_a_make_spelled_with_accents_is_found_and_counted_as_stored(gql):
    # The filter's value folds as the database folds the column: on SQLite lower() leaves "É" as it
    # is, so a value folded by Python ("é") found nothing, not even the make spelled as stored.
    a, b, c = distinct_jpegs(3, "accents")
    send(gql, [group(a, "A.JPG", exif={"A.JPG": exif_blob(make="ÉCLAIR Optique")}),
               group(b, "B.JPG", exif={"B.JPG": exif_blob(make="Éclair optique")}),
               group(c, "C.JPG", exif={"C.JPG": exif_blob(make="Canon")})])
    query = "query($f: PhotoFilter) { photos(first: 10, filter: $f) { totalCount } }"
    for spelled in ("ÉCLAIR Optique", "Éclair OPTIQUE"):
        assert data(gql.execute(query, {"f": {"cameraMake": spelled}}))["photos"]["totalCount"] == 2, spelled
    facets = "query($f: PhotoFilter) { photoFacets(filter: $f) { cameraMakes { value count } } }"
    kept = data(gql.execute(facets, {"f": {}}))["photoFacets"]["cameraMakes"]  # the counts triggers keep
    counted = data(gql.execute(facets, {"f": {"hasTakenAt": True, "rating": {"min": 0}}}))["photoFacets"]["cameraMakes"]
    assert sorted(f["count"] for f in kept) == sorted(f["count"] for f in counted) == [1, 2]
