"""The ASGI application: GraphQL (with GraphiQL), the preview routes and a health check.

Middleware, outermost first: the security headers (imalink/headers.py), CORS (an allowlist, none by
default), the memory reclaim after large requests, then the request guard (body size and pace, time
limit, work stops when the client goes; imalink/guard.py).
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
from anyio import to_thread
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from imalink.auth import Authenticator
from imalink.db import interrupts, maintenance
from imalink.db.engine import make_engine
from imalink.db.migrate import upgrade_to_head
from imalink.graphql_view import ImalinkGraphQL
from imalink.guard import RequestGuard, guard_of
from imalink.headers import SecurityHeaders
from imalink.media import media_routes
from imalink.reclaim import MemoryReclaim
from imalink.settings import Settings
from imalink.web import web_routes

logger = logging.getLogger("imalink.app")


def _lifespan(engine: Engine, settings: Settings) -> Any:
    """Close sessions whose importer went quiet and keep the planner's statistics fresh while
    serving (db/maintenance.py); when the server stops, stop the requests still running and
    dispose of the engine."""

    async def keep_statistics() -> None:
        while True:
            await anyio.sleep(maintenance.INTERVAL_SECONDS)
            try:
                await to_thread.run_sync(maintenance.refresh_if_stale, engine)
            except Exception:
                logger.exception("refreshing planner statistics failed")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await _interrupt_idle_sessions(engine, settings.session_idle_timeout)  # before the first request
        # Everything made so far (schema, tables, modules) lives as long as the process: keep it out
        # of the collector's full passes, which a request allocating 10,000 answers triggers
        # (existingFiles: 163 -> 122 CPU ms, benchmarks/precheck_bench.py).
        gc.freeze()
        async with anyio.create_task_group() as background:
            background.start_soon(_interrupting_idle_sessions, engine, settings.session_idle_timeout)
            background.start_soon(keep_statistics)
            yield
            background.cancel_scope.cancel()
        # Requests still running when the server stops: their statements stop too.
        guard = guard_of(app.middleware_stack)
        if guard is not None:
            guard.cancel_all()
        interrupts.wait_for_cancel_requests(timeout=5)
        engine.dispose()

    return lifespan


async def _interrupting_idle_sessions(engine: Engine, idle_seconds: float) -> None:
    while True:
        await anyio.sleep(min(max(idle_seconds / 4, 1.0), 300.0))
        await _interrupt_idle_sessions(engine, idle_seconds)


async def _interrupt_idle_sessions(engine: Engine, idle_seconds: float) -> None:
    """No session stays "in progress" after its importer (or a killed server) left it: at start,
    then every while, sessions idle past ``idle_seconds`` are interrupted (a batch resumes them)."""
    try:
        count = await to_thread.run_sync(maintenance.interrupt_idle_sessions, engine, idle_seconds)
    except Exception:  # e.g. the database is briefly away: try again next round
        logger.warning("Could not interrupt idle import sessions", exc_info=True)
    else:
        if count:
            logger.info("Interrupted %d import session(s) idle for %.0f s", count, idle_seconds)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Starlette:
    """The app for ``settings``; the database is migrated to the newest schema first."""
    settings = settings or Settings()
    engine = engine or make_engine(settings.database_url)
    upgrade_to_head(engine)
    maintenance.refresh_if_stale(engine)

    async def healthz(request: Request) -> JSONResponse:
        def ping() -> None:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        await to_thread.run_sync(ping)
        return JSONResponse({"status": "ok", "database": engine.dialect.name})

    authenticator = Authenticator(engine)
    graphql = ImalinkGraphQL(engine, settings.schema_settings(), settings.query_limits(), authenticator)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *media_routes(engine, graphql.settings, authenticator),
            Route("/healthz", healthz),
            *web_routes(map_tiles=settings.map_tiles),
        ],
        lifespan=_lifespan(engine, settings),
    )
    app.state.engine = engine
    app.state.settings = settings
    app.add_middleware(
        RequestGuard,
        max_body_bytes=settings.max_request_bytes,
        body_timeout=settings.body_timeout,
        min_body_rate=settings.min_body_rate,
        request_timeout=settings.request_timeout,
    )
    # Outside the guard: once it returns, nothing of the request is referenced any more.
    app.add_middleware(MemoryReclaim)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", "Authorization"],
        allow_credentials=True,
        max_age=600,
    )
    app.add_middleware(SecurityHeaders)
    return app
