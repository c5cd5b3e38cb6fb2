"""What a browser (or a page the user visits) can make the server do, over real HTTP.

The first half is graphql-cop's detections (github.com/dolevf/graphql-cop, lib/tests/*), each sent
as graphql-cop sends it and judged by graphql-cop's own criterion; the second half is CORS and the
content-type rule that keeps cross-site requests from changing anything.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, text

from imalink.settings import Settings
from tests.support.server import running_server

ALLOWED = "https://photos.example.org"
MUTATION = 'mutation { createImportSession(input: {storageDirectory: "csrf"}) { id } }'


@pytest.fixture
def server(database_url: str) -> Iterator[str]:
    with running_server(Settings(database_url=database_url, cors_origins=[ALLOWED])) as base:
        yield base


def cop(server: str, payload: str, batch: bool = False) -> httpx.Response:
    """graphql-cop's graph_query(): a JSON POST, operationName "cop" (or an array of ten)."""
    body = [{"query": payload}] * 10 if batch else {"query": payload, "operationName": "cop"}
    return httpx.post(server + "/graphql", json=body)


def sessions(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM import_session")).scalar_one()


# -- graphql-cop's detections -----------------------------------------------------------------


def test_alias_overloading_is_refused(server: str) -> None:
    aliases = "".join(f"alias{i}:__typename \n" for i in range(101))
    answer = cop(server, "query cop { " + aliases + " }").json()
    assert answer["data"] is None and answer["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"


def test_array_batching_is_refused(server: str) -> None:
    answer = cop(server, "query cop { __typename }", batch=True)
    assert answer.status_code == 400 and not isinstance(_json(answer), list)


def test_directive_overloading_is_refused_with_one_error(server: str) -> None:
    answer = cop(server, "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }").json()
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["TOO_MANY_DIRECTIVES"]


def test_field_duplication_is_refused(server: str) -> None:
    answer = cop(server, "query cop { " + "__typename \n" * 500 + "} ").json()
    assert answer["data"] is None and answer["errors"][0]["extensions"]["code"] == "DUPLICATE_FIELDS"


def test_circular_introspection_is_refused(server: str) -> None:
    query = "query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }"
    answer = cop(server, query).json()
    assert answer["data"] is None and answer["errors"][0]["extensions"]["code"] == "CIRCULAR_INTROSPECTION"


def test_queries_and_mutations_by_get_are_refused(server: str, engine: Engine) -> None:
    for query in ("query cop {__typename}", "mutation cop {__typename}", MUTATION):
        answer = httpx.get(server + "/graphql", params={"query": query})
        assert answer.status_code == 405 and answer.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert sessions(engine) == 0


def test_url_encoded_and_other_simple_posts_are_refused(server: str, engine: Engine) -> None:
    form = httpx.post(server + "/graphql", data={"query": MUTATION})
    text_plain = httpx.post(server + "/graphql", content=f'{{"query": "{MUTATION}"}}'.replace('"csrf"', '\\"csrf\\"'),
                            headers={"content-type": "text/plain"})
    multipart = httpx.post(server + "/graphql", files={"operations": (None, f'{{"query": "{MUTATION}"}}')})
    disguised = httpx.post(server + "/graphql", content=b"{}", headers={"content-type": "text/plain, application/json"})
    for answer in (form, text_plain, multipart, disguised):
        assert answer.status_code == 415, answer.text
        assert answer.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert sessions(engine) == 0


def test_no_tracing_in_responses(server: str) -> None:
    answer = cop(server, "query cop { __typename }").json()
    assert answer == {"data": {"__typename": "Query"}}


def test_unhandled_errors_show_no_exception(server: str) -> None:
    answer = cop(server, "qwerty cop { abc }").json()
    assert "exception" not in str(answer).lower() and "traceback" not in str(answer).lower()
    assert answer["errors"][0]["message"].startswith("Syntax Error")


def test_field_suggestions_only_while_introspection_is_on(server: str, database_url: str) -> None:
    on = cop(server, "query cop { __schema { directive } }").json()
    assert "Did you mean" in on["errors"][0]["message"]  # introspection tells as much: documented
    with running_server(Settings(database_url=database_url, introspection=False)) as closed:
        off = cop(closed, "query cop { photos { totalCont } }").json()
        assert "Did you mean" not in str(off) and "totalCont" in off["errors"][0]["message"]
        introspection = cop(closed, "query cop { __schema { types { name fields { name } } } }").json()
        assert introspection["data"] is None
        ide = httpx.get(closed + "/graphql", headers={"accept": "text/html"})
        assert ide.status_code == 404 and "graphiql" not in ide.text.lower()
        assert ide.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_graphiql_is_served_while_introspection_is_on(server: str) -> None:
    page = httpx.get(server + "/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def _json(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text


# -- CORS ---------------------------------------------------------------------------------------


def preflight(server: str, origin: str, headers: str = "content-type") -> httpx.Response:
    return httpx.options(
        server + "/graphql",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": headers},
    )


def test_a_preflight_from_an_allowed_origin_is_answered(server: str) -> None:
    answer = preflight(server, ALLOWED, "content-type, authorization")
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    assert answer.headers["access-control-allow-credentials"] == "true"
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert {"content-type", "authorization"} <= {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    real = httpx.post(server + "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ALLOWED})
    assert real.headers["access-control-allow-origin"] == ALLOWED and real.json()["data"]["__typename"] == "Query"


def test_other_origins_get_no_cors_headers(server: str) -> None:
    # A browser sends a JSON POST only after this preflight allowed it, and shows a page the answer
    # only with the allow-origin header.
    for origin in ("https://evil.example", "null", ALLOWED + ".evil.example", "http://photos.example.org"):
        answer = preflight(server, origin)
        assert answer.status_code == 400 and "access-control-allow-origin" not in answer.headers
        real = httpx.post(server + "/graphql", json={"query": "{ __typename }"}, headers={"Origin": origin})
        assert "access-control-allow-origin" not in real.headers


def test_no_origin_is_allowed_by_default(database_url: str) -> None:
    with running_server(Settings(database_url=database_url)) as base:
        answer = preflight(base, "http://localhost:5173")
        assert answer.status_code == 400 and "access-control-allow-origin" not in answer.headers
