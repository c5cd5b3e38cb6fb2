"""Inputs of the photo queries and edits, and their mapping onto the resolvers' values."""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from typing import Any

import strawberry

from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.photos import EDITABLE, MAX_SEARCH_TERMS, BoundingBox, PhotoFilterSpec, PhotoSort, Range
from imalink.schema.scalars import LocalDateTime

MAX_SEARCH_LENGTH = 200


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

    def to_box(self) -> BoundingBox:
        """The box, checked; a clear error for one that is not on the globe."""
        if not (-90 <= self.south <= self.north <= 90 and -180 <= self.west <= 180 and -180 <= self.east <= 180):
            raise UserError(ErrorCode.INVALID_FILTER, "bbox needs -90 <= south <= north <= 90 and west, east within -180..180.")
        return BoundingBox(self.south, self.west, self.north, self.east)


@strawberry.input(description="Whole numbers from min to max, both inclusive; either may be left out.")
class IntRangeInput:
    min: int | None = strawberry.field(default=None, description="Lowest value kept.")
    max: int | None = strawberry.field(default=None, description="Highest value kept.")


@strawberry.input(description="Numbers from min to max, both inclusive; either may be left out.")
class FloatRangeInput:
    min: float | None = strawberry.field(default=None, description="Lowest value kept.")
    max: float | None = strawberry.field(default=None, description="Highest value kept.")


def _range(name: str, given: IntRangeInput | FloatRangeInput | None, lowest: float = 0) -> Range | None:
    if given is None or (given.min is None and given.max is None):
        return None
    for bound in (given.min, given.max):
        if bound is not None and bound < lowest:
            raise UserError(ErrorCode.INVALID_FILTER, f"{name} cannot go below {lowest:g}, not {bound:g}.")
    if given.min is not None and given.max is not None and given.min > given.max:
        raise UserError(ErrorCode.INVALID_FILTER, f"{name}: min {given.min:g} is above max {given.max:g}.")
    return Range(given.min, given.max)


@strawberry.input(description="Conditions a photo must meet; every condition given applies.")
class PhotoFilter:
    taken_after: LocalDateTime | None = strawberry.field(
        default=None, description="Inclusive, local wall-clock ISO date-time."
    )
    taken_before: LocalDateTime | None = strawberry.field(default=None, description="Exclusive.")
    has_taken_at: bool | None = strawberry.field(
        default=None, description="Only photos with (true) or without (false) a capture time (the timeline's undated photos)."
    )
    camera_make: str | None = strawberry.field(default=None, description="Exact match, case-insensitive.")
    camera_model: str | None = strawberry.field(default=None, description="Exact match, case-insensitive.")
    lens_model: str | None = strawberry.field(default=None, description="Exact match, case-insensitive.")
    has_gps: bool | None = strawberry.field(default=None, description="Only photos with (true) or without (false) a position.")
    bbox: BoundingBoxInput | None = strawberry.field(default=None, description="Only photos positioned inside this box.")
    tags: list[str] | None = strawberry.field(
        default=None, description="Photos carrying all of these tags (compared case-insensitively)."
    )
    min_rating: int | None = strawberry.field(default=None, description="Only photos rated at least this (0-5).")
    rating: IntRangeInput | None = strawberry.field(
        default=None, description="Only photos rated within this range (0-5; 0 is unrated). Applies with minRating."
    )
    favorite: bool | None = strawberry.field(
        default=None, description="Only the user's favourites (true) or only photos that are not (false)."
    )
    iso: IntRangeInput | None = strawberry.field(default=None, description="ISO speed within this range.")
    aperture: FloatRangeInput | None = strawberry.field(default=None, description="f-number within this range, e.g. 1.4 to 2.8.")
    focal_length: FloatRangeInput | None = strawberry.field(default=None, description="Focal length within this range, millimetres.")
    search: str | None = strawberry.field(
        default=None,
        description="Text search over titles, descriptions, tags and file names: every word (or \"quoted phrase\") "
        "must occur, anywhere in a word, in any case (\"ice\" finds Iceland and IMG_ICE.JPG). "
        f"At most {MAX_SEARCH_LENGTH} characters; words past the first {MAX_SEARCH_TERMS} are ignored.",
    )
    import_session_id: int | None = strawberry.field(default=None, description="Only photos created by this session.")

    def to_spec(self, owner_id: int) -> PhotoFilterSpec:
        """The resolvers' filter over ``owner_id``'s library, checked; a clear error for an unusable condition."""
        rating = _range("rating", self.rating)
        if self.min_rating is not None:
            low = max(self.min_rating, rating.min if rating and rating.min is not None else self.min_rating)
            rating = Range(low, rating.max if rating else None)
        if rating is not None and ((rating.max is not None and rating.max > 5) or (rating.min is not None and rating.min > 5)):
            raise UserError(ErrorCode.INVALID_FILTER, "Ratings run from 0 to 5.")
        search = self.search.strip() if self.search else None
        if search and len(search) > MAX_SEARCH_LENGTH:
            raise UserError(ErrorCode.INVALID_FILTER, f"search takes at most {MAX_SEARCH_LENGTH} characters, not {len(search)}.")
        checked = {
            "owner_id": owner_id,
            "bbox": self.bbox.to_box() if self.bbox is not None else None,
            "tags": tuple(self.tags or ()),
            "rating": rating,
            "iso": _range("iso", self.iso),
            "aperture": _range("aperture", self.aperture),
            "focal_length": _range("focalLength", self.focal_length),
            "text": search or None,
        }
        # Every other condition is this input's field of the same name, as given.
        same = {f.name: getattr(self, f.name) for f in fields(PhotoFilterSpec) if f.name not in checked}
        return PhotoFilterSpec(**same, **checked)


@strawberry.input(description="Changes to a photo; fields left out stay as they are, null clears.")
class PhotoUpdateInput:
    title: str | None = strawberry.field(default=strawberry.UNSET, description="New title.")
    description: str | None = strawberry.field(default=strawberry.UNSET, description="New description.")
    tags: list[str] | None = strawberry.field(default=strawberry.UNSET, description="Replaces all tags.")
    rating: int | None = strawberry.field(default=strawberry.UNSET, description="0-5; 0 (or null) means unrated.")
    favorite: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Mark (true) or unmark (false or null) the photo as a favourite."
    )
    user_rotation: int | None = strawberry.field(default=strawberry.UNSET, description="0, 90, 180 or 270.")

    def changes(self) -> dict[str, Any]:
        """Only the fields the client sent."""
        return {name: getattr(self, name) for name in EDITABLE if getattr(self, name) is not strawberry.UNSET}
