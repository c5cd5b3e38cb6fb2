"""Building the import's large inputs in one pass, straight into the import service's values.

Strawberry converts an input value by resolving every field's annotation again for every object
it builds: for ``importBatch`` that was about 2 ms per photo group, most of a batch's time
(measured with pyinstrument; 1.6 ms per group with strawberry-graphql 0.341, against 0.27 ms
here). graphql-core has already validated and coerced the values, so the import inputs use the
``from_input`` hook of Strawberry's type definitions (documented for integrations such as
``strawberry.pydantic``) to build the service's dataclasses directly: one hop and one shape
fewer. ``tests/schema/test_schema_fast_input.py`` pins what this relies on, so that a Strawberry
upgrade that changes it fails there, loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strawberry.utils.str_converters import to_camel_case


def build_in_one_pass(cls: type, target: type, children: Mapping[str, type] | None = None) -> type:
    """Make arguments of the Strawberry input ``cls`` arrive as ``target(**fields)`` (same field names).

    ``children`` names the fields holding input objects; each child must have been given its builder first.
    """
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    children = dict(children or {})
    names = [(field.graphql_name or to_camel_case(field.python_name), field.python_name) for field in definition.fields]

    def from_input(type_: type, value: Mapping[str, Any], context: Any) -> Any:
        kwargs: dict[str, Any] = {}
        for graphql_name, python_name in names:
            if graphql_name not in value:
                continue
            item = value[graphql_name]
            child = children.get(python_name)
            if child is not None and item is not None:
                build = child.__strawberry_definition__.from_input  # type: ignore[attr-defined]
                if isinstance(item, list):
                    item = [build(child, element, context) for element in item]
                else:
                    item = build(child, item, context)
            elif isinstance(item, list):
                item = list(item)  # graphql-core may share default lists between requests
            kwargs[python_name] = item
        return target(**kwargs)

    definition.from_input = from_input
    return cls
