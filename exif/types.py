"""The typed record the EXIF engine returns.

This module is the contract between ``exif/`` and its callers (the import service, the ``exif``
JSON field, the ``imalink import`` client): immutable values, no behaviour beyond formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any, Mapping


@dataclass(frozen=True, slots=True)
class ExifMetadata:
    """Metadata read from one EXIF payload. Every field is ``None`` when the payload lacks it."""

    taken_at: datetime | None = None
    """Capture time as the camera's local wall clock (naive; no time zone applied)."""
    taken_at_subsec: str | None = None
    """Sub-second digits exactly as recorded (``"892"`` means .892 s)."""
    taken_at_offset: str | None = None
    """UTC offset recorded with the chosen date tag, ``+HH:MM`` / ``-HH:MM``."""
    taken_at_source: str | None = None
    """Which tag the capture time came from: DateTimeOriginal, DateTimeDigitized or DateTime."""
    gps_latitude: float | None = None
    """Signed decimal degrees, south negative."""
    gps_longitude: float | None = None
    """Signed decimal degrees, west negative."""
    gps_altitude: float | None = None
    """Metres, negative below sea level; always ``None`` without a position."""
    camera_make: str | None = None
    camera_model: str | None = None
    lens_model: str | None = None
    focal_length: float | None = None
    """Millimetres."""
    aperture: float | None = None
    """f-number."""
    iso: int | None = None
    exposure_time: Fraction | None = None
    """Exact seconds."""
    exposure_time_text: str | None = None
    """As photographers write it: ``1/125``, ``1/3``, ``2.5``, ``30``."""
    orientation: int | None = None
    """EXIF orientation, 1-8."""
    pixel_width: int | None = None
    """EXIF PixelXDimension (or ImageWidth)."""
    pixel_height: int | None = None
    """EXIF PixelYDimension (or ImageLength)."""


GROUPED_FIELDS: tuple[tuple[str, ...], ...] = (
    ("taken_at", "taken_at_subsec", "taken_at_offset", "taken_at_source"),
    ("gps_latitude", "gps_longitude", "gps_altitude"),
    ("exposure_time", "exposure_time_text"),
    ("pixel_width", "pixel_height"),
)
"""ExifMetadata fields that only make sense together: whoever fills one reading's gaps from another
(a RW2's preview, a group's other files) takes a group whole from the first source that has its
first field, never mixing two."""


@dataclass(frozen=True, slots=True)
class ExifReading:
    """The outcome of reading one payload: metadata, or no metadata plus a reason.

    ``problem`` is set exactly when nothing could be read (``metadata`` is then empty);
    ``warnings`` lists parts that were damaged and skipped while the rest was read.
    """

    metadata: ExifMetadata = field(default_factory=ExifMetadata)
    problem: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def readable(self) -> bool:
        """True when the payload had a readable TIFF structure."""
        return self.problem is None


TagMapping = Mapping[str, Any]
"""Every decoded tag, JSON-safe, grouped by directory: ``{"0th": {"Make": "Canon", ...}, "Exif": {...}}``."""
