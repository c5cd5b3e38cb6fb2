"""Import semantics of createPhotoGroup and importBatch, on a real database."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from imalink.db.tables import Image, Photo
from tests.api.importing import group, open_session, send, totals
from tests.support.graphql import data
from tests.support.media import b64, distinct_jpegs, exif_blob, jpeg, sha256


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def codes(result) -> list[str]:
    return [e["code"] for e in result["errors"]]


# --- hothash and hotpreview ---------------------------------------------------------------------


def test_hothash_is_derived_from_the_hotpreview(gql):
    preview = jpeg()
    result = send(gql, [group(preview, "IMG_1.JPG")])["results"][0]
    assert result["status"] == "CREATED"
    assert result["hothash"] == sha256(preview)


def test_a_matching_hothash_is_accepted_in_any_case(gql):
    preview = jpeg()
    result = send(gql, [group(preview, "IMG_1.JPG", hothash=sha256(preview).upper())])["results"][0]
    assert result["status"] == "CREATED" and result["hothash"] == sha256(preview)


def test_a_hothash_that_is_not_the_hotpreviews_fails_the_group(gql, engine):
    preview, other = distinct_jpegs(2)
    result = send(gql, [group(preview, "IMG_1.JPG", hothash=sha256(other))])["results"][0]
    assert result["status"] == "FAILED" and codes(result) == ["HOTHASH_MISMATCH"]
    assert count(engine, Photo) == 0


def test_neither_hothash_nor_hotpreview_fails(gql):
    result = send(gql, [group(None, "IMG_1.JPG")])["results"][0]
    assert codes(result) == ["MISSING_HOTHASH"]


def test_hothash_alone_creates_a_photo_without_preview(gql):
    hothash = sha256(b"preview made elsewhere")
    result = send(gql, [group(None, "IMG_1.JPG", hothash=hothash)])["results"][0]
    assert result["status"] == "CREATED" and result["hothash"] == hothash
    photo = data(gql.execute("query($h: String!) { photo(hothash: $h) { hotpreview hotpreviewUrl } }", {"h": hothash}))
    assert photo["photo"] == {"hotpreview": None, "hotpreviewUrl": None}


def test_an_images_own_hothash_must_equal_the_groups(gql):
    preview, other = distinct_jpegs(2)
    bad = group(preview, "IMG_1.JPG")
    bad["images"][0]["hothash"] = sha256(other)
    good = group(preview, "IMG_2.JPG")
    good["images"][0]["hothash"] = sha256(preview)
    results = send(gql, [bad, good])["results"]
    assert codes(results[0]) == ["HOTHASH_MISMATCH"] and results[0]["errors"][0]["filename"] == "IMG_1.JPG"
    assert results[1]["status"] == "CREATED"


def test_data_url_prefix_is_accepted_and_preview_is_stored_exactly(gql):
    preview = jpeg()
    g = group(None, "IMG_1.JPG")
    g["hotpreview"] = "data:image/jpeg;base64," + b64(preview)
    result = send(gql, [g])["results"][0]
    stored = data(gql.execute("query($h: String!) { photo(hothash: $h) { hotpreview } }", {"h": result["hothash"]}))
    assert base64.b64decode(stored["photo"]["hotpreview"]) == preview


def test_bytes_after_the_jpeg_end_marker_are_allowed(gql):
    preview = jpeg() + b"trailing bytes some encoders leave"
    assert send(gql, [group(preview, "IMG_1.JPG")])["results"][0]["status"] == "CREATED"


def _padded_jpeg() -> bytes:
    """A JPEG whose base64 ends in "==" (bytes after the end marker are allowed)."""
    preview = jpeg()
    return preview + b"x" * ((1 - len(preview)) % 3)


@pytest.mark.parametrize(
    ("hotpreview", "code"),
    [
        ("not base64!!", "INVALID_BASE64"),
        # Base64 is strict: nothing outside the alphabet, padding exactly where it belongs.
        (b64(_padded_jpeg())[:40] + " " + b64(_padded_jpeg())[40:], "INVALID_BASE64"),
        (b64(_padded_jpeg()) + "\n", "INVALID_BASE64"),
        (b64(_padded_jpeg()).rstrip("="), "INVALID_BASE64"),
        (b64(_padded_jpeg()) + "QUJD", "INVALID_BASE64"),  # data after the padding
        (b64(_padded_jpeg())[:-2] + "é=", "INVALID_BASE64"),
        (b64(b"GIF89a not a jpeg"), "HOTPREVIEW_NOT_JPEG"),
        (b64(b"\xff\xd8" + b"\0" * (1024 * 1024)), "HOTPREVIEW_TOO_LARGE"),
    ],
)
def test_a_bad_hotpreview_fails_only_its_group(gql, engine, hotpreview, code):
    bad = group(None, "BAD.JPG")
    bad["hotpreview"] = hotpreview
    outcome = send(gql, [bad, group(jpeg(), "GOOD.JPG")])
    assert [r["status"] for r in outcome["results"]] == ["FAILED", "CREATED"]
    assert codes(outcome["results"][0]) == [code]
    assert outcome["photosCreated"] == 1 and len(outcome["errors"]) == 1 and code in outcome["errors"][0]
    assert count(engine, Photo) == 1 and count(engine, Image) == 1


# --- validation: one group fails alone ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"rating": 6}, "INVALID_RATING"),
        ({"rating": -1}, "INVALID_RATING"),
        ({"userRotation": 45}, "INVALID_ROTATION"),
        ({"width": 0}, "INVALID_DIMENSIONS"),
    ],
)
def test_invalid_fields_fail_the_group_with_a_stable_code(gql, engine, fields, code):
    a, b = distinct_jpegs(2)
    outcome = send(gql, [group(a, "A.JPG", **fields), group(b, "B.JPG", rating=5, userRotation=270)])
    assert codes(outcome["results"][0]) == [code]
    assert outcome["results"][1]["status"] == "CREATED"
    assert outcome["results"][1]["photo"]["rating"] == 5 and outcome["results"][1]["photo"]["userRotation"] == 270
    assert count(engine, Photo) == 1


def test_a_group_without_images_fails(gql):
    assert codes(send(gql, [group(jpeg())])["results"][0]) == ["NO_IMAGES"]


def test_invalid_exif_base64_fails_the_group_naming_the_file(gql, engine):
    g = group(jpeg(), "IMG_1.JPG", "IMG_1.CR2")
    g["images"][1]["exifData"] = "%%%"
    result = send(gql, [g])["results"][0]
    assert result["status"] == "FAILED"
    assert result["errors"] == [{"code": "INVALID_BASE64", "message": "exifData is not valid base64.", "filename": "IMG_1.CR2"}]
    assert count(engine, Image) == 0


def test_every_problem_of_a_group_is_reported(gql):
    bad = group(None, "A.JPG", rating=9, userRotation=1)
    bad["hotpreview"] = "@@"
    assert sorted(codes(send(gql, [bad])["results"][0])) == ["INVALID_BASE64", "INVALID_RATING", "INVALID_ROTATION"]


def test_unreadable_exif_is_a_warning_and_the_photo_is_kept(gql):
    garbage = b"this is not exif at all"
    result = send(gql, [group(jpeg(), "IMG_1.JPG", exif={"IMG_1.JPG": garbage})])["results"][0]
    assert result["status"] == "CREATED"
    assert [w["code"] for w in result["warnings"]] == ["EXIF_UNREADABLE"]
    assert result["warnings"][0]["filename"] == "IMG_1.JPG"
    # The bytes are kept exactly as received even so.
    assert base64.b64decode(result["photo"]["images"][0]["exifData"]) == garbage


# --- EXIF to photo ------------------------------------------------------------------------------


def test_exif_is_extracted_and_raw_bytes_stored_exactly(gql):
    blob = exif_blob(make="Nikon", model="D90", taken="2020:02:29 23:59:58", lens="18-105mm", gps=(59.91, 10.75))
    photo = send(gql, [group(jpeg(), "DSC_1.JPG", exif={"DSC_1.JPG": blob})])["results"][0]["photo"]
    assert photo["cameraMake"] == "Nikon" and photo["cameraModel"] == "D90" and photo["lensModel"] == "18-105mm"
    assert photo["takenAt"] == "2020-02-29T23:59:58"
    assert photo["exposureTime"] == "1/125"
    assert photo["gpsLatitude"] == pytest.approx(59.91, abs=1e-6)
    assert photo["gpsLongitude"] == pytest.approx(10.75, abs=1e-6)
    assert base64.b64decode(photo["images"][0]["exifData"]) == blob


def test_metadata_comes_from_the_first_readable_exif_and_gaps_are_filled(gql):
    jpeg_exif = exif_blob(make="Canon", model="EOS R5", taken="2022:01:02 03:04:05", lens=None)
    raw_exif = exif_blob(make="Other", model="Other", taken="1999:01:01 00:00:00", lens="RF 24-70mm")
    files = {"IMG_1.CR3": b"garbage", "IMG_1.JPG": jpeg_exif, "IMG_1.CR2": raw_exif}
    result = send(gql, [group(jpeg(), "IMG_1.CR3", "IMG_1.JPG", "IMG_1.CR2", exif=files)])["results"][0]
    photo = result["photo"]
    assert (photo["cameraMake"], photo["cameraModel"]) == ("Canon", "EOS R5")
    assert photo["takenAt"] == "2022-01-02T03:04:05"
    assert photo["lensModel"] == "RF 24-70mm"
    assert [w["filename"] for w in result["warnings"]] == ["IMG_1.CR3"]


def test_dimensions_come_from_the_client_else_from_exif_turned_for_orientation(gql):
    a, b, c = distinct_jpegs(3)
    upright = exif_blob(size=(4000, 3000), orientation=1)
    turned = exif_blob(size=(4000, 3000), orientation=6)
    results = send(
        gql,
        [
            group(a, "A.JPG", exif={"A.JPG": upright}),
            group(b, "B.JPG", exif={"B.JPG": turned}),
            group(c, "C.JPG", exif={"C.JPG": turned}, width=640, height=480),
        ],
    )["results"]
    assert [(r["photo"]["width"], r["photo"]["height"]) for r in results] == [(4000, 3000), (3000, 4000), (640, 480)]
    assert results[1]["photo"]["orientation"] == 6


# --- duplicates ---------------------------------------------------------------------------------


def test_a_known_hothash_with_known_files_is_a_duplicate(gql, engine):
    preview = jpeg()
    send(gql, [group(preview, "IMG_1.JPG", "IMG_1.CR2")])
    outcome = send(gql, [group(preview, "img_1.jpg", "IMG_1.cr2")])
    assert outcome["results"][0]["status"] == "DUPLICATE" and outcome["duplicatesSkipped"] == 1
    assert outcome["imagesCreated"] == 0 and outcome["photosCreated"] == 0
    assert count(engine, Photo) == 1 and count(engine, Image) == 2


def test_the_raw_arriving_after_its_jpeg_is_attached(gql, engine):
    preview = jpeg()
    send(gql, [group(preview, "IMG_1.JPG")])
    outcome = send(gql, [group(preview, "IMG_1.JPG", "IMG_1.CR2")])
    result = outcome["results"][0]
    assert result["status"] == "IMAGES_ADDED" and result["imagesCreated"] == 1
    assert [i["filename"] for i in result["photo"]["images"]] == ["IMG_1.JPG", "IMG_1.CR2"]
    assert outcome["imagesCreated"] == 1 and outcome["duplicatesSkipped"] == 0
    assert count(engine, Photo) == 1 and count(engine, Image) == 2


def test_files_attached_later_fill_what_the_photo_lacked(gql):
    preview = jpeg()
    send(gql, [group(preview, "IMG_1.JPG", exif={"IMG_1.JPG": exif_blob(lens=None, gps=None)})])
    raw = exif_blob(make="Someone", lens="EF 50mm f/1.8", gps=(-33.86, 151.21))
    photo = send(gql, [group(preview, "IMG_1.CR2", exif={"IMG_1.CR2": raw})])["results"][0]["photo"]
    assert photo["cameraMake"] == "Canon"  # what it had stays
    assert photo["lensModel"] == "EF 50mm f/1.8"
    assert photo["gpsLatitude"] == pytest.approx(-33.86, abs=1e-6)


def test_duplicates_inside_one_batch(gql, engine):
    preview = jpeg()
    outcome = send(
        gql,
        [group(preview, "IMG_1.JPG"), group(preview, "img_1.JPG"), group(preview, "IMG_1.CR2", "IMG_1.JPG")],
    )
    assert [r["status"] for r in outcome["results"]] == ["CREATED", "DUPLICATE", "IMAGES_ADDED"]
    assert len({r["photo"]["id"] for r in outcome["results"]}) == 1
    assert (outcome["photosCreated"], outcome["imagesCreated"], outcome["duplicatesSkipped"]) == (1, 2, 1)
    assert count(engine, Photo) == 1 and count(engine, Image) == 2


def test_a_file_named_twice_in_a_group_is_taken_once(gql, engine):
    result = send(gql, [group(jpeg(), "IMG_1.JPG", "img_1.jpg")])["results"][0]
    assert result["status"] == "CREATED" and result["imagesCreated"] == 1
    assert [w["code"] for w in result["warnings"]] == ["DUPLICATE_FILENAME"]


def test_create_photo_group_has_the_same_semantics(gql):
    mutation = """mutation($g: PhotoGroupInput!) { createPhotoGroup(input: $g) {
        hothash status imagesCreated errors { code } photo { hothash } } }"""
    preview = jpeg()
    first = data(gql.execute(mutation, {"g": group(preview, "A.JPG", tags=["Trip", "trip", " ", "Sea"])}))
    assert first["createPhotoGroup"]["status"] == "CREATED"
    again = data(gql.execute(mutation, {"g": group(preview, "a.jpg")}))["createPhotoGroup"]
    assert again["status"] == "DUPLICATE" and again["photo"]["hothash"] == sha256(preview)
    bad = data(gql.execute(mutation, {"g": group(preview, "B.JPG", rating=7)}))["createPhotoGroup"]
    assert bad["status"] == "FAILED" and bad["errors"] == [{"code": "INVALID_RATING"}] and bad["photo"] is None
    tags = data(gql.execute("query($h: String!) { photo(hothash: $h) { tags } }", {"h": sha256(preview)}))
    assert tags["photo"]["tags"] == ["Trip", "Sea"]


# --- sessions -----------------------------------------------------------------------------------


def test_session_statistics_are_kept_with_each_batch(gql):
    session = open_session(gql, "Pictures/Iceland 2024")
    a, b, c = distinct_jpegs(3)
    send(gql, [group(a, "A.JPG", "A.CR2"), group(b, "B.JPG"), group(None, "X.JPG")], session)
    send(gql, [group(a, "A.JPG"), group(b, "B.JPG", "B.NEF"), group(c, "C.JPG")], session)
    assert totals(gql, session) == {
        "id": session,
        "status": "IN_PROGRESS",
        "photosCreated": 3,
        "imagesCreated": 5,
        "duplicatesSkipped": 1,
        "filesProcessed": 8,
        "errorsCount": 1,
        "completedAt": None,
    }
    done = data(gql.execute("mutation($id: Int!) { completeImportSession(id: $id) { status completedAt storageDirectory } }", {"id": session}))
    assert done["completeImportSession"]["status"] == "COMPLETED"
    assert done["completeImportSession"]["storageDirectory"] == "Pictures/Iceland 2024"
    assert done["completeImportSession"]["completedAt"]


def test_a_batch_naming_an_unknown_session_writes_nothing(gql, engine):
    response = gql.execute(
        "mutation($i: BatchImportInput!) { importBatch(input: $i) { photosCreated } }",
        {"i": {"importSessionId": 999, "photoGroups": [group(jpeg(), "A.JPG")]}},
    )
    assert response["data"] is None
    assert response["errors"][0]["extensions"]["code"] == "UNKNOWN_IMPORT_SESSION"
    assert "999" in response["errors"][0]["message"]
    assert count(engine, Photo) == 0


def test_a_group_naming_an_unknown_session_fails_alone(gql):
    a, b = distinct_jpegs(2)
    results = send(gql, [group(a, "A.JPG", importSessionId=12345), group(b, "B.JPG")])["results"]
    assert codes(results[0]) == ["UNKNOWN_IMPORT_SESSION"] and results[1]["status"] == "CREATED"


def test_a_completed_session_takes_no_more_batches(gql, engine):
    session = open_session(gql)
    gql.execute("mutation($id: Int!) { completeImportSession(id: $id) { id } }", {"id": session})
    response = gql.execute(
        "mutation($i: BatchImportInput!) { importBatch(input: $i) { photosCreated } }",
        {"i": {"importSessionId": session, "photoGroups": [group(jpeg(), "A.JPG")]}},
    )
    assert response["errors"][0]["extensions"]["code"] == "IMPORT_SESSION_COMPLETED"
    assert count(engine, Photo) == 0


def test_completing_an_unknown_session_is_a_clear_error(gql):
    response = gql.execute("mutation { completeImportSession(id: 77) { id } }")
    assert response["errors"][0]["extensions"]["code"] == "UNKNOWN_IMPORT_SESSION"


def test_an_image_can_name_its_own_session(gql):
    first, second = open_session(gql, "one"), open_session(gql, "two")
    g = group(jpeg(), "A.JPG", "A.CR2")
    g["images"][1]["importSessionId"] = second
    send(gql, [g], first)
    query = "{ photos { edges { node { importSession { id } images { filename importSession { id } } } } } }"
    node = data(gql.execute(query))["photos"]["edges"][0]["node"]
    assert node["importSession"]["id"] == first
    assert {i["filename"]: i["importSession"]["id"] for i in node["images"]} == {"A.JPG": first, "A.CR2": second}


# --- limits -------------------------------------------------------------------------------------


def test_a_batch_past_the_group_limit_writes_nothing(database_url, engine):
    from imalink.local import LocalGraphQL
    from imalink.settings import Settings

    small = LocalGraphQL(settings=Settings(database_url=database_url, max_groups_per_batch=2))
    response = small.execute(
        "mutation($i: BatchImportInput!) { importBatch(input: $i) { photosCreated } }",
        {"i": {"photoGroups": [group(p, "A.JPG") for p in distinct_jpegs(3)]}},
    )
    small.close()
    assert response["errors"][0]["extensions"]["code"] == "BATCH_TOO_LARGE"
    assert count(engine, Photo) == 0


def test_a_group_past_the_image_limit_fails_alone(database_url, engine):
    from imalink.local import LocalGraphQL
    from imalink.settings import Settings

    small = LocalGraphQL(settings=Settings(database_url=database_url, max_images_per_group=2))
    a, b = distinct_jpegs(2)
    outcome = send(small, [group(a, "1.JPG", "2.JPG", "3.JPG"), group(b, "1.JPG", "2.JPG")])
    small.close()
    assert codes(outcome["results"][0]) == ["TOO_MANY_IMAGES"] and outcome["results"][1]["status"] == "CREATED"
