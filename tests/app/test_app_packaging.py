"""The installed distribution: everything under ``imalink.``, beside PyPI's own ``exif`` package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_wheel_installs_only_imalink_and_coexists_with_pypi_exif(tmp_path: Path) -> None:
    # Built from a copy: setuptools writes build/ and *.egg-info next to the sources it builds.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "dist", "*.egg-info", "node_modules", "__pycache__"))
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "dist", source)
    (wheel,) = (tmp_path / "dist").glob("imalink-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
        names = set(archive.namelist())
    assert tops == {"imalink", wheel.name.split("-py3")[0] + ".dist-info"}, tops
    # The design's folders are mapped under imalink., migrations included.
    for module in ("db/tables.py", "exif/reader.py", "schema/build.py", "resolvers/photos.py", "importer/cli.py"):
        assert f"imalink/{module}" in names
    assert any(n.startswith("imalink/db/migrations/versions/") for n in names)

    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    # PyPI's exif (a different library with the generic name) next to ours; piexif is what
    # imalink.exif needs to import.
    _run(python, "-m", "pip", "install", "-q", "exif", "piexif")
    _run(python, "-m", "pip", "install", "-q", "--no-deps", wheel)
    out = _run(
        python,
        "-c",
        "import exif, imalink.exif; "
        "assert hasattr(exif, 'Image'), 'PyPI exif shadowed'; "
        "print(imalink.exif.read_exif(b'nope').problem is not None)",
        cwd=tmp_path,
    )
    assert out.strip() == "True"
