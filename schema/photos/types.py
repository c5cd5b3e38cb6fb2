"""The library's objects: Photo, Image and ImportSession (they refer to each other, so they live together)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import Row
from strawberry.scalars import JSON

from imalink.resolvers.loaders import SessionPhotosKey
from imalink.resolvers.lookalikes import (
    DEFAULT_DISTANCE,
    MAX_DISTANCE,
    MAX_LOOKALIKES,
    LookalikesKey,
    check_count,
    check_distance,
)
from imalink.resolvers.pagination import page_request
from imalink.resolvers.photos import decoded_exif
from imalink.schema.enums import SessionStatus
from imalink.schema.rows import object_from_row
from imalink.schema.pagination import After, Before, Connection, First, Last
from imalink.schema.scalars import BigInt, LocalDateTime, UtcOffset

HOTPREVIEW_ROUTE = "/hotpreview/{hothash}.jpg"
COLDPREVIEW_ROUTE = "/coldpreview/{hothash}.jpg"

MaxDistance = Annotated[
    int,
    strawberry.argument(
        description=f"How many of the 64 fingerprint bits may differ (0-{MAX_DISTANCE}, default {DEFAULT_DISTANCE}). "
        "Copies re-encoded, resized, rotated or edited differ in at most 4, lightly cropped ones mostly in at most "
        "10; other photos of the same scene (the camera panned or zoomed) in 16 or more (README, Near-duplicates)."
    ),
]


def taken_at_text(taken_at: datetime | None, subsec: str | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS``, with ``.fff`` when the camera recorded sub-seconds."""
    if taken_at is None:
        return None
    text = taken_at.strftime("%Y-%m-%dT%H:%M:%S")
    if subsec and subsec.isdigit():
        text += "." + subsec[:3].ljust(3, "0")
    return text


@strawberry.type(description="A photograph, identified by its hothash; its files are its images.")
class Photo:
    id: int = strawberry.field(description="Database id.")
    hothash: str = strawberry.field(
        description="Lowercase hex SHA-256 of the hotpreview JPEG the photo was created with: its name in the API. "
        "Its files are its identity: a later hotpreview of the same files (another encoder) joins this photo."
    )
    width: int | None = strawberry.field(description="Pixels, as displayed (EXIF dimensions are swapped for orientations 5-8).")
    height: int | None = strawberry.field(description="Pixels, as displayed.")
    taken_at_offset: UtcOffset | None = strawberry.field(
        description="+HH:MM / -HH:MM: the offset tag that belongs to the date tag takenAt came from, when recorded."
    )
    taken_at_source: str | None = strawberry.field(
        description="The EXIF tag takenAt came from: DateTimeOriginal, DateTimeDigitized or DateTime."
    )
    gps_latitude: float | None = strawberry.field(description="Decimal degrees, south negative.")
    gps_longitude: float | None = strawberry.field(description="Decimal degrees, west negative.")
    gps_altitude: float | None = strawberry.field(
        description="Metres; negative below sea level; null whenever there is no position."
    )
    camera_make: str | None = strawberry.field(description="Camera maker as recorded in EXIF, e.g. Canon.")
    camera_model: str | None = strawberry.field(description="Camera model as recorded in EXIF.")
    lens_model: str | None = strawberry.field(description="Lens model as recorded in EXIF.")
    focal_length: float | None = strawberry.field(description="Millimetres.")
    aperture: float | None = strawberry.field(description="f-number.")
    iso: int | None = strawberry.field(description="ISO speed.")
    exposure_time: str | None = strawberry.field(
        description="Exact seconds as photographers write them: 1/125, 1/3, 2.5, 30 (1/N whenever the value is 1/N)."
    )
    orientation: int | None = strawberry.field(description="EXIF orientation 1-8.")
    title: str | None = strawberry.field(description="The user's title.")
    description: str | None = strawberry.field(description="The user's description.")
    rating: int | None = strawberry.field(description="0-5; 0 means unrated.")
    favorite: bool = strawberry.field(description="Whether the user marked this photo as a favourite.")
    user_rotation: int | None = strawberry.field(description="Degrees the user turned the photo: 0, 90, 180 or 270.")
    created_at: datetime = strawberry.field(description="When the photo entered the library.")
    updated_at: datetime = strawberry.field(description="When the photo last changed.")
    taken_at_value: strawberry.Private[Any]
    taken_at_subsec: strawberry.Private[str | None]
    import_session_id: strawberry.Private[int | None]
    has_hotpreview: strawberry.Private[bool]
    prefetched_images: strawberry.Private[list[Row[Any]] | None] = None
    prefetched_session: strawberry.Private[Row[Any] | None] = None
    prefetched_tags: strawberry.Private[list[str] | None] = None

    @classmethod
    def from_row(
        cls,
        row: Row[Any],
        images: dict[int, list[Row[Any]]] | None = None,
        sessions: dict[int, Row[Any]] | None = None,
        tags: dict[int, list[str]] | None = None,
    ) -> Photo:
        """The API's view of a photo row, with its images, session and tags when a page fetched them."""
        return object_from_row(
            cls,
            row,
            taken_at_value=row.taken_at,
            taken_at_subsec=row.taken_at_subsec,
            import_session_id=row.import_session_id,
            has_hotpreview=bool(row.has_hotpreview),
            prefetched_images=images.get(row.id, []) if images is not None else None,
            prefetched_session=sessions.get(row.import_session_id) if sessions is not None else None,
            prefetched_tags=tags.get(row.id, []) if tags is not None else None,
        )

    @strawberry.field(
        description="Local wall-clock capture time, YYYY-MM-DDTHH:MM:SS with .fff when sub-seconds are known."
    )
    def taken_at(self) -> LocalDateTime | None:
        return taken_at_text(self.taken_at_value, self.taken_at_subsec)

    @strawberry.field(description="Base64 JPEG.")
    async def hotpreview(self, info: strawberry.Info) -> str | None:
        if not self.has_hotpreview:
            return None
        data = await info.context.loaders.hotpreview.load(self.id)
        return base64.b64encode(data).decode("ascii") if data is not None else None

    @strawberry.field(description="Path of an HTTP route serving the hotpreview as image/jpeg.")
    def hotpreview_url(self) -> str | None:
        return HOTPREVIEW_ROUTE.format(hothash=self.hothash) if self.has_hotpreview else None

    @strawberry.field(
        description="Path of an HTTP route serving the coldpreview (a JPEG of about 1200 px sent with the photo) "
        "as image/jpeg; null when no client sent one."
    )
    def coldpreview_url(self, info: strawberry.Info) -> str | None:
        if not info.context.media.has_coldpreview(info.context.owner_id, self.hothash):
            return None
        return COLDPREVIEW_ROUTE.format(hothash=self.hothash)

    # The two relations below answer at once from what the page fetched, and otherwise return an
    # awaitable that goes through the request's DataLoader (graphql-core awaits either).
    @strawberry.field(description="The import session that created this photo.")
    def import_session(self, info: strawberry.Info) -> ImportSession | None:
        if self.prefetched_session is not None:
            return ImportSession.from_row(self.prefetched_session)
        return _load_session(info, self.import_session_id)  # type: ignore[return-value]

    @strawberry.field(description="The user's tags, as first spelled, in the order given.")
    def tags(self, info: strawberry.Info) -> list[str]:
        if self.prefetched_tags is not None:
            return self.prefetched_tags
        return info.context.loaders.tags_by_photo.load(self.id)  # type: ignore[return-value]

    @strawberry.field(description="The files of this photo (e.g. its JPEG and its RAW), in the order they arrived.")
    def images(self, info: strawberry.Info) -> list[Image]:
        if self.prefetched_images is not None:
            return [Image.from_row(row) for row in self.prefetched_images]
        return self._load_images(info)  # type: ignore[return-value]

    async def _load_images(self, info: strawberry.Info) -> list[Image]:
        rows = await info.context.loaders.images_by_photo.load(self.id)
        return [Image.from_row(row) for row in rows]

    @strawberry.field(
        description="Other photos of the library that look like this one (the same picture re-encoded, resized, "
        "rotated, edited or lightly cropped; its RAW and JPEG imported apart), nearest first: their perceptual "
        "fingerprints (64-bit DCT hashes of the hotpreviews) differ in at most maxDistance bits. Empty for a photo "
        "without a fingerprint (see `imalink fingerprints backfill`)."
    )
    async def look_alikes(
        self,
        info: strawberry.Info,
        max_distance: MaxDistance = DEFAULT_DISTANCE,
        first: Annotated[
            int, strawberry.argument(description=f"At most this many (0-{MAX_LOOKALIKES}).")
        ] = 20,
    ) -> list[LookAlike]:
        key = LookalikesKey(self.id, check_distance(max_distance), check_count(first))
        near = await info.context.loaders.lookalikes.load(key)
        rows = await info.context.loaders.photo.load_many([photo_id for photo_id, _ in near])
        return [
            LookAlike(photo=Photo.from_row(row), distance=distance)
            for (_, distance), row in zip(near, rows, strict=True)
            if row is not None
        ]


@strawberry.type(description="A photo that looks like another, and how near it is.")
class LookAlike:
    photo: Photo = strawberry.field(description="The look-alike.")
    distance: int = strawberry.field(
        description="Bits (of 64) in which the two perceptual fingerprints differ: 0 is the same picture to the eye."
    )


@strawberry.type(
    description="Photos of the library that are likely the same picture: each looks like another of the cluster "
    "within the maxDistance asked."
)
class DuplicateCluster:
    photo_ids: strawberry.Private[list[int]]

    @strawberry.field(description="How many photos the cluster holds (2 or more).")
    def size(self) -> int:
        return len(self.photo_ids)

    @strawberry.field(description="The cluster's photos, the first imported first.")
    async def photos(self, info: strawberry.Info) -> list[Photo]:
        rows = await info.context.loaders.photo.load_many(self.photo_ids)
        return [Photo.from_row(row) for row in rows if row is not None]


@strawberry.type(description="One file of a photo, with the raw EXIF bytes it carried.")
class Image:
    id: int = strawberry.field(description="Database id.")
    filename: str = strawberry.field(description="Original file name, e.g. IMG_1234.CR2.")
    file_size: BigInt | None = strawberry.field(description="Bytes.")
    hothash: str = strawberry.field(description="The hothash of the photo this file belongs to.")
    content_hash: str | None = strawberry.field(
        description="Lowercase hex SHA-256 of the file's bytes, when the client sent it: the file's identity, "
        "unique in the library."
    )
    photo_id: strawberry.Private[int]
    import_session_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: Row[Any]) -> Image:
        """The API's view of an image row."""
        return object_from_row(cls, row, photo_id=row.photo_id, import_session_id=row.import_session_id)

    @strawberry.field(description="The raw EXIF bytes exactly as received, base64.")
    async def exif_data(self, info: strawberry.Info) -> str | None:
        data = await info.context.loaders.exif_data.load(self.id)
        return base64.b64encode(data).decode("ascii") if data is not None else None

    @strawberry.field(
        description="Every EXIF tag decoded from exifData, grouped by directory, tag names as keys "
        "(the embedded thumbnail left out); null without EXIF."
    )
    async def exif(self, info: strawberry.Info) -> JSON | None:
        return decoded_exif(await info.context.loaders.exif_data.load(self.id))

    @strawberry.field(description="The photo this file shows.")
    async def photo(self, info: strawberry.Info) -> Photo:
        row = await info.context.loaders.photo.load(self.photo_id)
        return Photo.from_row(row)

    @strawberry.field(description="The import session that brought this file.")
    async def import_session(self, info: strawberry.Info) -> ImportSession | None:
        return await _load_session(info, self.import_session_id)


@strawberry.type(description="One import run: the storage directory the user chose and totals of what it brought.")
class ImportSession:
    id: int = strawberry.field(description="Database id.")
    storage_directory: str | None = strawberry.field(
        description="Name of the storage directory the user chose in the frontend; stored, never touched."
    )
    description: str | None = strawberry.field(description="The user's description of this import.")
    status: SessionStatus = strawberry.field(
        description="IN_PROGRESS until completeImportSession, then COMPLETED; INTERRUPTED when no batch came for a "
        "while (a later batch resumes it)."
    )
    started_at: datetime = strawberry.field(description="When the session was created.")
    completed_at: datetime | None = strawberry.field(description="When the session was completed.")
    photos_created: int = strawberry.field(
        description="Totals over every group sent to this session, with the meanings of BatchImportResult."
    )
    images_created: int = strawberry.field(description="Files written, including those attached to known photos.")
    duplicates_skipped: int = strawberry.field(description="Groups whose status was DUPLICATE.")
    files_processed: int = strawberry.field(description="Every file received, whatever became of it.")
    errors_count: int = strawberry.field(description="Lines of BatchImportResult.errors produced for this session.")

    @classmethod
    def from_row(cls, row: Row[Any]) -> ImportSession:
        """The API's view of a session row."""
        return object_from_row(cls, row, status=SessionStatus(row.status))

    @strawberry.field(description="Photos this session created, newest capture first, undated last.")
    async def photos(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> PhotoConnection:
        request = page_request(first, after, last, before)
        page = await info.context.loaders.session_photos.load(SessionPhotosKey(self.id, request))
        return PhotoConnection.from_page(page, Photo.from_row)


async def _load_session(info: strawberry.Info, session_id: int | None) -> ImportSession | None:
    if session_id is None:
        return None
    row = await info.context.loaders.session.load(session_id)
    return ImportSession.from_row(row) if row is not None else None


PhotoConnection = Connection[Photo]
ImportSessionConnection = Connection[ImportSession]
DuplicateClusterConnection = Connection[DuplicateCluster]


@strawberry.type(description="A photo the library has, by hothash, with the names of its files.")
class ExistingPhoto:
    hothash: str = strawberry.field(description="The hothash as it was asked for.")
    filenames: list[str] = strawberry.field(
        description="Names of the files attached to the photo, in the order they arrived (compare case-insensitively)."
    )


@strawberry.type(description="A file the library has, found by its content hash.")
class ExistingFile:
    content_hash: str = strawberry.field(description="The content hash as it was asked for.")
    filename: str = strawberry.field(description="The name the file was imported under.")
    hothash: str = strawberry.field(description="The hothash of the photo the file belongs to.")
