"""The preview routes beside GraphQL: ``/hotpreview/{hothash}.jpg``, ``/coldpreview/{hothash}.jpg``
and ``/hotpreviews?h=<hothash>,<hothash>,...`` (many hotpreviews in one answer).

Who may see a preview and its bytes come from ``schema/previews.py``; this module only turns them
into HTTP responses.

Each serves only the asking viewer's photos, as ``image/jpeg`` with a strong ETag (the SHA-256 of
the bytes) and ``Cache-Control: immutable``: the bytes behind a URL never change while the photo lives.

``/hotpreviews`` exists for the web app's grid: a screen of thumbnails is one request instead of
dozens queued six at a time (HTTP/1.1's connections per host), and the server pays its per-request
cost (middleware, the viewer, a worker thread) once. Its body is, for each hash in the order asked,
a 4-byte big-endian length and that many bytes of JPEG (length 0: malformed, or not the viewer's photo).
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Awaitable, Callable

from anyio import to_thread
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from imalink.schema.context import SchemaSettings, Viewer
from imalink.schema.enums import ErrorCode
from imalink.schema.previews import coldpreview_of, hotpreview_of, hotpreviews_of, preview_refusal

ONE_YEAR = 31_536_000
IMMUTABLE = f"private, max-age={ONE_YEAR}, immutable"
HOTPREVIEWS_TYPE = "application/vnd.imalink.hotpreviews"


def _jpeg(request: Request, data: bytes | None, etag: str | None = None) -> Response:
    if data is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    etag = f'"{etag or hashlib.sha256(data).hexdigest()}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="image/jpeg", headers=headers)


def _error(status: int, code: ErrorCode, message: str) -> Response:
    """An error in the GraphQL shape the app's other errors have."""
    return JSONResponse({"data": None, "errors": [{"message": message, "extensions": {"code": code.value}}]}, status_code=status)


def _packed(previews: list[bytes | None]) -> bytes:
    """Each preview as a 4-byte big-endian length and its bytes (0 and nothing for a missing one)."""
    parts: list[bytes] = []
    for data in previews:
        parts.append(struct.pack(">I", len(data or b"")))
        if data:
            parts.append(data)
    return b"".join(parts)


def _refused(viewer: Viewer) -> Response | None:
    """401 or 403 when the viewer may not see previews (the same rule as the read fields)."""
    found = preview_refusal(viewer)
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
        data = await to_thread.run_sync(hotpreview_of, engine, viewer, hothash)
        return _jpeg(request, data, hothash.lower())  # the hothash is the SHA-256 of these very bytes

    async def many(request: Request) -> Response:
        viewer = await viewer_of(request)
        if (refused := _refused(viewer)) is not None:
            return refused
        asked = [h for h in request.query_params.get("h", "").split(",") if h]
        limit = settings.max_hotpreviews_per_request
        if not asked or len(asked) > limit:
            return _error(400, ErrorCode.TOO_MANY_HOTHASHES, f"Ask for 1 to {limit} hotpreviews (?h=<hothash>,<hothash>), not {len(asked)}.")
        previews = await to_thread.run_sync(hotpreviews_of, engine, viewer, asked)
        return Response(_packed(previews), media_type=HOTPREVIEWS_TYPE, headers={"Cache-Control": IMMUTABLE})

    async def cold(request: Request) -> Response:
        viewer = await viewer_of(request)
        if (refused := _refused(viewer)) is not None:
            return refused
        return _jpeg(request, await to_thread.run_sync(coldpreview_of, settings, viewer, request.path_params["hothash"]))

    return [
        Route("/hotpreview/{hothash}.jpg", hot, methods=["GET", "HEAD"]),
        Route("/hotpreviews", many, methods=["GET"]),
        Route("/coldpreview/{hothash}.jpg", cold, methods=["GET", "HEAD"]),
    ]
