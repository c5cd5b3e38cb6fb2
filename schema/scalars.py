"""Custom scalars: each says what its string or number means, and links to a spec (``@specifiedBy``).

On the wire they are the same JSON strings and numbers as before; generated clients get a named
type per meaning instead of a bare ``String`` (a wall-clock time is not an instant).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NewType

import strawberry
from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

from imalink.schema.errors import coded_error
from imalink.resolvers.errors import ErrorCode
from imalink.resolvers.photos import parse_utc_offset

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer a JSON number carries exactly in every client (JavaScript's Number)."""

BigInt = NewType("BigInt", int)
LocalDateTime = NewType("LocalDateTime", datetime)
UtcOffset = NewType("UtcOffset", str)


def _invalid(message: str, code: ErrorCode = ErrorCode.INVALID_FILTER) -> GraphQLError:
    # A code clients can switch on; ClientSafeErrors keeps it on the error the client sees. The
    # date scalars are inputs of filters only, hence their code.
    return coded_error(code, message)


def _parse_big_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or (isinstance(value, str) and not value.lstrip("-").isdigit()):
        raise _invalid("A BigInt must be an integer.", ErrorCode.INVALID_VALUE)
    number = int(value)
    if abs(number) > MAX_SAFE_INTEGER:
        raise _invalid("A BigInt must be within ±(2^53 - 1).", ErrorCode.INVALID_VALUE)
    return number


def _serialize_local(value: datetime | str) -> str:
    # Photo.takenAt arrives preformatted (its sub-second digits are kept as the camera wrote them).
    return value if isinstance(value, str) else value.isoformat()


def _parse_local(value: object) -> datetime:
    if not isinstance(value, str):
        raise _invalid("A LocalDateTime is a string like 2024-05-01T12:00:00 (or a date, 2024-05-01).")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{value!r} is not an ISO date or date-time like 2024-05-01T12:00:00.") from None
    if moment.tzinfo is not None:
        raise _invalid(f"{value!r} has an offset; a LocalDateTime is a wall-clock time: leave it out.")
    return moment


def _serialize_instant(value: datetime) -> str:
    # Stored naive in UTC (SQLite keeps no zone); written with Z as the API always has.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() + "Z"


def _parse_instant(value: object) -> datetime:
    if not isinstance(value, str):
        raise _invalid("A DateTime is a string like 2024-05-01T12:00:00Z.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{value!r} is not an RFC 3339 date-time like 2024-05-01T12:00:00Z.") from None
    if moment.tzinfo is None:
        raise _invalid(f"{value!r} has no offset; a DateTime is an instant: add Z or +HH:MM.")
    return moment.astimezone(UTC)


def _parse_offset(value: object) -> str:
    # EXIF's rule (exif/policy.py), so what the API takes is what an import stores.
    if not isinstance(value, str) or parse_utc_offset(value) != value:
        raise _invalid("A UtcOffset reads +HH:MM or -HH:MM, within ±14:00.")
    return value


BIG_INT = strawberry.scalar(
    name="BigInt",
    description="Integers up to 2^53 - 1 in magnitude, serialized as JSON numbers (file sizes pass 2^31).",
    specified_by_url="https://tc39.es/ecma262/multipage/numbers-and-dates.html#sec-number.max_safe_integer",
    serialize=int,
    parse_value=_parse_big_int,
)

LOCAL_DATE_TIME = strawberry.scalar(
    name="LocalDateTime",
    description="A camera's wall-clock date and time with no time zone, YYYY-MM-DDTHH:MM:SS with .fff when "
    "sub-seconds are known (e.g. 2024-05-01T12:00:00.250). As input a date alone (2024-05-01) means its midnight.",
    specified_by_url="https://the-guild.dev/graphql/scalars/docs/scalars/local-date-time",
    serialize=_serialize_local,
    parse_value=_parse_local,
)

DATE_TIME = strawberry.scalar(
    name="DateTime",
    description="An instant in UTC, RFC 3339 with a Z: 2026-11-24T02:18:17.123456Z.",
    specified_by_url="https://scalars.graphql.org/andimarek/date-time.html",
    serialize=_serialize_instant,
    parse_value=_parse_instant,
)

UTC_OFFSET = strawberry.scalar(
    name="UtcOffset",
    description="An offset from UTC, +HH:MM or -HH:MM (within ±14:00), as EXIF records it.",
    specified_by_url="https://the-guild.dev/graphql/scalars/docs/scalars/utc-offset",
    serialize=str,
    parse_value=_parse_offset,
)

SCALARS: dict[object, ScalarDefinition] = {
    BigInt: BIG_INT,
    LocalDateTime: LOCAL_DATE_TIME,
    UtcOffset: UTC_OFFSET,
    datetime: DATE_TIME,
}
"""Python types and the scalars they are in the schema (``StrawberryConfig.scalar_map``)."""
