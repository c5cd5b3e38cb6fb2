"""Content hashes are kept per file and found again; each user's library is their own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from imalink.db.tables import user_t
from imalink.local import LocalGraphQL
from imalink.schema.context import Viewer
from imalink.settings import Settings
from tests.api.importing import group, open_session, send
from tests.support.graphql import data
from tests.support.media import distinct_jpegs, sha256

FILES = """
query Files($hashes: [String!]!) { existingFiles(contentHashes: $hashes) { contentHash filename hothash } }
"""
PHOTO_FILES = """
query Photo($hothash: String!) { photo(hothash: $hothash) { images { filename contentHash } } }
"""


def test_content_hashes_are_stored_and_existing_files_finds_them(gql):
    preview = distinct_jpegs(1)[0]
    jpeg_hash, raw_hash = sha256(b"the jpeg file"), sha256(b"the raw file")
    sent = group(preview, "IMG_1.JPG", "IMG_1.CR2")
    sent["images"][0]["contentHash"] = jpeg_hash.upper()  # any case is taken, lowercase is kept
    sent["images"][1]["contentHash"] = raw_hash
    result = send(gql, [sent])
    assert result["results"][0]["status"] == "CREATED"
    hothash = result["results"][0]["hothash"]

    photo = data(gql.execute(PHOTO_FILES, {"hothash": hothash}))["photo"]
    assert photo["images"] == [
        {"filename": "IMG_1.JPG", "contentHash": jpeg_hash},
        {"filename": "IMG_1.CR2", "contentHash": raw_hash},
    ]
    unknown = sha256(b"never imported")
    found = data(gql.execute(FILES, {"hashes": [raw_hash, unknown, "not a hash", jpeg_hash]}))["existingFiles"]
    assert found == [
        {"contentHash": raw_hash, "filename": "IMG_1.CR2", "hothash": hothash},
        {"contentHash": jpeg_hash, "filename": "IMG_1.JPG", "hothash": hothash},
    ]


def test_a_malformed_content_hash_fails_only_its_group(gql):
    good, bad = distinct_jpegs(2, "hash")
    broken = group(bad, "BAD.JPG")
    broken["images"][0]["contentHash"] = "abc"
    result = send(gql, [group(good, "GOOD.JPG"), broken])
    assert [r["status"] for r in result["results"]] == ["CREATED", "FAILED"]
    assert result["results"][1]["errors"][0]["code"] == "INVALID_CONTENT_HASH"


def test_existing_files_answers_ten_thousand_in_one_round_trip(gql):
    hashes = [sha256(str(i).encode()) for i in range(10_000)]
    assert data(gql.execute(FILES, {"hashes": hashes}))["existingFiles"] == []
    too_many = gql.execute(FILES, {"hashes": hashes + [sha256(b"one more")]})
    assert too_many["errors"][0]["extensions"]["code"] == "TOO_MANY_HOTHASHES"


@pytest.fixture
def second_user(engine, database_url):
    with engine.begin() as conn:
        user_id = conn.execute(
            insert(user_t).values(username="second", is_admin=False, created_at=datetime.now(UTC)).returning(user_t.c.id)
        ).scalar_one()
    local = LocalGraphQL(settings=Settings(database_url=database_url), viewer=Viewer(user_id))
    yield local
    local.close()


def test_each_owner_keeps_the_same_picture_once_and_sees_only_their_own(gql, second_user):
    preview = distinct_jpegs(1, "shared")[0]
    content = sha256(b"the same file")
    sent = group(preview, "SAME.JPG")
    sent["images"][0]["contentHash"] = content
    mine = send(gql, [sent], open_session(gql))["results"][0]
    theirs = send(second_user, [sent])["results"][0]
    # The same picture is a new photo in each library, and a duplicate only within one.
    assert (mine["status"], theirs["status"]) == ("CREATED", "CREATED")
    assert send(second_user, [sent])["results"][0]["status"] == "DUPLICATE"
    assert mine["photo"]["id"] != theirs["photo"]["id"]

    other_only = group(distinct_jpegs(1, "other")[0], "OTHER.JPG")
    other_hothash = send(second_user, [other_only])["results"][0]["hothash"]
    listing = "{ photos { totalCount edges { node { hothash } } } importSessions { totalCount } }"
    assert data(gql.execute(listing))["photos"]["totalCount"] == 1
    assert data(second_user.execute(listing))["photos"]["totalCount"] == 2
    assert data(second_user.execute(listing))["importSessions"]["totalCount"] == 0
    # Another's photo is unknown: not found, not changed, not deleted, not listed as existing.
    assert data(gql.execute(PHOTO_FILES, {"hothash": other_hothash}))["photo"] is None
    update = 'mutation { updatePhoto(hothash: "%s", input: {title: "mine now"}) { id } }' % other_hothash
    assert data(gql.execute(update))["updatePhoto"] is None
    assert data(gql.execute('mutation { deletePhoto(hothash: "%s") }' % other_hothash))["deletePhoto"] is False
    assert data(gql.execute('{ existingHothashes(hothashes: ["%s"]) }' % other_hothash))["existingHothashes"] == []
    assert data(second_user.execute(FILES, {"hashes": [content]}))["existingFiles"][0]["hothash"] == theirs["hothash"]
