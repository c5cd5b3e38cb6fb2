"""Photo folders the browser tests import, and what the CLI's own code says about them.

The expectations come from the reference client's functions (importer.scan/grouping/
exif_extract) run on the very same files, so the browser's JavaScript is checked against the
CLI's rules, not against numbers written down here.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from imalink.importer.exif_extract import extract_exif
from imalink.importer.grouping import iter_groups
from imalink.importer.scan import file_kind, iter_folders
from tests.importer.photo_builders import raw_bytes
from tests.support.media import exif_blob


def picture(size: tuple[int, int], seed: int) -> Image.Image:
    """A picture with some structure (so previews differ and JPEGs are realistic)."""
    img = Image.new("RGB", size, ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256))
    draw = ImageDraw.Draw(img)
    w, h = size
    for i in range(6):
        x0, y0 = (seed * 13 + i * w // 7) % w, (seed * 29 + i * h // 5) % h
        draw.ellipse((x0, y0, x0 + w // 4, y0 + h // 4), fill=((i * 70 + seed) % 256, (i * 30) % 256, (255 - i * 40) % 256))
    draw.rectangle((0, 0, w // 2, h // 10), fill=(250, 250, 250))  # marks "up"
    return img


def write_jpeg(path: Path, size: tuple[int, int], seed: int, *, exif: bytes | None = None, quality: int = 90) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    kwargs = {"quality": quality}
    if exif is not None:
        kwargs["exif"] = exif
    picture(size, seed).save(buf, "JPEG", **kwargs)
    path.write_bytes(buf.getvalue())
    return path


def write_raw(path: Path, seed: int, **options: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    picture((320, 240), seed).save(buf, "JPEG", quality=90)
    data, _ = raw_bytes(preview=buf.getvalue(), **options)  # type: ignore[arg-type]
    path.write_bytes(data)
    return path


def holiday_folder(root: Path) -> Path:
    """A small library: RAW+JPEG pairs, a RAW alone, the same name in two folders, a stem that only
    full case folding joins (Straße / STRASSE), a corrupt JPEG, and files that are not imported."""
    base = root / "Holiday"
    write_jpeg(base / "IMG_0001.JPG", (640, 480), 1, exif=exif_blob(taken="2023:06:01 12:30:45", orientation=6, gps=(64.1466, -21.9426), lens="EF 24-70mm f/2.8L"))
    write_raw(base / "img_0001.cr2", 1, orientation=6, taken="2023:06:01 12:30:45")
    write_jpeg(base / "IMG_0002.jpeg", (500, 300), 2, exif=exif_blob(make="NIKON CORPORATION", model="NIKON D850", taken="2023:05:10 08:00:00"))
    write_jpeg(base / "day2" / "IMG_0001.jpg", (300, 300), 3, exif=exif_blob(taken="2022:12:24 18:00:00"))
    write_raw(base / "day2" / "DSC_0001.NEF", 4, make="NIKON CORPORATION", model="D850", preview_in="subifd", orientation=8, taken="2022:12:25 09:15:00")
    write_jpeg(base / "day2" / "Straße.JPG", (400, 300), 5, exif=exif_blob(taken="2021:08:15 10:00:00"))
    write_raw(base / "day2" / "STRASSE.ARW", 5, make="SONY", model="ILCE-7M3", taken="2021:08:15 10:00:00")
    write_jpeg(base / "day2" / "no_exif.jpg", (200, 150), 6)
    (base / "day2" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    (base / "notes.txt").write_bytes(b"not a photo")
    write_jpeg(base / ".IMG_9999.JPG", (100, 100), 7)
    write_jpeg(base / ".thumbnails" / "IMG_0001.JPG", (100, 100), 8)
    return base


def many_jpegs(root: Path, count: int, size: tuple[int, int] = (1600, 1200), quality: int = 92) -> Path:
    """``count`` JPEGs in one folder, a day apart from 1 January 2020 on (spread over months)."""
    base = root / "Many"
    for i in range(count):
        day = i % 28 + 1
        month = (i // 28) % 12 + 1
        taken = f"{2020 + i // 336}:{month:02d}:{day:02d} 12:00:00"
        write_jpeg(base / f"IMG_{i:04d}.JPG", size, i + 100, exif=exif_blob(taken=taken), quality=quality)
    return base


@dataclass(frozen=True)
class ExpectedFile:
    """One file as the CLI sees it."""

    path: str  # relative to the chosen folder, "/"-separated
    group: int
    content_hash: str
    exif_sha256: str | None
    exif: bytes | None


def cli_view(folder: Path) -> list[ExpectedFile]:
    """Every photo file the CLI imports from ``folder``, with its group and its hashes."""
    out = []
    for index, group in enumerate(iter_groups(iter_folders([folder]))):
        for f in group.files:
            exif = extract_exif(f.path, file_kind(f.name) or "").data
            out.append(ExpectedFile(
                path=Path(os.path.relpath(f.path, folder)).as_posix(),
                group=index,
                content_hash=hashlib.sha256(Path(f.path).read_bytes()).hexdigest(),
                exif_sha256=hashlib.sha256(exif).hexdigest() if exif is not None else None,
                exif=exif,
            ))
    return out


def seed_library(base_url: str, count: int, *, start_year: int = 2015, per_day: int = 3, days_apart: int = 1,
                 first: int = 0) -> list[str]:
    """``count`` photos sent straight to the API (as any client would), a few per day over the
    years from ``start_year`` (``per_day`` a day, every ``days_apart`` days; 336 days make a year
    here); a tenth of them without a date. ``first`` numbers the photos of a second call after
    the first call's, so that none repeats one. Returns their hothashes."""
    import base64

    from tests.support.graphql import HttpGraphQL, data

    gql = HttpGraphQL(base_url)
    session = data(gql.execute('mutation { createImportSession(input: {storageDirectory: "seed"}) { id } }'))["createImportSession"]["id"]
    hothashes: list[str] = []
    batch: list[dict[str, object]] = []
    for i in range(first, first + count):
        buf = io.BytesIO()
        Image.new("RGB", (40, 30), ((i * 53) % 256, (i * 97) % 256, (i * 31) % 256)).save(buf, "JPEG", quality=80, comment=f"seed-{i}".encode())
        preview = buf.getvalue()
        hothashes.append(hashlib.sha256(preview).hexdigest())
        day = (i - first) // per_day * days_apart
        taken = None if i % 10 == 9 else f"{start_year + day // 336}:{(day // 28) % 12 + 1:02d}:{day % 28 + 1:02d} {10 + i % 3}:{i % 60:02d}:00"
        make, model = [("Canon", "EOS R5"), ("NIKON CORPORATION", "NIKON D850"), ("SONY", "ILCE-7M3")][i % 3]
        exif = exif_blob(make=make, model=model, taken=taken, gps=(60 + i % 7, 10 + i % 11) if i % 4 == 0 else None)
        batch.append({"hotpreview": base64.b64encode(preview).decode(), "width": 4000, "height": 3000,
                      "images": [{"filename": f"IMG_{i:05d}.JPG", "exifData": base64.b64encode(exif).decode()}]})
        if len(batch) == 500 or i == first + count - 1:
            result = data(gql.execute("mutation($input: BatchImportInput!) { importBatch(input: $input) { photosCreated } }",
                                      {"input": {"importSessionId": session, "photoGroups": batch}}))
            assert result["importBatch"]["photosCreated"] == len(batch)
            batch = []
    return hothashes
