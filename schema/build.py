"""Assembling the schema from the per-concern query and mutation types."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import ParserCache
from strawberry.schema.config import StrawberryConfig

from imalink.schema.accounts.mutations import AccountMutations
from imalink.schema.accounts.queries import AccountQueries
from imalink.schema.browse.queries import BrowseQueries
from imalink.schema.enums import ErrorCode
from imalink.schema.errors import ClientSafeErrors
from imalink.schema.fast_output import FastOutputExecutionContext
from imalink.schema.fast_variables import FastVariables
from imalink.schema.imports.mutations import ImportMutations
from imalink.schema.imports.queries import ImportQueries
from imalink.schema.limits import QueryLimits, limit_extensions
from imalink.schema.permissions import PermissionCheck
from imalink.schema.photos.mutations import PhotoMutations
from imalink.schema.photos.queries import PhotoQueries
from imalink.schema.scalars import SCALARS


@strawberry.type(
    description="Reading the library: photos, the timeline, the map, facets, import sessions, known hothashes; "
    "who is signed in, their API tokens."
)
class Query(PhotoQueries, BrowseQueries, ImportQueries, AccountQueries):
    pass


@strawberry.type(description="Changing the library: imports, sessions, photo edits; signing in, API tokens, users.")
class Mutation(ImportMutations, PhotoMutations, AccountMutations):
    pass


class ExecutionContext(FastVariables, FastOutputExecutionContext):
    """graphql-core's execution, with long lists in and out taken in one pass (the pre-check's 10,000
    hashes): string lists in variables (schema/fast_variables.py), lists of plain objects and scalars
    in the answer (schema/fast_output.py)."""


class ImalinkSchema(strawberry.Schema):
    """Strawberry's schema, minus its own error logging: ``ClientSafeErrors`` logs what is unexpected
    (once, with its error id) and errors a client caused are no server event."""

    def process_errors(self, errors: list[Any], execution_context: Any = None) -> None:
        return None


def build_schema(limits: QueryLimits = QueryLimits()) -> strawberry.Schema:
    """The imalink schema, with client-safe errors and every document held to ``limits``."""
    return ImalinkSchema(
        query=Query,
        mutation=Mutation,
        # No field returns it: listed so that the schema (and every client generated from it) knows
        # every code an error's extensions.code can carry.
        types=[ErrorCode],
        # Hooks nest in this order, the first outermost. Client-safe errors see every error last,
        # after the limits gave theirs a code. The limits come next: they refuse a document before
        # it is parsed or validated at length. The permission check refuses an operation before
        # any of it runs (schema/permissions.py). Clients send the same few documents again and
        # again: parse (and validate) each once.
        extensions=[ClientSafeErrors, *limit_extensions(limits), PermissionCheck, lambda: ParserCache(maxsize=256)],
        config=StrawberryConfig(scalar_map=SCALARS),
        execution_context_class=ExecutionContext,
    )
