"""Checking and decoding one photo group before anything is written.

Pure work on the request (base64, hashing, EXIF parsing): a group that fails here is reported
with stable codes and never reaches the database, and it costs no other group anything.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from imalink.exif import ExifMetadata, read_exif
from imalink.resolvers.imports.limits import ImportLimits
from imalink.resolvers.imports.metadata import merge_metadata, photo_values
from imalink.resolvers.imports.outcome import ImportProblem
from imalink.resolvers.imports.submission import ImageSubmission, PhotoGroupSubmission

JPEG_SOI = b"\xff\xd8"
DATA_URL_PREFIX = "data:image/jpeg;base64,"
VALID_ROTATIONS = frozenset({0, 90, 180, 270})
MAX_FILENAME_LENGTH = 1024
_HOTHASH = re.compile(r"[0-9a-f]{64}")


@dataclass(slots=True)
class PreparedImage:
    """A file ready to be written."""

    filename: str
    filename_key: str
    file_size: int | None
    content_hash: str | None
    exif_data: bytes | None
    import_session_id: int | None


@dataclass(slots=True)
class PreparedGroup:
    """A group that passed every check, with the photo's columns worked out."""

    hothash: str
    hotpreview: bytes | None
    photo: dict[str, Any]
    tags: list[str]
    import_session_id: int | None
    images: list[PreparedImage]
    warnings: list[ImportProblem] = field(default_factory=list)


@dataclass(slots=True)
class RejectedGroup:
    """A group that failed its checks; ``hothash`` is whatever could be told about it."""

    hothash: str | None
    errors: list[ImportProblem]


def canonical_sha256(value: str) -> str | None:
    """The canonical (lowercase hex) form of a SHA-256 (a hothash, a content hash), or ``None``."""
    candidate = value.strip().lower()
    return candidate if _HOTHASH.fullmatch(candidate) else None


def filename_key(filename: str) -> str:
    """A file's identity within its photo: names compare case-insensitively (IMG_1.JPG = img_1.jpg)."""
    return filename.lower()


def hothash_of(hotpreview: bytes) -> str:
    """The hothash rule: lowercase hex SHA-256 of the hotpreview's JPEG bytes."""
    return hashlib.sha256(hotpreview).hexdigest()


def _b64(value: str) -> bytes | None:
    # Strict mode rejects stray characters in C; b64decode(validate=True) runs a slow regex first.
    try:
        return binascii.a2b_base64(value, strict_mode=True)
    except (binascii.Error, ValueError):
        return None


def prepare_group(
    group: PhotoGroupSubmission, batch_session_id: int | None, limits: ImportLimits
) -> PreparedGroup | RejectedGroup:
    """Check and decode one group: a :class:`PreparedGroup`, or every reason it cannot be taken."""
    errors: list[ImportProblem] = []
    warnings: list[ImportProblem] = []

    hotpreview, hothash = _check_hotpreview_and_hothash(group, limits, errors)
    if not group.images:
        errors.append(ImportProblem("NO_IMAGES", "A photo group needs at least one image."))
    elif len(group.images) > limits.max_images_per_group:
        errors.append(
            ImportProblem(
                "TOO_MANY_IMAGES",
                f"A photo group may carry at most {limits.max_images_per_group} images; "
                f"this one has {len(group.images)}.",
            )
        )
    errors.extend(p for p in (rating_problem(group.rating), rotation_problem(group.user_rotation)) if p)
    for name, value in (("width", group.width), ("height", group.height)):
        if value is not None and value <= 0:
            errors.append(ImportProblem("INVALID_DIMENSIONS", f"{name} must be positive, not {value}."))

    group_session = group.import_session_id if group.import_session_id is not None else batch_session_id
    images: list[PreparedImage] = []
    readings: list[ExifMetadata] = []
    seen_keys: set[str] = set()
    if len(group.images) <= limits.max_images_per_group:
        for image in group.images:
            prepared = _prepare_image(image, hothash, group_session, errors, warnings, readings)
            if prepared is None:
                continue
            if prepared.filename_key in seen_keys:
                warnings.append(
                    ImportProblem(
                        "DUPLICATE_FILENAME",
                        "The group names this file twice (names compare case-insensitively); it was taken once.",
                        prepared.filename,
                    )
                )
                continue
            seen_keys.add(prepared.filename_key)
            images.append(prepared)

    if errors or hothash is None:
        return RejectedGroup(hothash, errors)

    photo = photo_values(merge_metadata(readings), group.width, group.height)
    photo.update(
        title=group.title,
        description=group.description,
        rating=group.rating or 0,
        user_rotation=group.user_rotation or 0,
    )
    tags = clean_tags(group.tags or [])
    photo["tags"] = tags
    return PreparedGroup(hothash, hotpreview, photo, tags, group_session, images, warnings)


def rating_problem(rating: int | None) -> ImportProblem | None:
    """Why ``rating`` is not a rating (0-5, 0 meaning unrated), or ``None`` when it is fine."""
    if rating is not None and not 0 <= rating <= 5:
        return ImportProblem("INVALID_RATING", f"Rating must be 0-5, not {rating}.")
    return None


def rotation_problem(rotation: int | None) -> ImportProblem | None:
    """Why ``rotation`` is not a quarter turn (0, 90, 180, 270), or ``None`` when it is fine."""
    if rotation is not None and rotation not in VALID_ROTATIONS:
        return ImportProblem("INVALID_ROTATION", f"userRotation must be 0, 90, 180 or 270, not {rotation}.")
    return None


def _check_hotpreview_and_hothash(
    group: PhotoGroupSubmission, limits: ImportLimits, errors: list[ImportProblem]
) -> tuple[bytes | None, str | None]:
    claimed: str | None = None
    if group.hothash is not None:
        claimed = canonical_sha256(group.hothash)
        if claimed is None:
            errors.append(ImportProblem("INVALID_HOTHASH", "hothash must be 64 hexadecimal characters (SHA-256)."))
            return None, None

    if group.hotpreview is None:
        if claimed is None:
            errors.append(ImportProblem("MISSING_HOTHASH", "Send a hotpreview, a hothash, or both."))
        return None, claimed

    encoded = group.hotpreview
    if encoded.startswith(DATA_URL_PREFIX):
        encoded = encoded[len(DATA_URL_PREFIX) :]
    too_large = ImportProblem("HOTPREVIEW_TOO_LARGE", f"The hotpreview may be at most {limits.max_hotpreview_bytes} bytes.")
    # Base64 is 4/3 of the bytes: refuse a clearly oversized preview before decoding it.
    if len(encoded) > (limits.max_hotpreview_bytes + 2) // 3 * 4:
        errors.append(too_large)
        return None, claimed
    hotpreview = _b64(encoded)
    if hotpreview is None:
        errors.append(ImportProblem("INVALID_BASE64", "hotpreview is not valid base64."))
        return None, claimed
    if len(hotpreview) > limits.max_hotpreview_bytes:
        errors.append(too_large)
        return None, claimed
    if not hotpreview.startswith(JPEG_SOI):
        errors.append(ImportProblem("HOTPREVIEW_NOT_JPEG", "hotpreview must be a JPEG (start with FF D8)."))
        return None, claimed
    derived = hothash_of(hotpreview)
    if claimed is not None and claimed != derived:
        errors.append(
            ImportProblem(
                "HOTHASH_MISMATCH",
                f"hothash {claimed} is not the SHA-256 of the hotpreview sent ({derived}).",
            )
        )
        return None, claimed
    return hotpreview, derived


def _prepare_image(
    image: ImageSubmission,
    group_hothash: str | None,
    group_session: int | None,
    errors: list[ImportProblem],
    warnings: list[ImportProblem],
    readings: list[ExifMetadata],
) -> PreparedImage | None:
    filename = image.filename
    if not filename.strip() or len(filename) > MAX_FILENAME_LENGTH:
        errors.append(
            ImportProblem("INVALID_FILENAME", f"A file name must be 1-{MAX_FILENAME_LENGTH} characters.", image.filename)
        )
        return None
    if image.hothash is not None and group_hothash is not None and canonical_sha256(image.hothash) != group_hothash:
        errors.append(
            ImportProblem("HOTHASH_MISMATCH", "The image's hothash differs from its group's hothash.", filename)
        )
    if image.file_size is not None and image.file_size < 0:
        errors.append(ImportProblem("INVALID_FILE_SIZE", "fileSize cannot be negative.", filename))
    content_hash = None
    if image.content_hash is not None:
        content_hash = canonical_sha256(image.content_hash)
        if content_hash is None:
            errors.append(
                ImportProblem("INVALID_CONTENT_HASH", "contentHash must be 64 hexadecimal characters (SHA-256).", filename)
            )

    exif_data: bytes | None = None
    if image.exif_data is not None:
        exif_data = _b64(image.exif_data)
        if exif_data is None:
            errors.append(ImportProblem("INVALID_BASE64", "exifData is not valid base64.", filename))
            return None
        reading = read_exif(exif_data)
        if reading.readable:
            readings.append(reading.metadata)
        else:
            warnings.append(
                ImportProblem(
                    "EXIF_UNREADABLE",
                    f"The EXIF could not be read ({reading.problem}); the photo is kept without it.",
                    filename,
                )
            )
    session = image.import_session_id if image.import_session_id is not None else group_session
    return PreparedImage(filename, filename_key(filename), image.file_size, content_hash, exif_data, session)


def clean_tags(tags: list[str]) -> list[str]:
    """Trimmed, non-empty, first spelling of each tag kept (tags compare case-insensitively)."""
    kept: dict[str, str] = {}
    for tag in tags:
        cleaned = tag.strip()
        if cleaned and cleaned.lower() not in kept:
            kept[cleaned.lower()] = cleaned
    return list(kept.values())
