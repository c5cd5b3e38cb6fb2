"""Every view of the web app, in its states a user meets, checked by axe-core in real Chromium.

axe-core (an npm dev dependency of web/, installed by the set-up) checks the page as it stands:
ARIA roles and the children they allow, names of controls and images, colour contrast, headings,
landmarks. A test fails on any violation, naming the rule and the elements.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.accounts import PASSWORD
from tests.web.folders import holiday_folder
from tests.web.test_web_import import import_folder

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"

RUN_AXE = """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations.map((v) => ({
  rule: v.id, impact: v.impact, help: v.help,
  elements: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary.replace(/\\s+/g, " ")}`),
}))"""


def assert_accessible(page: Any, state: str) -> None:
    """axe-core over the page as it stands; ``state`` names it in the failure."""
    assert AXE.exists(), f"{AXE} is missing: run npm --prefix web ci"
    if not page.evaluate("typeof axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's own policy forbids inline scripts.
        page.evaluate(AXE.read_text())
    violations = page.evaluate(RUN_AXE)
    assert not violations, f"{state}: " + "\n".join(
        f"[{v['impact']}] {v['rule']} ({v['help']}): " + "; ".join(v["elements"][:5]) for v in violations
    )


# The light and the dark colour scheme (each its own contrast), and a phone's width.
LOOKS = [pytest.param("light", 1280, id="light"), pytest.param("dark", 1280, id="dark"), pytest.param("light", 390, id="phone")]


def look(page: Any, scheme: str, width: int) -> None:
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 860})


@pytest.mark.parametrize(("scheme", "width"), LOOKS)
def test_a_library_in_every_view(sqlite_server: str, page: Any, tmp_path: Path, scheme: str, width: int) -> None:
    base = sqlite_server
    look(page, scheme, width)
    page.goto(f"{base}/import")
    page.locator("#folder-input").wait_for(state="attached")
    assert_accessible(page, "the import page")
    import_folder(page, base, holiday_folder(tmp_path))
    assert_accessible(page, "an import finished, with a problem listed")

    page.goto(f"{base}/")
    page.locator("a.thumb").first.wait_for()
    assert_accessible(page, "the timeline")
    page.get_by_text("Filters", exact=True).first.click()
    assert_accessible(page, "the timeline with its filters open")
    page.get_by_text("Filters", exact=True).first.click()  # closed again: on a phone it covers the grid

    page.get_by_role("button", name="Select").click()
    page.locator("a.thumb").first.click()
    page.get_by_text("1 selected").wait_for()
    assert_accessible(page, "the timeline selecting, one photo selected")
    # From the keyboard: Space on a thumbnail selects it, and a screen reader hears the state.
    second = page.get_by_role("checkbox").nth(1)
    second.focus()
    page.keyboard.press(" ")
    page.get_by_text("2 selected").wait_for()
    assert second.get_attribute("aria-checked") == "true"
    assert page.get_by_role("checkbox", checked=True).count() == 2
    page.get_by_role("button", name="Done selecting").click()

    page.locator("a.thumb").first.click()
    page.locator("dialog.photo-view form.edit").wait_for()
    assert_accessible(page, "the photo view")
    page.keyboard.press("Escape")

    page.goto(f"{base}/?q=nothing-is-called-this")
    page.get_by_text("No photos match these filters.").wait_for()
    assert_accessible(page, "a search with no match")

    page.goto(f"{base}/map")
    page.locator(".leaflet-marker-icon").first.wait_for()
    assert_accessible(page, "the map with its photos")

    page.goto(f"{base}/account")
    page.get_by_role("heading", name="Account").wait_for()
    assert_accessible(page, "the account page of a library without users")


@pytest.mark.parametrize(("scheme", "width"), LOOKS)
def test_an_empty_library(sqlite_server: str, page: Any, scheme: str, width: int) -> None:
    look(page, scheme, width)
    page.goto(f"{sqlite_server}/")
    page.get_by_text("No photos yet.").wait_for()
    assert_accessible(page, "the timeline of an empty library")


@pytest.mark.parametrize(("scheme", "width"), LOOKS)
def test_signing_in_and_the_account_page(server_with_users: str, page: Any, scheme: str, width: int) -> None:
    base = server_with_users
    look(page, scheme, width)
    page.goto(f"{base}/")
    page.wait_for_url("**/signin**")
    assert_accessible(page, "the sign-in page")
    page.get_by_label("User name").fill("anna")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="Wrong user name or password.").wait_for()
    assert_accessible(page, "the sign-in page with its error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Account").click()
    page.get_by_text("Signed in as anna (admin).").wait_for()
    page.get_by_label("Name", exact=True).fill("laptop importer")
    page.get_by_label("Read (see photos").check()
    page.get_by_role("button", name="Create token").click()
    page.get_by_role("cell", name="laptop importer", exact=True).wait_for()
    assert_accessible(page, "the account page with a new token")
