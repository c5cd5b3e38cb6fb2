"""Where a batch import's time goes, phase by phase, in-process, against the bare script's CPU.

``import_bench.py`` measures the import over HTTP; its py-spy profile cannot see PostgreSQL's own
work, and on a busy machine its shares count time spent waiting for a core. This script runs
``import_bench``'s request bodies through the same schema and import service in this process
(``imalink.local``: no HTTP) and times each phase of ``import_batch`` per batch: this process's
CPU (thread time), the wall clock, and on PostgreSQL the CPU of the database backend serving the
connection (``/proc/PID/schedstat``, so the server must run on this machine). The phases are the
service's own functions, timed by wrapping them for the run. The bare script
(``import_bench.baseline``) runs on the same bodies between rounds; its CPU per batch is the
yardstick of the ratios.

    .venv/bin/python benchmarks/import_phases.py [--groups 1500] [--rounds 3]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/imalink_bench]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import logging
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Corpus, batch_body, chunks, exif_blobs, photo_group, reset_postgres, table, workdir  # noqa: E402
from import_bench import baseline  # noqa: E402

from imalink.db import lookalikes, writes  # noqa: E402
from imalink.local import LocalGraphQL  # noqa: E402
from imalink.resolvers.imports import checks, service  # noqa: E402

CREATE_SESSION = 'mutation { createImportSession(input: {storageDirectory: "/photos/benchmark"}) { id } }'
# (module, function, shown as): in the order a batch runs them one at a time, where the groups
# are described while the batch's rows are written: on PostgreSQL the image copy's span is inside
# the writing's and the photos are inserted after the describing; on SQLite a thread inserts the
# images and each described part's photos, and the last part is left for after the describing
# (resolvers/imports/service.py, db/writes.py written_meanwhile).
WRITTEN_AFTER = "  after the describing: what is left"
PHASES = [
    (service, "check_groups", "checks"),
    (checks, "_b64", "  base64"),
    (writes, "lock_library_if_free", "library lock"),
    (writes, "lock_library", "library lock"),
    (service, "look_up", "look-up"),
    (service, "resolve", "resolve"),
    (writes, "written_meanwhile", "rows written, describing meanwhile"),
    (writes, "images_copied_meanwhile", "  image copy (PostgreSQL)"),
    (service, "describe_groups", "describe"),
    (checks, "read_exif", "  EXIF reading"),
    (checks, "fingerprints", "  fingerprints"),
    (writes, "insert_photos", "photo insert"),
    (writes, "insert_photo_tags", "tag insert"),
    (writes, "insert_images", "image insert"),
    (lookalikes, "link", "look-alike pairs"),
    (writes, "add_session_totals", "session totals"),
]
COMMIT = "commit"


class Clock:
    """Per-phase totals: this thread's CPU, wall, and the database backend's CPU (PostgreSQL)."""

    def __init__(self) -> None:
        self.cpu: collections.Counter[str] = collections.Counter()
        self.wall: collections.Counter[str] = collections.Counter()
        self.db: collections.Counter[str] = collections.Counter()

    @contextlib.contextmanager
    def phase(self, name: str, conn: Any = None) -> Iterator[None]:
        pid = backend_pid(conn)
        backend = backend_cpu(pid)
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            yield
        finally:
            self.cpu[name] += time.thread_time() - cpu
            self.wall[name] += time.perf_counter() - wall
            if backend is not None and (after := backend_cpu(pid)) is not None:
                self.db[name] += after - backend


def backend_pid(conn: Any) -> int | None:
    """The process id of the PostgreSQL backend behind ``conn`` (None on SQLite)."""
    try:
        return conn.connection.dbapi_connection.info.backend_pid
    except AttributeError:
        return None


def backend_cpu(pid: int | None) -> float | None:
    """CPU seconds the backend ``pid`` has used so far (None when it cannot be read here)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e9 if pid else None
    except (OSError, ValueError):
        return None


def instrument(clock: Clock) -> None:
    """Time the service's phases into ``clock`` (for this run only: the process ends after it)."""
    for module, name, shown in PHASES:
        original = getattr(module, name)
        if name == "written_meanwhile":  # a context manager: its body, then its end (the thread's last work)

            @contextlib.contextmanager
            def timed_written(conn: Any, *args: Any, __original: Any = original, __shown: str = shown) -> Iterator[Any]:
                context = __original(conn, *args)
                with clock.phase(__shown, conn):
                    add = context.__enter__()
                    try:
                        yield add
                    except BaseException:
                        if not context.__exit__(*sys.exc_info()):
                            raise
                        return
                with clock.phase(WRITTEN_AFTER, conn):
                    context.__exit__(None, None, None)

            setattr(module, name, timed_written)
            continue
        if name == "images_copied_meanwhile":  # a context manager: timed over its body

            @contextlib.contextmanager
            def timed_span(conn: Any, *args: Any, __original: Any = original, __shown: str = shown) -> Iterator[Any]:
                with clock.phase(__shown, conn), __original(conn, *args) as alongside:
                    yield alongside

            setattr(module, name, timed_span)
            continue

        def timed(*args: Any, __original: Callable[..., Any] = original, __shown: str = shown, **kwargs: Any) -> Any:
            conn = args[0] if args and hasattr(args[0], "dialect") else None
            with clock.phase(__shown, conn):
                return __original(*args, **kwargs)

        setattr(module, name, functools.wraps(original)(timed))
    for name in ("writing", "writing_if_free"):  # the library taken at once, or waited for

        @contextlib.contextmanager
        def timed_writing(engine: Any, __writing: Any = getattr(service, name)) -> Iterator[Any]:
            # The commit runs as the transaction's context closes: timed from the body's end to its end.
            commit = None
            try:
                with __writing(engine) as conn:
                    yield conn
                    if conn is not None:
                        commit = clock.phase(COMMIT, conn)
                        commit.__enter__()
            finally:
                if commit is not None:
                    commit.__exit__(None, None, None)

        setattr(service, name, timed_writing)


def run_round(url: str, bodies: list[bytes], clock: Clock) -> float:
    """Import ``bodies`` into a fresh library in-process; this process's CPU seconds for it."""
    with LocalGraphQL(url) as graphql:
        session = graphql.execute(CREATE_SESSION)
        if session.get("errors") or session["data"]["createImportSession"]["id"] != 1:
            sys.exit(f"A fresh database gave no session 1: {session}")
        cpu = time.process_time()
        for body in bodies:
            with clock.phase("JSON"):
                request = orjson.loads(body)
            result = graphql.execute(request["query"], request["variables"])
            if result.get("errors") or result["data"]["importBatch"]["errors"]:
                sys.exit(f"The batch failed: {str(result)[:1000]}")
        return time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="a database of its own: its imalink tables are dropped")
    args = parser.parse_args()

    # The server's background statistics refresh (db/maintenance.py) may still run when a round's
    # library is closed and deleted; its failure then is no finding.
    logging.getLogger("imalink.db.maintenance").setLevel(logging.CRITICAL)
    corpus = Corpus(exif_blobs())
    bodies = [batch_body(list(chunk), 1) for chunk in chunks([photo_group(i, corpus) for i in range(args.groups)], 100)]
    batches = len(bodies)
    clock = Clock()
    instrument(clock)
    totals, bare = [], []
    with workdir() as tmp:
        bare.append(baseline(bodies, tmp / "baseline.db")[1])
        for r in range(args.rounds):
            if args.postgres:
                reset_postgres(args.postgres)
                url = args.postgres
            else:
                url = f"sqlite:///{tmp / f'round{r}.db'}"
            totals.append(run_round(url, bodies, clock))
            bare.append(baseline(bodies, tmp / "baseline.db")[1])

    per_batch = 1000 / (batches * args.rounds)  # ms per batch from seconds summed over the rounds
    bare_ms = statistics.median(bare) * 1000 / batches
    total_ms = statistics.median(totals) * 1000 / batches
    names = list(dict.fromkeys(["JSON", *(shown for _, _, shown in PHASES), WRITTEN_AFTER, COMMIT]))  # the lock's two ways, one row
    rows = [
        [name, f"{clock.cpu[name] * per_batch:.1f}", f"{clock.cpu[name] * per_batch / bare_ms:.2f}",
         f"{clock.wall[name] * per_batch:.1f}", f"{clock.db[name] * per_batch:.1f}" if clock.db else ""]
        for name in names
    ]
    rows.append(["this process, all (median round)", f"{total_ms:.1f}", f"{total_ms / bare_ms:.2f}", "", ""])
    rows.append(["bare script, all (median run)", f"{bare_ms:.1f}", "1.00", "", ""])
    print(f"\n{args.groups} groups in {batches} batches of 100, in-process on {'PostgreSQL' if args.postgres else 'SQLite'}, "
          f"{args.rounds} rounds; per batch:\n")
    table(rows, ["phase", "CPU ms", "x bare", "wall ms", "database CPU ms"])
    print("\nThe rest of this process's CPU is GraphQL (parsing, coercion, the result) and the service around the phases.")


if __name__ == "__main__":
    main()
