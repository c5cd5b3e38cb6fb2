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

import msgspec
import orjson
from cross_web import HTTPException, StarletteRequestAdapter
from sqlalchemy import Engine
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from imalink.auth import Authenticator, write_session_cookie
from imalink.guard import error_body, send_error
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


class WholeBodyAdapter(StarletteRequestAdapter):
    """Starlette's request for Strawberry, its body read without a second copy.

    ``Request.body()`` joins what the stream yields, and the stream ends with an empty chunk: a
    body that arrives whole (as the request guard replays it) is copied again, 5 MB for a batch
    of 100 photo groups. Joining only the non-empty chunks hands a single one over as it is."""

    async def get_body(self) -> bytes:
        return b"".join([chunk async for chunk in self._request.stream() if chunk])


class ImalinkGraphQL(GraphQL):
    """Strawberry's ASGI view with a fresh context (its viewer, DataLoaders) per request."""

    request_adapter_class = WholeBodyAdapter

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

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context, root_value)
        except HTTPException as refused:
            # Strawberry answers a request it cannot read as GraphQL in plain text; a client's JSON
            # parser gets the GraphQL-shaped error every other refusal has, with its code.
            code = refused.code if isinstance(refused, CodedRefusal) else _REFUSAL_CODES.get(refused.status_code, ErrorCode.INVALID_REQUEST)
            return Response(error_body(code, refused.reason), status_code=refused.status_code, media_type=JSON)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            return self.decode_json(data)
        except msgspec.ValidationError as error:  # JSON, but a number past what Python holds (1e400, 5,000 digits)
            raise CodedRefusal(400, ErrorCode.INVALID_JSON, "The request body has a number out of range.") from error
        except (msgspec.DecodeError, RecursionError) as error:  # RecursionError: arrays nested past Python's stack
            raise CodedRefusal(400, ErrorCode.INVALID_JSON, "The request body is not valid JSON.") from error

    # A batch request is megabytes of JSON, mostly base64 strings: msgspec parses a batch of 100
    # photo groups (5.3 MB) in 1.7 ms, orjson in 3.8, json in 3.5 (benchmarks/import_bench.py's
    # bodies); and it keeps an integer past 64 bits exact, where orjson makes it a float.
    def decode_json(self, data: str | bytes) -> object:
        return msgspec.json.decode(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


class CodedRefusal(HTTPException):
    """A request refused before it reached the schema, with the code its answer carries."""

    def __init__(self, status_code: int, code: ErrorCode, reason: str) -> None:
        super().__init__(status_code, reason)
        self.code = code


_REFUSAL_CODES = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}
"""The code of Strawberry's own refusals by HTTP status; any other is a request that is not
GraphQL over HTTP as the server takes it (no query, variables not an object, an unknown operation
name): ``INVALID_REQUEST``."""


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
