"""Which files count as photo files, and walking folders one at a time.

The walk is streamed: it holds the files of one folder plus the paths of folders still to visit,
never the whole tree, so memory stays flat for an archive of any size.

Hostile trees are normal input. Nothing in a folder stops the walk; what cannot be imported is
reported once, by its path, and skipped:

- a folder that cannot be listed (``FOLDER_UNREADABLE``), a photo file that cannot be stat'ed
  (``FILE_UNREADABLE``);
- a symbolic link to a missing target (``DANGLING_SYMLINK``) or a link that loops on itself
  (``SYMLINK_LOOP``), when its name is a photo name;
- a folder reached a second time, through a symbolic link to itself or an ancestor or a second link
  to the same folder (``SYMLINK_LOOP``): each real folder is walked once;
- an empty photo file (``EMPTY_FILE``).

Symbolic links to folders and files are followed (a library spread over disks with links is
imported whole). Names are kept exactly as the OS gives them (``str`` with surrogate escapes for
bytes that are not UTF-8; :mod:`importer.names` turns them into the API's form).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from imalink.importer.problems import Problem, reason

JPEG_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe"})
HEIC_EXTENSIONS = frozenset({".heic", ".heif", ".hif"})
RAW_EXTENSIONS = frozenset(
    {".cr2", ".cr3", ".nef", ".nrw", ".arw", ".dng", ".orf", ".rw2", ".raf", ".pef", ".srw"}
)
_KINDS = {ext: kind for kind, exts in (("jpeg", JPEG_EXTENSIONS), ("heic", HEIC_EXTENSIONS), ("raw", RAW_EXTENSIONS)) for ext in exts}


def file_kind(name: str) -> str | None:
    """``"jpeg"``, ``"heic"`` or ``"raw"`` for a photo file name (case-insensitive), else None."""
    return _KINDS.get(os.path.splitext(name)[1].lower())


def is_hidden(name: str) -> bool:
    """Dot-files and dot-folders (``.DS_Store``, ``.thumbnails``, ``._IMG_1.JPG``) are skipped."""
    return name.startswith(".")


@dataclass(frozen=True, slots=True)
class PhotoFile:
    """One photo file found on disk."""

    path: str
    name: str
    size: int
    """Size when the folder was listed; the file is re-checked when it is read."""

    @property
    def kind(self) -> str:
        """``jpeg``, ``heic`` or ``raw``."""
        return file_kind(self.name) or ""


@dataclass(frozen=True, slots=True)
class Folder:
    """The photo files directly inside one folder (not its subfolders), sorted by name, and what
    was wrong with the entries that could not be taken."""

    path: str
    files: list[PhotoFile]
    problems: list[Problem] = field(default_factory=list)


def iter_folders(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Folder]:
    """Yield each folder under ``paths`` with photo files or problems, depth-first, in name order.

    A PATH naming a file counts as a folder of its own holding just that file.
    """
    walked: set[tuple[int, int]] = set()
    for root in paths:
        root = os.fspath(root)
        if not os.path.isdir(root):
            folder = _single_file(root)
            if folder is not None:
                yield folder
            continue
        pending = [root]
        while pending:
            path = pending.pop()
            problems: list[Problem] = []
            try:
                st = os.stat(path)
            except OSError as exc:
                yield Folder(path, [], [Problem("FOLDER_UNREADABLE", f"cannot open the folder: {reason(exc)}", path)])
                continue
            key = (st.st_dev, st.st_ino)
            if key in walked:
                # Only a link can lead to a folder already walked (a loop, or two links to it).
                message = "a symbolic link leads to a folder already imported in this run; not walked again"
                yield Folder(path, [], [Problem("SYMLINK_LOOP", message, path)])
                continue
            walked.add(key)
            files, subfolders = _list(path, problems)
            if files or problems:
                yield Folder(path, files, problems)
            # Reversed so that popping visits subfolders in name order.
            pending.extend(reversed(subfolders))


def _single_file(path: str) -> Folder | None:
    name = os.path.basename(path)
    if file_kind(name) is None:
        return None
    folder = os.path.dirname(os.path.abspath(path))
    problems: list[Problem] = []
    photo = _photo_file(path, name, None, problems)
    return Folder(folder, [photo] if photo else [], problems)


def _list(folder: str, problems: list[Problem]) -> tuple[list[PhotoFile], list[str]]:
    files: list[PhotoFile] = []
    subfolders: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if is_hidden(entry.name):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False  # a link that loops or cannot be followed: judged below by its name
                if is_dir:
                    subfolders.append(entry.path)
                    continue
                if file_kind(entry.name) is None:
                    continue
                photo = _photo_file(entry.path, entry.name, entry, problems)
                if photo is not None:
                    files.append(photo)
    except OSError as exc:
        problems.append(Problem("FOLDER_UNREADABLE", f"cannot list the folder: {reason(exc)}", folder))
        return [], []
    files.sort(key=lambda f: f.name)
    subfolders.sort()
    return files, subfolders


def _photo_file(path: str, name: str, entry: os.DirEntry[str] | None, problems: list[Problem]) -> PhotoFile | None:
    """The photo file at ``path``, or None with its problem recorded."""
    try:
        st = entry.stat() if entry is not None else os.stat(path)
    except OSError as exc:
        problems.append(_stat_problem(path, exc))
        return None
    if not stat.S_ISREG(st.st_mode):
        return None  # a device, a FIFO, a socket named like a photo: not a photo file
    if st.st_size == 0:
        problems.append(Problem("EMPTY_FILE", "the file is empty (0 bytes)", path))
        return None
    return PhotoFile(path, name, st.st_size)


def _stat_problem(path: str, exc: OSError) -> Problem:
    if exc.errno == errno.ELOOP:
        return Problem("SYMLINK_LOOP", "the symbolic link loops and leads to no file", path)
    if exc.errno == errno.ENOENT and os.path.islink(path):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return Problem("DANGLING_SYMLINK", f"the symbolic link points to {target!r}, which does not exist", path)
    return Problem("FILE_UNREADABLE", f"cannot read the file: {reason(exc)}", path)


def count_files(paths: Iterable[str | os.PathLike[str]]) -> int:
    """How many photo files a walk of ``paths`` will yield (for the progress bar's total)."""
    return sum(len(folder.files) for folder in iter_folders(paths))


def storage_directory_name(path: str | os.PathLike[str]) -> str:
    """The folder name a PATH stands for: its own name, or its parent's for a file."""
    p = Path(path).resolve()
    return (p.parent if p.is_file() else p).name
