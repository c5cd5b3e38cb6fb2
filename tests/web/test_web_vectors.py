"""The browser's import checked against the shared import test vectors (imalink.importer.vectors),
the same files and expectations ``imalink import`` is checked against."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

from imalink.importer.vectors import write_vectors
from tests.web.test_web_import import import_folder


def test_browser_import_matches_the_shared_vectors(sqlite_server: str, page: Any, tmp_path: Path) -> None:
    expected = write_vectors(tmp_path / "vectors")
    # A browser cannot be handed a name that is not UTF-8: those vectors are the CLI's alone.
    chosen = tmp_path / "chosen"
    for f in expected["files"]:
        if f["browser"]:
            target = chosen / f["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / "vectors" / f["path"], target)
    for ignored in expected["ignored"]:
        source = tmp_path / "vectors" / ignored
        if source.is_file():
            (chosen / ignored).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, chosen / ignored)
    run = import_folder(page, sqlite_server, chosen / "photos")
    rel = lambda path: path.removeprefix("photos/")  # noqa: E731 - the browser's paths start below "photos"
    files = {f["path"]: f for f in run["files"]}
    wanted = {rel(f["path"]): f for f in expected["files"] if f["browser"] and not f["skip"]}
    assert set(files) == set(wanted)
    mismatches = []
    for path, want in wanted.items():
        got = files[path]
        if got["contentHash"] != want["contentHash"]:
            mismatches.append((path, "contentHash"))
        if got["sent"] and got["exifSha256"] != want["exifSha256"]:
            mismatches.append((path, "exifSha256", got["exifSha256"], want["exifSha256"]))
    assert mismatches == []
    # Groups: the same files together.
    by_group: dict[int, set[str]] = defaultdict(set)
    for path, f in files.items():
        by_group[f["group"]].add(path)
    want_groups = sorted(sorted(f"{rel(g['folder'])}/{name}" for name in g["files"]) for g in expected["groups"]
                         if all(wanted.get(f"{rel(g['folder'])}/{name}") for name in g["files"]))
    assert sorted(map(sorted, by_group.values())) == want_groups
    # The browser cannot decode HEIC: exactly the groups the vectors give no source without HEIC
    # fail, with NO_PREVIEW_SOURCE (named by their first file).
    no_source = {p["filename"] for p in run["problems"] if p["code"] == "NO_PREVIEW_SOURCE"}
    assert no_source == {rel(f"{g['folder']}/{g['files'][0]}") for g in expected["groups"] if g["browserPreviewSource"] is None}
    assert no_source  # the vectors hold such a group
    skipped = {(p["code"], p["filename"]) for p in run["problems"] if p["level"] == "error"}
    for f in expected["files"]:
        if f["browser"] and f["skip"]:
            assert (f["skip"], rel(f["path"])) in skipped
