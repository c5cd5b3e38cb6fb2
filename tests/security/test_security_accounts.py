"""Accounts against a real server: who may run which field, and one user never reaches another's photos.

Every Query and Mutation field is found by introspection, so a field added later is checked too.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime, timedelta
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from sqlalchemy import Engine, select, text

from imalink.db.tables import api_token_t, auth_session_t
from imalink.local import LocalGraphQL
from imalink.schema.build import ImalinkSchema
from imalink.schema.context import LOCAL_OWNER, Context, SchemaSettings
from imalink.schema.errors import ClientSafeErrors
from imalink.schema.permissions import PermissionCheck
from imalink.settings import Settings
from tests.api.importing import group, open_session, send
from tests.support.accounts import CREATE_TOKEN, PASSWORD, SIGN_IN, Client, add_user, error_code, signed_in, token
from tests.support.graphql import data
from tests.support.media import b64, distinct_jpegs, exif_blob, sha256
from tests.support.server import running_server

PUBLIC_FIELDS = {"viewer", "signIn", "signOut"}
REFUSALS = {"UNAUTHENTICATED", "INSUFFICIENT_SCOPE", "FORBIDDEN"}
SCOPES = ["READ", "IMPORT", "EDIT", "ADMIN"]

TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }"
ROOTS = f"""{{ __schema {{
  queryType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }}
  mutationType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }}
}} }}"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, media_dir=tmp_path / "media")


@pytest.fixture
def server(settings: Settings, engine: Engine) -> Iterator[str]:
    with running_server(settings, engine) as base:
        yield base


def _type(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return _type(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return f"[{_type(ref['ofType'])}]"
    return ref["name"]


def _named_kind(ref: dict[str, Any]) -> str:
    return _named_kind(ref["ofType"]) if ref["kind"] in ("NON_NULL", "LIST") else ref["kind"]


def operations(base: str) -> dict[str, str]:
    """Every root field as a document of its own: its arguments as (unset) variables. The permission
    check runs before variables are coerced, so a refusal is the only possible error before it."""
    schema = data(Client(base).execute(ROOTS))["__schema"]
    documents = {}
    for kind, root in (("query", schema["queryType"]), ("mutation", schema["mutationType"])):
        for field in root["fields"]:
            variables = ", ".join(f"$a{i}: {_type(arg['type'])}" for i, arg in enumerate(field["args"]))
            arguments = ", ".join(f"{arg['name']}: $a{i}" for i, arg in enumerate(field["args"]))
            selection = " { __typename }" if _named_kind(field["type"]) in ("OBJECT", "INTERFACE", "UNION") else ""
            head = f"{kind} Op({variables})" if variables else kind
            documents[field["name"]] = f"{head} {{ {field['name']}{f'({arguments})' if arguments else ''}{selection} }}"
    return documents


def test_every_field_needs_credentials_once_the_server_has_users(server, engine):
    add_user(engine, "anna")
    documents = operations(server)  # introspection stays open: codegen and the sign-in page need it
    assert {"photos", "importBatch", "deletePhoto", "createApiToken"} <= documents.keys()
    anonymous, forged = Client(server), Client(server, token="imalink_" + "x" * 43)
    for name, document in documents.items():
        code = error_code(anonymous.execute(document))
        if name in PUBLIC_FIELDS:
            assert code not in REFUSALS, name
        else:
            assert code == "UNAUTHENTICATED", name
        # A token that is not one refuses everything, public fields too: never a silent downgrade.
        assert error_code(forged.execute(document)) == "UNAUTHENTICATED", name


def test_every_field_refuses_a_token_without_its_scope(server, engine):
    add_user(engine, "anna")  # the first user: an admin, so every scope can be given
    documents = operations(server)
    clients = {scope: Client(server, token(server, "anna", [scope])) for scope in SCOPES}
    allowed: dict[str, set[str]] = {}
    for name, document in documents.items():
        codes = {scope: error_code(client.execute(document)) for scope, client in clients.items()}
        allowed[name] = {scope for scope, code in codes.items() if code not in REFUSALS}
        if name not in PUBLIC_FIELDS:
            assert allowed[name] != set(SCOPES), f"{name} is open to every scope: {codes}"
            assert {codes[s] for s in SCOPES if s not in allowed[name]} <= {"INSUFFICIENT_SCOPE", "FORBIDDEN"}
    assert allowed["photos"] == allowed["photoTimeline"] == allowed["photoMap"] == allowed["photoFacets"] == {"READ"}
    assert allowed["existingFiles"] == allowed["existingPhotos"] == {"READ", "IMPORT"}  # what an importer asks first
    assert allowed["importBatch"] == allowed["createImportSession"] == {"IMPORT"}
    assert allowed["updatePhoto"] == allowed["deletePhoto"] == {"EDIT"}
    assert allowed["createUser"] == allowed["users"] == {"ADMIN"}
    # Tokens are managed by a person signed in with a password, never by a token.
    assert allowed["createApiToken"] == allowed["revokeApiToken"] == allowed["apiTokens"] == set()


def test_a_field_that_declares_no_access_is_refused_to_everybody():
    @strawberry.type
    class Query:
        @strawberry.field(description="Declares nothing.")
        def forgotten(self) -> str:
            return "leaked"

    schema = ImalinkSchema(query=Query, extensions=[PermissionCheck, ClientSafeErrors])
    context = Context.for_request(None, SchemaSettings(), LOCAL_OWNER)  # type: ignore[arg-type]  # never reached
    result = schema.execute_sync("{ forgotten }", context_value=context)
    assert result.data is None
    assert [e.extensions["code"] for e in result.errors] == ["FORBIDDEN"]


def test_sign_in_sets_a_strict_httponly_cookie_kept_hashed_and_sign_out_ends_it(server, engine):
    add_user(engine, "anna")
    browser = Client(server)
    response = browser.http.post("/graphql", json={"query": SIGN_IN, "variables": {"u": "ANNA", "p": PASSWORD}})
    assert data(response.json())["signIn"]["user"]["username"] == "anna"
    cookie = response.headers["set-cookie"]
    secret = browser.http.cookies["imalink_session"]
    assert secret not in response.text  # the answer never carries the secret: page scripts cannot read it
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=2592000"):
        assert attribute.lower() in cookie.lower()
    with engine.connect() as conn:
        assert conn.execute(select(auth_session_t.c.secret_hash)).scalars().all() == [hashlib.sha256(secret.encode()).hexdigest()]
    assert data(browser.execute("{ viewer { user { username } signedIn accounts scopes } }"))["viewer"] == {
        "user": {"username": "anna"}, "signedIn": True, "accounts": True, "scopes": ["READ", "IMPORT", "EDIT", "ADMIN"],
    }
    signed_out = browser.http.post("/graphql", json={"query": "mutation { signOut }"})
    assert signed_out.json()["data"] == {"signOut": True}
    assert 'imalink_session=""' in signed_out.headers["set-cookie"] or "max-age=0" in signed_out.headers["set-cookie"].lower()
    replay = Client(server)
    replay.http.cookies.set("imalink_session", secret)
    assert data(replay.execute("{ viewer { user { username } } }"))["viewer"] is None  # the old cookie is dead
    assert error_code(replay.execute("{ photos { totalCount } }")) == "UNAUTHENTICATED"


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(server, engine):
    add_user(engine, "anna")
    wrong = Client(server).execute(SIGN_IN, {"u": "anna", "p": "not the password"})
    unknown = Client(server).execute(SIGN_IN, {"u": "nobody", "p": PASSWORD})
    assert error_code(wrong) == error_code(unknown) == "INVALID_CREDENTIALS"
    assert wrong["errors"][0]["message"] == unknown["errors"][0]["message"]


def test_guessing_one_users_password_is_stopped_after_ten_tries(server, engine):
    guessed, other = f"carl{uuid.uuid4().hex[:6]}", f"dora{uuid.uuid4().hex[:6]}"
    add_user(engine, guessed)
    add_user(engine, other)
    guesser = Client(server)
    for attempt in range(10):
        assert error_code(guesser.execute(SIGN_IN, {"u": guessed, "p": f"guess {attempt}"})) == "INVALID_CREDENTIALS"
    # Now even the right password is refused (a guesser learns nothing); other users sign in as usual.
    assert error_code(guesser.execute(SIGN_IN, {"u": guessed.upper(), "p": PASSWORD})) == "TOO_MANY_ATTEMPTS"
    assert error_code(Client(server).execute(SIGN_IN, {"u": other, "p": PASSWORD})) is None


def test_api_tokens_are_shown_once_stored_hashed_used_and_revoked(server, engine):
    add_user(engine, "anna")
    add_user(engine, "bob")
    browser = signed_in(server, "bob")
    made = data(browser.execute(CREATE_TOKEN, {"name": "laptop importer", "scopes": ["READ", "IMPORT"]}))["createApiToken"]
    secret, token_id = made["secret"], made["token"]["id"]
    assert secret.startswith("imalink_") and made["token"]["scopes"] == ["READ", "IMPORT"]
    with engine.connect() as conn:
        stored = conn.execute(select(api_token_t)).one()
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in str(tuple(stored))
    listed = data(browser.execute("{ apiTokens { id name scopes lastUsedAt } }"))["apiTokens"]
    assert listed == [{"id": token_id, "name": "laptop importer", "scopes": ["READ", "IMPORT"], "lastUsedAt": None}]

    script = Client(server, secret)
    assert data(script.execute("{ photos { totalCount } }"))["photos"]["totalCount"] == 0
    assert data(browser.execute("{ apiTokens { lastUsedAt } }"))["apiTokens"][0]["lastUsedAt"] is not None
    assert error_code(script.execute(CREATE_TOKEN, {"name": "more", "scopes": ["READ"]})) == "FORBIDDEN"
    # No more than one's own scopes: bob is no admin.
    assert error_code(browser.execute(CREATE_TOKEN, {"name": "x", "scopes": ["ADMIN"]})) == "INSUFFICIENT_SCOPE"
    assert error_code(browser.execute(CREATE_TOKEN, {"name": "x", "scopes": []})) == "INVALID_VALUE"
    # Another user cannot revoke it (nor learn it exists); its owner can, and it stops at once.
    anna = signed_in(server, "anna")
    assert data(anna.execute("mutation($id: Int!) { revokeApiToken(id: $id) }", {"id": token_id})) == {"revokeApiToken": False}
    assert data(anna.execute("{ apiTokens { id } }"))["apiTokens"] == []
    assert error_code(script.execute("{ photos { totalCount } }")) is None
    assert data(browser.execute("mutation($id: Int!) { revokeApiToken(id: $id) }", {"id": token_id})) == {"revokeApiToken": True}
    refused = script.execute("{ photos { totalCount } }")
    assert error_code(refused) == "UNAUTHENTICATED" and "revoked" in refused["errors"][0]["message"]


def test_sessions_and_tokens_stop_working_when_they_expire(settings, engine):
    add_user(engine, "anna")
    with running_server(settings.model_copy(update={"session_lifetime": 2.0}), engine) as server:
        browser = signed_in(server, "anna")
        cookie = browser.http.cookies["imalink_session"]
        soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
        made = browser.execute(
            "mutation($at: DateTime!) { createApiToken(input: {name: \"brief\", scopes: [READ], expiresAt: $at}) { secret token { expiresAt } } }",
            {"at": soon},
        )
        script = Client(server, data(made)["createApiToken"]["secret"])
        assert error_code(script.execute("{ photos { totalCount } }")) is None
        past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        assert error_code(browser.execute(
            "mutation($at: DateTime!) { createApiToken(input: {name: \"x\", scopes: [READ], expiresAt: $at}) { secret } }", {"at": past}
        )) == "INVALID_VALUE"
        time.sleep(2.5)
        assert error_code(script.execute("{ photos { totalCount } }")) == "UNAUTHENTICATED"
        # The server refuses the old session itself (whatever the browser does with Max-Age).
        replay = Client(server)
        replay.http.cookies.set("imalink_session", cookie)
        assert data(replay.execute("{ viewer { user { username } } }")) == {"viewer": None}


def test_one_user_never_reaches_another_users_photos(server, engine, settings):
    add_user(engine, "anna")
    add_user(engine, "bob")
    anna = Client(server, token(server, "anna", ["READ", "IMPORT", "EDIT"]))
    bob = Client(server, token(server, "bob", ["READ", "IMPORT", "EDIT"]))
    preview, cold = distinct_jpegs(2, "private")
    content_hash = sha256(b"the file's bytes")
    session = open_session(anna, "Family")
    created = send(anna, [group(
        preview, "IMG_1.JPG", exif={"IMG_1.JPG": exif_blob(gps=(59.9, 10.7))}, tags=["home"], coldpreview=b64(cold),
    )], session)
    anna_image = created["results"][0]
    assert anna_image["status"] == "CREATED"
    data(anna.execute(
        "mutation($input: BatchImportInput!) { importBatch(input: $input) { photosCreated } }",
        {"input": {"importSessionId": session, "photoGroups": [
            {"hothash": sha256(preview), "images": [{"filename": "IMG_1.CR2", "contentHash": content_hash}]}]}},
    ))
    hothash = sha256(preview)
    everything = {"south": -90, "west": -180, "north": 90, "east": 180}

    asked: set[str] = set()

    def ask(name: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        asked.add(name)
        return data(bob.execute(query, variables))[name]

    assert ask("photos", "{ photos { totalCount edges { node { hothash } } } }") == {"totalCount": 0, "edges": []}
    assert ask("photo", "query($h: String!) { photo(hothash: $h) { hothash } }", {"h": hothash}) is None
    assert ask("existingHothashes", "query($h: [String!]!) { existingHothashes(hothashes: $h) }", {"h": [hothash]}) == []
    assert ask("existingPhotos", "query($h: [String!]!) { existingPhotos(hothashes: $h) { hothash } }", {"h": [hothash]}) == []
    assert ask("existingFiles", "query($c: [String!]!) { existingFiles(contentHashes: $c) { hothash } }", {"c": [content_hash]}) == []
    assert ask("photoTimeline", "{ photoTimeline(granularity: DAY) { totalCount undatedCount buckets { count } } }") == {
        "totalCount": 0, "undatedCount": 0, "buckets": []}
    assert ask("photoMap", "query($b: BoundingBoxInput!) { photoMap(bbox: $b, zoom: 3) { totalCount clusters { count } } }",
               {"b": everything}) == {"totalCount": 0, "clusters": []}
    facets = ask("photoFacets", "{ photoFacets { cameraMakes { value } tags { value } years { year } } }")
    assert facets == {"cameraMakes": [], "tags": [], "years": []}
    assert ask("importSession", "query($id: Int!) { importSession(id: $id) { id } }", {"id": session}) is None
    assert ask("importSessions", "{ importSessions { totalCount } }") == {"totalCount": 0}
    assert ask("updatePhoto", 'mutation($h: String!) { updatePhoto(hothash: $h, input: {title: "mine"}) { title } }', {"h": hothash}) is None
    assert ask("deletePhoto", "mutation($h: String!) { deletePhoto(hothash: $h) }", {"h": hothash}) is False
    for name, document in (
        ("completeImportSession", "mutation($id: Int!) { completeImportSession(id: $id) { id } }"),
        ("importBatch", "mutation($id: Int!) { importBatch(input: {importSessionId: $id, photoGroups: []}) { photosCreated } }"),
        ("createPhotoGroup", 'mutation($id: Int!) { createPhotoGroup(input: {importSessionId: $id, images: [{filename: "A.JPG"}], hothash: "' + hothash + '"}) { status errors { code } } }'),
    ):
        asked.add(name)
        answer = bob.execute(document, {"id": session})
        assert error_code(answer) == "UNKNOWN_IMPORT_SESSION" or answer["data"][name]["errors"][0]["code"] == "UNKNOWN_IMPORT_SESSION", answer
    # Bob's own session and the same picture: a photo of his own, Anna's untouched.
    asked.add("createImportSession")
    assert send(bob, [group(preview, "IMG_1.JPG")], open_session(bob))["results"][0]["status"] == "CREATED"
    # The same picture in both libraries: a look-alike, but never one across two users.
    clusters = "{ duplicateClusters { totalCount edges { node { __typename } } } }"
    assert ask("duplicateClusters", clusters) == {"totalCount": 0, "edges": []}
    assert data(anna.execute(clusters))["duplicateClusters"]["totalCount"] == 0
    for route in ("hotpreview", "coldpreview"):
        assert bob.http.get(f"/{route}/{hothash}.jpg").status_code == (200 if route == "hotpreview" else 404)
        assert anna.http.get(f"/{route}/{hothash}.jpg").status_code == 200
        assert httpx.get(f"{server}/{route}/{hothash}.jpg").status_code == 401  # no credentials
    assert anna.http.get(f"/coldpreview/{hothash}.jpg").content == cold

    photo = data(anna.execute("query($h: String!) { photo(hothash: $h) { title images { filename } } }", {"h": hothash}))["photo"]
    assert photo == {"title": None, "images": [{"filename": "IMG_1.JPG"}, {"filename": "IMG_1.CR2"}]}
    assert data(anna.execute("{ photos { totalCount } }"))["photos"]["totalCount"] == 1
    # Every field that reaches a library was tried (account fields act on the viewer alone, above;
    # importLimits is the server's configuration, the same for everybody).
    library_fields = set(operations(server)) - {
        "viewer", "apiTokens", "users", "signIn", "signOut", "createApiToken", "revokeApiToken", "createUser", "importLimits"}
    assert asked == library_fields


def test_the_first_user_takes_over_the_library_made_without_accounts(settings, engine):
    preview = distinct_jpegs(1, "before")[0]
    with LocalGraphQL(settings=settings) as local:  # imported before anyone signed in
        send(local, [group(preview, "OLD.JPG")], open_session(local))
    add_user(engine, "anna")
    add_user(engine, "bob")
    with running_server(settings, engine) as server:
        anna = Client(server, token(server, "anna", ["READ"]))
        bob = Client(server, token(server, "bob", ["READ"]))
        assert data(anna.execute("{ photos { edges { node { hothash } } } }"))["photos"]["edges"] == [
            {"node": {"hothash": sha256(preview)}}]
        assert data(bob.execute("{ photos { totalCount } }"))["photos"]["totalCount"] == 0
        assert data(anna.execute("{ viewer { user { id isAdmin } } }"))["viewer"]["user"] == {"id": 1, "isAdmin": True}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM app_user WHERE password_hash IS NULL")).scalar_one() == 0


def test_without_users_the_loopback_server_opens_straight_away_and_only_there(server, engine):
    local = Client(server)
    assert data(local.execute("{ viewer { user { username } accounts signedIn } }"))["viewer"] == {
        "user": {"username": "owner"}, "accounts": False, "signedIn": False}
    assert data(local.execute("{ photos { totalCount } }")) == {"photos": {"totalCount": 0}}
    # Another name for this address (DNS rebinding, a reverse proxy): no library without accounts.
    for host in ("photos.example.org", "evil.example:8000", "192.168.1.20"):
        refused = local.http.post("/graphql", json={"query": "{ photos { totalCount } }"}, headers={"Host": host}).json()
        assert error_code(refused) == "UNAUTHENTICATED" and "imalink user add" in refused["errors"][0]["message"], host
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert error_code(local.http.post("/graphql", json={"query": "{ photos { totalCount } }"}, headers={"Host": host}).json()) is None
    # Once a user exists, every request needs credentials; health and the web app's files stay open.
    add_user(engine, "anna")
    assert error_code(local.execute("{ photos { totalCount } }")) == "UNAUTHENTICATED"
    assert httpx.get(f"{server}/healthz").status_code == 200
    assert httpx.get(f"{server}/", headers={"Accept": "text/html"}).status_code in (200, 503)  # 503: web app not built
    assert data(local.execute("{ viewer { user { username } } }")) == {"viewer": None}


def test_a_cross_site_form_or_text_post_with_the_cookie_changes_nothing(server, engine):
    add_user(engine, "anna")
    browser = signed_in(server, "anna")
    preview = distinct_jpegs(1, "csrf")[0]
    send(browser, [group(preview, "A.JPG")], open_session(browser))
    delete = '{"query": "mutation { deletePhoto(hothash: \\"%s\\") }"}' % sha256(preview)
    for content_type, body in (
        ("text/plain", delete),
        ("application/x-www-form-urlencoded", "query=" + httpx.QueryParams({"q": delete})["q"]),
        ("multipart/form-data; boundary=x", f'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{delete}\r\n--x--\r\n'),
    ):
        response = browser.http.post("/graphql", content=body, headers={"Content-Type": content_type, "Origin": "https://evil.example"})
        assert response.status_code == 415, content_type
    assert data(browser.execute("{ photos { totalCount } }"))["photos"]["totalCount"] == 1
