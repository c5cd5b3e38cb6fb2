"""How errors reach clients: codes for what they can fix, an error id for everything else.

A :class:`UserError` becomes a GraphQL error with ``extensions.code`` (an ``ErrorCode``). Any
other exception is logged whole under a fresh error id and the client gets only a generic message
with that id, never exception text or a traceback. Strawberry's ``MaskErrors`` would hide the
text too, but gives no id to find the log line by, and masks a scalar's refusal with its code.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
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


def client_error(error: GraphQLError) -> GraphQLError:
    """The form of ``error`` a client may see."""
    original = error.original_error
    if original is None:
        return error  # a syntax, validation or input error: the message is written for clients
    if isinstance(original, UserError):
        return coded_error(original.code, original.message, nodes=error.nodes, path=error.path)
    if isinstance(original, GraphQLError):
        # graphql-core refused an input value (a scalar's parser said why): a client's mistake.
        # Keep the code the scalar gave on the error that wraps it.
        if original.extensions and not error.extensions:
            return GraphQLError(error.message, nodes=error.nodes, path=error.path, extensions=original.extensions)
        return error
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


class ClientSafeErrors(SchemaExtension):
    """Rewrite every error of a result with :func:`client_error`."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [client_error(error) for error in result.errors]
