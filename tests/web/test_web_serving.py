"""The web app as the server serves it: pages, hashed assets, GraphiQL from local files."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.browser import PageGuard, screenshot


def test_pages_revalidate_and_hashed_assets_are_immutable(sqlite_server: str, browser: Any) -> None:
    index = httpx.get(f"{sqlite_server}/")
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/html")
    assert index.headers["cache-control"] == "no-cache"
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', index.text)
    assert assets, index.text
    for asset in assets:
        res = httpx.get(f"{sqlite_server}{asset}")
        assert res.status_code == 200, asset
        assert res.headers["cache-control"] == "public, max-age=31536000, immutable"
    # Every view's URL answers with the app, so a bookmark or a reload works.
    for path in ("/photo/" + "a" * 64, "/map", "/import", "/account"):
        assert httpx.get(f"{sqlite_server}{path}").text == index.text
    assert httpx.get(f"{sqlite_server}/assets/nothing-here.js").status_code == 404


def test_graphiql_runs_offline_from_local_assets(sqlite_server: str, page: Any, guard: PageGuard) -> None:
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    html = httpx.get(f"{sqlite_server}/graphql", headers={"Accept": "text/html"})
    assert html.status_code == 200
    assert not re.search(r"unpkg|jsdelivr|cdn", html.text, re.I)
    page.goto(f"{sqlite_server}/graphql")
    page.wait_for_selector(".graphiql-container")
    page.wait_for_selector(".graphiql-query-editor .CodeMirror", state="attached")
    screenshot(page, "graphiql")
    assert requests and all(url.startswith(sqlite_server) or url.startswith("data:") for url in requests), requests


def test_first_load_transfers_little_and_loads_no_map_or_graphiql(sqlite_server: str, page: Any) -> None:
    page.goto(f"{sqlite_server}/")
    page.wait_for_selector(".timeline .summary:has-text('photos')")
    page.wait_for_load_state("networkidle")
    # What went over the wire (compressed where the server compressed it), per resource.
    sizes = page.evaluate("performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation')).map(e => [e.name, e.transferSize, e.decodedBodySize])")
    loaded = " ".join(name for name, _, _ in sizes)
    assert "graphiql" not in loaded.lower() and "/geo-" not in loaded, sizes
    transferred = sum(t for _, t, _ in sizes)
    assert 0 < transferred < 300_000, sizes
    scripts = [(t, d) for name, t, d in sizes if name.endswith(".js")]
    assert scripts and all(t < d for t, d in scripts if d > 2048), scripts  # compressed


def test_serve_says_what_to_run_when_the_web_app_is_not_built(tmp_path: Any, monkeypatch: Any, capsys: Any) -> None:
    import imalink.web
    from imalink.cli import _announce_web_app
    from imalink.settings import Settings
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    from starlette.applications import Starlette

    missing = tmp_path / "dist"
    monkeypatch.setattr(imalink.web, "WEB_DIST", missing)
    _announce_web_app(Settings())
    assert "npm --prefix web ci && npm --prefix web run build" in capsys.readouterr().err

    async def ask(*paths: str) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=Starlette(routes=imalink.web.web_routes(missing)))
        async with httpx.AsyncClient(transport=transport, base_url="http://imalink") as client:
            return [await client.get(path) for path in paths]

    # Its own thread: the browser tests' sync Playwright leaves an event loop running on this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        page, script = pool.submit(asyncio.run, ask("/", "/assets/app.js")).result()
    assert page.status_code == 503
    assert "npm --prefix web ci && npm --prefix web run build" in page.text
    assert script.status_code == 404
