"""Hostile folders (issue 8, part 5): every odd entry reported once by its name and skipped, the
rest imported, never a traceback. Permissions are tested as a normal user (``nobody`` through
``setpriv`` when the tests run as root), since root reads everything."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from imalink.importer.grouping import iter_groups
from imalink.importer.names import api_name, disk_name, display_name
from imalink.importer.process import process_group
from imalink.importer.scan import iter_folders
from imalink.importer.vectors import camera_jpeg, exif_payload, picture

REPO = Path(__file__).resolve().parents[2]


def _jpeg(seed: int) -> bytes:
    return camera_jpeg(picture((240, 180), seed), exif_payload())


def _as_normal_user() -> list[str]:
    """The command prefix that runs a program as a normal user, or a skip."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv is missing: cannot test permissions as a normal user")
    prefix = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    # A checkout in a folder only root may enter (mktemp -d makes them 0700) hides the package
    # from the normal user: say so, rather than fail on an importer that never started.
    probe = subprocess.run([*prefix, sys.executable, "-c", "import imalink.importer"], capture_output=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(
            f"the user nobody cannot run this checkout's Python ({sys.executable}): a folder on its path is "
            "closed to other users (a mktemp -d folder is 0700); clone it where others may enter to run this test"
        )
    return prefix


@pytest.fixture
def hostile() -> Iterator[Path]:
    """A tree every user may enter (pytest's own tmp_path is private to root), then the traps."""
    root = Path(tempfile.mkdtemp(prefix="imalink-hostile-"))
    root.chmod(0o777)
    tree = root / "Photos"
    ok = tree / "ok"
    ok.mkdir(parents=True)
    (ok / "IMG_1.JPG").write_bytes(_jpeg(1))
    (ok / "new\nline.jpg").write_bytes(_jpeg(2))
    (ok / ("é" * 125 + "x.jpg")).write_bytes(_jpeg(3))  # 255 bytes
    (Path(os.fsdecode(os.fsencode(ok) + b"/caf\xe9.jpg"))).write_bytes(_jpeg(4))  # not UTF-8
    (ok / "empty.jpg").write_bytes(b"")
    (ok / "IMG_404.JPG").symlink_to(ok / "gone.jpg")  # dangling
    (ok / "loop.jpg").symlink_to(ok / "loop.jpg")  # a link to itself
    (ok / "back").symlink_to(tree)  # a folder loop
    locked = tree / "locked"
    locked.mkdir()
    (locked / "IMG_9.JPG").write_bytes(_jpeg(9))
    (ok / "secret.jpg").write_bytes(_jpeg(5))
    (ok / "secret.jpg").chmod(0o000)
    locked.chmod(0o000)
    for path in (tree, ok):
        path.chmod(0o755)
    for f in ok.iterdir():
        if not f.is_symlink() and f.name != "secret.jpg":
            f.chmod(0o644)
    yield tree
    locked.chmod(0o755)
    shutil.rmtree(root, ignore_errors=True)


def _paths(problems: list[dict[str, str]], tree: Path) -> list[tuple[str, str]]:
    return sorted((p["code"], os.path.relpath(p["filename"], api_name(str(tree)))) for p in problems)


def test_a_hostile_tree_as_a_normal_user(hostile: Path) -> None:
    prefix = _as_normal_user()
    db = hostile.parent / "library.db"
    command = [*prefix, sys.executable, "-m", "imalink.importer", str(hostile), "--database-url", f"sqlite:///{db}", "--json", "--workers", "2"]
    env = {**os.environ, "HOME": str(hostile.parent)}
    done = subprocess.run(command, capture_output=True, cwd=hostile.parent, env=env, timeout=300)
    stderr = done.stderr.decode(errors="replace")
    assert "Traceback" not in stderr and "_io.BytesIO" not in stderr, stderr
    assert done.returncode == 1, stderr  # the locked folder and file are failures
    summary = json.loads(done.stdout)
    assert _paths(summary["failures"], hostile) == [
        ("FILE_UNREADABLE", "ok/secret.jpg"),
        ("FOLDER_UNREADABLE", "locked"),
    ]
    assert _paths(summary["skipped"], hostile) == [
        ("DANGLING_SYMLINK", "ok/IMG_404.JPG"),
        ("EMPTY_FILE", "ok/empty.jpg"),
        ("SYMLINK_LOOP", "ok/back"),
        ("SYMLINK_LOOP", "ok/loop.jpg"),
    ]
    assert summary["photosCreated"] == 4 and summary["filesAttached"] == 4
    assert "_io.BytesIO" not in done.stdout.decode()

    # Stored under names that find them again: a second run sends nothing.
    again = subprocess.run(command, capture_output=True, cwd=hostile.parent, env=env, timeout=300)
    second = json.loads(again.stdout)
    assert second["alreadyInLibrary"] == 4 and second["groupsSent"] == 0, again.stderr.decode()


def test_the_human_summary_names_each_entry_once_on_one_line(hostile: Path) -> None:
    prefix = _as_normal_user()
    command = [*prefix, sys.executable, "-m", "imalink.importer", str(hostile), "--dry-run", "--workers", "1"]
    done = subprocess.run(command, capture_output=True, cwd=hostile.parent, timeout=300)
    out = done.stdout.decode()
    assert "Traceback" not in done.stderr.decode()
    for name in ("secret.jpg", "locked", "IMG_404.JPG", "empty.jpg", "loop.jpg", "back"):
        lines = [line for line in out.splitlines() if line.strip().split(":")[0].endswith("/" + name)]
        assert len(lines) == 1, (name, out)
    assert "Found 5 photo files in 5 photo groups" in out  # secret.jpg is found, and cannot be read
    assert "would send 4 photo groups (4 files)" in out


def test_names_round_trip_between_disk_and_api() -> None:
    for raw in (b"IMG_1.JPG", "new\nline.jpg".encode(), "ñandú.jpg".encode(), b"caf\xe9.jpg", b"\xff\xfe\x80.jpg", "é".encode() * 127):
        api = api_name(raw)
        api.encode("utf-8")  # always valid Unicode, so the API can carry it
        assert disk_name(api) == raw
    assert api_name(b"caf\xe9.jpg") == "caf\uefe9.jpg"
    assert display_name("a/new\nline.jpg") == "a/new\\nline.jpg"


def test_files_that_change_or_vanish_after_listing_are_skipped(tmp_path: Path) -> None:
    for name in ("a.jpg", "b.jpg", "c.jpg", "d.jpg"):
        (tmp_path / name).write_bytes(_jpeg(len(name)))
    groups = list(iter_groups(iter_folders([tmp_path])))
    data = (tmp_path / "a.jpg").read_bytes()
    (tmp_path / "a.jpg").write_bytes(data[: len(data) // 2])  # shrank
    (tmp_path / "b.jpg").write_bytes(data + b"more")  # grew (still being copied)
    (tmp_path / "c.jpg").unlink()  # vanished
    results = {g.files[0].name: process_group(g) for g in groups}
    assert [(e.code, Path(e.filename).name) for e in results["a.jpg"].errors] == [("FILE_CHANGED", "a.jpg")]
    assert [(e.code, Path(e.filename).name) for e in results["b.jpg"].errors] == [("FILE_CHANGED", "b.jpg")]
    assert [(e.code, Path(e.filename).name) for e in results["c.jpg"].errors] == [("FILE_VANISHED", "c.jpg")]
    assert results["d.jpg"].sendable and not results["d.jpg"].errors
    assert all(not r.sendable for name, r in results.items() if name != "d.jpg")


def test_an_empty_file_found_at_read_time_is_skipped_not_failed(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(_jpeg(1))
    (group,) = iter_groups(iter_folders([tmp_path]))
    (tmp_path / "a.jpg").write_bytes(b"")
    result = process_group(group)
    assert [(p.code, Path(p.filename).name) for p in result.skipped] == [("EMPTY_FILE", "a.jpg")]
    assert result.errors == [] and not result.sendable


def test_a_broken_jpeg_says_what_is_wrong_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (tmp_path / "text.jpg").write_bytes(b"hello, I am text")
    for group in iter_groups(iter_folders([tmp_path])):
        (error,) = process_group(group).errors
        assert error.code == "PREVIEW_FAILED" and error.filename == group.files[0].path
        assert "_io" not in error.message and "0x" not in error.message, error.message
