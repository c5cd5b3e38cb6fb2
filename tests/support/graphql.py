"""Running GraphQL against the real schema and a real database, in-process or over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from imalink.local import LocalGraphQL


class GraphQLFailed(AssertionError):
    pass


def data(response: dict[str, Any]) -> dict[str, Any]:
    """The data of a response that must have no errors."""
    if response.get("errors"):
        raise GraphQLFailed(response["errors"])
    return response["data"]


class HttpGraphQL:
    """The same interface as :class:`LocalGraphQL`, over real HTTP."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=60)

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.client.post("/graphql", json={"query": query, "variables": variables or {}})
        return response.json()


__all__ = ["GraphQLFailed", "HttpGraphQL", "LocalGraphQL", "data"]
