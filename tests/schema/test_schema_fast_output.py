"""The one-pass completion of plain objects (schema/fast_output.py) answers exactly as graphql-core does.

Each document runs twice on the same library: through the schema as built (the shortcut) and
through the same schema with Strawberry's stock execution context. The answers must be equal, and
the shortcut must have been taken where the selection is plain (else this would prove nothing).
"""

from __future__ import annotations

import asyncio
import inspect

import graphql
import pytest
from graphql import GraphQLField, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from imalink.local import LocalGraphQL
from imalink.schema import fast_output
from imalink.schema.build import build_schema
from imalink.schema.fast_variables import FastVariables
from imalink.schema.limits import QueryLimits
from imalink.settings import Settings
from tests.api.importing import group, open_session, send
from tests.support.media import distinct_jpegs, exif_blob, sha256

DOCUMENTS = {
    "existingFiles": "query Q($c: [String!]!) { existingFiles(contentHashes: $c) { contentHash hothash filename } }",
    "aliases, __typename, a field twice": (
        "query Q($c: [String!]!) { a: existingFiles(contentHashes: $c) { __typename name: filename filename h: hothash } }"
    ),
    "skip and include": (
        "query Q($c: [String!]!, $yes: Boolean = true) { existingFiles(contentHashes: $c) "
        "{ contentHash @skip(if: $yes) filename @include(if: $yes) } }"
    ),
    "a list of strings": "query Q($h: [String!]!) { existingPhotos(hothashes: $h) { hothash filenames } }",
    "a list of scalars": "query Q($h: [String!]!) { existingHothashes(hothashes: $h) }",
    "strings, some null (the RAWs' content hashes)": "{ photos(first: 10) { edges { node { images { filename contentHash } } } } }",
    "enums, custom scalars, resolvers beside plain fields": (
        "{ photos(first: 10) { edges { cursor node { __typename hothash takenAt takenAtOffset fileless: width height"
        " rating favorite iso exposureTime importSession { status storageDirectory photosCreated startedAt }"
        " images { filename fileSize contentHash } } } pageInfo { hasNextPage endCursor } totalCount } }"
    ),
    "a page as the web app asks: edges, nodes, resolvers of the object alone": (
        "{ photos(first: 10) { edges { cursor node { hothash takenAt width height hotpreviewUrl rating favorite } }"
        " pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
    ),
    "a fragment": (
        "query Q($c: [String!]!) { existingFiles(contentHashes: $c) { ...F } } fragment F on ExistingFile { filename hothash }"
    ),
}


class Watched(fast_output.FastOutputExecutionContext):
    completed = 0
    lists = 0

    def execute_collected_subfields(self, parent_type, source_value, path, grouped_field_set, new_defer_usages, position_context):  # type: ignore[no-untyped-def]
        plan = self._plan(parent_type, grouped_field_set) if not new_defer_usages else None
        Watched.completed += plan is not None
        return super().execute_collected_subfields(parent_type, source_value, path, grouped_field_set, new_defer_usages, position_context)

    def _complete_list(self, item_type, field_details_list, items):  # type: ignore[no-untyped-def]
        completed = super()._complete_list(item_type, field_details_list, items)
        Watched.completed += completed is not fast_output._SLOW
        Watched.lists += completed is not fast_output._SLOW
        return completed


def schema_with(context_class: type) -> object:
    schema = build_schema(QueryLimits.trusted())
    schema.execution_context_class = context_class  # type: ignore[attr-defined]
    return schema


@pytest.fixture
def library(database_url):
    local = LocalGraphQL(settings=Settings(database_url=database_url))
    session = open_session(local)
    groups = []
    for i, preview in enumerate(distinct_jpegs(12, "fast")):
        sent = group(preview, f"IMG_{i}.JPG", f"IMG_{i}.CR2", exif={f"IMG_{i}.JPG": exif_blob(taken=f"2021:06:{i + 1:02d} 12:00:00")})
        sent["images"][0]["contentHash"] = sha256(b"jpeg %d" % i)
        groups.append(sent)
    results = send(local, groups, session)["results"]
    variables = {
        "c": [sha256(b"jpeg %d" % i) for i in range(12)] + [sha256(b"unknown")],
        "h": [r["hothash"] for r in results] + ["0" * 64],
    }
    yield local, variables
    local.close()


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_shortcut_answers_as_graphql_core_does(library, name):
    local, variables = library
    document = DOCUMENTS[name]
    used = {k: v for k, v in variables.items() if f"${k}" in document}
    local.schema = schema_with(StrawberryGraphQLCoreExecutionContext)
    stock = local.execute(document, used)
    Watched.completed = Watched.lists = 0
    local.schema = schema_with(Watched)
    fast = local.execute(document, used)
    assert "errors" not in stock and fast == stock
    assert Watched.completed > 0, "the shortcut was never taken"
    if name.startswith("a page"):  # the edges, their nodes and the nodes' resolvers in one pass
        assert Watched.lists == 1 and len(fast["data"]["photos"]["edges"]) == 10


LISTS = GraphQLSchema(GraphQLObjectType("Query", {
    "nullInNonNull": GraphQLField(GraphQLList(GraphQLNonNull(GraphQLString)), resolve=lambda *_: ["a", None]),
    "nullAllowed": GraphQLField(GraphQLList(GraphQLString), resolve=lambda *_: ["a", None]),
    "refused": GraphQLField(GraphQLList(GraphQLNonNull(GraphQLInt)), resolve=lambda *_: [1, "x"]),
    "nested": GraphQLField(GraphQLList(GraphQLList(GraphQLString)), resolve=lambda *_: [["a"], [None]]),
    "awaited": GraphQLField(GraphQLList(GraphQLString), resolve=lambda *_: ["a", _later("b")]),
}))


async def _later(value: str) -> str:
    return value


@pytest.mark.parametrize("field", ["nullInNonNull", "nullAllowed", "refused", "nested", "awaited"])
def test_a_list_with_an_item_not_plain_answers_as_graphql_core_does(field):
    """A null where the schema says non-null, a value the scalar refuses, an item to await: the list
    takes graphql-core's path, which reports it as usual (the error's path names the item)."""

    async def run(context_class: type) -> object:
        result = graphql.execute(LISTS, graphql.parse("{ %s }" % field), executor_class=context_class)
        return await result if inspect.isawaitable(result) else result

    stock = asyncio.run(run(StrawberryGraphQLCoreExecutionContext))
    fast = asyncio.run(run(fast_output.FastOutputExecutionContext))
    assert (fast.data, [e.formatted for e in fast.errors or []]) == (stock.data, [e.formatted for e in stock.errors or []])
    assert bool(stock.errors) == (field in ("nullInNonNull", "refused"))


def test_the_schema_is_built_with_the_shortcuts():
    context = build_schema().execution_context_class  # type: ignore[attr-defined]
    assert issubclass(context, fast_output.FastOutputExecutionContext) and issubclass(context, FastVariables)
