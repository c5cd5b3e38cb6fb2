"""Coldpreviews: sent with a group, kept on disk (not in the database), served owner-scoped over HTTP."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

import httpx
import pytest
from PIL import Image as PILImage
from sqlalchemy import insert

from imalink.db.tables import user_t
from imalink.local import LocalGraphQL
from imalink.schema.context import Viewer
from imalink.settings import Settings
from tests.support.graphql import HttpGraphQL, data
from tests.support.media import b64, distinct_jpegs, sha256
from tests.support.server import running_server

BATCH = """
mutation($input: BatchImportInput!) {
  importBatch(input: $input) { results { hothash status errors { code } photo { coldpreviewUrl } } }
}
"""


def coldpreview(shade: int = 90) -> bytes:
    """A real 1200 px JPEG, as a client would make for viewing."""
    image = PILImage.linear_gradient("L").resize((1200, 800)).convert("RGB")
    image.paste((shade, 40, 160), (100, 100, 400, 300))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def import_one(gql, preview: bytes, cold: bytes | str | None, name: str = "IMG.JPG") -> dict:
    group = {"hotpreview": b64(preview), "images": [{"filename": name}]}
    if cold is not None:
        group["coldpreview"] = cold if isinstance(cold, str) else b64(cold)
    return data(gql.execute(BATCH, {"input": {"photoGroups": [group]}}))["importBatch"]["results"][0]


@pytest.fixture
def settings(database_url, tmp_path):
    return Settings(database_url=database_url, media_dir=tmp_path / "media", max_coldpreview_bytes=512 * 1024)


def test_a_coldpreview_is_stored_on_disk_and_served_with_a_strong_etag(settings, tmp_path):
    preview, cold = distinct_jpegs(1, "cold")[0], coldpreview()
    with running_server(settings) as base:
        result = import_one(HttpGraphQL(base), preview, "data:image/jpeg;base64," + b64(cold))
        assert result["status"] == "CREATED"
        url = result["photo"]["coldpreviewUrl"]
        assert url == f"/coldpreview/{sha256(preview)}.jpg"
        response = httpx.get(base + url)
        assert response.status_code == 200 and response.content == cold
        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["etag"] == f'"{hashlib.sha256(cold).hexdigest()}"'
        assert "immutable" in response.headers["cache-control"]
        again = httpx.get(base + url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert httpx.get(f"{base}/coldpreview/{'0' * 64}.jpg").status_code == 404
        assert httpx.get(f"{base}/coldpreview/..%2F..%2Fetc%2Fpasswd.jpg").status_code == 404
    # Content-addressed under the owner and the hothash, in sharded folders; nothing half-written left.
    hothash = sha256(preview)
    stored = settings.media_dir / "coldpreview" / "1" / hothash[:2] / hothash[2:4] / f"{hothash}.jpg"
    assert stored.read_bytes() == cold
    assert [p.name for p in stored.parent.iterdir()] == [stored.name]


def test_a_known_photo_gets_a_coldpreview_later_and_keeps_the_first(settings):
    preview, first, second = distinct_jpegs(1, "later")[0], coldpreview(10), coldpreview(200)
    with LocalGraphQL(settings=settings) as gql:
        created = import_one(gql, preview, None)
        assert created["photo"]["coldpreviewUrl"] is None
        later = import_one(gql, preview, first)
        assert later["status"] == "DUPLICATE" and later["photo"]["coldpreviewUrl"]
        import_one(gql, preview, second, "OTHER.JPG")
        assert settings.schema_settings().media.coldpreview(1, sha256(preview)) == first
        deleted = data(gql.execute('mutation { deletePhoto(hothash: "%s") }' % sha256(preview)))
        assert deleted["deletePhoto"] is True
        assert settings.schema_settings().media.coldpreview(1, sha256(preview)) is None


def test_bad_coldpreviews_fail_only_their_group(settings):
    good, *bad = distinct_jpegs(4, "badcold")
    with LocalGraphQL(settings=settings) as gql:
        results = data(gql.execute(BATCH, {"input": {"photoGroups": [
            {"hotpreview": b64(good), "coldpreview": b64(coldpreview()), "images": [{"filename": "OK.JPG"}]},
            {"hotpreview": b64(bad[0]), "coldpreview": b64(b"GIF89a not a jpeg"), "images": [{"filename": "A.JPG"}]},
            {"hotpreview": b64(bad[1]), "coldpreview": "***", "images": [{"filename": "B.JPG"}]},
            {"hotpreview": b64(bad[2]), "coldpreview": b64(b"\xff\xd8" + bytes(600 * 1024)), "images": [{"filename": "C.JPG"}]},
        ]}}))["importBatch"]["results"]
    assert [r["status"] for r in results] == ["CREATED", "FAILED", "FAILED", "FAILED"]
    assert [r["errors"][0]["code"] for r in results[1:]] == ["COLDPREVIEW_NOT_JPEG", "INVALID_BASE64", "COLDPREVIEW_TOO_LARGE"]
    assert sorted(p.name for p in settings.media_dir.rglob("*.jpg")) == [f"{sha256(good)}.jpg"]


def test_each_owner_sees_only_their_own_coldpreview(settings, engine):
    with engine.begin() as conn:
        other = conn.execute(
            insert(user_t).values(username="other", is_admin=False, created_at=datetime.now(UTC)).returning(user_t.c.id)
        ).scalar_one()
    preview, mine, theirs = distinct_jpegs(1, "owners")[0], coldpreview(30), coldpreview(230)
    with LocalGraphQL(settings=settings, viewer=Viewer(other)) as stranger:
        assert import_one(stranger, preview, theirs)["status"] == "CREATED"
    with running_server(settings) as base:  # the local owner's server
        url = f"{base}/coldpreview/{sha256(preview)}.jpg"
        assert httpx.get(url).status_code == 404  # another user's photo, even by its hothash
        import_one(HttpGraphQL(base), preview, mine)
        assert httpx.get(url).content == mine  # the same picture in two libraries: each its own bytes


def test_the_default_media_directory_is_beside_the_sqlite_file(tmp_path):
    assert Settings(database_url=f"sqlite:///{tmp_path}/lib.db").media_directory() == tmp_path / "lib-media"
    assert Settings(database_url="postgresql+psycopg://db/x").media_directory().name == "imalink-media"
