"""The same folder imported by the browser and by ``imalink import`` (either first) gives no new
photo and no new image: one photo per file, whoever imports it (issue 10's file identity)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


from tests.support.graphql import HttpGraphQL, data
from tests.web.folders import holiday_folder
from tests.web.test_web_import import import_folder

COUNTS = "{ photos(first: 1) { totalCount } images: photos(first: 100) { edges { node { images { filename } } } } }"


def counts(base: str) -> tuple[int, int]:
    d = data(HttpGraphQL(base).execute(COUNTS))
    return d["photos"]["totalCount"], sum(len(e["node"]["images"]) for e in d["images"]["edges"])


def cli_import(base: str, folder: Path) -> dict[str, Any]:
    """``imalink import --json`` of ``folder``: its summary. The folder holds one broken JPEG, so the
    command ends with 1 (a file failed), never with a crash or a usage error."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    command = [sys.executable, "-m", "imalink.importer", str(folder), "--server", base, "--json"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    summary = json.loads(done.stdout)
    assert summary["filesFound"] >= 9 and not summary["interrupted"], summary
    return summary


def test_browser_then_cli_adds_nothing(app_server: str, page: Any, tmp_path: Path) -> None:
    folder = holiday_folder(tmp_path)
    import_folder(page, app_server, folder)
    before = counts(app_server)
    summary = cli_import(app_server, folder)
    assert counts(app_server) == before
    # The CLI recognised the browser's files by their content, without sending them again.
    assert summary["photosCreated"] == summary["imagesAdded"] == 0, summary
    assert summary["filesAlreadyInLibrary"] == before[1], summary


def test_cli_then_browser_adds_nothing(app_server: str, page: Any, tmp_path: Path) -> None:
    folder = holiday_folder(tmp_path)
    summary = cli_import(app_server, folder)
    before = counts(app_server)
    assert before[0] == summary["photosCreated"] > 0, summary
    run = import_folder(page, app_server, folder)
    assert counts(app_server) == before
    assert run["stats"]["photosCreated"] == 0
