"""Local mode (imalink/local.py): GraphQL run in this process, as ``imalink import`` does for a
library on this machine."""

from __future__ import annotations

from typing import Any

from strawberry.types import ExecutionResult

from tests.api.importing import group, open_session, send
from tests.support.media import distinct_jpegs


def test_a_call_never_writes_out_its_whole_response(gql, monkeypatch):
    """Putting Python's SIGINT handler back, asyncio's runner had the signal module build a message
    naming its main task, and so the task's result: the repr of the whole response, twice a call
    (5.7 ms each for the 5,000 files of a pre-check). The response is not the task's result now."""
    session = open_session(gql)
    send(gql, [group(jpeg, f"IMG_{i}.JPG") for i, jpeg in enumerate(distinct_jpegs(3, "local"))], session)
    written: list[int] = []

    def counting_repr(self: Any) -> str:
        written.append(1)
        return "ExecutionResult(...)"

    monkeypatch.setattr(ExecutionResult, "__repr__", counting_repr)
    response = gql.execute("{ photos(first: 10) { totalCount } }")
    assert response["data"]["photos"]["totalCount"] == 3
    assert written == []
