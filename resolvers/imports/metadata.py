"""Which metadata a photo gets from its files: the one place these rules live.

- EXIF fields come from the first image whose EXIF is readable; any field it lacks is filled from
  the group's other images, in order.
- width/height come from the client; otherwise from EXIF, swapped for orientations 5-8 (the
  camera recorded the sensor's size, the photo is shown turned a quarter).
- The stored capture time includes its sub-seconds, so the timeline orders bursts correctly.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from imalink.exif import GROUPED_FIELDS, ExifMetadata

# ExifMetadata fields stored on the photo under the same name.
_COPIED = (
    "taken_at_subsec", "taken_at_offset", "taken_at_source", "gps_latitude", "gps_longitude", "gps_altitude",
    "camera_make", "camera_model", "lens_model", "focal_length", "aperture", "iso", "orientation",
)
_QUARTER_TURNED = {5, 6, 7, 8}
_GROUPED_NAMES = {name for group in GROUPED_FIELDS for name in group}
# Once, not per group: dataclasses.fields() builds its tuple on every call.
_UNGROUPED_NAMES = tuple(f.name for f in fields(ExifMetadata) if f.name not in _GROUPED_NAMES)


def merge_metadata(readings: list[ExifMetadata]) -> ExifMetadata:
    """The group's metadata: the first reading, its gaps filled from the later ones."""
    if len(readings) <= 1:
        return readings[0] if readings else ExifMetadata()
    merged: dict[str, Any] = {}
    for name in _UNGROUPED_NAMES:
        merged[name] = next((v for r in readings if (v := getattr(r, name)) is not None), None)
    for group in GROUPED_FIELDS:
        source = next((r for r in readings if getattr(r, group[0]) is not None), None)
        for name in group:
            merged[name] = getattr(source, name) if source else None
    return ExifMetadata(**merged)


def capture_time(metadata: ExifMetadata) -> datetime | None:
    """The capture time to store and sort by: wall clock plus recorded sub-seconds."""
    if metadata.taken_at is None:
        return None
    digits = metadata.taken_at_subsec
    if not digits or not digits.isdigit():
        return metadata.taken_at
    return metadata.taken_at.replace(microsecond=int(digits[:6].ljust(6, "0")))


def photo_values(metadata: ExifMetadata, width: int | None, height: int | None) -> dict[str, Any]:
    """Photo columns derived from the merged EXIF and the client's dimensions."""
    values = {name: getattr(metadata, name) for name in _COPIED}
    values["taken_at"] = capture_time(metadata)
    values["exposure_time"] = metadata.exposure_time_text
    if width is None or height is None:
        exif_w, exif_h = metadata.pixel_width, metadata.pixel_height
        if metadata.orientation in _QUARTER_TURNED:
            exif_w, exif_h = exif_h, exif_w
        width = width if width is not None else exif_w
        height = height if height is not None else exif_h
    values["width"] = width
    values["height"] = height
    return values
