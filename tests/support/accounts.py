"""Users, sessions and tokens for tests, made the way clients make them (over HTTP)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import Engine

from imalink.resolvers.accounts import service
from tests.support.graphql import data

SIGN_IN = "mutation($u: String!, $p: String!) { signIn(input: {username: $u, password: $p}) { user { id username } expiresAt } }"
CREATE_TOKEN = """
mutation($name: String!, $scopes: [Scope!]!) {
  createApiToken(input: {name: $name, scopes: $scopes}) { secret token { id name scopes lastUsedAt } }
}"""
PASSWORD = "correct horse battery"


class Client:
    """An HTTP GraphQL client with its own cookies (a browser) or a Bearer token (a script)."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=base_url, timeout=60, headers=headers)

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.http.post("/graphql", json={"query": query, "variables": variables or {}}).json()

    def close(self) -> None:
        self.http.close()


def add_user(engine: Engine, username: str, *, admin: bool = False) -> int:
    return int(service.add_user(engine, username, PASSWORD, admin=admin).id)


def signed_in(base_url: str, username: str, password: str = PASSWORD) -> Client:
    """A browser signed in as ``username`` (its session cookie in the client's jar)."""
    browser = Client(base_url)
    data(browser.execute(SIGN_IN, {"u": username, "p": password}))
    return browser


def token(base_url: str, username: str, scopes: list[str], name: str = "test") -> str:
    """A new API token of ``username`` with ``scopes``, made through the web app's mutation."""
    browser = signed_in(base_url, username)
    try:
        return data(browser.execute(CREATE_TOKEN, {"name": name, "scopes": scopes}))["createApiToken"]["secret"]
    finally:
        browser.close()


def error_code(response: dict[str, Any]) -> str | None:
    errors = response.get("errors") or []
    return errors[0].get("extensions", {}).get("code") if errors else None
