"""Whose tiles the maps show: the server's choice (IMALINK_MAP_TILES), or a browser's own.

Each tile a browser asks for tells the tile server a place the viewer looks at (in the photo
view, where the photo was taken), so the operator chooses the default for everyone and "none"
keeps every request on the library's server.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest
from PIL import Image

from imalink.settings import Settings
from tests.support.browser import PageGuard
from tests.support.server import another_site, running_server
from tests.web.folders import seed_library


@dataclass
class TileServer:
    """A tile server on this machine over plain http (as on a home network): real PNG tiles, and
    the paths it was asked for."""

    template: str
    asked: list[str]


@pytest.fixture
def tiles() -> Iterator[TileServer]:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (170, 200, 230)).save(buffer, "PNG")
    with another_site(buffer.getvalue(), "image/png") as (base, asked):
        yield TileServer(f"{base}/{{z}}/{{x}}/{{y}}.png", asked)


def serve(tmp_path: Path, map_tiles: str) -> Any:
    """The app on a fresh SQLite library (the app migrates it as it starts)."""
    return running_server(Settings(database_url=f"sqlite:///{tmp_path / 'tiles.db'}", map_tiles=map_tiles))


def fresh_page(browser: Any, guard: PageGuard, requests: list[str]) -> Any:
    """A page that has chosen no tiles of its own (the other tests' pages choose "none")."""
    page = browser.new_context(viewport={"width": 1000, "height": 700}).new_page()
    guard.attach(page)
    page.on("request", lambda req: requests.append(req.url))
    return page


def test_the_servers_tiles_until_a_browser_chooses_its_own(tmp_path: Path, browser: Any, tiles: TileServer) -> None:
    guard = PageGuard()
    requests: list[str] = []
    with serve(tmp_path, tiles.template) as base:
        seed_library(base, 40)  # every 4th photo has a position
        page = fresh_page(browser, guard, requests)
        page.goto(f"{base}/map")
        page.locator(".leaflet-tile-loaded").first.wait_for()
        assert tiles.asked and all(path.endswith(".png") for path in tiles.asked)
        assert page.locator("#map-tiles").input_value() == tiles.template
        assert all(url.startswith((base, tiles.template.split("/{z}")[0])) for url in requests), requests

        # This browser chooses the outline: no tile is asked for, from any server.
        page.fill("#map-tiles", "none")
        page.get_by_role("button", name="Use").click()
        page.locator(".leaflet-container .leaflet-overlay-pane path").first.wait_for()
        asked = len(tiles.asked)
        page.goto(f"{base}/map")
        page.locator(".leaflet-container .leaflet-overlay-pane path").first.wait_for()
        page.wait_for_timeout(300)
        assert len(tiles.asked) == asked and page.locator(".leaflet-tile").count() == 0

        # Emptied, the choice is the server's again.
        page.fill("#map-tiles", "")
        page.get_by_role("button", name="Use").click()
        page.locator(".leaflet-tile-loaded").first.wait_for()
        assert len(tiles.asked) > asked
        page.context.close()
    assert not guard.unexpected(), guard.unexpected()


def test_none_keeps_every_request_on_the_library(tmp_path: Path, browser: Any) -> None:
    guard = PageGuard()
    requests: list[str] = []
    with serve(tmp_path, "none") as base:
        seed_library(base, 40)
        page = fresh_page(browser, guard, requests)
        page.goto(f"{base}/map")
        page.locator(".leaflet-container .leaflet-overlay-pane path").first.wait_for()  # the outline
        page.locator(".leaflet-marker-icon").first.wait_for()
        # The photo view of a photo with a position: its mini-map asks nothing of anyone else either.
        page.goto(f"{base}/?gps=1")
        page.locator("a.thumb").first.click()
        page.locator("dialog.photo-view .mini-map .leaflet-overlay-pane path").first.wait_for()
        assert page.locator(".leaflet-tile").count() == 0
        assert requests and all(url.startswith(base) for url in requests), [u for u in requests if not u.startswith(base)]
        page.context.close()
    assert not guard.unexpected(), guard.unexpected()


def test_the_setting_is_given_to_the_page_and_checked(tmp_path: Path) -> None:
    odd = 'https://tiles.example.org/{z}/{x}/{y}.png?style="<b>"'
    with serve(tmp_path, odd) as base:
        html = httpx.get(f"{base}/").text
    assert '<html data-tiles="https://tiles.example.org/{z}/{x}/{y}.png?style=&quot;&lt;b&gt;&quot;"' in html
    for wrong in ("ftp://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org/tile.png", "javascript:alert(1)//{z}{x}{y}"):
        with pytest.raises(pydantic.ValidationError):
            Settings(map_tiles=wrong)
    assert Settings(map_tiles=" none ").map_tiles == "none"
