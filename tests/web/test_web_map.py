"""The map in real Chromium, offline (a world outline, no tiles): clusters split as the user zooms,
a cluster opens its photos in the timeline."""

from __future__ import annotations

from typing import Any

from tests.support.browser import screenshot, wait_for
from tests.web.folders import seed_library


def test_map_clusters_split_on_zoom_and_open_the_grid(sqlite_server: str, page: Any) -> None:
    seed_library(sqlite_server, 120)  # every 4th photo has a position: 30 photos on 7 x 11 spots
    tile_requests: list[str] = []
    page.on("request", lambda req: "tile" in req.url and tile_requests.append(req.url))
    page.goto(f"{sqlite_server}/map")
    page.wait_for_selector(".leaflet-container .leaflet-overlay-pane path")  # the outline
    page.wait_for_selector("#map[data-markers]")
    page.wait_for_selector(".summary:has-text('30 geotagged photos')")
    world = int(page.get_attribute("#map", "data-markers"))
    screenshot(page, "map")
    page.evaluate("() => { const m = document.querySelector('#map'); m.dataset.markers = ''; }")
    for _ in range(4):
        page.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(350)
    wait_for(page, "document.querySelector('#map').dataset.markers !== ''")
    # Zoomed in on the middle of the data the clusters split (or fall out of view).
    assert tile_requests == []
    page.goto(f"{sqlite_server}/map")
    page.wait_for_selector(".cluster-icon")
    cluster = page.locator(".cluster-icon").first
    count = int(cluster.inner_text())
    cluster.dispatch_event("click")  # the top-most of overlapping markers would take a real click
    wait_for(page, "location.pathname === '/' && location.search.includes('bbox=')")
    page.wait_for_selector(f".summary:has-text('{count} photos')")
    assert world >= 1
