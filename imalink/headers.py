"""The browser's security policies for every response, in one place.

- Every response: ``X-Content-Type-Options: nosniff`` (a preview or a JSON answer is never run as
  a script or page), ``Referrer-Policy: strict-origin-when-cross-origin`` (a photo's address,
  ``/photo/<hothash>``, never leaves in a Referer; a tile server sees only the origin, which
  OpenStreetMap's tile policy asks for), and no framing by other sites (``X-Frame-Options`` and
  the policy's ``frame-ancestors``): a page of the library cannot be laid under another site's
  buttons to have a user delete photos or make a token.
- HTML pages (the web app, GraphiQL; imalink/web.py): a Content-Security-Policy that runs scripts
  only from this server and the page's own inline scripts named by their SHA-256, so a file name
  or EXIF text that ever reached the page as markup could not run. Images may also come from a
  tile server over https (the map's tiles, web/src/views/geo.js), or over http from the one the
  operator configured; styles may be inline (Leaflet and GraphiQL set them).
- Every other response: a policy that allows nothing (a JPEG or JSON opened on its own can load
  nothing and run nothing).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}
NOTHING_ALLOWED = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


def inline_script_hashes(html: bytes) -> list[str]:
    """CSP sources for the page's inline scripts (``<script>`` without ``src``): their SHA-256."""
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'" for body in _INLINE_SCRIPT.findall(html)]


def page_policy(script_hashes: Iterable[str] = (), map_tiles: str | None = None) -> str:
    """The Content-Security-Policy of an HTML page whose inline scripts have ``script_hashes``;
    ``map_tiles``: the operator's tiles (``Settings.map_tiles``), let through over plain http too
    (a tile server on the local network)."""
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *script_hashes]),
            "style-src 'self' 'unsafe-inline'",
            " ".join(["img-src 'self' data: blob: https:", *_plain_http_origin(map_tiles)]),
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _plain_http_origin(template: str | None) -> list[str]:
    """The origin of a tile URL template served over plain http, as a policy source (none otherwise)."""
    if not template or not template.startswith("http://"):
        return []
    return [f"http://{urlsplit(template).netloc.replace('{s}', '*')}"]  # {s}: the template's subdomains


class SecurityHeaders:
    """ASGI middleware: :data:`ALWAYS` on every HTTP response, and :data:`NOTHING_ALLOWED` as the
    policy of any response that brings none of its own (an HTML page brings :func:`page_policy`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in ALWAYS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", NOTHING_ALLOWED.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
