"""The importer against the shared test vectors (imalink.importer.vectors), which the browser
import checks itself against too."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

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
