"""Custom scalars of the public contract."""

from __future__ import annotations

from typing import NewType

import strawberry

MAX_SAFE_INTEGER = 2**53


def _parse_big_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("BigInt must be an integer.")
    number = int(value)
    if abs(number) > MAX_SAFE_INTEGER:
        raise ValueError("BigInt must be within ±2^53.")
    return number


BigInt = NewType("BigInt", int)

BIG_INT_DEFINITION = strawberry.scalar(
    name="BigInt",
    description="Integers up to 2^53, serialized as JSON numbers (file sizes pass 2^31).",
    serialize=int,
    parse_value=_parse_big_int,
)
