"""API objects made from database rows, or from the resolvers' values of the same shape."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Row

T = TypeVar("T")


def object_from_row(cls: type[T], row: Row[Any] | Any, **values: Any) -> T:
    """An API object whose plain fields are the row's columns (or attributes) of the same names;
    ``values`` sets the rest."""
    names = cls.__dict__.get("_columns")
    if names is None:  # every plain field, whatever this call sets: the next call may set others
        fields = cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        names = [f.python_name for f in fields if f.base_resolver is None]
        cls._columns = names  # type: ignore[attr-defined]
    return cls(**{name: getattr(row, name) for name in names if name not in values}, **values)
