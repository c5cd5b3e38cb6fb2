"""Which files form one photo: the same stem, compared case-insensitively, in the same folder.

``IMG_1234.JPG`` and ``img_1234.cr2`` side by side are one photo (a RAW+JPEG pair);
``IMG_1234.JPG`` in another folder is another photo.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from imalink.importer.scan import Folder, PhotoFile

# Where a group's hotpreview comes from, best first: the picture as the camera or phone rendered
# it (JPEG, HEIC), else the JPEG a RAW embeds.
SOURCE_PREFERENCE = ("jpeg", "heic", "raw")


@dataclass(frozen=True, slots=True)
class FileGroup:
    """The files of one photo, in name order."""

    folder: str
    stem: str
    files: tuple[PhotoFile, ...]

    @property
    def label(self) -> str:
        """How the group is named in messages: its first file's path."""
        return self.files[0].path

    def preview_source(self) -> PhotoFile | None:
        """The file the hotpreview is made from: the first JPEG, else the first HEIC, else the first RAW."""
        ordered = source_order(self.files)
        return ordered[0] if ordered else None


def source_order(files: Sequence[PhotoFile]) -> list[PhotoFile]:
    """``files`` in the order they are tried as the hotpreview's source (kind, then name)."""
    rank = {kind: i for i, kind in enumerate(SOURCE_PREFERENCE)}
    return sorted((f for f in files if f.kind in rank), key=lambda f: (rank[f.kind], f.name))


def group_folder(folder: Folder) -> list[FileGroup]:
    """The photo groups of one folder, in order of their stems."""
    by_stem: dict[str, list[PhotoFile]] = {}
    for f in folder.files:
        by_stem.setdefault(os.path.splitext(f.name)[0].casefold(), []).append(f)
    return [
        FileGroup(folder.path, stem, tuple(sorted(files, key=lambda f: f.name)))
        for stem, files in sorted(by_stem.items())
    ]


def iter_groups(folders: Iterable[Folder]) -> Iterator[FileGroup]:
    """Group a stream of folders, one folder at a time."""
    for folder in folders:
        yield from group_folder(folder)
