"""A generated photo library with a realistic skew, written straight into the tables in bulk.

Used by ``browse_bench.py`` (1,000,000 photos in minutes) and by the tests (a few thousand photos,
the same library on SQLite and PostgreSQL). The same seed always gives the same library.

What it holds, per photo (``LibrarySpec`` has the knobs):
- capture times over 2000-2025, more photos in later years, in bursts (one import session is one
  outing of a few days); about 2.5 % undated;
- cameras with a long tail (Zipf over ~400 models of ~30 makes, make spelling as EXIF writes it),
  plus ``RARE_MODEL`` on exactly ten photos; lenses on ~70 %;
- a third geotagged, scattered around 60 places (some on either side of the 180th meridian), plus
  three photos alone in ``LONELY_BOX``;
- ~4 % tagged (1-3 of 300 tags, Zipf, spellings vary in case), ``RARE_TAG`` on exactly three;
  titles on ~5 % (``RARE_WORD`` in five of them), ratings, ~3 % favourites;
- one or two files each (JPEG, or JPEG + RAW: 1.5 images per photo), with real EXIF bytes from the
  corpus when it is there (else piexif-made), a real ~5 KB hotpreview JPEG.

How it is written: rows are generated in Python and sent in chunks of 20,000 into the migrated
schema. SQLite: ``executemany`` in one transaction on a connection with no journal, no fsync and a
2 GB page cache, indexes and the FTS triggers in place (re-creating an index would read every
photo row, hotpreview pages included). PostgreSQL: ``COPY ... FROM STDIN`` with the secondary
indexes dropped first and re-created from their own DDL afterwards (the heap holds no previews:
they are TOASTed) and the per-day counts made in one statement instead of a trigger call per row,
then VACUUM ANALYZE. SQLite's statistics are gathered at the end too. The hothash of a generated photo is
the SHA-256 of its number, not of its preview (previews are drawn from a pool of 64 real JPEGs).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import math
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from imalink.db.counts import recount
from imalink.db.geo import geo_cell
from imalink.db.search import search_text
from imalink.db.tables import LOCAL_OWNER_ID

RARE_MODEL = ("Leica Camera AG", "LEICA M11 Monochrom")
RARE_TAG = "Kittiwake"
RARE_WORD = "zanzibar"
LONELY_BOX = (-54.5, 3.2, -54.3, 3.5)
"""south, west, north, east: around Bouvet Island; exactly three photos inside."""
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "exif-corpus"
CHUNK = 20_000

MAKES = [
    "Canon", "NIKON CORPORATION", "SONY", "FUJIFILM", "Apple", "OLYMPUS IMAGING CORP.", "Panasonic",
    "samsung", "Google", "RICOH IMAGING COMPANY, LTD.", "PENTAX", "Leica Camera AG", "HUAWEI", "Xiaomi",
    "OnePlus", "SIGMA", "Hasselblad", "DJI", "GoPro", "KODAK", "Minolta Co., Ltd.", "CASIO COMPUTER CO.,LTD.",
    "Phase One", "Nokia", "Motorola", "LG Electronics", "HTC", "OM Digital Solutions", "Blackmagic", "Zeiss",
]
RAW_EXTENSION = {"Canon": "CR2", "NIKON CORPORATION": "NEF", "SONY": "ARW", "FUJIFILM": "RAF", "OLYMPUS IMAGING CORP.": "ORF",
                 "Panasonic": "RW2", "PENTAX": "PEF", "Leica Camera AG": "DNG", "Hasselblad": "3FR"}
PLACES = [  # (latitude, longitude, spread in degrees)
    (59.91, 10.75, 0.2), (60.39, 5.32, 0.3), (69.65, 18.96, 0.5), (48.86, 2.35, 0.1), (51.51, -0.13, 0.1),
    (41.90, 12.50, 0.2), (40.42, -3.70, 0.3), (52.52, 13.40, 0.2), (55.68, 12.57, 0.1), (64.15, -21.94, 1.5),
    (40.71, -74.01, 0.2), (37.77, -122.42, 0.3), (34.05, -118.24, 0.5), (35.68, 139.69, 0.3), (22.32, 114.17, 0.1),
    (-33.87, 151.21, 0.3), (-36.85, 174.76, 0.4), (-17.71, 178.07, 0.6), (-16.50, -179.90, 0.3), (65.0, -179.4, 0.5),
    (-22.91, -43.17, 0.2), (-34.60, -58.38, 0.2), (19.43, -99.13, 0.3), (1.35, 103.82, 0.1), (13.75, 100.50, 0.2),
    (28.61, 77.21, 0.4), (25.20, 55.27, 0.2), (30.04, 31.24, 0.2), (-1.29, 36.82, 0.3), (-33.92, 18.42, 0.3),
    (47.37, 8.54, 0.5), (46.02, 7.75, 0.3), (45.44, 12.32, 0.1), (43.77, 11.26, 0.2), (37.98, 23.73, 0.3),
    (41.01, 28.98, 0.2), (50.08, 14.44, 0.1), (47.50, 19.04, 0.1), (59.33, 18.07, 0.2), (60.17, 24.94, 0.2),
    (78.22, 15.65, 1.0), (-77.85, 166.67, 0.5), (27.99, 86.93, 0.5), (-13.16, -72.55, 0.2), (36.11, -112.11, 0.6),
    (44.43, -110.59, 0.7), (21.31, -157.86, 0.4), (-8.34, 115.09, 0.4), (9.75, -83.75, 1.0), (18.22, -66.59, 0.5),
    (57.15, -2.09, 0.5), (53.35, -6.26, 0.2), (38.72, -9.14, 0.2), (39.47, -0.38, 0.2), (52.37, 4.90, 0.1),
    (50.85, 4.35, 0.1), (48.21, 16.37, 0.1), (45.76, 4.84, 0.2), (43.30, 5.37, 0.2), (61.22, -149.90, 1.0),
]
TAG_WORDS = [
    "family", "holiday", "beach", "mountains", "snow", "birthday", "christmas", "wedding", "dog", "cat", "garden",
    "sunset", "sunrise", "city", "architecture", "food", "friends", "hiking", "skiing", "sailing", "forest", "lake",
    "river", "bridge", "museum", "concert", "festival", "school", "work", "portrait", "macro", "flowers", "birds",
    "wildlife", "night", "stars", "aurora", "rain", "fog", "autumn", "spring", "summer", "winter", "car", "train",
    "plane", "boat", "bicycle", "market", "church", "castle", "island", "desert", "canyon", "waterfall", "glacier",
]
TITLE_WORDS = ["Morning", "walk", "Evening", "light", "Old", "town", "View", "from", "the", "top", "Harbour", "at", "dusk",
               "First", "snow", "Blue", "hour", "Quiet", "street", "Long", "road", "home", "Summer", "house", "By", "sea"]


@dataclass(frozen=True)
class LibrarySpec:
    photos: int
    seed: int = 12
    undated_share: float = 0.025
    geotagged_share: float = 1 / 3
    tagged_share: float = 0.04
    title_share: float = 0.05
    favorite_share: float = 0.03
    raw_share: float = 0.5
    photos_per_session: int = 1000


@dataclass
class BuildReport:
    photos: int
    images: int
    tags: int
    seconds_generate_write: float
    seconds_indexes: float
    seconds_statistics: float

    @property
    def seconds(self) -> float:
        return self.seconds_generate_write + self.seconds_indexes + self.seconds_statistics


def _zipf_weights(n: int, s: float = 1.1) -> list[float]:
    """Cumulative Zipf weights (``random.choices(cum_weights=...)`` then costs a bisection)."""
    return list(itertools.accumulate(1 / (k**s) for k in range(1, n + 1)))


def _cameras(rng: random.Random) -> list[tuple[str, str]]:
    cameras = []
    for make in MAKES:
        for k in range(rng.randint(3, 25)):
            cameras.append((make, f"{make.split()[0].title()} Model {chr(65 + k % 26)}{100 + 7 * k}"))
    rng.shuffle(cameras)
    return cameras


def _previews(count: int = 64) -> list[bytes]:
    from PIL import Image, ImageDraw

    previews = []
    for k in range(count):
        image = Image.new("RGB", (150, 100), ((k * 37) % 256, (k * 91) % 256, (k * 53) % 256))
        draw = ImageDraw.Draw(image)
        for j in range(40):  # some detail, so the JPEG is a realistic ~5 KB
            x, y = (j * 29 + k * 13) % 150, (j * 17 + k * 7) % 100
            draw.ellipse((x, y, x + 18, y + 12), fill=((j * 61) % 256, (k * 23 + j) % 256, (j * 7) % 256))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=88)
        previews.append(buffer.getvalue())
    return previews


def _exif_pool() -> list[bytes]:
    """Real camera EXIF from the corpus (blobs up to 6 KB, keeping the library's size in reach), else piexif's."""
    if CORPUS.is_dir():
        blobs = [p.read_bytes() for p in sorted(CORPUS.glob("*.exif"))]
        small = [b for b in blobs if len(b) <= 6144]
        if small:
            return small
    import piexif

    return [
        piexif.dump({"0th": {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: b"Model"}, "Exif": {}})
        for make in MAKES
    ]


def generate(spec: LibrarySpec, owner_id: int = LOCAL_OWNER_ID, start_id: int = 1) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], list[str]]]:
    """(photo row, image rows, tags) for every photo, deterministic for ``spec``."""
    rng = random.Random(spec.seed)
    cameras = _cameras(rng)
    camera_weights = _zipf_weights(len(cameras))
    lenses = [f"{w} {f}mm F{a}" for w in ("EF", "RF", "FE", "XF", "Z", "M.Zuiko", "Summilux")
              for f, a in ((24, "1.4"), (35, "2"), (50, "1.8"), (85, "1.4"), (24 - 0, "2.8"), (70, "4"), (100, "2.8"), (16, "4"))]
    lenses += [f"Zoom {a}-{b}mm" for a, b in ((18, 55), (24, 70), (24, 105), (70, 200), (100, 400), (150, 600), (12, 24), (14, 30))]
    lens_weights = _zipf_weights(len(lenses))
    tag_names = [f"{w}" for w in TAG_WORDS] + [f"{w} {y}" for w in ("trip", "holiday", "summer") for y in range(2000, 2026)]
    tag_names += [f"project-{k}" for k in range(300 - len(tag_names))]
    tag_weights = _zipf_weights(len(tag_names), 1.0)
    previews = _previews()
    exif = _exif_pool()
    span_days = (datetime(2025, 12, 31) - datetime(2000, 1, 1)).days

    n = spec.photos
    # Chosen photos carry the rare camera, tag and word and sit in the lonely box.
    picker = random.Random(spec.seed + 1)
    special = picker.sample(range(n), min(n, 10 + 3 + 5 + 3))
    rare_camera, rare_tag = set(special[:10]), set(special[10:13])
    rare_word, lonely = set(special[13:18]), special[18:21]
    sessions = max(1, math.ceil(n / spec.photos_per_session))
    created = datetime(2026, 1, 1, tzinfo=UTC)
    for session in range(sessions):
        # One outing: a start day (later years more likely) and a few days long.
        day = int(span_days * (rng.random() ** 0.6))
        outing = datetime(2000, 1, 1) + timedelta(days=day, hours=rng.randint(6, 12))
        length = timedelta(days=rng.choice((1, 1, 2, 3, 5, 10)))
        place = rng.choice(PLACES) if rng.random() < 0.6 else None
        camera = rng.choices(cameras, cum_weights=camera_weights)[0]
        for i in range(session * spec.photos_per_session, min(n, (session + 1) * spec.photos_per_session)):
            photo_id = start_id + i
            make, model = camera if rng.random() < 0.8 else rng.choices(cameras, cum_weights=camera_weights)[0]
            if i in rare_camera:
                make, model = RARE_MODEL
            taken = None if rng.random() < spec.undated_share else outing + length * rng.random()
            lat = lon = None
            if i in lonely:
                lat, lon = LONELY_BOX[0] + 0.05 + 0.05 * lonely.index(i), LONELY_BOX[1] + 0.1
            elif rng.random() < spec.geotagged_share:
                base = place or rng.choice(PLACES)
                lat = max(-89.9, min(89.9, rng.gauss(base[0], base[2])))
                lon = (rng.gauss(base[1], base[2]) + 180) % 360 - 180
                if LONELY_BOX[0] <= lat <= LONELY_BOX[2] and LONELY_BOX[1] <= lon <= LONELY_BOX[3]:
                    lat = 0.5  # keep the lonely box to its three photos
            tags: list[str] = []
            if rng.random() < spec.tagged_share:
                for name in rng.choices(tag_names, cum_weights=tag_weights, k=rng.randint(1, 3)):
                    spelled = name.title() if rng.random() < 0.3 else name
                    if spelled.lower() not in {t.lower() for t in tags}:
                        tags.append(spelled)
            if i in rare_tag:
                tags.append(RARE_TAG)
            title = description = None
            if rng.random() < spec.title_share:
                title = " ".join(rng.choices(TITLE_WORDS, k=rng.randint(2, 5)))
            if i in rare_word:
                title = f"Spice market, {RARE_WORD.title()}"
            if rng.random() < spec.title_share / 3:
                description = " ".join(rng.choices(TITLE_WORDS, k=rng.randint(5, 12)))
            ext = RAW_EXTENSION.get(make, "DNG")
            stem = f"{'DSC' if make in ('SONY', 'NIKON CORPORATION') else 'IMG'}_{i:07d}"
            names = [f"{stem}.JPG"] + ([f"{stem}.{ext}"] if rng.random() < spec.raw_share else [])
            rating = rng.choices((0, 1, 2, 3, 4, 5), cum_weights=(70, 75, 81, 89, 96, 100))[0]
            stamp = created + timedelta(seconds=i)
            photo = {
                "id": photo_id,
                "owner_id": owner_id,
                "hothash": hashlib.sha256(f"{spec.seed}:{owner_id}:{i}".encode()).hexdigest(),
                "width": 150,
                "height": 100,
                "taken_at": taken,
                "taken_at_subsec": None,
                "taken_at_offset": rng.choice(("+01:00", "+02:00", "-05:00", None)) if taken else None,
                "taken_at_source": "DateTimeOriginal" if taken else None,
                "gps_latitude": lat,
                "gps_longitude": lon,
                "gps_altitude": round(rng.uniform(0, 2000), 1) if lat is not None else None,
                "geo_cell": geo_cell(lat, lon),
                "camera_make": make,
                "camera_model": model,
                "lens_model": rng.choices(lenses, cum_weights=lens_weights)[0] if rng.random() < 0.7 else None,
                "focal_length": float(rng.choice((14, 18, 24, 28, 35, 50, 70, 85, 105, 135, 200, 300, 400, 600))),
                "aperture": rng.choice((1.4, 1.8, 2.0, 2.8, 4.0, 5.6, 8.0, 11.0, 16.0)),
                "iso": rng.choice((64, 100, 100, 200, 200, 400, 800, 1600, 3200, 6400, 12800)),
                "exposure_time": rng.choice(("1/8000", "1/1000", "1/250", "1/125", "1/60", "1/15", "1/2", "2", "30")),
                "orientation": 1,
                "title": title,
                "description": description,
                "rating": rating,
                "favorite": rng.random() < spec.favorite_share,
                "user_rotation": 0,
                "import_session_id": session + 1,
                "created_at": stamp,
                "updated_at": stamp,
                "search_text": search_text(title, description, tags, names),
                "hotpreview": previews[i % len(previews)],
                # A fingerprint per photo as varied as a real library's (the previews repeat; photos don't).
                "phash": int.from_bytes(hashlib.sha256(f"phash:{spec.seed}:{owner_id}:{i}".encode()).digest()[:8], "big", signed=True),
            }
            images = [
                {
                    "owner_id": owner_id,
                    "photo_id": photo_id,
                    "filename": name,
                    "filename_key": name.lower(),
                    "file_size": (25_000_000 if k else 4_000_000) + i,
                    "content_hash": hashlib.sha256(f"{spec.seed}:{owner_id}:{i}:{k}".encode()).hexdigest(),
                    "exif_data": exif[(i * 7 + k) % len(exif)],
                    "import_session_id": session + 1,
                    "created_at": stamp,
                }
                for k, name in enumerate(names)
            ]
            yield photo, images, tags


SESSION_COLUMNS = ("id", "owner_id", "storage_directory", "description", "status", "started_at", "completed_at",
                   "photos_created", "images_created", "duplicates_skipped", "files_processed", "errors_count")


def build(
    engine: Engine, spec: LibrarySpec, owner_id: int = LOCAL_OWNER_ID, progress: bool = False, analyze: bool = True
) -> BuildReport:
    """Add the library of ``spec`` for ``owner_id`` to ``engine``'s migrated tables (ids continue from the last)."""
    postgres = engine.dialect.name == "postgresql"
    start_photo = start_image = start_session = 1
    with engine.connect() as conn:
        for table, name in (("photo", "photo"), ("image", "image"), ("import_session", "session")):
            nxt = conn.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar_one()
            if name == "photo":
                start_photo = nxt
            elif name == "image":
                start_image = nxt
            else:
                start_session = nxt
    indexes = _secondary_indexes(engine) if postgres else []
    t0 = time.perf_counter()
    if postgres:
        with engine.connect() as conn:
            for name, _ in indexes:
                conn.execute(text(f'DROP INDEX "{name}"'))
            # The day counts are made once at the end instead of by a trigger call per row.
            conn.execute(text("ALTER TABLE photo DISABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE photo_tag DISABLE TRIGGER USER"))
            conn.commit()
        raw = engine.raw_connection()
    else:
        # One writer with no journal: the WAL would hold (and later copy) every byte written.
        engine.dispose()
        raw = sqlite3.connect(engine.url.database, isolation_level=None)
        raw.execute("PRAGMA journal_mode=OFF")
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-2000000")
    try:
        counts = _write(raw, postgres, spec, owner_id, start_photo, start_image, start_session, progress)
    finally:
        if not postgres:
            raw.execute("PRAGMA journal_mode=WAL")
        raw.close()
    t1 = time.perf_counter()
    with engine.connect() as conn:
        for _, ddl in indexes:
            conn.execute(text(ddl))
        if postgres:
            recount(conn)
            conn.execute(text("ALTER TABLE photo ENABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE photo_tag ENABLE TRIGGER USER"))
        conn.commit()
    t2 = time.perf_counter()
    with engine.connect() as conn:
        if not analyze:
            pass
        elif postgres:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
    t3 = time.perf_counter()
    return BuildReport(*counts, t1 - t0, t2 - t1, t3 - t2)


def _secondary_indexes(engine: Engine) -> list[tuple[str, str]]:
    """(name, DDL) of the library's indexes that are not constraints, to drop and re-create."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            rows = conn.execute(text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
                " AND i.tablename IN ('photo', 'image', 'photo_tag')"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"))
        else:
            rows = conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                " AND tbl_name IN ('photo', 'image', 'photo_tag')"))
        return [(name, ddl) for name, ddl in rows]


PHOTO_FIELDS = ("id", "owner_id", "hothash", "width", "height", "taken_at", "taken_at_subsec", "taken_at_offset",
                "taken_at_source", "gps_latitude", "gps_longitude", "gps_altitude", "geo_cell", "camera_make",
                "camera_model", "lens_model", "focal_length", "aperture", "iso", "exposure_time", "orientation", "title", "description",
                "rating", "favorite", "user_rotation", "import_session_id", "created_at", "updated_at", "search_text",
                "hotpreview", "phash")
IMAGE_FIELDS = ("id", "owner_id", "photo_id", "filename", "filename_key", "file_size", "content_hash", "exif_data",
                "import_session_id", "created_at")
TAG_FIELDS = ("photo_id", "tag_key", "owner_id", "tag", "position")


def _write(raw: Any, postgres: bool, spec: LibrarySpec, owner_id: int, start_photo: int, start_image: int,
           start_session: int, progress: bool) -> tuple[int, int, int]:
    sessions = max(1, math.ceil(spec.photos / spec.photos_per_session))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    session_rows = [
        (start_session + s, owner_id, f"Pictures/{2000 + s % 26}/outing-{s}", None, "COMPLETED", now, now,
         min(spec.photos_per_session, spec.photos - s * spec.photos_per_session), 0, 0, 0, 0)
        for s in range(sessions)
    ]
    photos: list[tuple[Any, ...]] = []
    images: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    totals = [0, 0, 0]
    image_id = start_image
    cursor = raw.cursor()
    if not postgres:
        cursor.execute("BEGIN")

    def flush() -> None:
        _put(cursor, postgres, "photo", PHOTO_FIELDS, photos)
        _put(cursor, postgres, "image", IMAGE_FIELDS, images)
        _put(cursor, postgres, "photo_tag", TAG_FIELDS, tags)
        totals[0] += len(photos)
        totals[1] += len(images)
        totals[2] += len(tags)
        photos.clear(), images.clear(), tags.clear()
        if progress:
            print(f"\r  {totals[0]:,} photos written", end="", flush=True)

    _put(cursor, postgres, "import_session", SESSION_COLUMNS, session_rows)
    for photo, image_rows, photo_tags in generate(spec, owner_id, start_photo):
        photo["import_session_id"] += start_session - 1
        photos.append(tuple(photo[f] for f in PHOTO_FIELDS))
        for image in image_rows:
            image["id"] = image_id
            image["import_session_id"] += start_session - 1
            image_id += 1
            images.append(tuple(image[f] for f in IMAGE_FIELDS))
        for position, tag in enumerate(photo_tags):
            tags.append((photo["id"], tag.lower(), owner_id, tag, position))
        if len(photos) >= CHUNK:
            flush()
    flush()
    if progress:
        print()
    if postgres:
        for table in ("photo", "image", "import_session"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    raw.commit()
    return totals[0], totals[1], totals[2]


def _put(cursor: Any, postgres: bool, table: str, fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if postgres:
        with cursor.copy(f"COPY {table} ({', '.join(fields)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in fields)
        cursor.executemany(f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({marks})", rows)


sqlite3.register_adapter(datetime, lambda value: value.replace(tzinfo=None).isoformat(" ", "microseconds"))
"""SQLAlchemy's SQLite DateTime is text "YYYY-MM-DD HH:MM:SS.ffffff" (UTC instants stored naive)."""


__all__ = ["LONELY_BOX", "RARE_MODEL", "RARE_TAG", "RARE_WORD", "LibrarySpec", "build", "generate"]
