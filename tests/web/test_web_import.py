"""Importing a folder through the page, in real Chromium, checked against the CLI's own rules."""

from __future__ import annotations

import base64
import io
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from tests.support.browser import screenshot, wait_for
from tests.support.graphql import HttpGraphQL, data
from tests.web.folders import cli_view, holiday_folder, many_jpegs

LIBRARY = """{ photos(first: 100) { totalCount edges { node {
  hothash width height takenAt cameraModel gpsLatitude hotpreviewUrl coldpreviewUrl
  images { filename fileSize exifData contentHash } } } } }"""


def import_folder(page: Any, base: str, folder: Path, timeout: float = 120_000) -> dict[str, Any]:
    """Pick ``folder`` in the import page and wait for the run to end; its stats, problems, files."""
    if "/import" not in page.url:
        page.goto(f"{base}/import")
    page.set_input_files("#folder-input", str(folder))
    wait_for(page, "window.imalinkLastImport && window.imalinkLastImport.stats.state !== 'running'", timeout=timeout)
    return page.evaluate("() => { const r = window.imalinkLastImport; return { stats: r.stats, problems: r.problems, files: r.files }; }")


def library(base: str) -> list[dict[str, Any]]:
    return [e["node"] for e in data(HttpGraphQL(base).execute(LIBRARY))["photos"]["edges"]]


def test_browser_import_follows_the_cli_rules(sqlite_server: str, page: Any, tmp_path: Path) -> None:
    folder = holiday_folder(tmp_path)
    expected = cli_view(folder)
    run = import_folder(page, sqlite_server, folder)
    screenshot(page, "import-done")

    # The same groups as the CLI, the same content hashes and the same raw EXIF bytes (by SHA-256).
    seen = {f["path"]: f for f in run["files"]}
    assert set(seen) == {e.path for e in expected}
    groups_js: dict[int, set[str]] = defaultdict(set)
    groups_cli: dict[int, set[str]] = defaultdict(set)
    for e in expected:
        groups_cli[e.group].add(e.path)
        groups_js[seen[e.path]["group"]].add(e.path)
        assert seen[e.path]["contentHash"] == e.content_hash, e.path
    assert sorted(map(sorted, groups_js.values())) == sorted(map(sorted, groups_cli.values()))
    for e in expected:
        if seen[e.path]["sent"]:
            assert seen[e.path]["exifSha256"] == e.exif_sha256, e.path

    stats = run["stats"]
    assert stats["state"] == "done"
    assert stats["groupsTotal"] == len(groups_cli) == 7
    # The run's time as it took, to a tenth under ten seconds (a small folder is not "in 0 s").
    shown = re.fullmatch(r"Import finished\. 7 of 7 photos checked in (\d+\.\d) s: 6 new, 1 failed\.", page.locator(".run-status").inner_text())
    assert shown is not None, page.locator(".run-status").inner_text()
    assert abs(float(shown[1]) - stats["elapsedMs"] / 1000) <= 0.051 and stats["elapsedMs"] < 9950
    assert stats["photosCreated"] == 6 and stats["groupsFailed"] == 1
    failures = [p for p in run["problems"] if p["level"] == "error"]
    assert [(p["code"], p["filename"]) for p in failures] == [("PREVIEW_FAILED", "day2/broken.jpg")]

    # What the server keeps: every file with the EXIF bytes the CLI would send, and previews.
    photos = library(sqlite_server)
    assert len(photos) == 6
    exif_by_name = {Path(e.path).name: e.exif for e in expected}
    hash_by_name = {Path(e.path).name: e.content_hash for e in expected}
    for photo in photos:
        for image in photo["images"]:
            assert image["contentHash"] == hash_by_name[image["filename"]], image["filename"]
            sent = base64.b64decode(image["exifData"]) if image["exifData"] else None
            assert sent == exif_by_name[image["filename"]], image["filename"]
        preview = httpx.get(f"{sqlite_server}{photo['hotpreviewUrl']}")
        assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
        img = Image.open(io.BytesIO(preview.content))
        assert max(img.size) == 150 or (photo["width"] <= 150 and photo["height"] <= 150)
        # The preview is upright: its aspect follows the photo's displayed size.
        assert (img.width >= img.height) == (photo["width"] >= photo["height"]), photo
        # The larger preview for viewing: upright too, 1200 px at most, never enlarged.
        cold = httpx.get(f"{sqlite_server}{photo['coldpreviewUrl']}")
        assert cold.status_code == 200 and cold.headers["content-type"] == "image/jpeg"
        big = Image.open(io.BytesIO(cold.content))
        assert big.size == (min(photo["width"], 1200), min(photo["height"], 1200)) or max(big.size) == 1200, (big.size, photo)
    by_name = {tuple(sorted(i["filename"] for i in p["images"])): p for p in photos}
    pair = by_name[("IMG_0001.JPG", "img_0001.cr2")]
    assert (pair["width"], pair["height"]) == (480, 640)  # orientation 6 applied
    assert pair["takenAt"] == "2023-06-01T12:30:45" and abs(pair["gpsLatitude"] - 64.1466) < 1e-3
    assert ("STRASSE.ARW", "Straße.JPG") in by_name  # one photo: "Straße".casefold() == "strasse"
    raw_only = by_name[("DSC_0001.NEF",)]
    assert (raw_only["width"], raw_only["height"]) == (240, 320)  # the RAW's orientation 8 turns its preview

    # The same folder again sends nothing new.
    again = import_folder(page, sqlite_server, folder)
    assert again["stats"]["photosCreated"] == 0 and again["stats"]["filesAttached"] == 0
    assert again["stats"]["alreadyInLibrary"] == 6
    assert len(library(sqlite_server)) == 6


def test_import_progress_cancel_and_resume(sqlite_server: str, page: Any, tmp_path: Path) -> None:
    folder = many_jpegs(tmp_path, 80, size=(2400, 1800))
    page.goto(f"{sqlite_server}/import?batch=4")
    page.set_input_files("#folder-input", str(folder))
    wait_for(page, "window.imalinkLastImport.stats.photosCreated >= 4", timeout=60_000, interval=5)
    page.get_by_role("button", name="Cancel").click()
    screenshot(page, "import-cancelled")
    assert page.locator("progress").get_attribute("max") == "80"
    wait_for(page, "window.imalinkLastImport.stats.state === 'cancelled'", timeout=60_000)
    kept = len(library(sqlite_server))
    assert 1 <= kept < 80

    page.set_input_files("#folder-input", str(folder))
    wait_for(page, "window.imalinkLastImport.stats.groupsDone >= 1 && window.imalinkLastImport.stats.state === 'running'", interval=5)
    screenshot(page, "import-in-progress")
    wait_for(page, "window.imalinkLastImport.stats.state !== 'running'", timeout=120_000)
    run = page.evaluate("window.imalinkLastImport.stats")
    assert run["state"] == "done"
    assert run["photosCreated"] == 80 - kept
    assert run["alreadyInLibrary"] == kept
    assert len(library(sqlite_server)) == 80
    assert page.locator(".run-status").inner_text().endswith(f": {80 - kept} new, {kept} already in the library.")
