"""The counts the database keeps (db/counts.py) are exactly what counting the photos gives.

PostgreSQL adds a statement's new photos and tags together (statement-level triggers), SQLite row
by row: after batches of many photos, files that bring a date or a position later, edits,
deletions and four importers at once, every kept count equals a count made here from the rows.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine, text

from imalink.db.counts import FACETS, GPS_SCOPE
from tests.api.importing import group, import_concurrently, send
from tests.support.graphql import data
from tests.support.media import distinct_jpegs, exif_blob, sha256

UPDATE = "mutation Edit($h: String!, $i: PhotoUpdateInput!) { updatePhoto(hothash: $h, input: $i) { hothash } }"
DELETE = "mutation($h: String!) { deletePhoto(hothash: $h) }"


def counted_from_rows(engine: Engine) -> tuple[Counter[Any], Counter[Any]]:
    """Photos per (owner, day) and per (owner, facet, key), counted from the photos and tags themselves."""
    with engine.connect() as conn:
        photos = conn.execute(
            text("SELECT id, owner_id, taken_at, camera_make, camera_model, lens_model, rating, gps_latitude FROM photo")
        ).all()
        tags = conn.execute(text("SELECT photo_id, owner_id, tag_key FROM photo_tag")).all()
    days: Counter[Any] = Counter()
    facets: Counter[Any] = Counter()
    positioned = set()
    for photo in photos:
        day = str(photo.taken_at)[:10] if photo.taken_at is not None else None
        has_gps = photo.gps_latitude is not None and -90 <= photo.gps_latitude <= 90
        if day:
            days[(photo.owner_id, day)] += 1
        for scope in ("", GPS_SCOPE) if has_gps else ("",):
            for facet in FACETS:
                if (value := getattr(photo, facet)) is not None:
                    facets[(photo.owner_id, scope + facet, str(value).lower())] += 1
        if has_gps:
            positioned.add(photo.id)
            facets[(photo.owner_id, GPS_SCOPE + ("day" if day else "undated"), day or "")] += 1
    for tag in tags:
        if tag.photo_id in positioned:
            facets[(tag.owner_id, GPS_SCOPE + "tag", tag.tag_key)] += 1
    return days, facets


def kept(engine: Engine) -> tuple[Counter[Any], Counter[Any], list[Any]]:
    with engine.connect() as conn:
        days = Counter({(o, str(d)[:10]): n for o, d, n in conn.execute(text("SELECT owner_id, day, photos FROM photo_day"))})
        rows = conn.execute(text("SELECT owner_id, facet, key, value, photos FROM photo_facet")).all()
    return days, Counter({(r.owner_id, r.facet, r.key): r.photos for r in rows}), rows


def assert_exact(engine: Engine) -> None:
    days, facets, rows = kept(engine)
    assert (days, facets) == counted_from_rows(engine)
    assert all(row.photos > 0 for row in rows), "an emptied count leaves no row behind"
    assert all(row.value.lower() == row.key for row in rows if row.facet != GPS_SCOPE + "day"), "a key is its value, lower-cased"


def library_groups(previews: list[bytes], batch: int) -> list[dict[str, Any]]:
    """Photos of two cameras spelled several ways, three days, some positioned, some undated, tagged in any case."""
    made = []
    for i, preview in enumerate(previews):
        make = ("Canon", "CANON", "canon", "Nikon")[i % 4]
        exif = exif_blob(
            make=make,
            model=f"{make} Model {i % 3}",
            taken=None if i % 5 == 4 else f"2021:06:0{1 + i % 3} 1{i % 10}:00:00",
            gps=(59.9, 10.7) if i % 2 else None,
            lens="EF 50mm" if i % 3 == 0 else None,
        )
        tags = [("Norway", "norway", "NORWAY")[i % 3], f"Batch {batch}"] if i % 4 != 3 else []
        made.append(group(preview, f"IMG_{batch}_{i}.JPG", exif={f"IMG_{batch}_{i}.JPG": exif}, rating=i % 6, tags=tags))
    return made


def test_kept_counts_equal_the_photos_after_batches_later_files_edits_and_deletions(gql, engine):
    previews = distinct_jpegs(40, "kept-counts")
    for batch in range(2):
        result = send(gql, library_groups(previews[batch * 20 : batch * 20 + 20], batch))
        assert result["photosCreated"] == 20 and not result["errors"]
        assert_exact(engine)
    with engine.connect() as conn:  # a count made by a statement of many photos is spelled as its first photo
        spelled = conn.execute(text("SELECT value FROM photo_facet WHERE facet = 'camera_make' AND key = 'canon'")).scalar_one()
    assert spelled == "Canon"

    # An undated, unpositioned photo's RAW brings a date and a position; a dated one's brings a lens.
    undated = previews[4]  # i = 4: no date, no position
    send(gql, [
        group(undated, "IMG_0_4.JPG", "IMG_0_4.CR2", exif={"IMG_0_4.CR2": exif_blob(make="Nikon", gps=(-33.9, 151.2))}),
        group(previews[1], "IMG_0_1.JPG", "IMG_0_1.CR2", exif={"IMG_0_1.CR2": exif_blob(lens="RF 24-70mm")}),
    ])
    assert_exact(engine)

    data(gql.execute(UPDATE, {"h": sha256(previews[1]), "i": {"rating": 5, "tags": ["Fjord", "norway"]}}))
    data(gql.execute(UPDATE, {"h": sha256(previews[3]), "i": {"tags": ["Summer"]}}))
    data(gql.execute(UPDATE, {"h": sha256(previews[5]), "i": {"tags": []}}))
    assert_exact(engine)

    for preview in previews[1:12:2] + [undated, previews[20]]:  # positioned, tagged, undated, the last batch's first
        assert data(gql.execute(DELETE, {"h": sha256(preview)}))["deletePhoto"] is True
    assert_exact(engine)

    for preview in previews:  # everything: nothing kept
        gql.execute(DELETE, {"h": sha256(preview)})
    assert kept(engine)[:2] == (Counter(), Counter())


def test_kept_counts_equal_the_photos_after_four_importers_at_once(database_url, engine):
    previews = distinct_jpegs(48, "kept-concurrent")

    def batches(n: int) -> list[list[dict[str, Any]]]:
        # Each importer sends its own photos, and photos another importer sends too (a shared
        # photo is one photo, counted once), all of the same cameras and days.
        own = library_groups(previews[n * 8 : n * 8 + 8], n)
        shared = library_groups(previews[32 + 4 * (n % 2) : 40 + 4 * (n % 2)], 9)
        return [own[:4] + shared[:4], own[4:] + shared[4:]]

    outcomes = import_concurrently(database_url, batches)
    assert sum(outcome["photosCreated"] for outcome in outcomes) == 44
    assert_exact(engine)
