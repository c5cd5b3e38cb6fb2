"""The batch is one transaction, and concurrent importers never fail or duplicate."""

from __future__ import annotations

import logging

from sqlalchemy import func, select, text

from imalink.db.tables import Image, ImportSession, Photo
from tests.api.importing import BATCH, group, import_concurrently, open_session, totals
from tests.support.media import distinct_jpegs


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def install_failing_trigger(engine, filename: str) -> None:
    """Make the database itself refuse one file name: a real failure in the middle of a batch."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    f"CREATE TRIGGER fail_image BEFORE INSERT ON image WHEN NEW.filename = '{filename}' "
                    "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE OR REPLACE FUNCTION imalink_test_fail() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.filename = '{filename}' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; "
                    "END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text("CREATE TRIGGER fail_image BEFORE INSERT ON image FOR EACH ROW EXECUTE FUNCTION imalink_test_fail()")
            )


def drop_failing_trigger(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER fail_image" + ("" if engine.dialect.name == "sqlite" else " ON image")))


def test_a_database_failure_part_way_leaves_nothing_of_the_batch(gql, engine, caplog):
    session = open_session(gql)
    install_failing_trigger(engine, "POISON.JPG")
    try:
        groups = [group(p, f"IMG_{i}.JPG") for i, p in enumerate(distinct_jpegs(5))]
        groups[3]["images"].append({"filename": "POISON.JPG"})
        with caplog.at_level(logging.ERROR, logger="imalink.errors"):
            response = gql.execute(BATCH, {"input": {"importSessionId": session, "photoGroups": groups}})
    finally:
        drop_failing_trigger(engine)

    error = response["errors"][0]
    assert response["data"] is None
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert error["extensions"]["errorId"] in error["message"]
    # Exception text stays in the server log, under the same id; the client never sees it.
    assert "disk on fire" not in str(response)
    assert any(error["extensions"]["errorId"] in r.getMessage() and r.exc_info for r in caplog.records)
    assert count(engine, Photo) == 0 and count(engine, Image) == 0
    assert totals(gql, session)["filesProcessed"] == 0


def test_concurrent_importers_with_overlapping_hashes_make_each_photo_once(database_url, engine):
    previews = distinct_jpegs(60, prefix="race")

    def batches(n: int) -> list[list[dict]]:
        # Every importer sends every photo, in its own order, with one file name of its own.
        order = previews[n * 15 :] + previews[: n * 15]
        return [[group(p, "IMG.JPG", f"COPY_{n}.JPG") for p in order[i : i + 20]] for i in range(0, 60, 20)]

    outcomes = import_concurrently(database_url, batches)
    statuses = [r["status"] for outcome in outcomes for r in outcome["results"]]
    assert "FAILED" not in statuses
    assert statuses.count("CREATED") == 60
    assert count(engine, Photo) == 60
    # Each photo: the shared IMG.JPG once, plus each importer's own copy.
    assert count(engine, Image) == 60 * 5
    assert sum(o["imagesCreated"] for o in outcomes) == 60 * 5
    with engine.connect() as conn:
        created = conn.execute(select(func.sum(ImportSession.photos_created))).scalar_one()
    assert created == 60
