"""String lists in variables taken in one pass (schema/fast_variables.py) coerce exactly as graphql-core does.

Each document runs through graphql-core with Strawberry's stock execution context and with the
shortcut on top of it; the answers (data and errors) must be equal, and the shortcut must have been
taken exactly where the value is a list of strings for a ``[String!]`` variable.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import graphql
import pytest
from graphql import GraphQLArgument, GraphQLField, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from imalink.schema import fast_variables
from imalink.schema.build import build_schema


def _echo(type_: Any) -> GraphQLField:
    return GraphQLField(GraphQLList(GraphQLString), args={"values": GraphQLArgument(type_)},
                        resolve=lambda _, _info, values=None: None if values is None else [str(v) for v in values])


STRINGS = GraphQLList(GraphQLNonNull(GraphQLString))
SCHEMA = GraphQLSchema(GraphQLObjectType("Query", {
    "required": _echo(GraphQLNonNull(STRINGS)),
    "optional": _echo(STRINGS),
    "nullableItems": _echo(GraphQLList(GraphQLString)),
    "ints": _echo(GraphQLNonNull(GraphQLList(GraphQLNonNull(GraphQLInt)))),
}))

REQUIRED = "query Q($v: [String!]!) { required(values: $v) }"
CASES: dict[str, tuple[str, dict[str, Any] | None, bool]] = {
    # name: (document, variables, whether the shortcut takes $v)
    "strings": (REQUIRED, {"v": ["a", "B", "a"]}, True),
    "empty": (REQUIRED, {"v": []}, True),
    "optional list of strings": ("query Q($v: [String!]) { optional(values: $v) }", {"v": ["a"]}, True),
    "a null item": (REQUIRED, {"v": ["a", None]}, False),
    "a number item": (REQUIRED, {"v": ["a", 1]}, False),
    "a bool item": (REQUIRED, {"v": ["a", True]}, False),
    "one string for a list": (REQUIRED, {"v": "a"}, False),
    "missing": (REQUIRED, {}, False),
    "null for a required list": (REQUIRED, {"v": None}, False),
    "null for an optional list": ("query Q($v: [String!]) { optional(values: $v) }", {"v": None}, False),
    "nullable items": ("query Q($v: [String]) { nullableItems(values: $v) }", {"v": ["a", None]}, False),
    "a list of ints": ("query Q($v: [Int!]!) { ints(values: $v) }", {"v": [1, 2]}, False),
    "strings for ints": ("query Q($v: [Int!]!) { ints(values: $v) }", {"v": ["1"]}, False),
    "two operations": (REQUIRED + " query R($v: [String!]!) { optional(values: $v) }", {"v": ["a"]}, False),
    # Validation refuses the document; unvalidated, the variable is still coerced by its declared type.
    "declared strings, used for ints": ("query Q($v: [String!]!) { ints(values: $v) }", {"v": ["a"]}, True),
}


class Fast(fast_variables.FastVariables, StrawberryGraphQLCoreExecutionContext):
    taken: list[str] = []

    @classmethod
    def build(cls, schema, document, root_value=None, context_value=None, raw_variable_values=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        Fast.taken = sorted(fast_variables.string_lists(schema, document, raw_variable_values))
        return super().build(schema, document, root_value, context_value, raw_variable_values, *args, **kwargs)


def run(document: str, variables: dict[str, Any] | None, context_class: type, operation: str | None = None) -> tuple[Any, list[Any]]:
    async def go() -> Any:
        result = graphql.execute(SCHEMA, graphql.parse(document), variable_values=variables,
                                 operation_name=operation, executor_class=context_class)
        return await result if inspect.isawaitable(result) else result

    result = asyncio.run(go())
    return result.data, [error.formatted for error in result.errors or []]


@pytest.mark.parametrize("name", CASES)
def test_the_shortcut_coerces_as_graphql_core_does(name):
    document, variables, taken = CASES[name]
    operation = "Q" if document.count("query ") > 1 else None
    stock = run(document, variables, StrawberryGraphQLCoreExecutionContext, operation)
    fast = run(document, variables, Fast, operation)
    assert fast == stock
    assert Fast.taken == (["v"] if taken else [])


def test_the_request_list_is_not_the_coerced_one():
    """A resolver may keep or change what it got; the request's own value stays as sent."""
    sent = ["a", "b"]
    seen: list[Any] = []
    schema = GraphQLSchema(GraphQLObjectType("Query", {"keep": GraphQLField(
        GraphQLInt, args={"values": GraphQLArgument(GraphQLNonNull(STRINGS))},
        resolve=lambda _, _info, values: seen.append(values) or 0)}))
    result = graphql.execute(schema, graphql.parse("query Q($v: [String!]!) { keep(values: $v) }"),
                             variable_values={"v": sent}, executor_class=Fast)
    assert not result.errors and seen == [sent] and seen[0] is not sent  # type: ignore[union-attr]


def test_the_schema_takes_string_lists_in_one_pass():
    assert issubclass(build_schema().execution_context_class, fast_variables.FastVariables)  # type: ignore[attr-defined]
