"""How the fuzz tests damage real bytes: flipped bytes, extreme 32-bit words, odd 16-bit counts
and markers, cuts. Shared by the EXIF engine's and the container walker's fuzz tests."""

from __future__ import annotations

import struct

from hypothesis import strategies as st

WORDS = [0, 1, 8, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF]
SHORTS = [0, 1, 2, 3, 5, 7, 0xFFFF, 0xFFD8, 0xFFD9, 0xFFE1]


def mutate(draw: st.DrawFn, seed: bytes, max_edits: int = 12) -> bytes:
    """``seed`` with 1..``max_edits`` edits drawn by hypothesis."""
    blob = bytearray(seed)
    for _ in range(draw(st.integers(1, max_edits))):
        kind = draw(st.integers(0, 3))
        at = draw(st.integers(0, len(blob) - 1))
        if kind == 0:
            blob[at] = draw(st.integers(0, 255))
        elif kind == 1 and at + 4 <= len(blob):
            word = draw(st.sampled_from([*WORDS, len(blob), len(blob) - 4]))
            blob[at : at + 4] = struct.pack(draw(st.sampled_from(["<I", ">I"])), word)
        elif kind == 2 and at + 2 <= len(blob):
            blob[at : at + 2] = struct.pack(draw(st.sampled_from(["<H", ">H"])), draw(st.sampled_from(SHORTS)))
        elif kind == 3:
            blob = blob[: max(at, 8)]
    return bytes(blob)
