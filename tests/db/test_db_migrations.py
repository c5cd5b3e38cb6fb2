"""Migrations create exactly the tables the code declares, and upgrading keeps a library."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from sqlalchemy import text

from imalink.db.engine import make_engine
from imalink.db.migrate import alembic_config, include_name, upgrade_to_head
from imalink.db.tables import SQLModel
from imalink.local import LocalGraphQL
from imalink.settings import Settings
from tests.api.importing import group, send
from tests.support.databases import emptied_at_revision
from tests.support.graphql import data
from tests.support.media import exif_blob, jpeg


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_the_tables_in_code(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], "db/tables.py and db/migrations disagree: add a migration (alembic revision --autogenerate)"


def test_expression_indexes_exist(engine):
    # Reflection skips expression indexes on SQLite, so ask the catalogues directly.
    catalogue = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'photo'"
    )
    with engine.connect() as conn:
        names = set(conn.execute(text(catalogue)).scalars())
    assert {"ix_photo_owner_camera_make_lower", "ix_photo_owner_camera_model_lower", "ix_photo_owner_lens_model_lower"} <= names
    assert {f"ix_photo_owner_phash_band{band}" for band in range(4)} <= names


def test_hash_keys_compare_bytes(engine):
    """The pre-check's probes compare hashes byte by byte: every key on a hothash or a content hash is
    collated "C" on PostgreSQL (migration 0020), not the database's locale, and BINARY on SQLite."""
    if engine.dialect.name == "postgresql":
        query = (
            "SELECT c.relname, coll.collname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " CROSS JOIN LATERAL unnest(i.indkey::int2[], i.indcollation::oid[]) AS k(attnum, coll_id)"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            " JOIN pg_collation coll ON coll.oid = k.coll_id"
            " WHERE i.indrelid IN ('photo'::regclass, 'image'::regclass) AND a.attname IN ('hothash', 'content_hash')")
        bytewise, unique_hothash = "C", "uq_photo_owner_hothash"
    else:
        query = (
            "SELECT il.name, ix.coll FROM sqlite_master t, pragma_index_list(t.name) il,"
            " pragma_index_xinfo(il.name) ix WHERE t.type = 'table' AND t.name IN ('photo', 'image')"
            " AND ix.name IN ('hothash', 'content_hash')")
        # SQLite names a table's UNIQUE constraint itself.
        bytewise, unique_hothash = "BINARY", "sqlite_autoindex_photo_1"
    with engine.connect() as conn:
        keys = conn.execute(text(query)).all()
    assert {name for name, _ in keys} >= {unique_hothash, "ix_photo_id_hothash", "uq_image_owner_content_hash",
                                          "ix_image_owner_content_hash_file"}
    assert {collation for _, collation in keys} == {bytewise}


def test_starting_again_upgrades_in_place_and_keeps_the_library(gql, engine):
    send(gql, [group(jpeg(), "KEEP.JPG")])
    upgrade_to_head(engine)
    upgrade_to_head(engine)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        assert conn.execute(text("SELECT filename FROM image")).scalars().all() == ["KEEP.JPG"]


def test_owners_migration_keeps_a_library_made_before_accounts(database):
    """A 0001 library (no owners) upgrades with every row kept, all the local owner's."""
    url, engine = _fresh_at(database, "0001")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO import_session (id, status, started_at, photos_created, images_created, duplicates_skipped,"
            " files_processed, errors_count) VALUES (1, 'COMPLETED', '2024-05-01', 2, 3, 0, 3, 0)"))
        for photo_id, hothash, make in ((1, "a" * 64, "Canon"), (2, "b" * 64, "Nikon")):
            conn.execute(text(
                "INSERT INTO photo (id, hothash, tags, rating, user_rotation, created_at, updated_at, camera_make,"
                " import_session_id) VALUES (:id, :h, '[\"x\"]', 3, 0, '2024-05-01', '2024-05-01', :make, 1)"),
                {"id": photo_id, "h": hothash, "make": make})
            conn.execute(text("INSERT INTO photo_tag (photo_id, tag) VALUES (:id, 'x')"), {"id": photo_id})
        for image_id, photo_id, name in ((1, 1, "A.JPG"), (2, 1, "A.CR2"), (3, 2, "B.JPG")):
            conn.execute(text(
                "INSERT INTO image (id, photo_id, filename, filename_key, created_at, import_session_id)"
                " VALUES (:id, :p, :n, :key, '2024-05-01', 1)"), {"id": image_id, "p": photo_id, "n": name, "key": name.lower()})
    upgrade_to_head(engine)
    with engine.connect() as conn:
        owners = {
            table: conn.execute(text(f"SELECT DISTINCT owner_id FROM {table}")).scalars().all()
            for table in ("photo", "image", "import_session")
        }
        assert owners == {"photo": [1], "image": [1], "import_session": [1]}
        assert conn.execute(text("SELECT count(*) FROM image")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM photo_tag")).scalar_one() == 2
        assert conn.execute(text("SELECT username, password_hash FROM app_user")).all() == [("owner", None)]
    # The library answers through the API after the upgrade, files and all.
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        photo = data(gql.execute('{ photo(hothash: "' + "a" * 64 + '") { cameraMake tags images { filename } } }'))
    assert photo["photo"] == {"cameraMake": "Canon", "tags": ["x"], "images": [{"filename": "A.JPG"}, {"filename": "A.CR2"}]}


def _fresh_at(database, revision: str):  # type: ignore[no-untyped-def]
    """The test database emptied and migrated to ``revision`` only."""
    url, engine = database
    emptied_at_revision(url, engine, revision)
    return url, engine


def test_tags_move_into_one_table_keeping_every_tag_and_its_spelling(database):
    """0004: the JSON column's spellings and order survive, and so does a tag only the index had."""
    url, engine = _fresh_at(database, "0003")
    with engine.begin() as conn:
        for photo_id, hothash, tags, indexed in (
            (1, "a" * 64, ["Norway", "Summer Trip"], ["norway", "summer trip", "fjord"]),
            (2, "b" * 64, ["ÅLESUND"], ["ålesund"]),
            (3, "c" * 64, [], []),
        ):
            conn.execute(text(
                "INSERT INTO photo (id, owner_id, hothash, tags, rating, user_rotation, created_at, updated_at, title,"
                " gps_latitude, gps_longitude) VALUES (:id, 1, :h, :tags, 0, 0, '2024-05-01', '2024-05-01', :title, 62.47, 6.15)"),
                {"id": photo_id, "h": hothash, "tags": json.dumps(tags), "title": f"Photo {photo_id}"})
            for tag in indexed:
                conn.execute(text("INSERT INTO photo_tag (photo_id, tag) VALUES (:id, :t)"), {"id": photo_id, "t": tag})
        conn.execute(text("INSERT INTO image (id, owner_id, photo_id, filename, filename_key, created_at)"
                          " VALUES (1, 1, 1, 'IMG_9.JPG', 'img_9.jpg', '2024-05-01')"))
    upgrade_to_head(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT photo_id, tag_key, tag, position, owner_id FROM photo_tag ORDER BY photo_id, position")).all()
    assert [tuple(r) for r in rows] == [
        (1, "norway", "Norway", 0, 1), (1, "summer trip", "Summer Trip", 1, 1), (1, "fjord", "fjord", 2, 1),
        (2, "ålesund", "ÅLESUND", 0, 1),
    ]
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        photo = data(gql.execute('{ photo(hothash: "' + "a" * 64 + '") { tags favorite } }'))["photo"]
        assert photo == {"tags": ["Norway", "Summer Trip", "fjord"], "favorite": False}
        # Existing photos are searchable and on the map right after the upgrade.
        found = data(gql.execute('{ photos(filter: { search: "img_9" }) { edges { node { hothash } } } }'))
        assert found["photos"]["edges"] == [{"node": {"hothash": "a" * 64}}]
        assert data(gql.execute('{ photos(filter: { search: "fjord" }) { totalCount } }'))["photos"]["totalCount"] == 1
        world = '{ photoMap(bbox: {south: -90, west: -180, north: 90, east: 180}, zoom: 3) { totalCount } }'
        assert data(gql.execute(world))["photoMap"]["totalCount"] == 3
        timeline = '{ photoTimeline(granularity: YEAR) { totalCount undatedCount buckets { label count } } }'
        assert data(gql.execute(timeline))["photoTimeline"] == {"totalCount": 3, "undatedCount": 3, "buckets": []}


def test_a_table_rebuild_that_drops_the_triggers_is_healed_on_start(tmp_path):
    """SQLite keeps its text index and day counts with triggers, which a batch-mode rebuild of photo drops."""
    url = f"sqlite:///{tmp_path / 'heal.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        send(gql, [group(jpeg(), "FIRST.JPG", title="Before the rebuild", exif={"FIRST.JPG": exif_blob()})])
    with engine.begin() as conn:  # what a batch-mode migration of photo does to triggers
        for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
            conn.execute(text(f"DROP TRIGGER {name}"))
        conn.execute(text("INSERT INTO photo_search(photo_search) VALUES ('delete-all')"))
        conn.execute(text("DELETE FROM photo_day"))
    upgrade_to_head(engine)
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        send(gql, [group(jpeg((1, 2, 3)), "SECOND.JPG", title="After the rebuild", exif={"SECOND.JPG": exif_blob()})])
        count = '{ photos(filter: { search: "the rebuild" }) { totalCount } }'
        assert data(gql.execute(count))["photos"]["totalCount"] == 2
        dated = [{"label": "2021-06-01", "count": 2}]
        assert data(gql.execute("{ photoTimeline(granularity: DAY) { buckets { label count } } }"))["photoTimeline"]["buckets"] == dated
    engine.dispose()


def test_session_activity_migration_keeps_sessions_and_dates_their_last_activity(database):
    """0005: every session is kept; the last moment known of it (completion, else start) becomes its
    last activity, so an old session left in progress is interrupted at the server's next start."""
    url, engine = _fresh_at(database, "0004")
    with engine.begin() as conn:
        for session_id, status, completed in ((1, "COMPLETED", "2024-05-02 10:00:00"), (2, "IN_PROGRESS", None)):
            conn.execute(text(
                "INSERT INTO import_session (id, owner_id, status, started_at, completed_at, photos_created,"
                " images_created, duplicates_skipped, files_processed, errors_count)"
                " VALUES (:id, 1, :status, '2024-05-01 09:00:00', :completed, 0, 0, 0, 0, 0)"),
                {"id": session_id, "status": status, "completed": completed})
    upgrade_to_head(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, last_activity_at FROM import_session ORDER BY id")).all()
    assert [(r.id, r.status, str(r.last_activity_at)[:19]) for r in rows] == [
        (1, "COMPLETED", "2024-05-02 10:00:00"),
        (2, "IN_PROGRESS", "2024-05-01 09:00:00"),
    ]
    from imalink.db.maintenance import interrupt_idle_sessions

    assert interrupt_idle_sessions(engine, idle_seconds=3600) == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM import_session ORDER BY id")).scalars().all() == ["COMPLETED", "INTERRUPTED"]


def test_lookalikes_migration_keeps_every_photo_and_the_backfill_finds_their_look_alikes(database):
    """0008 adds fingerprints without touching a row; the backfill then fingerprints the photos
    from before and pairs the two copies of one picture."""
    from imalink.db.maintenance import backfill_fingerprints
    from tests.support.lookalikes import Scene, jpeg as scene_jpeg
    from imalink.importer.preview import make_hotpreview

    url, engine = _fresh_at(database, "0007")
    shot = Scene(5).shot()
    previews = [make_hotpreview(scene_jpeg(shot, 90)), make_hotpreview(scene_jpeg(shot, 40)), jpeg()]
    with engine.begin() as conn:
        for photo_id, preview in enumerate(previews, start=1):
            conn.execute(text(
                "INSERT INTO photo (id, owner_id, hothash, rating, favorite, user_rotation, created_at, updated_at, hotpreview)"
                " VALUES (:id, 1, :h, 0, false, 0, '2024-05-01', '2024-05-01', :preview)"),
                {"id": photo_id, "h": f"{photo_id:064x}", "preview": preview})
            conn.execute(text(
                "INSERT INTO image (id, owner_id, photo_id, filename, filename_key, created_at)"
                " VALUES (:id, 1, :id, :name, :key, '2024-05-01')"), {"id": photo_id, "name": f"P{photo_id}.JPG", "key": f"p{photo_id}.jpg"})
    upgrade_to_head(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, hothash, phash FROM photo ORDER BY id")).all() == [
            (i, f"{i:064x}", None) for i in (1, 2, 3)
        ]
        assert conn.execute(text("SELECT count(*) FROM image")).scalar_one() == 3
    assert backfill_fingerprints(engine) == (3, 0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM photo WHERE phash IS NULL")).scalar_one() == 0
        assert conn.execute(text("SELECT photo_id, other_id FROM photo_lookalike")).all() == [(1, 2)]


def _count_triggers(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """PostgreSQL's count triggers: name → ROW or STATEMENT."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT tgname, CASE WHEN tgtype & 1 = 1 THEN 'ROW' ELSE 'STATEMENT' END FROM pg_trigger "
            "WHERE tgrelid IN ('photo'::regclass, 'photo_tag'::regclass) AND NOT tgisinternal AND tgname LIKE '%counts%'"
        )).all()
    return dict(rows)  # type: ignore[arg-type]


def test_statement_count_triggers_migration_keeps_the_counts(database):
    """0011: a library whose counts row triggers kept goes over to statement triggers with its
    counts as they were (nothing recounted), and imports after it keep them exact."""
    from alembic import command

    from tests.api.test_api_counts_kept import assert_exact, library_groups

    url, engine = _fresh_at(database, "0011")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
    postgres = engine.dialect.name == "postgresql"
    if postgres:  # 0010's triggers: every count row by row
        assert set(_count_triggers(engine).values()) == {"ROW"}
        assert "photo_counts2_after_insert_delete" in _count_triggers(engine)
    with engine.begin() as conn:  # photos written at 0010, counted by its triggers
        for n, (make, taken, latitude) in enumerate([("Canon", "2021-06-01 10:00:00", 59.9), ("canon", None, 10.0), ("Nikon", "2021-06-02 10:00:00", None)]):
            conn.execute(text(
                "INSERT INTO photo (owner_id, hothash, camera_make, taken_at, gps_latitude, gps_longitude, rating, favorite, user_rotation, created_at, updated_at)"
                " VALUES (1, :h, :make, :taken, :lat, 10.7, 3, false, 0, '2024-05-01', '2024-05-01')"),
                {"h": f"{n:064x}", "make": make, "taken": taken, "lat": latitude})
        conn.execute(text("INSERT INTO photo_tag (photo_id, owner_id, tag_key, tag, position) SELECT id, 1, 'fjord', 'Fjord', 0 FROM photo"))
        # A count no photo has: were the library recounted, it would go.
        conn.execute(text("INSERT INTO photo_facet (owner_id, facet, key, value, photos) VALUES (1, 'camera_make', 'sentinel', 'Sentinel', 7)"))
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:  # migrates to the head again
        with engine.begin() as conn:
            assert conn.execute(text("DELETE FROM photo_facet WHERE key = 'sentinel'")).rowcount == 1
        assert_exact(engine)
        if postgres:
            triggers = _count_triggers(engine)
            assert triggers["photo_counts3_after_insert"] == triggers["photo_tag_counts2_after_insert"] == "STATEMENT"
            assert "photo_counts2_after_insert_delete" not in triggers
        send(gql, library_groups([jpeg(label=f"after-0011-{i}") for i in range(12)], 1))
        assert_exact(engine)


def test_downgrade_below_the_counts_leaves_no_count_trigger_or_function(database):
    """0004's downgrade drops each count trigger from its own table (tag triggers sit on photo_tag)
    and PostgreSQL's trigger functions, so nothing of the counts outlives their tables."""
    from alembic import command

    url, engine = _fresh_at(database, "0004")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            left = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%counts%'")).scalars().all()
        else:
            left = conn.execute(text(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%counts%' UNION ALL "
                "SELECT proname FROM pg_proc WHERE proname LIKE 'photo%counts%'"
            )).scalars().all()
    assert left == []
    upgrade_to_head(engine)  # and the library comes back up with its counts
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM photo_day")).scalar_one() == 0


def test_filters_by_id_migration_keeps_the_library_and_finds_a_tag_in_a_box(database):
    """0017 adds the by-id index of what filters test (db/tables.py ``BY_ID_INDEX``) to a library
    that has photos: every photo stays, the index holds each, and a tag inside a box is answered
    through it; its downgrade drops it again."""
    from alembic import command

    from benchmarks.library import LibrarySpec, build
    from imalink.db.filters import BoundingBox, PhotoFilterSpec
    from imalink.db.plans import PhotoSort, make_plan, page_photos

    url, engine = _fresh_at(database, "0014")
    build(engine, LibrarySpec(photos=400, seed=3, photos_per_session=100))
    with engine.connect() as conn:
        before = conn.execute(text("SELECT id, hothash, taken_at, gps_latitude FROM photo ORDER BY id")).all()
    upgrade_to_head(engine)
    spec = PhotoFilterSpec(1, tags=("family",), bbox=BoundingBox(-90, -180, 90, 180))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, hothash, taken_at, gps_latitude FROM photo ORDER BY id")).all() == before
        hint = " INDEXED BY ix_photo_id_carried" if engine.dialect.name == "sqlite" else ""
        assert conn.execute(text(f"SELECT count(*) FROM photo{hint} WHERE id > 0")).scalar_one() == len(before)
        plan = make_plan(conn, spec, PhotoSort.TAKEN_AT_DESC, 100)
        found = {row.id for row in page_photos(conn, plan, PhotoSort.TAKEN_AT_DESC, None, 100).rows}
        tagged = set(conn.execute(text(
            "SELECT p.id FROM photo p JOIN photo_tag t ON t.photo_id = p.id WHERE t.tag_key = 'family' AND p.gps_latitude IS NOT NULL"
        )).scalars())
    assert found == tagged and found, (found, tagged)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0014")
    catalogue = (
        "SELECT name FROM sqlite_master WHERE type = 'index'" if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'photo'"
    )
    with engine.connect() as conn:
        assert "ix_photo_id_carried" not in set(conn.execute(text(catalogue)).scalars())
        assert conn.execute(text("SELECT count(*) FROM photo")).scalar_one() == len(before)


def _photo_key_declared(engine) -> str:  # type: ignore[no-untyped-def]
    """How the files' key to their photo is declared: "deferrable" or "immediate"."""
    from sqlalchemy import inspect

    (key,) = [fk for fk in inspect(engine).get_foreign_keys("image") if fk["referred_table"] == "photo"]
    return "deferrable" if key["options"].get("deferrable") else "immediate"


def test_deferrable_photo_key_migration_keeps_the_files_and_the_key(database):
    """0026 declares the files' key to their photo deferrable (SQLite in place, no row rewritten),
    and its downgrade takes that back; outside an import that defers it, the key is checked at once
    and deletes cascade as before."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    url, engine = database
    with LocalGraphQL(settings=Settings(database_url=url)) as gql:
        send(gql, [group(jpeg(label=str(n)), f"IMG_{n}.JPG", f"IMG_{n}.CR2", exif={f"IMG_{n}.JPG": exif_blob()}) for n in range(3)])
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0025")
    assert _photo_key_declared(engine) == "immediate"
    upgrade_to_head(engine)
    assert _photo_key_declared(engine) == "deferrable"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM image WHERE exif_data IS NOT NULL")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM image")).scalar_one() == 6
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO image (owner_id, photo_id, filename, filename_key, created_at)"
                          " VALUES (1, 999999, 'X.JPG', 'x.jpg', '2024-05-01')"))
        pytest.fail("a file without its photo was taken")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM photo WHERE id = (SELECT min(id) FROM photo)"))
        assert conn.execute(text("SELECT count(*) FROM image")).scalar_one() == 4
