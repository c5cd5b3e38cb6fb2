"""Inputs of the photo queries and edits, and their mapping onto the resolvers' values."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.photos import BoundingBox, PhotoFilterSpec, PhotoSort
from imalink.schema.scalars import LocalDateTime


@strawberry.enum(description="Orders of the photo listing.")
class PhotoOrder(Enum):
    TAKEN_AT_DESC = strawberry.enum_value("TAKEN_AT_DESC", description="Newest capture first; undated photos last.")
    TAKEN_AT_ASC = strawberry.enum_value("TAKEN_AT_ASC", description="Oldest capture first; undated photos last.")
    CREATED_AT_DESC = strawberry.enum_value("CREATED_AT_DESC", description="Most recently imported first.")

    def to_sort(self) -> PhotoSort:
        return PhotoSort(self.value)


@strawberry.input(description="Degrees, inclusive. west > east means the box crosses the 180th meridian.")
class BoundingBoxInput:
    south: float = strawberry.field(description="Southern edge, -90 to 90.")
    west: float = strawberry.field(description="Western edge, -180 to 180.")
    north: float = strawberry.field(description="Northern edge, -90 to 90, not below south.")
    east: float = strawberry.field(description="Eastern edge, -180 to 180.")


@strawberry.input(description="Conditions a photo must meet; every condition given applies.")
class PhotoFilter:
    taken_after: LocalDateTime | None = strawberry.field(
        default=None, description="Inclusive, local wall-clock ISO date-time."
    )
    taken_before: LocalDateTime | None = strawberry.field(default=None, description="Exclusive.")
    camera_make: str | None = strawberry.field(default=None, description="Exact match, case-insensitive.")
    camera_model: str | None = strawberry.field(default=None, description="Exact match, case-insensitive.")
    lens_model: str | None = strawberry.field(default=None, description="Exact match, case-insensitive.")
    has_gps: bool | None = strawberry.field(default=None, description="Only photos with (true) or without (false) a position.")
    bbox: BoundingBoxInput | None = strawberry.field(default=None, description="Only photos positioned inside this box.")
    tags: list[str] | None = strawberry.field(
        default=None, description="Photos carrying all of these tags (compared case-insensitively)."
    )
    min_rating: int | None = strawberry.field(default=None, description="Only photos rated at least this (0-5).")
    import_session_id: int | None = strawberry.field(default=None, description="Only photos created by this session.")

    def to_spec(self, owner_id: int) -> PhotoFilterSpec:
        """The resolvers' filter over ``owner_id``'s library, checked; a clear error for an unusable condition."""
        box = None
        if self.bbox is not None:
            b = self.bbox
            if not (-90 <= b.south <= b.north <= 90 and -180 <= b.west <= 180 and -180 <= b.east <= 180):
                raise UserError(
                    ErrorCode.INVALID_FILTER,
                    "bbox needs -90 <= south <= north <= 90 and west, east within -180..180.",
                )
            box = BoundingBox(b.south, b.west, b.north, b.east)
        return PhotoFilterSpec(
            owner_id=owner_id,
            taken_after=self.taken_after,
            taken_before=self.taken_before,
            camera_make=self.camera_make,
            camera_model=self.camera_model,
            lens_model=self.lens_model,
            has_gps=self.has_gps,
            bbox=box,
            tags=tuple(self.tags or ()),
            min_rating=self.min_rating,
            import_session_id=self.import_session_id,
        )


@strawberry.input(description="Changes to a photo; fields left out stay as they are, null clears.")
class PhotoUpdateInput:
    title: str | None = strawberry.field(default=strawberry.UNSET, description="New title.")
    description: str | None = strawberry.field(default=strawberry.UNSET, description="New description.")
    tags: list[str] | None = strawberry.field(default=strawberry.UNSET, description="Replaces all tags.")
    rating: int | None = strawberry.field(default=strawberry.UNSET, description="0-5; 0 (or null) means unrated.")
    user_rotation: int | None = strawberry.field(default=strawberry.UNSET, description="0, 90, 180 or 270.")

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        names = ("title", "description", "tags", "rating", "user_rotation")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not strawberry.UNSET}
