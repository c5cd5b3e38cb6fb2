"""Planner statistics stay fresh without a person: after an import that grows the library, and
when the server starts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from benchmarks.library import LibrarySpec, build
from imalink.app import create_app
from imalink.db import maintenance
from imalink.db.engine import writing
from imalink.settings import Settings
from tests.support.databases import backends, emptied_at_revision
from tests.support.databases import fresh_database as fresh_database_of
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


def test_statistics_wait_for_their_turn_beside_an_import_instead_of_failing(tmp_path):
    """An import commits while the refresh has begun: on SQLite a transaction that began by reading
    cannot write after another's commit ("database is locked" at once, no wait); in the writers' turn
    it waits for the import and then runs."""
    url, engine = library_database("sqlite", tmp_path)
    build(engine, LibrarySpec(photos=200, seed=3), analyze=False)
    holding = threading.Event()

    def importer() -> None:
        with writing(engine) as conn:
            conn.execute(text("UPDATE photo SET rating = 1 WHERE id = 1"))
            holding.set()
            time.sleep(0.5)  # the refresh starts meanwhile and must wait for this commit

    thread = threading.Thread(target=importer)
    thread.start()
    assert holding.wait(10)
    try:
        maintenance.refresh_statistics(engine)
    finally:
        thread.join()
    with engine.connect() as conn:
        analyzed = conn.execute(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'photo'")).scalar_one()
    assert analyzed > 0
    engine.dispose()


@pytest.mark.parametrize("backend", backends())
def test_a_first_import_is_analyzed_from_its_first_hundred_photos_on_postgresql(backend, tmp_path):
    """PostgreSQL without statistics guesses that an owner holds a few photos, and planned a first
    import's look-alike probes on any index starting with the owner now and then, reading all the
    owner's photos for each value (75-150 ms a batch at 300-700 photos). Its statistics are
    refreshed from 100 photos on, counted at once: the activity counters lag the commits by up to
    a second. SQLite plans such a library well and is left alone below ``MIN_ROWS``."""
    url, engine = next(fresh_database_of(backend, tmp_path))
    emptied_at_revision(url, engine, "head")  # tables no analysis has seen
    if backend == "postgresql":
        with engine.begin() as conn:  # only this test's analyses
            conn.execute(text("ALTER TABLE photo SET (autovacuum_enabled = false)"))
    build(engine, LibrarySpec(photos=maintenance.POSTGRES_MIN_ROWS - 1, seed=5), analyze=False)
    assert not stale(engine)
    build(engine, LibrarySpec(photos=50, seed=6), analyze=False)  # 149 photos
    assert stale(engine) is (backend == "postgresql")
    assert maintenance.refresh_if_stale(engine) is (backend == "postgresql")
    assert not stale(engine)
    engine.dispose()
