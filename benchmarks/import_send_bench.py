"""``imalink import`` end to end over HTTP: batches sent one at a time against two in flight.

Builds camera-like groups (a 12-megapixel JPEG with its EXIF thumbnail and a TIFF RAW stand-in,
as ``import_client_bench.py`` makes them, but each group a photo of its own: its thumbnail
marked, its RAW's capture time its own), then in interleaved rounds imports them with the real
command (``imalink import --server URL --json --concurrency N``, a process of its own) into a
fresh ``imalink serve`` on SQLite, once per ``--concurrency`` value. ``--link-mbit`` and
``--link-ms`` put a link of that bandwidth (each way) and one-way delay between the two: a
TCP proxy in this process that paces what it forwards, as a home network or a server across
the internet would (``--link-mbit 0``: straight to the server on loopback).

``--previous-python PY`` adds, in the same rounds, the client installed for the interpreter ``PY``
(an older checkout's venv, e.g. ``git worktree add /tmp/old ec1c38a`` then
``pip install -e /tmp/old`` in a venv of its own), run without ``--concurrency`` (a client from
before it sent one batch at a time) against the same server as the others.

Prints each run's seconds and groups/s, the medians, and each client's rate against the first
one's (the figures that count: the machine is shared).

    .venv/bin/python benchmarks/import_send_bench.py [--groups 400] [--rounds 3]
        [--concurrency 1 2] [--link-mbit 100] [--link-ms 10] [--previous-python /tmp/old/.venv/bin/python]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BIN, Server, free_port, table  # noqa: E402
from import_client_bench import DISTINCT_IMAGES, SIZE, photo_like  # noqa: E402

CHUNK = 64 * 1024


def build_folder(folder: Path, groups: int, detail: int) -> None:
    """``groups`` JPEG+RAW pairs that are distinct photos (distinct hotpreviews and files).

    The 12-megapixel pictures repeat (encoding one takes a second), so each group's thumbnail,
    which becomes its hotpreview, carries a small mark of its own, and its RAW its own time.
    """
    from PIL import ImageDraw

    from imalink.importer.vectors import camera_jpeg, exif_payload, pillow_jpeg, raw_bytes

    bases = [photo_like(s, detail) for s in range(DISTINCT_IMAGES)]
    smalls = []
    for base in bases:
        small = base.copy()
        small.thumbnail((160, 160))
        smalls.append(small)
    encoded = [camera_jpeg(base, None, quality=92)[2:] for base in bases]
    raw_preview = pillow_jpeg(bases[0].resize((640, 427)), 80)
    folder.mkdir(parents=True)
    for i in range(groups):
        taken = f"2024:05:{1 + i % 28:02d} 10:{i // 60 % 60:02d}:{i % 60:02d}"
        thumb = smalls[i % DISTINCT_IMAGES].copy()
        x, y = (i * 6) % 156, (i * 6 // 156 * 6) % 116
        ImageDraw.Draw(thumb).rectangle((x, y, x + 3, y + 3), fill=(i * 37 % 256, i * 91 % 256, i * 53 % 256))
        payload = exif_payload(taken=taken, thumbnail=pillow_jpeg(thumb, 75), pixel_size=SIZE)
        app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
        (folder / f"IMG_{i:04d}.JPG").write_bytes(b"\xff\xd8" + app1 + encoded[i % DISTINCT_IMAGES])
        raw, _ = raw_bytes(taken=taken, preview=raw_preview, sensor_bytes=1 << 20)
        (folder / f"IMG_{i:04d}.CR2").write_bytes(raw)


class Link:
    """A TCP proxy to ``target_port`` that paces each direction to ``mbit`` and delays it by ``ms``."""

    def __init__(self, target_port: int, mbit: float, ms: float) -> None:
        self.target_port = target_port
        self.bytes_per_s = mbit * 1e6 / 8
        self.delay = ms / 1000
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Link:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._connection, "127.0.0.1", self.port))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()

    async def _connection(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(self._pump(client_reader, server_writer), self._pump(server_reader, client_writer))

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward ``reader`` to ``writer``: each chunk leaves when the link has sent the ones
        before it at the link's rate, and arrives ``delay`` later."""
        loop = asyncio.get_running_loop()
        arriving: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                at, data = await arriving.get()
                if not data:
                    break
                wait = at - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        delivering = asyncio.create_task(deliver())
        link_free = loop.time()
        try:
            while data := await reader.read(CHUNK):
                if self.bytes_per_s:
                    link_free = max(link_free, loop.time()) + len(data) / self.bytes_per_s
                    wait = link_free - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                arriving.put_nowait((loop.time() + self.delay, data))
        except ConnectionError:
            pass
        arriving.put_nowait((0.0, b""))
        await delivering


def import_once(folder: Path, concurrency: int | None, mbit: float, ms: float, work: Path, python: str | None = None) -> dict[str, Any]:
    """One ``imalink import`` of ``folder`` into a fresh server: the run's own seconds and photos created.

    ``python``: the interpreter of another install of the client, run without ``--concurrency``.
    """
    db = work / "library.db"
    for old in work.glob("library.db*"):
        old.unlink()
    with Server(f"sqlite:///{db}", work) as server, contextlib.ExitStack() as links:
        server.wait_ready()
        url = server.url
        if mbit or ms:
            url = f"http://127.0.0.1:{links.enter_context(Link(server.port, mbit, ms)).port}"
        if python is not None:
            cmd = [python, "-m", "imalink.cli", "import", "--server", url, "--json", str(folder)]
        else:
            exe = BIN / "imalink"
            cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "imalink.cli"]
            cmd += ["import", "--server", url, "--json", "--concurrency", str(concurrency), str(folder)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[:2])} ... exited {done.returncode}: {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    return {"elapsed": summary["elapsedSeconds"], "photos": summary["photosCreated"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=400, help="JPEG+RAW groups (default 400)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2], help="values compared (default: 1 2)")
    parser.add_argument("--link-mbit", type=float, default=0.0, help="bandwidth each way, Mbit/s (0: no link, loopback)")
    parser.add_argument("--link-ms", type=float, default=0.0, help="one-way delay of the link, ms")
    parser.add_argument("--detail", type=int, default=17, help="noise in the pictures, 0-100 (as import_client_bench.py)")
    parser.add_argument("--previous-python", metavar="PY", help="also run the client installed for this interpreter (no --concurrency)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="imalink-send-") as tmp:
        work = Path(tmp)
        folder = work / "files"
        build_folder(folder, args.groups, args.detail)
        link = f"{args.link_mbit:g} Mbit/s, {args.link_ms:g} ms each way" if args.link_mbit or args.link_ms else "loopback"
        print(f"{args.groups} groups (12 MP JPEG with its thumbnail + RAW), link: {link}, {args.rounds} rounds")
        clients: list[tuple[str, int | None, str | None]] = []
        if args.previous_python:
            clients.append(("previous client", None, args.previous_python))
        clients += [(f"--concurrency {c}", c, None) for c in args.concurrency]
        runs: dict[str, list[float]] = {name: [] for name, _, _ in clients}
        for _ in range(args.rounds):
            for name, c, python in clients:
                run = import_once(folder, c, args.link_mbit, args.link_ms, work, python)
                if run["photos"] != args.groups:
                    sys.exit(f"{name} created {run['photos']} photos, not {args.groups}")
                runs[name].append(run["elapsed"])
                print(f"  {name}: {run['elapsed']:.2f} s, {args.groups / run['elapsed']:.1f} groups/s")
        first = statistics.median(runs[clients[0][0]])
        rows = []
        for name, _, _ in clients:
            median = statistics.median(runs[name])
            rows.append([name, f"{median:.2f}", f"{args.groups / median:.1f}", f"{first / median:.2f}x"])
        print()
        table(rows, ["importer", "median s", "groups/s", f"rate / {clients[0][0]}"])


if __name__ == "__main__":
    main()
