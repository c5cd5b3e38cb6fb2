"""The engine against exiftool on the shared real-camera corpus (skipped when it is absent)."""

from __future__ import annotations

import json
from pathlib import Path

from corpus import compare
from sandbox import within_time

from imalink.exif import exif_tags, read_exif


def test_corpus_agrees_with_exiftool(corpus_samples: list[Path]) -> None:
    total, mismatches = 0, []
    for sample in corpus_samples:
        reading = within_time(read_exif, sample.read_bytes())
        assert reading.problem is None, f"{sample.stem}: {reading.problem}"
        compared, wrong = compare(sample, reading.metadata)
        total += compared
        mismatches += wrong
    print(f"\ncorpus agreement: {total - len(mismatches)}/{total} fields over {len(corpus_samples)} samples")
    assert not mismatches, "\n".join(mismatches)


def test_corpus_tags_are_json_safe(corpus_samples: list[Path]) -> None:
    for sample in corpus_samples:
        tags = within_time(exif_tags, sample.read_bytes())
        assert "0th" in tags, sample.stem
        encoded = json.dumps(tags, allow_nan=False)
        assert len(encoded) < 64_000, sample.stem
