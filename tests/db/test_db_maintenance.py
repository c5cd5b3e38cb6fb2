"""Planner statistics stay fresh without a person: after an import that grows the library, and
when the server starts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from benchmarks.library import LibrarySpec, build
from imalink.app import create_app
from imalink.db import maintenance
from imalink.settings import Settings
from tests.support.databases import backends
from tests.support.library import library_database


@pytest.fixture(params=backends())
def grown(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """A library analyzed at 3,300 photos, then grown to 6,600 without analysis."""
    url, engine = library_database(request.param, tmp_path)
    build(engine, LibrarySpec(photos=3300, seed=5), analyze=False)
    yield url, engine
    engine.dispose()


def stale(engine: Engine) -> bool:
    with engine.connect() as conn:
        return maintenance.statistics_stale(conn)


def wait_until_fresh(engine: Engine, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while stale(engine):
        assert time.monotonic() < deadline, "statistics stayed stale"
        time.sleep(0.2)


def test_an_import_that_doubles_the_library_refreshes_statistics_in_the_background(grown):
    _, engine = grown
    deadline = time.monotonic() + 30  # PostgreSQL publishes its row counts a moment later
    while not stale(engine):
        assert time.monotonic() < deadline, "doubling the library went unnoticed"
        time.sleep(0.2)
    maintenance.photos_written(engine, 3300)
    wait_until_fresh(engine)


def test_the_server_refreshes_stale_statistics_when_it_starts(grown):
    url, engine = grown
    deadline = time.monotonic() + 30
    while not stale(engine):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    create_app(Settings(database_url=url))
    assert not stale(engine)


def test_a_small_library_is_left_alone(tmp_path):
    url, engine = library_database("sqlite", tmp_path)
    with engine.connect() as conn:
        assert not maintenance.statistics_stale(conn)  # 3,300 photos, analyzed by the build
    engine.dispose()
