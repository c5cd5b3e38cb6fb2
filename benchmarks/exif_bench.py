"""Throughput of the EXIF engine over the shared corpus, against bare piexif and exiftool.

    .venv/bin/python benchmarks/exif_bench.py [--seconds 2] [--profile]

Prints blobs per CPU-second on one core for ``read_exif``, ``exif_tags``, bare ``piexif.load`` (on the
blobs it can load without raising) and ``exiftool -stay_open`` (when installed), plus ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "exif")]

import piexif  # noqa: E402
from corpus import corpus_dir, samples  # noqa: E402

from imalink.exif import exif_tags, read_exif  # noqa: E402


def rate(fn: Callable[[bytes], Any], blobs: list[bytes], seconds: float) -> float:
    """Blobs per CPU-second of this (single-threaded) process, looping for about ``seconds``.

    CPU time rather than wall time, so a busy machine does not skew the in-process comparison.
    """
    for blob in blobs:  # warm up
        fn(blob)
    done, start = 0, time.process_time()
    while True:
        for blob in blobs:
            fn(blob)
        done += len(blobs)
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return done / elapsed


def exiftool_rate(blobs: list[bytes], rounds: int = 3) -> float | None:
    """Blobs per wall-clock second through one ``exiftool -stay_open`` process (the work is in
    the subprocess; blobs are written to a temporary directory first)."""
    exe = shutil.which("exiftool")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, blob in enumerate(blobs):
            path = Path(tmp) / f"{i}.exif"
            path.write_bytes(blob)
            paths.append(str(path))
        proc = subprocess.Popen([exe, "-stay_open", "True", "-@", "-"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdin and proc.stdout

        def ask(path: str) -> None:
            proc.stdin.write(f"-j\n-n\n{path}\n-execute\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            for line in proc.stdout:  # type: ignore[union-attr]
                if line.startswith("{ready}"):
                    break

        ask(paths[0])  # warm up
        start = time.perf_counter()
        for _ in range(rounds):
            for path in paths:
                ask(path)
        elapsed = time.perf_counter() - start
        proc.stdin.write("-stay_open\nFalse\n")
        proc.stdin.flush()
        proc.wait(timeout=10)
    return rounds * len(paths) / elapsed


def piexif_safe(blobs: list[bytes]) -> list[bytes]:
    """The blobs bare piexif loads without raising (it raises on some real files)."""
    ok = []
    for blob in blobs:
        try:
            piexif.load(blob)
        except Exception:  # noqa: BLE001
            continue
        ok.append(blob)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--profile", action="store_true", help="profile read_exif with pyinstrument")
    args = parser.parse_args()
    blobs = [p.read_bytes() for p in samples()]
    if not blobs:
        sys.exit(f"no corpus at {corpus_dir()} (set IMALINK_EXIF_CORPUS)")
    if args.profile:
        from pyinstrument import Profiler

        with Profiler() as profiler:
            rate(read_exif, blobs, args.seconds)
        profiler.print()
        return

    loadable = piexif_safe(blobs)
    print(f"corpus: {len(blobs)} blobs, {sum(map(len, blobs)) / len(blobs) / 1024:.1f} KB average "
          f"({len(loadable)} loadable by bare piexif); pid {os.getpid()}, one core")
    ours = rate(read_exif, blobs, args.seconds)
    ours_same = rate(read_exif, loadable, args.seconds)
    tags = rate(exif_tags, blobs, args.seconds)
    bare = rate(piexif.load, loadable, args.seconds)
    tool = exiftool_rate(blobs)
    print(f"{'read_exif':<28}{ours:>12,.0f} blobs/s")
    print(f"{'read_exif (piexif-loadable)':<28}{ours_same:>12,.0f} blobs/s   {ours_same / bare:.2f}x bare piexif")
    print(f"{'exif_tags':<28}{tags:>12,.0f} blobs/s   {tags / bare:.2f}x bare piexif")
    print(f"{'piexif.load (bare)':<28}{bare:>12,.0f} blobs/s")
    if tool is None:
        print(f"{'exiftool -stay_open':<28}{'not installed':>12}")
    else:
        print(f"{'exiftool -stay_open':<28}{tool:>12,.0f} blobs/s   read_exif is {ours / tool:.0f}x faster")


if __name__ == "__main__":
    main()
