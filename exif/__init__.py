"""The EXIF engine: raw EXIF bytes in, immutable typed metadata out.

A pure library (no database, no GraphQL, no filesystem) that never raises on any input.

- :func:`read_exif` — the metadata the import service stores (capture time, GPS, camera, exposure).
- :func:`exif_tags` — every decoded tag as JSON-safe data, for the ``exif`` field of an Image.
- :func:`parse_offset` — the one rule of a valid UTC offset (``+HH:MM`` within ±14:00), which the
  API's ``UtcOffset`` scalar also follows.

The rules applied are written in the README, section "EXIF policy".
"""

from .policy import parse_offset
from .reader import read_exif
from .tags import exif_tags
from .types import GROUPED_FIELDS, ExifMetadata, ExifReading, TagMapping

__all__ = ["GROUPED_FIELDS", "ExifMetadata", "ExifReading", "TagMapping", "exif_tags", "parse_offset", "read_exif"]
