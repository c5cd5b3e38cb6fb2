"""Builders for the photo trees the importer tests run on (all made in tmp_path).

- ``make_jpeg``: a Pillow JPEG carrying EXIF written with piexif; left half red, right half blue,
  so a test can see which way the orientation turned it.
- ``make_raw``: a hand-written TIFF-based RAW stand-in: IFD0 (Make, Model, Orientation), an Exif
  IFD (DateTimeOriginal), an embedded preview JPEG pointed to by JPEGInterchangeFormat/Length in
  IFD1 or in a SubIFD, then fake raw sensor bytes. It reports where its metadata ends.
- ``photo_tree``: the tree of the issue: a RAW+JPEG pair with case-differing stems, the same stem
  in another folder, a RAW-only photo, a corrupt JPEG, a text file, a hidden file and folder.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from photo_builders import RawFile, exif_payload, jpeg_bytes, raw_bytes


@pytest.fixture
def make_jpeg() -> Callable[..., Path]:
    """``make_jpeg(path, size=(400, 200), orientation=None, exif=True, **save)`` -> path."""

    def make(path: Path, size: tuple[int, int] = (400, 200), *, orientation: int | None = None, exif: bool = True, make: str = "Canon", taken: str = "2023:06:01 12:30:45", **save: Any) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = exif_payload(make=make, orientation=orientation, taken=taken) if exif else None
        path.write_bytes(jpeg_bytes(size, exif=payload, **save))
        return path

    return make


@pytest.fixture
def make_raw() -> Callable[..., RawFile]:
    """``make_raw(path, **raw_bytes options)`` -> :class:`RawFile`."""

    def make(path: Path, **options: Any) -> RawFile:
        path.parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("preview", jpeg_bytes((320, 160)))
        data, end = raw_bytes(**options)
        path.write_bytes(data)
        return RawFile(path, end, options["preview"])

    return make


@dataclass
class PhotoTree:
    """The paths of :func:`photo_tree`."""

    root: Path
    pair_jpeg: Path
    pair_raw: RawFile
    other_folder_jpeg: Path
    raw_only: RawFile
    corrupt: Path
    text: Path
    hidden_file: Path
    hidden_folder_jpeg: Path


@pytest.fixture
def photo_tree(tmp_path: Path, make_jpeg: Callable[..., Path], make_raw: Callable[..., RawFile]) -> PhotoTree:
    """A small library on disk: 3 photo groups (4 files) that import, a corrupt JPEG, and noise."""
    root = tmp_path / "Holiday"
    return PhotoTree(
        root=root,
        pair_jpeg=make_jpeg(root / "IMG_1234.JPG", orientation=6),
        pair_raw=make_raw(root / "img_1234.cr2", orientation=6),
        other_folder_jpeg=make_jpeg(root / "day2" / "IMG_1234.jpg", (300, 300), make="Nikon", taken="2023:06:02 08:00:00"),
        raw_only=make_raw(root / "day2" / "DSC_0001.NEF", make="NIKON CORPORATION", model="D850", preview_in="subifd", orientation=8),
        corrupt=_write(root / "day2" / "broken.jpg", b"\xff\xd8\xff\xe0 this is not really a jpeg"),
        text=_write(root / "notes.txt", b"not a photo"),
        hidden_file=make_jpeg(root / ".IMG_9999.JPG"),
        hidden_folder_jpeg=make_jpeg(root / ".thumbnails" / "IMG_1234.JPG"),
    )


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    """A real imalink server on 127.0.0.1 and the database it writes to."""

    url: str
    database_url: str


@pytest.fixture
def serve_imalink(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Starts the app (``imalink.app.create_app``) with these settings, served by uvicorn in a
    thread over real HTTP; every server started is stopped after the test."""
    app_module = pytest.importorskip("imalink.app")
    settings_module = pytest.importorskip("imalink.settings")
    uvicorn = pytest.importorskip("uvicorn")
    running: list[tuple[Any, threading.Thread]] = []

    def serve(**settings: Any) -> RunningServer:
        database_url = f"sqlite:///{tmp_path / f'server{len(running)}.db'}"
        app = app_module.create_app(settings_module.Settings(database_url=database_url, **settings))
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("the imalink server did not start")
            time.sleep(0.02)
        return RunningServer(f"http://127.0.0.1:{port}", database_url)

    yield serve
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def imalink_server(serve_imalink: Callable[..., RunningServer]) -> RunningServer:
    """The lead's app with its default settings, over real HTTP."""
    return serve_imalink()
