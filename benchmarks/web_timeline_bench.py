"""The timeline in Chromium on a library of N photos (default 1,000,000), built in bulk.

Rows are written straight into a migrated SQLite library with executemany (about a minute for a
million; every photo shares one tiny hotpreview, so the grid's image requests stay cheap), then
the web app is opened in headless Chromium and measured:

- first grid: navigation start -> the first row of thumbnails decoded, against a bare page (one
  HTML file and one image from the same server) loaded in the same run;
- jump to a month (the month menu): change -> that month's first thumbnails decoded, over
  several months across the library;
- scrolling: 4 s of scrolling at 2,000 px/s; frame intervals (requestAnimationFrame) and long
  tasks (PerformanceObserver "longtask", Chromium's > 50 ms main-thread tasks).

    .venv/bin/python benchmarks/web_timeline_bench.py [--photos 1000000] [--keep FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imalink.db.engine import make_engine  # noqa: E402
from imalink.db.migrate import upgrade_to_head  # noqa: E402
from imalink.settings import Settings  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.server import running_server  # noqa: E402


def build(path: Path, count: int) -> None:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    buf = io.BytesIO()
    Image.new("RGB", (150, 100), (90, 120, 160)).save(buf, "JPEG", quality=85)
    preview = buf.getvalue()
    con = sqlite3.connect(path)
    now = datetime(2026, 1, 1).isoformat(sep=" ")
    start = datetime(2006, 1, 1)
    step = timedelta(days=20 * 365) / count
    cameras = ["Canon EOS R5", "NIKON D850", "ILCE-7M3", "iPhone 13", "Pixel 7"]

    def rows():
        for i in range(count):
            taken = None if i % 20 == 19 else (start + step * i).isoformat(sep=" ")
            yield (1, hashlib.sha256(b"photo-%d" % i).hexdigest(), preview, 4000, 3000, taken,
                   cameras[i % 5], "[]", 0, 0, now, now)

    con.executemany(
        "INSERT INTO photo (owner_id, hothash, hotpreview, width, height, taken_at, camera_model, tags, rating, user_rotation, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows())
    con.commit()
    con.execute("ANALYZE")
    con.close()


GRID_READY = """() => { const imgs = [...document.querySelectorAll('.thumb img')].slice(0, 6);
  return imgs.length === 6 && imgs.every(i => i.complete && i.naturalWidth > 0); }"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="library file to build once and reuse")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as t:
        db = args.keep or Path(t) / "library.db"
        if not db.exists():
            started = time.perf_counter()
            build(db, args.photos)
            print(f"built {args.photos:,} photos in {time.perf_counter() - started:.0f} s")
        with running_server(Settings(database_url=f"sqlite:///{db}")) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            first, bare = [], []
            for _ in range(3):
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                t0 = time.perf_counter()
                page.goto(f"{base}/healthz")
                page.set_content(f'<img src="{base}/hotpreview/{hashlib.sha256(b"photo-0").hexdigest()}.jpg">')
                page.wait_for_function("document.querySelector('img').complete")
                bare.append(time.perf_counter() - t0)
                page.close()
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                t0 = time.perf_counter()
                page.goto(f"{base}/")
                page.wait_for_function(GRID_READY, timeout=120_000, polling="raf")
                first.append(time.perf_counter() - t0)
                buckets_ms = page.get_attribute(".timeline", "data-buckets-ms")
                if _ < 2:
                    page.close()
            print(f"first grid painted: median {statistics.median(first) * 1000:.0f} ms of {[round(x * 1000) for x in first]} "
                  f"(buckets {buckets_ms} ms); bare page + one image {statistics.median(bare) * 1000:.0f} ms")
            options = page.locator("#jump-month option").all_inner_texts()[1:]
            jumps = []
            for index in [len(options) * k // 6 for k in range(1, 6)]:
                t0 = time.perf_counter()
                page.select_option("#jump-month", label=options[index])
                # That month's first row of thumbnails, decoded.
                page.wait_for_function(f"""() => {{ const imgs = [...document.querySelectorAll('.row[data-section="{index}"][data-row="0"] img')];
                  return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }}""", timeout=60_000, polling="raf")
                jumps.append(time.perf_counter() - t0)
            print(f"jump to month: median {statistics.median(jumps) * 1000:.0f} ms, worst {max(jumps) * 1000:.0f} ms over {len(jumps)} jumps "
                  f"({', '.join(options[len(options) * k // 6].split(' (')[0] for k in range(1, 6))})")
            # Baseline: the same first page of a month, asked over HTTP by a bare client, same run.
            import httpx

            query = "query($f: PhotoFilter) { photos(first: 500, filter: $f) { edges { node { hothash takenAt hotpreviewUrl width height title rating } } } }"
            times = []
            for year in (2009, 2012, 2015, 2019, 2022):
                t0 = time.perf_counter()
                httpx.post(f"{base}/graphql", json={"query": query, "variables": {"f": {"takenAfter": f"{year}-04-01T00:00:00", "takenBefore": f"{year}-05-01T00:00:00"}}}, timeout=60).raise_for_status()
                times.append(time.perf_counter() - t0)
            print(f"  baseline: that month's first page of 500 by a bare HTTP client: median {statistics.median(times) * 1000:.0f} ms")
            page.select_option("#jump-month", label=options[len(options) // 2])
            page.wait_for_timeout(500)
            scroll = """(selector) => new Promise((resolve) => {
              const longTasks = [];
              new PerformanceObserver((list) => longTasks.push(...list.getEntries().map(e => e.duration))).observe({ type: 'longtask' });
              const el = document.querySelector(selector);
              const frames = [];
              let last = performance.now(); const end = last + 4000;
              const step = (now) => {
                frames.push(now - last); el.scrollTop += 2000 * (now - last) / 1000; last = now;
                if (now < end) requestAnimationFrame(step); else resolve({ frames, longTasks, rows: document.querySelectorAll('.row').length });
              };
              requestAnimationFrame(step);
            })"""
            # The bare baseline: the same scroll over a static page of the same height, same run.
            bare_page = browser.new_page(viewport={"width": 1280, "height": 860})
            bare_page.set_content('<div class="timeline-scroll" style="height:800px;overflow-y:auto"><div style="height:26000000px;background:linear-gradient(#abc,#cba)"></div></div>')
            for name, p in (("bare page", bare_page), ("timeline", page)):
                result = p.evaluate(scroll, ".timeline-scroll")
                frames = sorted(result["frames"][1:])
                p95 = frames[int(len(frames) * 0.95)]
                print(f"scrolling 4 s at 2000 px/s, {name}: {len(frames) / 4:.0f} frames/s, frame p50 {statistics.median(frames):.1f} ms, p95 {p95:.1f} ms, "
                      f"worst {frames[-1]:.1f} ms; long tasks (> 50 ms): {len(result['longTasks'])} {[round(x) for x in result['longTasks']]}")
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
