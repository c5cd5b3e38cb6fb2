"""Stopping the database work of a request nobody waits for any more.

Resolvers run their statements in worker threads; cancelling the request's task does not stop a
thread. The caller (the app, per request) opens a :class:`WorkScope`; the worker threads inherit it
(anyio copies the context into them), and an engine set up by :func:`install` then

- refuses to start a statement once the scope is cancelled (:class:`WorkCancelled`),
- aborts a running SQLite statement within a thousand virtual-machine steps (a progress handler),
- sends PostgreSQL a cancel request for every connection the scope has checked out.

Without an open scope (the CLI, migrations, tests) nothing changes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event

logger = logging.getLogger("imalink.interrupts")

SQLITE_PROGRESS_STEPS = 1000
"""SQLite virtual-machine steps between two looks at the scope (microseconds of work)."""

_current: ContextVar[WorkScope | None] = ContextVar("imalink_work_scope", default=None)
_sending: set[threading.Thread] = set()
_sending_lock = threading.Lock()


class WorkCancelled(Exception):
    """The request this work belongs to was cancelled: time limit, client gone, or shutdown."""


class WorkScope:
    """The database work of one request; :meth:`cancel` stops it from any thread."""

    def __init__(self) -> None:
        self.cancelled = False
        self._lock = threading.Lock()
        self._connections: set[Any] = set()

    @contextlib.contextmanager
    def active(self) -> Iterator[WorkScope]:
        """Make this the scope of the current context (and of the threads it starts)."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    def cancel(self) -> None:
        """Stop every statement of this scope now, and refuse new ones."""
        with self._lock:
            if self.cancelled:
                return
            self.cancelled = True
            connections = list(self._connections)
        for connection in connections:
            cancel = getattr(connection, "cancel_safe", None)
            if cancel is not None:  # psycopg: a cancel request over a new connection, off the event loop
                sender = threading.Thread(target=_cancel_postgres, args=(cancel,), daemon=True)
                with _sending_lock:
                    _sending.add(sender)
                sender.start()

    def _register(self, connection: Any) -> None:
        with self._lock:
            self._connections.add(connection)

    def _release(self, connection: Any) -> None:
        with self._lock:
            self._connections.discard(connection)


def current() -> WorkScope | None:
    """The scope of the calling context, if any."""
    return _current.get()


def raise_if_cancelled() -> None:
    """For long loops between statements: stop here when the request was cancelled."""
    scope = _current.get()
    if scope is not None and scope.cancelled:
        raise WorkCancelled("the request was cancelled")


def wait_for_cancel_requests(timeout: float) -> None:
    """Let the cancel requests on their way reach PostgreSQL (before the process exits)."""
    deadline = time.monotonic() + timeout
    with _sending_lock:
        senders = list(_sending)
    for sender in senders:
        sender.join(max(0.0, deadline - time.monotonic()))


def _cancel_postgres(cancel: Any) -> None:
    try:
        cancel(timeout=5.0)
    except Exception:  # the connection may have finished or closed meanwhile
        logger.debug("PostgreSQL cancel request failed", exc_info=True)
    finally:
        with _sending_lock:
            _sending.discard(threading.current_thread())


def _sqlite_progress() -> int:
    scope = _current.get()
    return 1 if scope is not None and scope.cancelled else 0


@contextlib.contextmanager
def sqlite_unwatched(dbapi_connection: Any) -> Iterator[None]:
    """Run SQLite statements without the progress handler, for a thread working beside the
    request's: the handler is Python, so it took the interpreter lock every thousand steps and
    the statement waited a switch interval (5 ms) for it each time, while the request's thread ran
    Python. A statement run so cannot be stopped part-way: keep it to a batch's rows (milliseconds)."""
    dbapi_connection.set_progress_handler(None, 0)
    try:
        yield
    finally:
        dbapi_connection.set_progress_handler(_sqlite_progress, SQLITE_PROGRESS_STEPS)


def install(engine: Engine) -> None:
    """Make ``engine``'s statements stoppable by the :class:`WorkScope` of the calling context."""
    sqlite = engine.dialect.name == "sqlite"

    if sqlite:

        @event.listens_for(engine, "connect")
        def _progress(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.set_progress_handler(_sqlite_progress, SQLITE_PROGRESS_STEPS)

    else:

        @event.listens_for(engine, "checkout")
        def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            scope = _current.get()
            if scope is not None:
                scope._register(dbapi_connection)
                record.info["imalink_scope"] = scope

        @event.listens_for(engine, "checkin")
        def _checkin(dbapi_connection: Any, record: Any) -> None:
            scope = record.info.pop("imalink_scope", None)
            if scope is not None:
                scope._release(dbapi_connection)

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_when_cancelled(*_args: Any) -> None:
        raise_if_cancelled()
