"""Cursor-paginated connections, one generic shape for every listing (PhotoConnection, ...).

The paging rules and the cursor format are resolvers/pagination.py's; this module is the API's
view of them: Relay's ``first``/``after``/``last``/``before`` arguments and ``PageInfo``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from imalink.resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageRequest

Node = TypeVar("Node")

First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page forward: this many items (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}) "
        "from the start, or after `after`."
    ),
]
After = Annotated[str | None, strawberry.argument(description="Start after this cursor (an endCursor or an item's cursor).")]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page backward: this many items (at most {MAX_PAGE_SIZE}) from the end, or before `before`."
    ),
]
Before = Annotated[
    str | None, strawberry.argument(description="End just before this cursor (a startCursor or an item's cursor).")
]


def other_side_wanted(request: PageRequest, selected: set[str]) -> bool:
    """Whether the client asked what lies behind its cursor (hasPreviousPage going forward,
    hasNextPage going backward), which costs a query of its own."""
    field = "pageInfo.hasNextPage" if request.backward else "pageInfo.hasPreviousPage"
    return field in selected


@strawberry.type(description="Where a page starts and ends, and whether more lie on either side.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="True when items precede this page (asked for with `after` or `last`; a first page has none)."
    )
    start_cursor: str | None = strawberry.field(description="Pass as `before` (with `last`) to get the page before.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` (with `first`) to get the next page.")


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
        info = PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        )
        return cls(edges=edges, page_info=info, total_count=page.total_count)
