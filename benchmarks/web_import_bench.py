"""Browser import speed against the CLI's on the same files, and the tab's memory while it runs.

Builds N JPEGs of 12 megapixels (4000x3000, camera-like detail), then imports them twice into
fresh SQLite libraries served over HTTP: once with ``imalink import --server`` (the baseline,
same run, same machine) and once through the web app in headless Chromium. Prints groups/s of
each, their ratio, and the tab's JS heap sampled during the browser run.

    .venv/bin/python benchmarks/web_import_bench.py [--count 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imalink.db.engine import make_engine  # noqa: E402
from imalink.db.migrate import upgrade_to_head  # noqa: E402
from imalink.settings import Settings  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.media import exif_blob  # noqa: E402
from tests.support.server import running_server  # noqa: E402


def build(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    base = Image.effect_noise((4000, 3000), 40).convert("RGB")
    draw = ImageDraw.Draw(base)
    for i in range(40):
        draw.ellipse((i * 97 % 3600, i * 61 % 2600, i * 97 % 3600 + 400, i * 61 % 2600 + 400), fill=(i * 6 % 256, 120, 255 - i * 5 % 256))
    base = base.filter(ImageFilter.GaussianBlur(1))
    for i in range(count):
        path = folder / f"IMG_{i:04d}.JPG"
        if path.exists():
            continue
        img = base.rotate(i % 4 * 90 + (i % 7), expand=False) if i % 5 else base.copy()
        ImageDraw.Draw(img).text((100 + i, 100), f"photo {i}", fill=(255, 255, 255))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90, exif=exif_blob(taken=f"2024:{i % 12 + 1:02d}:{i % 28 + 1:02d} 10:00:00"))
        path.write_bytes(buf.getvalue())


def fresh_url(tmp: Path, name: str) -> str:
    url = f"sqlite:///{tmp / name}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    return url


def cli_run(folder: Path, tmp: Path, name: str) -> float:
    with running_server(Settings(database_url=fresh_url(tmp, name))) as base:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "imalink.importer", str(folder), "--server", base, "--json"], check=True, capture_output=True)
        return time.perf_counter() - started


def browser_run(folder: Path, tmp: Path, coldpreviews: bool, workers: int | None = None) -> tuple[float, list[float], int]:
    from playwright.sync_api import sync_playwright

    name = "web-cold.db" if coldpreviews else "web.db"
    with running_server(Settings(database_url=fresh_url(tmp, name))) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.goto(f"{base}/import" + (f"?workers={workers}" if workers else ""))
        page.set_checked("#send-coldpreviews", coldpreviews)
        started = time.perf_counter()
        page.set_input_files("#folder-input", str(folder))
        heap: list[float] = []
        while True:
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            heap.append(metrics["JSHeapUsedSize"] / 2**20)
            state = page.evaluate("window.imalinkLastImport ? window.imalinkLastImport.stats.state : 'starting'")
            if state not in ("running", "starting"):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        created = page.evaluate("window.imalinkLastImport.stats.groupsDone")
        stats = page.evaluate("window.imalinkLastImport.stats")
        busy = stats["busyMs"]
        print(f"  browser{' with coldpreviews' if coldpreviews else ''}: {stats['elapsedMs'] / 1000:.1f} s in the page; per group, ms of worker time: "
              + ", ".join(f"{k} {v / max(created, 1):.0f}" for k, v in busy.items() if k not in ("existingFiles", "importBatch"))
              + f" (over {page.evaluate('window.imalinkLastImport.pool.workers.length')} workers); waiting on the server: existingFiles {busy['existingFiles'] / 1000:.1f} s, importBatch {busy['importBatch'] / 1000:.1f} s")
        browser.close()
        return elapsed, heap, created


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build the JPEGs here (reused when present)")
    parser.add_argument("--workers", type=int, help="the web app's decoding workers (default: its own choice)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        folder = args.keep or tmp / "jpegs"
        started = time.perf_counter()
        build(folder, args.count)
        files = sorted(folder.glob("*.JPG"))[: args.count]
        size = sum(f.stat().st_size for f in files) / len(files) / 2**20
        print(f"{len(files)} JPEGs of 12 MP, {size:.2f} MB each (built in {time.perf_counter() - started:.0f} s)")
        # Each run into a library of its own (a library that has the files would skip them all);
        # the CLI before and after, so load drift shows.
        cli = cli_run(folder, tmp, "cli-1.db")
        web, heap, created = browser_run(folder, tmp, coldpreviews=False, workers=args.workers)
        cold, cold_heap, cold_created = browser_run(folder, tmp, coldpreviews=True, workers=args.workers)
        cli2 = cli_run(folder, tmp, "cli-2.db")
        cli_best = min(cli, cli2)
        print(f"CLI (imalink import --server):  {len(files) / cli:.1f} and {len(files) / cli2:.1f} groups/s ({cli:.1f} s, {cli2:.1f} s)")
        print(f"browser, hotpreviews only:      {created / web:.1f} groups/s ({web:.1f} s, {created} groups)"
              f" = {(created / web) / (len(files) / cli_best):.2f}x the CLI's faster run")
        print(f"browser, with 1200 px coldpreviews: {cold_created / cold:.1f} groups/s ({cold:.1f} s)"
              f" = {(cold_created / cold) / (len(files) / cli_best):.2f}x (the CLI makes no coldpreview)")
        quarter = max(1, len(cold_heap) // 4)
        print(f"tab JS heap MiB with coldpreviews: start {cold_heap[0]:.1f}, 25% {cold_heap[quarter]:.1f}, 50% {cold_heap[2 * quarter]:.1f}, end {cold_heap[-1]:.1f}, max {max(cold_heap):.1f}")
        quarter = max(1, len(heap) // 4)
        print(f"tab JS heap MiB: start {heap[0]:.1f}, 25% {heap[quarter]:.1f}, 50% {heap[2 * quarter]:.1f}, 75% {heap[min(len(heap) - 1, 3 * quarter)]:.1f}, end {heap[-1]:.1f}, max {max(heap):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
