"""Browsing a large library over HTTP: pages under every filter, timeline buckets, map clusters,
facets; against the same SQL run bare in the same run.

For each library size (``--photos``, default 10,000 100,000 1,000,000) and backend (SQLite; also
PostgreSQL with ``--postgres URL``), the library is built in bulk (benchmarks/library.py; kept in
``--data`` and reused when it is already there), ``imalink serve`` is started on it, and every case
is timed ``--repeat`` times, interleaved:

- **http**: the GraphQL request over HTTP, as the web app sends it;
- **bare**: the SQL statements the server ran for that request (recorded once in this process
  through the same resolvers), re-run on a plain DB-API connection: the database's own share.

Prints median and worst wall milliseconds of each, their ratio, the targets, and the median CPU
milliseconds each took (the server process plus, on PostgreSQL, its backends; bare: this process
plus its backend). On a machine shared with other work the CPU figures are what an idle machine
would take; the wall figures include waiting for a core. Also the server's peak RSS and the
library's build time; ``--json`` writes everything for the README, and each case's first ask
apart (``http_first``: before the server kept anything of it, e.g. a search's misses).

    .venv/bin/python benchmarks/browse_bench.py --photos 10000 100000 1000000 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/h_browse_bench --data /work/benchdata

On PostgreSQL each size gets a database of its own (the URL's name plus ``_<photos>``, created when
missing), so a library of a million photos is built once and reused like SQLite's files.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, inspect, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RssSampler, Server, process_tree, table  # noqa: E402
from library import LONELY_BOX, RARE_MODEL, RARE_TAG, RARE_WORD, LibrarySpec, build  # noqa: E402

from imalink.db.engine import make_engine  # noqa: E402
from imalink.db.migrate import upgrade_to_head  # noqa: E402
from imalink.local import LocalGraphQL  # noqa: E402
from imalink.settings import Settings  # noqa: E402

PAGE_FIELDS = "edges { cursor node { hothash takenAt width height hotpreviewUrl rating favorite } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
PAGE = f"query P($f: PhotoFilter, $after: String, $before: String, $first: Int, $last: Int) {{ photos(filter: $f, first: $first, after: $after, last: $last, before: $before) {{ {PAGE_FIELDS} }} }}"
TIMELINE = "query T($f: PhotoFilter, $g: TimelineGranularity!) { photoTimeline(filter: $f, granularity: $g) { totalCount undatedCount buckets { label count cursor } } }"
MAP = "query M($f: PhotoFilter, $b: BoundingBoxInput!, $z: Int!) { photoMap(filter: $f, bbox: $b, zoom: $z) { totalCount clusters { count latitude longitude hothash } } }"
FACETS = "query F($f: PhotoFilter) { photoFacets(filter: $f) { cameraMakes { value count } cameraModels { value count } lensModels { value count } tags { value count } years { year count } ratings { rating count } } }"

WORLD = {"south": -90, "west": -180, "north": 90, "east": 180}
EUROPE = {"south": 35, "west": -10, "north": 71, "east": 40}
LONELY = {"south": LONELY_BOX[0], "west": LONELY_BOX[1], "north": LONELY_BOX[2], "east": LONELY_BOX[3]}
TARGETS = {"page": 50, "buckets": 150, "map": 200, "facets": 250}

SINGLE = {
    "none": {},
    "camera (common)": {"cameraMake": "Canon"},
    "camera, 10 in the library": {"cameraModel": RARE_MODEL[1]},
    "lens": {"lensModel": "EF 50mm F1.8"},
    "hasGps": {"hasGps": True},
    "no position": {"hasGps": False},
    "bbox with 3 photos": {"bbox": LONELY},
    "bbox Europe": {"bbox": EUROPE},
    "bbox across 180": {"bbox": {"south": -30, "west": 170, "north": 70, "east": -170}},
    "tag on 3 photos": {"tags": [RARE_TAG]},
    "tag (commonest)": {"tags": ["family"]},
    "rating >= 4": {"rating": {"min": 4}},
    "favourites": {"favorite": True},
    "iso 800-3200": {"iso": {"min": 800, "max": 3200}},
    "aperture <= 2": {"aperture": {"max": 2.0}},
    "focal >= 200": {"focalLength": {"min": 200}},
    "search rare word": {"search": RARE_WORD},
    "search file name": {"search": "img_0001234"},
    "search common": {"search": "img"},
    "a year": {"takenAfter": "2015-01-01T00:00:00", "takenBefore": "2016-01-01T00:00:00"},
    "undated": {"hasTakenAt": False},
    "import session": {"importSessionId": 7},
    "iso = 800": {"iso": {"min": 800, "max": 800}},
    "aperture = 2.8": {"aperture": {"min": 2.8, "max": 2.8}},
    "focal = 50": {"focalLength": {"min": 50, "max": 50}},
}
RANGES = {"iso": SINGLE["iso 800-3200"], "aperture": SINGLE["aperture <= 2"], "focal": SINGLE["focal >= 200"]}
"""Each range filter with each other kind of filter: a range's own index carries no other filter's columns."""
RANGE_PARTNERS = {
    "Canon": SINGLE["camera (common)"], "rare camera": SINGLE["camera, 10 in the library"],
    "common tag": SINGLE["tag (commonest)"], "Europe": SINGLE["bbox Europe"],
    "a year": SINGLE["a year"], "favourites": SINGLE["favourites"],
}
PAIRS = {
    "rating 5 + Canon": {"minRating": 5, "cameraMake": "Canon"},
    "favourites + hasGps": {"favorite": True, "hasGps": True},
    "common tag + Europe": {"tags": ["family"], "bbox": EUROPE},
    "rare tag + Canon": {"tags": [RARE_TAG], "cameraMake": "Canon"},
    "rare word + hasGps": {"search": RARE_WORD, "hasGps": True},
    "iso + aperture": {"iso": {"min": 800, "max": 3200}, "aperture": {"max": 2.0}},
    "Canon + Europe": {"cameraMake": "Canon", "bbox": EUROPE},
    "rare camera + favourites": {"cameraModel": RARE_MODEL[1], "favorite": True},
    **{f"{r} + {p}": {**RANGES[r], **f} for r in RANGES for p, f in RANGE_PARTNERS.items()},
}


@dataclass
class Case:
    kind: str
    name: str
    query: str
    variables: dict[str, Any]
    run: Callable[[Any], Any]
    statements: list[tuple[str, Any]] = field(default_factory=list)
    http: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    http_cpu: list[float] = field(default_factory=list)
    bare_cpu: list[float] = field(default_factory=list)
    first: tuple[float, float] = (0.0, 0.0)
    """The warm-up ask's wall and CPU ms: the first time the server is asked this case."""


def cases(gql: LocalGraphQL, every_filter: bool = False) -> list[Case]:
    found: list[Case] = []

    def add(kind: str, name: str, query: str, variables: dict[str, Any]) -> None:
        found.append(Case(kind, name, query, variables, lambda g, q=query, v=variables: g.execute(q, v)))

    for name, f in {**SINGLE, **PAIRS}.items():
        add("page", name, PAGE, {"f": f, "first": 100})
    timeline = gql.execute(TIMELINE, {"g": "MONTH"})["data"]["photoTimeline"]["buckets"]
    middle = timeline[len(timeline) // 2]["cursor"]
    add("page", "deep page (middle month)", PAGE, {"first": 100, "after": middle})
    add("page", "backward from a month", PAGE, {"last": 100, "before": middle})
    add("page", "backward, Canon, from a month", PAGE, {"last": 100, "before": middle, "f": {"cameraMake": "Canon"}})
    add("buckets", "months, whole library", TIMELINE, {"g": "MONTH"})
    add("buckets", "days, whole library", TIMELINE, {"g": "DAY"})
    for name in ("camera (common)", "hasGps", "favourites", "iso 800-3200", "tag on 3 photos", "tag (commonest)",
                 "bbox Europe", "search rare word", "a year", "rating >= 4"):
        add("buckets", f"months, {name}", TIMELINE, {"g": "MONTH", "f": SINGLE[name]})
    add("map", "world, zoom 0", MAP, {"b": WORLD, "z": 0})
    add("map", "world, zoom 2", MAP, {"b": WORLD, "z": 2})
    add("map", "Europe, zoom 5", MAP, {"b": EUROPE, "z": 5})
    add("map", "Oslo, zoom 11", MAP, {"b": {"south": 59.7, "west": 10.3, "north": 60.1, "east": 11.2}, "z": 11})
    add("map", "world, zoom 2, favourites", MAP, {"b": WORLD, "z": 2, "f": {"favorite": True}})
    add("map", "world, zoom 2, Canon", MAP, {"b": WORLD, "z": 2, "f": {"cameraMake": "Canon"}})
    add("map", "world, zoom 2, rare tag", MAP, {"b": WORLD, "z": 2, "f": {"tags": [RARE_TAG]}})
    add("map", "3-photo box, zoom 10", MAP, {"b": LONELY, "z": 10})
    for name in ("none", "camera (common)", "favourites", "hasGps", "search rare word", "tag (commonest)", "a year"):
        add("facets", f"all six, {name}", FACETS, {"f": SINGLE[name]})
    if every_filter:  # buckets, the world's map and facets under every filter and pair the pages try
        named = {(c.kind, c.name) for c in found}
        for name, f in {**SINGLE, **PAIRS}.items():
            for kind, label, query, variables in (
                ("buckets", f"months, {name}", TIMELINE, {"g": "MONTH", "f": f}),
                ("map", f"world, zoom 2, {name}", MAP, {"b": WORLD, "z": 2, "f": f}),
                ("facets", f"all six, {name}", FACETS, {"f": f}),
            ):
                if f and (kind, label) not in named:
                    add(kind, label, query, variables)
    return found


def record_statements(url: str, found: list[Case]) -> None:
    """The SQL each request runs, recorded through the real resolvers in this process."""
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        current: list[tuple[str, Any]] = []

        def listen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                current.append((statement, parameters))

        event.listen(gql.engine, "before_cursor_execute", listen)
        for case in found:
            current.clear()
            answer = case.run(gql)
            if answer.get("errors"):
                sys.exit(f"{case.name}: {answer['errors']}")
            case.statements = list(current)


def bare_runner(url: str) -> tuple[Callable[[list[tuple[str, Any]]], None], Callable[[], float]]:
    """Runs recorded statements on a plain DB-API connection; and the CPU seconds that costs so far."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")

        def run(statements: list[tuple[str, Any]]) -> None:
            for statement, parameters in statements:
                conn.execute(statement, parameters).fetchall()

        return run, time.process_time
    import psycopg

    pg = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True, application_name="browse-bench")
    backend = pg.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]

    def run_pg(statements: list[tuple[str, Any]]) -> None:
        with pg.cursor() as cur:
            for statement, parameters in statements:
                cur.execute(statement, parameters)
                cur.fetchall()

    return run_pg, lambda: time.process_time() + cpu_seconds_fine(backend)


def cpu_seconds_fine(pid: int) -> float:
    """CPU seconds of ``pid``'s living threads (and its children's), from schedstat: nanoseconds,
    where /proc/PID/stat counts in clock ticks of 10 ms."""
    total = 0
    for member in process_tree(pid):
        try:
            tasks = os.listdir(f"/proc/{member}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{member}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total / 1e9


def server_cpu(url: str, server_pid: int) -> Callable[[], float]:
    """CPU seconds of the server so far: its processes and, on PostgreSQL, the backends serving it."""
    if url.startswith("sqlite"):
        return lambda: cpu_seconds_fine(server_pid)
    import psycopg

    monitor = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True, application_name="browse-bench")
    database = url.rsplit("/", 1)[1]

    seen: dict[int, float] = {}

    def total() -> float:
        rows = monitor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND application_name = ''",
            (database,),
        ).fetchall()
        # A backend the pool closed keeps its last reading: its CPU must not vanish from the sum.
        for (pid,) in rows:
            seen[pid] = max(seen.get(pid, 0.0), cpu_seconds_fine(pid))
        return cpu_seconds_fine(server_pid) + sum(seen.values())

    return total


def postgres_database(url: str, photos: int) -> str:
    """The URL of the PostgreSQL database kept for a library of ``photos`` (created when missing)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    sized = f"{name}_{photos}"
    with psycopg.connect(f"{base}/postgres".replace("postgresql+psycopg", "postgresql"), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (sized,)).fetchone():
            admin.execute(f'CREATE DATABASE "{sized}"')
    return f"{base}/{sized}"


def ensure_library(url: str, photos: int, data: Path | None) -> dict[str, Any]:
    """Build the library unless the database already holds one of this size; its build report."""
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            present = conn.execute(text("SELECT to_regclass('photo') IS NOT NULL")).scalar_one()
    else:
        present = Path(url.split("///", 1)[1]).exists()
    marker = (data / f"{Path(url.split('/')[-1]).stem}.{photos}.json") if data else None
    if present and not (marker and marker.exists()):
        # A library without its marker may be someone else's (another --data folder, a shared
        # database): a rebuild would drop it, so it is left to a person to delete.
        with engine.connect() as conn:
            held = conn.execute(text("SELECT count(*) FROM photo")).scalar_one() if inspect(conn).has_table("photo") else 0
        if held:
            sys.exit(f"{url} holds {held:,} photos but {marker} is missing: not rebuilding it; delete it yourself to rebuild")
    if present and marker and marker.exists():
        upgrade_to_head(engine)
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM photo")).scalar_one()
        if count == photos:
            engine.dispose()
            return json.loads(marker.read_text())
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(url.split("///", 1)[1] + suffix).unlink(missing_ok=True)
        engine = make_engine(url)
    upgrade_to_head(engine)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    report = build(engine, LibrarySpec(photos), progress=True)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    engine.dispose()
    result = {
        "photos": report.photos, "images": report.images, "tags": report.tags,
        "seconds": round(report.seconds, 1), "seconds_write": round(report.seconds_generate_write, 1),
        "seconds_indexes": round(report.seconds_indexes, 1), "seconds_statistics": round(report.seconds_statistics, 1),
        "cpu_seconds_client": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1),
    }
    if marker:
        marker.write_text(json.dumps(result))
    return result


def measure(url: str, photos: int, repeat: int, data: Path, workdir: Path, only: list[str] | None = None,
            every_filter: bool = False) -> dict[str, Any]:
    built = ensure_library(url, photos, data)
    print(f"  library: {built}")
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        found = cases(gql, every_filter)
    if only:
        found = [c for c in found if any(part in f"{c.kind}: {c.name}" for part in only)]
    record_statements(url, found)
    bare, bare_cpu = bare_runner(url)
    with Server(url, workdir) as server:
        server.wait_ready(timeout=900)
        sampler = RssSampler(server.pid)
        sampler.start()
        cpu = server_cpu(url, server.pid)
        with httpx.Client(timeout=300) as client:

            def ask(case: Case) -> tuple[float, float]:
                body = json.dumps({"query": case.query, "variables": case.variables}).encode()
                c0, t0 = cpu(), time.perf_counter()
                response = client.post(server.url + "/graphql", content=body, headers={"content-type": "application/json"})
                took, used = (time.perf_counter() - t0) * 1000, (cpu() - c0) * 1000
                if response.status_code != 200 or response.json().get("errors"):
                    sys.exit(f"{case.name}: {response.text[:1000]}")
                return took, used

            for case in found:  # warm up: caches, parsed documents, pages of the database
                case.first = ask(case)  # kept apart: what the server keeps between requests is not there yet
                bare(case.statements)
            for _ in range(repeat):
                for case in found:
                    took, used = ask(case)
                    case.http.append(took)
                    case.http_cpu.append(used)
                    c0, t0 = bare_cpu(), time.perf_counter()
                    bare(case.statements)
                    case.bare.append((time.perf_counter() - t0) * 1000)
                    case.bare_cpu.append((bare_cpu() - c0) * 1000)
        sampler.stop()
    return {
        "library": built,
        "rss_mib": round(sampler.peak_kib / 1024),
        "cases": [
            {
                "kind": c.kind, "name": c.name, "statements": len(c.statements),
                "http_median": round(statistics.median(c.http), 1), "http_worst": round(max(c.http), 1),
                "bare_median": round(statistics.median(c.bare), 1), "bare_worst": round(max(c.bare), 1),
                "http_cpu": round(statistics.median(c.http_cpu), 1), "bare_cpu": round(statistics.median(c.bare_cpu), 1),
                "http_first": round(c.first[0], 1), "http_first_cpu": round(c.first[1], 1),
            }
            for c in found
        ],
    }


def print_result(backend: str, photos: int, result: dict[str, Any]) -> None:
    print(f"\n{backend}, {photos:,} photos: server peak RSS {result['rss_mib']} MiB; library built in "
          f"{result['library']['seconds']} s (client CPU {result['library']['cpu_seconds_client']} s)")
    rows = []
    for c in result["cases"]:
        ratio = c["http_median"] / c["bare_median"] if c["bare_median"] else float("nan")
        target = TARGETS[c["kind"]]
        rows.append([f"{c['kind']}: {c['name']}", c["http_median"], c["http_worst"], c["bare_median"], c["bare_worst"],
                     f"{ratio:.1f}x", c["http_cpu"], c["bare_cpu"], f"< {target}", "ok" if c["http_median"] < target else "OVER"])
    table(rows, ["case", "http med", "http worst", "bare med", "bare worst", "http/bare", "http cpu", "bare cpu", "target", ""])


def print_growth(results: dict[str, Any], sizes: list[int], markdown: bool = False) -> None:
    """Every case's median over HTTP (with the server's CPU) at each size on each backend, side by
    side, the growth from the smallest size to the largest and the worst time at the largest: the
    README's figures table. Growth is of the CPU time: on a shared machine the wall time also
    holds the wait for a core."""
    columns = [(backend, n) for backend in ("sqlite", "postgresql") for n in sizes if f"{backend}-{n}" in results]
    if not columns:
        return
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    header = ["case", *(f"{label[b]} {n:,}" for b, n in columns), "CPU growth", "worst at the largest", "target"]
    # Cases by name: runs of different versions of this file hold different cases; a case a run
    # lacks is left out of its column.
    by_name = {(b, n): {(c["kind"], c["name"]): c for c in results[f"{b}-{n}"]["cases"]} for b, n in columns}
    names = list(dict.fromkeys(name for cases_ in by_name.values() for name in cases_))
    rows = []
    for name in names:
        case = {"kind": name[0], "name": name[1]}
        figures = {column: by_name[column].get(name) for column in columns}
        growth, worst = [], []
        for backend in ("sqlite", "postgresql"):
            mine = [figures[(b, n)] for b, n in columns if b == backend and figures[(b, n)]]
            if len(mine) > 1 and mine[0]["http_cpu"] > 0 and mine[-1]["http_cpu"] > 0:
                growth.append(f"x{mine[-1]['http_cpu'] / mine[0]['http_cpu']:.1f}")
            elif len(mine) > 1:
                growth.append("n/a")
            if mine:
                worst.append(str(mine[-1]["http_worst"]))
        cells = [f"{f['http_median']} ({f['http_cpu'] if f['http_cpu'] >= 0 else 'n/a'})" if f else "" for f in figures.values()]
        rows.append([f"{case['kind']}: {case['name']}", *cells, " / ".join(growth), " / ".join(worst), f"< {TARGETS[case['kind']]}"])
    rows.append(["server peak RSS, MiB", *(results[f"{b}-{n}"]["rss_mib"] for b, n in columns), "", "", "< 400"])
    rows.append(["library built in, s", *(results[f"{b}-{n}"]["library"]["seconds"] for b, n in columns), "", "", ""])
    print("\nmedian ms over HTTP (server CPU ms, backends included) by backend and library size")
    if markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(str(c) for c in row) + " |")
    else:
        table(rows, header)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", metavar="URL", help="also on PostgreSQL: one database per size, named URL's name + _<photos>")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--data", type=Path, default=Path("bench-data"), help="where SQLite libraries are kept and reused")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--only", nargs="+", metavar="TEXT", help='only the cases whose "kind: name" holds one of these, e.g. "buckets: months, iso"')
    parser.add_argument("--every-filter", action="store_true",
                        help="also buckets, the world's map (zoom 2) and facets under every filter and pair the pages try")
    parser.add_argument("--growth", type=Path, nargs="+", help="only print the figures table (Markdown) of --json files")
    args = parser.parse_args()
    if args.growth:
        merged: dict[str, Any] = {}
        for path in args.growth:  # later files win: a re-run (--only) of cases replaces those cases
            for key, result in json.loads(path.read_text()).items():
                if isinstance(result, dict) and key in merged:
                    cases_ = {(c["kind"], c["name"]): c for c in merged[key]["cases"]}
                    cases_.update({(c["kind"], c["name"]): c for c in result["cases"]})
                    result = {**merged[key], **result, "cases": list(cases_.values())}
                merged[key] = result
        print_growth(merged, args.photos, markdown=True)
        return
    args.data.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"load_average": os.getloadavg(), "cpus": os.cpu_count()}
    for photos in args.photos:
        backends = ([] if args.no_sqlite else [("sqlite", f"sqlite:///{args.data.resolve() / f'browse-{photos}.db'}")])
        if args.postgres:
            backends.append(("postgresql", postgres_database(args.postgres, photos)))
        for backend, url in backends:
            print(f"{backend}, {photos:,} photos")
            result = measure(url, photos, args.repeat, args.data, args.data, args.only, args.every_filter)
            results[f"{backend}-{photos}"] = result
            print_result(backend, photos, result)
            if args.json:
                args.json.write_text(json.dumps(results, indent=1))
    print_growth(results, args.photos)


if __name__ == "__main__":
    main()
