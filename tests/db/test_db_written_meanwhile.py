"""A batch's files and photos written by a thread while the server describes the photos (db/writes.py
``written_meanwhile``): on SQLite the rows go in while the body runs and the request's statements
can still be stopped afterwards; on both databases an error of either side fails the batch whole,
and the files' key to their photo holds at the commit. PostgreSQL's copy itself:
tests/db/test_db_copy_meanwhile.py."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from imalink.db import interrupts, writes
from imalink.db.engine import writing, writing_if_free
from imalink.db.tables import LOCAL_OWNER_ID, image_t, photo_t
from imalink.local import LocalGraphQL
from imalink.resolvers.imports import service
from imalink.settings import Settings
from tests.api.importing import group, send
from tests.support.batch_rows import a_photo, file_rows, files_of, photo_rows
from tests.support.databases import backends, fresh_database
from tests.support.media import exif_blob, jpeg


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    yield from fresh_database("sqlite", tmp_path)






def wait_for_changes(conn: Any, at_least: int) -> bool:
    """Whether the connection's inserts reach ``at_least`` rows within 10 s (read beside the thread:
    SQLite counts a connection's changes for any thread to read)."""
    driver = conn.connection.driver_connection
    deadline = time.monotonic() + 10
    while driver.total_changes < at_least:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_files_and_each_part_of_the_photos_go_in_while_the_body_runs(sqlite) -> None:
    url, engine = sqlite
    photo_id = a_photo(url)
    files = file_rows(photo_id, [f"IMG_{n}.CR2" for n in range(200)])
    # Without the columns that have defaults: the thread's statements must fill them as SQLAlchemy would.
    photos = [{k: v for k, v in row.items() if k not in ("rating", "favorite", "user_rotation")} for row in photo_rows(60)]
    seen = []
    with writing(engine) as conn:
        ids = writes.new_ids(conn, photo_t, len(photos))
        before = conn.connection.driver_connection.total_changes
        with writes.written_meanwhile(conn, files) as add_photos:
            seen.append(wait_for_changes(conn, before + 200))  # the files, with the body still running
            add_photos(photos[:30], ids[:30])
            seen.append(wait_for_changes(conn, before + 230))  # the first part, before the second is given
            add_photos(photos[30:], ids[30:])
    assert seen == [True, True]
    assert files_of(engine) == 1 + 200
    with engine.connect() as conn:
        stored = conn.execute(select(photo_t.c.id, photo_t.c.hothash, photo_t.c.rating, photo_t.c.geo_cell).where(photo_t.c.id != photo_id)).all()
    assert [(row.id, row.hothash) for row in stored] == [(i, row["hothash"]) for i, row in zip(ids, photos, strict=True)]
    assert {row.rating for row in stored} == {0}  # the column's default, as SQLAlchemy fills it
    assert all(row.geo_cell is not None for row in stored)  # written with its position


def test_values_are_stored_as_sqlalchemy_stores_them(sqlite) -> None:
    # The thread's statements bind what SQLAlchemy's bind processors make of each value: a date
    # written by the thread reads back as the same date, and compares with one SQLAlchemy wrote.
    url, engine = sqlite
    a_photo(url)
    photos = photo_rows(2, first=100)
    with writing(engine) as conn:
        ids = list(writes.insert_photos(conn, photos[:1]).values())  # SQLAlchemy's own statement
        ids += writes.new_ids(conn, photo_t, 1)
        with writes.written_meanwhile(conn, []) as add_photos:
            add_photos(photos[1:], ids[1:])
    with engine.connect() as conn:
        raw = conn.exec_driver_sql(f"SELECT taken_at, created_at FROM photo WHERE id IN ({ids[0]}, {ids[1]}) ORDER BY id").all()
        read = conn.execute(select(photo_t.c.taken_at).where(photo_t.c.id == ids[1])).scalar_one()
    assert [type(v) for v in raw[0]] == [type(v) for v in raw[1]] and len(raw[0][0]) == len(raw[1][0])
    assert read == photos[1]["taken_at"].replace(tzinfo=None) or read == photos[1]["taken_at"]


@pytest.fixture(params=backends())
def database(request: Any, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    yield from fresh_database(request.param, tmp_path)


REFUSED = (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)
"""A unique or foreign key's refusal: SQLAlchemy's, or the driver's own from the thread or a COPY."""


def test_an_insert_that_fails_fails_the_batch_once_the_body_is_done(database) -> None:
    url, engine = database
    photo_id = a_photo(url)
    body_done = []
    with pytest.raises(REFUSED, match="(?i)unique"):
        with writing(engine) as conn:
            with writes.written_meanwhile(conn, file_rows(photo_id, ["IMG_2.CR2", "img_1.jpg"])):  # IMG_1.JPG is there
                body_done.append(True)
    assert body_done == [True]
    assert files_of(engine) == 1


def test_a_body_that_fails_waits_for_the_thread_and_the_batch_keeps_nothing(database) -> None:
    url, engine = database
    photo_id = a_photo(url)
    with pytest.raises(ZeroDivisionError):
        with writing(engine) as conn:
            with writes.written_meanwhile(conn, file_rows(photo_id, [f"IMG_{n}.CR2" for n in range(50)])):
                1 / 0  # noqa: B018 - the describing failed
            # never reached: had the thread still run, the rollback would have met a busy connection
    assert files_of(engine) == 1
    with writing(engine) as conn:  # the library is free and its connection usable again
        assert conn.execute(select(func.count()).select_from(photo_t)).scalar_one() == 1


def test_files_whose_photo_never_comes_fail_at_the_commit(database) -> None:
    url, engine = database
    a_photo(url)
    with pytest.raises(IntegrityError, match="FOREIGN KEY|image_photo_id_fkey"):
        with writing(engine) as conn:
            with writes.written_meanwhile(conn, file_rows(999_999, ["IMG_9.JPG"])):
                pass
            assert conn.execute(select(func.count()).select_from(image_t)).scalar_one() == 2  # in, until the commit
    assert files_of(engine) == 1


def test_elsewhere_the_key_is_checked_at_once(database) -> None:
    url, engine = database
    a_photo(url)
    with pytest.raises(REFUSED, match="FOREIGN KEY|image_photo_id_fkey"):
        with writing(engine) as conn:
            writes.insert_images(conn, file_rows(999_999, ["IMG_9.JPG"]))
            pytest.fail("a file without its photo went in")


def test_a_thread_that_cannot_start_leaves_the_library_usable(database, monkeypatch) -> None:
    url, engine = database
    photo_id = a_photo(url)

    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")  # what CPython raises when it has no thread to give

    with monkeypatch.context() as patched:
        patched.setattr(threading.Thread, "start", refused)
        with pytest.raises(RuntimeError, match="can't start new thread"):
            with writing(engine) as conn:
                with writes.written_meanwhile(conn, file_rows(photo_id, ["IMG_2.CR2"])):
                    pytest.fail("the body ran without its thread")
    assert files_of(engine) == 1
    with writing(engine) as conn:  # the connection is usable again
        assert conn.execute(select(func.count()).select_from(image_t)).scalar_one() == 1


def test_the_request_can_still_be_stopped_after_the_thread(sqlite) -> None:
    # The thread runs its statements without the progress handler that stops a cancelled
    # request's statement part-way; the handler is back once the thread is done.
    url, engine = sqlite
    photo_id = a_photo(url)
    scope = interrupts.WorkScope()
    long = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000) SELECT count(*) FROM n"
    with scope.active(), writing(engine) as conn:
        with writes.written_meanwhile(conn, file_rows(photo_id, ["IMG_2.CR2"])):
            pass
        scope.cancel()
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            conn.connection.driver_connection.execute(long)  # past the engine's own refusal


def test_a_free_library_is_taken_at_once_and_a_held_one_is_not_waited_for(sqlite) -> None:
    _, engine = sqlite
    with writing_if_free(engine) as conn:
        assert conn is not None
        with writing_if_free(engine) as second:  # this process's other writer
            assert second is None
    other = sqlite3.connect(str(engine.url.database), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's writer
        started = time.monotonic()
        with writing_if_free(engine) as conn:
            assert conn is None
        assert time.monotonic() - started < 1.0
        other.execute("ROLLBACK")
    finally:
        other.close()
    with writing_if_free(engine) as conn:
        assert conn is not None


@pytest.mark.parametrize("backend", backends())
def test_one_batch_at_a_time_is_described_while_its_rows_are_written(backend, tmp_path, monkeypatch) -> None:
    for url, _ in fresh_database(backend, tmp_path):
        parts: list[tuple[int, bool]] = []
        written_meanwhile = writes.written_meanwhile
        writing_rows = threading.Event()

        def watched_meanwhile(*args: Any) -> Any:
            context = written_meanwhile(*args)

            class Watched:
                def __enter__(self) -> Any:
                    add = context.__enter__()
                    writing_rows.set()
                    return add

                def __exit__(self, *exc: Any) -> Any:
                    writing_rows.clear()
                    return context.__exit__(*exc)

            return Watched()

        describe = service.describe_groups

        def watched_describe(plans: Any, described: Any = None) -> None:
            def part_done(part: Any) -> None:
                parts.append((len(part), writing_rows.is_set()))
                described(part)

            describe(plans, part_done if described else None)

        monkeypatch.setattr(writes, "written_meanwhile", watched_meanwhile)
        monkeypatch.setattr(service, "describe_groups", watched_describe)
        groups = [group(jpeg(label=str(n)), f"IMG_{n}.JPG", f"IMG_{n}.CR2", exif={f"IMG_{n}.JPG": exif_blob()}) for n in range(60)]
        with LocalGraphQL(settings=Settings(database_url=url)) as gql:
            result = send(gql, groups)
        assert result["photosCreated"] == 60 and result["imagesCreated"] == 120
        assert parts == [(25, True), (25, True), (10, True)]  # each part handed on with the rows going in
        assert all(r["photo"]["cameraModel"] for r in result["results"])  # described, then written


def test_a_batch_that_finds_the_library_taken_is_described_before_it_waits(database, monkeypatch) -> None:
    # Described under the lock, a batch would keep the batch behind it waiting (two in flight on
    # PostgreSQL: 1,541 -> 1,240 groups/s); so a batch that finds its library taken describes its
    # groups before it waits, beside the other batch's writes, and writes its rows alone.
    url, engine = database
    described: list[tuple[bool, bool]] = []  # (while the other held the library, beside a writing thread)
    holding = threading.Event()
    describe = service.describe_groups

    def watched(plans: Any, described_part: Any = None) -> None:
        beside = described_part is not None or any(t.name in ("imalink-copy", "imalink-insert") for t in threading.enumerate())
        described.append((holding.is_set(), beside))
        describe(plans, described_part)

    monkeypatch.setattr(service, "describe_groups", watched)
    outcome: list[dict[str, Any]] = []
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        with writing(engine) as other:
            writes.lock_library(other, LOCAL_OWNER_ID)  # another importer writing the library
            holding.set()
            sender = threading.Thread(target=lambda: outcome.append(send(gql, [group(jpeg(label="w"), "IMG_W.JPG")])))
            sender.start()
            sender.join(timeout=1.0)
            assert sender.is_alive() and described == [(True, False)]  # described, now waiting
            holding.clear()
            other.rollback()  # the other importer is done
        sender.join(timeout=30)
    assert outcome and outcome[0]["photosCreated"] == 1
    assert described == [(True, False)]


def test_a_batch_beside_another_of_this_process_is_described_before_the_lock(sqlite, monkeypatch) -> None:
    # Two batches in flight: the second core is the other batch's already, so a batch describing
    # under the lock would only keep the other waiting (SQLite's writes are this process's own).
    url, _ = sqlite
    described: dict[str, bool] = {}  # file name -> handed on in parts (described under the lock)
    first_checking, first_may_go = threading.Event(), threading.Event()
    check, describe = service.check_groups, service.describe_groups

    def held_check(groups: Any, *args: Any) -> Any:
        if groups[0].images[0].filename == "IMG_A.JPG":
            first_checking.set()
            assert first_may_go.wait(30)
        return check(groups, *args)

    def watched_describe(plans: Any, described_part: Any = None) -> None:
        described[plans[0].sent.images[0].filename] = described_part is not None
        describe(plans, described_part)

    monkeypatch.setattr(service, "check_groups", held_check)
    monkeypatch.setattr(service, "describe_groups", watched_describe)
    outcome: list[dict[str, Any]] = []
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        first = threading.Thread(target=lambda: outcome.append(send(gql, [group(jpeg(label="a"), "IMG_A.JPG")])))
        first.start()
        assert first_checking.wait(30)  # in flight, the library free
        second = send(gql, [group(jpeg(label="b"), "IMG_B.JPG")])
        first_may_go.set()
        first.join(timeout=30)
    assert second["photosCreated"] == 1 and outcome and outcome[0]["photosCreated"] == 1
    assert described == {"IMG_B.JPG": False, "IMG_A.JPG": True}  # the first then alone
