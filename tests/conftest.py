"""Fixtures shared by every test: each database test runs on SQLite and, when
``IMALINK_TEST_POSTGRES_URL`` is set, on PostgreSQL too."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from imalink.local import LocalGraphQL
from imalink.settings import Settings
from tests.support.databases import backends, fresh_database

pytest_plugins = ["tests.support.ci", "pytester"]


@pytest.fixture(params=backends())
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    """(url, engine) of a fresh, migrated database."""
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def engine(database: tuple[str, Engine]) -> Engine:
    return database[1]


@pytest.fixture
def database_url(database: tuple[str, Engine]) -> str:
    return database[0]


@pytest.fixture
def gql(database_url: str) -> Iterator[LocalGraphQL]:
    """The real schema on the test database, executed in-process."""
    local = LocalGraphQL(settings=Settings(database_url=database_url))
    yield local
    local.close()


@pytest.fixture
def collector_off() -> Iterator[None]:
    """No automatic garbage collection while the test runs, so what a reference cycle keeps is still
    there to be found, and every full pass is one something asked for."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
