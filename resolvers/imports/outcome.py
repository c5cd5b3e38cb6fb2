"""What an import reports back: group statuses and problem codes (the schema shows both as enums)."""

from __future__ import annotations

from dataclasses import dataclass

from imalink.db.enums import DescribedEnum


class GroupStatus(DescribedEnum):
    """What became of one photo group."""

    CREATED = "CREATED", "A new photo was created."
    DUPLICATE = "DUPLICATE", (
        "The photo is known (by its hothash or one of its files' contentHash) and has every file of the group: "
        "the same content, or a file of the same name (case-insensitive) when no contentHash tells."
    )
    IMAGES_ADDED = "IMAGES_ADDED", (
        "The photo is known (by its hothash or one of its files' contentHash); the group's new files were attached."
    )
    FAILED = "FAILED", "Nothing of this group was written; errors say why."


class ImportProblemCode(DescribedEnum):
    """Why a photo group failed (an error) or what was noticed while it was taken (a warning)."""

    INVALID_BASE64 = "INVALID_BASE64", "hotpreview, coldpreview or exifData is not valid base64."
    HOTPREVIEW_NOT_JPEG = "HOTPREVIEW_NOT_JPEG", "The hotpreview does not start with the JPEG marker FF D8."
    HOTPREVIEW_TOO_LARGE = "HOTPREVIEW_TOO_LARGE", "The hotpreview is past the server's size limit."
    COLDPREVIEW_NOT_JPEG = "COLDPREVIEW_NOT_JPEG", "The coldpreview does not start with the JPEG marker FF D8."
    COLDPREVIEW_TOO_LARGE = "COLDPREVIEW_TOO_LARGE", "The coldpreview is past the server's size limit."
    INVALID_HOTHASH = "INVALID_HOTHASH", "A hothash that is not 64 hexadecimal characters."
    HOTHASH_MISMATCH = "HOTHASH_MISMATCH", "The hothash sent is not the SHA-256 of the hotpreview, or an image's differs."
    MISSING_HOTHASH = "MISSING_HOTHASH", "The group has neither a hotpreview nor a hothash."
    NO_IMAGES = "NO_IMAGES", "The group has no files."
    TOO_MANY_IMAGES = "TOO_MANY_IMAGES", "The group has more files than the server takes in one group."
    INVALID_RATING = "INVALID_RATING", "A rating outside 0-5."
    INVALID_ROTATION = "INVALID_ROTATION", "A userRotation other than 0, 90, 180 or 270."
    INVALID_DIMENSIONS = "INVALID_DIMENSIONS", "A width or height that is not positive."
    INVALID_FILENAME = "INVALID_FILENAME", "A file name that is empty, blank or too long."
    INVALID_FILE_SIZE = "INVALID_FILE_SIZE", "A negative fileSize."
    INVALID_CONTENT_HASH = "INVALID_CONTENT_HASH", "A contentHash that is not 64 hexadecimal characters."
    UNKNOWN_IMPORT_SESSION = "UNKNOWN_IMPORT_SESSION", "The group or a file names an import session you do not have."
    IMPORT_SESSION_COMPLETED = "IMPORT_SESSION_COMPLETED", "The group or a file names a completed import session."
    FILES_OF_DIFFERENT_PHOTOS = "FILES_OF_DIFFERENT_PHOTOS", (
        "The group's files (or its hothash and a file) belong to two different photos of the library: "
        "it cannot be both. Nothing of the group was written."
    )
    DUPLICATE_FILENAME = "DUPLICATE_FILENAME", "Warning: the group names a file twice (case-insensitive); taken once."
    DUPLICATE_FILE = "DUPLICATE_FILE", "Warning: the group sends the same content (contentHash) twice; taken once."
    FILENAME_TAKEN = "FILENAME_TAKEN", (
        "Warning: the photo already has a different file (another contentHash) of this name; this one was not attached."
    )
    EXIF_UNREADABLE = "EXIF_UNREADABLE", "Warning: the file's EXIF could not be read; the photo is kept without it."


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """An error or warning about a group or one of its files."""

    code: ImportProblemCode
    message: str
    filename: str | None = None

    def line(self, hothash: str | None) -> str:
        """The one human-readable line the batch summary carries for this problem."""
        where = f"{self.filename}: " if self.filename else ""
        group = f" (photo group {hothash})" if hothash else ""
        return f"{where}{self.code}: {self.message}{group}"
