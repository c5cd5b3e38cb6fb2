"""The exported schema, the public contract and the schema's descriptions."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLType,
    build_schema as parse_sdl,
)

from imalink.schema.build import build_schema
from imalink.schema.export import SCHEMA_FILE, sdl

CONTRACT = Path(__file__).resolve().parents[2].parent / "shared" / "api" / "contract.graphql"


def test_schema_graphql_matches_the_code():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == sdl(), (
        "schema.graphql is stale: run `python -m imalink.schema.export` and commit the result"
    )


@pytest.fixture(scope="module")
def contract():
    if not CONTRACT.exists():
        pytest.skip(f"the public contract is not at {CONTRACT} (clone ../shared beside the repo to check it)")
    return parse_sdl(CONTRACT.read_text(encoding="utf-8"))


# The contract allows a custom scalar serialized as a JSON string where it says String, and an enum
# (whose values serialize to the same strings) for fields carrying a closed set of codes.
STRING_SCALARS = {"LocalDateTime", "UtcOffset", "DateTime"}
ENUM_FOR_STRING = {"ImportProblem.code", "ImportSession.status"}


def _same_type(ours: GraphQLType, theirs: GraphQLType, where: str) -> bool:
    if isinstance(ours, GraphQLNonNull | GraphQLList):
        return type(ours) is type(theirs) and _same_type(ours.of_type, theirs.of_type, where)  # type: ignore[union-attr]
    if isinstance(theirs, GraphQLNonNull | GraphQLList):
        return False
    if str(ours) == str(theirs):
        return True
    if str(theirs) == "String" and isinstance(ours, GraphQLScalarType) and ours.name in STRING_SCALARS:
        return True
    return str(theirs) == "String" and isinstance(ours, GraphQLEnumType) and where in ENUM_FOR_STRING


def test_every_contract_name_exists_with_the_same_type(contract):
    ours = build_schema()._schema
    missing: list[str] = []
    for name, theirs in contract.type_map.items():
        if name.startswith("__"):
            continue
        mine = ours.type_map.get(name)
        if mine is None or not isinstance(mine, type(theirs)):
            missing.append(f"type {name}")
            continue
        if isinstance(theirs, GraphQLEnumType):
            missing += [f"{name}.{v}" for v in theirs.values if v not in mine.values]
        if isinstance(theirs, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in theirs.fields.items():
                own = mine.fields.get(field_name)
                if own is None or not _same_type(own.type, field.type, f"{name}.{field_name}"):
                    missing.append(f"{name}.{field_name}: {field.type} (ours: {own.type if own else 'absent'})")
                    continue
                for arg_name, arg in getattr(field, "args", {}).items():
                    own_arg = own.args.get(arg_name)
                    if own_arg is None or not _same_type(own_arg.type, arg.type, f"{name}.{field_name}({arg_name})"):
                        missing.append(f"{name}.{field_name}({arg_name}: {arg.type})")
                # A field of ours may not demand an argument the contract's clients never send.
                for arg_name, own_arg in getattr(own, "args", {}).items():
                    if arg_name not in getattr(field, "args", {}) and str(own_arg.type).endswith("!"):
                        missing.append(f"{name}.{field_name} requires extra argument {arg_name}")
            if isinstance(theirs, GraphQLInputObjectType):
                extra = [n for n, f in mine.fields.items() if n not in theirs.fields and str(f.type).endswith("!")]
                missing += [f"{name}.{n} is a new required input field" for n in extra]
    assert not missing, "contract broken: " + "; ".join(missing)


def test_every_type_field_argument_and_enum_value_has_a_description():
    schema = build_schema()._schema
    undocumented: list[str] = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not graphql_type.description:
            undocumented.append(name)
        if isinstance(graphql_type, GraphQLEnumType):
            undocumented += [f"{name}.{v}" for v, value in graphql_type.values.items() if not value.description]
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    undocumented.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        undocumented.append(f"{name}.{field_name}({arg_name})")
    assert not undocumented, "missing descriptions: " + ", ".join(undocumented)
