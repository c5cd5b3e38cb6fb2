"""Real Chromium for the web app's tests (Playwright for Python, Debian's /usr/bin/chromium).

A :class:`PageGuard` records every console error, uncaught page error and failed request of a
page; a test that ends with any of them fails. Screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


def missing_requirement() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not (WEB_DIST / "index.html").is_file():
        return "web/dist is not built (npm --prefix web ci && npm --prefix web run build)"
    return None


@dataclass
class PageGuard:
    """Everything that went wrong on a page; empty when the page behaved."""

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", lambda msg: msg.type == "error" and self._add(f"console error: {msg.text} at {msg.location.get('url')}"))
        page.on("pageerror", lambda exc: self._add(f"uncaught: {exc}"))
        page.on("requestfailed", lambda req: self._add(f"request failed: {req.method} {req.url} ({req.failure})"))
        page.on("response", lambda res: res.status >= 400 and self._add(f"HTTP {res.status}: {res.request.method} {res.url}"))

    def allow(self, pattern: str) -> None:
        """Expect problems matching ``pattern`` (a test that provokes an error on purpose)."""
        self.allowed.append(re.compile(pattern))

    def _add(self, problem: str) -> None:
        self.problems.append(problem)

    def unexpected(self) -> list[str]:
        # A request the page itself gave up on (a navigation, a newer map view) is not a failure.
        return [p for p in self.problems if "net::ERR_ABORTED" not in p and not any(a.search(p) for a in self.allowed)]


def screenshot(page: Any, name: str) -> Path:
    """Save a screenshot as a test artifact and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def wait_for(page: Any, predicate: str, arg: Any = None, timeout: float = 30_000, interval: float = 20) -> Any:
    """Evaluate ``predicate`` (a JS expression, or a function called with ``arg``) in the page
    every ``interval`` ms until it is truthy; its value. Playwright's ``wait_for_function``
    builds the predicate from its string inside the page, which the app's Content-Security-Policy
    forbids (no ``'unsafe-eval'``, imalink/headers.py); ``evaluate`` goes through the DevTools
    protocol, which the policy does not govern, so the tests keep the policy on."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(predicate, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout / 1000:.0f} s for {predicate}")
        page.wait_for_timeout(interval)
