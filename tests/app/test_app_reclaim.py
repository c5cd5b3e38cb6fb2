"""A large request's garbage is collected once it is answered (imalink/reclaim.py), over real HTTP.

The server runs in this process, so the collector is this process's: with automatic collection off,
the only full passes are the ones the server makes itself.
"""

from __future__ import annotations

import gc
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from imalink.reclaim import LARGE_BODY_BYTES
from imalink.settings import Settings
from tests.api.importing import BATCH, group
from tests.support.server import running_server


def noisy_jpeg() -> bytes:
    """A 150 px JPEG of noise: ~20 KB, so a few groups make a large body."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (150, 100), os.urandom(150 * 100 * 3)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture
def full_passes(collector_off: None) -> Iterator[list[int]]:
    """Objects collected by each full pass while the test runs (automatic collection off)."""
    passes: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            passes.append(info["collected"])

    gc.callbacks.append(record)
    try:
        yield passes
    finally:
        gc.callbacks.remove(record)


def wait_for(condition, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_large_batch_is_collected_after_its_answer_and_a_small_request_is_not(tmp_path: Path, full_passes: list[int]):
    with running_server(Settings(database_url=f"sqlite:///{tmp_path / 'library.db'}")) as base:
        with httpx.Client(base_url=base, timeout=60) as client:
            small = client.post("/graphql", json={"query": "{ photos(first: 1) { totalCount } }"})
            assert small.status_code == 200 and "errors" not in small.json()
            time.sleep(0.3)
            assert full_passes == []  # a small request leaves nothing worth a pass

            groups = [group(noisy_jpeg(), f"IMG_{i}.JPG") for i in range(24)]
            body = {"query": BATCH, "variables": {"input": {"photoGroups": groups}}}
            response = client.post("/graphql", json=body)
            assert len(response.request.content) >= LARGE_BODY_BYTES
            assert response.json()["data"]["importBatch"]["photosCreated"] == 24
            # The batch's garbage (graphql-core keeps its variables in a cycle) goes in that pass.
            assert wait_for(lambda: any(full_passes)), full_passes
