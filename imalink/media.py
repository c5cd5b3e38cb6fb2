"""The preview routes beside GraphQL: ``/hotpreview/{hothash}.jpg`` and ``/coldpreview/{hothash}.jpg``.

Who may see a preview and its bytes come from ``schema/previews.py``; this module only turns them
into HTTP responses.

Each serves only the asking viewer's photos, as ``image/jpeg`` with a strong ETag (the SHA-256 of
the bytes) and ``Cache-Control: immutable``: the bytes behind a URL never change while the photo lives.
"""

from __future__ import annotations

import hashlib
from anyio import to_thread
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from imalink.auth import Authenticator
from imalink.web import ONE_YEAR
from imalink.schema.context import SchemaSettings, Viewer
from imalink.schema.enums import ErrorCode
from imalink.schema.photos.types import COLDPREVIEW_ROUTE, HOTPREVIEW_ROUTE
from imalink.schema.previews import coldpreview_of, hotpreview_of, hotpreview_unless_accounts, preview_refusal


def _jpeg(request: Request, data: bytes | None, etag: str | None = None) -> Response:
    if data is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    etag = f'"{etag or hashlib.sha256(data).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": f"private, max-age={ONE_YEAR}, immutable"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="image/jpeg", headers=headers)


def _refused(viewer: Viewer) -> Response | None:
    """401 or 403 when the viewer may not see previews (the same rule as the read fields)."""
    found = preview_refusal(viewer)
    if found is None:
        return None
    code, message = found
    return Response(message, status_code=401 if code is ErrorCode.UNAUTHENTICATED else 403, media_type="text/plain")


def media_routes(engine: Engine, settings: SchemaSettings, authenticator: Authenticator) -> list[Route]:
    """The preview routes; ``authenticator`` tells whose library a request may see."""
    viewer_of = authenticator.viewer

    async def hot(request: Request) -> Response:
        hothash = request.path_params["hothash"]
        if authenticator.local_owner_unless_accounts(request):
            # A server without accounts (so far): whether one exists now is asked with the read, in
            # one trip to a worker thread and one connection (a second trip cost ~10 % of a
            # thumbnail's server time), and never remembered while the answer is no.
            accounts_exist, data = await to_thread.run_sync(hotpreview_unless_accounts, engine, hothash)
            if not accounts_exist:
                return _jpeg(request, data, hothash.lower())
            authenticator.accounts_seen()  # the request goes on as nobody: refused below
        viewer = await viewer_of(request)
        if (refused := _refused(viewer)) is not None:
            return refused
        data = await to_thread.run_sync(hotpreview_of, engine, viewer, hothash)
        return _jpeg(request, data, hothash.lower())  # the hothash is the SHA-256 of these very bytes

    async def cold(request: Request) -> Response:
        viewer = await viewer_of(request)
        if (refused := _refused(viewer)) is not None:
            return refused
        return _jpeg(request, await to_thread.run_sync(coldpreview_of, settings, viewer, request.path_params["hothash"]))

    return [
        Route(HOTPREVIEW_ROUTE, hot, methods=["GET", "HEAD"]),
        Route(COLDPREVIEW_ROUTE, cold, methods=["GET", "HEAD"]),
    ]
