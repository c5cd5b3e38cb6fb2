"""Rows of one batch, as the import service hands them to db/writes.py, for the tests of the writes
made beside the describing (tests/db/test_db_copy_meanwhile.py, test_db_written_meanwhile.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select

from imalink.db.tables import LOCAL_OWNER_ID, image_t
from imalink.local import LocalGraphQL
from imalink.settings import Settings
from tests.api.importing import group, send
from tests.support.media import exif_blob, jpeg


def file_rows(photo_id: int, names: list[str]) -> list[dict[str, Any]]:
    """Image rows of the local owner's photo ``photo_id``, one per file name, each with real EXIF."""
    now = datetime.now(UTC)
    return [
        {"owner_id": LOCAL_OWNER_ID, "photo_id": photo_id, "filename": name, "filename_key": name.lower(),
         "file_size": 1000 + n, "content_hash": None, "exif_data": exif_blob(), "import_session_id": None, "created_at": now}
        for n, name in enumerate(names)
    ]


def photo_rows(count: int, first: int = 0) -> list[dict[str, Any]]:
    """Photo rows of the local owner (the columns a described group gives, without their ids)."""
    now = datetime.now(UTC)
    return [
        {"owner_id": LOCAL_OWNER_ID, "hothash": f"{first + n:064x}", "hotpreview": jpeg(label=str(first + n)), "rating": 0,
         "favorite": False, "user_rotation": 0, "camera_model": "EOS R5", "taken_at": datetime(2024, 5, 1 + n % 28, 12),
         "gps_latitude": 59.9, "gps_longitude": 10.7, "phash": None, "import_session_id": None, "created_at": now,
         "updated_at": now, "search_text": f"img {first + n}"}
        for n in range(count)
    ]


def a_photo(url: str) -> int:
    """Import one photo (IMG_1.JPG) into the library at ``url``; its id."""
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        return int(send(gql, [group(jpeg(label="1"), "IMG_1.JPG")])["results"][0]["photo"]["id"])


def files_of(engine: Engine) -> int:
    """How many files the library holds."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(image_t)).scalar_one()
