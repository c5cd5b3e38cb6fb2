"""Throughput and memory of the import client's file work (the dry-run path).

Generates a tree of JPEG+RAW groups in a temporary folder: 12-megapixel JPEGs carrying piexif
EXIF (six distinct pictures, each file with its own EXIF), and TIFF RAW stand-ins (IFD0, Exif
IFD, an embedded 640x427 preview JPEG in IFD1, 1 MiB of fake sensor bytes). Then measures, in one run:

- ``importer``: scanning + grouping + raw EXIF of both files + hotpreview + hothash, exactly what
  ``imalink import --dry-run`` does (worker processes, one per CPU);
- ``baseline``: a bare single-process Pillow loop over the same JPEGs
  (open, draft, thumbnail, save): the least work any client must do per photo;
- ``floor``: a bare single-process ``Image.open; draft; load`` loop: libjpeg's draft-mode decode
  alone, which no client can go below (its Huffman decoding reads every byte of the JPEG).

The three are run in interleaved rounds (``--rounds``) and medians are reported, because other
work may share the machine. It prints groups/s, CPU ms per group, the importer/baseline ratio,
the rate the floor allows on every CPU, and peak RSS of the main process and the largest worker. JPEG decoding cost grows with the *compressed* size
(libjpeg must entropy-decode every coefficient even at 1/8 scale), so the JPEGs' detail level
(``--detail``) sets the absolute figures; the ratio is what the client adds or saves.

    .venv/bin/python benchmarks/import_client_bench.py [--groups 300] [--detail 10] [--rounds 3]
    .venv/bin/python benchmarks/import_client_bench.py --keep /tmp/tree   # build once, keep it
    .venv/bin/python benchmarks/import_client_bench.py --reuse /tmp/tree  # measure that tree again
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import piexif
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imalink.importer.process import default_workers  # noqa: E402
from imalink.importer.upload import ImportRun  # noqa: E402

SIZE = (4000, 3000)  # 12 megapixels
DISTINCT_IMAGES = 6


def photo_like(seed: int, detail: int) -> Image.Image:
    """Smooth gradients (sky, shading) plus sensor-like noise; ``detail`` 0-100 sets the noise."""
    w, h = SIZE
    lin = Image.linear_gradient("L").resize((w, h))
    rad = Image.radial_gradient("L").resize((w, h))
    img = Image.merge("RGB", (lin.rotate(seed * 40, expand=False), rad, lin.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    if detail:
        noise = Image.effect_noise((w, h), 40 + seed).convert("RGB")
        img = Image.blend(img, noise, detail / 100)
    return img


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def exif(i: int) -> bytes:
    return piexif.dump({
        "0th": {piexif.ImageIFD.Make: b"Canon", piexif.ImageIFD.Model: b"EOS 5D", piexif.ImageIFD.Orientation: 1},
        "Exif": {piexif.ExifIFD.DateTimeOriginal: f"2024:05:{1 + i % 28:02d} 10:{i % 60:02d}:00".encode(), piexif.ExifIFD.ISOSpeedRatings: 100},
    })


def tiff_raw(preview: bytes, exif_payload: bytes, sensor: bytes) -> bytes:
    """A RAW stand-in: piexif's TIFF (IFD0, Exif IFD) with IFD1 pointing at ``preview``."""
    tiff = piexif.dump({**piexif.load(exif_payload), "1st": {piexif.ImageIFD.Compression: 6}, "thumbnail": preview})[6:]
    return tiff + sensor


def build_tree(root: Path, groups: int, detail: int) -> int:
    """The tree: folders of 100 groups. Returns the total JPEG bytes."""
    bases = [jpeg(photo_like(s, detail)) for s in range(DISTINCT_IMAGES)]
    raw_preview = jpeg(photo_like(0, detail).resize((1620, 1080)), 80)
    sensor = os.urandom(1 << 20)
    total = 0
    for i in range(groups):
        folder = root / f"{100 + i // 100}CANON"
        folder.mkdir(parents=True, exist_ok=True)
        payload = exif(i)
        out = io.BytesIO()
        piexif.insert(payload, bases[i % DISTINCT_IMAGES], out)
        (folder / f"IMG_{i:04d}.JPG").write_bytes(out.getvalue())
        total += len(out.getvalue())
        # piexif keeps IFD1's JPEG within 64 KiB, so the stand-in's preview is a smaller JPEG.
        (folder / f"IMG_{i:04d}.CR2").write_bytes(tiff_raw(jpeg(Image.open(io.BytesIO(raw_preview)).resize((640, 427)), 80), payload, sensor))
    return total


def cpu_seconds() -> float:
    """User+system CPU time of this process and its reaped children (the worker pool)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def baseline(root: Path) -> float:
    """Seconds for the bare loop over every JPEG in ``root``."""
    paths = sorted(root.rglob("*.JPG"))
    start = time.perf_counter()
    for p in paths:
        with Image.open(p) as img:
            img.draft("RGB", (150, 150))
            img.thumbnail((150, 150))
            img.save(io.BytesIO(), "JPEG", quality=85)
    return time.perf_counter() - start


def floor(root: Path) -> float:
    """Seconds for decoding every JPEG in ``root`` in draft mode, and nothing else."""
    paths = sorted(root.rglob("*.JPG"))
    start = time.perf_counter()
    for p in paths:
        with Image.open(p) as img:
            assert img.draft("RGB", (150, 150)) is not None
            img.load()
    return time.perf_counter() - start


def importer(paths: list[Path], workers: int | None) -> tuple[float, int]:
    run = ImportRun(paths, None, dry_run=True, workers=workers)
    start = time.perf_counter()
    summary = run.run()
    elapsed = time.perf_counter() - start
    assert summary.groups_failed == 0, summary.failures[:3]
    return elapsed, summary.groups_ready


def maxrss_mib(who: int) -> float:
    """Peak RSS of the largest reaped child (RUSAGE_CHILDREN)."""
    return resource.getrusage(who).ru_maxrss / 1024


def peak_rss_mib() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it
    would report the tree builder's memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return maxrss_mib(resource.RUSAGE_SELF)


def measure(root: Path, groups: int, jpeg_bytes: int, workers: int | None, rounds: int) -> None:
    """The measurements, in a fresh process so that peak RSS is the importer's alone."""
    workers = workers or default_workers()
    first_folder = sorted(p for p in root.iterdir() if p.is_dir())[0]
    importer([first_folder], workers)  # warm-up: page cache, imports, pool start; 100 groups
    rss_small = peak_rss_mib()
    rates: dict[str, list[float]] = {"importer": [], "baseline": [], "floor": []}
    cpu_ms: dict[str, list[float]] = {"importer": [], "baseline": [], "floor": []}
    rss_full = 0.0
    for _ in range(rounds):
        cpu = cpu_seconds()
        took, sent = importer([root], workers)
        rates["importer"].append(sent / took)
        cpu_ms["importer"].append((cpu_seconds() - cpu) / sent * 1000)
        # Before the bare loops decode in this process: the main process's peak is the importer's.
        rss_full = rss_full or peak_rss_mib()
        for name, loop in (("baseline", baseline), ("floor", floor)):
            cpu = cpu_seconds()
            took = loop(root)
            rates[name].append(groups / took)
            cpu_ms[name].append((cpu_seconds() - cpu) / groups * 1000)

    rate = {k: statistics.median(v) for k, v in rates.items()}
    ms = {k: statistics.median(v) for k, v in cpu_ms.items()}
    mb = jpeg_bytes / groups / 1e6
    print(f"medians of {rounds} interleaved rounds; JPEG avg {mb:.2f} MB")
    print(f"importer (dry run, {workers} worker processes): {rate['importer']:7.1f} groups/s  CPU {ms['importer']:5.1f} ms/group  ({rate['importer'] * mb:.0f} MB of JPEG/s)")
    print(f"baseline (open, draft, thumbnail, save; 1 process): {rate['baseline']:7.1f} groups/s  CPU {ms['baseline']:5.1f} ms/group")
    print(f"floor    (open, draft, load; 1 process):            {rate['floor']:7.1f} groups/s  CPU {ms['floor']:5.1f} ms/group  ({mb / ms['floor'] * 1000:.0f} MB of JPEG/s per CPU)")
    print(f"ratio importer / baseline: {rate['importer'] / rate['baseline']:.2f}x wall, {ms['importer'] / ms['baseline']:.2f}x CPU per group; importer CPU over the floor: {ms['importer'] - ms['floor']:+.1f} ms/group")
    # CPU time per group does not depend on what else runs on the machine: it gives the
    # rate the importer would reach with every CPU to itself, and the floor's the most any could.
    print(f"with {workers} idle CPUs: importer about {workers * 1000 / ms['importer']:.0f} groups/s; the floor allows at most {workers * 1000 / ms['floor']:.0f} groups/s")
    print(f"peak RSS: main process {rss_full:.0f} MiB (after the first 100 groups: {rss_small:.0f} MiB), largest worker {maxrss_mib(resource.RUSAGE_CHILDREN):.0f} MiB")
    print(f"load average after the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other processes share them)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--detail", type=int, default=10, help="noise blended into the JPEGs, 0-100 (default 10: about 2 MB per 12 MP JPEG)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of importer, baseline and floor (default 3; medians)")
    parser.add_argument("--keep", type=Path, help="build the tree here and keep it")
    parser.add_argument("--reuse", type=Path, help="measure a tree built before with --keep (no building)")
    parser.add_argument("--measure", nargs=2, metavar=("ROOT", "JPEG_BYTES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(Path(args.measure[0]), args.groups, int(args.measure[1]), args.workers, args.rounds)
        return

    extra = ["--rounds", str(args.rounds)] + (["--workers", str(args.workers)] if args.workers else [])
    if args.reuse:
        jpegs = sorted(args.reuse.rglob("*.JPG"))
        jpeg_bytes = sum(p.stat().st_size for p in jpegs)
        print(f"tree: {len(jpegs)} groups in {args.reuse}, JPEG avg {jpeg_bytes / len(jpegs) / 1e6:.2f} MB", flush=True)
        subprocess.run([sys.executable, __file__, "--groups", str(len(jpegs)), "--measure", str(args.reuse), str(jpeg_bytes), *extra], check=True)
        return
    root = args.keep or Path(tempfile.mkdtemp(prefix="imalink-bench-"))
    try:
        t = time.perf_counter()
        jpeg_bytes = build_tree(root, args.groups, args.detail)
        print(f"tree: {args.groups} groups (12 MP JPEG + TIFF RAW stand-in), JPEG avg {jpeg_bytes / args.groups / 1e6:.2f} MB, built in {time.perf_counter() - t:.0f} s", flush=True)
        subprocess.run([sys.executable, __file__, "--groups", str(args.groups), "--measure", str(root), str(jpeg_bytes), *extra], check=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
