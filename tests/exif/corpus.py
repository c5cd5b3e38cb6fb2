"""The shared real-camera corpus (``../shared/exif-corpus``) and how its expectations are compared.

Used by ``test_corpus.py`` and ``benchmarks/exif_bench.py``. The corpus is not in the repository;
``IMALINK_EXIF_CORPUS`` overrides where it is looked for.
"""

from __future__ import annotations

import json
import math
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from imalink.exif import ExifMetadata

REPO_ROOT = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path:
    override = os.environ.get("IMALINK_EXIF_CORPUS")
    return Path(override) if override else (REPO_ROOT / ".." / "shared" / "exif-corpus").resolve()


def samples() -> list[Path]:
    """The ``.exif`` blobs of the corpus, sorted; empty when the corpus is absent."""
    directory = corpus_dir()
    return sorted(directory.glob("*.exif")) if directory.is_dir() else []


# Fields that exiftool cannot give from the blob alone, per the corpus README. (The Panasonic RW2
# ISO it mentions is read from the RW2's own IFD0 and its embedded preview, so none remain.)
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}

# Policy: a zero in these fields is a camera's placeholder for "unknown" and reads as absent;
# exiftool prints the 0, so its 0 is compared as None.
ZERO_IS_ABSENT = ("focal_length", "aperture", "iso", "pixel_width", "pixel_height")


def _valid_date(raw: str | None) -> datetime | None:
    """An independent reading of the date rule: strict ``YYYY:MM:DD HH:MM:SS``, year > 0."""
    if not raw:
        return None
    try:
        value = datetime.strptime(raw.strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return value if value.year > 0 else None


def _iso(exif_iso: int | None, tool: dict[str, Any]) -> int | None:
    """The Exif ISO; without it, the ISO exiftool reads from the maker notes: its composite ISO
    (Canon), else the maker's own ISO tag (Casio), as exiftool prints it (rounded)."""
    if exif_iso is not None:
        return exif_iso
    for key in ("Composite:ISO", "Casio:ISO"):
        value = tool.get(key)
        if isinstance(value, (int, float)):
            return int(f"{value:.0f}")
    return None


def expectations(sample: Path) -> dict[str, Any]:
    """Expected ExifMetadata fields for one sample, derived from exiftool's output."""
    expected = json.loads(sample.with_suffix(".expected.json").read_text())
    tool = json.loads(sample.with_suffix(".exiftool.json").read_text())[0]
    context = expected["_context"]
    taken_at = subsec = offset = source = None
    candidates = (
        ("DateTimeOriginal", context["datetime_original_raw"], "SubSecTimeOriginal", "OffsetTimeOriginal"),
        ("DateTimeDigitized", context["create_date_raw"], "SubSecTimeDigitized", "OffsetTimeDigitized"),
        ("DateTime", context["ifd0_datetime_raw"], "SubSecTime", "OffsetTime"),
    )
    for name, raw, subsec_tag, offset_tag in candidates:
        taken_at = _valid_date(raw)
        if taken_at is not None:
            source = name
            if name == "DateTimeOriginal":
                subsec, offset = expected["subsec"], expected["offset_time_original"]
            else:
                subsec = tool.get(f"ExifIFD:{subsec_tag}")
                offset = tool.get(f"ExifIFD:{offset_tag}")
            break
    return {
        "taken_at": taken_at,
        "taken_at_subsec": None if subsec is None else str(subsec),
        "taken_at_offset": offset,
        "taken_at_source": source,
        "gps_latitude": expected["gps_latitude"],
        "gps_longitude": expected["gps_longitude"],
        "gps_altitude": expected["gps_altitude"] if expected["gps_latitude"] is not None else None,
        "camera_make": expected["make"],
        "camera_model": expected["model"],
        "lens_model": expected["lens_model"],
        "focal_length": expected["focal_length"],
        "aperture": expected["f_number"],
        "iso": _iso(expected["iso"], tool),
        "exposure_time": expected["exposure_time"],
        "orientation": expected["orientation"],
        "pixel_width": expected["image_width"],
        "pixel_height": expected["image_height"],
    }


def agrees(actual: Any, wanted: Any) -> bool:
    if wanted is None or actual is None:
        return wanted is None and actual is None
    if isinstance(wanted, float) or isinstance(actual, float):
        # exiftool rounds to about ten significant digits.
        return math.isclose(float(actual), float(wanted), rel_tol=1e-9 * 100, abs_tol=1e-9)
    return actual == wanted


def compare(sample: Path, metadata: ExifMetadata) -> tuple[int, list[str]]:
    """``(fields compared, mismatches)`` for one sample, known exceptions excluded."""
    mismatches = []
    wanted = expectations(sample)
    compared = 0
    for name, value in wanted.items():
        if (sample.stem, name) in KNOWN_EXCEPTIONS:
            continue
        compared += 1
        actual = getattr(metadata, name)
        if name in ZERO_IS_ABSENT and value == 0:
            value = None
        if name == "exposure_time" and actual is not None:
            actual = float(actual)
        if not agrees(actual, value):
            mismatches.append(f"{sample.stem}.{name}: got {actual!r}, exiftool {value!r}")
    return compared, mismatches
