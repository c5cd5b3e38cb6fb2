"""The pages' Content-Security-Policy (imalink/headers.py) at work in real Chromium.

Every other browser test runs with the policy on too: a script, style, image, worker or request
it refused would be a console error, and those fail their tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import PageGuard, wait_for
from tests.support.server import another_site


def test_markup_that_reached_the_page_runs_nothing(sqlite_server: str, page: Any, guard: PageGuard) -> None:
    """Were a file name or an EXIF text ever put into the page as markup, its script would not run."""
    guard.allow(r"Refused to execute inline (event handler|script)|violates the following Content Security Policy")
    page.goto(f"{sqlite_server}/")
    page.locator(".timeline .summary").wait_for()
    page.evaluate("""() => {
      const name = '<img src="data:," onerror="window.pwned = 1"><script>window.pwned = 2</script>';
      document.querySelector("main").insertAdjacentHTML("beforeend", name);
      const script = document.createElement("script");
      script.textContent = "window.pwned = 3";
      document.body.append(script);
    }""")
    page.wait_for_timeout(300)  # the broken image's error event has fired by now
    assert page.evaluate("window.pwned") is None


@pytest.fixture
def other_site(sqlite_server: str) -> Iterator[str]:
    """Another origin (another port on this machine) whose page lays the library's import page in a frame."""
    page = f"<!doctype html><title>other site</title><iframe id=f src='{sqlite_server}/import' width=600 height=400></iframe>"
    with another_site(page.encode(), "text/html") as (base, _):
        yield f"{base}/"


def test_another_site_cannot_frame_the_library(other_site: str, page: Any, guard: PageGuard) -> None:
    refused: list[str] = []
    page.on("console", lambda msg: "frame-ancestors" in msg.text and refused.append(msg.text))
    guard.allow(r"frame-ancestors|ERR_BLOCKED_BY_RESPONSE")
    guard.allow(r"localStorage.*Access is denied")  # the test pages' own start-up script, in the refused frame
    page.goto(other_site)
    page.locator("#f").wait_for()
    wait_for(page, "true", timeout=1)  # let the frame's answer arrive
    page.wait_for_timeout(500)
    framed = next(f for f in page.frames if f is not page.main_frame)
    assert framed.locator("#folder-input").count() == 0 and "Import photos" not in framed.content()
    # Refused by the page's own policy, not by anything else in the way.
    assert any("frame-ancestors 'none'" in text for text in refused), refused
