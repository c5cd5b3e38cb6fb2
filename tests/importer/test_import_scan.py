"""Finding photo files and grouping them into photos."""

from __future__ import annotations

from pathlib import Path

from imalink.importer.grouping import group_folder, iter_groups
from imalink.importer.scan import Folder, PhotoFile, count_files, file_kind, iter_folders, storage_directory_name


def _names(groups) -> list[list[str]]:
    return [[f.name for f in g.files] for g in groups]


def test_file_kinds_are_case_insensitive() -> None:
    assert file_kind("IMG_1.JPG") == "jpeg"
    assert file_kind("img_1.JpEg") == "jpeg"
    assert file_kind("a.HEIC") == "heic"
    for ext in ("CR2", "cr3", "NEF", "NRW", "ARW", "DNG", "ORF", "RW2", "RAF", "PEF", "SRW"):
        assert file_kind(f"x.{ext}") == "raw"
    assert file_kind("notes.txt") is None
    assert file_kind("IMG_1.XMP") is None
    assert file_kind("JPG") is None


def test_walk_skips_hidden_and_other_files(photo_tree) -> None:
    folders = list(iter_folders([photo_tree.root]))
    assert [Path(f.path) for f in folders] == [photo_tree.root, photo_tree.root / "day2"]
    assert [f.name for f in folders[0].files] == ["IMG_1234.JPG", "img_1234.cr2"]
    assert [f.name for f in folders[1].files] == ["DSC_0001.NEF", "IMG_1234.jpg", "broken.jpg"]
    assert folders[0].files[0].size == photo_tree.pair_jpeg.stat().st_size
    assert count_files([photo_tree.root]) == 5


def test_case_differing_stems_are_one_photo_same_stem_elsewhere_is_another(photo_tree) -> None:
    groups = list(iter_groups(iter_folders([photo_tree.root])))
    assert _names(groups) == [["IMG_1234.JPG", "img_1234.cr2"], ["broken.jpg"], ["DSC_0001.NEF"], ["IMG_1234.jpg"]]
    assert [g.stem for g in groups] == ["img_1234", "broken", "dsc_0001", "img_1234"]
    assert groups[0].folder != groups[3].folder


def test_preview_source_prefers_jpeg_then_heic_then_raw(tmp_path: Path) -> None:
    def files(*names: str) -> Folder:
        return Folder(str(tmp_path), [PhotoFile(str(tmp_path / n), n, 1) for n in names])

    (pair,) = group_folder(files("A.CR2", "a.jpg", "A.HEIC"))
    assert pair.preview_source().name == "a.jpg"
    (raw,) = group_folder(files("B.HEIC", "b.nef"))
    assert raw.preview_source().name == "B.HEIC"
    (heic,) = group_folder(files("C.HEIC"))
    assert heic.preview_source().name == "C.HEIC"
    (only_raw,) = group_folder(files("D.DNG"))
    assert only_raw.preview_source().name == "D.DNG"


def test_a_file_path_is_a_folder_of_one(photo_tree) -> None:
    (folder,) = iter_folders([photo_tree.pair_jpeg])
    assert [f.name for f in folder.files] == ["IMG_1234.JPG"]
    assert list(iter_folders([photo_tree.text])) == []


def test_walk_is_streamed_folder_by_folder(tmp_path: Path, make_jpeg) -> None:
    for i in range(3):
        make_jpeg(tmp_path / f"f{i}" / "IMG_1.JPG", (16, 16))
    walk = iter_folders([tmp_path])
    first = next(walk)
    assert first.path.endswith("f0")  # yielded before later folders are listed
    assert [Path(f.path).name for f in walk] == ["f1", "f2"]


def test_storage_directory_name(photo_tree) -> None:
    assert storage_directory_name(photo_tree.root) == "Holiday"
    assert storage_directory_name(photo_tree.pair_jpeg) == "Holiday"
    assert storage_directory_name(str(photo_tree.root) + "/") == "Holiday"
