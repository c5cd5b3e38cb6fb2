"""Batch import over HTTP against a running server, compared with a bare script doing the data work.

Builds ``--groups`` photo groups (IMG_nnnn.JPG + IMG_nnnn.CR2, each file carrying a real ~19 KB
EXIF payload from the shared corpus, embedded thumbnail included, and its content hash as the
reference client sends it; a distinct 150 px hotpreview per group with its SHA-256 hothash), as ``importBatch`` request bodies of ``--batch-size`` groups,
all encoded to JSON bytes before any timing. Then, in one run:

- ``server``: starts ``imalink serve`` on a fresh SQLite file (or ``--postgres URL``), creates an
  import session, sends the bodies one after another over one keep-alive connection (httpx), and
  checks that every group came back CREATED and the totals add up. The server's RSS is sampled
  every 50 ms (peak VmRSS, plus VmHWM) and its CPU time is read from /proc.
- ``baseline``: the same bodies through a bare script: ``json.loads``, base64 decode of every
  hotpreview and exifData, ``piexif.load`` of every EXIF blob, ``sqlite3`` ``executemany`` of the
  photo rows and the image rows (raw EXIF bytes included; the hothash and the content hash each
  unique, the file identities every import checks) into a fresh WAL file database, one transaction
  per batch. Bare runs and server rounds (``--rounds``) alternate; medians count.
  The bare script keeps the standard library's json and base64: the server's orjson and pybase64
  (and its own EXIF reader against piexif) are the server's wins, not the baseline's; with them
  the bare script itself would be faster (base64 alone is ~0.2 ms of its ~1 ms per group). The
  server does work the bare script does not: hothash and fingerprint of each hotpreview, the
  look-up of known photos and files, look-alike pairs, indexes and counts.

Prints groups/s of both, the ratio server/baseline (target: <= 1.5, and >= 1,500 groups/s),
server and bare CPU seconds (robust to a busy machine; on PostgreSQL also with its backends'), peak server RSS (target: < 300 MB).
``--profile out.txt`` records the server with py-spy during the first import and prints where the
time went. ``--token`` adds, interleaved, the same imports into a library with a user, every request
carrying an API token (``Authorization: Bearer``), and prints what authentication costs the import
path: wall and CPU ratios of token rounds to rounds without accounts, and the token check itself
(the look-up every request makes) timed in-process against the median batch.

``--versus-sqlite`` (with ``--postgres``) imports each round on SQLite too, right after
PostgreSQL's (before it in every second round), and prints PostgreSQL's rate over SQLite's
round by round: the target "PostgreSQL >= 1.0x SQLite's groups/s" from pairs that saw the
machine in the same state.

``--library 1000000`` imports into a library of that many photos instead of a fresh one (built by
benchmarks/library.py and kept, as browse_bench.py keeps them: the SQLite file in ``--data``, on
PostgreSQL a database named after the URL's plus ``_1000000``); each round's import is taken out
again after it. The bare script still writes a fresh file: compare the server's rate at that size
with its rate on a fresh library, run in turn.

    .venv/bin/python benchmarks/import_bench.py [--groups 3000] [--batch-size 100]
        [--rounds 3] [--profile /tmp/import.txt] [--token] [--library 1000000 --data /work/benchdata]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/imalink_bench [--versus-sqlite]]
"""

from __future__ import annotations

import argparse
import base64
import json
import sqlite3
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import piexif

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    Corpus,
    Profiler,
    RssSampler,
    Server,
    batch_body,
    chunks,
    cpu_seconds,
    create_session,
    exif_blobs,
    graphql,
    photo_group,
    proc_status,
    process_tree,
    reset_postgres,
    summarize_profile,
    table,
    workdir,
)
from browse_bench import server_cpu  # noqa: E402

TARGET_RATE = 1500.0
TARGET_RATIO = 1.5
TARGET_RSS_MB = 300.0
SESSION_ID = 1  # the first session of a fresh database

SESSION_TOTALS = """
query Totals($id: Int!) {
  importSession(id: $id) { photosCreated imagesCreated duplicatesSkipped filesProcessed errorsCount }
  photos(first: 1) { totalCount }
}
"""

BASELINE_SCHEMA = """
CREATE TABLE photo (
    id INTEGER PRIMARY KEY, hothash TEXT NOT NULL UNIQUE, hotpreview BLOB, width INTEGER, height INTEGER,
    import_session_id INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE image (
    id INTEGER PRIMARY KEY, photo_id INTEGER NOT NULL REFERENCES photo(id), filename TEXT NOT NULL,
    filename_key TEXT NOT NULL, file_size INTEGER, content_hash TEXT UNIQUE, exif_data BLOB, import_session_id INTEGER,
    created_at TEXT NOT NULL, UNIQUE (photo_id, filename_key)
);
"""


def baseline(bodies: list[bytes], db_path: Path) -> tuple[float, float]:
    """Wall and CPU seconds for the bare data work over ``bodies`` (fresh database each time)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(BASELINE_SCHEMA)
    photo_id = image_id = 0
    start, cpu0 = time.perf_counter(), time.process_time()
    for body in bodies:
        request = json.loads(body)
        batch = request["variables"]["input"]
        session_id = batch["importSessionId"]
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        photos, images = [], []
        for group in batch["photoGroups"]:
            photo_id += 1
            preview = base64.b64decode(group["hotpreview"])
            photos.append((photo_id, group["hothash"], preview, group["width"], group["height"], session_id, now, now))
            for image in group["images"]:
                exif = base64.b64decode(image["exifData"])
                piexif.load(exif)
                image_id += 1
                name = image["filename"]
                images.append((image_id, photo_id, name, name.lower(), image["fileSize"], image["contentHash"], exif, session_id, now))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO photo VALUES (?, ?, ?, ?, ?, ?, ?, ?)", photos)
        conn.executemany("INSERT INTO image VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", images)
        conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
    conn.close()
    return elapsed, cpu


def make_token(database_url: str) -> str:
    """A user (so the server requires credentials) and an API token of theirs with the IMPORT and READ scopes."""
    from imalink.db.engine import make_engine
    from imalink.db.migrate import upgrade_to_head
    from imalink.resolvers.accounts import Scope, Viewer, service

    engine = make_engine(database_url)
    upgrade_to_head(engine)
    user = service.add_user(engine, "bench", "benchmark password")
    secret = service.create_token(engine, Viewer(user.id), "bench", [Scope.IMPORT, Scope.READ], None).secret
    engine.dispose()
    return secret


def token_check_seconds(database_url: str, secret: str, repeat: int = 2000) -> float:
    """Seconds one request's token check takes (the look-up the server makes per request), in-process."""
    from imalink.db.engine import make_engine
    from imalink.resolvers.accounts import service

    engine = make_engine(database_url)
    service.viewer_of_token(engine, secret)  # warm: connection pool, statement cache
    start = time.perf_counter()
    for _ in range(repeat):
        if service.viewer_of_token(engine, secret) is None:
            sys.exit("the benchmark's token was refused")
    elapsed = (time.perf_counter() - start) / repeat
    engine.dispose()
    return elapsed


def run_server(
    args: argparse.Namespace, batches: list[list[dict[str, Any]]], bodies: list[bytes], tmp: Path, profile: str | None,
    with_token: bool = False,
) -> dict[str, Any]:
    """One import by a fresh server process: into a fresh database, or with ``--library`` into the
    kept library of that many photos (the import taken out again afterwards); with a user and a
    token: ``with_token``. ``bodies``: ``batches`` encoded for session 1 (a fresh library's first)."""
    if args.library:
        url = args.library_url
    elif args.postgres:
        reset_postgres(args.postgres)
        url = args.postgres
    else:
        for old in tmp.glob("bench.db*"):
            old.unlink()
        url = f"sqlite:///{tmp / 'bench.db'}"
    secret = make_token(url) if with_token else None
    auth = {"Authorization": f"Bearer {secret}"} if secret else {}
    with Server(url, tmp, args.workers) as server:
        sampler = RssSampler(server.pid)
        sampler.start()
        server.wait_ready()
        idle_kib = sum(proc_status(pid).get("VmRSS", 0) for pid in process_tree(server.pid))
        with_database = server_cpu(url, server.pid)  # on PostgreSQL its backends' CPU too
        with httpx.Client(timeout=300.0, headers=auth) as client:
            held = graphql(client, server.url, "{ photos(first: 1) { totalCount } }", {})["photos"]["totalCount"]
            session_id = create_session(client, server.url, "/photos/benchmark")
            if not args.library and session_id != SESSION_ID:
                sys.exit(f"A fresh database gave session id {session_id}, the bodies name {SESSION_ID}")
            if session_id != SESSION_ID:  # a kept library's new session
                bodies = [batch_body(batch, session_id) for batch in batches]
            headers = {"content-type": "application/json"}
            responses: list[httpx.Response] = []
            per_batch: list[float] = []
            with Profiler(server.pid, profile):
                cpu0, all0 = cpu_seconds(server.pid), with_database()
                start = time.perf_counter()
                def send(body: bytes) -> httpx.Response:
                    t0 = time.perf_counter()
                    response = client.post(server.url + "/graphql", content=body, headers=headers)
                    per_batch.append(time.perf_counter() - t0)
                    return response

                # --concurrency N keeps N batches in flight (N importers at once); 1 sends in turn.
                with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                    responses = list(pool.map(send, bodies))
                elapsed = time.perf_counter() - start
                cpu, cpu_all = cpu_seconds(server.pid) - cpu0, with_database() - all0
            sampler.stop()
            verify(responses, args.groups)
            totals = graphql(client, server.url, SESSION_TOTALS, {"id": session_id})
        status = proc_status(server.pid)
    expect = {"photosCreated": args.groups, "imagesCreated": 2 * args.groups, "duplicatesSkipped": 0,
              "filesProcessed": 2 * args.groups, "errorsCount": 0}
    if totals["importSession"] != expect or totals["photos"]["totalCount"] != held + args.groups:
        sys.exit(f"Wrong totals after the import: {totals}, expected {expect} and {held:,} photos before")
    if args.library:
        remove_import(url, session_id)
    check = token_check_seconds(url, secret) if secret else None
    return {
        "elapsed": elapsed, "cpu": cpu, "cpu_all": cpu_all, "per_batch": per_batch, "token_check": check,
        "idle_kib": idle_kib, "peak_kib": sampler.peak_kib, "hwm_kib": max(sampler.hwm_kib, status.get("VmHWM", 0)),
        "samples": sampler.samples,
    }


def remove_import(url: str, session_id: int) -> None:
    """Take a benchmark's import out of a kept library again: its session's photos (their files,
    tags and look-alike pairs go with them; the counts' triggers take them away) and the session."""
    from sqlalchemy import text

    from imalink.db.engine import make_engine, writing

    engine = make_engine(url)
    with writing(engine) as conn:
        conn.execute(text("DELETE FROM photo WHERE import_session_id = :s"), {"s": session_id})
        conn.execute(text("DELETE FROM import_session WHERE id = :s"), {"s": session_id})
    engine.dispose()


def verify(responses: list[httpx.Response], groups: int) -> None:
    created = photos = images = 0
    for n, response in enumerate(responses):
        payload = response.json()
        if response.status_code != 200 or payload.get("errors"):
            sys.exit(f"Batch {n} failed ({response.status_code}): {json.dumps(payload)[:2000]}")
        result = payload["data"]["importBatch"]
        if result["errors"] or result["duplicatesSkipped"]:
            sys.exit(f"Batch {n}: errors {result['errors'][:5]}, duplicates {result['duplicatesSkipped']}")
        bad = [r for r in result["results"] if r["status"] != "CREATED"]
        if bad:
            sys.exit(f"Batch {n}: groups not CREATED: {bad[:5]}")
        created += len(result["results"])
        photos += result["photosCreated"]
        images += result["imagesCreated"]
    if (created, photos, images) != (groups, groups, 2 * groups):
        sys.exit(f"Totals: {created} results, {photos} photos, {images} images; expected {groups}/{groups}/{2 * groups}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--postgres", metavar="URL", help="run the server on PostgreSQL; use a database of its own: it is created if missing and its imalink tables are dropped")
    parser.add_argument("--rounds", type=int, default=3,
                        help="server imports (fresh server and database each), interleaved with bare runs; medians count")
    parser.add_argument("--profile", metavar="FILE", help="py-spy raw profile of the server during the first import")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, server log)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (imalink serve --workers)")
    parser.add_argument("--concurrency", type=int, default=1, help="batches in flight at once (default 1: one after another)")
    parser.add_argument("--library", type=int, metavar="PHOTOS",
                        help="import into a kept library of this many photos (benchmarks/library.py, as browse_bench.py keeps them; "
                             "built when missing), each round's import taken out again after it")
    parser.add_argument("--data", type=Path, default=Path("bench-data"), help="where --library keeps SQLite libraries")
    parser.add_argument("--token", action="store_true",
                        help="also import into a library with a user, every request with an API token; print the cost")
    parser.add_argument("--versus-sqlite", action="store_true",
                        help="with --postgres: each round also imports on SQLite beside PostgreSQL's (after it, then before), and prints "
                             "PostgreSQL's rate over SQLite's round by round (target >= 1.0)")
    args = parser.parse_args()
    if args.versus_sqlite and (not args.postgres or args.library or args.token):
        sys.exit("--versus-sqlite compares a fresh --postgres library with a fresh SQLite one (no --library, no --token)")
    if args.library:
        if args.token:
            sys.exit("--token imports into a fresh library of its own; leave out --library")
        from browse_bench import ensure_library, postgres_database

        args.data.mkdir(parents=True, exist_ok=True)
        sqlite_url = f"sqlite:///{args.data.resolve() / f'browse-{args.library}.db'}"
        args.library_url = postgres_database(args.postgres, args.library) if args.postgres else sqlite_url
        built = ensure_library(args.library_url, args.library, args.data)
        print(f"Library: {built['photos']:,} photos, {built['images']:,} files ({args.library_url})")

    corpus = Corpus(exif_blobs())
    print(f"EXIF corpus: {len(corpus.blobs)} blobs, mean {corpus.mean_size() / 1024:.1f} KiB "
          f"({', '.join(name for name, _ in corpus.blobs)})")
    t0 = time.perf_counter()
    batches = [list(chunk) for chunk in chunks([photo_group(i, corpus) for i in range(args.groups)], args.batch_size)]
    bodies = [batch_body(batch, SESSION_ID) for batch in batches]
    mb = sum(map(len, bodies)) / 1e6
    print(f"Built {len(bodies)} request bodies ({mb:.1f} MB of JSON) in {time.perf_counter() - t0:.1f} s")

    runs: list[dict[str, Any]] = []
    sqlite_runs: list[dict[str, Any]] = []
    token_runs: list[dict[str, Any]] = []
    base_times: list[tuple[float, float]] = []
    with workdir(args.keep) as tmp:
        # Bare, server, bare, server, ..., bare: both see the same machine noise.
        base_times.append(baseline(bodies, tmp / "baseline.db"))
        on_sqlite = argparse.Namespace(**{**vars(args), "postgres": None}) if args.versus_sqlite else None
        for r in range(args.rounds):
            # With --versus-sqlite, SQLite's import first in every second round: neither always follows the other.
            if on_sqlite and r % 2:
                sqlite_runs.append(run_server(on_sqlite, batches, bodies, tmp, None))
            runs.append(run_server(args, batches, bodies, tmp, args.profile if r == 0 else None))
            if on_sqlite and not r % 2:
                sqlite_runs.append(run_server(on_sqlite, batches, bodies, tmp, None))
            if args.token:
                token_runs.append(run_server(args, batches, bodies, tmp, None, with_token=True))
            base_times.append(baseline(bodies, tmp / "baseline.db"))

    groups = args.groups
    base = statistics.median(t for t, _ in base_times)
    base_cpu = statistics.median(c for _, c in base_times)
    elapsed = statistics.median(run["elapsed"] for run in runs)
    cpu = statistics.median(run["cpu"] for run in runs)
    cpu_all = statistics.median(run["cpu_all"] for run in runs)
    rate = groups / elapsed
    ratio = elapsed / base
    peak_kib = max(run["peak_kib"] for run in runs)
    hwm_kib = max(run["hwm_kib"] for run in runs)
    per_batch = [t * 1000 for run in runs for t in run["per_batch"]]
    first_batches = [run["per_batch"][0] * 1000 for run in runs]

    print(f"\n{groups} groups (JPEG+RAW, 2 EXIF blobs + 1 hotpreview each) in {len(bodies)} batches of "
          f"{args.batch_size}, server on {'PostgreSQL' if args.postgres else 'SQLite'}"
          f"{f', into a library of {args.library:,} photos' if args.library else ''}; "
          f"{args.rounds} server rounds, {len(base_times)} bare runs\n")
    rows = [
        ["server (HTTP importBatch), median", f"{elapsed:.3f}", f"{rate:,.0f}", f"{ratio:.2f}x", f"{cpu:.2f}",
         f"{cpu / base_cpu:.2f}x", f"{cpu_all:.2f}", f"{cpu_all / base_cpu:.2f}x"],
        *[[f"  server round {k + 1}", f"{run['elapsed']:.3f}", f"{groups / run['elapsed']:,.0f}", "",
           f"{run['cpu']:.2f}", "", f"{run['cpu_all']:.2f}", ""] for k, run in enumerate(runs)],
        ["bare baseline, median", f"{base:.3f}", f"{groups / base:,.0f}", "1.00x", f"{base_cpu:.2f}", "1.00x", "", ""],
        *[[f"  bare run {k + 1}", f"{t:.3f}", f"{groups / t:,.0f}", "", f"{c:.2f}", "", "", ""]
          for k, (t, c) in enumerate(base_times)],
        ["original design (150 in 2.5 s)", "", "60", "", "", "", "", ""],
    ]
    # On PostgreSQL the database's CPU is spent in its backends, outside the server's processes:
    # the last two columns add it (on SQLite they are the server's own, finer-grained).
    table(rows, ["", "wall s", "groups/s", "wall ratio", "CPU s", "CPU ratio", "+db CPU s", "+db ratio"])
    print(f"\nper batch ms: first {statistics.median(first_batches):.0f} (median over rounds), "
          f"median {statistics.median(per_batch):.0f}, min {min(per_batch):.0f}, max {max(per_batch):.0f}")
    print(f"server CPU during import: {cpu:.2f} s of {elapsed:.2f} s wall ({100 * cpu / elapsed:.0f}% of one core); "
          "bare CPU is the script's own process time")
    print(f"server RSS: idle {statistics.median(run['idle_kib'] for run in runs) / 1024:.0f} MB, "
          f"peak {peak_kib / 1024:.0f} MB (sampled every 50 ms, max over rounds), VmHWM {hwm_kib / 1024:.0f} MB")
    checks = [
        (f"rate >= {TARGET_RATE:,.0f} groups/s", rate >= TARGET_RATE, f"{rate:,.0f}"),
        (f"wall ratio <= {TARGET_RATIO}x bare", ratio <= TARGET_RATIO, f"{ratio:.2f}x"),
        (f"peak RSS < {TARGET_RSS_MB:.0f} MB", max(peak_kib, hwm_kib) / 1024 < TARGET_RSS_MB,
         f"{peak_kib / 1024:.0f} MB (HWM {hwm_kib / 1024:.0f})"),
    ]
    print()
    table([[name, value, "PASS" if ok else "FAIL"] for name, ok, value in checks], ["target", "measured", ""])
    if token_runs:
        report_token_cost(runs, token_runs, groups)
    if sqlite_runs:
        report_versus_sqlite(runs, sqlite_runs, groups)
    if args.profile:
        summarize_profile(args.profile)


def report_versus_sqlite(runs: list[dict[str, Any]], sqlite_runs: list[dict[str, Any]], groups: int) -> None:
    """PostgreSQL's rate over SQLite's, round by round: each pair ran back to back, so both saw the
    machine in the same state (a ratio of two separate runs carries both runs' noise)."""
    ratios = [lite["elapsed"] / pg["elapsed"] for pg, lite in zip(runs, sqlite_runs, strict=True)]
    rows = [
        [f"round {k + 1}", f"{groups / lite['elapsed']:,.0f}", f"{groups / pg['elapsed']:,.0f}", f"{ratio:.2f}x"]
        for k, (pg, lite, ratio) in enumerate(zip(runs, sqlite_runs, ratios, strict=True))
    ]
    median = statistics.median(ratios)
    rows.append(["median", "", "", f"{median:.2f}x"])
    print("\nPostgreSQL against SQLite (each round imported on both, one right after the other):")
    table(rows, ["", "SQLite groups/s", "PostgreSQL groups/s", "PostgreSQL ÷ SQLite"])
    print(f"target PostgreSQL >= 1.0x SQLite's rate: {'PASS' if median >= 1.0 else 'FAIL'} ({median:.2f}x, median of {len(ratios)})")


def report_token_cost(runs: list[dict[str, Any]], token_runs: list[dict[str, Any]], groups: int) -> None:
    """What authentication costs the import path: rounds with a token against rounds without accounts."""
    open_wall = statistics.median(run["elapsed"] for run in runs)
    open_cpu = statistics.median(run["cpu"] for run in runs)
    token_wall = statistics.median(run["elapsed"] for run in token_runs)
    token_cpu = statistics.median(run["cpu"] for run in token_runs)
    batch = statistics.median(t for run in token_runs for t in run["per_batch"])
    check = statistics.median(run["token_check"] for run in token_runs)
    print(f"\nAuthentication (API token on every request, {len(token_runs)} rounds interleaved with the open ones):")
    table([
        ["no accounts, median", f"{open_wall:.3f}", f"{groups / open_wall:,.0f}", "1.000x", f"{open_cpu:.2f}", "1.000x"],
        ["API token, median", f"{token_wall:.3f}", f"{groups / token_wall:,.0f}", f"{token_wall / open_wall:.3f}x",
         f"{token_cpu:.2f}", f"{token_cpu / open_cpu:.3f}x"],
    ], ["", "wall s", "groups/s", "wall ratio", "CPU s", "CPU ratio"])
    share = check / batch
    print(f"token check per request: {check * 1e6:.0f} µs against a median batch of {batch * 1000:.0f} ms: "
          f"{100 * share:.2f}% of the import path (target < 5%: {'PASS' if share < 0.05 else 'FAIL'})")


if __name__ == "__main__":
    main()
