"""A generated library (benchmarks/library.py) for the browsing tests, and a brute-force reference.

The library is written once per test module and backend. ``Reference`` holds every photo of the
owner as plain Python values read straight from the tables, and answers filters, buckets,
clusters and facets by looping over them: an implementation independent of the SQL under test.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

from benchmarks.library import LibrarySpec, build
from imalink.db.engine import make_engine
from imalink.db.filters import BoundingBox
from imalink.db.migrate import upgrade_to_head
from imalink.db.tables import LOCAL_OWNER_ID, user_t
from tests.support.databases import POSTGRES_ENV, TABLES

OTHER_OWNER = 2
LIBRARY = LibrarySpec(photos=3000, seed=7, photos_per_session=150)
OTHER_LIBRARY = LibrarySpec(photos=300, seed=99, photos_per_session=150)


def library_database(backend: str, folder: Path) -> tuple[str, Engine]:
    """A migrated database holding the test library for the local owner and a small one for another user."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'library.db'}"
        engine = make_engine(url)
        upgrade_to_head(engine)
    else:
        url = os.environ[POSTGRES_ENV]
        engine = make_engine(url)
        upgrade_to_head(engine)
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE " + ", ".join(TABLES) + " RESTART IDENTITY CASCADE"))
            conn.execute(text("DELETE FROM app_user WHERE id <> :local"), {"local": LOCAL_OWNER_ID})
    with engine.begin() as conn:
        conn.execute(insert(user_t).values(id=OTHER_OWNER, username="other", is_admin=False, created_at=datetime.now(UTC)))
        if backend != "sqlite":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('app_user', 'id'), :n)"), {"n": OTHER_OWNER})
    build(engine, LIBRARY)
    build(engine, OTHER_LIBRARY, owner_id=OTHER_OWNER)
    return url, engine


@dataclass
class Photo:
    id: int
    hothash: str
    taken_at: datetime | None
    make: str | None
    model: str | None
    lens: str | None
    lat: float | None
    lon: float | None
    rating: int
    favorite: bool
    iso: int | None
    aperture: float | None
    focal: float | None
    session: int | None
    tags: list[str]
    text: str


class Reference:
    """Every photo of one owner, and brute-force answers over them."""

    def __init__(self, engine: Engine, owner_id: int = LOCAL_OWNER_ID) -> None:
        with engine.connect() as conn:
            tags: dict[int, list[str]] = {}
            for photo_id, tag in conn.execute(
                text("SELECT photo_id, tag FROM photo_tag WHERE owner_id = :o ORDER BY photo_id, position"), {"o": owner_id}
            ):
                tags.setdefault(photo_id, []).append(tag)
            names: dict[int, list[str]] = {}
            for photo_id, name in conn.execute(
                text("SELECT photo_id, filename FROM image WHERE owner_id = :o ORDER BY id"), {"o": owner_id}
            ):
                names.setdefault(photo_id, []).append(name)
            rows = conn.execute(text(
                "SELECT id, hothash, taken_at, camera_make, camera_model, lens_model, gps_latitude, gps_longitude,"
                " rating, favorite, iso, aperture, focal_length, import_session_id, title, description"
                " FROM photo WHERE owner_id = :o"), {"o": owner_id}).all()
        self.photos = []
        for r in rows:
            taken = r.taken_at if isinstance(r.taken_at, datetime) or r.taken_at is None else datetime.fromisoformat(r.taken_at)
            words = [r.title, r.description, *tags.get(r.id, []), *names.get(r.id, [])]
            self.photos.append(Photo(
                r.id, r.hothash, taken, r.camera_make, r.camera_model, r.lens_model, r.gps_latitude, r.gps_longitude,
                r.rating, bool(r.favorite), r.iso, r.aperture, r.focal_length, r.import_session_id,
                tags.get(r.id, []), "\n".join(w for w in words if w).lower(),
            ))

    def matching(self, filter_: dict[str, Any]) -> list[Photo]:
        return [p for p in self.photos if matches(p, filter_)]

    def order(self, photos: list[Photo], order: str = "TAKEN_AT_DESC") -> list[str]:
        """Hothashes in the listing's order (undated last in either capture-time order)."""
        if order == "CREATED_AT_DESC":
            return [p.hothash for p in sorted(photos, key=lambda p: -p.id)]
        dated = sorted((p for p in photos if p.taken_at), key=lambda p: (p.taken_at, p.id), reverse=order == "TAKEN_AT_DESC")
        undated = sorted((p for p in photos if not p.taken_at), key=lambda p: p.id, reverse=order == "TAKEN_AT_DESC")
        return [p.hothash for p in dated + undated]

    def buckets(self, filter_: dict[str, Any], granularity: str) -> dict[str, int]:
        width = {"YEAR": 4, "MONTH": 7, "DAY": 10}[granularity]
        return dict(Counter(p.taken_at.date().isoformat()[:width] for p in self.matching(filter_) if p.taken_at))

    def cells(self, filter_: dict[str, Any], side: float, box: BoundingBox) -> Counter[tuple[int, int]]:
        """Photos inside ``box`` per map cell of ``side`` degrees (square cells from -180, -180)."""
        inside = self.matching({**filter_, "bbox": vars_of(box)})
        return Counter(cell_of(p, side) for p in inside)

    def facet(self, filter_: dict[str, Any], value: Any) -> Counter[Any]:
        counted: Counter[Any] = Counter()
        for p in self.matching(filter_):
            for v in value(p):
                counted[v] += 1
        return counted


def cell_of(p: Photo, side: float) -> tuple[int, int]:
    return math.floor((p.lon + 180) / side), math.floor((p.lat + 180) / side)


def vars_of(box: BoundingBox) -> dict[str, float]:
    return {"south": box.south, "west": box.west, "north": box.north, "east": box.east}


def _in_range(value: float | None, bounds: dict[str, float] | None) -> bool:
    if bounds is None:
        return True
    if value is None:
        return False
    low, high = bounds.get("min"), bounds.get("max")
    return (low is None or value >= low) and (high is None or value <= high)


def matches(p: Photo, f: dict[str, Any]) -> bool:
    """The filter's meaning, written out in Python (README's filter list)."""
    if "takenAfter" in f and not (p.taken_at and p.taken_at >= datetime.fromisoformat(f["takenAfter"])):
        return False
    if "takenBefore" in f and not (p.taken_at and p.taken_at < datetime.fromisoformat(f["takenBefore"])):
        return False
    if "hasTakenAt" in f and (p.taken_at is not None) != f["hasTakenAt"]:
        return False
    for key, value in (("cameraMake", p.make), ("cameraModel", p.model), ("lensModel", p.lens)):
        if key in f and (value or "").lower() != f[key].lower():
            return False
    if "hasGps" in f and (p.lat is not None) != f["hasGps"]:
        return False
    if "bbox" in f:
        b = f["bbox"]
        if p.lat is None or not b["south"] <= p.lat <= b["north"]:
            return False
        inside = b["west"] <= p.lon <= b["east"] if b["west"] <= b["east"] else (p.lon >= b["west"] or p.lon <= b["east"])
        if not inside:
            return False
    if "tags" in f and not {t.lower() for t in f["tags"]} <= {t.lower() for t in p.tags}:
        return False
    if "minRating" in f and p.rating < f["minRating"]:
        return False
    if not _in_range(p.rating, f.get("rating")) or not _in_range(p.iso, f.get("iso")):
        return False
    if not _in_range(p.aperture, f.get("aperture")) or not _in_range(p.focal, f.get("focalLength")):
        return False
    if "favorite" in f and p.favorite != f["favorite"]:
        return False
    if "importSessionId" in f and p.session != f["importSessionId"]:
        return False
    if "search" in f and not all(term.lower() in p.text for term in f["search"].split()):
        return False
    return True


def day(value: str) -> date:
    return date.fromisoformat(value[:10])
