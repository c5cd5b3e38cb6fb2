"""Fixtures of the web app's tests: a real server with the built app, real Chromium, a page that
fails its test on any console error or failed request."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imalink.settings import Settings
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, PageGuard, missing_requirement
from tests.support.server import running_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module: Playwright's sync API holds an event loop in this thread while
    it runs, which other tests' asyncio.run would trip over."""
    reason = missing_requirement()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app_server(database_url: str) -> Iterator[str]:
    """The whole app (API and web app) over HTTP on a fresh library; yields the base URL."""
    with running_server(Settings(database_url=database_url)) as base:
        yield base


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[str]:
    """The app on a fresh SQLite library (for tests of the browser side only)."""
    from imalink.db.engine import make_engine
    from imalink.db.migrate import upgrade_to_head

    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    with running_server(Settings(database_url=url)) as base:
        yield base


@pytest.fixture
def server_with_users(tmp_path: Path) -> Iterator[str]:
    """The app on a fresh SQLite library with the users anna (its admin) and bob."""
    from imalink.db.engine import make_engine
    from imalink.db.migrate import upgrade_to_head
    from tests.support.accounts import add_user

    url = f"sqlite:///{tmp_path / 'web.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    add_user(engine, "anna")
    add_user(engine, "bob")
    engine.dispose()
    with running_server(Settings(database_url=url)) as base:
        yield base


@pytest.fixture
def guard() -> PageGuard:
    return PageGuard()


@pytest.fixture
def page(browser: Any, guard: PageGuard) -> Iterator[Any]:
    """A fresh page (own cookies and storage); maps draw the offline outline, no tiles.

    Ask for the server fixture before this one, so the page closes before its server stops."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.add_init_script("localStorage.setItem('imalink.tiles', 'none')")
    page = context.new_page()
    guard.attach(page)
    yield page
    context.close()
    problems = guard.unexpected()
    assert not problems, "the page reported problems:\n" + "\n".join(problems)
