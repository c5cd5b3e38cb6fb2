"""Every HTTP request's budget: its body's size and pace, its time, and its client still listening.

:class:`RequestGuard` is ASGI middleware around the whole app:

1. It reads the body first, refusing it past ``max_body_bytes`` (413) and cutting off a client
   that sends it too slowly (408): after a grace period the body must keep arriving at
   ``min_body_rate`` bytes a second, so one byte a second holds nothing for long.
2. It then runs the app on the buffered body inside a :class:`~imalink.db.interrupts.WorkScope`,
   while a watcher waits for the client to disconnect or the time limit to pass. Either cancels
   the request: its task stops at the next await and its database statements stop in their
   worker threads. A request past its time limit gets 503 ``REQUEST_TIMEOUT``.

Slow *headers* never reach ASGI; :mod:`imalink.serving` cuts those off in the HTTP protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import anyio
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from imalink.db.interrupts import WorkScope
from imalink.schema.enums import ErrorCode

logger = logging.getLogger("imalink.guard")


def declared_length(scope: Scope) -> int | None:
    """The body's size as the request's Content-Length declares it; ``None`` when it declares none
    (or something that is not a size)."""
    declared = dict(scope["headers"]).get(b"content-length")
    return int(declared) if declared is not None and declared.isdigit() else None


class RequestGuard:
    """ASGI middleware: body size and pace, request time limit, work stops on disconnect."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        body_timeout: float,
        min_body_rate: float,
        request_timeout: float,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.min_body_rate = min_body_rate
        self.request_timeout = request_timeout
        self.active: set[WorkScope] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await send_error(send, 413, ErrorCode.REQUEST_TOO_LARGE, self._too_large())
            return
        body = await self._read_body(receive, send)
        if body is None:
            return
        try:
            await self._run(scope, body, receive, send)
        except asyncio.CancelledError:
            # The server cancels what still runs after its shutdown grace period; the request's
            # work has been stopped with it. Ending quietly spares the log a traceback per request.
            logger.warning("%s %s stopped by the server's shutdown", scope["method"], scope["path"])
            with contextlib.suppress(Exception):
                await send_error(send, 503, ErrorCode.REQUEST_CANCELLED, "The server is shutting down; try again shortly.")

    def _too_large(self) -> str:
        return f"The request body exceeds {self.max_body_bytes} bytes; send smaller batches."

    async def _read_body(self, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or ``None`` when the request was answered (or the client left)."""
        chunks: list[bytes] = []
        received = 0
        started = time.monotonic()
        while True:
            # The grace period, plus the time the bytes so far deserve at the minimum rate.
            deadline = started + self.body_timeout + received / self.min_body_rate
            with anyio.move_on_after(max(0.0, deadline - time.monotonic())) as waiting:
                message = await receive()
            if waiting.cancelled_caught:
                await send_error(
                    send, 408, ErrorCode.BODY_TIMEOUT,
                    f"The request body arrived slower than {int(self.min_body_rate)} bytes a second; try again.",
                )
                return None
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body_bytes:
                await send_error(send, 413, ErrorCode.REQUEST_TOO_LARGE, self._too_large())
                return None
            if chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _run(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        work = WorkScope()
        response_started = False
        finished = False
        timed_out = False
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            await anyio.sleep_forever()  # the watcher reads the real stream for the disconnect
            raise AssertionError("unreachable")  # pragma: no cover

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if work.cancelled:
                return  # too late: the client is gone, or gets the time limit's answer
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        async def watch(group: anyio.abc.TaskGroup) -> None:
            nonlocal timed_out
            try:
                with anyio.move_on_after(self.request_timeout) as timer:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                timed_out = timer.cancelled_caught
            finally:  # the client left, the time is up, or the server shuts down
                if not finished:
                    work.cancel()
                    group.cancel_scope.cancel()

        self.active.add(work)
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(watch, group)
                with work.active():
                    try:
                        await self.app(scope, replay, tracking_send)
                    except Exception:
                        # Work stopped outside any resolver (the credentials' look-up, say), where
                        # no GraphQL error holds it, raises here (WorkCancelled, or the driver's
                        # "statement cancelled"). The request was abandoned, not broken: it ends
                        # here, not as an ASGI error with a traceback in the log.
                        if not work.cancelled:
                            raise
                        logger.debug("%s %s stopped", scope["method"], scope["path"], exc_info=True)
                finished = True
                group.cancel_scope.cancel()
        finally:
            self.active.discard(work)
        if timed_out and not response_started:
            logger.warning("%s %s stopped after %.0f s", scope["method"], scope["path"], self.request_timeout)
            await send_error(
                send, 503, ErrorCode.REQUEST_TIMEOUT,
                f"The request took longer than {self.request_timeout:g} s and was stopped; ask for less at a time.",
            )

    def cancel_all(self) -> None:
        """Stop the database work of every request in flight (the server is shutting down)."""
        for work in list(self.active):
            work.cancel()


def error_body(code: ErrorCode, message: str) -> bytes:
    """A GraphQL-shaped error for a request refused before it reached the schema:
    ``{"data": null, "errors": [{message, extensions.code}]}``."""
    return orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code.value}}]})


async def send_error(send: Send, status: int, code: ErrorCode, message: str) -> None:
    """Answer with :func:`error_body`."""
    body = error_body(code, message)
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status in (408, 413):
        headers.append((b"connection", b"close"))  # the rest of the body is not worth reading
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def guard_of(app: Any) -> RequestGuard | None:
    """The :class:`RequestGuard` in a built middleware stack, if any."""
    while app is not None:
        if isinstance(app, RequestGuard):
            return app
        app = getattr(app, "app", None)
    return None
