"""The typed scalars keep the JSON the API always sent, and refuse malformed input with a code."""

from __future__ import annotations

import re

from tests.api.importing import group, open_session, send
from tests.support.graphql import data
from tests.support.media import exif_blob, jpeg

INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


def test_dates_and_offsets_are_the_same_strings_on_the_wire(gql):
    session = open_session(gql)
    blob = exif_blob(taken="2021:06:01 12:30:45")
    sent = send(gql, [group(jpeg(), "A.JPG", exif={"A.JPG": blob})], session)["results"][0]
    query = """query($h: String!, $s: Int!) {
      photo(hothash: $h) { takenAt createdAt updatedAt }
      importSession(id: $s) { startedAt completedAt }
    }"""
    answer = data(gql.execute(query, {"h": sent["hothash"], "s": session}))
    assert answer["photo"]["takenAt"] == "2021-06-01T12:30:45"
    assert INSTANT.fullmatch(answer["photo"]["createdAt"]) and INSTANT.fullmatch(answer["photo"]["updatedAt"])
    assert INSTANT.fullmatch(answer["importSession"]["startedAt"])
    assert answer["importSession"]["completedAt"] is None


def test_a_date_alone_is_its_midnight_and_a_malformed_one_is_refused_with_a_code(gql):
    send(gql, [group(jpeg(), "A.JPG", exif={"A.JPG": exif_blob(taken="2021:06:01 00:00:00")})])
    page = "query($f: PhotoFilter) { photos(filter: $f) { totalCount } }"
    assert data(gql.execute(page, {"f": {"takenAfter": "2021-06-01"}}))["photos"]["totalCount"] == 1
    assert data(gql.execute(page, {"f": {"takenBefore": "2021-06-01"}}))["photos"]["totalCount"] == 0
    literal = gql.execute('{ photos(filter: {takenAfter: "June"}) { totalCount } }')
    assert literal["errors"][0]["extensions"]["code"] == "INVALID_FILTER"


def test_big_int_refuses_what_javascript_cannot_hold(gql):
    too_big = group(jpeg(), "HUGE.JPG")
    too_big["images"][0]["fileSize"] = 2**53
    response = gql.execute(
        "mutation($i: BatchImportInput!) { importBatch(input: $i) { photosCreated } }", {"i": {"photoGroups": [too_big]}}
    )
    assert response["errors"][0]["extensions"]["code"] == "INVALID_VALUE"
    assert "2^53" in response["errors"][0]["message"]
