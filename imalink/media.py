"""The preview routes beside GraphQL: ``/hotpreview/{hothash}.jpg`` and ``/coldpreview/{hothash}.jpg``.

Like the schema, this module answers requests through ``resolvers`` (it is the HTTP sibling of
``schema/``); the rest of the app package only wires.

Each serves only the asking viewer's photos, as ``image/jpeg`` with a strong ETag (the SHA-256 of
the bytes) and ``Cache-Control: immutable``: the bytes behind a URL never change while the photo lives.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from anyio import to_thread
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from imalink.resolvers.accounts import Scope
from imalink.resolvers.media import coldpreview, hotpreview
from imalink.schema.context import SchemaSettings, Viewer
from imalink.schema.enums import ErrorCode
from imalink.schema.permissions import Access, refusal

ONE_YEAR = 31_536_000
SEES_PREVIEWS = Access(any_of=frozenset({Scope.READ}))


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
    found = refusal(viewer, "previews", SEES_PREVIEWS)
    if found is None:
        return None
    code, message = found
    return Response(message, status_code=401 if code is ErrorCode.UNAUTHENTICATED else 403, media_type="text/plain")


def media_routes(
    engine: Engine, settings: SchemaSettings, viewer_of: Callable[[Request], Awaitable[Viewer]]
) -> list[Route]:
    """The preview routes; ``viewer_of`` tells whose library a request may see."""

    async def hot(request: Request) -> Response:
        viewer = await viewer_of(request)
        if (refused := _refused(viewer)) is not None:
            return refused
        hothash = request.path_params["hothash"]
        data = await to_thread.run_sync(hotpreview, engine, viewer.user_id, hothash)
        return _jpeg(request, data, hothash.lower())  # the hothash is the SHA-256 of these very bytes

    async def cold(request: Request) -> Response:
        viewer = await viewer_of(request)
        if (refused := _refused(viewer)) is not None:
            return refused
        return _jpeg(request, await to_thread.run_sync(coldpreview, settings.media, viewer.user_id, request.path_params["hothash"]))

    return [
        Route("/hotpreview/{hothash}.jpg", hot, methods=["GET", "HEAD"]),
        Route("/coldpreview/{hothash}.jpg", cold, methods=["GET", "HEAD"]),
    ]
