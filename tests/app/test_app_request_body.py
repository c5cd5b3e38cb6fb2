"""The request body reaches Strawberry without another copy (imalink/graphql_view.py ``WholeBodyAdapter``):
a batch of 100 photo groups is 5 MB, and each copy of it costs the import ~2 ms."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import Message

from imalink.graphql_view import ImalinkGraphQL, WholeBodyAdapter


def body_read(messages: list[Message]) -> bytes:
    async def receive() -> Message:
        return messages.pop(0)

    request = Request({"type": "http", "method": "POST", "path": "/graphql", "headers": []}, receive)
    return asyncio.run(WholeBodyAdapter(request).get_body())


def test_a_body_that_arrives_whole_is_handed_over_as_it_is() -> None:
    body = b'{"query": "{ __typename }"}' + b" " * 5_000_000
    assert body_read([{"type": "http.request", "body": body, "more_body": False}]) is body


def test_a_body_in_parts_is_joined_in_order() -> None:
    parts = [b'{"query": ', b"", b'"{ __typename }"}']
    messages: list[Message] = [{"type": "http.request", "body": part, "more_body": True} for part in parts]
    messages.append({"type": "http.request", "body": b"", "more_body": False})
    assert body_read(messages) == b'{"query": "{ __typename }"}'


def test_the_view_reads_its_body_this_way() -> None:
    assert ImalinkGraphQL.request_adapter_class is WholeBodyAdapter
