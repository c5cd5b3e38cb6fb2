"""The shared container walker (exif/containers.py) on hostile bytes: JPEG segments, TIFF
directories and HEIF boxes, as both the EXIF engine and the import client use it.

Mutated real files never raise anything but ContainerError from the walker (nothing at all from
the importer's extraction and the embedded-preview rule, which turn it into a warning), stay
under 50 ms, read a bounded number of bytes, and never touch the filesystem.
"""

from __future__ import annotations

import io
import os
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutations import mutate
from sandbox import guarded, within_time

from imalink.exif.containers import (
    BytesSource,
    ContainerError,
    FileSource,
    Window,
    heif_exif,
    iter_jpeg_segments,
    jpeg_frame,
    read_ifd,
    tiff_header,
)
from imalink.importer.embedded import exif_facts, exif_thumbnail
from imalink.importer.exif_extract import exif_of
from imalink.importer.vectors import camera_jpeg, exif_payload, heic_bytes, picture, raw_bytes, thumbnail_jpeg

EXAMPLES = int(os.environ.get("IMALINK_FUZZ_EXAMPLES", "1000"))

_IMG = picture((160, 120), 1)
SEEDS = {
    "jpeg": camera_jpeg(_IMG, exif_payload(orientation=6, thumbnail=thumbnail_jpeg(_IMG, 64), pixel_size=_IMG.size)),
    "raw": raw_bytes(preview=camera_jpeg(_IMG, None), preview_in="subifd", thumbnail=thumbnail_jpeg(_IMG, 64), sensor_bytes=2000)[0],
    "heic": heic_bytes(_IMG, exif_payload(make="Apple"), thumbnail=64),
}


class CountingSource(BytesSource):
    """Counts the bytes read through it."""

    __slots__ = ("bytes_read",)

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, offset: int, n: int) -> bytes:
        data = super().read(offset, n)
        self.bytes_read += len(data)
        return data


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(SEEDS)))
    return kind, mutate(draw, SEEDS[kind], max_edits=10)


def walk_everything(data: bytes) -> int:
    """Every walk on ``data`` through a counting source; returns the bytes read."""
    src = CountingSource(data)
    for walk in (
        lambda: list(iter_jpeg_segments(src)),
        lambda: jpeg_frame(src),
        lambda: heif_exif(src),
        lambda: read_ifd(src, tiff_header(src).order, tiff_header(src).first_ifd),
    ):
        try:
            walk()
        except ContainerError:
            pass
    return src.bytes_read


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_files_never_raise_and_stay_bounded(case: tuple[str, bytes]) -> None:
    kind, data = case
    read = within_time(walk_everything, data)
    assert read < 200_000  # a few structures, never a scan of a large file
    for k in ("jpeg", "raw", "heic"):
        result = within_time(lambda d, k=k: exif_of(d, k), data)
        assert result.data is None or isinstance(result.data, bytes)
    payload = exif_of(data, "jpeg").data
    within_time(lambda d: (exif_facts(d), exif_thumbnail(d, (160, 120), True)), payload or data)


@settings(max_examples=max(EXAMPLES // 3, 1), deadline=None)
@given(st.sampled_from([b"\xff\xd8", b"II*\x00\x08\x00\x00\x00", b"MM\x00*\x00\x00\x00\x08", b"\x00\x00\x00\x18ftypheic", b""]), st.binary(max_size=4096))
def test_random_bodies(header: bytes, body: bytes) -> None:
    walk_everything(header + body)
    for k in ("jpeg", "raw", "heic"):
        exif_of(header + body, k)


def test_a_file_source_walks_like_a_bytes_source() -> None:
    for kind, data in SEEDS.items():
        from_file = exif_of(FileSource(io.BytesIO(data)), kind)
        from_bytes = exif_of(data, kind)
        assert from_file == from_bytes and from_bytes.data is not None, kind


def test_walks_never_touch_the_filesystem() -> None:
    for data in SEEDS.values():
        guarded(walk_everything, data)


def test_a_window_before_its_base_holds_nothing() -> None:
    base = BytesSource(b"0123456789")
    w = Window(base, -4)
    assert w.read(0, 4) == b"" and w.read(4, 3) == b"012" and not w.has(2, 4) and w.has(4, 6)
    assert Window(base, 3, 4).read(0, 100) == b"3456"


def test_loops_and_huge_counts_end() -> None:
    # A directory whose next pointer is itself, a box of size 1 with a huge 64-bit size, a JPEG of
    # fill bytes only.
    loop = b"II*\x00\x08\x00\x00\x00" + struct.pack("<H", 1) + struct.pack("<HHII", 0x0100, 3, 1, 5) + struct.pack("<I", 8)
    assert exif_of(loop, "raw").data is not None
    huge = struct.pack(">I4sQ", 1, b"ftyp", 2**63) + b"heic"
    assert exif_of(huge, "heic").warning_code == "EXIF_UNREADABLE"
    assert exif_of(b"\xff\xd8" + b"\xff" * 100_000, "jpeg").warning_code == "EXIF_UNREADABLE"
