"""Reading a library back through the real schema, for the importer's end-to-end tests."""

from __future__ import annotations

from typing import Any

from imalink.importer.transport import LocalTransport


def query_library(database_url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``data`` of ``query`` run in-process against the database at ``database_url``."""
    transport = LocalTransport(database_url)
    try:
        response = transport.execute(query, variables or {})
    finally:
        transport.close()
    assert not response.get("errors"), response
    return response["data"]
