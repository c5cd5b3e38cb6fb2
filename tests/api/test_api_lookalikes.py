"""Near-duplicates through the API: lookAlikes and duplicateClusters on a set of real JPEGs.

The set (tests/support/lookalikes.py) holds, per scene, one photo with its copies (re-encoded,
resized, stored rotated with an EXIF orientation, cropped, edited) and other photos of the same
scene (panned, zoomed, the subject moved). Every file is imported as a group of its own, with the
hotpreview the reference client makes of it, as an import of a messy library would send them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, text

from imalink.db import lookalikes
from imalink.db.maintenance import backfill_fingerprints
from imalink.db.tables import user_t
from imalink.cli import main as imalink_main
from imalink.local import LocalGraphQL, Viewer
from imalink.settings import Settings
from tests.api.importing import group, send
from tests.support.graphql import data
from tests.support.lookalikes import Sample, build_set
from tests.support.media import jpeg

# Copies any near-duplicate search must find at the default distance (measured: at most 4 bits).
SURE_COPIES = {
    "re-encoded q95", "re-encoded q60", "re-encoded q30", "resized 50%", "resized 25%",
    "rotated, orientation 6", "rotated, orientation 8", "rotated, orientation 3", "edited (levels, sharpened)",
}
# Other photos of the scene that must never be called duplicates.
DISTINCT = {"panned 20%", "panned -25%", "zoomed 1.4x"}

LOOKALIKES = """
query Alike($hothash: String!, $distance: Int!) {
  photo(hothash: $hothash) { lookAlikes(maxDistance: $distance, first: 100) { distance photo { hothash } } }
}
"""
CLUSTERS = """
query Clusters($distance: Int!, $first: Int, $after: String) {
  duplicateClusters(maxDistance: $distance, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { size photos { hothash } } }
  }
}
"""


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    return build_set(scenes=3)


def import_samples(gql, samples: list[Sample]) -> dict[str, Sample]:
    """Import each sample as its own group; ``{hothash: sample}``."""
    groups = [group(s.hotpreview, f"S{s.scene}-{i}.JPG") for i, s in enumerate(samples)]
    results = send(gql, groups)["results"]
    assert {r["status"] for r in results} <= {"CREATED", "DUPLICATE"}
    return {r["hothash"]: s for r, s in zip(results, samples, strict=True)}


def look_alikes(gql, hothash: str, distance: int = 10) -> list[dict]:
    return data(gql.execute(LOOKALIKES, {"hothash": hothash, "distance": distance}))["photo"]["lookAlikes"]


def all_clusters(gql, distance: int = 10, page: int = 2) -> list[list[str]]:
    found, after = [], None
    while True:
        answer = data(gql.execute(CLUSTERS, {"distance": distance, "first": page, "after": after}))["duplicateClusters"]
        found += [[p["hothash"] for p in edge["node"]["photos"]] for edge in answer["edges"]]
        assert all(edge["node"]["size"] == len(edge["node"]["photos"]) >= 2 for edge in answer["edges"])
        if not answer["pageInfo"]["hasNextPage"]:
            assert answer["totalCount"] == len(found)
            return found
        after = answer["pageInfo"]["endCursor"]


def test_look_alikes_are_the_copies_and_never_other_photos_of_the_scene(gql, samples):
    by_hothash = import_samples(gql, samples)
    originals = {s.scene: h for h, s in by_hothash.items() if s.kind == "original"}
    for scene, hothash in originals.items():
        found = look_alikes(gql, hothash)
        kinds = {by_hothash[f["photo"]["hothash"]].kind for f in found}
        assert SURE_COPIES - {"original"} <= kinds | {by_hothash[hothash].kind}, f"scene {scene}: missed {SURE_COPIES - kinds}"
        assert not kinds & DISTINCT, f"scene {scene}: {kinds & DISTINCT} called a duplicate"
        assert {by_hothash[f["photo"]["hothash"]].scene for f in found} == {scene}
        distances = [f["distance"] for f in found]
        assert distances == sorted(distances) and max(distances) <= 10
        # A stricter distance keeps the nearest: every re-encode is within 4 bits.
        strict = {by_hothash[f["photo"]["hothash"]].kind for f in look_alikes(gql, hothash, 4)}
        assert {"re-encoded q95", "re-encoded q60", "resized 25%"} <= strict
        assert not strict & DISTINCT


def test_photos_imported_in_several_batches_pair_with_those_stored_before_and_with_each_other(gql, samples):
    """Each batch's photos pair with the photos stored before it and with one another: every
    photo's look-alikes are exactly the others within the distance that share a band with it
    (the candidates a look-up finds), counted from the fingerprints here (on PostgreSQL those
    stored before are read on a connection of their own while the batch is still being copied)."""
    assert_pairs_as_counted(gql, import_in_three_batches(gql, samples))


def test_with_every_reader_busy_a_batch_reads_its_look_alike_candidates_itself(gql, samples):
    """On PostgreSQL, the connections the candidates stored before a batch are read on beside its
    copy are few and never waited for (one could be held by a batch waiting for this library):
    with all of them taken, each batch reads its candidates after the copy, and pairs the same."""
    held = [lookalikes.reader_engine(gql.engine).connect() for _ in range(lookalikes.READERS)]
    try:
        assert_pairs_as_counted(gql, import_in_three_batches(gql, samples))
    finally:
        for connection in held:
            connection.close()


def test_a_photo_given_its_first_fingerprint_by_a_later_batch_pairs_with_those_stored_before(gql, samples):
    """A photo first sent by its hothash alone has no fingerprint; a later batch bringing its
    hotpreview with another file gives it one, beside new photos of another scene. Its candidates
    are then its own look-alikes stored before, not only the new photos' (on PostgreSQL read after
    the copy, not beside it): every photo's look-alikes are those counted from the fingerprints."""
    scene0 = [s for s in samples if s.scene == 0]
    scene1 = [s for s in samples if s.scene == 1]
    original = next(s for s in scene0 if s.kind == "original")
    others = [s for s in scene0 if s is not original]
    hothash = hashlib.sha256(original.hotpreview).hexdigest()
    by_hothash = import_samples(gql, others)
    assert send(gql, [group(None, "ORIGINAL.JPG", hothash=hothash)])["results"][0]["status"] == "CREATED"
    assert look_alikes(gql, hothash) == []  # nothing to compare yet
    results = send(gql, [group(original.hotpreview, "ORIGINAL.CR2")] + [group(s.hotpreview, f"N-{i}.JPG") for i, s in enumerate(scene1)])["results"]
    assert results[0]["status"] == "IMAGES_ADDED" and "CREATED" in {r["status"] for r in results[1:]}
    by_hothash |= {hothash: original} | {r["hothash"]: s for r, s in zip(results[1:], scene1, strict=True)}
    assert_pairs_as_counted(gql, by_hothash)


def import_in_three_batches(gql, samples: list[Sample]) -> dict[str, Sample]:
    by_hothash: dict[str, Sample] = {}
    for part in (samples[0::3], samples[1::3], samples[2::3]):
        by_hothash |= import_samples(gql, part)
    return by_hothash


def assert_pairs_as_counted(gql, by_hothash: dict[str, Sample]) -> None:
    """Every photo's look-alikes within 10 are the others within 10 that share a band with it."""
    prints = {hothash: lookalikes.fingerprint(sample.hotpreview) for hothash, sample in by_hothash.items()}
    assert None not in prints.values()
    for hothash, value in prints.items():
        bands = set(enumerate(lookalikes.bands(value)))
        candidates = {other: theirs for other, theirs in prints.items() if other != hothash and bands & set(enumerate(lookalikes.bands(theirs)))}
        expected = {other: d for other, theirs in candidates.items() if (d := lookalikes.distance(value, theirs)) <= 10}
        assert len(expected) < lookalikes.MAX_PAIRS_PER_PHOTO  # so that none is left out as too far
        assert {f["photo"]["hothash"]: f["distance"] for f in look_alikes(gql, hothash)} == expected


def test_duplicate_clusters_gather_each_photo_and_its_copies_page_by_page(gql, samples):
    by_hothash = import_samples(gql, samples)
    clusters = all_clusters(gql)
    assert len({h for cluster in clusters for h in cluster}) == sum(map(len, clusters))  # each photo once
    for cluster in clusters:
        members = [by_hothash[h] for h in cluster]
        assert len({(m.scene) for m in members}) == 1, "a cluster mixes scenes"
        assert not {m.kind for m in members} & DISTINCT, "a distinct photo of the scene joined the copies"
    for scene in {s.scene for s in samples}:
        original = next(h for h, s in by_hothash.items() if s.scene == scene and s.kind == "original")
        home = next(c for c in clusters if original in c)
        assert SURE_COPIES <= {by_hothash[h].kind for h in home}
    # Largest first, and a cursor from one distance is just a position in another's listing.
    assert [len(c) for c in clusters] == sorted((len(c) for c in clusters), reverse=True)


def test_arguments_outside_what_the_library_answers_are_refused(gql):
    hothash = send(gql, [group(jpeg(), "A.JPG")])["results"][0]["hothash"]
    too_far = gql.execute(LOOKALIKES, {"hothash": hothash, "distance": 13})
    assert too_far["errors"][0]["extensions"]["code"] == "INVALID_VALUE"
    negative = gql.execute(CLUSTERS, {"distance": -1})
    assert negative["errors"][0]["extensions"]["code"] == "INVALID_VALUE"
    bad_cursor = gql.execute(CLUSTERS, {"distance": 4, "after": "bm90IGEgY3Vyc29y"})
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    many = gql.execute('{ photo(hothash: "%s") { lookAlikes(first: 101) { distance } } }' % hothash)
    assert many["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


def test_another_owners_look_alikes_stay_theirs(gql, engine, database_url, samples):
    with engine.begin() as conn:
        user_id = conn.execute(
            insert(user_t).values(username="second", is_admin=False, created_at=datetime.now(UTC)).returning(user_t.c.id)
        ).scalar_one()
    other = LocalGraphQL(settings=Settings(database_url=database_url), viewer=Viewer(user_id))
    try:
        mine = [s for s in samples if s.scene == 0 and s.kind in ("original", "re-encoded q60")]
        theirs = import_samples(other, mine)
        assert len(all_clusters(other)) == 1
        assert all_clusters(gql) == []
        mine_by_hothash = import_samples(gql, mine[:1])
        # The very same picture in two libraries: each owner sees only their own copy's look-alikes.
        original = next(iter(mine_by_hothash))
        assert look_alikes(gql, original) == []
        assert {f["photo"]["hothash"] for f in look_alikes(other, original)} == set(theirs) - {original}
    finally:
        other.close()


def test_deleting_a_photo_takes_its_pairs_along(gql, samples):
    by_hothash = import_samples(gql, [s for s in samples if s.scene == 1 and s.photo == "original"])
    original = next(h for h, s in by_hothash.items() if s.kind == "original")
    copy = next(h for h, s in by_hothash.items() if s.kind == "re-encoded q60")
    assert data(gql.execute('mutation { deletePhoto(hothash: "%s") }' % copy))["deletePhoto"] is True
    assert copy not in {f["photo"]["hothash"] for f in look_alikes(gql, original)}
    assert all(copy not in cluster for cluster in all_clusters(gql))


def test_backfill_gives_a_library_from_before_fingerprints_its_look_alikes(gql, engine, database_url, samples):
    by_hothash = import_samples(gql, [s for s in samples if s.scene == 2])
    send(gql, [group(b"\xff\xd8 not really a JPEG", "BROKEN.JPG")])
    expected = all_clusters(gql)
    with engine.begin() as conn:  # what a library upgraded from before fingerprints holds
        conn.execute(text("DELETE FROM photo_lookalike"))
        conn.execute(text("UPDATE photo SET phash = NULL"))
    assert all_clusters(gql) == []
    assert backfill_fingerprints(engine, batch_size=5) == (len(by_hothash), 1)
    assert all_clusters(gql) == expected
    # Again (from the command): nothing left to do, nothing doubled.
    assert imalink_main(["fingerprints", "backfill", "--database-url", database_url]) == 0
    assert all_clusters(gql) == expected


def test_a_hostile_hotpreview_has_no_fingerprint_and_costs_nothing_else():
    assert lookalikes.fingerprint(b"") is None
    assert lookalikes.fingerprint(b"\xff\xd8\xff\xe0 garbage") is None
    assert lookalikes.fingerprint(jpeg()[:200]) is None  # truncated
    # A JPEG header claiming 65500 x 65500 pixels is never decoded.
    real = bytearray(jpeg(size=(16, 16)))
    sof = real.index(b"\xff\xc0")
    real[sof + 5 : sof + 9] = (65500).to_bytes(2, "big") * 2
    assert lookalikes.fingerprint(bytes(real)) is None
    value = lookalikes.fingerprint(jpeg(size=(150, 100)))
    assert value is not None and -(1 << 63) <= value < 1 << 63



def test_a_run_of_identical_pictures_bounds_what_each_import_reads(gql, engine):
    """Many photos of one look (here one picture under 300 hothashes: a JPEG comment differs) make
    one band value common; a new photo's candidates stay bounded, and it still finds its look-alikes."""
    copies = [jpeg(label=f"copy {n}") for n in range(300)]
    assert len({lookalikes.fingerprint(c) for c in copies}) == 1 and len(set(copies)) == 300
    results = send(gql, [group(c, f"SAME_{n:03}.JPG") for n, c in enumerate(copies)])["results"]
    assert {r["status"] for r in results} == {"CREATED"}
    with engine.connect() as conn:
        candidates = lookalikes.sharing_a_band(conn, 1, [lookalikes.fingerprint(copies[0])])
    assert 0 < len(candidates) <= lookalikes.BANDS * lookalikes.CANDIDATES_PER_VALUE < 300
    last = look_alikes(gql, results[-1]["hothash"])
    assert len(last) == lookalikes.MAX_PAIRS_PER_PHOTO and {a["distance"] for a in last} == {0}
