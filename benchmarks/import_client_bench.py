"""Throughput and memory of the import client's file work (the dry-run path), against the client
as it was before file identity, measured in the same run on the same files.

Builds, in a temporary folder, camera-like groups of a 12-megapixel JPEG (EXIF APP1 first, as
cameras write it) and a TIFF RAW stand-in (IFD0, Exif IFD, a 640x427 preview, 1 MiB of sensor
bytes), in two sets:

- ``thumbnail``: each JPEG's EXIF carries a 160x120 thumbnail of the picture (most cameras and
  phones): the client may make the hotpreview from it;
- ``decode``: the same JPEGs without a thumbnail: the client must decode every JPEG;

and a set of iPhone-like HEIC files (4032x3024 in 512-px tiles, a 320x240 thumbnail image as
iPhones embed, EXIF with orientation 6 kept as the container's rotation): 400 by default, an
import's worth of phone photos, since each worker fully decodes the first HEIC of a camera to
check its thumbnails (about a second of CPU).

Then, in interleaved rounds (medians), each set is imported with ``--dry-run`` semantics by:

- ``previous``: the client before file identity (full draft-mode decode of every JPEG, no
  content hash), taken from git (``--previous REV``) and run from an exported copy; it did not
  decode HEIC, so on the HEIC set the baseline is
- ``before``: the client before a HEIC's thumbnail was checked against the JPEG rule
  (``--heic-previous REV``), exported the same way;
- ``current``: this client (content hash of every file, the embedded-preview rule, HEIC).

Each run is a fresh process (so its peak RSS is its own); rates are groups per second of the run
itself. The figures are ratios current/previous because the machine is shared.

    .venv/bin/python benchmarks/import_client_bench.py [--groups 200] [--heic 40] [--detail 17] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if "--run-once" not in sys.argv:
    # A measured run imports whichever client PYTHONPATH names (the previous one from git, or
    # the installed one): the checkout must not shadow it.
    sys.path.insert(0, str(ROOT))

SIZE = (4000, 3000)  # 12 megapixels, 4:3 like a phone or a compact camera
HEIC_SIZE = (4032, 3024)
DISTINCT_IMAGES = 4
PREVIOUS_REV = "b68f905"
"""The last commit of the client before file identity (hothash from a full decode of every JPEG)."""
HEIC_PREVIOUS_REV = "63655c4"
"""The last commit before a HEIC's thumbnail was held to the JPEG thumbnail rule (header rule of
pillow-heif's ``draft`` only; libde265 with four threads)."""


def photo_like(seed: int, detail: int, size: tuple[int, int] = SIZE) -> Any:
    """Smooth gradients (sky, shading) plus sensor-like noise; ``detail`` 0-100 sets the noise."""
    from PIL import Image

    w, h = size
    lin = Image.linear_gradient("L").resize((w, h))
    rad = Image.radial_gradient("L").resize((w, h))
    img = Image.merge("RGB", (lin.rotate(seed * 40, expand=False), rad, lin.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    if detail:
        noise = Image.effect_noise((w, h), 40 + seed).convert("RGB")
        img = Image.blend(img, noise, detail / 100)
    return img


def build_sets(root: Path, groups: int, heics: int, detail: int) -> dict[str, Any]:
    """The three trees under ``root``; returns their average file sizes."""
    from imalink.importer.vectors import camera_jpeg, exif_payload, heic_bytes, pillow_jpeg, raw_bytes, thumbnail_jpeg

    sizes: dict[str, list[int]] = {"thumbnail": [], "decode": [], "heic": []}
    if groups:
        bases = [photo_like(s, detail) for s in range(DISTINCT_IMAGES)]
        thumbs = [thumbnail_jpeg(b) for b in bases]
        raw_preview = pillow_jpeg(bases[0].resize((640, 427)), 80)
        # Encode each picture once; only the EXIF (the capture time) differs between files.
        encoded = {s: camera_jpeg(bases[s], None, quality=92)[2:] for s in range(DISTINCT_IMAGES)}
        raw, _ = raw_bytes(preview=raw_preview, sensor_bytes=1 << 20)
        for i in range(groups):
            taken = f"2024:05:{1 + i % 28:02d} 10:{i // 60 % 60:02d}:{i % 60:02d}"
            for name in ("thumbnail", "decode"):
                folder = root / name / f"{100 + i // 100}CANON"
                folder.mkdir(parents=True, exist_ok=True)
                payload = exif_payload(taken=taken, thumbnail=thumbs[i % DISTINCT_IMAGES] if name == "thumbnail" else None, pixel_size=SIZE)
                app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
                data = b"\xff\xd8" + app1 + encoded[i % DISTINCT_IMAGES]
                (folder / f"IMG_{i:04d}.JPG").write_bytes(data)
                (folder / f"IMG_{i:04d}.CR2").write_bytes(raw)
                sizes[name].append(len(data))
    if heics:
        heic_bases = [photo_like(s, detail, HEIC_SIZE) for s in range(2)]
        marker = "2024:06:01 12:00:00"
        encoded_heic = [heic_bytes(b, exif_payload(make="Apple", model="iPhone 13", software="17.1", taken=marker, orientation=6, pixel_size=HEIC_SIZE), thumbnail=320, tile_size=512) for b in heic_bases]
        folder = root / "heic" / "100APPLE"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(heics):
            # Distinct files from two encodes: the capture time in the EXIF item is rewritten in place.
            taken = f"2024:06:{1 + i % 28:02d} 12:{i // 60 % 60:02d}:{i % 60:02d}".encode()
            data = encoded_heic[i % 2].replace(marker.encode(), taken)
            (folder / f"IMG_{i:04d}.HEIC").write_bytes(data)
            sizes["heic"].append(len(data))
    return {k: statistics.fmean(v) if v else 0 for k, v in sizes.items()}


def previous_tree(rev: str, into: Path) -> Path | None:
    """An importable copy of the client at ``rev`` (``imalink`` with the design's folders inside)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True)
    if archive.returncode != 0:
        print(f"previous client: git archive {rev} failed ({archive.stderr.decode().strip()}); not measured")
        return None
    src = into / "src"
    src.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    pkg = into / "pkg"
    shutil.copytree(src / "imalink", pkg / "imalink")
    for folder in ("db", "exif", "importer", "resolvers", "schema"):
        shutil.copytree(src / folder, pkg / "imalink" / folder)
    return pkg


def run_once(path: str) -> dict[str, Any]:
    """Import ``path`` (dry run) in this process; the figures as JSON-ready data."""
    from imalink.importer.upload import ImportRun

    run = ImportRun([path], None, dry_run=True)
    cpu = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    summary = run.run()
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = sum(a.ru_utime + a.ru_stime - (b.ru_utime + b.ru_stime) for a, b in zip(after, cpu))
    hwm = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    return {
        "groups": summary.groups_ready,
        "failed": summary.groups_failed,
        "seconds": elapsed,
        "cpu_ms_per_group": cpu_s / max(summary.groups_ready, 1) * 1000,
        "rss_main_mib": hwm / 1024,
        "rss_worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "sources": dict(getattr(summary, "preview_sources", {}) or {}),
    }


def measure(client: str, path: Path, previous: Path | None) -> dict[str, Any]:
    """One run of ``client`` over ``path`` in a fresh process; ``previous``: the exported copy it
    imports (None: the installed client)."""
    env = dict(os.environ)
    if previous is not None:
        env["PYTHONPATH"] = str(previous)
    done = subprocess.run([sys.executable, __file__, "--run-once", str(path)], capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        sys.exit(f"{client} failed on {path}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=200, help="JPEG+RAW groups per set (default 200)")
    parser.add_argument("--heic", type=int, default=400, help="HEIC files (default 400; 0 to skip)")
    parser.add_argument("--detail", type=int, default=17, help="noise blended into the pictures, 0-100 (default 17: about 4 MB per 12 MP JPEG)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--previous", default=PREVIOUS_REV, help=f"git revision of the client to compare with (default {PREVIOUS_REV})")
    parser.add_argument("--heic-previous", default=HEIC_PREVIOUS_REV, help=f"git revision of the client to compare with on HEIC (default {HEIC_PREVIOUS_REV})")
    parser.add_argument("--keep", type=Path, help="build the trees here and keep them")
    parser.add_argument("--reuse", type=Path, help="measure trees built before with --keep")
    parser.add_argument("--run-once", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_once:
        print(json.dumps(run_once(args.run_once)))
        return

    work = Path(tempfile.mkdtemp(prefix="imalink-client-bench-"))
    root = args.reuse or args.keep or work / "trees"
    try:
        if not args.reuse:
            t = time.perf_counter()
            sizes = build_sets(root, args.groups, args.heic, args.detail)
            print(f"built in {time.perf_counter() - t:.0f} s: {args.groups} groups per JPEG set (12 MP JPEG avg "
                  f"{sizes['thumbnail'] / 1e6:.2f} MB + TIFF RAW stand-in), {args.heic} HEIC (avg {sizes['heic'] / 1e6:.2f} MB)", flush=True)
        sets = [s for s in ("thumbnail", "decode", "heic") if (root / s).is_dir()]
        previous = previous_tree(args.previous, work / "previous") if {"thumbnail", "decode"} & set(sets) else None
        before = previous_tree(args.heic_previous, work / "before") if "heic" in sets else None
        baselines = {"previous": previous, "before": before, "current": None}
        for s in sets:  # page cache: every run reads from memory, none from disk
            for p in (root / s).rglob("*"):
                if p.is_file():
                    p.read_bytes()
        results: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for _ in range(args.rounds):
            for s in sets:
                baseline = "before" if s == "heic" else "previous"
                clients = ["current"] if baselines[baseline] is None else [baseline, "current"]
                for client in clients:
                    results.setdefault((s, client), []).append(measure(client, root / s, baselines[client]))

        def med(s: str, client: str, key: str) -> float:
            return statistics.median(r[key] for r in results[(s, client)])

        def rate(s: str, client: str) -> float:
            return statistics.median(r["groups"] / r["seconds"] for r in results[(s, client)])

        print(f"\nmedians of {args.rounds} interleaved rounds, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (the machine is shared)")
        print(f"{'set':10} {'client':9} {'groups/s':>9} {'CPU ms/grp':>10} {'RSS main':>9} {'RSS worker':>10}  hotpreviews")
        for (s, client), runs in results.items():
            print(f"{s:10} {client:9} {rate(s, client):9.1f} {med(s, client, 'cpu_ms_per_group'):10.1f} "
                  f"{med(s, client, 'rss_main_mib'):7.0f} MiB {med(s, client, 'rss_worker_mib'):8.0f} MiB  {runs[-1]['sources'] or '-'}")
            assert all(r["failed"] == 0 for r in runs), f"{s}/{client}: groups failed"
        print()
        for s in ("thumbnail", "decode"):
            if (s, "previous") in results:
                print(f"{s}: current / previous = {rate(s, 'current') / rate(s, 'previous'):.2f}x groups/s "
                      f"({med(s, 'previous', 'cpu_ms_per_group') / med(s, 'current', 'cpu_ms_per_group'):.2f}x less CPU per group)")
        if ("heic", "current") in results:
            runs = results[("heic", "current")]
            used = statistics.median(r["sources"].get("heic-thumbnail", 0) for r in runs)
            print(f"heic: {rate('heic', 'current'):.1f} groups/s; hotpreview from the thumbnail image for "
                  f"{used:.0f} of {runs[-1]['groups']} files (the rest decoded)")
            if ("heic", "before") in results:
                print(f"heic: current / before = {rate('heic', 'current') / rate('heic', 'before'):.2f}x groups/s "
                      f"({med('heic', 'before', 'cpu_ms_per_group') / med('heic', 'current', 'cpu_ms_per_group'):.2f}x less CPU per group)")
        if "thumbnail" in sets:
            # Memory does not grow with the number of groups: the first folder alone against the set.
            first = sorted(p for p in (root / "thumbnail").iterdir() if p.is_dir())[0]
            small = measure("current", first, None)
            print(f"peak RSS, current client: main {small['rss_main_mib']:.0f} MiB after {small['groups']} groups, "
                  f"{med('thumbnail', 'current', 'rss_main_mib'):.0f} MiB after {args.groups}; largest worker "
                  f"{small['rss_worker_mib']:.0f} / {med('thumbnail', 'current', 'rss_worker_mib'):.0f} MiB")
    finally:
        if args.keep is None and args.reuse is None:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep is not None:
            shutil.rmtree(work / "previous", ignore_errors=True)
            shutil.rmtree(work / "before", ignore_errors=True)
            print(f"(kept {args.keep})")


if __name__ == "__main__":
    main()
