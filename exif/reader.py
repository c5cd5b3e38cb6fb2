"""``read_exif``: raw EXIF bytes in, an :class:`ExifReading` out, never an exception."""

from __future__ import annotations

from dataclasses import fields, replace

from . import policy, values
from .makernotes import maker_note_iso
from .containers import ContainerError, jpeg_exif
from .containers import TAG_EXIF_IFD, TAG_GPS_IFD, TAG_MAKE, TAG_MODEL, TAG_ORIENTATION, TAG_PANASONIC_JPG_FROM_RAW, TAG_PIXEL_X, TAG_PIXEL_Y
from .tiff import Ifd, TiffError, parse_header
from .types import GROUPED_FIELDS, ExifMetadata, ExifReading

_PANASONIC_ISO = 0x0017  # RW2 (magic IIU) keeps ISO in IFD0
_EXPOSURE_TIME, _F_NUMBER, _ISO, _FOCAL_LENGTH, _LENS_MODEL = 0x829A, 0x829D, 0x8827, 0x920A, 0xA434  # Exif IFD

_GROUPS = GROUPED_FIELDS + tuple(
    (f.name,) for f in fields(ExifMetadata) if not any(f.name in group for group in GROUPED_FIELDS)
)


def read_exif(data: bytes) -> ExifReading:
    """Read the metadata of one EXIF payload.

    ``data`` is a JPEG APP1 payload (``Exif\\0\\0`` + TIFF) or TIFF-structured bytes from a RAW file
    (``II*\\0``, ``MM\\0*``, ``IIU\\0``, ``IIRO``, ``IIRS``, ``MMOR``), with or without the prefix.
    Never raises and never touches the filesystem: unreadable input gives ``problem``, damaged
    parts give ``warnings`` while the rest is still read.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return ExifReading(problem=f"Expected bytes, got {type(data).__name__}.")
    try:
        return _read(data)
    except TiffError as exc:
        return ExifReading(problem=str(exc))
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"; the reader is bounded
        return ExifReading(problem=f"The EXIF data could not be read ({type(exc).__name__}).")


def _read(data: bytes) -> ExifReading:
    tiff = parse_header(data)
    warnings: list[str] = []

    def note(where: str, warning: str | None) -> None:
        if warning is not None and warning != "empty directory":
            warnings.append(f"{where}: {warning}")

    ifd0, warning = tiff.ifd(tiff.ifd0_offset)
    if ifd0 is None:
        raise TiffError(f"The first directory is unreadable ({warning}).")
    note("IFD0", warning)
    # Each sub-directory is read on its own: a broken one costs only its own fields.
    exif, warning = tiff.sub_ifd(ifd0, TAG_EXIF_IFD)
    note("Exif", warning)
    gps, warning = tiff.sub_ifd(ifd0, TAG_GPS_IFD)
    note("GPS", warning)

    when = policy.capture_time(ifd0, exif)
    where = policy.gps_position(gps)
    exposure = values.fraction(exif, _EXPOSURE_TIME)
    if exposure is not None and exposure <= 0:
        exposure = None
    iso = values.first_int(exif, _ISO)
    if iso is None and tiff.magic == b"IIU\x00":
        iso = values.first_int(ifd0, _PANASONIC_ISO)
    if iso is None:
        try:
            iso = maker_note_iso(tiff, ifd0, exif)
        except Exception:  # noqa: BLE001 - a damaged maker note costs only its own ISO
            warnings.append("MakerNote: unreadable")
    orientation = values.first_int(ifd0, TAG_ORIENTATION)

    metadata = ExifMetadata(
        taken_at=when.taken_at if when else None,
        taken_at_subsec=when.subsec if when else None,
        taken_at_offset=when.offset if when else None,
        taken_at_source=when.source if when else None,
        gps_latitude=where.latitude if where else None,
        gps_longitude=where.longitude if where else None,
        gps_altitude=where.altitude if where else None,
        camera_make=values.text(ifd0, TAG_MAKE),
        camera_model=values.text(ifd0, TAG_MODEL),
        lens_model=values.text(exif, _LENS_MODEL),
        focal_length=values.positive_float(exif, _FOCAL_LENGTH),
        aperture=values.positive_float(exif, _F_NUMBER),
        iso=iso if iso else None,
        exposure_time=exposure,
        exposure_time_text=policy.exposure_text(exposure) if exposure is not None else None,
        orientation=orientation if orientation is not None and 1 <= orientation <= 8 else None,
        pixel_width=_dimension(exif, TAG_PIXEL_X),
        pixel_height=_dimension(exif, TAG_PIXEL_Y),
    )
    if tiff.magic == b"IIU\x00":
        metadata = _fill_from_preview(metadata, ifd0)
    return ExifReading(metadata=metadata, warnings=tuple(warnings))


def _fill_from_preview(metadata: ExifMetadata, ifd0: Ifd) -> ExifMetadata:
    """Panasonic RW2 splits its EXIF: fill what the RAW's own directories lack from the preview."""
    entry = ifd0.get(TAG_PANASONIC_JPG_FROM_RAW)
    try:
        segment = jpeg_exif(values.raw(ifd0, entry)) if entry is not None and entry.type == 7 else None
    except ContainerError:
        segment = None
    if segment is None:
        return metadata
    try:
        preview = _read(segment).metadata  # a plain Exif payload: no further nesting possible
    except TiffError:
        return metadata  # a broken preview costs only what it would have added
    # Grouped fields (a capture time with its companions, a position with its altitude) are taken
    # whole from one source, never mixed.
    missing: dict[str, object] = {}
    for group in _GROUPS:
        if all(getattr(metadata, name) is None for name in group):
            missing.update((name, getattr(preview, name)) for name in group)
    return replace(metadata, **missing)


def _dimension(ifd: Ifd | None, tag: int) -> int | None:
    value = values.first_int(ifd, tag)
    return value if value is not None and value > 0 else None
