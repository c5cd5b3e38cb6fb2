"""The bulk pre-check over HTTP: 10,000 hashes in one request on a library of a million photos.

A client about to import a folder asks which of its files (by content hash: ``existingFiles``) or
photos (by hothash: ``existingPhotos``, ``existingHothashes``) the library has, 10,000 at a time,
before it reads or decodes anything. Target: under 100 ms per request at 1,000,000 photos.

The library is built in bulk by benchmarks/library.py (kept in ``--data`` and reused; on
PostgreSQL a database of its own, the URL's name plus ``_<photos>``). Each request asks for
10,000 hashes, half of them in the library (random photos'), half unknown, different every
repeat and for each of the two ways (neither finds the pages the other just read). Timed,
interleaved, ``--repeat`` times each:

- **http**: the GraphQL request to ``imalink serve``, over HTTP, JSON in and out;
- **bare**: one SQL statement giving the same answer on a plain DB-API connection
  (sqlite3 / psycopg), its rows fetched: the database's own share.

Prints median and worst wall milliseconds of each, their ratio, and the median CPU milliseconds
each took (the server process plus, on PostgreSQL, its backend; bare: this process plus its
backend). On a machine shared with other work the CPU figures are what an idle machine would
take; the wall figures include waiting for a core.

    .venv/bin/python benchmarks/precheck_bench.py --photos 1000000 --data /work/bench \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/imalink_bench
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Profiler, Server, summarize_profile, table  # noqa: E402
from browse_bench import cpu_seconds_fine, ensure_library, postgres_database, server_cpu  # noqa: E402
from library import LibrarySpec  # noqa: E402

from imalink.db.tables import LOCAL_OWNER_ID  # noqa: E402

ASKED = 10_000
TARGET_MS = 100
QUERIES = {
    "existingFiles": "query Q($h: [String!]!) { existingFiles(contentHashes: $h) { contentHash filename hothash } }",
    "existingPhotos": "query Q($h: [String!]!) { existingPhotos(hothashes: $h) { hothash filenames } }",
    "existingHothashes": "query Q($h: [String!]!) { existingHothashes(hothashes: $h) }",
}
# existingFiles: the same probes as the server's two statements (the files, then their photos by id), in one.
BARE_SQL = {  # the server's statements (db/queries.py) on PostgreSQL: a probe per hash asked
    "existingFiles": "SELECT i.content_hash, i.filename, i.photo_id, (SELECT p.hothash FROM photo p WHERE p.id = i.photo_id"
                     " ORDER BY p.hothash LIMIT 1) FROM image i WHERE i.owner_id = {owner} AND i.content_hash = asked.value",
    "existingPhotos": "SELECT p.hothash, i.id, i.filename FROM photo p LEFT JOIN image i ON i.photo_id = p.id"
                      " WHERE p.owner_id = {owner} AND p.hothash = asked.value",
    "existingHothashes": "SELECT p.hothash FROM photo p WHERE p.owner_id = {owner} AND p.hothash = asked.value",
}
BARE_SQLITE = {  # and on SQLite: the sorted hashes' json_each as the outer loop, the indexes named
    "existingFiles": "SELECT i.content_hash, i.filename, i.photo_id, (SELECT p.hothash FROM photo p INDEXED BY ix_photo_id_hothash"
                     " WHERE p.id = i.photo_id ORDER BY p.hothash LIMIT 1) FROM json_each(?) AS asked CROSS JOIN image i"
                     " INDEXED BY ix_image_owner_content_hash_file ON i.content_hash = asked.value WHERE i.owner_id = {owner}",
    "existingPhotos": "SELECT p.hothash, i.id, i.filename FROM json_each(?) AS asked CROSS JOIN photo p ON p.hothash = asked.value"
                      " LEFT JOIN image i INDEXED BY ix_image_photo_files ON i.photo_id = p.id WHERE p.owner_id = {owner}",
    "existingHothashes": "SELECT p.hothash FROM json_each(?) AS asked CROSS JOIN photo p ON p.hothash = asked.value"
                         " WHERE p.owner_id = {owner}",
}


def bare_sql(kind: str, postgres: bool) -> str:
    """The case's statement as db/queries.only_asked narrows it: on PostgreSQL a probe per element of
    the hashes' ``unnest`` (a LATERAL subquery behind OFFSET 0); on SQLite the sorted JSON list's
    ``json_each``, cross joined first."""
    if postgres:
        probe = BARE_SQL[kind].format(owner=LOCAL_OWNER_ID)
        return f"SELECT found.* FROM unnest(%s::text[]) AS asked(value) JOIN LATERAL ({probe} OFFSET 0) AS found ON true"
    return BARE_SQLITE[kind].format(owner=LOCAL_OWNER_ID)


def asked_hashes(kind: str, photos: int, rng: random.Random) -> list[str]:
    """10,000 hashes: half of random photos of the library (as benchmarks/library.py names them), half unknown."""
    seed = LibrarySpec(photos).seed
    known = rng.sample(range(photos), ASKED // 2)
    if kind == "existingFiles":  # every photo has its JPEG, file 0
        hashes = [hashlib.sha256(f"{seed}:{LOCAL_OWNER_ID}:{i}:0".encode()).hexdigest() for i in known]
    else:
        hashes = [hashlib.sha256(f"{seed}:{LOCAL_OWNER_ID}:{i}".encode()).hexdigest() for i in known]
    hashes += [hashlib.sha256(f"unknown:{rng.random()}".encode()).hexdigest() for _ in range(ASKED - len(hashes))]
    rng.shuffle(hashes)
    return hashes


def bare_runner(url: str) -> tuple[Callable[[str, list[str]], int], Callable[[], float]]:
    """Runs a case's SQL with the hashes bound, on a plain connection (returns the rows fetched);
    and the CPU seconds it has used so far (this process, and PostgreSQL's backend)."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1])
        own = os.getpid()

        def run_sqlite(kind: str, hashes: list[str]) -> int:
            # One JSON parameter: cheaper for SQLite than parsing 10,000 bound parameters; sorted, so
            # that each probe finds the pages the one before read.
            sql = bare_sql(kind, postgres=False)
            return len(conn.execute(sql, [json.dumps(sorted(hashes))]).fetchall())

        return run_sqlite, lambda: cpu_seconds_fine(own)
    import psycopg

    pg = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True, options="-c jit=off")  # as the server
    backend = pg.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]

    def run_pg(kind: str, hashes: list[str]) -> int:
        sql = bare_sql(kind, postgres=True)
        return len(pg.execute(sql, (sorted(hashes),)).fetchall())  # sorted, as the server sends them

    return run_pg, lambda: cpu_seconds_fine(os.getpid()) + cpu_seconds_fine(backend)


def measure(url: str, photos: int, repeat: int, data: Path, workdir: Path, profile: str | None = None) -> list[list[Any]]:
    built = ensure_library(url, photos, data)
    print(f"  library: {built}")
    bare, bare_cpu = bare_runner(url)
    rng = random.Random(7)
    rows = []
    with Server(url, workdir) as server:
        server.wait_ready(timeout=900)
        cpu = server_cpu(url, server.pid)
        with httpx.Client(timeout=300) as client, Profiler(server.pid, profile):
            times: dict[str, dict[str, list[float]]] = {kind: {"http": [], "bare": [], "cpu": [], "bare cpu": []} for kind in QUERIES}
            for attempt in range(repeat + 1):  # the first round warms the caches and is dropped
                for kind, query in QUERIES.items():
                    hashes = asked_hashes(kind, photos, rng)
                    body = json.dumps({"query": query, "variables": {"h": hashes}}).encode()
                    c0, t0 = cpu(), time.perf_counter()
                    response = client.post(server.url + "/graphql", content=body, headers={"content-type": "application/json"})
                    took, used = (time.perf_counter() - t0) * 1000, (cpu() - c0) * 1000
                    answer = response.json()
                    if response.status_code != 200 or answer.get("errors"):
                        sys.exit(f"{kind}: {response.text[:1000]}")
                    found = len(answer["data"][kind])
                    if found != ASKED // 2:
                        sys.exit(f"{kind}: {found} found, {ASKED // 2} expected")
                    # Hashes of its own: on the request's, the bare statement would find their pages
                    # just read (SQLite's file pages, PostgreSQL's buffers) and look faster than it is.
                    own = asked_hashes(kind, photos, rng)
                    c0, t0 = bare_cpu(), time.perf_counter()
                    bare(kind, own)
                    bare_took, bare_used = (time.perf_counter() - t0) * 1000, (bare_cpu() - c0) * 1000
                    if attempt:
                        times[kind]["http"].append(took)
                        times[kind]["bare"].append(bare_took)
                        times[kind]["cpu"].append(used)
                        times[kind]["bare cpu"].append(bare_used)
    for kind, measured in times.items():
        http, sql = statistics.median(measured["http"]), statistics.median(measured["bare"])
        cpu_ms, bare_cpu_ms = statistics.median(measured["cpu"]), statistics.median(measured["bare cpu"])
        rows.append([kind, f"{http:.0f}", f"{max(measured['http']):.0f}", f"{sql:.0f}", f"{http / sql:.1f}x",
                     f"{cpu_ms:.0f}", f"{bare_cpu_ms:.0f}", f"< {TARGET_MS}", "yes" if http < TARGET_MS else "NO"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", metavar="URL", help="also on PostgreSQL: a database named URL's name + _<photos>")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--profile", metavar="FILE", help="py-spy raw profile of the server (first backend) and its summary")
    parser.add_argument("--data", type=Path, default=Path("bench-data"), help="where SQLite libraries are kept and reused")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    backends = [] if args.no_sqlite else [("sqlite", f"sqlite:///{args.data.resolve()}/precheck-{args.photos}.db")]
    if args.postgres:
        backends.append(("postgresql", postgres_database(args.postgres, args.photos)))
    with tempfile.TemporaryDirectory() as folder:
        for backend, url in backends:
            print(f"\n{backend}, {args.photos:,} photos, {ASKED:,} hashes per request (half known), {args.repeat} repeats")
            rows = measure(url, args.photos, args.repeat, args.data, Path(folder), args.profile)
            if args.profile:
                summarize_profile(args.profile)
                args.profile = None
            table(rows, ["request", "http ms (median)", "worst", "bare SQL ms", "http/bare", "server CPU ms", "bare CPU ms",
                         "target ms", "met (wall)"])


if __name__ == "__main__":
    main()
