"""``kill -9`` of a real ``imalink serve`` in the middle of importing, on SQLite and PostgreSQL.

After each kill the library must be consistent (SQLite's integrity and foreign-key checks, no photo
without its images, session totals equal to the rows they count), the restarted server must not
leave the killed import's session "in progress" forever, and sending everything again must add
exactly what was missing.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.support.databases import backends, fresh_database
from tests.support.media import b64, distinct_jpegs, exif_blob
from tests.support.process import serve_process

GROUPS = 1200
BATCH = 200
IMPORT = """
mutation Import($input: BatchImportInput!) {
  importBatch(input: $input) { photosCreated imagesCreated duplicatesSkipped }
}"""
OPEN = 'mutation { createImportSession(input: {storageDirectory: "crash"}) { id } }'


@pytest.fixture(params=backends())
def library(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture(scope="module")
def groups() -> list[dict[str, Any]]:
    exif = b64(exif_blob(gps=(59.9, 10.7)))
    return [
        {
            "hotpreview": b64(preview),
            "images": [
                {"filename": f"IMG_{i:05}.JPG", "exifData": exif, "fileSize": 5_000_000},
                {"filename": f"IMG_{i:05}.CR2", "exifData": exif, "fileSize": 30_000_000},
            ],
        }
        for i, preview in enumerate(distinct_jpegs(GROUPS, prefix="crash"))
    ]


class Importer(threading.Thread):
    """Sends every batch over one connection until the server dies under it."""

    def __init__(self, base: str, groups: list[dict[str, Any]]) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.groups = groups
        self.answered = 0
        self.cut_off = False
        self.in_flight = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            try:
                session = client.post("/graphql", json={"query": OPEN}).json()["data"]["createImportSession"]["id"]
                for start in range(0, len(self.groups), BATCH):
                    variables = {"input": {"importSessionId": session, "photoGroups": self.groups[start : start + BATCH]}}
                    self.in_flight.set()
                    client.post("/graphql", json={"query": IMPORT, "variables": variables}).raise_for_status()
                    self.answered += 1
            except httpx.TransportError:
                self.cut_off = True


def scalar(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def assert_consistent(url: str, engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(make_url(url).database) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    assert scalar(engine, "SELECT count(*) FROM photo p WHERE NOT EXISTS (SELECT 1 FROM image i WHERE i.photo_id = p.id)") == 0
    # Every batch is one transaction: a session counts exactly the rows that stayed.
    assert scalar(
        engine,
        "SELECT count(*) FROM import_session s WHERE s.photos_created <> "
        "(SELECT count(*) FROM photo p WHERE p.import_session_id = s.id) OR s.images_created <> "
        "(SELECT count(*) FROM image i WHERE i.import_session_id = s.id)",
    ) == 0
    assert scalar(engine, "SELECT count(*) FROM (SELECT hothash FROM photo GROUP BY hothash HAVING count(*) > 1) d") == 0


def test_kill_9_mid_import_leaves_a_consistent_library_and_a_rerun_adds_only_what_is_missing(
    library: tuple[str, Engine], groups: list[dict[str, Any]], tmp_path: Path
) -> None:
    url, engine = library
    rng = random.Random(8)
    killed_mid_batch = 0
    for _ in range(3):
        with serve_process(url, tmp_path) as server:
            importer = Importer(server.base, groups)
            importer.start()
            importer.in_flight.wait(30)
            # Kill inside batch k+1's request or transaction, k < 4: never past the fifth of six
            # batches, so some photos are always missing however fast the machine is.
            answered = rng.randrange(4)
            deadline = time.monotonic() + 60
            while importer.answered < answered and importer.is_alive() and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.3))
            server.process.kill()
            server.process.wait(10)
            importer.join(30)
            killed_mid_batch += importer.cut_off
        assert_consistent(url, engine)
    assert killed_mid_batch, "no kill landed while a batch was in flight"
    before = scalar(engine, "SELECT count(*) FROM photo")
    assert before < GROUPS
    print(f"{engine.dialect.name}: 3 kills, {killed_mid_batch} with a batch in flight; {before} of {GROUPS} photos kept")

    env = {"IMALINK_SESSION_IDLE_TIMEOUT": "1"}
    time.sleep(1.5)  # the killed imports' sessions have been idle longer than that
    with serve_process(url, tmp_path, env) as server:
        assert scalar(engine, "SELECT count(*) FROM import_session WHERE status = 'IN_PROGRESS'") == 0
        assert scalar(engine, "SELECT count(*) FROM import_session WHERE status = 'INTERRUPTED'") == 3
        with httpx.Client(base_url=server.base, timeout=120) as client:
            # The same import again, in a new session: only the missing photos are added.
            session = client.post("/graphql", json={"query": OPEN}).json()["data"]["createImportSession"]["id"]
            created = 0
            for start in range(0, GROUPS, BATCH):
                variables = {"input": {"importSessionId": session, "photoGroups": groups[start : start + BATCH]}}
                answer = client.post("/graphql", json={"query": IMPORT, "variables": variables}).json()
                created += answer["data"]["importBatch"]["photosCreated"]
            assert created == GROUPS - before
            # An interrupted session says so, and resumes when its importer comes back.
            interrupted = scalar(engine, "SELECT min(id) FROM import_session WHERE status = 'INTERRUPTED'")
            status = client.post("/graphql", json={"query": f"{{ importSession(id: {interrupted}) {{ status }} }}"})
            assert status.json()["data"]["importSession"]["status"] == "INTERRUPTED"
            variables = {"input": {"importSessionId": interrupted, "photoGroups": groups[:1]}}
            resumed = client.post("/graphql", json={"query": IMPORT, "variables": variables}).json()
            assert resumed["data"]["importBatch"]["duplicatesSkipped"] == 1
            assert scalar(engine, f"SELECT status FROM import_session WHERE id = {interrupted}") == "IN_PROGRESS"
    assert scalar(engine, "SELECT count(*) FROM photo") == GROUPS
    assert scalar(engine, "SELECT count(*) FROM image") == 2 * GROUPS
    assert_consistent(url, engine)
