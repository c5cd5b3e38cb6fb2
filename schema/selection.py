"""What a query asks for below a field, so a page can fetch its relations in the same round trip."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry


def selected_paths(info: strawberry.Info) -> set[str]:
    """Dotted paths of every field selected below the current one (fragments included),
    e.g. ``{"edges", "edges.node", "edges.node.images", "totalCount"}``."""
    paths: set[str] = set()
    _collect(info.selected_fields[0].selections if info.selected_fields else [], "", paths)
    return paths


def _collect(selections: Iterable[Any], prefix: str, paths: set[str]) -> None:
    for selection in selections:
        name = getattr(selection, "name", None)  # fragments have selections but no name
        if name is None or not hasattr(selection, "alias"):
            _collect(selection.selections, prefix, paths)
            continue
        path = f"{prefix}{name}"
        paths.add(path)
        _collect(selection.selections, path + ".", paths)
