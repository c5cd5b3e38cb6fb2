"""The counts the database keeps (db/counts.py) are exactly what counting the photos gives.

PostgreSQL adds a statement's new photos and tags together (statement-level triggers), SQLite row
by row: after batches of many photos, files that bring a date or a position later, edits,
deletions and four importers at once, every kept count equals a count made here from the rows.
"""

from __future__ import annotations

import contextlib
import math
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine, text

from imalink.db import counts, geo
from imalink.db import browse
from imalink.db.browse import map_level, plain_boxes
from imalink.db.filters import BoundingBox, PhotoFilterSpec
from imalink.db.counts import CELL_FACETS, CELL_TAG, CELL_YEAR, FACETS, GPS_SCOPE
from imalink.db.range_counts import DAY, PHOTO_FACETS, RANGES, TAG
from tests.api.importing import group, import_concurrently, send
from tests.support.graphql import data
from tests.support.media import distinct_jpegs, exif_blob, sha256

UPDATE = "mutation Edit($h: String!, $i: PhotoUpdateInput!) { updatePhoto(hothash: $h, input: $i) { hothash } }"
DELETE = "mutation($h: String!) { deletePhoto(hothash: $h) }"
MAP = """query($f: PhotoFilter, $b: BoundingBoxInput!, $z: Int!) {
  photoMap(filter: $f, bbox: $b, zoom: $z) { clusters { count latitude longitude hothash bounds { south west north east } } }
}"""
WORLD = {"south": -90, "west": -180, "north": 90, "east": 180}


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


def cells_from_rows(engine: Engine) -> dict[Any, list[Any]]:
    """Per (owner, facet, key, kept map cell): [photos, latitude sum, longitude sum, south, west,
    north, east, newest id] of the positioned photos, from the photos themselves."""
    with engine.connect() as conn:
        photos = conn.execute(
            text("SELECT id, owner_id, geo_cell, gps_latitude AS lat, gps_longitude AS lon, camera_make, camera_model, lens_model, rating,"
                 " taken_at"
                 " FROM photo WHERE geo_cell IS NOT NULL AND gps_latitude BETWEEN -90 AND 90 AND gps_longitude BETWEEN -180 AND 180")
        ).all()
        tags = conn.execute(text("SELECT photo_id, tag_key FROM photo_tag")).all()
    positioned = {p.id: p for p in photos}
    cells: dict[Any, list[Any]] = {}

    def add(p: Any, facet: str, key: str) -> None:
        found = cells.setdefault((p.owner_id, facet, key, p.geo_cell >> geo.KEPT_SHIFT), [0, 0.0, 0.0, p.lat, p.lon, p.lat, p.lon, p.id])
        found[0] += 1
        found[1] += p.lat
        found[2] += p.lon
        found[3:] = min(found[3], p.lat), min(found[4], p.lon), max(found[5], p.lat), max(found[6], p.lon), max(found[7], p.id)

    for p in photos:
        for facet in CELL_FACETS:
            if facet == CELL_YEAR:
                value = str(p.taken_at)[:4] if p.taken_at is not None else None
            else:
                value = getattr(p, facet) if facet else ""
            if value is not None:
                add(p, facet, str(value).lower())
    for tag in tags:  # and each tag of a positioned photo, in its photo's cell
        if tag.photo_id in positioned:
            add(positioned[tag.photo_id], CELL_TAG, tag.tag_key)
    return cells


def assert_cells_exact(engine: Engine) -> None:
    """The kept map cells hold the photos' counts and sums; their bounds and newest photo too,
    unless forgotten (null) after a photo on them was taken away."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM photo_cell")).all()
    kept_cells = {(r.owner_id, r.facet, r.key, r.cell): r for r in rows}
    counted = cells_from_rows(engine)
    assert set(kept_cells) == set(counted)
    for key, (photos, latitude_sum, longitude_sum, *bounds) in counted.items():
        row = kept_cells[key]
        assert (row.photos, row.latitude_sum, row.longitude_sum) == (photos, pytest.approx(latitude_sum), pytest.approx(longitude_sum))
        known = [row.south, row.west, row.north, row.east, row.photo_id]
        assert known == bounds or known == [None] * 5, key


def assert_map_exact(gql: Any, engine: Engine) -> None:
    """The map, read from the kept cells (their bounds known or not) and from the photos where a
    box cuts one, equals the clusters made here from the photos."""
    with engine.connect() as conn:
        photos = conn.execute(
            text("SELECT id, hothash, gps_latitude AS lat, gps_longitude AS lon, camera_make, rating FROM photo WHERE geo_cell IS NOT NULL")
        ).all()
    filters = {"none": ({}, lambda p: True), "canon": ({"cameraMake": "CANON"}, lambda p: (p.camera_make or "").lower() == "canon"),
               "rating 3": ({"rating": {"min": 3, "max": 3}}, lambda p: p.rating == 3)}
    cut = {"south": 59.5, "west": 10.0, "north": 61.0, "east": 11.9}  # cuts the kept cells around Oslo
    for filter_, wanted in filters.values():
        for box, zoom in ((WORLD, 0), (WORLD, 2), (cut, 4)):
            side = geo.cell_degrees(map_level(zoom, plain_boxes(BoundingBox(**box))))
            inside = [p for p in photos if wanted(p) and box["south"] <= p.lat <= box["north"] and box["west"] <= p.lon <= box["east"]]
            expected: dict[Any, list[Any]] = {}
            for p in inside:
                expected.setdefault((math.floor((p.lon + 180) / side), math.floor((p.lat + 180) / side)), []).append(p)
            clusters = data(gql.execute(MAP, {"f": filter_, "b": box, "z": zoom}))["photoMap"]["clusters"]
            assert len(clusters) == len(expected), (filter_, box, zoom)
            for cluster in clusters:
                newest = max(next(m for m in expected.values() if any(p.hothash == cluster["hothash"] for p in m)), key=lambda p: p.id)
                members = next(m for m in expected.values() if newest in m)
                assert cluster["hothash"] == newest.hothash and cluster["count"] == len(members)
                assert cluster["bounds"] == {"south": min(p.lat for p in members), "west": min(p.lon for p in members),
                                             "north": max(p.lat for p in members), "east": max(p.lon for p in members)}
                assert cluster["latitude"] == pytest.approx(sum(p.lat for p in members) / len(members))
                assert cluster["longitude"] == pytest.approx(sum(p.lon for p in members) / len(members))
    assert_box_facets_exact(engine)


def assert_box_facets_exact(engine: Engine) -> None:
    """Facets under a map box alone, summed from the kept cells inside it (bounds known or not) and
    counted from the photos of those it cuts, equal those counted here from the photos."""
    with engine.connect() as conn:
        photos = conn.execute(
            text("SELECT owner_id, gps_latitude AS lat, gps_longitude AS lon, camera_make, camera_model, lens_model, rating FROM photo "
                 "WHERE gps_latitude IS NOT NULL")
        ).all()
        owners = {p.owner_id for p in photos}
        boxes = [WORLD, {"south": 59.5, "west": 10.0, "north": 61.0, "east": 11.9},  # cuts the kept cells around Oslo
                 {"south": -40, "west": 150, "north": 60.5, "east": 11}]  # across the 180th meridian: Sydney whole, Oslo cut
        for owner in owners:
            for box in boxes:
                crosses = box["west"] > box["east"]
                inside = [p for p in photos if p.owner_id == owner and box["south"] <= p.lat <= box["north"]
                          and ((p.lon >= box["west"] or p.lon <= box["east"]) if crosses else box["west"] <= p.lon <= box["east"])]
                spec = PhotoFilterSpec(owner, bbox=BoundingBox(**box))
                for column in ("camera_make", "camera_model", "lens_model"):
                    expected = Counter(getattr(p, column).lower() for p in inside if getattr(p, column) is not None)
                    got = {value.lower(): n for value, n in browse.column_facet(conn, spec, column, 500)}
                    assert got == dict(expected), (box, column)
                assert browse.rating_facet(conn, spec) == sorted(Counter(p.rating for p in inside).items()), box


def ranges_from_rows(engine: Engine) -> Counter[Any]:
    """Photos per (owner, range column, value, facet, key), counted from the photos and tags themselves."""
    with engine.connect() as conn:
        photos = conn.execute(
            text("SELECT id, owner_id, taken_at, camera_make, camera_model, lens_model, rating, iso, aperture, focal_length FROM photo")
        ).all()
        tags = conn.execute(text("SELECT photo_id, owner_id, tag_key FROM photo_tag")).all()
    counted: Counter[Any] = Counter()
    by_id = {p.id: p for p in photos}
    for p in photos:
        for column in RANGES:
            at = getattr(p, column)
            if at is None:
                continue
            for facet in PHOTO_FACETS:
                # the day as the timeline counts it, "" for the undated
                value = (str(p.taken_at)[:10] if p.taken_at is not None else "") if facet == DAY else getattr(p, facet)
                if facet != column and value is not None:
                    counted[(p.owner_id, column, float(at), facet, str(value).lower())] += 1
    for t in tags:
        p = by_id[t.photo_id]
        for column in RANGES:
            if getattr(p, column) is not None:
                counted[(t.owner_id, column, float(getattr(p, column)), TAG, t.tag_key)] += 1
    return counted


def kept_ranges(engine: Engine) -> Counter[Any]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT owner_id, by_column, at_value, facet, key, value, photos FROM photo_range_facet")).all()
    assert all(row.photos > 0 for row in rows), "an emptied count leaves no row behind"
    assert all(row.value.lower() == row.key for row in rows), "a key is its value, lower-cased"
    return Counter({(r.owner_id, r.by_column, r.at_value, r.facet, r.key): r.photos for r in rows})


def assert_exact(engine: Engine, gql: Any = None) -> None:
    days, facets, rows = kept(engine)
    assert (days, facets) == counted_from_rows(engine)
    assert kept_ranges(engine) == ranges_from_rows(engine)
    assert_cells_exact(engine)
    if gql is not None:
        assert_map_exact(gql, engine)
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
            gps=(59.9 + i % 7 * 0.3, 10.7 + i % 5 * 0.5) if i % 2 else None,  # over a few kept map cells
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
        assert_exact(engine, gql)
    # Range values as any writer may set them (a script, a later file): some photos get each.
    with engine.begin() as conn:
        conn.execute(text("UPDATE photo SET iso = 100 * (1 + id % 4), aperture = 1.8 + id % 3, focal_length = 50 WHERE id % 5 <> 0"))
    assert_exact(engine, gql)
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
    assert_exact(engine, gql)

    for preview in previews[1:12:2] + [undated, previews[20]]:  # positioned, tagged, undated, the last batch's first
        assert data(gql.execute(DELETE, {"h": sha256(preview)}))["deletePhoto"] is True
    assert_exact(engine, gql)
    with engine.connect() as conn:  # the deletions took away photos on some cells' bounds, not on all
        forgotten = conn.execute(text("SELECT count(*) FILTER (WHERE photo_id IS NULL), count(*) FROM photo_cell")).one()
    assert 0 < forgotten[0] < forgotten[1]

    for preview in previews:  # everything: nothing kept
        gql.execute(DELETE, {"h": sha256(preview)})
    assert kept(engine)[:2] == (Counter(), Counter())
    assert kept_ranges(engine) == Counter()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM photo_cell")).scalar_one() == 0


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


FACETS_QUERY = """query($f: PhotoFilter) { photoFacets(filter: $f) {
  cameraMakes(first: 500) { value count } cameraModels(first: 500) { value count } lensModels(first: 500) { value count }
  tags(first: 500) { value count } years { year count } ratings { rating count } } }"""
TIMELINE = "query($f: PhotoFilter) { photoTimeline(filter: $f, granularity: DAY) { undatedCount buckets { start count } } }"


def assert_facets_exact(gql: Any, engine: Engine, filters: dict[str, tuple[dict[str, Any], Any]]) -> None:
    """Under each filter, the facets and the day buckets equal what counting the rows here gives
    (each facet without its own selection: none of these filters selects a facet's own values)."""
    with engine.connect() as conn:
        photos = conn.execute(
            text("SELECT id, taken_at, camera_make, camera_model, lens_model, rating, gps_latitude, iso, aperture, focal_length FROM photo")
        ).all()
        tags = conn.execute(text("SELECT photo_id, tag_key FROM photo_tag")).all()
    for name, (filter_, wanted) in filters.items():
        matching = [p for p in photos if wanted(p)]
        ids = {p.id for p in matching}
        facets = data(gql.execute(FACETS_QUERY, {"f": filter_}))["photoFacets"]
        for field, column in (("cameraMakes", "camera_make"), ("cameraModels", "camera_model"), ("lensModels", "lens_model")):
            expected = Counter(getattr(p, column).lower() for p in matching if getattr(p, column) is not None)
            assert {v["value"].lower(): v["count"] for v in facets[field]} == expected, (name, field)
        assert {v["value"].lower(): v["count"] for v in facets["tags"]} == Counter(t.tag_key for t in tags if t.photo_id in ids), name
        assert {v["year"]: v["count"] for v in facets["years"]} == Counter(int(str(p.taken_at)[:4]) for p in matching if p.taken_at), name
        if "rating" not in filter_:  # the ratings facet ignores a rating filter
            assert {v["rating"]: v["count"] for v in facets["ratings"]} == Counter(p.rating for p in matching), name
        timeline = data(gql.execute(TIMELINE, {"f": filter_}))["photoTimeline"]
        assert {b["start"][:10]: b["count"] for b in timeline["buckets"]} == Counter(str(p.taken_at)[:10] for p in matching if p.taken_at), name
        assert timeline["undatedCount"] == sum(1 for p in matching if p.taken_at is None), name


def test_facets_without_a_position_are_the_library_less_the_positioned_photos(gql, engine):
    previews = distinct_jpegs(24, "kept-unpositioned")
    assert send(gql, library_groups(previews, 0))["photosCreated"] == 24
    filters = {"no position": ({"hasGps": False}, lambda p: p.gps_latitude is None)}
    assert_facets_exact(gql, engine, filters)
    # A latitude beyond the poles (written by hand: the EXIF reader never makes one) is in neither
    # scope of the kept counts: the facets are counted from the photos then.
    with engine.begin() as conn:
        conn.execute(text("UPDATE photo SET gps_latitude = 95 WHERE id = (SELECT min(id) FROM photo WHERE gps_latitude IS NOT NULL)"))
    assert_facets_exact(gql, engine, filters)
    with engine.begin() as conn:
        conn.execute(text("UPDATE photo SET gps_latitude = NULL, gps_longitude = NULL, geo_cell = NULL WHERE gps_latitude = 95"))
    assert_facets_exact(gql, engine, filters)


def test_facets_under_a_range_are_sums_of_the_counts_kept_per_value(gql, engine):
    previews = distinct_jpegs(24, "kept-ranges")
    assert send(gql, library_groups(previews, 0))["photosCreated"] == 24
    with engine.begin() as conn:
        conn.execute(text("UPDATE photo SET iso = 100 * (1 + id % 4), aperture = 1.4 + id % 3, focal_length = 24 * (1 + id % 2) WHERE id % 5 <> 0"))
    filters = {
        "iso 200-300": ({"iso": {"min": 200, "max": 300}}, lambda p: p.iso is not None and 200 <= p.iso <= 300),
        "iso = 400": ({"iso": {"min": 400, "max": 400}}, lambda p: p.iso == 400),
        "aperture <= 2.4": ({"aperture": {"max": 2.4}}, lambda p: p.aperture is not None and p.aperture <= 2.4),
        "focal >= 48": ({"focalLength": {"min": 48}}, lambda p: p.focal_length is not None and p.focal_length >= 48),
        "rating >= 3": ({"rating": {"min": 3}}, lambda p: p.rating >= 3),
    }
    assert_facets_exact(gql, engine, filters)
    # Two ranges: the ISO range's values (kept) each read as a stretch of the ISO index, checked
    # there; a photo moved to an ISO value no other holds, and one deleted, change which.
    pairs = {
        "iso 100-150 + aperture <= 2.4": (
            {"iso": {"min": 100, "max": 150}, "aperture": {"max": 2.4}},
            lambda p: p.iso is not None and 100 <= p.iso <= 150 and p.aperture is not None and p.aperture <= 2.4,
        ),
        "iso >= 200 + focal >= 48": (
            {"iso": {"min": 200}, "focalLength": {"min": 48}},
            lambda p: p.iso is not None and p.iso >= 200 and p.focal_length is not None and p.focal_length >= 48,
        ),
    }
    assert_facets_exact(gql, engine, pairs)
    with engine.begin() as conn:
        conn.execute(text("UPDATE photo SET iso = 120 WHERE id = (SELECT min(id) FROM photo WHERE aperture <= 2.4 AND iso = 200)"))
        conn.execute(text("UPDATE photo SET iso = 250, focal_length = 48 WHERE id = (SELECT max(id) FROM photo WHERE iso = 300)"))
        conn.execute(text("DELETE FROM photo WHERE id = (SELECT min(id) FROM photo WHERE iso = 100 AND aperture <= 2.4)"))
    assert_facets_exact(gql, engine, pairs)


@pytest.mark.parametrize("together", [False, True], ids=["any writer", "counted together"])
def test_photos_alike_in_one_statement_are_counted_each_and_spelled_as_the_first(gql, engine, together):
    """One statement of photos alike in what the counts read (PostgreSQL's triggers group them
    before counting; on SQLite a writer that counts its batch together does, db/counts.py
    ``counted_together``, and any other is counted row by row): each still counts once everywhere,
    at its own time of day and on its own side of the position test (none, beyond the poles, on
    the map), and a new count row takes the spelling of the first photo it counts, not the least one."""
    photos = [  # make, taken at, latitude: all of one day, one ISO, one rating
        ("nikon", "2022-03-04 08:00:00", None), ("Nikon", "2022-03-04 09:30:00", 60.0), ("nikon", "2022-03-04 23:59:59", 95.0),
        ("Nikon", "2022-03-04 00:00:00", -89.9), ("Nikon", None, 60.0), ("nikon", None, None), ("Nikon", "2022-03-05 00:00:01", 95.0),
        ("nikon", "2022-03-04 12:00:00", None),  # alike the first: their first, not their last, spells a new count
    ]
    rows = ", ".join(
        f"(1, '{n:064x}', :make{n}, :taken{n}, :lat{n}, :lon{n}, 400, 2.8, 35, 3, false, 0, '2024-05-01', '2024-05-01')" for n in range(len(photos))
    )
    values: dict[str, Any] = {}
    for n, (make, taken, latitude) in enumerate(photos):
        values.update({f"make{n}": make, f"taken{n}": taken, f"lat{n}": latitude, f"lon{n}": None if latitude is None else 10.7})
    with engine.begin() as conn, counts.counted_together(conn) if together else contextlib.nullcontext([]) as counted:
        counted.extend(conn.execute(text(
            "INSERT INTO photo (owner_id, hothash, camera_make, taken_at, gps_latitude, gps_longitude, iso, aperture, focal_length, "
            f"rating, favorite, user_rotation, created_at, updated_at) VALUES {rows} RETURNING id"), values).scalars())
    assert_exact(engine)
    with engine.connect() as conn:
        facets = dict(conn.execute(text("SELECT facet, value FROM photo_facet WHERE key = 'nikon'")).all())
        ranged = set(conn.execute(text("SELECT value FROM photo_range_facet WHERE key = 'nikon'")).scalars())
    # Each count row as its first photo spells it: the first positioned photo is "Nikon".
    assert (facets, ranged) == ({"camera_make": "nikon", "gps:camera_make": "Nikon"}, {"nikon"})


def test_a_photo_another_writer_inserts_after_an_import_is_counted_by_the_triggers(gql, engine):
    """The import counts its batch of new photos together (on SQLite its row insert triggers skip
    them meanwhile, db/counts.py ``counted_together``); what tells the triggers so never outlives
    the batch: a photo a script inserts next is counted row by row, in every count."""
    assert send(gql, library_groups(distinct_jpegs(6, "kept-after-batch"), 0))["photosCreated"] == 6
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM counting_batch")).scalar_one() == 0
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO photo (owner_id, hothash, camera_make, taken_at, gps_latitude, gps_longitude, geo_cell, iso, rating, favorite, "
            "user_rotation, created_at, updated_at) VALUES (1, :h, 'CANON', '2021-06-01 09:00:00', 59.9, 10.7, :cell, 400, 2, false, 0, "
            "'2024-05-01', '2024-05-01')"), {"h": f"{7:064x}", "cell": geo.geo_cell(59.9, 10.7)})
    assert_exact(engine, gql)
