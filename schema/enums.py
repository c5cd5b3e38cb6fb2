"""The Python enums of the layers below, shown to clients as GraphQL enums (declared once, there).

Each member's ``description`` (see ``db.enums.DescribedEnum``) becomes its value's description.
"""

from __future__ import annotations

from typing import TypeVar

import strawberry

from imalink.resolvers.accounts import Scope
from imalink.resolvers.errors import ErrorCode
from imalink.resolvers.imports import GroupStatus, ImportProblemCode
from imalink.resolvers.imports.sessions import SessionStatus

E = TypeVar("E", bound=type)


def _described(enum: E, name: str, description: str) -> E:
    graphql_enum = strawberry.enum(enum, name=name, description=description)
    for value in graphql_enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = enum[value.name].description  # type: ignore[index]
    return graphql_enum


_described(
    ErrorCode,
    "ErrorCode",
    "Every extensions.code a GraphQL error of this API carries: the request as a whole was refused. "
    "(Syntax and validation errors of the document carry none; a document past a limit carries its limit's code.)",
)
_described(ImportProblemCode, "ImportProblemCode", "What is wrong with a photo group or one of its files, or was noticed.")
_described(GroupStatus, "PhotoGroupStatus", "What became of one photo group.")
_described(SessionStatus, "ImportSessionStatus", "Where an import session is in its life.")
_described(
    Scope,
    "Scope",
    "What a credential may do. A signed-in user holds every scope of their role (ADMIN for admins); "
    "an API token holds the scopes it was made with.",
)

__all__ = ["ErrorCode", "GroupStatus", "ImportProblemCode", "Scope", "SessionStatus"]
