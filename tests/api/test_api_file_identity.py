"""A photo is its files: whoever sends a file (by its content hash), with whatever hotpreview, gets one photo."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select, text

from imalink.db.migrate import upgrade_to_head
from imalink.db.tables import Image, Photo
from imalink.importer.exif_extract import extract_exif
from imalink.importer.preview import make_hotpreview
from imalink.local import LocalGraphQL
from imalink.settings import Settings
from tests.api.importing import import_concurrently, open_session, send, totals
from tests.importer.photo_builders import exif_payload, jpeg_bytes, raw_bytes
from tests.support.databases import emptied_at_revision
from tests.support.graphql import data
from tests.support.media import b64, distinct_jpegs, sha256


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def browser_like_preview(jpeg: bytes) -> bytes:
    """Another encoder's hotpreview of the same picture: other resampling, other quality."""
    image = PILImage.open(io.BytesIO(jpeg)).convert("RGB")
    image.thumbnail((150, 150), PILImage.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def file_input(path: Path, kind: str) -> dict:
    """An ImageInput as a client makes it from a real file: its name, size, content hash and raw EXIF."""
    data_ = path.read_bytes()
    exif = extract_exif(str(path), kind)
    sent = {"filename": path.name, "fileSize": len(data_), "contentHash": sha256(data_)}
    if exif.data:
        sent["exifData"] = b64(exif.data)
    return sent


@pytest.fixture
def camera_files(tmp_path):
    """A real JPEG with camera EXIF and a TIFF-based RAW of the same shot."""
    jpeg = tmp_path / "IMG_0042.JPG"
    jpeg.write_bytes(jpeg_bytes((640, 480), exif=exif_payload(model="EOS R5", taken="2024:03:01 08:00:00")))
    raw = tmp_path / "IMG_0042.CR2"
    raw.write_bytes(raw_bytes(model="EOS R5", taken="2024:03:01 08:00:00", preview=jpeg_bytes((320, 240)))[0])
    return jpeg, raw


def test_one_jpeg_with_two_encoders_hotpreviews_is_one_photo(gql, engine, camera_files):
    jpeg, _ = camera_files
    ours, theirs = make_hotpreview(str(jpeg)), browser_like_preview(jpeg.read_bytes())
    assert ours != theirs
    first = send(gql, [{"hotpreview": b64(ours), "images": [file_input(jpeg, "jpeg")]}])["results"][0]
    again = send(gql, [{"hotpreview": b64(theirs), "images": [file_input(jpeg, "jpeg")]}])["results"][0]
    assert (first["status"], again["status"]) == ("CREATED", "DUPLICATE")
    # The result names the photo the file belongs to: its hothash, not the second preview's.
    assert again["hothash"] == first["hothash"] == sha256(ours)
    assert again["photo"]["id"] == first["photo"]["id"]
    assert (count(engine, Photo), count(engine, Image)) == (1, 1)


def test_a_raw_sent_after_its_jpeg_by_another_client_joins_the_photo(gql, database_url, engine, camera_files):
    jpeg, raw = camera_files
    browser = send(gql, [{"hotpreview": b64(browser_like_preview(jpeg.read_bytes())), "images": [file_input(jpeg, "jpeg")]}])
    photo = browser["results"][0]
    # Another client finds the JPEG known and sends the RAW alone, with the known photo's hothash.
    with LocalGraphQL(settings=Settings(database_url=database_url)) as importer:
        known = data(importer.execute(
            "query($h: [String!]!) { existingFiles(contentHashes: $h) { hothash filename } }",
            {"h": [sha256(jpeg.read_bytes()), sha256(raw.read_bytes())]},
        ))["existingFiles"]
        assert known == [{"hothash": photo["hothash"], "filename": "IMG_0042.JPG"}]
        joined = send(importer, [{"hothash": known[0]["hothash"], "images": [file_input(raw, "raw")]}])["results"][0]
    assert (joined["status"], joined["imagesCreated"], joined["hothash"]) == ("IMAGES_ADDED", 1, photo["hothash"])
    assert [i["filename"] for i in joined["photo"]["images"]] == ["IMG_0042.JPG", "IMG_0042.CR2"]
    assert (count(engine, Photo), count(engine, Image)) == (1, 2)


def test_a_whole_group_with_its_own_preview_joins_by_a_known_file(gql, engine, camera_files):
    jpeg, raw = camera_files
    first = send(gql, [{"hotpreview": b64(make_hotpreview(str(jpeg))), "images": [file_input(jpeg, "jpeg")]}])
    # The RAW's embedded preview makes another hothash; the JPEG's content hash says which photo it is.
    pair = {"hotpreview": b64(browser_like_preview(jpeg.read_bytes())),
            "images": [file_input(jpeg, "jpeg"), file_input(raw, "raw")]}
    joined = send(gql, [pair])["results"][0]
    assert (joined["status"], joined["imagesCreated"]) == ("IMAGES_ADDED", 1)
    assert joined["hothash"] == first["results"][0]["hothash"]
    assert (count(engine, Photo), count(engine, Image)) == (1, 2)


def content_group(preview: bytes, *files: tuple[str, bytes]) -> dict:
    return {"hotpreview": b64(preview), "images": [{"filename": n, "contentHash": sha256(c)} for n, c in files]}


def test_a_group_of_two_known_photos_fails_and_writes_nothing(gql, engine):
    a, b, c = distinct_jpegs(3, "two")
    session = open_session(gql)
    send(gql, [content_group(a, ("A.JPG", b"file a")), content_group(b, ("B.JPG", b"file b"))], session)
    result = send(gql, [content_group(c, ("A.JPG", b"file a"), ("B.JPG", b"file b"), ("NEW.JPG", b"new"))], session)
    failed = result["results"][0]
    assert failed["status"] == "FAILED" and failed["photo"] is None
    assert [e["code"] for e in failed["errors"]] == ["FILES_OF_DIFFERENT_PHOTOS"]
    assert sha256(a) in failed["errors"][0]["message"] and sha256(b) in failed["errors"][0]["message"]
    assert (count(engine, Photo), count(engine, Image)) == (2, 2)
    assert totals(gql, session)["errorsCount"] == 1
    # A known hothash with another photo's file is two photos as well.
    mixed = send(gql, [{"hothash": sha256(a), "images": [{"filename": "X.JPG", "contentHash": sha256(b"file b")}]}])
    assert mixed["results"][0]["errors"][0]["code"] == "FILES_OF_DIFFERENT_PHOTOS"


def test_the_same_rules_hold_inside_one_batch(gql, engine):
    a, b, c, d = distinct_jpegs(4, "batch")
    result = send(gql, [
        content_group(a, ("IMG_1.JPG", b"jpeg 1")),
        content_group(b, ("IMG_1.JPG", b"jpeg 1"), ("IMG_1.CR2", b"raw 1")),   # joins a's photo by its JPEG
        content_group(c, ("IMG_2.JPG", b"jpeg 2")),
        content_group(d, ("IMG_1.CR2", b"raw 1"), ("IMG_2.JPG", b"jpeg 2")),   # two photos of this batch
        content_group(d, ("COPY.JPG", b"jpeg 2")),                             # the same content, renamed
    ])["results"]
    assert [r["status"] for r in result] == ["CREATED", "IMAGES_ADDED", "CREATED", "FAILED", "DUPLICATE"]
    assert result[1]["hothash"] == result[0]["hothash"] == sha256(a)
    assert result[4]["hothash"] == sha256(c)
    assert (count(engine, Photo), count(engine, Image)) == (2, 3)


def test_a_file_sent_twice_in_a_group_and_a_name_taken_by_other_content_are_warnings(gql, engine):
    a, b = distinct_jpegs(2, "warn")
    twice = send(gql, [content_group(a, ("A.JPG", b"same"), ("A_COPY.JPG", b"same"))])["results"][0]
    assert (twice["status"], twice["imagesCreated"]) == ("CREATED", 1)
    assert [w["code"] for w in twice["warnings"]] == ["DUPLICATE_FILE"]
    edited = send(gql, [{"hothash": sha256(a), "images": [{"filename": "a.jpg", "contentHash": sha256(b"edited")}]}])
    result = edited["results"][0]
    assert (result["status"], [w["code"] for w in result["warnings"]]) == ("DUPLICATE", ["FILENAME_TAKEN"])
    assert count(engine, Image) == 1


@pytest.mark.parametrize("previews", ["one hotpreview per photo", "each importer its own hotpreviews"])
def test_concurrent_importers_make_each_photo_once(database_url, engine, previews):
    photos = 60
    files = [(f"jpeg {i}".encode(), distinct_jpegs(4, f"enc-{i}")) for i in range(photos)]

    def batches(n: int) -> list[list[dict]]:
        # Every importer sends every file, in its own order, plus a copy of its own; the shared
        # file with the same hotpreview everywhere, or with each importer's own encoding of it.
        order = files[n * 15 :] + files[: n * 15]
        encoding = n if previews == "each importer its own hotpreviews" else 0
        return [
            [content_group(encoded[encoding], ("IMG.JPG", content), (f"COPY_{n}.JPG", content + bytes([n])))
             for content, encoded in order[i : i + 20]]
            for i in range(0, photos, 20)
        ]

    outcomes = import_concurrently(database_url, batches)
    results = [r for outcome in outcomes for r in outcome["results"]]
    assert [r["status"] for r in results].count("CREATED") == photos
    assert "FAILED" not in [r["status"] for r in results]
    # Each photo: the shared IMG.JPG once, plus each importer's own copy; every result names one of them.
    assert (count(engine, Photo), count(engine, Image)) == (photos, photos * 5)
    with engine.connect() as conn:
        hothashes = set(conn.execute(select(Photo.hothash)).scalars())
    assert {r["hothash"] for r in results} == hothashes


def test_the_migration_keeps_two_copies_of_one_file_and_the_first_keeps_its_hash(database):
    """A library from before content hashes were unique upgrades with every row kept."""
    url, engine = database
    emptied_at_revision(url, engine, "0002")
    same = sha256(b"one file, imported twice")
    with engine.begin() as conn:
        for photo_id in (1, 2):
            conn.execute(text(
                "INSERT INTO photo (id, owner_id, hothash, tags, rating, user_rotation, created_at, updated_at)"
                " VALUES (:id, 1, :h, '[]', 0, 0, '2024-05-01', '2024-05-01')"), {"id": photo_id, "h": str(photo_id) * 64})
            conn.execute(text(
                "INSERT INTO image (id, owner_id, photo_id, filename, filename_key, content_hash, created_at)"
                " VALUES (:id, 1, :id, 'A.JPG', 'a.jpg', :c, '2024-05-01')"), {"id": photo_id, "c": same})
    upgrade_to_head(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, content_hash FROM image ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, same), (2, None)]
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        found = data(gql.execute('{ existingFiles(contentHashes: ["%s"]) { hothash } }' % same))["existingFiles"]
    assert found == [{"hothash": "1" * 64}]


def without_content_hash(sent: dict) -> dict:
    """The same ImageInput as a client from before content hashes sends it."""
    return {key: value for key, value in sent.items() if key != "contentHash"}


def test_files_stored_without_a_content_hash_are_recognised_when_they_return_with_one(gql, engine, camera_files, tmp_path):
    """A library imported by an older client (no content hashes) imported again by today's: the
    same files under another hotpreview are the same photo, and learn their hash."""
    jpeg, raw = camera_files
    other = tmp_path / "other" / "IMG_0042.JPG"  # another shot under the same name and size
    other.parent.mkdir()
    other.write_bytes(jpeg_bytes((640, 480), exif=exif_payload(model="EOS R5", taken="2024:03:01 08:00:07")))
    assert other.stat().st_size == jpeg.stat().st_size and other.read_bytes() != jpeg.read_bytes()
    old = send(gql, [{"hotpreview": b64(make_hotpreview(str(jpeg))), "images": [without_content_hash(file_input(jpeg, "jpeg"))]}])
    assert old["results"][0]["status"] == "CREATED"

    today = send(gql, [
        # Another encoder's preview (a new hothash): the stored JPEG is recognised, the RAW joins it.
        {"hotpreview": b64(browser_like_preview(jpeg.read_bytes())), "images": [file_input(jpeg, "jpeg"), file_input(raw, "raw")]},
        # Same name, other EXIF: another photo, not called a copy.
        {"hotpreview": b64(distinct_jpegs(1, "other")[0]), "images": [file_input(other, "jpeg")]},
    ])["results"]
    assert [(r["status"], r["imagesCreated"]) for r in today] == [("IMAGES_ADDED", 1), ("CREATED", 1)]
    assert today[0]["hothash"] == old["results"][0]["hothash"]
    assert (count(engine, Photo), count(engine, Image)) == (2, 3)
    # The stored file now has its hash: a pre-check by content hash finds it.
    known = data(gql.execute(
        "query($h: [String!]!) { existingFiles(contentHashes: $h) { hothash filename } }",
        {"h": [sha256(jpeg.read_bytes())]},
    ))["existingFiles"]
    assert known == [{"hothash": old["results"][0]["hothash"], "filename": "IMG_0042.JPG"}]
    again = send(gql, [{"hotpreview": b64(browser_like_preview(jpeg.read_bytes())), "images": [file_input(jpeg, "jpeg")]}])
    assert again["results"][0]["status"] == "DUPLICATE"
    assert (count(engine, Photo), count(engine, Image)) == (2, 3)
