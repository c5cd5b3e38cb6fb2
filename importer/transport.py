"""How GraphQL documents reach the imalink API: over HTTP, or in-process into a local database.

Both transports execute the very same documents through the server's own schema and import
service; only the wire differs. Every response is the GraphQL response dict
(``{"data": ..., "errors": [...]}``).
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

GRAPHQL_PATH = "/graphql"


class TransportError(Exception):
    """The API could not be reached or did not answer with a GraphQL response."""


class Transport(Protocol):
    """Executes one GraphQL operation and returns the GraphQL response dict."""

    def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None: ...


def graphql_url(server: str) -> str:
    """The GraphQL endpoint of ``server``: its root (``http://host:8000``) or the endpoint itself
    (``http://host:8000/graphql``, as GraphiQL shows it), with or without a trailing slash."""
    url = server.strip().rstrip("/")
    return url if url.endswith(GRAPHQL_PATH) else url + GRAPHQL_PATH


class HttpTransport:
    """POSTs operations to the server's GraphQL endpoint with httpx (one connection, kept alive).

    ``token`` (an API token with the ``import`` scope) is sent as ``Authorization: Bearer``.
    """

    def __init__(self, server: str, *, token: str | None = None, timeout: float = 120.0) -> None:
        self.url = graphql_url(server)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(timeout=httpx.Timeout(timeout, connect=10.0), headers=headers)

    def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.post(self.url, json={"query": query, "variables": variables})
        except httpx.HTTPError as exc:
            raise TransportError(f"cannot reach {self.url}: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        # GraphQL servers answer validation errors with 4xx and a GraphQL body: pass those on.
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            raise TransportError(f"{self.url} answered HTTP {response.status_code}, not a GraphQL response")
        return body

    def close(self) -> None:
        self._client.close()


class LocalTransport:
    """Executes operations in-process against the database at ``database_url``.

    ``None`` means the server's own default (``IMALINK_DATABASE_URL``, else ./imalink.db). Goes through the server's own entry point, ``imalink.local.LocalGraphQL``, so a local import
    runs exactly the schema and import service a server import does.
    """

    def __init__(self, database_url: str | None = None) -> None:
        from imalink.local import LocalGraphQL  # the whole server: imported only for a local import

        self._graphql = LocalGraphQL(database_url)

    def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return self._graphql.execute(query, variables)

    def close(self) -> None:
        self._graphql.close()
