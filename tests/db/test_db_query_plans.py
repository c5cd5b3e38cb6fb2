"""Each filter of the photo listing is served by an index (SQLite's query planner says so)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from imalink.db.engine import make_engine
from imalink.db.migrate import upgrade_to_head
from imalink.db.queries import PHOTO_COLUMNS, BoundingBox, PhotoFilterSpec, filter_clauses, photo_t


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('plans') / 'plans.db'}")
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("spec", "index"),
    [
        (PhotoFilterSpec(1, taken_after=datetime(2020, 1, 1)), "ix_photo_owner_taken_at_id"),
        (PhotoFilterSpec(1, camera_make="canon"), "ix_photo_owner_camera_make_lower"),
        (PhotoFilterSpec(1, camera_model="d90"), "ix_photo_owner_camera_model_lower"),
        (PhotoFilterSpec(1, lens_model="rf 50mm"), "ix_photo_owner_lens_model_lower"),
        (PhotoFilterSpec(1, has_gps=True), "ix_photo_owner_gps"),
        (PhotoFilterSpec(1, bbox=BoundingBox(10, 170, 20, -170)), "ix_photo_owner_gps"),
        (PhotoFilterSpec(1, min_rating=4), "ix_photo_owner_rating"),
        (PhotoFilterSpec(1, import_session_id=3), "ix_photo_import_session_id"),
        (PhotoFilterSpec(1, tags=("beach",)), "sqlite_autoindex_photo_tag_1"),
    ],
)
def test_filter_uses_its_index(sqlite_engine, spec, index):
    query = select(*PHOTO_COLUMNS).where(*filter_clauses(spec))
    compiled = query.compile(sqlite_engine, compile_kwargs={"literal_binds": True})
    with sqlite_engine.connect() as conn:
        plan = " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    assert index in plan, plan
