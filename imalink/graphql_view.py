"""The ``/graphql`` endpoint: Strawberry's ASGI view, and what may reach it over HTTP.

Operations arrive only as ``POST`` with ``Content-Type: application/json``. A browser can send a
cross-site request without asking first (a "simple request") only as ``text/plain``, a form or
multipart, and only by ``GET`` or ``POST``: none of those reaches the schema, so no page a user
visits can run an operation against their server, whatever its cookies. ``GET`` serves GraphiQL
(when introspection is on) and nothing else; array batches are refused by Strawberry.
"""

from __future__ import annotations

from email.message import Message as MimeHeader
from typing import Any

import orjson
from sqlalchemy import Engine
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL

from imalink.auth import Authenticator, write_session_cookie
from imalink.guard import send_error
from imalink.schema.enums import ErrorCode
from imalink.schema import build_schema
from imalink.schema.context import Context, SchemaSettings
from imalink.schema.limits import QueryLimits
from imalink.web import graphiql_page

JSON = "application/json"


def media_type(content_type: str) -> str:
    """The essence of a Content-Type header (``application/json; charset=utf-8`` -> ``application/json``)."""
    header = MimeHeader()
    header["content-type"] = content_type
    return header.get_content_type()


class ImalinkGraphQL(GraphQL):
    """Strawberry's ASGI view with a fresh context (its viewer, DataLoaders) per request."""

    def __init__(
        self, engine: Engine, settings: SchemaSettings, limits: QueryLimits, authenticator: Authenticator
    ) -> None:
        super().__init__(
            build_schema(limits),
            graphql_ide="graphiql" if limits.introspection else None,
            allow_queries_via_get=False,
        )
        self.engine = engine
        self.settings = settings
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = _refusal(scope)
            if refusal is not None:
                await send_error(send, *refusal)
                return
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Any, response: Any = None) -> Context:
        viewer = await self.authenticator.viewer(request)
        return Context.for_request(self.engine, self.settings, viewer)

    async def execute_operation(self, request: Any, request_adapter: Any, request_data: Any, context: Any,
                                root_value: Any, sub_response: Any) -> Any:
        result = await super().execute_operation(
            request=request, request_adapter=request_adapter, request_data=request_data,
            context=context, root_value=root_value, sub_response=sub_response,
        )
        write_session_cookie(request, context.session_cookie, sub_response)  # after signIn / signOut
        return result

    async def render_graphql_ide(self, request: Any) -> Any:
        # The web build's GraphiQL: works offline, no script from a CDN.
        return graphiql_page()

    # A batch request is megabytes of JSON: orjson parses it several times faster than json.
    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def _refusal(scope: Scope) -> tuple[int, ErrorCode, str] | None:
    """(status, code, message) for a request the endpoint does not take, else ``None``."""
    method = scope["method"]
    headers = dict(scope["headers"])
    if method == "POST":
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        if media_type(content_type) != JSON:
            return 415, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Send operations as POST with Content-Type: application/json."
        return None
    if method == "GET":
        if b"query=" in scope.get("query_string", b"") or b"text/html" not in headers.get(b"accept", b""):
            return 405, ErrorCode.METHOD_NOT_ALLOWED, "Send operations as POST with Content-Type: application/json; GET serves GraphiQL."
        return None
    return 405, ErrorCode.METHOD_NOT_ALLOWED, "Send operations as POST with Content-Type: application/json."
