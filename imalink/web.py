"""Serving the web app (``web/dist``, built by npm) and the offline GraphiQL page.

The build writes content-hashed files under ``assets/``: they never change under their name, so
they are cached for a year. The HTML pages name the current assets and must be revalidated on
every load (``no-cache``), so a new build is picked up at once.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from imalink.headers import inline_script_hashes, page_policy

WEB_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
BUILD_COMMAND = "npm --prefix web ci && npm --prefix web run build"
# Paths of the app's own views: each answers with index.html, the app routes in the browser.
APP_PATHS = ("/", "/photo/{hothash}", "/map", "/import", "/account", "/signin")

ONE_YEAR = 31_536_000
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
REVALIDATE = "no-cache"


def missing_message(dist: Path) -> str:
    """What to run when the web app has not been built."""
    return f"The imalink web app is not built ({dist} is missing). From the repository, run: {BUILD_COMMAND}"


class HashedAssets(StaticFiles):
    """Static files whose names carry their content hash: cached for good."""

    async def check_config(self) -> None:
        if Path(str(self.directory)).is_dir():
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not Path(str(self.directory)).is_dir():  # not built (yet): 404, not a crash
            return Response("Not found", status_code=404, media_type="text/plain")
        return await super().get_response(path, scope)

    def file_response(self, full_path: object, stat_result: object, scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = IMMUTABLE
        return response


def _not_built(dist: Path) -> Response:
    body = (
        "<!doctype html><meta charset=utf-8><title>imalink</title>"
        f"<p>{missing_message(dist)}</p>"
    )
    return HTMLResponse(body, status_code=503, headers={"Cache-Control": REVALIDATE})


def page(dist: Path, name: str, map_tiles: str | None = None) -> Response:
    """An HTML page of the build (revalidated on each load) with its security policy, or how to build it.

    ``map_tiles``: the operator's tiles (``Settings.map_tiles``), given to the app's scripts as
    ``<html data-tiles>`` before anything else runs, and let through the page's policy."""
    path = dist / name
    if not path.is_file():
        return _not_built(dist)
    stat = path.stat()
    body, policy = _prepared(str(path), stat.st_mtime_ns, stat.st_size, map_tiles)
    headers = {"Cache-Control": REVALIDATE, "Content-Security-Policy": policy}
    if map_tiles is None:  # the file as built, with its validators
        return FileResponse(path, media_type="text/html", headers=headers)
    return HTMLResponse(body, headers=headers)


@functools.lru_cache(maxsize=8)
def _prepared(path: str, _mtime_ns: int, _size: int, map_tiles: str | None) -> tuple[bytes, str]:
    """The page as served and its policy, naming its inline scripts by hash: read once per build
    (a new build, of another time or size, is read again)."""
    body = Path(path).read_bytes()
    if map_tiles is not None:
        attribute = f' data-tiles="{html.escape(map_tiles, quote=True)}"'
        body = body.replace(b"<html", f"<html{attribute}".encode(), 1)
    return body, page_policy(inline_script_hashes(body), map_tiles)


def graphiql_page(dist: Path = WEB_DIST) -> Response:
    """GraphiQL from the locally built assets (never from a CDN)."""
    return page(dist, "graphiql.html")


def web_routes(dist: Path = WEB_DIST, map_tiles: str | None = None) -> list[BaseRoute]:
    """The app's pages and hashed assets; mount after the API routes. ``map_tiles``: see :func:`page`."""

    async def app_page(request: Request) -> Response:
        return page(dist, "index.html", map_tiles)

    routes: list[BaseRoute] = [Route(path, app_page, methods=["GET", "HEAD"]) for path in APP_PATHS]
    # Scripts and styles compress 3-4x; the JPEG previews (other routes) are left alone.
    assets = GZipMiddleware(HashedAssets(directory=dist / "assets", check_dir=False), minimum_size=1024)
    routes.append(Mount("/assets", app=assets, name="assets"))
    return routes
