"""Which files count as photo files, and walking folders one at a time.

The walk is streamed: it holds the files of one folder plus the paths of folders still to visit,
never the whole tree, so memory stays flat for an archive of any size.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

JPEG_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe"})
HEIC_EXTENSIONS = frozenset({".heic", ".heif"})
RAW_EXTENSIONS = frozenset(
    {".cr2", ".cr3", ".nef", ".nrw", ".arw", ".dng", ".orf", ".rw2", ".raf", ".pef", ".srw"}
)
PHOTO_EXTENSIONS = JPEG_EXTENSIONS | HEIC_EXTENSIONS | RAW_EXTENSIONS


def file_kind(name: str) -> str | None:
    """``"jpeg"``, ``"heic"`` or ``"raw"`` for a photo file name (case-insensitive), else None."""
    ext = os.path.splitext(name)[1].lower()
    if ext in JPEG_EXTENSIONS:
        return "jpeg"
    if ext in HEIC_EXTENSIONS:
        return "heic"
    if ext in RAW_EXTENSIONS:
        return "raw"
    return None


def is_hidden(name: str) -> bool:
    """Dot-files and dot-folders (``.DS_Store``, ``.thumbnails``, ``._IMG_1.JPG``) are skipped."""
    return name.startswith(".")


@dataclass(frozen=True, slots=True)
class PhotoFile:
    """One photo file found on disk."""

    path: str
    name: str
    size: int


@dataclass(frozen=True, slots=True)
class Folder:
    """The photo files directly inside one folder (not its subfolders), sorted by name."""

    path: str
    files: list[PhotoFile]


def iter_folders(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Folder]:
    """Yield each folder under ``paths`` that holds photo files, depth-first, in name order.

    A PATH naming a file counts as a folder of its own holding just that file. Folders that
    cannot be listed are skipped silently: the walk must not stop an archive import halfway.
    """
    for root in paths:
        root = os.fspath(root)
        if os.path.isfile(root):
            name = os.path.basename(root)
            if file_kind(name) is not None:
                yield Folder(os.path.dirname(os.path.abspath(root)), [PhotoFile(root, name, os.path.getsize(root))])
            continue
        pending = [root]
        while pending:
            folder = pending.pop()
            files, subfolders = _list(folder)
            if files:
                yield Folder(folder, files)
            # Reversed so that popping visits subfolders in name order.
            pending.extend(reversed(subfolders))


def _list(folder: str) -> tuple[list[PhotoFile], list[str]]:
    files: list[PhotoFile] = []
    subfolders: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if is_hidden(entry.name):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        subfolders.append(entry.path)
                    elif entry.is_file() and file_kind(entry.name) is not None:
                        files.append(PhotoFile(entry.path, entry.name, entry.stat().st_size))
                except OSError:
                    continue
    except OSError:
        return [], []
    files.sort(key=lambda f: f.name)
    subfolders.sort()
    return files, subfolders


def count_files(paths: Iterable[str | os.PathLike[str]]) -> int:
    """How many photo files a walk of ``paths`` will yield (for the progress bar's total)."""
    return sum(len(folder.files) for folder in iter_folders(paths))


def storage_directory_name(path: str | os.PathLike[str]) -> str:
    """The folder name a PATH stands for: its own name, or its parent's for a file."""
    p = Path(path).resolve()
    return (p.parent if p.is_file() else p).name
