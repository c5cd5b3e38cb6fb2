"""Fixtures for the EXIF engine tests; the helpers live in tiffbuild.py and corpus.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The engine is imported from the checkout (the project is not necessarily installed), and the
# helpers beside this file are imported by module name.
_HERE = Path(__file__).resolve().parent
for _path in (str(_HERE.parents[1]), str(_HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from corpus import corpus_dir, samples  # noqa: E402


@pytest.fixture(scope="session")
def corpus_samples() -> list[Path]:
    """The shared corpus blobs; skips the test when the corpus is absent."""
    found = samples()
    if not found:
        pytest.skip(f"EXIF corpus not found at {corpus_dir()} (set IMALINK_EXIF_CORPUS to point at it)")
    return found
