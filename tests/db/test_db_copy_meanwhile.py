"""A batch's files copied while the server describes their photos (PostgreSQL, db/writes.py
``images_copied_meanwhile``), and its photos in parts: the copy runs while the body does, past what
libpq may hold. What both databases share (errors on either side, the key checked at the commit,
a thread that cannot start, a batch waiting for its library): tests/db/test_db_written_meanwhile.py."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, text

from imalink.db import writes
from imalink.db.engine import writing
from imalink.db.tables import image_t, photo_t
from imalink.local import LocalGraphQL
from imalink.resolvers.imports import service
from imalink.settings import Settings
from tests.api.importing import group, send
from tests.support.batch_rows import a_photo, file_rows, files_of, photo_rows
from tests.support.databases import POSTGRES_ENV, fresh_database
from tests.support.media import exif_blob, jpeg

pytestmark = pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set: these are PostgreSQL's COPY")


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    yield from fresh_database("postgresql", tmp_path)





def test_the_files_are_copied_while_the_body_runs_and_kept(postgres) -> None:
    url, engine = postgres
    photo_id = a_photo(url)
    rows = file_rows(photo_id, [f"IMG_{n}.CR2" for n in range(200)])
    copying_seen: list[str] = []
    with engine.connect() as other, writing(engine) as conn:
        # Another transaction holds the first file's name in that photo, uncommitted: the copy
        # waits for it on the unique key, so it is still running when the body looks.
        other.execute(insert(image_t).values(rows[0]))
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))  # a copy made before the body fails, not hangs
        with writes.images_copied_meanwhile(conn, rows):
            for _ in range(100):
                # A transaction reads pg_stat_activity once and keeps that snapshot until it is
                # cleared: without this a first look before the copy began would be the only one.
                other.execute(text("SELECT pg_stat_clear_snapshot()"))
                copying_seen = list(other.execute(text(
                    "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database() AND query LIKE 'COPY image%'"
                )).scalars())
                if copying_seen:
                    break
                time.sleep(0.05)
            other.rollback()  # the copy goes on
    assert len(copying_seen) == 1
    assert files_of(engine) == 1 + 200






def test_one_batch_at_a_time_is_described_while_its_files_are_copied(postgres, monkeypatch) -> None:
    url, _ = postgres
    copying = threading.Event()
    described_while_copying: list[bool] = []
    describe, copied_meanwhile = service.describe_groups, writes.images_copied_meanwhile

    @contextlib.contextmanager
    def watched_copy(*args: Any) -> Iterator[Any]:
        with copied_meanwhile(*args) as alongside:
            copying.set()
            yield alongside
            copying.clear()

    def watched_describe(plans: Any, *rest: Any) -> None:
        described_while_copying.append(copying.is_set())
        describe(plans, *rest)

    monkeypatch.setattr(writes, "images_copied_meanwhile", watched_copy)
    monkeypatch.setattr(service, "describe_groups", watched_describe)
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        result = send(gql, [group(jpeg(label=str(n)), f"IMG_{n}.JPG", f"IMG_{n}.CR2", exif={f"IMG_{n}.JPG": exif_blob()}) for n in range(5)])
    assert result["photosCreated"] == 5 and result["imagesCreated"] == 10
    assert described_while_copying == [True]
    assert all(r["photo"]["cameraModel"] for r in result["results"])  # described, then written



def test_files_past_what_libpq_may_hold_are_copied_whole(postgres) -> None:
    url, engine = postgres
    photo_id = a_photo(url)
    rows = file_rows(photo_id, [f"IMG_{n}.CR2" for n in range(24)])
    for n, row in enumerate(rows):
        row["exif_data"] = bytes([n]) * (writes.COPY_UNSENT_BYTES // 16)  # 1.5x the bound in all
    with writing(engine) as conn:
        with writes.images_copied_meanwhile(conn, rows):
            pass
    with engine.connect() as conn:
        stored = conn.execute(select(image_t.c.filename, func.length(image_t.c.exif_data)).where(image_t.c.photo_id == photo_id)).all()
    assert sorted(length for name, length in stored if name != "IMG_1.JPG") == [writes.COPY_UNSENT_BYTES // 16] * 24



def test_the_first_photos_are_copied_while_the_body_runs_and_the_rest_after(postgres) -> None:
    url, engine = postgres
    photo_id = a_photo(url)
    photos = photo_rows(writes.POSTGRES_PHOTOS_TOGETHER + 10)
    copied_seen = False
    with engine.connect() as other, writing(engine) as conn:
        backend = conn.connection.dbapi_connection.info.backend_pid
        ids = writes.new_ids(conn, photo_t, len(photos))
        with writes.written_meanwhile(conn, file_rows(photo_id, ["IMG_2.CR2"])) as add_photos:
            add_photos(photos[:30], ids[:30])
            add_photos(photos[30:], ids[30:])  # past the part: copied now, whole
            for _ in range(200):
                other.execute(text("SELECT pg_stat_clear_snapshot()"))
                state = other.execute(text("SELECT query, state FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend}).one()
                if state.query.startswith("COPY photo") and state.state == "idle in transaction":
                    copied_seen = True  # the photos' copy is over, and the body still runs
                    break
                time.sleep(0.05)
        other.rollback()
    assert copied_seen
    with engine.connect() as conn:
        stored = conn.execute(select(photo_t.c.id).where(photo_t.c.id != photo_id).order_by(photo_t.c.id)).scalars().all()
    assert stored == ids


def test_photos_short_of_a_part_are_copied_after_the_body(postgres) -> None:
    url, engine = postgres
    photo_id = a_photo(url)
    photos = photo_rows(writes.POSTGRES_PHOTOS_TOGETHER - 1)
    with engine.connect() as other, writing(engine) as conn:
        backend = conn.connection.dbapi_connection.info.backend_pid
        ids = writes.new_ids(conn, photo_t, len(photos))
        with writes.written_meanwhile(conn, file_rows(photo_id, ["IMG_2.CR2"])) as add_photos:
            add_photos(photos, ids)
            time.sleep(0.3)
            last = other.execute(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend}).scalar_one()
            other.rollback()
    assert not last.startswith("COPY photo")
    assert files_of(engine) == 2
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(photo_t)).scalar_one() == 1 + len(photos)
