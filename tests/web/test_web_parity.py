"""The same folder imported by the browser and by ``imalink import`` (either first) gives no new
photo and no new image: one photo per file, whoever imports it (issue 10's file identity)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.graphql import HttpGraphQL, data
from tests.web.folders import holiday_folder
from tests.web.test_web_import import import_folder

COUNTS = "{ photos(first: 1) { totalCount } images: photos(first: 100) { edges { node { images { filename } } } } }"


def counts(base: str) -> tuple[int, int]:
    d = data(HttpGraphQL(base).execute(COUNTS))
    return d["photos"]["totalCount"], sum(len(e["node"]["images"]) for e in d["images"]["edges"])


def cli_import(base: str, folder: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    subprocess.run([sys.executable, "-m", "imalink.importer", str(folder), "--server", base, "--json"], check=False, capture_output=True, env=env, timeout=300)


NEEDS_IDENTITY = pytest.mark.xfail(
    strict=True,
    reason="needs `imalink import` to send contentHash (issue 10, helper importer): the server matches files by "
    "content hash (core, landed), but the CLI's files arrive without one, and the two clients' hotpreviews differ",
)


@NEEDS_IDENTITY
def test_browser_then_cli_adds_nothing(app_server: str, page: Any, tmp_path: Path) -> None:
    folder = holiday_folder(tmp_path)
    import_folder(page, app_server, folder)
    before = counts(app_server)
    cli_import(app_server, folder)
    assert counts(app_server) == before


@NEEDS_IDENTITY
def test_cli_then_browser_adds_nothing(app_server: str, page: Any, tmp_path: Path) -> None:
    folder = holiday_folder(tmp_path)
    cli_import(app_server, folder)
    before = counts(app_server)
    run = import_folder(page, app_server, folder)
    assert counts(app_server) == before
    assert run["stats"]["photosCreated"] == 0
