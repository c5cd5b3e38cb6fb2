"""Import limits (configured by the app's settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """How much one request may carry."""

    max_groups_per_batch: int = 1000
    max_images_per_group: int = 32
    max_hotpreview_bytes: int = 1024 * 1024
    max_coldpreview_bytes: int = 4 * 1024 * 1024
