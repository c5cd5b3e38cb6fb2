"""Running the app under uvicorn with the protections a server on a network needs.

uvicorn reads a request's line and headers with no time limit: a client that opens a connection
and sends nothing, or one header byte a second, holds it forever. :class:`HeaderDeadline` is
uvicorn's own HTTP protocol with a deadline and a size cap on that part; the body is then the
request guard's (imalink/guard.py). SIGTERM waits ``shutdown_timeout`` for requests in flight,
then cancels them, which also stops their database statements.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from imalink.settings import Settings

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol  # uvicorn[standard] brings httptools

MAX_HEADER_BYTES = 64 * 1024
"""Request line and headers together; a request past it gets 431."""

_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_TOO_LARGE = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class HeaderDeadline(HttpToolsProtocol):  # type: ignore[misc]
    """uvicorn's HTTP protocol, closing connections whose request headers take too long or too much."""

    def __init__(self, *args: Any, header_timeout: float, max_header_bytes: int = MAX_HEADER_BYTES, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.max_header_bytes = max_header_bytes
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # a connection that never sends a byte is closed too

    def data_received(self, data: bytes) -> None:
        if self._awaiting_headers():
            end = data.find(b"\r\n\r\n")
            self._header_bytes += len(data) if end < 0 else end + 4
            if self._header_bytes > self.max_header_bytes:
                self._close(_TOO_LARGE)
                return
        super().data_received(data)
        if not self._awaiting_headers():
            self._disarm()
            self._header_bytes = 0
        elif self._header_timer is None:
            self._arm()  # the first byte of a request on a kept-alive connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _awaiting_headers(self) -> bool:
        cycle = self.cycle
        return cycle is None or cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        if self._awaiting_headers():
            self._close(_TIMEOUT if self._header_bytes else b"")

    def _close(self, response: bytes) -> None:
        self._disarm()
        if self.transport is not None and not self.transport.is_closing():
            if response:
                self.transport.write(response)
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for ``settings`` (for ``uvicorn.run`` or ``uvicorn.Config``)."""
    return {
        "host": settings.host,
        "port": settings.port,
        "http": functools.partial(HeaderDeadline, header_timeout=settings.header_timeout),
        "timeout_graceful_shutdown": settings.shutdown_timeout,
        # A worker process imports the whole app before it first answers the supervisor; on a busy
        # machine that takes longer than uvicorn's 5 s, which then kills and restarts it, forever.
        "timeout_worker_healthcheck": 120,
        "log_level": settings.log_level,
    }
