"""Property/fuzz tests: mutated corpus and generated blobs never raise, never touch the
filesystem, and stay under 50 ms and 10 MB each. Run time is kept to a few seconds."""

from __future__ import annotations

import os

from corpus import samples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import mutate
from sandbox import peak_memory, within_time
from tiffbuild import build_exif

from imalink.exif import ExifReading, exif_tags, read_exif

EXAMPLES = int(os.environ.get("IMALINK_FUZZ_EXAMPLES", "1000"))  # raise for a longer run
MEMORY_LIMIT = 10_000_000

# Seeds: the corpus when present, plus built blobs in both byte orders so a bare clone fuzzes too.
_BUILT = [
    build_exif(
        {0x010F: "Canon", 0x0110: "EOS", 0x0112: 6, 0x0132: "2020:01:02 03:04:05"},
        {0x829A: (1, 125), 0x829D: (28, 10), 0x8827: 400, 0x9003: "2020:01:02 03:04:05", 0x9291: "12"},
        {1: "N", 2: [(59, 1), (54, 1), (0, 1)], 3: "E", 4: [(10, 1), (45, 1), (0, 1)], 5: 0, 6: (12, 1)},
        interop={1: "R98"}, ifd1={0x0103: 6}, thumbnail=b"\xff\xd8" + b"\x00" * 200 + b"\xff\xd9", byte_order=bo,
    )
    for bo in "<>"
]
SEEDS = [p.read_bytes() for p in samples()] + _BUILT


def check(blob: bytes) -> None:
    for fn in (read_exif, exif_tags):
        result = within_time(fn, blob)
        assert isinstance(result, ExifReading if fn is read_exif else dict)


def check_memory(blob: bytes) -> None:
    for fn in (read_exif, exif_tags):
        assert peak_memory(fn, blob) < MEMORY_LIMIT


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed damaged (see mutations.py), and sometimes grown with zeros up to 1 MB."""
    blob = mutate(draw, draw(st.sampled_from(SEEDS)))
    if draw(st.booleans()):
        blob += bytes(draw(st.integers(0, 1_000_000 - len(blob))))  # up to 1 MB
    return blob


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_blobs(blob: bytes) -> None:
    check(blob)


@settings(max_examples=max(EXAMPLES // 10, 1), deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_blobs_memory(blob: bytes) -> None:
    check_memory(blob)


@settings(max_examples=max(EXAMPLES // 3, 1), deadline=None)
@given(
    st.sampled_from([b"Exif\x00\x00II*\x00", b"Exif\x00\x00MM\x00*", b"II*\x00", b"MM\x00*", b"IIU\x00", b"MMOR", b""]),
    st.binary(max_size=2048),
)
def test_random_bodies(header: bytes, body: bytes) -> None:
    check(header + body)
