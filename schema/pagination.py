"""Cursor-paginated connections, one generic shape for every listing (PhotoConnection, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from imalink.resolvers.photos import Page

Node = TypeVar("Node")


@strawberry.type(description="Where a page ends and whether another follows.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when a further page exists.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` to get the next page.")


@strawberry.type(description="An item of a page and its cursor.")
class Edge(Generic[Node]):
    cursor: str = strawberry.field(description="Opaque position of this item in the listing.")
    node: Node = strawberry.field(description="The item.")


@strawberry.type(description="A page of a listing: its items in order, paging state and the total.")
class Connection(Generic[Node]):
    edges: list[Edge[Node]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    total_count: int = strawberry.field(description="How many items match, over all pages.")

    @classmethod
    def from_page(cls, page: Page, node: Callable[[Any], Node]) -> Connection[Node]:
        """A connection over a resolvers ``Page``; ``node`` makes the API object of a row."""
        edges = [Edge(cursor=c, node=node(row)) for row, c in zip(page.rows, page.cursors, strict=True)]
        end = page.cursors[-1] if page.cursors else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=end), total_count=page.total_count)
