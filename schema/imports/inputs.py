"""Inputs of the import mutations; arguments arrive as the import service's submissions (``fast_input``).

The previews and exifData are String, not Strawberry's Base64 scalar: a scalar that cannot parse
fails the whole request, while a broken group must fail alone (INVALID_BASE64 on that group);
and a hotpreview may carry a data: URL prefix, as a browser's canvas gives it.
"""

from __future__ import annotations

import strawberry

from imalink.resolvers.imports.submission import BatchSubmission, ImageSubmission, PhotoGroupSubmission
from imalink.schema.fast_input import build_in_one_pass
from imalink.schema.scalars import BigInt


@strawberry.input(description="A new import session.")
class ImportSessionInput:
    storage_directory: str | None = strawberry.field(
        default=None, description="Name of the storage directory the user chose in the frontend; stored, never touched."
    )
    description: str | None = strawberry.field(default=None, description="Free text about this import.")


@strawberry.input(description="One file of a photo group.")
class ImageInput:
    filename: str = strawberry.field(description="Original file name, e.g. IMG_1234.CR2.")
    hothash: str | None = strawberry.field(default=None, description="If given, must equal the group's hothash.")
    file_size: BigInt | None = strawberry.field(default=None, description="Bytes.")
    exif_data: str | None = strawberry.field(
        default=None,
        description="Base64 of the raw EXIF bytes as the client found them: a JPEG APP1 payload starting with "
        "Exif\\0\\0, or TIFF-structured bytes from a RAW file.",
    )
    import_session_id: int | None = strawberry.field(
        default=None, description="Overrides the batch's importSessionId for this file."
    )
    content_hash: str | None = strawberry.field(
        default=None,
        description="Lowercase hex SHA-256 of the file's bytes exactly as on disk. A file is in the library at "
        "most once: a group any of whose files is known belongs to that file's photo.",
    )


@strawberry.input(description="One photo: its files (e.g. a RAW+JPEG pair) and what the user said about it.")
class PhotoGroupInput:
    images: list[ImageInput] = strawberry.field(description="The files of this photo; at least one.")
    hothash: str | None = strawberry.field(
        default=None,
        description="Lowercase hex SHA-256 of the hotpreview JPEG bytes. Optional when hotpreview is sent (then derived).",
    )
    hotpreview: str | None = strawberry.field(
        default=None,
        description="Base64 JPEG of at most 150 px (see docs/import-client.md); a data:image/jpeg;base64, prefix is "
        "accepted. Optional for a group of a known photo (its hothash, or a file known by contentHash).",
    )
    coldpreview: str | None = strawberry.field(
        default=None,
        description="Base64 JPEG of about 1200 px for viewing (a data:image/jpeg;base64, prefix is accepted), at most "
        "IMALINK_MAX_COLDPREVIEW_BYTES. Kept on disk, served at Photo.coldpreviewUrl; a photo keeps the first it gets.",
    )
    width: int | None = strawberry.field(default=None, description="Pixels; from EXIF when left out.")
    height: int | None = strawberry.field(default=None, description="Pixels; from EXIF when left out.")
    title: str | None = strawberry.field(default=None, description="The user's title.")
    description: str | None = strawberry.field(default=None, description="The user's description.")
    tags: list[str] | None = strawberry.field(default=None, description="The user's tags.")
    rating: int | None = strawberry.field(default=None, description="0-5; 0 means unrated.")
    user_rotation: int | None = strawberry.field(default=None, description="Degrees: 0, 90, 180 or 270.")
    import_session_id: int | None = strawberry.field(
        default=None, description="Session of this group; overrides the batch's."
    )


@strawberry.input(description="Many photo groups sent at once.")
class BatchImportInput:
    photo_groups: list[PhotoGroupInput] = strawberry.field(description="The groups, each imported on its own.")
    import_session_id: int | None = strawberry.field(
        default=None, description="Session for every group that does not name its own."
    )


build_in_one_pass(ImageInput, ImageSubmission)
build_in_one_pass(PhotoGroupInput, PhotoGroupSubmission, {"images": ImageInput})
build_in_one_pass(BatchImportInput, BatchSubmission, {"photo_groups": PhotoGroupInput})
