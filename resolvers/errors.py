"""Errors a client can act on: a stable machine-readable code plus a human message.

Raised for whole-request problems (an unknown session, a malformed cursor, a batch past its limit);
the schema turns them into GraphQL errors carrying ``extensions.code``. Everything else that goes
wrong is unexpected and gets masked for the client.
"""

from __future__ import annotations

from imalink.db.enums import DescribedEnum


class ErrorCode(DescribedEnum):
    """Every ``extensions.code`` of a GraphQL error: the request as a whole was refused."""

    BATCH_TOO_LARGE = "BATCH_TOO_LARGE", "The batch has more photo groups than the server takes at once."
    UNKNOWN_IMPORT_SESSION = "UNKNOWN_IMPORT_SESSION", "No import session of yours has this id."
    IMPORT_SESSION_COMPLETED = "IMPORT_SESSION_COMPLETED", "The import session is completed; start a new one."
    TOO_MANY_HOTHASHES = "TOO_MANY_HOTHASHES", "A look-up asked for more hashes than the server answers at once."
    INVALID_CURSOR = "INVALID_CURSOR", "The cursor was not made by this server for this listing and order."
    INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE", "first (or last) is outside the page sizes the listing allows."
    INVALID_PAGE_ARGUMENTS = (
        "INVALID_PAGE_ARGUMENTS",
        "Paging arguments that do not go together: first with after pages forward, last with before backward.",
    )
    INVALID_ORDER = "INVALID_ORDER", "An order the listing cannot give (the timeline follows capture time)."
    INVALID_ZOOM = "INVALID_ZOOM", "A map zoom level outside 0-22."
    INVALID_FILTER = "INVALID_FILTER", "A filter condition cannot be used as given (a date, a bounding box)."
    INVALID_VALUE = "INVALID_VALUE", "An argument is not a value of its scalar type (e.g. a BigInt past 2^53)."
    INVALID_RATING = "INVALID_RATING", "A rating outside 0-5."
    INVALID_ROTATION = "INVALID_ROTATION", "A rotation other than 0, 90, 180 or 270."
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE", "The request body is past the server's limit (HTTP 413); send smaller batches."
    # Accounts (resolvers/accounts, schema/permissions.py).
    UNAUTHENTICATED = "UNAUTHENTICATED", (
        "The server has accounts: sign in (signIn), or send an API token as Authorization: Bearer."
    )
    INSUFFICIENT_SCOPE = "INSUFFICIENT_SCOPE", "The API token (or user) lacks the scope this field needs."
    FORBIDDEN = "FORBIDDEN", "Not for this kind of credential (managing tokens needs a signed-in session)."
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", "Wrong user name or password."
    USERNAME_TAKEN = "USERNAME_TAKEN", "There is already a user of that name."
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS", "Too many wrong passwords for this user name lately; wait, then sign in again."
    INTERNAL_ERROR = "INTERNAL_ERROR", "The server failed; nothing of the request was kept. errorId names it in the log."
    # What one request may cost (schema/limits.py, imalink/guard.py); each refusal is the only error.
    QUERY_TOO_LARGE = "QUERY_TOO_LARGE", "The query text is past its limit (variables carry data, not the query)."
    TOO_MANY_TOKENS = "TOO_MANY_TOKENS", "The query has more lexical tokens than the server parses."
    QUERY_TOO_DEEP = "QUERY_TOO_DEEP", "Fields nest deeper than the server allows."
    TOO_MANY_ALIASES = "TOO_MANY_ALIASES", "The query uses more aliases than the server allows."
    DUPLICATE_FIELDS = "DUPLICATE_FIELDS", "One selection set selects the same response key too many times."
    TOO_MANY_DIRECTIVES = "TOO_MANY_DIRECTIVES", "One selection carries more directives than the server allows."
    CIRCULAR_INTROSPECTION = "CIRCULAR_INTROSPECTION", "Introspection lists nest in a cycle (types { fields { type { fields ..."
    QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY", "The query would resolve too many fields (lists multiplied out): ask for smaller pages."
    BODY_TIMEOUT = "BODY_TIMEOUT", "The request body arrived too slowly (HTTP 408)."
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT", "The request ran past the server's time limit and was stopped (HTTP 503)."
    REQUEST_CANCELLED = "REQUEST_CANCELLED", "The request was stopped before it finished (time limit or shutdown); nothing of it was kept."
    INVALID_JSON = "INVALID_JSON", "The request body is not valid JSON, or has a number out of range (HTTP 400)."
    INVALID_REQUEST = "INVALID_REQUEST", (
        "The body is JSON but not a GraphQL request the server takes: no query, variables that are not an "
        "object, an operation name the document lacks, a mutation sent by GET (HTTP 400 or 405)."
    )
    NOT_FOUND = "NOT_FOUND", "Nothing is served at this address (HTTP 404): GraphiQL is off on this server."
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED", "The query is not GraphQL: a syntax error, at the location given."
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED", (
        "The query does not fit the schema: an unknown field or argument, a literal of the wrong type, a "
        "required argument missing, a variable declared but not used."
    )
    INVALID_VARIABLES = "INVALID_VARIABLES", (
        "A variable's value does not fit its declared type, or a required variable is missing or null."
    )
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE", "Operations are POSTed as application/json (HTTP 415)."
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED", "Operations are POSTed; GET serves GraphiQL only (HTTP 405)."


class UserError(Exception):
    """A request the client can fix; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
