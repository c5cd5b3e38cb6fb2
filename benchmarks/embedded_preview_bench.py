"""Precision and recall of the embedded-thumbnail rule (importer/embedded.py) on generated edits.

Each case is a camera-like JPEG (EXIF APP1 first, a 160x120 IFD1 thumbnail made from the
picture) after something a person or a tool may have done to it. The generator knows whether the
thumbnail still shows the picture (the ground truth: it made the thumbnail from the pixels now in
the file, or from pixels since changed). For each case the script reports:

- ``header``: what the header part of the rule decides (layout, shape, size, PixelX/YDimension,
  Software, ModifyDate), per file;
- ``per-file``: what ``imalink import`` did with the per-file checks only (the header rule, dark
  letterbox bands, the top sixteenth of the picture decoded and compared with the thumbnail),
  as when the camera's unedited files came first and its key is already verified;
- ``import``: what ``imalink import`` did in a fresh worker (all of the above plus the full-decode
  check of the first thumbnail of each camera/software), as a folder edited in batch is met;
- ``phash``: whether the hotpreview made from the thumbnail and the one made by decoding are the
  same picture by :func:`importer.embedded.same_picture` (a check of the ground truth).

Precision = thumbnails used that show the picture / thumbnails used; recall = thumbnails used /
thumbnails that show the picture.

    .venv/bin/python benchmarks/embedded_preview_bench.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imalink.importer.embedded import same_picture, thumbnail_of  # noqa: E402
from imalink.importer.grouping import iter_groups  # noqa: E402
from imalink.importer.preview import render_hotpreview  # noqa: E402
from imalink.importer.process import process_groups  # noqa: E402
from imalink.importer.scan import iter_folders  # noqa: E402
from imalink.importer.vectors import exif_payload, picture, pillow_jpeg, thumbnail_jpeg  # noqa: E402

SIZE = (1600, 1200)


def splice(jpeg: bytes, payload: bytes) -> bytes:
    """``jpeg`` (Pillow's layout) with its APP0 replaced by an EXIF APP1: the camera layout."""
    app0_end = 4 + struct.unpack(">H", jpeg[4:6])[0]
    return b"\xff\xd8\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[app0_end:]


def camera(img: Image.Image, *, thumb_of: Image.Image | None = None, **exif: object) -> bytes:
    """A camera file of ``img`` whose thumbnail shows ``thumb_of`` (default: ``img`` itself)."""
    exif.setdefault("pixel_size", img.size)
    payload = exif_payload(thumbnail=thumbnail_jpeg(thumb_of or img), **exif)  # type: ignore[arg-type]
    return splice(pillow_jpeg(img, 90), payload)


def letterboxed_thumbnail(img: Image.Image) -> bytes:
    inner = img.copy()
    inner.thumbnail((160, 120))
    box = Image.new("RGB", (160, 120))
    box.paste(inner, ((160 - inner.width) // 2, (120 - inner.height) // 2))
    return pillow_jpeg(box, 75)


@dataclass
class Case:
    name: str
    same: bool
    """Ground truth: the thumbnail shows the picture now in the file."""
    build: Callable[[int], bytes]


def _cases() -> list[Case]:
    def p(seed: int) -> Image.Image:
        return picture(SIZE, seed)

    def recoloured(seed: int) -> Image.Image:
        return ImageOps.grayscale(p(seed)).convert("RGB")

    def retouched(seed: int) -> Image.Image:
        img = p(seed)
        ImageDraw.Draw(img).rectangle((800, 700, 1500, 1150), fill=(40, 90, 40))  # an object painted out below
        return img

    def cropped(seed: int) -> Image.Image:
        return p(seed).crop((400, 300, 1600, 1200))  # 1200x900: still 4:3

    return [
        Case("camera original", True, lambda s: camera(p(s))),
        Case("camera original, orientation 6", True, lambda s: camera(p(s), orientation=6)),
        Case("metadata edited (tags added, layout kept)", True, lambda s: camera(p(s), iso=800)),
        Case("3:2 DSLR picture, letterboxed 160x120 thumbnail", True,
             lambda s: splice(pillow_jpeg(picture((1500, 1000), s), 90), exif_payload(thumbnail=letterboxed_thumbnail(picture((1500, 1000), s)), pixel_size=(1500, 1000)))),
        Case("rotated by an editor that rewrote the thumbnail", True,
             lambda s: camera(p(s).transpose(Image.Transpose.ROTATE_270), software="Adobe Photoshop 25.0", modified="2024:01:02 03:04:05")),
        Case("resized by a tool that kept the EXIF (stale PixelX/YDimension)", True,
             lambda s: splice(pillow_jpeg(p(s).resize((800, 600)), 90), exif_payload(thumbnail=thumbnail_jpeg(p(s)), pixel_size=SIZE))),
        Case("re-saved by an editor (JFIF first), EXIF copied", False,
             lambda s: pillow_jpeg(recoloured(s), 90, exif=exif_payload(thumbnail=thumbnail_jpeg(p(s)), pixel_size=SIZE))),
        Case("lossless 90-degree rotation, thumbnail and EXIF copied", False,
             lambda s: camera(p(s).transpose(Image.Transpose.ROTATE_270), thumb_of=p(s), pixel_size=(SIZE[1], SIZE[0]))),
        Case("cropped 4:3 to 4:3, EXIF copied (stale PixelX/YDimension)", False,
             lambda s: camera(cropped(s), thumb_of=p(s), pixel_size=SIZE)),
        Case("recoloured, Software names the editor", False,
             lambda s: camera(recoloured(s), thumb_of=p(s), software="GIMP 2.10.36")),
        Case("recoloured in a phone's gallery (ModifyDate updated)", False,
             lambda s: camera(recoloured(s), thumb_of=p(s), modified="2024:02:03 04:05:06")),
        Case("recoloured by a batch tool naming itself (not a known editor)", False,
             lambda s: camera(recoloured(s), thumb_of=p(s), software="BatchTone 3.1")),
        Case("recoloured, EXIF copied verbatim in camera layout", False,
             lambda s: camera(recoloured(s), thumb_of=p(s))),
        Case("cropped 4:3 to 4:3, EXIF copied, no PixelX/YDimension", False,
             lambda s: camera(cropped(s), thumb_of=p(s), pixel_size=None)),
        Case("retouched in the lower half, EXIF copied verbatim in camera layout", False,
             lambda s: camera(retouched(s), thumb_of=p(s))),
    ]


def rule_uses_thumbnail(data: bytes) -> bool:
    return thumbnail_of(data)[0] is not None


def imported_from_thumbnail(folder: Path, *, key_verified: bool) -> list[bool]:
    """Whether each file's hotpreview came from its thumbnail in a real (dry) import of ``folder``."""
    from imalink.importer import process

    process._thumbnails_verified.clear()
    if key_verified:
        process._thumbnails_verified.update(dict.fromkeys(_KEYS, True))
    results = process_groups(iter_groups(iter_folders([folder])), workers=1)
    return [pg.preview.source == "thumbnail" for pg in results if pg.preview]


_KEYS = {(make, model, software) for make, model in (("Canon", "Canon EOS 5D"),) for software in ("", "BatchTone 3.1", "GIMP 2.10.36", "Adobe Photoshop 25.0")}


def phash_agrees(data: bytes) -> bool:
    """The hotpreview from the thumbnail (uncropped) and from decoding show the same picture."""
    from imalink.exif.containers import BytesSource
    from imalink.importer.embedded import exif_facts
    from imalink.importer.exif_extract import jpeg_exif

    payload = jpeg_exif(BytesSource(data))
    facts = exif_facts(payload) if payload else None
    if facts is None or facts.thumbnail is None:
        return False
    start, length = facts.thumbnail
    thumb = payload[6:][start : start + length]  # type: ignore[index]
    from imalink.exif.containers import jpeg_frame
    from imalink.importer.embedded import fit

    _, tw, th = jpeg_frame(BytesSource(thumb))
    _, w, h = jpeg_frame(BytesSource(data))
    crop = fit((tw, th), (w, h))
    a = Image.open(io.BytesIO(render_hotpreview(thumb, orientation=facts.orientation, crop=crop or None).data))
    b = Image.open(io.BytesIO(render_hotpreview(data, orientation=facts.orientation).data))
    if abs(a.width / a.height - b.width / b.height) > 0.05:
        return False
    return same_picture(a, b.resize(a.size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5, help="pictures per case (default 5)")
    args = parser.parse_args()
    cases = _cases()
    rows = []
    totals = {"header": [0, 0, 0], "per-file": [0, 0, 0], "import": [0, 0, 0]}  # used and same, used, same
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases):
            # One folder per case: a folder of files edited alike, as a batch edit leaves them.
            folder = Path(tmp) / f"case{i:02d}"
            folder.mkdir()
            files = []
            for seed in range(args.seeds):
                data = case.build(seed)
                (folder / f"IMG_{seed:04d}.JPG").write_bytes(data)
                files.append(data)
            rule = [rule_uses_thumbnail(d) for d in files]
            agree = [phash_agrees(d) for d in files]
            per_file = imported_from_thumbnail(folder, key_verified=True)
            used = imported_from_thumbnail(folder, key_verified=False)
            for key, verdicts in (("header", rule), ("per-file", per_file), ("import", used)):
                for v in verdicts:
                    totals[key][0] += v and case.same
                    totals[key][1] += v
                    totals[key][2] += case.same
            rows.append((case.name, case.same, sum(rule), sum(per_file), sum(used), sum(agree), len(files)))
    print(f"{'case':64} {'same':>4} {'header':>7} {'per-file':>8} {'import':>7} {'phash':>6}")
    for name, same, rule_n, file_n, used_n, agree_n, n in rows:
        print(f"{name:64} {'yes' if same else 'no':>4} {rule_n:>4}/{n:<2} {file_n:>5}/{n:<2} {used_n:>4}/{n:<2} {agree_n:>3}/{n:<2}")
    print("(header/per-file/import: files whose hotpreview comes from the thumbnail; phash: thumbnail and decode agree)")
    for key, (tp, used, same) in totals.items():
        precision = tp / used if used else float("nan")
        recall = tp / same if same else float("nan")
        print(f"{key:8}: precision {precision:.3f} ({tp}/{used}), recall {recall:.3f} ({tp}/{same})")


if __name__ == "__main__":
    main()
