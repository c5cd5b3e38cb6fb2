"""Inputs of the import mutations, and their mapping onto the import service's submissions."""

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

    def to_submission(self) -> ImageSubmission:
        return ImageSubmission(
            self.filename, self.hothash, self.file_size, self.exif_data, self.import_session_id, self.content_hash
        )


@strawberry.input(description="One photo: its files (e.g. a RAW+JPEG pair) and what the user said about it.")
class PhotoGroupInput:
    images: list[ImageInput] = strawberry.field(description="The files of this photo; at least one.")
    hothash: str | None = strawberry.field(
        default=None,
        description="Lowercase hex SHA-256 of the hotpreview JPEG bytes. Optional when hotpreview is sent (then derived).",
    )
    hotpreview: str | None = strawberry.field(
        default=None, description="Base64 JPEG; a data:image/jpeg;base64, prefix is accepted."
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

    def to_submission(self) -> PhotoGroupSubmission:
        return PhotoGroupSubmission(
            images=[image.to_submission() for image in self.images],
            hothash=self.hothash,
            hotpreview=self.hotpreview,
            width=self.width,
            height=self.height,
            title=self.title,
            description=self.description,
            tags=self.tags,
            rating=self.rating,
            user_rotation=self.user_rotation,
            import_session_id=self.import_session_id,
        )


@strawberry.input(description="Many photo groups sent at once.")
class BatchImportInput:
    photo_groups: list[PhotoGroupInput] = strawberry.field(description="The groups, each imported on its own.")
    import_session_id: int | None = strawberry.field(
        default=None, description="Session for every group that does not name its own."
    )

    def to_submission(self) -> BatchSubmission:
        return BatchSubmission([group.to_submission() for group in self.photo_groups], self.import_session_id)


build_in_one_pass(ImageInput)
build_in_one_pass(PhotoGroupInput, {"images": ImageInput})
build_in_one_pass(BatchImportInput, {"photo_groups": PhotoGroupInput})
