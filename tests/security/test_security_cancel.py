"""Work stops: at the time limit, when the client goes, and when the server is told to stop.

A request is made to wait on a lock the test holds (SQLite's write lock, a PostgreSQL table lock);
once abandoned, its statement must stop and it must write nothing even after the lock is released.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.support.databases import POSTGRES_ENV, backends, fresh_database
from tests.support.process import ServerProcess, serve_process

CREATE = {"query": 'mutation { createImportSession(input: {storageDirectory: "waiting"}) { id } }'}


@pytest.fixture(params=backends())
def library(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    yield from fresh_database(request.param, tmp_path)


@contextmanager
def write_lock(url: str, engine: Engine) -> Iterator[None]:
    """Hold the lock an import session's insert needs, from outside the server."""
    if engine.dialect.name == "sqlite":
        holder = sqlite3.connect(make_url(url).database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with engine.connect() as holder:
        holder.execute(text("LOCK TABLE import_session IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            holder.rollback()


def waiting_statements(engine: Engine) -> int:
    """PostgreSQL: statements of other connections still running an insert into import_session."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND pid <> pg_backend_pid()"
                " AND datname = current_database() AND query ILIKE '%INSERT INTO import_session%'"
            )
        ).scalar_one()


def sessions(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM import_session")).scalar_one()


def assert_stopped(engine: Engine) -> None:
    """The abandoned insert is not running (PostgreSQL shows it), and wrote nothing."""
    if engine.dialect.name == "postgresql":
        deadline = time.monotonic() + 2
        while waiting_statements(engine) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert waiting_statements(engine) == 0


def test_a_request_past_its_time_limit_is_answered_503_and_its_statement_stops(library, tmp_path) -> None:
    url, engine = library
    with serve_process(url, tmp_path, {"IMALINK_REQUEST_TIMEOUT": "1"}) as server:
        with write_lock(url, engine):
            started = time.monotonic()
            response = httpx.post(server.base + "/graphql", json=CREATE, timeout=30)
            elapsed = time.monotonic() - started
            assert response.status_code == 503, response.text
            assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"
            assert 0.9 < elapsed < 2.5
            assert_stopped(engine)
        time.sleep(1)  # the lock is free: abandoned work that went on would write now
        assert sessions(engine) == 0
        assert httpx.post(server.base + "/graphql", json=CREATE).json()["data"]["createImportSession"]["id"]


def test_work_stops_when_the_client_disconnects(library, tmp_path) -> None:
    url, engine = library
    with serve_process(url, tmp_path, {"IMALINK_REQUEST_TIMEOUT": "60"}) as server:
        with write_lock(url, engine):
            with pytest.raises(httpx.ReadTimeout):
                httpx.post(server.base + "/graphql", json=CREATE, timeout=0.5)
            time.sleep(0.5)
            assert_stopped(engine)
        time.sleep(1)
        assert sessions(engine) == 0
        assert httpx.get(server.base + "/healthz").status_code == 200
        assert "Traceback" not in server.output()


@pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set: only PostgreSQL can hold a reader")
@pytest.mark.parametrize("library", ["postgresql"], indirect=True)
def test_a_client_that_leaves_while_its_credentials_are_checked_leaves_no_traceback(library, tmp_path) -> None:
    # Outside any resolver no GraphQL error holds the stopped work. Only PostgreSQL can make a
    # reader wait (a table lock); SQLite's WAL lets every reader through at once.
    url, engine = library
    with serve_process(url, tmp_path, {"IMALINK_REQUEST_TIMEOUT": "60"}) as server:
        with engine.connect() as holder:
            holder.execute(text("LOCK TABLE app_user IN ACCESS EXCLUSIVE MODE"))
            with pytest.raises(httpx.ReadTimeout):
                httpx.post(server.base + "/graphql", json={"query": "{ photos(first: 1) { totalCount } }"}, timeout=0.5)
            time.sleep(0.5)
            holder.rollback()
        assert httpx.post(server.base + "/graphql", json={"query": "{ photos(first: 1) { totalCount } }"}).status_code == 200
        assert "Traceback" not in server.output(), server.output()


def test_sigterm_stops_a_busy_server_within_seconds(library, tmp_path) -> None:
    url, engine = library
    with serve_process(url, tmp_path, {"IMALINK_REQUEST_TIMEOUT": "60", "IMALINK_SHUTDOWN_TIMEOUT": "2"}) as server:
        with write_lock(url, engine):
            waiting = threading.Thread(target=_post_quietly, args=(server,), daemon=True)
            waiting.start()
            time.sleep(0.5)  # the request is waiting on the lock
            seconds = server.stop(signal.SIGTERM, timeout=30)
            print(f"SIGTERM with a request in flight: exited after {seconds:.2f} s")
            # uvicorn shuts down, then re-raises the signal so that supervisors see why it exited.
            assert server.process.returncode in (0, -signal.SIGTERM), server.output()
            assert "Traceback" not in server.output()
            assert seconds < 5
            assert_stopped(engine)
    assert sessions(engine) == 0


def _post_quietly(server: ServerProcess) -> None:
    try:
        httpx.post(server.base + "/graphql", json=CREATE, timeout=30)
    except httpx.HTTPError:
        pass
