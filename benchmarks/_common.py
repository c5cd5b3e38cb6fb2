"""Shared helpers of the server benchmarks (``import_bench.py``, ``photos_page_bench.py``).

- the EXIF corpus (``<repo>/../shared/exif-corpus``, or ``IMALINK_EXIF_CORPUS``);
- distinct 150 px hotpreviews and ``importBatch`` request bodies built ahead of timing;
- the real server as a subprocess (``imalink serve`` on a free port), its RSS sampled every 50 ms;
- ``py-spy record`` on the server and a summary of where its time went.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

IMPORT_BATCH = """
mutation Import($input: BatchImportInput!) {
  importBatch(input: $input) { photosCreated imagesCreated duplicatesSkipped errors results { hothash status } }
}
"""
CREATE_SESSION = """
mutation Session($input: ImportSessionInput!) { createImportSession(input: $input) { id status } }
"""

# ---------------------------------------------------------------------------------------------
# EXIF corpus


def corpus_dir() -> Path:
    """The shared corpus; exits with a clear message when it is missing."""
    path = Path(os.environ.get("IMALINK_EXIF_CORPUS") or ROOT.parent / "shared" / "exif-corpus")
    if not path.is_dir() or not any(path.glob("*.exif")):
        sys.exit(
            f"EXIF corpus not found at {path}: set IMALINK_EXIF_CORPUS to the folder holding the "
            "shared *.exif samples (../shared/exif-corpus next to the repository)."
        )
    return path


def exif_blobs(low: int = 14_000, high: int = 24_000) -> list[tuple[str, bytes]]:
    """Real ~19 KB corpus payloads (thumbnails included) that bare ``piexif.load`` accepts.

    The bare baseline runs piexif on every blob, so blobs piexif raises on are left out.
    """
    import piexif

    chosen = []
    for path in sorted(corpus_dir().glob("*.exif")):
        data = path.read_bytes()
        if not low <= len(data) <= high:
            continue
        try:
            piexif.load(data)
        except Exception:  # noqa: BLE001 - piexif raises anything on some real blobs
            continue
        chosen.append((path.stem, data))
    if not chosen:
        sys.exit(f"No EXIF blob of {low}-{high} bytes that piexif loads in {corpus_dir()}.")
    return chosen


# ---------------------------------------------------------------------------------------------
# Request bodies


def hotpreview(i: int) -> bytes:
    """A distinct 150x100 JPEG (quality 85): a picture of its own, as a library's photos are.

    Each group's picture is the base blended with a coarse pattern of its own (an 8x6 grid of
    random colours, smoothly enlarged; 2 pairs in 300 come within look-alike distance), so previews differ in what perceptual hashes see, not only
    in colour: a library of one tinted picture makes every photo a look-alike of every other, the
    worst case of the look-alike index rather than an import of real photos.
    """
    import random

    from PIL import Image

    base = _preview_base()
    rng = random.Random(i)
    pattern = Image.new("RGB", (8, 6))
    pattern.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(48)])
    img = Image.blend(base, pattern.resize(base.size, Image.Resampling.BICUBIC), 0.7)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85, comment=f"imalink benchmark group {i}".encode())
    return buf.getvalue()


_BASE: Any = None


def _preview_base() -> Any:
    global _BASE
    if _BASE is None:
        from PIL import Image

        grad = Image.linear_gradient("L").resize((150, 100))
        rad = Image.radial_gradient("L").resize((150, 100))
        _BASE = Image.merge("RGB", (grad, rad, grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    return _BASE


@dataclass
class Corpus:
    """Base64 of the chosen EXIF blobs, encoded once."""

    blobs: list[tuple[str, bytes]]
    b64: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.b64 = [base64.b64encode(data).decode("ascii") for _, data in self.blobs]

    def mean_size(self) -> float:
        return statistics.fmean(len(data) for _, data in self.blobs)


def content_hash(filename: str, i: int) -> str:
    """A stand-in for the SHA-256 of file ``filename`` of group ``i`` (the benchmark has no files):
    distinct per file, lowercase hex, as the reference client sends ``contentHash``."""
    return hashlib.sha256(f"imalink benchmark file {i} {filename}".encode()).hexdigest()


def photo_group(i: int, corpus: Corpus) -> dict[str, Any]:
    """Group ``i``: IMG_i.JPG + IMG_i.CR2, each with a real EXIF payload and its content hash, and
    its hotpreview."""
    preview = hotpreview(i)
    n = len(corpus.blobs)
    jpg, raw = i % n, (i * 7 + 3) % n
    jpg_name, raw_name = f"IMG_{i:04d}.JPG", f"IMG_{i:04d}.CR2"
    return {
        "hothash": hashlib.sha256(preview).hexdigest(),
        "hotpreview": base64.b64encode(preview).decode("ascii"),
        "width": 150,
        "height": 100,
        "images": [
            {"filename": jpg_name, "fileSize": 4_000_000 + i, "contentHash": content_hash(jpg_name, i), "exifData": corpus.b64[jpg]},
            {"filename": raw_name, "fileSize": 25_000_000 + i, "contentHash": content_hash(raw_name, i), "exifData": corpus.b64[raw]},
        ],
    }


def batch_body(groups: list[dict[str, Any]], session_id: int) -> bytes:
    """The JSON bytes of one ``importBatch`` request."""
    variables = {"input": {"importSessionId": session_id, "photoGroups": groups}}
    return json.dumps({"query": IMPORT_BATCH, "variables": variables}).encode()


# ---------------------------------------------------------------------------------------------
# The server


def free_port() -> int:
    """A free port: the first free one of ``IMALINK_BENCH_PORTS`` (e.g. ``8630-8639``) when set, else any."""
    wanted = os.environ.get("IMALINK_BENCH_PORTS")
    first, _, last = (wanted or "0").partition("-")
    for port in range(int(first), int(last or first) + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    sys.exit(f"no free port in IMALINK_BENCH_PORTS={wanted}")


def reset_postgres(url: str) -> None:
    """Create the database if needed and drop the library's tables, so the server migrates it afresh.

    Point it at a database of its own (e.g. .../imalink_bench): its public schema is dropped.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(target)
    with engine.begin() as conn:
        # The whole schema: every table, trigger function and extension a migration made.
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class Server:
    """``imalink serve`` as a subprocess on a free port."""

    def __init__(self, database_url: str, workdir: Path, workers: int = 1) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"server-{self.port}.log"
        exe = BIN / "imalink"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "imalink.cli"]
        cmd += ["serve", "--port", str(self.port), "--database-url", database_url, "--workers", str(workers)]
        env = {**os.environ, "IMALINK_LOG_LEVEL": "warning"}
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=workdir)
        self.pid = self.proc.pid

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.fail(f"the server exited with {self.proc.returncode}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.fail("the server did not answer /healthz in time")

    def fail(self, why: str) -> None:
        self.stop()
        log = self.log_path.read_text(errors="replace")[-3000:]
        sys.exit(f"{why}; server log:\n{log}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def graphql(client: Any, url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST one document; exits on transport or GraphQL errors."""
    response = client.post(url + "/graphql", json={"query": query, "variables": variables or {}})
    payload = response.json()
    if response.status_code != 200 or payload.get("errors"):
        sys.exit(f"GraphQL request failed ({response.status_code}): {json.dumps(payload)[:2000]}")
    return payload["data"]


def create_session(client: Any, url: str, directory: str) -> int:
    data = graphql(client, url, CREATE_SESSION, {"input": {"storageDirectory": directory}})
    return int(data["createImportSession"]["id"])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` in KiB (empty once it is gone)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


def process_tree(pid: int) -> list[int]:
    """``pid`` and its living descendants (a multi-worker server is a parent and its workers)."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        try:
            with open(f"/proc/{current}/task/{current}/children") as f:
                todo += [int(child) for child in f.read().split()]
        except OSError:
            pass
    return tree


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of ``pid`` and its living descendants (all their threads)."""
    total = 0.0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class RssSampler(threading.Thread):
    """Reads /proc/PID/status every ``interval`` seconds; keeps the peak VmRSS."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kib = 0
        self.samples = 0
        self.hwm_kib = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def sample(self) -> None:
        # Summed over the server's processes: with --workers the parent alone says little.
        statuses = [status for pid in process_tree(self.pid) if (status := proc_status(pid))]
        if statuses:
            self.samples += 1
            self.peak_kib = max(self.peak_kib, sum(status.get("VmRSS", 0) for status in statuses))
            self.hwm_kib = max(self.hwm_kib, sum(status.get("VmHWM", 0) for status in statuses))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.sample()


# ---------------------------------------------------------------------------------------------
# Profiling with py-spy


class Profiler:
    """``py-spy record --format raw`` on ``pid`` while the block runs (when ``out`` is set)."""

    def __init__(self, pid: int, out: str | None, rate: int = 200) -> None:
        self.pid, self.out, self.rate = pid, out, rate
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Profiler:
        if not self.out:
            return self
        exe = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
        if exe is None:
            sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
        cmd = [exe, "record", "--format", "raw", "-o", self.out, "-r", str(self.rate), "-p", str(self.pid), "--nonblocking"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)  # let py-spy attach before the timed work starts
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        if not Path(self.out).exists():  # type: ignore[arg-type]
            print(f"py-spy wrote no profile: {err.decode(errors='replace')[-500:]}", file=sys.stderr)


def _frame_parts(frame: str) -> tuple[str, str]:
    """``'func (path/to/file.py:12)'`` -> (``'func'``, ``'path/to/file.py'``)."""
    name, _, rest = frame.partition(" (")
    path = rest.rsplit(":", 1)[0] if rest else ""
    return name, path


WRAPPERS = ("imalink/cli.py", "<frozen runpy>", "imalink:")
OURS = ("resolvers/", "schema/", "db/", "exif/", "imalink/")
# py-spy names files relative to site-packages or to the source root; stdlib files keep their names.
THEIRS = (
    ("strawberry/", "strawberry"),
    ("graphql/", "graphql-core"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("sqlmodel/", "SQLAlchemy"),
    ("piexif/", "piexif"),
    ("starlette/", "starlette/uvicorn/h11/anyio"),
    ("uvicorn/", "starlette/uvicorn/h11/anyio"),
    ("anyio/", "starlette/uvicorn/h11/anyio"),
    ("h11/", "starlette/uvicorn/h11/anyio"),
    ("httptools/", "starlette/uvicorn/h11/anyio"),
    ("psycopg", "psycopg"),
    ("pydantic", "pydantic"),
    ("json/", "stdlib json"),
    ("base64.py", "stdlib base64"),
    ("asyncio/", "asyncio event loop"),
    ("selectors.py", "asyncio event loop"),
    ("sqlite3/", "sqlite3"),
    ("threading.py", "threads"),
    ("concurrent/", "threads"),
    ("queue.py", "threads"),
)


def _category(path: str) -> str:
    path = path.lstrip("./")
    for prefix in OURS:
        if path.startswith(prefix):
            return "OURS " + prefix
    for prefix, label in THEIRS:
        if path.startswith(prefix):
            return label
    return "other (stdlib/native)"


def summarize_profile(path: str, top: int = 25) -> None:
    """Self time by category and by function, inclusive time of our functions, from a raw profile."""
    stacks: list[tuple[list[str], int]] = []
    for line in Path(path).read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    total = sum(c for _, c in stacks)
    if not total:
        print("(empty profile)")
        return
    self_fn: Counter[str] = Counter()
    self_cat: Counter[str] = Counter()
    incl_ours: Counter[str] = Counter()
    incl_cat: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    for frames, count in stacks:
        # py-spy raw: root first, leaf last; a leading "process ..." / "thread ..." frame may appear.
        frames = [f for f in frames if " (" in f] or frames
        threads["worker threads (to_thread: database, import work)" if "Thread._bootstrap" in frames[0]
                else "event loop thread (HTTP, GraphQL execution)"] += count
        # The CLI and the body-size middleware wrap every request: leave them out of inclusive times.
        frames_incl = [f for f in frames if not _frame_parts(f)[1].startswith(WRAPPERS)]
        leaf = frames[-1]
        name, file = _frame_parts(leaf)
        self_fn[f"{name} ({_short(file)})"] += count
        self_cat[_category(file)] += count
        seen: set[str] = set()
        cats: set[str] = set()
        for frame in frames_incl:
            fname, ffile = _frame_parts(frame)
            cat = _category(ffile)
            cats.add(cat)
            if cat.startswith("OURS"):
                key = f"{fname} ({_short(ffile)})"
                if key not in seen:
                    seen.add(key)
                    incl_ours[key] += count
        for cat in cats:
            incl_cat[cat] += count

    def pct(n: int) -> str:
        return f"{100 * n / total:5.1f}%"

    print(f"\nProfile {path}: {total} samples (all server threads)")
    print("\n  By thread:")
    for name, n in threads.most_common():
        print(f"    {pct(n)}  {name}")
    print("\n  Self time by component:")
    for cat, n in self_cat.most_common():
        print(f"    {pct(n)}  {cat}")
    print("\n  Inclusive time by component (a sample counts once per component on its stack):")
    for cat, n in incl_cat.most_common(12):
        print(f"    {pct(n)}  {cat}")
    print(f"\n  Top {top} functions by self time:")
    for fn, n in self_fn.most_common(top):
        print(f"    {pct(n)}  {fn}")
    print(f"\n  Our functions by inclusive time (top {top}):")
    for fn, n in incl_ours.most_common(top):
        print(f"    {pct(n)}  {fn}")


def _short(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return path.rsplit("/lib/python", 1)[-1] if "/lib/python" in path else path


# ---------------------------------------------------------------------------------------------
# Output


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> None:
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    for k, row in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        if k == 0:
            print(line)


@contextmanager
def workdir(keep: bool = False) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="imalink-bench-"))
    try:
        yield path
    finally:
        if keep:
            print(f"(kept {path})")
        else:
            shutil.rmtree(path, ignore_errors=True)


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
