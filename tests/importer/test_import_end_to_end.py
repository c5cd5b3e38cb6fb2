"""The importer against the real imalink server and local database (needs the lead's server).

Runs once ``imalink.local.LocalGraphQL`` and ``imalink.app.create_app`` exist; skipped before.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("imalink.local")

from imalink.importer.cli import main
from imalink.importer.exif_extract import EXIF_HEADER
from imalink.importer.preview import hothash, make_hotpreview
from imalink.importer.transport import HttpTransport, LocalTransport
from imalink.importer.upload import ImportRun
from library import query_library

LIBRARY = """
query Library {
  photos(first: 500, orderBy: TAKEN_AT_ASC) {
    totalCount
    edges { node {
      hothash hotpreview width height takenAt cameraMake cameraModel orientation
      importSession { id storageDirectory }
      images { filename fileSize exifData }
    } }
  }
  importSessions(first: 50) { totalCount edges { node { id storageDirectory completedAt photosCreated imagesCreated } } }
}"""


def _library(database_url: str) -> dict[str, Any]:
    return query_library(database_url, LIBRARY)


def _photos(library: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {edge["node"]["hothash"]: edge["node"] for edge in library["photos"]["edges"]}


def _import(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _comparable(library: dict[str, Any]) -> list[Any]:
    """The library without ids and timestamps that differ between two databases."""
    photos = []
    for node in _photos(library).values():
        node = {k: v for k, v in node.items() if k != "importSession"}
        node["images"] = sorted(node["images"], key=lambda i: i["filename"])
        photos.append(node)
    return sorted(photos, key=lambda p: p["hothash"])


def test_local_import_round_trips_exif_and_previews(photo_tree, tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'lib.db'}"
    code, summary = _import(capsys, str(photo_tree.root), "--database-url", db, "--workers", "1")
    assert code == 1  # the corrupt JPEG
    assert summary["photosCreated"] == 3 and summary["filesAttached"] == 4 and summary["groupsFailed"] == 1
    assert [f["filename"] for f in summary["failures"]] == [str(photo_tree.corrupt)]

    library = _library(db)
    photos = _photos(library)
    assert library["photos"]["totalCount"] == 3

    pair = photos[hothash(make_hotpreview(photo_tree.pair_jpeg))]
    assert base64.b64decode(pair["hotpreview"]) == make_hotpreview(photo_tree.pair_jpeg)
    images = {i["filename"]: i for i in pair["images"]}
    assert set(images) == {"IMG_1234.JPG", "img_1234.cr2"}
    jpeg_app1 = base64.b64decode(images["IMG_1234.JPG"]["exifData"])
    assert jpeg_app1.startswith(EXIF_HEADER) and jpeg_app1 in photo_tree.pair_jpeg.read_bytes()
    raw_bytes = photo_tree.pair_raw.path.read_bytes()
    assert base64.b64decode(images["img_1234.cr2"]["exifData"]) == EXIF_HEADER + raw_bytes[: photo_tree.pair_raw.metadata_end]
    assert images["img_1234.cr2"]["fileSize"] == len(raw_bytes)
    assert pair["cameraMake"] == "Canon" and pair["takenAt"] == "2023-06-01T12:30:45" and pair["orientation"] == 6
    assert (pair["width"], pair["height"]) == (200, 400)

    nef = next(p for p in photos.values() if p["images"][0]["filename"] == "DSC_0001.NEF")
    assert nef["cameraModel"] == "D850"
    day2 = next(p for p in photos.values() if p["images"][0]["filename"] == "IMG_1234.jpg")
    assert day2["cameraMake"] == "Nikon" and day2["takenAt"] == "2023-06-02T08:00:00"

    (session,) = [e["node"] for e in library["importSessions"]["edges"]]
    assert session["storageDirectory"] == "Holiday" and session["completedAt"]
    assert session["photosCreated"] == 3 and session["imagesCreated"] == 4


def test_a_second_run_sends_nothing_new(photo_tree, tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'lib.db'}"
    _import(capsys, str(photo_tree.root), "--database-url", db, "--workers", "1")
    before = _library(db)
    code, summary = _import(capsys, str(photo_tree.root), "--database-url", db, "--workers", "1")
    assert code == 1  # the corrupt file still fails locally
    assert summary["alreadyInLibrary"] == 3
    assert summary["groupsSent"] == 0 and summary["importSessionId"] is None
    assert _library(db) == before  # not even an empty session


def test_server_mode_and_local_mode_give_the_same_library(photo_tree, imalink_server, tmp_path: Path, capsys) -> None:
    local_db = f"sqlite:///{tmp_path / 'local.db'}"
    code_http, over_http = _import(capsys, str(photo_tree.root), "--server", imalink_server.url, "--batch-size", "2")
    code_local, local = _import(capsys, str(photo_tree.root), "--database-url", local_db)
    assert code_http == code_local == 1
    for key in ("photosCreated", "filesAttached", "duplicates", "groupsFailed", "alreadyInLibrary"):
        assert over_http[key] == local[key], key
    assert _comparable(_library(imalink_server.database_url)) == _comparable(_library(local_db))

    # And the second run over HTTP sends nothing.
    _, again = _import(capsys, str(photo_tree.root), "--server", imalink_server.url)
    assert again["alreadyInLibrary"] == 3 and again["groupsSent"] == 0


def test_an_interrupted_run_keeps_what_was_sent_and_resumes(photo_tree, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'lib.db'}"
    seen = []

    def interrupt_after_two(pg: Any) -> None:
        seen.append(pg)
        if len(seen) == 2:
            raise KeyboardInterrupt

    transport = LocalTransport(db)
    run = ImportRun([photo_tree.root], transport, batch_size=1, workers=1, on_group=interrupt_after_two)
    with pytest.raises(KeyboardInterrupt):
        run.run()
    transport.close()
    assert run.summary.photos_created == 1  # the pair went in its own batch before Ctrl-C
    assert _library(db)["photos"]["totalCount"] == 1

    transport = LocalTransport(db)
    summary = ImportRun([photo_tree.root], transport, batch_size=1, workers=1).run()
    transport.close()
    assert summary.already_in_library == 1 and summary.photos_created == 2
    assert _library(db)["photos"]["totalCount"] == 3


def test_a_raw_added_later_is_attached_to_the_known_photo(tmp_path: Path, make_jpeg, make_raw, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'lib.db'}"
    shots = tmp_path / "shots"
    jpeg = make_jpeg(shots / "IMG_1.JPG", exif=False)  # e.g. exported by an editor that dropped EXIF
    _, first = _import(capsys, str(shots), "--database-url", db, "--workers", "1")
    assert first["photosCreated"] == 1 and first["filesAttached"] == 1

    raw = make_raw(shots / "img_1.cr2", make="Canon", model="EOS R5")
    code, summary = _import(capsys, str(shots), "--database-url", db, "--workers", "1")
    assert code == 0
    assert summary["groupsSent"] == 1 and summary["alreadyInLibrary"] == 0
    assert summary["imagesAdded"] == 1 and summary["filesAttached"] == 1 and summary["photosCreated"] == 0
    assert summary["filesAlreadyInLibrary"] == 1  # the JPEG was not sent again

    library = _library(db)
    assert library["photos"]["totalCount"] == 1
    (photo,) = _photos(library).values()
    assert photo["hothash"] == hothash(make_hotpreview(jpeg))
    images = {i["filename"]: i for i in photo["images"]}
    assert set(images) == {"IMG_1.JPG", "img_1.cr2"}
    assert base64.b64decode(images["img_1.cr2"]["exifData"]) == EXIF_HEADER + raw.path.read_bytes()[: raw.metadata_end]
    # The server fills what the photo lacked from the new file's EXIF.
    assert (photo["cameraMake"], photo["cameraModel"], photo["takenAt"]) == ("Canon", "EOS R5", "2023-06-01T12:30:45")
    sessions = [e["node"] for e in library["importSessions"]["edges"]]
    assert sorted(s["imagesCreated"] for s in sessions) == [1, 1]

    # And now both files are attached: a third run sends nothing but the check.
    code, again = _import(capsys, str(shots), "--database-url", db, "--workers", "1")
    assert code == 0
    assert again["alreadyInLibrary"] == 1 and again["filesAlreadyInLibrary"] == 2
    assert again["groupsSent"] == 0 and again["importSessionId"] is None
    assert _library(db) == library


def test_file_names_of_a_known_photo_compare_case_insensitively(tmp_path: Path, make_jpeg, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'lib.db'}"
    make_jpeg(tmp_path / "a" / "IMG_1.JPG")
    _import(capsys, str(tmp_path / "a"), "--database-url", db, "--workers", "1")
    make_jpeg(tmp_path / "b" / "img_1.jpg")  # the same picture under a differently cased name
    code, summary = _import(capsys, str(tmp_path / "b"), "--database-url", db, "--workers", "1")
    assert code == 0 and summary["alreadyInLibrary"] == 1 and summary["groupsSent"] == 0


def test_a_new_file_for_a_known_photo_goes_over_http_too(tmp_path: Path, make_jpeg, make_raw, imalink_server, capsys) -> None:
    shots = tmp_path / "shots"
    make_jpeg(shots / "IMG_1.JPG")
    _import(capsys, str(shots), "--server", imalink_server.url, "--workers", "1")
    make_raw(shots / "IMG_1.NEF")
    code, summary = _import(capsys, str(shots), "--server", imalink_server.url, "--workers", "1")
    assert code == 0 and summary["imagesAdded"] == 1 and summary["filesAttached"] == 1
    (photo,) = _photos(_library(imalink_server.database_url)).values()
    assert sorted(i["filename"] for i in photo["images"]) == ["IMG_1.JPG", "IMG_1.NEF"]


def test_batches_of_one_and_duplicates_within_a_run(tmp_path: Path, make_jpeg, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'lib.db'}"
    make_jpeg(tmp_path / "a" / "IMG_1.JPG")
    make_jpeg(tmp_path / "b" / "IMG_1.JPG")  # the same picture copied: one hothash
    make_jpeg(tmp_path / "b" / "IMG_2.JPG", (320, 320))
    code, summary = _import(capsys, str(tmp_path), "--database-url", db, "--batch-size", "1", "--workers", "1")
    assert code == 0
    assert summary["photosCreated"] == 2
    assert summary["alreadyInLibrary"] + summary["duplicates"] == 1


def test_the_imalink_command_runs_the_import(photo_tree, capsys) -> None:
    imalink_cli = pytest.importorskip("imalink.cli")
    assert imalink_cli.main(["import", str(photo_tree.root), "--dry-run", "--json", "--workers", "1"]) == 1
    assert json.loads(capsys.readouterr().out)["groupsReady"] == 3


@pytest.mark.parametrize("suffix", ["", "/", "/graphql", "/graphql/"])
def test_server_takes_the_root_or_the_graphql_url(tmp_path: Path, make_jpeg, imalink_server, capsys, suffix: str) -> None:
    make_jpeg(tmp_path / "shots" / "IMG_1.JPG")
    code, summary = _import(capsys, str(tmp_path / "shots"), "--server", imalink_server.url + suffix, "--workers", "1")
    assert code == 0 and summary["photosCreated"] + summary["alreadyInLibrary"] == 1


def test_the_importer_follows_the_servers_own_limits(tmp_path: Path, make_jpeg, serve_imalink, capsys) -> None:
    """An administrator's smaller limits: the importer asks them (importLimits) and cuts its
    look-ups and batches by them; a batch size past them is refused before anything is read."""
    server = serve_imalink(max_groups_per_batch=2, max_existing_hothashes=3, max_hotpreview_bytes=50_000, max_request_bytes=5_000_000)
    fields = "maxGroupsPerBatch maxImagesPerGroup maxHotpreviewBytes maxColdpreviewBytes maxHashesPerLookup maxRequestBytes"
    answer = httpx.post(server.url + "/graphql", json={"query": f"{{ importLimits {{ {fields} }} }}"}).json()
    assert answer["data"]["importLimits"] == {
        "maxGroupsPerBatch": 2, "maxImagesPerGroup": 32, "maxHotpreviewBytes": 50_000,
        "maxColdpreviewBytes": 4 * 1024 * 1024, "maxHashesPerLookup": 3, "maxRequestBytes": 5_000_000,
    }
    shots = tmp_path / "shots"
    for i in range(7):
        make_jpeg(shots / f"IMG_{i}.JPG", (200 + 20 * i, 200))
    code, summary = _import(capsys, str(shots), "--server", server.url, "--batch-size", "2", "--workers", "1")
    assert code == 0 and summary["photosCreated"] == 7, summary
    assert _library(server.database_url)["photos"]["totalCount"] == 7

    # Seven files known: their check takes three look-ups of at most three hashes; nothing is sent.
    code, again = _import(capsys, str(shots), "--server", server.url, "--batch-size", "2", "--workers", "1")
    assert code == 0 and again["alreadyInLibrary"] == 7 and again["groupsSent"] == 0, again

    code = main([str(shots), "--server", server.url, "--batch-size", "3", "--workers", "1"])
    assert code == 2
    assert "at most 2 photo groups per batch" in capsys.readouterr().err


class _HeldFirstBatch:
    """The real HTTP transport, except that the first importBatch is sent only once ``release``
    is set and a second batch has been sent (or after ``hold`` seconds): what the run does while
    a batch is in flight."""

    def __init__(self, server_url: str, hold: float = 10.0) -> None:
        self._http = HttpTransport(server_url)
        self._hold = hold
        self._lock = threading.Lock()
        self.release = threading.Event()
        self._second_sent = threading.Event()
        self.batches = 0
        self.overlapped = False
        """Whether another batch was sent while the first was held."""

    def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        if "importBatch" in query:
            with self._lock:
                self.batches += 1
                first = self.batches == 1
            if first:
                deadline = time.monotonic() + self._hold
                self.release.wait(timeout=self._hold)
                # The second batch's thread may reach the transport a moment after the copy is
                # taken (a busy machine): held until then, the first is still in flight.
                self._second_sent.wait(timeout=max(0.0, deadline - time.monotonic()))
                self.overlapped = self.batches > 1
            else:
                self._second_sent.set()
        return self._http.execute(query, variables)

    def close(self) -> None:
        self._http.close()


def test_batches_in_flight_import_each_file_once_and_count_every_answer(imalink_server, tmp_path: Path, make_jpeg) -> None:
    for i in range(1, 5):
        make_jpeg(tmp_path / "a" / f"IMG_{i}.JPG", size=(320 + 16 * i, 240))  # another picture each
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "IMG_1.JPG").write_bytes((tmp_path / "a" / "IMG_1.JPG").read_bytes())
    transport = _HeldFirstBatch(imalink_server.url)

    def release_once_the_copy_is_taken(pg: Any) -> None:
        if Path(pg.group.folder).name == "b":
            transport.release.set()

    # The copy's original is in the first batch, held unanswered until the copy has been checked
    # and taken: the library cannot know it yet, so only the run's own record of what it has
    # sent keeps the copy from being sent as a photo of its own.
    run = ImportRun([tmp_path], transport, batch_size=2, workers=1, in_flight=2, on_group=release_once_the_copy_is_taken)
    try:
        summary = run.run()
    finally:
        transport.close()
    assert transport.overlapped, "the second batch was not sent while the first was in flight"
    assert transport.batches == 2  # IMG_1 and IMG_2, IMG_3 and IMG_4; the copy was not sent
    assert (summary.photos_created, summary.already_in_library, summary.groups_sent, summary.groups_failed) == (4, 1, 4, 0)
    library = _library(imalink_server.database_url)
    assert library["photos"]["totalCount"] == 4
    (session,) = [edge["node"] for edge in library["importSessions"]["edges"]]
    assert session["photosCreated"] == 4 and session["completedAt"] is not None  # completed after the last answer


def test_one_batch_at_a_time_waits_for_each_answer(imalink_server, tmp_path: Path, make_jpeg) -> None:
    for i in range(1, 3):
        make_jpeg(tmp_path / f"IMG_{i}.JPG", size=(320 + 16 * i, 240))
    transport = _HeldFirstBatch(imalink_server.url, hold=1.0)
    try:
        summary = ImportRun([tmp_path], transport, batch_size=1, workers=1, in_flight=1).run()
    finally:
        transport.close()
    assert not transport.overlapped and transport.batches == 2 and summary.photos_created == 2


class _StallingProxy:
    """A TCP proxy to the real server that forwards everything until a request names
    ``importBatch``, and from then on holds that connection: a server that never answers a batch."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.batch_held = threading.Event()
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        self._server: asyncio.base_events.Server | None = None

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(asyncio.start_server(self._connection, "127.0.0.1", 0))
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        started.wait(10)
        assert self._server is not None
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def requests() -> None:
            seen = b""
            while data := await reader.read(65536):
                seen = seen[-16:]  # a name cut between two reads is still found
                seen += data
                if b"importBatch" in seen:
                    self.batch_held.set()
                    await asyncio.Event().wait()  # held until the client goes away
                upstream_writer.write(data)
                await upstream_writer.drain()

        async def answers() -> None:
            while data := await upstream_reader.read(65536):
                writer.write(data)
                await writer.drain()

        with contextlib.suppress(ConnectionError):
            await asyncio.gather(requests(), answers())

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


def test_ctrl_c_with_batches_in_flight_does_not_wait_for_their_answers(imalink_server, tmp_path: Path, make_jpeg) -> None:
    for i in range(1, 7):
        make_jpeg(tmp_path / "photos" / f"IMG_{i}.JPG", size=(320 + 16 * i, 240))
    proxy = _StallingProxy(int(imalink_server.url.rsplit(":", 1)[1]))
    # A test run in the background inherits SIGINT ignored; the command must get the terminal's default.
    child = subprocess.Popen(
        [sys.executable, "-m", "importer", str(tmp_path / "photos"), "--server", proxy.url, "--batch-size", "1", "--workers", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=Path(__file__).parents[2],
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        while not proxy.batch_held.wait(0.1):
            assert child.poll() is None, child.communicate()[1].decode()
        time.sleep(0.5)  # the second batch goes out too, and the run waits for the first's answer
        child.send_signal(signal.SIGINT)
        started = time.monotonic()
        _, stderr = child.communicate(timeout=30)  # the transport's own timeout is 120 s
        waited = time.monotonic() - started
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        proxy.close()
    assert child.returncode == 130, stderr.decode()
    assert waited < 10, f"Ctrl-C took {waited:.1f} s to end the run"
    assert b"Interrupted." in stderr and b"Traceback" not in stderr
