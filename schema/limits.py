"""What one GraphQL document may ask for: every limit on queries, in one place.

A document is measured before graphql-core validates it (validation itself is quadratic in
fields that share a response key, and Strawberry's depth and alias counters walk each fragment
spread again, exponential in nested spreads), in one linear pass with fragments memoised:

- the query text (bytes) and its tokens (Strawberry's ``MaxTokensLimiter``, applied by the parser);
- depth: fields on the longest path, introspection aside;
- aliases, counted as executed (a fragment spread twice counts twice);
- the same response key selected many times in one selection set (field duplication);
- directives on one field, fragment or operation (directive overloading);
- introspection lists nested in a cycle (``__schema { types { fields { type { fields ...``);
- cost: every field resolved counts once per time it is resolved, so lists multiply: a connection
  by its ``first``, a list argument by its length, other lists by the estimates below, and heavy
  fields (a whole hotpreview, decoded EXIF) weigh more. ``Photo -> importSession -> photos`` is a
  cycle of connections; cost is what stops it from multiplying.

A new field needs nothing here to be limited: it counts 1, a new list multiplies by
``DEFAULT_LIST_SIZE``, a new connection by its ``first``. Only a field much heavier than its
neighbours, or a list known to be short, is named below.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    value_from_ast_untyped,
)
from graphql.pyutils import Undefined
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, SchemaExtension
from strawberry.schema.schema import validate_document

from imalink.schema.errors import coded_error, give_code
from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.photos import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """The limits of one document; the app maps its settings onto these."""

    max_query_bytes: int = 32 * 1024
    max_tokens: int = 1000
    max_depth: int = 10
    max_aliases: int = 50
    max_cost: int = 50_000
    max_same_field: int = 10
    max_directives: int = 4
    introspection: bool = True

    @classmethod
    def trusted(cls) -> QueryLimits:
        """For in-process execution by the library's own user (the importer's local mode): no
        stranger can send it anything, so only limits that catch a runaway mistake remain."""
        return cls(max_query_bytes=1 << 20, max_tokens=100_000, max_depth=30, max_aliases=10_000, max_cost=10_000_000)


# Lists known to be short or long, and fields much heavier than one value (``Type.field``).
# "input": as long as the longest list in the arguments of the root field above (a batch's results).
LIST_SIZES: Mapping[str, int | str] = {
    "Photo.images": 4,  # a JPEG, its RAW, a sidecar; the import caps a group at 32
    "PhotoGroupResult.errors": 2,
    "PhotoGroupResult.warnings": 2,
    "BatchImportResult.results": "input",
    "PhotoTimeline.buckets": 400,  # the months of 30 years; DAY buckets: one per day that has photos
    "PhotoMap.clusters": 300,  # a full-screen map; never more than browse.MAX_MAP_CELLS (1024)
    "PhotoFacets.cameraMakes": 50,  # facet lists take first (default 20, at most 500)
    "PhotoFacets.cameraModels": 50,
    "PhotoFacets.lensModels": 50,
    "PhotoFacets.tags": 50,
    "PhotoFacets.years": 30,
    "PhotoFacets.ratings": 6,
}
DEFAULT_LIST_SIZE = 10
FIELD_WEIGHTS: Mapping[str, int] = {
    "Photo.hotpreview": 200,  # base64 of up to a MiB; a grid loads hotpreviewUrl instead
    "Image.exif": 50,  # decodes the EXIF blob
    "Image.exifData": 20,  # base64 of up to 64 KB
}
INTROSPECTION_LISTS = frozenset(
    {"types", "fields", "inputFields", "interfaces", "possibleTypes", "enumValues", "args", "directives"}
)


class LimitExceeded(UserError):
    def error(self, nodes: list[Node] | None = None) -> GraphQLError:
        return coded_error(self.code, self.message, nodes=nodes)


@dataclass(slots=True)
class _Measure:
    """What a selection set costs: its deepest path, aliases and cost (at multiplier 1)."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    keys: Counter[str] = field(default_factory=Counter)


class DocumentMeter:
    """Measures one operation of a parsed (not yet validated) document against ``limits``."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None, limits: QueryLimits
    ) -> None:
        self.schema = schema
        self.limits = limits
        self.variables = dict(variables or {})
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self._memo: dict[tuple[str, int | None, frozenset[str], int, int], _Measure] = {}
        self._active: set[str] = set()
        self._input_size = 1

    def check(self, operation: OperationDefinitionNode) -> int:
        """The operation's cost; :class:`LimitExceeded` when any limit is passed."""
        self._variable_defaults(operation)
        self._directives(operation)
        root = {"query": self.schema.query_type, "mutation": self.schema.mutation_type}.get(operation.operation.value)
        if root is None:
            root = self.schema.subscription_type
        if root is None:
            return 0
        measure = self._selection_set(operation.selection_set, root, None, frozenset(), 0, root=True)
        if measure.aliases > self.limits.max_aliases:
            raise LimitExceeded(
                ErrorCode.TOO_MANY_ALIASES,
                f"The query uses {measure.aliases} aliases; at most {self.limits.max_aliases} are allowed.",
            )
        if measure.cost > self.limits.max_cost:
            raise LimitExceeded(
                ErrorCode.QUERY_TOO_COSTLY,
                f"The query would resolve about {measure.cost} fields; at most {self.limits.max_cost} are allowed. "
                "Ask for smaller pages (first) or fewer nested lists.",
            )
        return measure.cost

    # -- selections ---------------------------------------------------------------------------

    def _selection_set(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        page: int | None,
        introspected: frozenset[str],
        depth: int,
        root: bool = False,
    ) -> _Measure:
        total = _Measure()
        spread: set[str] = set()
        for selection in selection_set.selections:
            self._directives(selection)
            if isinstance(selection, FieldNode):
                part = self._field(selection, parent, page, introspected, depth, root)
                total.keys[(selection.alias or selection.name).value] += 1
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                part = self._selection_set(selection.selection_set, target or parent, page, introspected, depth, root)
                total.keys.update(part.keys)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in spread:
                    continue  # graphql-core merges a fragment spread twice in one selection set
                spread.add(name)
                part = self._fragment(name, page, introspected, depth, root)
                total.keys.update(part.keys)
            else:  # pragma: no cover - the grammar has no other selection
                continue
            total.depth = max(total.depth, part.depth)
            total.aliases += part.aliases
            total.cost += part.cost
        for key, count in total.keys.items():
            if count > self.limits.max_same_field:
                raise LimitExceeded(
                    ErrorCode.DUPLICATE_FIELDS,
                    f"'{key}' is selected {count} times in one selection set; at most {self.limits.max_same_field}.",
                )
        return total

    def _fragment(self, name: str, page: int | None, introspected: frozenset[str], depth: int, root: bool) -> _Measure:
        definition = self.fragments.get(name)
        if definition is None or name in self._active:
            return _Measure()  # unknown or cyclic: validation reports it
        key = (name, page, introspected, int(root), self._input_size)
        if key not in self._memo:
            self._directives(definition)
            target = self.schema.get_type(definition.type_condition.name.value)
            if target is None:
                return _Measure()
            self._active.add(name)
            try:
                # Depth is measured from the spread's own depth, so it is added back below.
                self._memo[key] = self._selection_set(definition.selection_set, target, page, introspected, 0, root)
            finally:
                self._active.discard(name)
        measured = self._memo[key]
        if depth + measured.depth > self.limits.max_depth:
            self._too_deep(depth + measured.depth)
        return _Measure(measured.depth, measured.aliases, measured.cost, measured.keys)

    def _field(
        self,
        node: FieldNode,
        parent: GraphQLNamedType,
        page: int | None,
        introspected: frozenset[str],
        depth: int,
        root: bool,
    ) -> _Measure:
        name = node.name.value
        aliases = 1 if node.alias else 0
        definition = self._field_definition(parent, name)
        if definition is None:
            return _Measure(aliases=aliases)  # an unknown field: validation reports it
        in_introspection = bool(introspected) or name in ("__schema", "__type")
        if in_introspection:
            introspected = self._introspection_path(introspected, name)
        elif depth + 1 > self.limits.max_depth:
            self._too_deep(depth + 1)
        if root:
            self._input_size = max(1, self._longest_list(node))
        weight = FIELD_WEIGHTS.get(f"{parent.name}.{name}", 1)
        if node.selection_set is None:
            return _Measure(depth=1, aliases=aliases, cost=weight)

        result_type = get_nullable_type(definition.type)
        named = get_named_type(definition.type)
        size = 1
        if isinstance(result_type, GraphQLList):
            size = self._list_size(parent, name, node, page)
        child_page = self._page_size(node) if "first" in definition.args else None
        inner = self._selection_set(node.selection_set, named, child_page, introspected, depth + 1)
        if in_introspection:
            cost = weight + inner.cost  # answered from memory; the cycle rule bounds its shape
            return _Measure(depth=0, aliases=aliases + inner.aliases, cost=cost)
        return _Measure(depth=1 + inner.depth, aliases=aliases + inner.aliases, cost=weight + size * inner.cost)

    def _field_definition(self, parent: GraphQLNamedType, name: str) -> Any:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is self.schema.query_type and name == "__schema":
            return SchemaMetaFieldDef
        if parent is self.schema.query_type and name == "__type":
            return TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def _introspection_path(self, introspected: frozenset[str], name: str) -> frozenset[str]:
        if name in INTROSPECTION_LISTS and name in introspected:
            raise LimitExceeded(
                ErrorCode.CIRCULAR_INTROSPECTION,
                f"Introspection lists may not nest in a cycle ('{name}' inside '{name}').",
            )
        return introspected | {name, "__introspection"}

    def _too_deep(self, depth: int) -> None:
        raise LimitExceeded(
            ErrorCode.QUERY_TOO_DEEP, f"The query is {depth} fields deep; at most {self.limits.max_depth} are allowed."
        )

    def _directives(self, node: Any) -> None:
        count = len(getattr(node, "directives", None) or ())
        if count > self.limits.max_directives:
            raise LimitExceeded(
                ErrorCode.TOO_MANY_DIRECTIVES,
                f"{count} directives on one selection; at most {self.limits.max_directives} are allowed.",
            )

    # -- sizes ---------------------------------------------------------------------------------

    def _list_size(self, parent: GraphQLNamedType, name: str, node: FieldNode, page: int | None) -> int:
        if page is not None:
            return page  # the edges (or nodes) of a connection: as many as its first asked for
        known = LIST_SIZES.get(f"{parent.name}.{name}")
        if known == "input":
            return self._input_size
        if isinstance(known, int):
            return known
        longest = self._longest_list(node)
        return longest if longest else DEFAULT_LIST_SIZE

    def _page_size(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value in ("first", "last"):  # a page forward or backward
                value = self._value(argument.value)
                if isinstance(value, int) and not isinstance(value, bool):
                    return max(0, min(value, MAX_PAGE_SIZE))  # past the maximum the resolver refuses
                return DEFAULT_PAGE_SIZE if value is None else MAX_PAGE_SIZE
        return DEFAULT_PAGE_SIZE

    def _longest_list(self, node: FieldNode) -> int:
        return max((_longest(self._value(argument.value)) for argument in node.arguments or ()), default=0)

    def _value(self, value: Any) -> Any:
        found = value_from_ast_untyped(value, self.variables)
        return None if found is Undefined else found  # a variable not given

    def _variable_defaults(self, operation: OperationDefinitionNode) -> None:
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and definition.default_value is not None:
                self.variables[name] = self._value(definition.default_value)


def _longest(value: Any) -> int:
    """The length of the longest list anywhere in ``value`` (JSON-like)."""
    if isinstance(value, list):
        return max([len(value), *(_longest(item) for item in value[:1000])])
    if isinstance(value, dict):
        return max((_longest(item) for item in value.values()), default=0)
    return 0


@functools.lru_cache(maxsize=256)
def _validate(schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]) -> list[GraphQLError]:
    # Keyed by the parsed document, which ParserCache returns again for the same query text.
    return validate_document(schema, document, rules)


class QueryLimitsExtension(SchemaExtension):
    """Applies :class:`QueryLimits` to every operation, then validates what passed (cached)."""

    limits: QueryLimits

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query or ""
        cap = self.limits.max_query_bytes
        if len(query) > cap // 4 and len(query.encode("utf-8", "surrogatepass")) > cap:
            raise LimitExceeded(
                ErrorCode.QUERY_TOO_LARGE, f"The query text exceeds {cap} bytes; variables carry data."
            ).error()
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        schema = context.schema._schema
        if document is not None:
            meter = DocumentMeter(schema, document, context.variables, self.limits)
            try:
                for definition in document.definitions:
                    if isinstance(definition, OperationDefinitionNode):
                        meter.check(definition)
            except LimitExceeded as exceeded:
                context.pre_execution_errors = [exceeded.error()]
            else:
                errors = _validate(schema, document, tuple(context.validation_rules))
                if not self.limits.introspection:  # suggestions would tell the schema introspection hides
                    errors = [_without_suggestion(error) for error in errors]
                context.pre_execution_errors = errors
        yield

    def on_operation(self) -> Iterator[None]:
        # A parse error is raised through the hooks (ParserCache parses inside its own hook) or
        # comes back in the result: either way the token limit's refusal gets its code.
        try:
            yield
        except GraphQLError as error:
            _code_parse_limit(error)
            raise
        for error in getattr(self.execution_context.result, "errors", None) or ():
            _code_parse_limit(error)


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?\s*$")


def _without_suggestion(error: GraphQLError) -> GraphQLError:
    message = _SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(message, nodes=error.nodes, extensions=error.extensions)


_PARSER_LIMITS = {"tokens. Parsing aborted": ErrorCode.TOO_MANY_TOKENS, "nested too deeply": ErrorCode.QUERY_TOO_DEEP}


def _code_parse_limit(error: GraphQLError) -> None:
    """Give the parser's own refusals (too many tokens, nested too deeply) their code."""
    for text, code in _PARSER_LIMITS.items():
        if text in error.message:
            give_code(error, code)


def limit_extensions(limits: QueryLimits) -> list[Any]:
    """The schema extensions enforcing ``limits``, in the order they must run."""

    class Limits(QueryLimitsExtension):
        pass

    Limits.limits = limits
    extensions: list[Any] = [Limits, lambda: MaxTokensLimiter(max_token_count=limits.max_tokens)]
    if not limits.introspection:
        extensions.append(DisableIntrospection)
    return extensions
