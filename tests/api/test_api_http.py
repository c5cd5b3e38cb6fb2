"""The API over real HTTP: a uvicorn server on a loopback port, spoken to with httpx."""

from __future__ import annotations

import httpx
import pytest

from imalink.settings import Settings
from tests.api.importing import group, send
from tests.support.graphql import HttpGraphQL, data
from tests.support.media import b64, distinct_jpegs, exif_blob, sha256
from tests.support.server import running_server


@pytest.fixture
def server(database_url):
    settings = Settings(database_url=database_url, max_request_bytes=256 * 1024)
    with running_server(settings) as base:
        yield base


def test_import_and_read_back_over_http(server):
    gql = HttpGraphQL(server)
    preview = distinct_jpegs(1, prefix="http")[0]
    outcome = send(gql, [group(preview, "IMG_1.JPG", "IMG_1.CR2", exif={"IMG_1.JPG": exif_blob()})])
    assert outcome["results"][0]["status"] == "CREATED"
    photo = data(gql.execute("query($h: String!) { photo(hothash: $h) { cameraModel hotpreviewUrl images { filename } } }", {"h": sha256(preview)}))["photo"]
    assert photo["cameraModel"] == "Canon EOS 40D"
    assert [i["filename"] for i in photo["images"]] == ["IMG_1.JPG", "IMG_1.CR2"]

    # The hotpreview route: exactly the bytes, cacheable forever under a strong ETag.
    response = httpx.get(server + photo["hotpreviewUrl"])
    assert response.status_code == 200 and response.content == preview
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["etag"] == f'"{sha256(preview)}"'
    assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
    again = httpx.get(server + photo["hotpreviewUrl"], headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_unknown_hotpreviews_are_404(server):
    assert httpx.get(f"{server}/hotpreview/{'0' * 64}.jpg").status_code == 404
    assert httpx.get(f"{server}/hotpreview/not-a-hash.jpg").status_code == 404


def test_graphiql_and_health(server):
    page = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    health = httpx.get(f"{server}/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"


def test_a_body_past_the_cap_is_refused_before_anything_is_written(server):
    gql = HttpGraphQL(server)
    big = "A" * (300 * 1024)
    response = gql.client.post("/graphql", json={"query": "{ photos { totalCount } }", "variables": {"pad": big}})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    # Also when the client does not declare a length (chunked upload).
    chunks = iter([b'{"query": "{ photos { totalCount } }", "pad": "', big.encode(), b'"}'])
    streamed = gql.client.post("/graphql", content=chunks, headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert data(gql.execute("{ photos { totalCount } }"))["photos"]["totalCount"] == 0


def test_client_errors_are_specific_and_never_tracebacks(server):
    gql = HttpGraphQL(server)
    bad_cursor = gql.execute('{ photos(after: "%%%") { totalCount } }')
    assert bad_cursor["errors"][0]["extensions"] == {"code": "INVALID_CURSOR"}
    unknown_field = gql.execute("{ photos { nope } }")
    assert "nope" in unknown_field["errors"][0]["message"]
    bad_b64 = gql.execute(
        "mutation($i: BatchImportInput!) { importBatch(input: $i) { results { status errors { code } } } }",
        {"i": {"photoGroups": [{"hotpreview": b64(b"\xff\xd8x"), "images": [{"filename": "A", "exifData": "*"}]}]}},
    )
    assert data(bad_b64)["importBatch"]["results"][0]["errors"] == [{"code": "INVALID_BASE64"}]
    for response in (bad_cursor, unknown_field, bad_b64):
        assert "Traceback" not in str(response) and "File \"" not in str(response)
