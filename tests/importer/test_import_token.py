"""``imalink import`` against a server with accounts: an API token from --token or IMALINK_TOKEN."""

from __future__ import annotations

import json

import pytest

from imalink.db.engine import make_engine
from imalink.importer.cli import main
from tests.support.accounts import Client, add_user, token
from tests.support.graphql import data


@pytest.fixture
def server_with_users(imalink_server):
    engine = make_engine(imalink_server.database_url)
    add_user(engine, "anna")
    engine.dispose()
    return imalink_server


def _count(url: str, secret: str) -> int:
    return data(Client(url, secret).execute("{ photos { totalCount } }"))["photos"]["totalCount"]


def test_without_a_token_the_import_stops_at_once_and_says_why(photo_tree, server_with_users, capsys, monkeypatch) -> None:
    monkeypatch.delenv("IMALINK_TOKEN", raising=False)
    code = main([str(photo_tree.root), "--server", server_with_users.url, "--workers", "1"])
    assert code != 0
    assert "UNAUTHENTICATED" in capsys.readouterr().err
    assert _count(server_with_users.url, token(server_with_users.url, "anna", ["READ"])) == 0


@pytest.mark.parametrize("where", ["flag", "environment"])
def test_a_token_with_the_import_scope_imports(photo_tree, server_with_users, capsys, monkeypatch, where) -> None:
    url = server_with_users.url
    secret = token(url, "anna", ["IMPORT"])
    argv = [str(photo_tree.root), "--server", url, "--workers", "1", "--json"]
    if where == "flag":
        argv += ["--token", secret]
    else:
        monkeypatch.setenv("IMALINK_TOKEN", secret)
    assert main(argv) in (0, 1)  # 1: the tree's broken JPEG is reported
    summary = json.loads(capsys.readouterr().out)
    assert summary["photosCreated"] == 3
    assert _count(url, token(url, "anna", ["READ"])) == 3


def test_a_read_only_token_cannot_import(photo_tree, server_with_users, capsys) -> None:
    url = server_with_users.url
    code = main([str(photo_tree.root), "--server", url, "--workers", "1", "--token", token(url, "anna", ["READ"])])
    assert code != 0
    assert "INSUFFICIENT_SCOPE" in capsys.readouterr().err
