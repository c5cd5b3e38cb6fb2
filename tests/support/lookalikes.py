"""A near-duplicate test set of real JPEGs made with Pillow: copies of one photo, and other photos of its scene.

Each *scene* is a landscape drawn at random (sky, sun, hills, trees, a house, a subject, grain)
on a canvas larger than a shot. A *photo* is one camera framing of it, saved as a 1200x800 JPEG.
Its *copies* are what a library collects of one photo: re-encoded at other qualities, resized,
stored rotated with an EXIF orientation that turns it back, lightly cropped, exported from an
editor (levels nudged, sharpened). Its *siblings* are distinct photos of the same scene: the
camera panned, zoomed in, or the subject walked off. A near-duplicate search should find every
copy and no sibling (nor any other scene's photo).

Hotpreviews are made by the reference recipe (``importer.preview.make_hotpreview``), as every
client's would be: the server only ever sees those 150 px JPEGs.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass

import piexif
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from imalink.importer.preview import make_hotpreview

SHOT = (1200, 800)
CANVAS = (1800, 1200)


@dataclass(frozen=True)
class Scene:
    seed: int

    def render(self, subject_at: float = 0.3) -> Image.Image:
        """The whole scene; ``subject_at`` is where (a fraction of the width) the subject stands."""
        rng = random.Random(self.seed)
        w, h = CANVAS
        img = Image.new("RGB", CANVAS)
        draw = ImageDraw.Draw(img)
        top = (rng.randrange(40, 140), rng.randrange(80, 180), rng.randrange(150, 255))
        bottom = tuple(min(255, c + rng.randrange(40, 100)) for c in top)
        horizon = int(h * rng.uniform(0.35, 0.6))
        for y in range(horizon):  # sky gradient
            t = y / horizon
            draw.line((0, y, w, y), fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
        sx, sy, sr = rng.randrange(w), rng.randrange(horizon // 2), rng.randrange(40, 110)
        draw.ellipse((sx - sr, sy - sr, sx + sr, sy + sr), fill=(255, 240, rng.randrange(120, 220)))
        for _ in range(rng.randrange(3, 8)):  # clouds
            cx, cy = rng.randrange(w), rng.randrange(horizon)
            for _ in range(6):
                r = rng.randrange(30, 90)
                ox, oy = cx + rng.randrange(-120, 120), cy + rng.randrange(-30, 30)
                draw.ellipse((ox - r, oy - r // 2, ox + r, oy + r // 2), fill=(245, 245, 250))
        for layer in range(3):  # hills, far to near
            base = horizon + layer * (h - horizon) // 4
            colour = (rng.randrange(20, 90), rng.randrange(80, 160) - layer * 20, rng.randrange(20, 90))
            points = [(0, h)]
            for x in range(0, w + 120, 120):
                points.append((x, base - rng.randrange(0, 220 - layer * 50)))
            points.append((w, h))
            draw.polygon(points, fill=colour)
        ground = (rng.randrange(60, 140), rng.randrange(100, 170), rng.randrange(30, 80))
        draw.rectangle((0, int(h * 0.82), w, h), fill=ground)
        for _ in range(rng.randrange(6, 16)):  # trees
            x, y = rng.randrange(w), rng.randrange(horizon, h)
            size = rng.randrange(30, 120)
            draw.rectangle((x - size // 10, y, x + size // 10, y + size), fill=(90, 60, 30))
            draw.ellipse((x - size // 2, y - size, x + size // 2, y + size // 4), fill=(20, rng.randrange(90, 160), 30))
        hx, hy = rng.randrange(w // 4, 3 * w // 4), horizon + rng.randrange(40, 160)
        draw.rectangle((hx, hy, hx + 260, hy + 180), fill=(rng.randrange(150, 230), 80, 60))  # a house
        draw.polygon([(hx - 20, hy), (hx + 130, hy - 110), (hx + 280, hy)], fill=(90, 40, 40))
        for i in range(3):
            draw.rectangle((hx + 30 + i * 80, hy + 50, hx + 80 + i * 80, hy + 100), fill=(250, 230, 140))
        px = int(w * subject_at)  # the subject: a person in a red coat
        py = int(h * 0.7)
        draw.ellipse((px - 30, py - 200, px + 30, py - 140), fill=(230, 190, 160))
        draw.rectangle((px - 55, py - 140, px + 55, py + 60), fill=(200, 20, 30))
        draw.rectangle((px - 45, py + 60, px + 45, py + 200), fill=(30, 30, 60))
        grain = Image.effect_noise(CANVAS, 24).convert("RGB")
        return Image.blend(img, grain, 0.08).filter(ImageFilter.GaussianBlur(1.2))

    def shot(self, dx: float = 0.0, zoom: float = 1.0, subject_at: float = 0.3) -> Image.Image:
        """A 1200x800 framing: the centre of the canvas, panned by ``dx`` shot widths, zoomed in by ``zoom``."""
        w, h = SHOT[0] / zoom, SHOT[1] / zoom
        cx = CANVAS[0] / 2 + dx * SHOT[0]
        cy = CANVAS[1] / 2
        box = (int(cx - w / 2), int(cy - h / 2), int(cx + w / 2), int(cy + h / 2))
        return self.render(subject_at).crop(box).resize(SHOT, Image.Resampling.LANCZOS)


def jpeg(img: Image.Image, quality: int = 90, orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    extra = {}
    if orientation is not None:
        extra["exif"] = piexif.dump({"0th": {piexif.ImageIFD.Orientation: orientation}})
    img.save(buffer, "JPEG", quality=quality, **extra)
    return buffer.getvalue()


def _cropped(img: Image.Image, fraction: float) -> Image.Image:
    w, h = img.size
    dx, dy = int(w * fraction), int(h * fraction)
    return img.crop((dx, dy, w - dx, h - dy))


def _edited(img: Image.Image) -> Image.Image:
    img = ImageEnhance.Contrast(ImageEnhance.Brightness(img).enhance(1.08)).enhance(1.1)
    return img.filter(ImageFilter.UnsharpMask(radius=2, percent=60))


# How a library comes to hold copies of one photo (the file a client reads, from the photo's pixels).
COPIES: dict[str, Callable[[Image.Image], bytes]] = {
    "re-encoded q95": lambda img: jpeg(img, 95),
    "re-encoded q60": lambda img: jpeg(img, 60),
    "re-encoded q30": lambda img: jpeg(img, 30),
    "resized 50%": lambda img: jpeg(img.resize((600, 400), Image.Resampling.BICUBIC), 85),
    "resized 25%": lambda img: jpeg(img.resize((300, 200), Image.Resampling.BILINEAR), 80),
    # Pixels stored turned, with the EXIF orientation that shows them upright again.
    "rotated, orientation 6": lambda img: jpeg(img.transpose(Image.Transpose.ROTATE_90), 90, orientation=6),
    "rotated, orientation 8": lambda img: jpeg(img.transpose(Image.Transpose.ROTATE_270), 90, orientation=8),
    "rotated, orientation 3": lambda img: jpeg(img.transpose(Image.Transpose.ROTATE_180), 90, orientation=3),
    "cropped 3%": lambda img: jpeg(_cropped(img, 0.03), 90),
    "cropped 6%": lambda img: jpeg(_cropped(img, 0.06), 90),
    "edited (levels, sharpened)": lambda img: jpeg(_edited(img), 88),
}

# Distinct photos of one scene: the camera or the subject moved between them.
SIBLINGS: dict[str, dict[str, float]] = {
    "panned 20%": {"dx": 0.2},
    "panned -25%": {"dx": -0.25},
    "zoomed 1.4x": {"zoom": 1.4},
    "subject walked off": {"subject_at": 0.9},
}


@dataclass(frozen=True)
class Sample:
    """One file's hotpreview, which photo it shows (``scene``, ``photo``) and how it came to be."""

    scene: int
    photo: str
    kind: str
    hotpreview: bytes

    def same_photo(self, other: Sample) -> bool:
        return (self.scene, self.photo) == (other.scene, other.photo)


def build_set(scenes: int = 6, seed: int = 0) -> list[Sample]:
    """Per scene: the original, each copy of it, and each sibling (distinct photos)."""
    samples = []
    for n in range(scenes):
        scene = Scene(seed * 1000 + n)
        original = scene.shot()
        samples.append(Sample(n, "original", "original", make_hotpreview(jpeg(original))))
        for kind, copy in COPIES.items():
            samples.append(Sample(n, "original", kind, make_hotpreview(copy(original))))
        for kind, framing in SIBLINGS.items():
            samples.append(Sample(n, kind, kind, make_hotpreview(jpeg(scene.shot(**framing)))))
    return samples
