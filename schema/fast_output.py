"""Completing long lists of plain objects in one pass: the output's counterpart of fast_input.py.

graphql-core executes every field of every object on its own: a path, a resolve info, the
resolver, an awaitable check, leaf completion. That is right for fields that compute something,
and about 5 µs a field. ``existingFiles`` answers 10,000 content hashes with up to 10,000 objects of
three plain fields: 150 ms of field machinery for values that are attributes already there.
Measured with py-spy and cProfile (benchmarks/precheck_bench.py --profile): the execution of those
fields cost more than the database's index probes.

This execution context takes a shortcut for an object whose selected fields are *all plain*:
declared on a Strawberry type without a permission or field extension, without arguments, with no
resolver or one computed from the object alone (``def taken_at(self)``: not async, no ``info``),
of a scalar or enum type or a list of those, or of an object type whose selection is plain in turn
(or ``__typename``). Their values are read as attributes or from that resolver and serialized by
the field's own type, exactly what the default path computes. A page of 100 photos as the web app
asks for it (edges, cursor, node with ``takenAt`` and ``hotpreviewUrl``) is ~9,000 field
executions the usual way: 36 -> 24 ms of CPU a request at 100,000 photos (cProfile, load ~10).
Anything else (a resolver anywhere in the selection, ``@defer``/``@stream``, a null where the
schema says non-null, so that the usual error is raised) goes the usual way.

A list of such objects, or of scalars (``existingHothashes``' 10,000 strings), is completed in
one pass too: graphql-core otherwise makes a path and three calls per item before it gets to the
object or the scalar's ``serialize`` (about 25 ms for 10,000 items). An item that is not plain
(awaitable, null where the schema says non-null, refused by ``serialize``) sends the whole list
the usual way, which reports it as usual.
``tests/schema/test_schema_fast_output.py`` checks that both paths answer the same, and would fail
loudly on a graphql-core or Strawberry upgrade that changes what this relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from inspect import isawaitable
from typing import Any

from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_DEFINITION = "strawberry-definition"
_SLOW = object()
_TYPENAME, _LEAF, _OBJECT = 0, 1, 2
# (response key, kind, read: an attribute's name or a resolver taking the object alone,
#  the type's name / the leaf's serialize / the object's own plan, non-null, list?, non-null items)
Plan = tuple[tuple[str, int, Any, Any, bool, bool, bool], ...]


def _reads_self_only(resolver: Any) -> bool:
    """A resolver computed from the object alone (``def taken_at(self)``): no info, no arguments, not async."""
    if resolver.is_async:
        return False
    parameters = list(resolver.signature.parameters.values())
    return len(parameters) == 1 and parameters[0].name == "self" and callable(resolver.wrapped_func)


def _plain_field(
    parent_type: GraphQLObjectType,
    response_name: str,
    details: Sequence[Any],
    object_plan: Callable[[GraphQLObjectType, Sequence[Any]], Plan | None],
) -> tuple[Any, ...] | None:
    node = details[0].node
    name = node.name.value
    if name == "__typename":
        return (response_name, _TYPENAME, None, parent_type.name, True, False, False)
    if node.arguments or len({d.node.name.value for d in details}) != 1:
        return None
    field = parent_type.fields.get(name)
    definition = field.extensions.get(_DEFINITION) if field is not None else None
    if definition is None or definition.permission_classes or definition.extensions:
        return None
    resolver = definition.base_resolver
    if resolver is None:
        read: Any = definition.python_name
    elif _reads_self_only(resolver):
        read = resolver.wrapped_func
    else:
        return None
    type_, non_null = field.type, False
    if isinstance(type_, GraphQLNonNull):
        type_, non_null = type_.of_type, True
    listed = items_non_null = False
    if isinstance(type_, GraphQLList):
        listed, type_ = True, type_.of_type
        if isinstance(type_, GraphQLNonNull):
            type_, items_non_null = type_.of_type, True
    if is_leaf_type(type_):
        return (response_name, _LEAF, read, type_.serialize, non_null, listed, items_non_null)
    if listed or not isinstance(type_, GraphQLObjectType) or type_.is_type_of is not None:
        return None
    # An object of plain fields itself (a page's edge and its node): completed in the same pass.
    inner = object_plan(type_, details)
    return None if inner is None else (response_name, _OBJECT, read, inner, non_null, False, False)


class FastOutputExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing objects of plain fields in one pass."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[int, tuple[Any, Plan | None]] = {}

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        # grouped_field_set is memoized by collect_subfields: one per selection, kept alive with it.
        key = id(grouped_field_set)
        cached = self._plans.get(key)
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        fields = []
        for response_name, details in grouped_field_set.items():
            plain = _plain_field(parent_type, response_name, details, self._object_plan)
            if plain is None:
                fields = None
                break
            fields.append(plain)
        plan = tuple(fields) if fields else None
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def _object_plan(self, object_type: GraphQLObjectType, field_details_list: Sequence[Any]) -> Plan | None:
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        return None if new_defer_usages else self._plan(object_type, grouped_field_set)

    def execute_collected_subfields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        new_defer_usages: Sequence[Any],
        position_context: Any,
    ) -> Any:
        if not new_defer_usages:
            plan = self._plan(parent_type, grouped_field_set)
            if plan is not None:
                completed = _complete(plan, source_value)
                if completed is not _SLOW:
                    return completed
        return super().execute_collected_subfields(
            parent_type, source_value, path, grouped_field_set, new_defer_usages, position_context
        )

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        items: Any,
        position_context: Any,
    ) -> Any:
        if type(items) is list and self.get_stream_usage(field_details_list, path) is None:
            completed = self._complete_list(item_type, field_details_list, items)
            if completed is not _SLOW:
                return completed
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def _complete_list(self, item_type: Any, field_details_list: Any, items: list[Any]) -> Any:
        non_null = isinstance(item_type, GraphQLNonNull)
        inner = item_type.of_type if non_null else item_type
        is_awaitable = self.is_awaitable
        if is_leaf_type(inner):
            serialize = inner.serialize
            completed: list[Any] = []
            append = completed.append
            try:
                for item in items:
                    if item is None:
                        if non_null:
                            return _SLOW
                        append(None)
                        continue
                    if is_awaitable(item) or isinstance(item, Exception):
                        return _SLOW
                    value = serialize(item)
                    if value is None or value is Undefined:
                        return _SLOW
                    append(value)
            except Exception:
                return _SLOW  # the usual path reports it where it belongs
            return completed
        if not isinstance(inner, GraphQLObjectType) or inner.is_type_of is not None:
            return _SLOW
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(inner, field_details_list)
        plan = None if new_defer_usages else self._plan(inner, grouped_field_set)
        if plan is None:
            return _SLOW
        completed = []
        append = completed.append
        for item in items:
            if item is None:
                if non_null:
                    return _SLOW
                append(None)
                continue
            if is_awaitable(item) or isinstance(item, Exception):
                return _SLOW
            try:
                value = _complete(plan, item)
            except Exception:
                return _SLOW
            if value is _SLOW:
                return _SLOW
            append(value)
        return completed


def _complete(plan: Plan, source: Any) -> Any:
    result: dict[str, Any] = {}
    for response_name, kind, read, how, non_null, listed, items_non_null in plan:
        if kind == _TYPENAME:
            result[response_name] = how  # the type's name
            continue
        if type(read) is str:
            try:
                value = getattr(source, read)
            except AttributeError:
                return _SLOW  # the usual path reports it
        else:
            try:
                value = read(source)
            except Exception:
                return _SLOW  # the usual path calls it again and reports it
            if isawaitable(value):
                return _SLOW
        if value is None:
            if non_null:
                return _SLOW  # the usual path raises the usual error
            result[response_name] = None
        elif kind == _OBJECT:
            completed = _complete(how, value)
            if completed is _SLOW:
                return _SLOW
            result[response_name] = completed
        elif listed:
            if items_non_null and None in value:  # list.__contains__: in C, a generator cost 0.4 µs a list
                return _SLOW
            result[response_name] = [None if item is None else how(item) for item in value]
        else:
            result[response_name] = how(value)
    return result
