"""Generated clients, built from the schema a running server introspects, see what the types mean.

graphql-codegen (TypeScript, npm) and ariadne-codegen (Python, PyPI) each generate a client for
tests/codegen/operations.graphql. The TypeScript one must compile ``check.ts``: ``takenAt`` a
date-time template type, ``code`` a union of literals (each ``@ts-expect-error`` there must be an
error). The Python one is used against the server: dates arrive as ``datetime``, codes as enums.

The tools install once into a cache (``IMALINK_TEST_TOOLS``, default ~/.cache/imalink-test-tools),
keyed by their pinned versions. Without npm the TypeScript test skips (a failure under CI=true).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from imalink.resolvers.imports import ImportProblemCode as OurCodes
from imalink.settings import Settings
from tests.support.media import exif_blob, jpeg
from tests.support.server import running_server

CODEGEN = Path(__file__).resolve().parents[1] / "codegen"
TOOLS = Path(os.environ.get("IMALINK_TEST_TOOLS", Path.home() / ".cache" / "imalink-test-tools"))
ARIADNE = "ariadne-codegen==0.19.0"


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def installed(folder: Path, install: list[list[str]], source: Path | None = None) -> Path:
    """``folder`` with the tools installed, once; a failed install leaves nothing behind."""
    if (folder / ".installed").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if source is not None:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(source / name, folder / name)
    try:
        for command in install:
            done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                pytest.skip(f"could not install the code generators ({' '.join(command)}): {done.stderr[-500:]}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    (folder / ".installed").touch()
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("codegen-server")
    with running_server(Settings(database_url=f"sqlite:///{folder / 'library.db'}", media_dir=folder / "media")) as base:
        yield base


def test_typescript_client_types_dates_and_codes(server, tmp_path):
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: graphql-codegen (TypeScript) cannot run")
    lock = hashlib.sha256((CODEGEN / "package-lock.json").read_bytes()).hexdigest()[:16]
    tools = installed(TOOLS / f"npm-{lock}", [["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]], CODEGEN)
    for name in ("codegen.ts", "operations.graphql", "check.ts"):
        shutil.copy(CODEGEN / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(tools / "node_modules")
    bin_ = tools / "node_modules" / ".bin"
    run([str(bin_ / "graphql-codegen"), "--config", "codegen.ts"], tmp_path, {"IMALINK_GRAPHQL_URL": f"{server}/graphql"})

    generated = (tmp_path / "generated.ts").read_text()
    assert "takenAt: `${number}-${number}-${number}T${number}:${number}:${number}` | null" in generated
    union = generated.split("export type ImportProblemCode =", 1)[1].split("\nexport ", 1)[0]
    assert set(re.findall(r"^\s*\| '([A-Z0-9_]+)'", union, re.M)) == {c.value for c in OurCodes}
    strict = ["--strict", "--noEmit", "--target", "es2020", "--module", "es2020", "--moduleResolution", "node"]
    run([str(bin_ / "tsc"), *strict, "check.ts"], tmp_path)


def test_python_client_parses_dates_and_codes(server, tmp_path):
    venv = TOOLS / "ariadne-codegen-0.19.0"
    python = venv / "bin" / "python"
    installed(venv, [[sys.executable, "-m", "venv", str(venv)], [str(python), "-m", "pip", "install", "-q", ARIADNE]])
    config = (CODEGEN / "ariadne.toml").read_text().replace(
        "[tool.ariadne-codegen]\n",
        f'[tool.ariadne-codegen]\nremote_schema_url = "{server}/graphql"\ntarget_package_path = "{tmp_path}"\n',
    )
    (tmp_path / "ariadne.toml").write_text(config)
    shutil.copy(CODEGEN / "operations.graphql", tmp_path / "operations.graphql")
    run([str(venv / "bin" / "ariadne-codegen"), "--config", "ariadne.toml"], tmp_path)

    sys.path.insert(0, str(tmp_path))
    try:
        client_module = importlib.import_module("imalink_client")
    finally:
        sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m == "imalink_client" or m.startswith("imalink_client.")]:
        del sys.modules[name]  # a later run generates it afresh
    inputs = client_module.input_types
    enums = client_module.enums

    async def talk() -> tuple[object, object]:
        client = client_module.Client(url=f"{server}/graphql")
        good = inputs.PhotoGroupInput(
            hotpreview=base64.b64encode(jpeg(label="codegen")).decode(),
            images=[inputs.ImageInput(filename="IMG_1.JPG", exif_data=base64.b64encode(exif_blob()).decode())],
        )
        bad = inputs.PhotoGroupInput(hotpreview="***", images=[inputs.ImageInput(filename="IMG_2.JPG")])
        imported = await client.import_groups(input=inputs.BatchImportInput(photo_groups=[good, bad]))
        return imported, await client.timeline(first=5)

    imported, timeline = asyncio.run(talk())
    created, failed = imported.import_batch.results
    assert created.status is enums.PhotoGroupStatus.CREATED
    assert failed.errors[0].code is enums.ImportProblemCode.INVALID_BASE64
    assert {c.value for c in enums.ImportProblemCode} == {c.value for c in OurCodes}
    node = timeline.photos.edges[0].node
    assert node.taken_at == datetime(2021, 6, 1, 12, 30, 45)  # the EXIF's wall clock, no zone
    assert isinstance(node.created_at, datetime) and node.created_at.tzinfo is not None
    assert node.created_at.astimezone(UTC) <= datetime.now(UTC)
    assert node.import_session is None
