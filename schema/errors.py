"""How errors reach clients: codes for what they can fix, an error id for everything else.

A :class:`UserError` becomes a GraphQL error with ``extensions.code`` (an ``ErrorCode``); so do
graphql-core's own refusals of a request (``GRAPHQL_PARSE_FAILED``, ``GRAPHQL_VALIDATION_FAILED``,
``INVALID_VARIABLES``), so that a client can switch on every error it can fix. Any
other exception is logged whole under a fresh error id and the client gets only a generic message
with that id, never exception text or a traceback. Strawberry's ``MaskErrors`` would hide the
text too, but gives no id to find the log line by, and masks a scalar's refusal with its code.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension

from imalink.db import interrupts
from imalink.resolvers.errors import ErrorCode, UserError

logger = logging.getLogger("imalink.errors")


def coded_error(
    code: ErrorCode, message: str, *, nodes: Any = None, path: Any = None, **extensions: Any
) -> GraphQLError:
    """A GraphQL error a client can switch on: ``extensions.code`` is an ``ErrorCode`` value. The
    one builder of such errors (scalars, limits, permissions, resolvers' refusals), so they all
    carry their code the same way."""
    return GraphQLError(message, nodes=nodes, path=path, extensions={"code": code.value, **extensions})


def give_code(error: GraphQLError, code: ErrorCode) -> None:
    """Give ``error`` ``code`` in place unless it has one: for an error raised through the
    extensions' hooks, which can only be amended on its way, not replaced."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code.value}


def client_error(error: GraphQLError, validation: bool = False) -> GraphQLError:
    """The form of ``error`` a client may see; ``validation``: validation found it."""
    original = error.original_error
    if isinstance(original, UserError):
        return coded_error(original.code, original.message, nodes=error.nodes, path=error.path)
    if original is None or isinstance(original, GraphQLError):
        # A syntax, validation or input error, which graphql-core or a scalar's parser worded
        # for clients: the message stays, and a code says which. A scalar's own code is kept.
        if error.extensions and "code" in error.extensions:
            return error
        if original is not None and original.extensions:
            return _with_extensions(error, original.extensions)
        code = _input_error_code(error, validation)
        return error if code is None else _with_extensions(error, {"code": code.value})
    scope = interrupts.current()
    if isinstance(original, interrupts.WorkCancelled) or (scope is not None and scope.cancelled):
        # The request was stopped (time limit, client gone, shutdown): its statements failed on purpose.
        return coded_error(ErrorCode.REQUEST_CANCELLED, "The request was stopped.", nodes=error.nodes, path=error.path)
    error_id = uuid.uuid4().hex[:12]
    logger.error("Unexpected error %s at %s", error_id, error.path, exc_info=original)
    return coded_error(
        ErrorCode.INTERNAL_ERROR,
        f"Internal server error (error id {error_id}); the server log has the details.",
        nodes=error.nodes,
        path=error.path,
        errorId=error_id,
    )


def _input_error_code(error: GraphQLError, validation: bool) -> ErrorCode | None:
    if isinstance(error, GraphQLSyntaxError):
        return ErrorCode.GRAPHQL_PARSE_FAILED
    if validation:
        return ErrorCode.GRAPHQL_VALIDATION_FAILED
    if error.path is None:  # before any field ran: coercing the variables
        return ErrorCode.INVALID_VARIABLES
    return None  # graphql-core's word on a field's result (a null where none may be): left as it is


def _with_extensions(error: GraphQLError, extensions: dict[str, Any]) -> GraphQLError:
    """``error`` with ``extensions``, where it points (locations, path) unchanged."""
    return GraphQLError(
        error.message, error.nodes, error.source, error.positions, error.path, extensions={**(error.extensions or {}), **extensions}
    )


class ClientSafeErrors(SchemaExtension):
    """Rewrite every error of a result with :func:`client_error` (one instance per operation)."""

    found_by_validation: frozenset[int] = frozenset()

    def on_validate(self) -> Iterator[None]:
        yield
        # Strawberry later keeps every error of the result in the same list: the validation's own
        # are told apart by what it held now.
        self.found_by_validation = frozenset(map(id, self.execution_context.pre_execution_errors or ()))

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLSyntaxError as error:  # the parser cache parses inside its hook: raised through the hooks
            give_code(error, ErrorCode.GRAPHQL_PARSE_FAILED)
            raise
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [client_error(error, id(error) in self.found_by_validation) for error in result.errors]
