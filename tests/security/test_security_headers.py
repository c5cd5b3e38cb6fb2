"""The browser policies on every response (imalink/headers.py), read over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from imalink.headers import NOTHING_ALLOWED
from imalink.settings import Settings
from imalink.web import WEB_DIST, page
from tests.support.graphql import HttpGraphQL, data
from tests.support.server import running_server
from tests.web.folders import seed_library

ALWAYS = {"x-content-type-options": "nosniff", "referrer-policy": "strict-origin-when-cross-origin", "x-frame-options": "DENY"}


@pytest.fixture
def server(database_url: str) -> Iterator[str]:
    with running_server(Settings(database_url=database_url)) as base:
        yield base


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def inline_hashes(html: str) -> list[str]:
    """What the test computes itself: the SHA-256 of each inline script of the page."""
    bodies = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in bodies]


@pytest.mark.skipif(not (WEB_DIST / "index.html").is_file(), reason="web/dist is not built (npm --prefix web run build)")
def test_pages_run_only_this_servers_scripts_and_cannot_be_framed(server: str) -> None:
    for path, accept in [("/", "*/*"), ("/photo/" + "a" * 64, "*/*"), ("/map", "*/*"), ("/graphql", "text/html")]:
        res = httpx.get(server + path, headers={"Accept": accept})
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/html"), path
        assert {k: res.headers.get(k) for k in ALWAYS} == ALWAYS, path
        policy = directives(res.headers["content-security-policy"])
        # Scripts: this server's files and the page's own inline scripts, named by their hash.
        assert policy["script-src"] == ["'self'", *inline_hashes(res.text)], path
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
        assert policy["connect-src"] == ["'self'"] and policy["default-src"] == ["'self'"]
    # The app's page has its early-request script inline; GraphiQL's page none.
    assert len(inline_hashes(httpx.get(server + "/").text)) == 1


def test_every_other_response_allows_nothing(server: str) -> None:
    seed_library(server, 1)
    photo = data(HttpGraphQL(server).execute("{ photos(first: 1) { edges { node { hotpreviewUrl } } } }"))
    preview = photo["photos"]["edges"][0]["node"]["hotpreviewUrl"]
    responses = {
        "a GraphQL answer": httpx.post(server + "/graphql", json={"query": "{ photos { totalCount } }"}),
        "a refused request": httpx.post(server + "/graphql", content=b"{", headers={"Content-Type": "application/json"}),
        "a hotpreview": httpx.get(server + preview),
        "the health check": httpx.get(server + "/healthz"),
        "a missing asset": httpx.get(server + "/assets/nothing-here.js"),
    }
    for what, res in responses.items():
        assert {k: res.headers.get(k) for k in ALWAYS} == ALWAYS, what
        assert res.headers["content-security-policy"] == NOTHING_ALLOWED, what
    assert responses["a hotpreview"].headers["content-type"] == "image/jpeg"


def test_a_new_build_gets_its_own_policy(tmp_path: Path) -> None:
    html = tmp_path / "index.html"
    html.write_text("<!doctype html><script>var built = 1;</script>")
    first = page(tmp_path, "index.html").headers["content-security-policy"]
    html.write_text("<!doctype html><script>var built = 22;</script>")  # another size: another build
    second = page(tmp_path, "index.html").headers["content-security-policy"]
    assert directives(first)["script-src"] == ["'self'", *inline_hashes("<script>var built = 1;</script>")]
    assert directives(second)["script-src"] == ["'self'", *inline_hashes("<script>var built = 22;</script>")]
