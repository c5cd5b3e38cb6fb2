"""The ASGI application: GraphQL (with GraphiQL), the preview routes and a health check."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from anyio import to_thread
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from imalink.db.engine import make_engine
from imalink.db.migrate import upgrade_to_head
from imalink.body_limit import BodySizeLimit
from imalink.media import media_routes
from imalink.settings import Settings
from imalink.web import graphiql_page, web_routes
from imalink.schema import build_schema
from imalink.schema.context import LOCAL_OWNER, Context, SchemaSettings


class ImalinkGraphQL(GraphQL):
    """Strawberry's ASGI view with a fresh context (and DataLoaders) per request."""

    def __init__(self, engine: Engine, settings: SchemaSettings) -> None:
        super().__init__(build_schema(), graphql_ide="graphiql")
        self.engine = engine
        self.settings = settings

    async def get_context(self, request: Any, response: Any = None) -> Context:
        return Context.for_request(self.engine, self.settings, LOCAL_OWNER)

    async def render_graphql_ide(self, request: Any) -> Response:
        # The web build's GraphiQL: works offline, no script from a CDN.
        return graphiql_page()

    # A batch request is megabytes of JSON: orjson parses it several times faster than json.
    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)


def _disposing(engine: Engine) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        engine.dispose()

    return lifespan


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    """The app for ``settings``; the database is migrated to the newest schema first."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    upgrade_to_head(engine)

    async def healthz(request: Request) -> JSONResponse:
        def ping() -> None:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        await to_thread.run_sync(ping)
        return JSONResponse({"status": "ok", "database": engine.dialect.name})

    graphql = ImalinkGraphQL(engine, settings.schema_settings())
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *media_routes(engine, graphql.settings, lambda request: LOCAL_OWNER),
            Route("/healthz", healthz),
            *web_routes(),
        ],
        lifespan=_disposing(engine),
    )
    app.state.engine = engine
    app.state.settings = settings
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    return app
