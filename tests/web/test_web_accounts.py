"""Signing in, API tokens and signing out in the web app, in real Chromium, against a server with users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.support.accounts import PASSWORD, Client, error_code, token
from tests.support.browser import PageGuard, screenshot, wait_for
from tests.web.folders import holiday_folder
from tests.web.test_web_import import import_folder


def test_sign_in_make_and_revoke_a_token_and_sign_out(server_with_users: str, page: Any, guard: PageGuard) -> None:
    base = server_with_users
    page.on("dialog", lambda dialog: dialog.accept())  # the revoke confirmation
    page.goto(f"{base}/map")
    page.wait_for_url("**/signin?next=%2Fmap")
    page.get_by_label("User name").fill("anna")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="Wrong user name or password.").wait_for()
    page.get_by_label("User name").fill("Anna")
    page.get_by_label("Password").fill(PASSWORD)
    screenshot(page, "signin")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/map")  # back where the visitor was going
    # The session is an HttpOnly cookie: the page's scripts cannot read it.
    assert "imalink_session" not in page.evaluate("document.cookie")
    assert any(c["name"] == "imalink_session" and c["httpOnly"] and c["sameSite"] == "Strict" for c in page.context.cookies())

    page.get_by_role("link", name="Account").click()
    page.get_by_text("Signed in as anna (admin).").wait_for()
    page.get_by_label("Name", exact=True).fill("laptop importer")
    page.get_by_label("Read (see photos").check()
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#token-secret").inner_text()
    screenshot(page, "account-token")
    assert secret.startswith("imalink_")
    page.get_by_role("cell", name="laptop importer", exact=True).wait_for()
    script = Client(base, secret)
    assert script.execute("{ photos { totalCount } }") == {"data": {"photos": {"totalCount": 0}}}
    assert error_code(script.execute('mutation { deletePhoto(hothash: "x") }')) == "INSUFFICIENT_SCOPE"

    page.get_by_role("button", name="Revoke laptop importer").click()
    page.get_by_role("cell", name="laptop importer", exact=True).wait_for(state="detached")
    assert error_code(script.execute("{ photos { totalCount } }")) == "UNAUTHENTICATED"

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/signin")
    page.goto(f"{base}/")
    page.wait_for_url("**/signin?next=%2F")
    assert httpx.post(f"{base}/graphql", json={"query": "{ photos { totalCount } }"}).json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_without_users_the_app_opens_straight_away(sqlite_server: str, page: Any) -> None:
    page.goto(f"{sqlite_server}/account")
    page.get_by_text("This server has no user accounts").wait_for()
    page.get_by_role("link", name="Photos").click()
    page.wait_for_selector(".timeline .summary:has-text('photos')")
    assert page.url == f"{sqlite_server}/"


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/signin")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_a_signed_in_browser_imports_into_and_shows_only_its_users_library(
    server_with_users: str, page: Any, tmp_path: Path
) -> None:
    base = server_with_users
    sign_in(page, base, "anna")
    run = import_folder(page, base, holiday_folder(tmp_path))
    assert run["stats"]["state"] == "done" and run["stats"]["photosCreated"] == 6
    page.get_by_role("link", name="Photos").click()
    # Every preview of the grid loads with the session cookie (the page guard fails on a 401).
    wait_for(page, "document.querySelectorAll('.timeline img').length === 6 && "
                           "[...document.querySelectorAll('.timeline img')].every(i => i.complete && i.naturalWidth > 0)")
    anna, bob = (Client(base, token(base, name, ["READ"])) for name in ("anna", "bob"))
    assert anna.execute("{ photos { totalCount } }") == {"data": {"photos": {"totalCount": 6}}}
    assert bob.execute("{ photos { totalCount } }") == {"data": {"photos": {"totalCount": 0}}}
