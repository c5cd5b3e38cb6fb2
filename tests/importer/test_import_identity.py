"""File identity through the importer: content hashes, the pre-check before any hotpreview, and
files imported by another client (whose hotpreview bytes differ) -- on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from imalink.importer.names import api_name
from imalink.importer.transport import LocalTransport
from imalink.importer.upload import CREATE_IMPORT_SESSION, IMPORT_BATCH, ImportRun
from library import query_library
from tests.support.media import other_encoder_preview
from imalink.importer.vectors import camera_jpeg, exif_payload, picture, raw_bytes, thumbnail_jpeg, write_vectors

LIBRARY = """
query Library {
  photos(first: 500) { totalCount edges { node { hothash width height images { filename contentHash fileSize } } } }
}"""

def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _library(database_url: str) -> dict[str, Any]:
    return query_library(database_url, LIBRARY)["photos"]


def _run(database_url: str, *paths: Path, workers: int = 1) -> Any:
    transport = LocalTransport(database_url)
    try:
        run = ImportRun(list(paths), transport, workers=workers)
        summary = run.run()
    finally:
        transport.close()
    assert run.by_content_hash, "the server should know files by content hash"
    return summary


def _other_client(database_url: str, files: list[tuple[str, bytes]], preview: bytes) -> dict[str, Any]:
    """A client with another encoder (a browser's canvas, say): same files, other hotpreview bytes."""
    transport = LocalTransport(database_url)
    try:
        session = transport.execute(CREATE_IMPORT_SESSION, {"input": {"storageDirectory": "browser"}})["data"]["createImportSession"]["id"]
        group = {
            "hothash": _sha(preview),
            "hotpreview": base64.b64encode(preview).decode(),
            "images": [{"filename": name, "fileSize": len(data), "contentHash": _sha(data)} for name, data in files],
        }
        response = transport.execute(IMPORT_BATCH, {"input": {"importSessionId": session, "photoGroups": [group]}})
    finally:
        transport.close()
    assert not response.get("errors"), response
    return response["data"]["importBatch"]["results"][0]


@pytest.fixture
def shots(tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "shots"
    folder.mkdir()
    img = picture((800, 600), 3)
    jpeg = camera_jpeg(img, exif_payload(thumbnail=thumbnail_jpeg(img), pixel_size=img.size))
    raw, _ = raw_bytes(preview=camera_jpeg(img.resize((400, 300)), None))
    return {"folder": folder, "jpeg": jpeg, "raw": raw, "img": img}


def test_content_hashes_are_sent_and_a_second_run_makes_no_hotpreview(database_url: str, shots) -> None:
    (shots["folder"] / "IMG_1.JPG").write_bytes(shots["jpeg"])
    (shots["folder"] / "IMG_1.CR2").write_bytes(shots["raw"])
    first = _run(database_url, shots["folder"])
    assert first.photos_created == 1 and first.files_attached == 2
    (photo,) = [e["node"] for e in _library(database_url)["edges"]]
    assert sorted((i["filename"], i["contentHash"], i["fileSize"]) for i in photo["images"]) == sorted(
        [("IMG_1.JPG", _sha(shots["jpeg"]), len(shots["jpeg"])), ("IMG_1.CR2", _sha(shots["raw"]), len(shots["raw"]))]
    )
    again = _run(database_url, shots["folder"])
    assert again.already_in_library == 1 and again.files_already_in_library == 2
    assert again.groups_sent == 0 and again.import_session_id is None
    assert again.preview_sources == {}  # known by content hash before any hotpreview was made


def test_a_file_imported_by_another_client_is_not_imported_again(database_url: str, shots) -> None:
    (shots["folder"] / "IMG_1.JPG").write_bytes(shots["jpeg"])
    other = _other_client(database_url, [("IMG_1.JPG", shots["jpeg"])], other_encoder_preview(shots["jpeg"]))
    assert other["status"] == "CREATED"
    summary = _run(database_url, shots["folder"])
    assert summary.already_in_library == 1 and summary.groups_sent == 0
    assert _library(database_url)["totalCount"] == 1


def test_a_raw_arriving_after_its_jpeg_came_from_another_client_joins_that_photo(database_url: str, shots) -> None:
    other = _other_client(database_url, [("IMG_1.JPG", shots["jpeg"])], other_encoder_preview(shots["jpeg"]))
    (shots["folder"] / "IMG_1.JPG").write_bytes(shots["jpeg"])
    (shots["folder"] / "IMG_1.CR2").write_bytes(shots["raw"])
    summary = _run(database_url, shots["folder"])
    assert summary.images_added == 1 and summary.files_attached == 1 and summary.photos_created == 0
    assert summary.files_already_in_library == 1 and summary.preview_sources == {}
    library = _library(database_url)
    assert library["totalCount"] == 1
    (photo,) = [e["node"] for e in library["edges"]]
    assert photo["hothash"] == other["hothash"]
    assert sorted(i["filename"] for i in photo["images"]) == ["IMG_1.CR2", "IMG_1.JPG"]


def test_a_copy_of_a_file_in_the_same_run_is_one_photo(database_url: str, shots) -> None:
    for folder in ("a", "b"):
        (shots["folder"] / folder).mkdir()
        (shots["folder"] / folder / "IMG_1.JPG").write_bytes(shots["jpeg"])
    summary = _run(database_url, shots["folder"])
    # Met in one chunk, both are sent and the server folds the second in; met in batches apart,
    # the second is known by its content hash and not sent at all.
    assert summary.photos_created == 1 and summary.already_in_library + summary.duplicates == 1
    assert _library(database_url)["totalCount"] == 1


def test_one_jpeg_with_two_different_hotpreviews_is_one_photo(database_url: str, shots) -> None:
    # Two other clients, racing: neither saw the other's file before sending (no pre-check).
    first = _other_client(database_url, [("IMG_1.JPG", shots["jpeg"])], other_encoder_preview(shots["jpeg"]))
    img = Image.open(io.BytesIO(shots["jpeg"])).convert("RGB").resize((150, 113))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=60)
    second = _other_client(database_url, [("IMG_1.JPG", shots["jpeg"])], buf.getvalue())
    assert first["hothash"] != _sha(buf.getvalue())
    assert second["status"] == "DUPLICATE" and second["hothash"] == first["hothash"]
    assert _library(database_url)["totalCount"] == 1


def test_the_vectors_import_once_each(database_url: str, tmp_path: Path) -> None:
    expected = write_vectors(tmp_path)
    summary = _run(database_url, tmp_path / "photos", workers=2)
    assert summary.failures == [] and summary.groups_failed == 0
    library = _library(database_url)
    stored = {i["contentHash"]: i for e in library["edges"] for i in e["node"]["images"]}
    wanted = {e["contentHash"]: e for e in expected["files"] if not e["skip"]}
    assert set(stored) == set(wanted)  # every file once, the copy folded into its original
    for content_hash, image in stored.items():
        assert image["fileSize"] == wanted[content_hash]["size"]
        if wanted[content_hash]["path"] not in expected["sameContent"][0]:
            assert image["filename"] == wanted[content_hash]["filename"]
    assert library["totalCount"] == len(expected["groups"]) - 1  # the copy is no photo of its own
    # Names that are not UTF-8 are stored in their API form and map back to the bytes on disk.
    odd = [e for e in expected["files"] if not e["browser"]]
    assert odd and all(stored[e["contentHash"]]["filename"] == api_name(bytes.fromhex(e["pathBytesHex"]).rsplit(b"/", 1)[-1]) for e in odd)


def test_a_copy_met_in_a_later_chunk_is_known_before_its_preview(database_url: str, shots) -> None:
    (shots["folder"] / "a").mkdir()
    (shots["folder"] / "b").mkdir()
    (shots["folder"] / "a" / "IMG_0.JPG").write_bytes(shots["jpeg"])
    for i in range(1, 6):  # more groups than one chunk holds, so the copy is checked later
        img = picture((400, 300), 20 + i)
        (shots["folder"] / "a" / f"IMG_{i}.JPG").write_bytes(camera_jpeg(img, exif_payload(thumbnail=thumbnail_jpeg(img), pixel_size=img.size)))
    (shots["folder"] / "b" / "IMG_0.JPG").write_bytes(shots["jpeg"])
    summary = _run(database_url, shots["folder"])
    assert summary.photos_created == 6 and summary.already_in_library == 1 and summary.duplicates == 0
    assert sum(summary.preview_sources.values()) == 6  # none for the copy


def test_files_of_two_photos_in_one_group_are_not_sent(database_url: str, shots) -> None:
    _other_client(database_url, [("IMG_1.JPG", shots["jpeg"])], other_encoder_preview(shots["jpeg"]))
    other = camera_jpeg(picture((400, 300), 30), None)
    _other_client(database_url, [("IMG_1.CR2", shots["raw"])], other_encoder_preview(other))
    (shots["folder"] / "IMG_1.JPG").write_bytes(shots["jpeg"])
    (shots["folder"] / "IMG_1.CR2").write_bytes(shots["raw"])
    summary = _run(database_url, shots["folder"])
    assert [f.code for f in summary.failures] == ["FILES_OF_DIFFERENT_PHOTOS"] and summary.groups_failed == 1
    assert summary.groups_sent == 0 and _library(database_url)["totalCount"] == 2
