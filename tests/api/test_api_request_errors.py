"""Every request the server refuses says why with a code a client can switch on, over real HTTP.

What is not JSON, not a GraphQL request, not GraphQL, not fitting the schema or carrying variables
that do not fit their types: each answer is ``application/json`` in the GraphQL error shape with an
``extensions.code`` of ``ErrorCode``, never Strawberry's plain-text refusal, and the server goes on.
"""

from __future__ import annotations

import httpx
import pytest

from imalink.resolvers.errors import ErrorCode
from imalink.settings import Settings
from tests.support.server import running_server

COUNT = "{ photos { totalCount } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('request-errors') / 'library.db'}"
    with running_server(Settings(database_url=url)) as base:
        yield base


def post(server: str, body: bytes) -> httpx.Response:
    return httpx.post(server + "/graphql", content=body, headers={"content-type": "application/json"})


def refusal(response: httpx.Response) -> dict:
    """The one error of a refused request; the answer is JSON whatever its status."""
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert body["data"] is None and len(body["errors"]) == 1, body
    return body["errors"][0]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"query": "{ photos { totalCount } }"', 400, ErrorCode.INVALID_JSON),  # cut short
        (b'{"query": "x", "pad": "\xff"}', 400, ErrorCode.INVALID_JSON),  # not UTF-8
        (b"[" * 5000 + b"]" * 5000, 400, ErrorCode.INVALID_JSON),  # nested past Python's stack
        (b"NaN", 400, ErrorCode.INVALID_JSON),
        (b'{"query": "x", "n": ' + b"9" * 5000 + b"}", 400, ErrorCode.INVALID_JSON),  # past Python's int digits
        (b'{"variables": {}}', 400, ErrorCode.INVALID_REQUEST),  # no query
        (b'{"query": "{ photos { totalCount } }", "variables": [1]}', 400, ErrorCode.INVALID_REQUEST),
        (b'[{"query": "{ photos { totalCount } }"}]', 400, ErrorCode.INVALID_REQUEST),  # a batch
        (b'{"query": "query A { photos { totalCount } }", "operationName": "B"}', 400, ErrorCode.INVALID_REQUEST),
        (b'{"query": "{ photos { totalCount "}', 200, ErrorCode.GRAPHQL_PARSE_FAILED),
        (b'{"query": "{ photos { noSuchField } }"}', 200, ErrorCode.GRAPHQL_VALIDATION_FAILED),
        (b'{"query": "{ photos(first: \\"ten\\") { totalCount } }"}', 200, ErrorCode.GRAPHQL_VALIDATION_FAILED),
        (b'{"query": "query($n: Int!) { photos(first: $n) { totalCount } }"}', 200, ErrorCode.INVALID_VARIABLES),
        (b'{"query": "query($n: Int) { photos(first: $n) { totalCount } }", "variables": {"n": "ten"}}', 200,
         ErrorCode.INVALID_VARIABLES),
        # Past 64 bits the integer stays exact (orjson made it 1e+23), and Int refuses it by its value.
        (b'{"query": "query($n: Int) { photos(first: $n) { totalCount } }", "variables": {"n": 99999999999999999999999}}',
         200, ErrorCode.INVALID_VARIABLES),
    ],
    ids=["cut short", "not utf-8", "nested deep", "nan", "a number of 5,000 digits", "no query", "variables a list", "a batch", "unknown operation",
         "syntax", "unknown field", "literal of a wrong type", "required variable missing", "variable of a wrong type",
         "variable past 64 bits"],
)
def test_a_refused_request_gets_json_with_its_code(server, body, status, code):
    response = post(server, body)
    assert response.status_code == status
    error = refusal(response)
    assert error["extensions"]["code"] == code.value
    assert error["message"] and "Traceback" not in error["message"]
    assert post(server, b'{"query": "' + COUNT.encode() + b'"}').json() == {"data": {"photos": {"totalCount": 0}}}


def test_the_messages_say_where_and_what(server):
    syntax = refusal(post(server, b'{"query": "{ photos { totalCount "}'))
    assert syntax["locations"] == [{"line": 1, "column": 23}] and syntax["message"].startswith("Syntax Error")
    variable = refusal(post(server, b'{"query": "query($n: Int) { photos(first: $n) { totalCount } }", "variables": {"n": 99999999999999999999999}}'))
    assert "99999999999999999999999" in variable["message"] and variable["locations"] == [{"line": 1, "column": 7}]
    assert refusal(post(server, b"{")) == {"message": "The request body is not valid JSON.", "extensions": {"code": "INVALID_JSON"}}
    huge = refusal(post(server, b'{"query": "x", "n": 1e400}'))
    assert huge == {"message": "The request body has a number out of range.", "extensions": {"code": "INVALID_JSON"}}

