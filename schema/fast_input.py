"""Building large input objects in one pass.

Strawberry turns each input value into its dataclass by resolving every field's annotation again
for every object it builds. For ``importBatch`` that was about 2 ms per photo group, most of a
batch's time (measured with pyinstrument). graphql-core has already validated and coerced the
values, so the import inputs use Strawberry's ``from_input`` hook to build themselves directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from strawberry.utils.str_converters import to_camel_case


def build_in_one_pass(cls: type, children: Mapping[str, type] | None = None) -> type:
    """Give the Strawberry input ``cls`` a direct builder; ``children`` names its input-object fields.

    Every child must have been given a builder first.
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
        return type_(**kwargs)

    definition.from_input = from_input
    return cls
