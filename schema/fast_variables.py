"""Coercing long lists of strings in variables in one pass: the pre-check's 10,000 hashes.

graphql-core coerces a variable value by walking it against its type: for ``[String!]!`` a nesting
check over every item, then per item a path, two recursive calls (list item, non-null) and the
String scalar's ``parse_value``, which hands a ``str`` back unchanged. For ``existingFiles`` with
10,000 content hashes that was about 35 ms of CPU per request (cProfile and py-spy,
benchmarks/precheck_bench.py), more than the rest of the schema layer together.

A variable declared exactly ``[String!]`` or ``[String!]!``, whose value is a list of ``str``
only, is taken as is (copied): what graphql-core would have produced. Any other value (a number,
a null among the items, a single string to be wrapped in a list) or type goes the usual way, with
the usual errors. ``tests/schema/test_schema_fast_variables.py`` checks both paths agree and would
fail on a graphql-core upgrade that changes what this relies on.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    GraphQLSchema,
    GraphQLString,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
)


_STRINGS_ONLY = {str}


def _is_string_list(type_node: TypeNode) -> bool:
    """Whether a variable's declared type is ``[String!]`` or ``[String!]!``."""
    if isinstance(type_node, NonNullTypeNode):
        type_node = type_node.type
    if not isinstance(type_node, ListTypeNode) or not isinstance(type_node.type, NonNullTypeNode):
        return False
    named = type_node.type.type
    return isinstance(named, NamedTypeNode) and named.name.value == "String"


def string_lists(schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any] | None) -> dict[str, list[str]]:
    """The variables the shortcut takes: declared ``[String!]`` / ``[String!]!`` in the document's
    only operation, their value a list of ``str``."""
    if not variables or schema.get_type("String") is not GraphQLString:
        return {}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:  # which one runs is build()'s to decide (and to report)
        return {}
    taken: dict[str, list[str]] = {}
    for definition in operations[0].variable_definitions or ():
        name = definition.variable.name.value
        value = variables.get(name)
        # set(map(type, ...)): the items' types in one C loop, 10,000 items in a fraction of a millisecond.
        if type(value) is list and _is_string_list(definition.type) and set(map(type, value)) <= _STRINGS_ONLY:
            taken[name] = list(value)  # the request's own list stays the request's
    return taken


class FastVariables:
    """An execution context mixin: long string lists in variables are coerced in one pass."""

    @classmethod
    def build(  # type: ignore[no-untyped-def]
        cls, schema, document, root_value=None, context_value=None, raw_variable_values=None, *args, **kwargs
    ):
        taken = string_lists(schema, document, raw_variable_values)
        if taken:
            # graphql-core still checks the variable (declared, given, its type an input type) on an empty list.
            raw_variable_values = {**raw_variable_values, **dict.fromkeys(taken, [])}  # type: ignore[dict-item]
        built = super().build(  # type: ignore[misc]
            schema, document, root_value, context_value, raw_variable_values, *args, **kwargs
        )
        if taken and not isinstance(built, list):  # a list is the request's errors
            values = built.variable_values
            for name, value in taken.items():
                values.coerced[name] = value
                values.sources[name] = values.sources[name]._replace(value=value)
        return built
