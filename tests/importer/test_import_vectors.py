"""The importer against the shared test vectors (imalink.importer.vectors), which the browser
import checks itself against too."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from imalink.importer.exif_extract import extract_exif
from imalink.importer.grouping import iter_groups, source_order
from imalink.importer.names import api_name, disk_name
from imalink.importer.process import process_group
from imalink.importer.scan import iter_folders
from imalink.importer.upload import ImportRun
from imalink.importer.vectors import FORMAT, write_vectors


@pytest.fixture(scope="module")
def vectors(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("vectors")
    return root, write_vectors(root)


def _disk(root: Path, entry: dict[str, Any]) -> str:
    return os.fsdecode(os.path.join(os.fsencode(root), bytes.fromhex(entry["pathBytesHex"])))


def test_expected_json_is_written_and_describes_every_file(vectors) -> None:
    root, expected = vectors
    assert json.loads((root / "expected.json").read_text()) == expected
    assert expected["format"] == FORMAT
    for entry in expected["files"]:
        data = Path(_disk(root, entry)).read_bytes()
        assert len(data) == entry["size"]
        assert hashlib.sha256(data).hexdigest() == entry["contentHash"]
    kinds = {e["kind"] for e in expected["files"]}
    assert kinds == {"jpeg", "raw", "heic"}
    assert any(not e["browser"] for e in expected["files"])
    assert any(e["skip"] == "EMPTY_FILE" for e in expected["files"])
    (same,) = expected["sameContent"]
    hashes = {e["path"]: e["contentHash"] for e in expected["files"]}
    assert hashes[same[0]] == hashes[same[1]]
def test_raw_exif_of_every_file_matches(vectors) -> None:
    root, expected = vectors
    for entry in expected["files"]:
        if entry["skip"]:
            continue
        got = extract_exif(_disk(root, entry), entry["kind"])
        digest = hashlib.sha256(got.data).hexdigest() if got.data is not None else None
        assert digest == entry["exifSha256"], entry["path"]
        assert (len(got.data) if got.data is not None else None) == entry["exifLength"], entry["path"]


def test_names_map_to_the_api_and_back(vectors) -> None:
    _, expected = vectors
    for entry in expected["files"]:
        on_disk = bytes.fromhex(entry["pathBytesHex"]).rsplit(b"/", 1)[-1]
        assert api_name(on_disk) == entry["filename"]
        assert disk_name(entry["filename"]) == on_disk


def test_groups_match(vectors) -> None:
    root, expected = vectors
    found = []
    for group in iter_groups(iter_folders([root / "photos"])):
        folder = api_name(os.path.relpath(group.folder, root).replace(os.sep, "/"))
        found.append((folder, [api_name(f.name) for f in group.files], api_name(group.preview_source().name)))
    wanted = [(g["folder"], g["files"], g["previewSource"]) for g in expected["groups"]]
    assert sorted(found) == sorted(wanted)


def test_a_client_without_heic_takes_the_next_source(vectors) -> None:
    """``browserPreviewSource``: the same order of sources with HEIC left out (the web app's)."""
    root, expected = vectors
    sources = {(g["folder"], tuple(g["files"])): g["browserPreviewSource"] for g in expected["groups"]}
    for group in iter_groups(iter_folders([root / "photos"])):
        folder = api_name(os.path.relpath(group.folder, root).replace(os.sep, "/"))
        rest = [f for f in source_order(group.files) if f.kind != "heic"]
        assert sources[(folder, tuple(api_name(f.name) for f in group.files))] == (api_name(rest[0].name) if rest else None)
    assert None in sources.values() and any(g["previewSource"] != g["browserPreviewSource"] for g in expected["groups"])


def test_each_group_is_read_as_expected(vectors) -> None:
    root, expected = vectors
    files = {e["path"]: e for e in expected["files"]}
    sizes = {(g["folder"], g["previewSource"]): (g["width"], g["height"]) for g in expected["groups"]}
    for group in iter_groups(iter_folders([root / "photos"])):
        folder = api_name(os.path.relpath(group.folder, root).replace(os.sep, "/"))
        result = process_group(group)
        assert not result.errors, result.errors
        for image in result.images:
            entry = files[f"{folder}/{api_name(image.name)}"]
            assert (image.size, image.content_hash) == (entry["size"], entry["contentHash"])
            assert (hashlib.sha256(image.exif).hexdigest() if image.exif else None) == entry["exifSha256"]
        source = api_name(group.preview_source().name)
        assert (result.preview.width, result.preview.height) == sizes[(folder, source)], source


def test_a_dry_run_over_the_vectors_reports_what_it_skips_once(vectors) -> None:
    root, expected = vectors
    summary = ImportRun([root / "photos"], None, workers=2).run()
    assert summary.groups_found == summary.groups_ready == len(expected["groups"])
    assert summary.files_ready == sum(1 for e in expected["files"] if not e["skip"])
    assert [(p.code, api_name(os.path.relpath(p.filename, root))) for p in summary.skipped] == [
        (e["skip"], e["path"]) for e in expected["files"] if e["skip"]
    ]
    assert summary.failures == [] and summary.exit_code == 0
    # The truncated JPEG is imported, with a warning naming it.
    (truncated,) = [w for w in summary.warnings if w.code == "IMAGE_TRUNCATED"]
    assert truncated.filename.endswith("IMG_0008.JPG")
