"""The command: dry run, JSON summary, human summary, exit codes, worker processes."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from imalink.importer.cli import main
from imalink.importer.grouping import iter_groups
from imalink.importer.preview import hothash, make_hotpreview
from imalink.importer.process import process_group, process_groups
from imalink.importer.scan import iter_folders
from imalink.importer.transport import HttpTransport, TransportError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dry_run_json(photo_tree, capsys) -> None:
    code = main([str(photo_tree.root), "--dry-run", "--json", "--workers", "1"])
    summary = json.loads(capsys.readouterr().out)  # stdout is the JSON document alone
    assert code == 1
    assert summary["dryRun"] is True
    assert (summary["filesFound"], summary["groupsFound"], summary["groupsReady"], summary["filesReady"]) == (5, 4, 3, 4)
    assert summary["groupsSent"] == 0 and summary["importSessionId"] is None
    (failure,) = summary["failures"]
    assert failure["filename"] == str(photo_tree.corrupt) and failure["code"] == "PREVIEW_FAILED"


def test_dry_run_needs_no_server_and_exits_0_when_all_is_well(tmp_path: Path, make_jpeg, make_raw, capsys) -> None:
    make_jpeg(tmp_path / "IMG_1.JPG")
    make_raw(tmp_path / "IMG_1.CR2")
    code = main([str(tmp_path), "--dry-run", "--server", f"http://127.0.0.1:{_closed_port()}", "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Found 2 photo files in 1 photo groups" in out
    assert "would send 1 photo groups (2 files)" in out


def test_human_summary_names_failures_and_warnings(photo_tree, tmp_path: Path, capsys) -> None:
    (photo_tree.root / "IMG_7.CR3").write_bytes(b"\x00\x00\x00\x18ftypcrx " + bytes(100))
    (photo_tree.root / "IMG_7.JPG").write_bytes((photo_tree.pair_jpeg).read_bytes())
    code = main([str(photo_tree.root), "--dry-run", "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Failed: 1 photo groups" in out
    assert f"{photo_tree.corrupt}: cannot make a hotpreview" in out
    assert "IMG_7.CR3: not a TIFF-based RAW" in out and "EXIF_UNSUPPORTED_FORMAT" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--batch-size", "0"],
        ["--server", "http://x", "--database-url", "sqlite://"],
        ["--workers", "0"],
    ],
)
def test_usage_errors_exit_2(photo_tree, capsys, argv: list[str]) -> None:
    assert main([str(photo_tree.root), *argv]) == 2
    assert "error" in capsys.readouterr().err


def test_missing_path_exits_2(tmp_path: Path, capsys) -> None:
    assert main([str(tmp_path / "nope"), "--dry-run"]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_unreachable_server_exits_2(photo_tree, capsys) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    assert main([str(photo_tree.root), "--server", url, "--workers", "1"]) == 2
    assert "cannot reach" in capsys.readouterr().err
    with pytest.raises(TransportError):
        HttpTransport(url).execute("{ __typename }", {})


def test_processing_a_group(photo_tree) -> None:
    pair = next(iter_groups(iter_folders([photo_tree.root])))
    result = process_group(pair)
    assert result.sendable and not result.errors and not result.warnings
    assert result.preview.data == make_hotpreview(photo_tree.pair_jpeg)
    assert result.preview.hothash == hothash(result.preview.data)
    assert [(i.name, i.size) for i in result.images] == [
        ("IMG_1234.JPG", photo_tree.pair_jpeg.stat().st_size),
        ("img_1234.cr2", photo_tree.pair_raw.path.stat().st_size),
    ]
    assert all(i.exif and i.exif.startswith(b"Exif\0\0") for i in result.images)
    assert [i.content_hash for i in result.images] == [hashlib.sha256(p.read_bytes()).hexdigest() for p in (photo_tree.pair_jpeg, photo_tree.pair_raw.path)]


def test_a_file_that_vanished_is_reported_and_the_rest_is_sent(photo_tree) -> None:
    pair = next(iter_groups(iter_folders([photo_tree.root])))
    photo_tree.pair_raw.path.unlink()  # gone between the walk and the read
    result = process_group(pair)
    assert result.sendable
    assert [i.name for i in result.images] == ["IMG_1234.JPG"]
    (error,) = result.errors
    assert error.code == "FILE_VANISHED" and error.filename == str(photo_tree.pair_raw.path)


def test_when_the_jpeg_is_gone_the_raws_preview_stands_in(photo_tree) -> None:
    pair = next(iter_groups(iter_folders([photo_tree.root])))
    photo_tree.pair_jpeg.unlink()
    result = process_group(pair)
    assert result.sendable and [i.name for i in result.images] == ["img_1234.cr2"]
    assert result.preview.source == "embedded"
    assert [(e.code, e.filename) for e in result.errors] == [("FILE_VANISHED", str(photo_tree.pair_jpeg))]


def test_a_group_with_no_readable_file_reports_each_file_once(photo_tree) -> None:
    pair = next(iter_groups(iter_folders([photo_tree.root])))
    photo_tree.pair_jpeg.unlink()
    photo_tree.pair_raw.path.unlink()
    result = process_group(pair)
    assert not result.sendable and result.images == [] and result.warnings == []
    assert sorted(e.filename for e in result.errors) == sorted([str(photo_tree.pair_jpeg), str(photo_tree.pair_raw.path)])


def test_worker_processes_give_the_same_results_in_order(photo_tree) -> None:
    groups = list(iter_groups(iter_folders([photo_tree.root])))
    one = [(r.group.label, r.preview and r.preview.data, r.images, r.errors) for r in process_groups(groups, 1)]
    two = [(r.group.label, r.preview and r.preview.data, r.images, r.errors) for r in process_groups(groups, 2)]
    assert [r[0] for r in one] == [g.label for g in groups]
    assert one == two and len(one) == 4


def test_python_dash_m_importer(photo_tree) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "importer", str(photo_tree.root), "--dry-run", "--json"],
        capture_output=True, text=True, cwd=Path(__file__).parents[2], timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["groupsReady"] == 3


def test_ctrl_c_exits_130_with_a_short_message(tmp_path: Path, make_jpeg, capsys) -> None:
    import _thread
    import threading

    for i in range(300):
        make_jpeg(tmp_path / f"f{i // 100}" / f"IMG_{i}.JPG", (800, 600))
    # Ctrl-C again every 0.15 s until the run ends: an interrupt that lands while the interpreter
    # runs a finalizer (a generator closed by the garbage collector) is swallowed there, and a
    # single one then let the run finish under load (exit 0 in a full test run).
    stop = threading.Event()

    def keep_pressing_ctrl_c() -> None:
        while not stop.wait(0.15):
            _thread.interrupt_main()

    # Ctrl-C at a terminal reaches Python's own handler; a test process started in the background
    # (or after a test that left SIGINT ignored) has none, and then interrupt_main does nothing.
    found = signal.signal(signal.SIGINT, signal.default_int_handler)
    presser = threading.Thread(target=keep_pressing_ctrl_c, daemon=True)
    presser.start()
    try:
        code = main([str(tmp_path), "--dry-run", "--json", "--workers", "1"])
    finally:
        try:
            stop.set()
            presser.join()
            time.sleep(0.05)  # one sent just before the stop lands here, not in the asserts
        except KeyboardInterrupt:
            pass
        signal.signal(signal.SIGINT, found)
    captured = capsys.readouterr()
    assert code == 130, f"the run ended before Ctrl-C arrived (SIGINT handler found: {found!r})"
    assert "Interrupted." in captured.err and "run the same command again" in captured.err
    assert json.loads(captured.out)["interrupted"] is True


@pytest.mark.parametrize("json_flag", [["--json"], []], ids=["json", "human"])
def test_a_reader_that_closes_early_gets_no_traceback(photo_tree, json_flag: list[str]) -> None:
    # ``imalink import --json ... | head``: the reader is gone before the summary is written.
    # Closing our end of the pipe at once makes that deterministic: every write fails with EPIPE.
    child = subprocess.Popen(
        [sys.executable, "-m", "importer", str(photo_tree.root), "--dry-run", "--workers", "1", *json_flag],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parents[2],
    )
    child.stdout.close()
    stderr = child.stderr.read().decode()
    child.stderr.close()
    assert child.wait(timeout=120) == 141
    assert stderr == "", stderr  # no traceback, no "Exception ignored ... BrokenPipeError"


def test_json_piped_into_head(photo_tree, tmp_path: Path) -> None:
    # The real thing: ``imalink import --json ... | head -c 1``. 600 failing groups make the
    # summary far bigger than a pipe buffer, so the writer is still writing when head leaves.
    for i in range(600):
        (photo_tree.root / f"IMG_{i:03d}.CR3").write_bytes(b"\x00\x00\x00\x18ftypcrx ")
    script = f"{sys.executable} -m imalink.importer {photo_tree.root} --dry-run --workers 1 --json | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[2], timeout=120)
    assert done.stderr == "", done.stderr
    assert done.stdout.strip() == "141"


def test_the_raw_next_to_a_jpeg_is_read_once_and_not_decoded(photo_tree, monkeypatch) -> None:
    import builtins

    pair = next(iter_groups(iter_folders([photo_tree.root])))
    opened: list[str] = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    result = process_group(pair)
    monkeypatch.undo()
    assert result.sendable and result.preview.data == make_hotpreview(photo_tree.pair_jpeg)
    # The JPEG: once to hash it and read its EXIF, once more to decode it (after the check
    # against the library, which may make the decode unnecessary); the RAW once, for its hash
    # and metadata.
    assert sorted(opened) == sorted([str(photo_tree.pair_jpeg)] * 2 + [str(photo_tree.pair_raw.path)])


def test_the_progress_bar_moves_per_group_with_the_runs_true_rate(tmp_path: Path, make_jpeg, make_raw) -> None:
    import io
    import re

    from rich.console import Console

    from imalink.importer.cli import FilesPerSecond, TimeLeft, progress_bar
    from imalink.importer.upload import ImportRun

    for i in range(12):
        make_jpeg(tmp_path / f"IMG_{i}.JPG", (640, 480))
        if i % 3 == 0:
            make_raw(tmp_path / f"IMG_{i}.CR2")
    console = Console(file=io.StringIO(), force_terminal=True, width=160)
    progress = progress_bar(console)
    task_id = progress.add_task("Importing", total=16)
    seen: list[tuple[float, str, str]] = []

    last_group_at = 0.0

    def advance(pg) -> None:  # type: ignore[no-untyped-def]
        nonlocal last_group_at
        progress.advance(task_id, len(pg.group.files))
        last_group_at = time.perf_counter()
        task = progress.tasks[0]
        seen.append((task.completed, str(FilesPerSecond().render(task)), str(TimeLeft().render(task))))

    run = ImportRun([tmp_path], None, dry_run=True, workers=2, on_group=advance)
    with progress:
        started = time.perf_counter()
        run.run()
    done = [completed for completed, _, _ in seen]
    assert done == sorted(done) and len(set(done)) == 12 and done[-1] == 16  # group by group, never 0 -> all
    assert all(b - a in (1, 2) for a, b in zip([0.0, *done], done))
    assert all(re.fullmatch(r"\d+:\d\d:\d\d left", left) for _, _, left in seen[:-1])
    rate = float(seen[-1][1].split()[0])
    # The files' true rate ends with the last file: the run's own elapsed time also holds the worker
    # pool's shutdown, which on a loaded machine took longer than the files (rate 138, true 63).
    true_rate = 16 / (last_group_at - started)
    assert 0.5 * true_rate <= rate <= 2 * true_rate + 1, (rate, true_rate)  # the run's average, not a burst


def test_pillows_warnings_are_reported_with_the_file_not_printed(tmp_path: Path) -> None:
    import struct

    from imalink.importer.vectors import picture, pillow_jpeg

    plain = pillow_jpeg(picture((300, 200)))
    mpf = b"MPF\x00II*\x00" + struct.pack("<I", 8) + b"\xff" * 20  # a malformed multi-picture index
    (tmp_path / "IMG_1.JPG").write_bytes(plain[:2] + b"\xff\xe2" + struct.pack(">H", len(mpf) + 2) + mpf + plain[2:])
    for workers in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-m", "imalink.importer", str(tmp_path), "--dry-run", "--json", "--workers", workers],
            capture_output=True, text=True, cwd=Path(__file__).parents[2], timeout=120,
        )
        assert done.returncode == 0 and done.stderr == "", done.stderr  # nothing printed raw
        warnings = json.loads(done.stdout)["warnings"]
        assert warnings and all(w["code"] == "IMAGE_WARNING" and w["filename"] == str(tmp_path / "IMG_1.JPG") for w in warnings)
        assert any("malformed MPO" in w["message"] for w in warnings)
