"""The timeline in Chromium on a library of N photos (default 1,000,000), built in bulk.

The library is benchmarks/library.py's (realistic skew, ~5 KB real hotpreviews), written in bulk
into SQLite and kept in ``--data`` for the next run. ``imalink serve`` runs as its own process;
the web app is opened in headless Chromium and measured in the page (``performance.now()``, so
Playwright's own round trips are not counted):

- first grid: navigation start -> the first six thumbnails decoded, against a bare page (one HTML
  file and one hotpreview from the same server) loaded in the same run; split into the server's
  share (each GraphQL request of the load, replayed by a bare HTTP client) and the browser's;
- jump to a month (the month menu): change -> that month's first row of thumbnails decoded, over
  months across the library; the server's share is that month's first page by a bare client;
- scrolling: 4 s at 2,000 px/s from the middle of the library; frame intervals
  (requestAnimationFrame) and long tasks (PerformanceObserver "longtask", Chromium's > 50 ms
  main-thread tasks), against the same scroll over a static page of the same height.

- with ``--trace DIR``: Chromium performance traces of a jump and of the scroll (DIR/jump.json,
  DIR/scroll.json, for the DevTools' Performance panel) and the CPU each kind of Chromium thread
  spent in them (thread time: main thread, compositor, raster and decoding, display).

    .venv/bin/python benchmarks/web_timeline_bench.py [--photos 1000000] [--data /work/benchdata-web] [--probe page|playwright] [--trace DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import Server  # noqa: E402
from browse_bench import ensure_library  # noqa: E402

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, wait_for  # noqa: E402

TARGETS = {"first grid": 1000, "jump": 300}
VIEWPORT = {"width": 1280, "height": 860}

# Resolves with performance.now() once the first six thumbnails are decoded.
GRID_READY = """() => { const imgs = [...document.querySelectorAll('.thumb img')].slice(0, 6);
  return imgs.length === 6 && imgs.every(i => i.complete && i.naturalWidth > 0) && performance.now(); }"""

# The same check from inside the page, installed before the page's own scripts: it logs the time
# to the console, so nothing is injected into the page while it loads. (Playwright's
# polling first injects its own script, about 15 ms of the page's main thread in the
# middle of the load on this machine, 185 ms of wall time when the machine is busy.)
GRID_WATCH = f"""if (location.pathname === '/') {{
  const ready = {GRID_READY};
  const check = () => {{ const t = ready(); if (t) console.debug('grid ready ' + t); else requestAnimationFrame(check); }};
  requestAnimationFrame(check);
}}"""

# Picks a month in the menu and resolves with the milliseconds until its first row is decoded.
JUMP = """([label, section]) => new Promise((resolve) => {
  const select = document.querySelector('#jump-month');
  const option = [...select.options].find(o => o.text === label);
  const started = performance.now();
  select.value = option.value;
  select.dispatchEvent(new Event('change'));
  const check = () => {
    const imgs = [...document.querySelectorAll(`.row[data-section="${section}"][data-row="0"] img`)];
    if (imgs.length && imgs.every(i => i.complete && i.naturalWidth > 0)) resolve(performance.now() - started);
    else requestAnimationFrame(check);
  };
  check();
})"""

SCROLL = """(selector) => new Promise((resolve) => {
  const longTasks = [];
  const observer = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map(e => e.duration)));
  observer.observe({ type: 'longtask' });
  const el = document.querySelector(selector);
  const frames = [];
  let last = performance.now(); const end = last + 4000;
  const step = (now) => {
    frames.push(now - last); el.scrollTop += 2000 * (now - last) / 1000; last = now;
    if (now < end) requestAnimationFrame(step);
    else setTimeout(() => { observer.disconnect(); resolve({ frames, longTasks }); }, 100);
  };
  requestAnimationFrame(step);
})"""

# What the page spent its first load on: the HTML, scripts and styles, each GraphQL request
# (app-side measures named "graphql <Operation>"), the hotpreviews.
LOAD_BREAKDOWN = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  const assets = res.filter(r => r.name.includes('/assets/'));
  const previews = res.filter(r => r.name.includes('/hotpreview')); // one each, or many per request
  return {
    html: nav.responseEnd,
    assets: assets.length ? Math.max(...assets.map(r => r.responseEnd)) : 0,
    graphql: performance.getEntriesByType('measure').filter(m => m.name.startsWith('graphql '))
      .map(m => ({ name: m.name.slice(8), start: m.startTime, duration: m.duration })),
    previews: previews.length, previewsFirst: previews.length ? Math.min(...previews.map(r => r.startTime)) : 0,
    // Bytes over the wire (compressed where the server compresses) for the page's code and
    // styles, and what was loaded (the map and GraphiQL must not be).
    codeBytes: [nav, ...assets].reduce((n, r) => n + r.transferSize, 0),
    codeNames: assets.map(r => r.name.split('/').pop()),
    dataBytes: res.filter(r => r.name.endsWith('/graphql')).reduce((n, r) => n + r.transferSize, 0),
    previewBytes: previews.reduce((n, r) => n + r.transferSize, 0),
  };
}"""


TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "toplevel", "loading", "blink.user_timing"]
THREAD_KINDS = {"CrRendererMain": "main thread", "Compositor": "compositor", "VizCompositorThread": "display (viz)",
                "CrBrowserMain": "browser"}


def trace_cpu(path: Path) -> dict[str, float]:
    """CPU milliseconds (thread time, so a busy machine does not inflate it) per kind of Chromium
    thread in a performance trace; raster and image decoding run on the pool's workers."""
    events = json.loads(path.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
    tasks = sorted((e for e in events if e.get("ph") == "X" and e.get("name") in ("ThreadControllerImpl::RunTask", "RunTask", "TaskGraphRunner::RunTask")),
                   key=lambda e: (e["pid"], e["tid"], e["ts"]))
    cpu: dict[str, float] = {}
    ends: dict[tuple[int, int], int] = {}
    for e in tasks:
        thread = (e["pid"], e["tid"])
        if e["ts"] < ends.get(thread, 0):
            continue  # inside a task already counted
        ends[thread] = e["ts"] + e.get("dur", 0)
        name = names.get(thread, "?")
        kind = THREAD_KINDS.get(name, "raster and decoding" if "Worker" in name else "other")
        cpu[kind] = cpu.get(kind, 0.0) + e.get("tdur", 0) / 1000
    return cpu


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f} ms, worst {max(values):.0f} ms"


def bare_http(base: str, requests: list[dict[str, Any]], repeat: int = 5) -> dict[str, float]:
    """Median ms of each recorded GraphQL request, replayed by a bare HTTP client."""
    out: dict[str, float] = {}
    with httpx.Client(timeout=60) as client:
        for body in requests:
            found = re.match(r"\s*(?:query|mutation)\s+(\w+)", body["query"])
            name = found.group(1) if found else "anonymous"
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                client.post(f"{base}/graphql", json=body).raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)
            out[name] = statistics.median(times)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, help="keep the library here and reuse it (else a temporary directory)")
    parser.add_argument("--runs", type=int, default=5, help="first loads measured")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--screenshot", type=Path, help="save the first grid of the last load here (PNG)")
    parser.add_argument("--trace", type=Path, help="save Chromium performance traces of a jump and of the scroll in this folder "
                        "(open them in the DevTools' Performance panel) and print the CPU each kind of thread spent")
    parser.add_argument("--probe", choices=("page", "playwright"), default="page",
                        help="how the first grid is seen: a check in the page (default) or polled by Playwright from outside")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as t:
        data = args.data or Path(t)
        data.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{data / f'web-{args.photos}.db'}"
        started = time.perf_counter()
        built = ensure_library(url, args.photos, data)
        print(f"library: {args.photos:,} photos ({built['images']:,} images; built in {built['seconds']} s, "
              f"ready in {time.perf_counter() - started:.0f} s)")
        with Server(url, Path(t)) as server, sync_playwright() as pw:
            server.wait_ready()
            base = server.url
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            with httpx.Client() as client:  # one photo's hotpreview, for the bare page
                one = client.post(f"{base}/graphql", json={"query": "{ photos(first: 1) { edges { node { hotpreviewUrl } } } }"}).json()
            preview = one["data"]["photos"]["edges"][0]["node"]["hotpreviewUrl"]
            first, bare, loads = [], [], []
            recorded: list[dict[str, Any]] = []
            for run in range(args.runs + 1):  # the first load warms the server and the disk cache
                # The bare page is no page of the app: its own context, where the server's policy
                # for /healthz (which allows nothing, imalink/headers.py) does not stop its image.
                bare_context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
                page = bare_context.new_page()
                page.goto(f"{base}/healthz")
                page.set_content(f'<img src="{base}{preview}">')
                t0 = page.evaluate("performance.now()")
                page.wait_for_function("document.querySelector('img').complete && document.querySelector('img').naturalWidth > 0", polling="raf")
                bare_ms = page.evaluate("performance.now()") - t0
                bare_context.close()
                context = browser.new_context(viewport=VIEWPORT)
                page = context.new_page()
                if run == args.runs:
                    page.on("request", lambda r: r.url.endswith("/graphql") and r.method == "POST" and recorded.append(json.loads(r.post_data or "{}")))
                if args.probe == "page":
                    page.add_init_script(GRID_WATCH)
                    with page.expect_console_message(lambda m: m.text.startswith("grid ready "), timeout=120_000) as message:
                        page.goto(f"{base}/")
                    ready = float(message.value.text.split()[-1])
                else:
                    page.goto(f"{base}/")
                    # Polled through the DevTools protocol: the app's policy forbids wait_for_function's eval.
                    ready = wait_for(page, GRID_READY, timeout=120_000, interval=5)
                if run:
                    first.append(ready)
                    bare.append(bare_ms)
                    loads.append(page.evaluate(LOAD_BREAKDOWN))
                if run < args.runs:
                    context.close()
            if args.screenshot:
                page.wait_for_timeout(500)
                page.screenshot(path=str(args.screenshot))
            print(f"first grid painted ({args.probe} probe): {ms(first)} over {len(first)} loads {[round(x) for x in first]} (target < {TARGETS['first grid']} ms); "
                  f"bare page + one hotpreview {statistics.median(bare):.0f} ms")
            load = loads[len(loads) // 2]
            server_ms = bare_http(base, [r for r in recorded if "query" in r])
            print(f"  where the time went (load {len(loads) // 2 + 1}): HTML {load['html']:.0f} ms, scripts and styles by {load['assets']:.0f} ms, "
                  f"first hotpreview asked at {load['previewsFirst']:.0f} ms")
            lazy = [n for n in load["codeNames"] if "graphiql" in n.lower() or n.startswith("geo-") or n.startswith("map-")]
            print(f"  first load transferred: page and code {load['codeBytes'] / 1000:.1f} kB compressed, GraphQL answers {load['dataBytes'] / 1000:.1f} kB, "
                  f"{load['previews']} hotpreview requests {load['previewBytes'] / 1000:.1f} kB (by the first grid; target < 300 kB), "
                  f"{len(load['codeNames'])} files{'; LOADED EAGERLY: ' + ', '.join(lazy) if lazy else ', no map or GraphiQL code'}")
            for g in load["graphql"]:
                bare_share = server_ms.get(g["name"])
                bare_text = f" (bare HTTP client: {bare_share:.0f} ms = {bare_share / max(g['duration'], 0.1):.2f} of it)" if bare_share is not None else ""
                print(f"    graphql {g['name']:<14} at {g['start']:5.0f} ms, took {g['duration']:4.0f} ms{bare_text}")

            options = page.locator("#jump-month option").all_inner_texts()[1:]
            picks = [len(options) * k // 8 for k in range(1, 8)]
            jumps = [page.evaluate(JUMP, [options[i], i]) for i in picks]
            print(f"jump to month: {ms(jumps)} over {len(jumps)} jumps {[round(x) for x in jumps]} (target < {TARGETS['jump']} ms)")
            jump_requests = [r for r in recorded if "query" in r]
            recorded.clear()
            page.evaluate(JUMP, [options[len(options) // 3], len(options) // 3])
            jump_server = bare_http(base, [r for r in recorded if "query" in r and r not in jump_requests])
            print(f"  server's share, by a bare HTTP client: {', '.join(f'{k} {v:.0f} ms' for k, v in jump_server.items()) or 'none (already loaded)'}")

            page.evaluate(JUMP, [options[len(options) // 2], len(options) // 2])
            page.wait_for_timeout(500)
            bare_page = browser.new_page(viewport=VIEWPORT)
            height = page.evaluate("document.querySelector('.timeline-canvas').offsetHeight")
            bare_page.set_content(f'<div class="timeline-scroll" style="height:800px;overflow-y:auto"><div style="height:{height}px;background:linear-gradient(#abc,#cba)"></div></div>')
            scrolls = {}
            if args.trace:
                args.trace.mkdir(parents=True, exist_ok=True)
                browser.start_tracing(page=page, path=str(args.trace / "jump.json"), categories=TRACE_CATEGORIES)
                traced = page.evaluate(JUMP, [options[len(options) * 2 // 3], len(options) * 2 // 3])
                browser.stop_tracing()
                page.evaluate(JUMP, [options[len(options) // 2], len(options) // 2])
                page.wait_for_timeout(500)
                cpu = trace_cpu(args.trace / "jump.json")
                print(f"  traced jump ({traced:.0f} ms), CPU by thread: " + ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(cpu.items())))
            for name, p in (("bare page", bare_page), ("timeline", page)):
                if args.trace and name == "timeline":
                    browser.start_tracing(page=page, path=str(args.trace / "scroll.json"), categories=TRACE_CATEGORIES)
                result = p.evaluate(SCROLL, ".timeline-scroll")
                if args.trace and name == "timeline":
                    browser.stop_tracing()
                    cpu = trace_cpu(args.trace / "scroll.json")
                    print("  traced scroll, CPU by thread over the 4 s: " + ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(cpu.items()))
                          + f"; main thread per frame {cpu.get('main thread', 0) / max(1, len(result['frames'])):.1f} ms")
                frames = sorted(result["frames"][1:])
                scrolls[name] = {"fps": len(frames) / 4, "p50": statistics.median(frames), "p95": frames[int(len(frames) * 0.95)],
                                 "worst": frames[-1], "long_tasks": [round(x) for x in result["longTasks"]]}
                s = scrolls[name]
                print(f"scrolling 4 s at 2000 px/s, {name}: {s['fps']:.0f} frames/s, frame p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms, "
                      f"worst {s['worst']:.1f} ms; long tasks (> 50 ms): {len(s['long_tasks'])} {s['long_tasks']}")
            print(f"  timeline frames/s = {scrolls['timeline']['fps'] / scrolls['bare page']['fps']:.2f}x the bare page's")
            browser.close()
        if args.json:
            args.json.write_text(json.dumps({"first_grid_ms": first, "bare_ms": bare, "loads": loads, "server_ms": server_ms,
                                             "jumps_ms": jumps, "jump_server_ms": jump_server, "scrolls": scrolls}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
