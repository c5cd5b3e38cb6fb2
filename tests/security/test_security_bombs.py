"""Query bombs against a real ``imalink serve`` process on a library of 400 photos.

Each is the request of issue 8 (or a sibling found while fixing it) and must be refused or
answered within 0.5 s, with the server's peak memory under 400 MB and the server still healthy.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from graphql import get_introspection_query

from tests.security.library import build_library
from tests.support.databases import backends, fresh_database
from tests.support.process import ServerProcess, serve_process

BOMB_SECONDS = 0.5
MEMORY_MB = 400


def _fan_out(levels: int) -> str:
    fragments = "".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(levels))
    return "query { ...F0 }\n" + fragments + f"fragment F{levels} on Query {{ __typename }}"


# name -> (query, the code it is refused with, or None when it is answered)
BOMBS: dict[str, tuple[str, str | None]] = {
    # Issue 8: 216 bytes, answered after 37 s with 15 MB.
    "three levels of first:20": (
        "{photos(first:20){edges{node{importSession{photos(first:20){edges{node{importSession{"
        "photos(first:20){edges{node{id}}}}}}}}}}}}",
        "QUERY_TOO_DEEP",
    ),
    # Issue 8: 165 bytes, no answer within 60 s; the server reached 6.5 GB.
    "two levels of first:500": (
        "{photos(first:500){edges{node{importSession{photos(first:500){edges{node{id}}}}}}}}",
        "QUERY_TOO_COSTLY",
    ),
    # Issue 8: 20 s and 17.6 MB. Past the token limit before anything else.
    "500 aliases of a photo page": (
        "{" + " ".join(f"a{i}: photos(first:500){{edges{{node{{id hothash}}}}}}" for i in range(500)) + "}",
        "TOO_MANY_TOKENS",
    ),
    "60 aliases of a photo count": (
        "{" + " ".join(f"a{i}: photos(first:500){{totalCount}}" for i in range(60)) + "}",
        "TOO_MANY_ALIASES",
    ),
    "30 aliases of a photo page (each under every limit)": (
        "{" + " ".join(f"a{i}: photos(first:500){{edges{{node{{id hothash takenAt}}}}}}" for i in range(30)) + "}",
        "QUERY_TOO_COSTLY",
    ),
    # Issue 8: a 5 MB query of one field repeated never came back.
    "5 MB of one field repeated": ("{ photos { " + "totalCount " * 480_000 + "} }", "QUERY_TOO_LARGE"),
    "one field repeated within the text cap": ("{ " + "__typename " * 900 + "}", "DUPLICATE_FIELDS"),
    # graphql-core compares every pair of fields sharing a response key: quadratic validation.
    "100 conflicting fields": (
        "{" + " ".join(f"photos(first:{i}){{totalCount}}" for i in range(100)) + "}",
        "DUPLICATE_FIELDS",
    ),
    # Strawberry's QueryDepthLimiter and MaxAliasesLimiter walk each spread again: 2^30 walks.
    "fragment fan-out": (_fan_out(30), None),
    "every hotpreview of a page": ("{photos(first:500){edges{node{hotpreview}}}}", "QUERY_TOO_COSTLY"),
    "decoded EXIF of every file of a page": (
        "{photos(first:500){edges{node{images{exif exifData}}}}}",
        "QUERY_TOO_COSTLY",
    ),
    "circular introspection": (
        "{__schema{types{fields{type{fields{type{fields{type{fields{type{name}}}}}}}}}}}",
        "CIRCULAR_INTROSPECTION",
    ),
    "image-photo cycle": (
        "{photos(first:50){edges{node{images{photo{images{photo{images{photo{images{id}}}}}}}}}}}",
        "QUERY_TOO_DEEP",
    ),
    "deep ofType chain": ("{__type(name:\"Photo\"){" + "ofType{" * 40 + "name" + "}" * 41 + "}", None),
    "selections nested past the parser's limit": ("{" + "a{" * 400 + "b" + "}" * 401, "QUERY_TOO_DEEP"),
    "ten directives on a field": ("{ __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }", "TOO_MANY_DIRECTIVES"),
}


@pytest.fixture(scope="module", params=backends())
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp(f"bombs-{request.param}")
    databases = fresh_database(request.param, directory)
    url, engine = next(databases)
    engine.dispose()
    try:
        with serve_process(url, directory) as served:
            with httpx.Client(base_url=served.base, timeout=120) as client:
                build_library(client)
            yield served
    finally:
        databases.close()


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_is_refused_or_answered_within_half_a_second(server: ServerProcess, name: str) -> None:
    query, code = BOMBS[name]
    with httpx.Client(base_url=server.base, timeout=60) as client:
        client.get("/healthz")  # connect first: the bomb's time is the server's
        elapsed = []
        for _ in range(3):  # the best of three: the machine is shared, a refusal takes milliseconds
            started = time.perf_counter()
            response = client.post("/graphql", json={"query": query})
            elapsed.append(time.perf_counter() - started)
            body = response.json()
            if code is None:
                assert "errors" not in body, body
            else:
                assert body.get("data") is None and [e["extensions"]["code"] for e in body["errors"]] == [code], body
                assert len(response.content) < 1000, "a refusal is one short error"
        assert min(elapsed) < BOMB_SECONDS, f"{name}: {min(elapsed):.3f} s"
        print(f"{name}: {min(elapsed) * 1000:.1f} ms, {code or 'answered'}")
        assert client.get("/healthz", timeout=2).status_code == 200
    assert server.memory_mb("VmHWM") < MEMORY_MB


def test_the_largest_real_pages_pass_the_limits(server: ServerProcess) -> None:
    """What the web app and the importer ask for is never refused (and how long it takes)."""
    timeline = """
    query Timeline($first: Int!) {
      photos(first: $first) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node {
          id hothash width height takenAt takenAtOffset takenAtSource cameraMake cameraModel lensModel
          focalLength aperture iso exposureTime orientation gpsLatitude gpsLongitude gpsAltitude
          title description tags rating userRotation createdAt updatedAt hotpreviewUrl
          images { id filename fileSize hothash }
          importSession { id storageDirectory description status startedAt }
        } }
      }
    }"""
    photo_view = """
    query Photo($h: String!) {
      photo(hothash: $h) {
        hothash takenAt cameraModel lensModel hotpreview
        images { filename fileSize exif exifData importSession { id storageDirectory } }
        importSession { id storageDirectory photos(first: 50) { edges { node { hothash hotpreviewUrl } } } }
      }
    }"""
    with httpx.Client(base_url=server.base, timeout=60) as client:
        started = time.perf_counter()
        page = client.post("/graphql", json={"query": timeline, "variables": {"first": 500}}).json()
        elapsed = time.perf_counter() - started
        assert "errors" not in page and len(page["data"]["photos"]["edges"]) == 400
        print(f"timeline page of 400 photos with images and sessions: {elapsed:.3f} s")
        hothash = page["data"]["photos"]["edges"][0]["node"]["hothash"]
        view = client.post("/graphql", json={"query": photo_view, "variables": {"h": hothash}}).json()
        assert "errors" not in view and len(view["data"]["photo"]["images"]) == 2
        standard = client.post("/graphql", json={"query": get_introspection_query(descriptions=True)}).json()
        assert "errors" not in standard and len(standard["data"]["__schema"]["types"]) > 25
