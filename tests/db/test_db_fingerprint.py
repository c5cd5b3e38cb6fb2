"""The perceptual fingerprint is the same whichever decoder read the hotpreview.

``lookalikes.fingerprint`` decodes the JPEGs clients send with simplejpeg and falls back to Pillow
for the rest; fingerprints are stored, so both must give exactly the values of the recipe the
library was fingerprinted with (Pillow's ``draft`` in grey, box filter to 32x32, DCT, median).
The reference below is that recipe, written out as it was before the faster decode.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
import simplejpeg
from PIL import Image, ImageDraw

from imalink.db import lookalikes
from imalink.importer.preview import make_hotpreview


def reference_fingerprint(jpeg: bytes) -> int | None:
    """The fingerprint recipe as first written: Pillow only, ``np.median``."""
    try:
        with Image.open(io.BytesIO(jpeg)) as img:
            if img.format != "JPEG" or img.width * img.height > lookalikes.MAX_PIXELS:
                return None
            img.draft("L", (32, 32))
            grey = img.convert("L").resize((32, 32), Image.Resampling.BOX)
    except Exception:  # noqa: BLE001
        return None
    pixels = np.asarray(grey, dtype=np.float64)
    coefficients = (lookalikes._DCT @ pixels @ lookalikes._DCT.T).ravel()[lookalikes._FREQUENCY_ORDER]
    unsigned = int(np.packbits(coefficients > np.median(coefficients)).view(">u8")[0])
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def picture(seed: int, size: tuple[int, int]) -> Image.Image:
    """A busy picture (shapes on a gradient, grain): every DCT coefficient has something to say."""
    rng = random.Random(seed)
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(4, max(5, size[0] // 3))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x - r, y - r, x + r, y + r), fill=colour)
    # Grain from the seed, not Image.effect_noise (libc rand(), whose state depends on every test
    # run before): the same seed gives the same picture in any order of tests.
    grain = Image.frombytes("L", size, rng.randbytes(size[0] * size[1])).convert("RGB")
    return Image.blend(img, grain, 0.15)


def encoded(img: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", **options)
    return buffer.getvalue()


SIZES = [(150, 100), (100, 150), (150, 150), (150, 84), (64, 64), (63, 200), (127, 127), (128, 128), (300, 200), (31, 20)]
OPTIONS = [
    {"quality": 85},
    {"quality": 30},
    {"quality": 95, "subsampling": 0},  # 4:4:4
    {"quality": 75, "subsampling": 1},  # 4:2:2
    {"quality": 80, "progressive": True},
    {"quality": 80, "optimize": True},
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_decode_gives_the_reference_fingerprint(size):
    for seed, options in enumerate(OPTIONS):
        img = picture(seed * 31 + size[0], size)
        for jpeg in (encoded(img, **options), encoded(img.convert("L"), **options)):
            assert lookalikes.fingerprint(jpeg) == reference_fingerprint(jpeg) is not None


def test_hotpreviews_by_the_reference_recipe_keep_their_fingerprints(monkeypatch):
    def no_fallback(jpeg: bytes) -> None:
        raise AssertionError("a client's hotpreview went to the slow decode")

    monkeypatch.setattr(lookalikes, "_small_grey_by_pillow", no_fallback)  # what clients send takes the fast path
    for seed in range(12):
        source = encoded(picture(seed, (1200, 800) if seed % 3 else (800, 1200)), quality=90)
        hotpreview = make_hotpreview(source)
        assert lookalikes.fingerprint(hotpreview) == reference_fingerprint(hotpreview) is not None


def test_what_the_fast_decode_refuses_pillow_still_reads_as_before():
    img = picture(7, (150, 100))
    cmyk = encoded(img.convert("CMYK"), quality=85)  # Pillow converts CMYK to grey
    # The scan cut short, then the end marker: libjpeg warns of a premature end whatever the
    # picture (simplejpeg refuses), Pillow reads on.
    whole = encoded(img, quality=85)
    cut_short = whole[: len(whole) * 3 // 4] + b"\xff\xd9"
    uniform = encoded(Image.new("RGB", (150, 100), (90, 90, 90)))  # every AC coefficient ties at 0
    for jpeg in (cmyk, cut_short, uniform):
        assert lookalikes.fingerprint(jpeg) == reference_fingerprint(jpeg)
    with pytest.raises(ValueError):
        simplejpeg.decode_jpeg(cut_short, colorspace="GRAY")  # so the fallback did read it
    assert lookalikes.fingerprint(cmyk) is not None and lookalikes.fingerprint(uniform) is not None


def test_a_batch_fingerprinted_together_gets_each_ones_reference_fingerprint():
    """``fingerprints`` (a batch's hotpreviews in one numpy pass) gives each JPEG the value of the
    recipe, in order, with ``None`` where one cannot be decoded, whichever decoder read it."""
    jpegs = [encoded(picture(seed, size), **OPTIONS[seed % len(OPTIONS)]) for seed, size in enumerate(SIZES * 3)]
    jpegs[3:3] = [b"", b"\xff\xd8\xff\xe0 garbage", encoded(picture(5, (150, 100)).convert("CMYK"), quality=85)]
    jpegs.append(jpegs[0][:200])  # truncated
    expected = [reference_fingerprint(jpeg) for jpeg in jpegs]
    assert lookalikes.fingerprints(jpegs) == expected
    assert expected.count(None) == 3 and len(set(expected)) == len(jpegs) - 2
    assert lookalikes.fingerprints([]) == [] and lookalikes.fingerprints([b""]) == [None]
