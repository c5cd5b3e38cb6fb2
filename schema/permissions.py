"""Who may run which field: every root field of Query and Mutation declares its access, and one
check refuses an operation before anything of it runs.

Declare access in the field's metadata: ``@strawberry.field(..., metadata=needs(Scope.READ))``,
``metadata=PUBLIC`` (sign-in, who am I) or ``metadata=SIGNED_IN`` (a password session, not an API
token: managing tokens). A root field that declares nothing is refused for everybody (and logged):
a new field cannot forget the check. Fields below the root need no check of their own: they are
reached only through a root field, and every query is scoped to the viewer's own library.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import SchemaExtension

from imalink.resolvers.accounts import Scope, Viewer
from imalink.schema.errors import coded_error
from imalink.resolvers.errors import ErrorCode

logger = logging.getLogger("imalink.permissions")

ACCESS = "imalink.access"


@dataclass(frozen=True, slots=True)
class Access:
    """What a root field asks of the viewer."""

    any_of: frozenset[Scope] = frozenset()
    """The viewer needs one of these scopes."""
    public: bool = False
    """Anybody, signed in or not."""
    session: bool = False
    """A user signed in with a password (a browser session), not an API token."""

    def describe(self) -> str:
        if self.public:
            return "anyone"
        if self.session:
            return "a signed-in session"
        return " or ".join(sorted(scope.value for scope in self.any_of)) + " scope"


def needs(*scopes: Scope) -> dict[str, Access]:
    """Field metadata: the viewer needs one of ``scopes``."""
    return {ACCESS: Access(any_of=frozenset(scopes))}


PUBLIC = {ACCESS: Access(public=True)}
SIGNED_IN = {ACCESS: Access(session=True)}

_INTROSPECTION = frozenset({"__typename", "__schema", "__type"})
"""Open to all: introspection has its own switch (IMALINK_INTROSPECTION), and codegen needs it."""


def access_of(root: GraphQLObjectType, name: str) -> Access | None:
    """The access a root field declares, or None when it declares none."""
    field = root.fields.get(name)
    definition = field.extensions.get("strawberry-definition") if field is not None else None
    access = getattr(definition, "metadata", {}).get(ACCESS) if definition is not None else None
    return access if isinstance(access, Access) else None


def refusal(viewer: Viewer | None, field: str, access: Access | None) -> tuple[ErrorCode, str] | None:
    """Why ``viewer`` may not run root ``field``, or None when it may. The one place that decides."""
    if viewer is None:
        return ErrorCode.UNAUTHENTICATED, "Sign in, or send an API token as Authorization: Bearer."
    if viewer.refusal is not None:
        return ErrorCode.UNAUTHENTICATED, viewer.refusal
    if access is None:
        logger.error("Root field %s declares no access; refused (schema/permissions.py)", field)
        return ErrorCode.FORBIDDEN, f"{field} is not open to anybody."
    if access.public:
        return None
    if not viewer.authenticated:
        return ErrorCode.UNAUTHENTICATED, "Sign in, or send an API token as Authorization: Bearer."
    if access.session:
        if viewer.session_id is None:
            return ErrorCode.FORBIDDEN, f"{field} needs a signed-in session (the web app), not an API token."
        return None
    if not access.any_of & viewer.scopes:
        return ErrorCode.INSUFFICIENT_SCOPE, f"{field} needs the {access.describe()}; this credential lacks it."
    return None


def root_fields(document: DocumentNode, operation: OperationDefinitionNode) -> Iterator[FieldNode]:
    """The operation's root fields, through fragments (skipped or not: refusing more is safe)."""
    fragments = {d.name.value: d for d in document.definitions if hasattr(d, "type_condition") and hasattr(d, "name")}
    seen: set[str] = set()

    def walk(selection_set: SelectionSetNode) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    yield from walk(fragment.selection_set)

    yield from walk(operation.selection_set)


class PermissionCheck(SchemaExtension):
    """Refuses the whole operation when the viewer may not run one of its root fields."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        error = self._refusal()
        if error is not None:
            context.result = ExecutionResult(data=None, errors=[error])
        yield

    def _refusal(self) -> GraphQLError | None:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document is not None else None
        if document is None or operation is None:
            return None  # nothing will run: graphql-core reports the missing operation
        schema = context.schema._schema
        root = {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
        }.get(operation.operation)
        viewer: Any = getattr(context.context, "viewer", None)
        for node in root_fields(document, operation):
            name = node.name.value
            if name in _INTROSPECTION:
                continue
            found = refusal(viewer, name, access_of(root, name) if root is not None else None)
            if found is not None:
                code, message = found
                return coded_error(code, message, nodes=[node])
        return None
