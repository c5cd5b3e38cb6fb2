"""What a client sends: photo groups as plain values (the schema maps its inputs onto these)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ImageSubmission:
    """One file of a photo group; ``exif_data`` is base64 of the raw EXIF bytes."""

    filename: str
    hothash: str | None = None
    file_size: int | None = None
    exif_data: str | None = None
    import_session_id: int | None = None
    content_hash: str | None = None


@dataclass(frozen=True, slots=True)
class PhotoGroupSubmission:
    """One photo (e.g. a RAW+JPEG pair) as sent; ``hotpreview`` and ``coldpreview`` are base64 JPEG."""

    images: list[ImageSubmission]
    hothash: str | None = None
    hotpreview: str | None = None
    coldpreview: str | None = None
    width: int | None = None
    height: int | None = None
    title: str | None = None
    description: str | None = None
    tags: list[str] | None = None
    rating: int | None = None
    user_rotation: int | None = None
    import_session_id: int | None = None


@dataclass(frozen=True, slots=True)
class BatchSubmission:
    """Many groups; ``import_session_id`` applies to every group that names none."""

    photo_groups: list[PhotoGroupSubmission] = field(default_factory=list)
    import_session_id: int | None = None
