"""Coverage-guided fuzzing of the EXIF engine with atheris (optional; not collected by pytest).

    .venv/bin/python tests/exif/fuzz_atheris.py -atheris_runs=200000 [corpus_dir]

Fails on any exception, on a call over 50 ms, or on any filesystem access.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[2]), str(Path(__file__).resolve().parent)]

import atheris  # noqa: E402

with atheris.instrument_imports():
    import imalink.exif.containers  # noqa: F401
    import imalink.exif.makernotes  # noqa: F401
    import imalink.exif.policy  # noqa: F401
    import imalink.exif.reader  # noqa: F401
    import imalink.exif.tags  # noqa: F401
    import imalink.exif.tiff  # noqa: F401
    import imalink.exif.values  # noqa: F401

from sandbox import guarded  # noqa: E402

from imalink.exif import exif_tags, read_exif  # noqa: E402
from imalink.exif.containers import BytesSource, ContainerError, heif_exif, iter_jpeg_segments  # noqa: E402


def walk(data: bytes) -> None:
    """The container walks the import client runs on files (only ContainerError may escape)."""
    src = BytesSource(data)
    for fn in (lambda: list(iter_jpeg_segments(src)), lambda: heif_exif(src)):
        try:
            fn()
        except ContainerError:
            pass

SLOWEST = [0.0]


def one_input(data: bytes) -> None:
    for fn in (read_exif, exif_tags, walk):
        _, elapsed = guarded(fn, data)
        if elapsed > 0.05:  # re-time: one slow run can be the scheduler, three are the code
            elapsed = min(elapsed, *(guarded(fn, data)[1] for _ in range(2)))
        SLOWEST[0] = max(SLOWEST[0], elapsed)
        if elapsed > 0.05:
            raise AssertionError(f"{fn.__name__} took {elapsed * 1000:.1f} ms")


if __name__ == "__main__":
    start = time.perf_counter()
    atheris.Setup(sys.argv, one_input)
    try:
        atheris.Fuzz()
    finally:
        print(f"slowest call {SLOWEST[0] * 1000:.2f} ms; {time.perf_counter() - start:.0f} s", file=sys.stderr)
