"""Shared test vectors for every import client: real files, and what a client must make of them.

The browser import and ``imalink import`` follow the same rules (docs/import-client.md: which
files form one photo, which bytes are a file's raw EXIF, the content hash, how file names are
sent). Rather than two hopeful copies, both check themselves against these vectors:

    from imalink.importer.vectors import write_vectors
    expected = write_vectors(tmp_path)     # writes tmp_path/photos/... and tmp_path/expected.json

or ``python -m imalink.importer.vectors OUTDIR``. The expectations are derived from how this
module built each file (it wrote the EXIF payload, so it knows its bytes; it laid out the RAW's
metadata, so it knows where it ends), never by running the importer's extraction code.

``expected.json`` (camelCase, like the API):

- ``files``: every photo file a client must see, with ``path`` (relative to OUTDIR, ``/``-separated,
  each name in its API form), ``pathBytesHex`` (the same path's bytes on disk), ``filename`` (what
  ``ImageInput.filename`` carries), ``kind`` (``jpeg``/``raw``/``heic``), ``size``,
  ``contentHash`` (SHA-256 of the file), ``exifSha256``/``exifLength`` (of the raw EXIF a client
  sends; null when the file has none), ``skip`` (null, or the problem code when a client must
  report the file and skip it, e.g. ``EMPTY_FILE``), ``browser`` (false for names a browser cannot
  produce: invalid UTF-8).
- ``ignored``: paths a client must not treat as photos (other extensions, hidden files/folders).
- ``groups``: ``folder``, ``files`` (names, in name order), ``previewSource`` (the file the
  hotpreview comes from), ``browserPreviewSource`` (the same for a client that cannot decode HEIC,
  as a browser: the first JPEG, else the first RAW; null when the group has only HEIC files, which
  that client reports as ``NO_PREVIEW_SOURCE``), ``width``/``height`` (the picture as displayed,
  after orientation).
- ``sameContent``: lists of paths whose bytes are identical (one file copied twice).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import piexif
from PIL import Image, ImageDraw

FORMAT = "imalink-import-vectors/1"
EXIF_HEADER = b"Exif\x00\x00"


# --- pictures and files -------------------------------------------------------------------------


def picture(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A distinct, deterministic picture: gradients turned and tinted by ``seed``, and shapes.

    The left third is red-ish and the right third blue-ish, so tests can see which way a
    picture was turned.
    """
    w, h = size
    grad = Image.linear_gradient("L").rotate(seed * 67 % 360).resize((w, h))
    rad = Image.radial_gradient("L").resize((w, h))
    channels = [grad, rad, grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    img = Image.merge("RGB", channels[seed % 3 :] + channels[: seed % 3])
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w // 3, h), fill=(220, 30, 30))
    draw.rectangle((w - w // 3, 0, w, h), fill=(30, 30, 220))
    for i in range(4):
        x = (seed * 53 + i * 97) % max(w - w // 4, 1)
        y = (seed * 31 + i * 71) % max(h - h // 4, 1)
        colour = ((seed * 71 + i * 50) % 256, (seed * 29 + i * 90) % 256, (seed * 13 + i * 40) % 256)
        draw.ellipse((x, y, x + w // 4, y + h // 4), fill=colour)
    return img


def pillow_jpeg(img: Image.Image, quality: int = 90, **save: Any) -> bytes:
    """``img`` saved by Pillow as JPEG (Pillow's layout: SOI, APP0 JFIF, then whatever ``save`` adds)."""
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, **save)
    return buf.getvalue()


def camera_jpeg(img: Image.Image, exif: bytes | None, quality: int = 90) -> bytes:
    """A JPEG laid out as cameras and phones write it: SOI, then the EXIF APP1, no JFIF APP0."""
    data = pillow_jpeg(img, quality)
    assert data[:4] == b"\xff\xd8\xff\xe0", "Pillow wrote no JFIF APP0 first"
    app0_end = 4 + struct.unpack(">H", data[4:6])[0]
    app1 = b""
    if exif is not None:
        app1 = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    return b"\xff\xd8" + app1 + data[app0_end:]


def thumbnail_jpeg(img: Image.Image, box: int = 160, quality: int = 75) -> bytes:
    """The small JPEG a camera embeds in IFD1: the picture shrunk to fit ``box``."""
    small = img.copy()
    small.thumbnail((box, box))
    return pillow_jpeg(small, quality)


def exif_payload(
    *,
    make: str = "Canon",
    model: str = "Canon EOS 5D",
    taken: str | None = "2023:06:01 12:30:45",
    orientation: int | None = None,
    thumbnail: bytes | None = None,
    pixel_size: tuple[int, int] | None = None,
    software: str | None = None,
    modified: str | None = None,
    iso: int | None = 200,
    lens: str | None = None,
    exposure: tuple[int, int] | None = None,
    gps: tuple[float, float] | None = None,
) -> bytes:
    """A JPEG APP1 EXIF payload (``Exif\\0\\0`` + TIFF) written by piexif, with an IFD1 thumbnail.

    The one builder of piexif EXIF for the vectors, the benchmarks and the tests. ``modified``
    (IFD0 DateTime) defaults to ``taken``, as a camera writes it; ``gps`` is (latitude, longitude)
    in degrees, south and west negative.
    """
    zeroth: dict[int, Any] = {piexif.ImageIFD.Make: make.encode(), piexif.ImageIFD.Model: model.encode()}
    if orientation is not None:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    if software is not None:
        zeroth[piexif.ImageIFD.Software] = software.encode()
    if modified is not None:
        zeroth[piexif.ImageIFD.DateTime] = modified.encode()
    exif: dict[int, Any] = {}
    if taken is not None:
        exif[piexif.ExifIFD.DateTimeOriginal] = taken.encode()
        zeroth.setdefault(piexif.ImageIFD.DateTime, taken.encode())
    if iso is not None:
        exif[piexif.ExifIFD.ISOSpeedRatings] = iso
    if pixel_size is not None:
        exif[piexif.ExifIFD.PixelXDimension], exif[piexif.ExifIFD.PixelYDimension] = pixel_size
    if lens is not None:
        exif[piexif.ExifIFD.LensModel] = lens.encode()
    if exposure is not None:
        exif[piexif.ExifIFD.ExposureTime] = exposure
    gps_ifd: dict[int, Any] = {}
    if gps is not None:
        lat, lon = gps
        gps_ifd = {
            piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
            piexif.GPSIFD.GPSLatitude: _dms(abs(lat)),
            piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
            piexif.GPSIFD.GPSLongitude: _dms(abs(lon)),
        }
    info: dict[str, Any] = {"0th": zeroth, "Exif": exif, "GPS": gps_ifd}
    if thumbnail is not None:
        info["1st"] = {piexif.ImageIFD.Compression: 6}
        info["thumbnail"] = thumbnail
    payload = piexif.dump(info)
    assert payload.startswith(EXIF_HEADER)
    return payload


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    """Degrees as EXIF's three rationals: degrees, minutes, seconds (to 1/10,000)."""
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 10000)
    return ((degrees, 1), (minutes, 1), (seconds, 10000))


def ifd_bytes(entries: list[tuple[int, int, int, bytes]], offset: int, next_offset: int, order: str) -> bytes:
    """One TIFF directory at ``offset`` followed by its out-of-line values (word-aligned).

    ``entries`` are ``(tag, type, count, value bytes)``, written in tag order; ``count`` is written
    as given (a test may make it lie about the value). The one IFD writer of the vectors and of
    the tests' EXIF builder (``tests/exif/tiffbuild.py``).
    """
    n = len(entries)
    values_at = offset + 2 + 12 * n + 4
    body, values = b"", b""
    for tag, typ, count, payload in sorted(entries):
        if len(payload) <= 4:
            field_ = payload.ljust(4, b"\0")
        else:
            field_ = struct.pack(order + "I", values_at + len(values))
            values += payload + (b"\0" if len(payload) % 2 else b"")
        body += struct.pack(order + "HHI", tag, typ, count) + field_
    return struct.pack(order + "H", n) + body + struct.pack(order + "I", next_offset) + values


def raw_bytes(
    *,
    make: str = "Canon",
    model: str = "EOS R5",
    orientation: int = 1,
    taken: str = "2023:06:01 12:30:45",
    preview: bytes | None = None,
    preview_in: str = "ifd1",
    thumbnail: bytes | None = None,
    sensor_bytes: int = 200_000,
    order: str = "<",
    magic: bytes | None = None,
) -> tuple[bytes, int]:
    """The bytes of a TIFF-based RAW stand-in and the offset where its metadata ends.

    Layout: header, IFD0 (Make, Model, Orientation, Exif pointer, SubIFDs when ``preview_in`` is
    ``"subifd"``), the Exif IFD (DateTimeOriginal, ISO), IFD1 (pointing to ``preview``, or to
    ``thumbnail`` when the preview is in the SubIFD), the SubIFD, the JPEGs, then fake sensor
    bytes. The metadata (what a client sends as raw EXIF) ends after the Exif IFD or IFD1.
    """
    def ascii_(s: str) -> tuple[int, bytes]:
        b = s.encode() + b"\0"
        return len(b), b

    def short(v: int) -> bytes:
        return struct.pack(order + "H", v)

    def long(v: int) -> bytes:
        return struct.pack(order + "I", v)

    preview = preview if preview is not None else pillow_jpeg(picture((320, 160)))
    make_n, make_b = ascii_(make)
    model_n, model_b = ascii_(model)
    taken_n, taken_b = ascii_(taken)
    has_ifd1 = preview_in == "ifd1" or thumbnail is not None

    def layout(offsets: dict[str, int]) -> dict[str, bytes]:
        ifd0 = [(0x010F, 2, make_n, make_b), (0x0110, 2, model_n, model_b), (0x0112, 3, 1, short(orientation)), (0x8769, 4, 1, long(offsets["exif"]))]
        if preview_in == "subifd":
            ifd0.append((0x014A, 4, 1, long(offsets["sub"])))
        blocks = {
            "ifd0": ifd_bytes(ifd0, 8, offsets["ifd1"] if has_ifd1 else 0, order),
            "exif": ifd_bytes([(0x9003, 2, taken_n, taken_b), (0x8827, 3, 1, short(100))], offsets["exif"], 0, order),
        }
        ifd1_jpeg = preview if preview_in == "ifd1" else thumbnail
        if has_ifd1:
            assert ifd1_jpeg is not None
            blocks["ifd1"] = ifd_bytes([(0x0103, 3, 1, short(6)), (0x0201, 4, 1, long(offsets["ifd1_jpeg"])), (0x0202, 4, 1, long(len(ifd1_jpeg)))], offsets["ifd1"], 0, order)
        if preview_in == "subifd":
            blocks["sub"] = ifd_bytes([(0x00FE, 4, 1, long(1)), (0x0201, 4, 1, long(offsets["sub_jpeg"])), (0x0202, 4, 1, long(len(preview)))], offsets["sub"], 0, order)
            blocks["sub_jpeg"] = preview
        if has_ifd1:
            blocks["ifd1_jpeg"] = ifd1_jpeg  # type: ignore[assignment]
        return blocks

    names = ["ifd0", "exif", "ifd1", "sub", "ifd1_jpeg", "sub_jpeg"]
    offsets = {name: 0 for name in names}
    blocks = layout(offsets)
    pos = 8
    for name in names:  # sizes do not depend on offsets, so one pass places everything
        if name in blocks:
            offsets[name] = pos
            pos += len(blocks[name])
    blocks = layout(offsets)
    metadata_end = offsets["exif"] + len(blocks["exif"])
    if "ifd1" in blocks:
        metadata_end = offsets["ifd1"] + len(blocks["ifd1"])
    head = (magic or (b"II*\x00" if order == "<" else b"MM\x00*")) + struct.pack(order + "I", 8)
    data = head + b"".join(blocks[n] for n in names if n in blocks)
    sensor = bytes((i * 7919) % 251 for i in range(sensor_bytes))
    return data + sensor, metadata_end


def heic_bytes(img: Image.Image, exif: bytes | None, *, thumbnail: int | None = 320, quality: int = 50, tile_size: int = 0) -> bytes:
    """``img`` encoded as HEIC by pillow-heif (libheif + x265), with ``exif`` (``Exif\\0\\0`` + TIFF).

    As iPhones do, an EXIF orientation is not applied to the pixels: libheif records it as the
    container's rotation (``irot``/``imir``) and keeps the EXIF as given. ``thumbnail`` is the
    longest side of the embedded thumbnail image (iPhones: 320 px wide); ``tile_size`` 512 makes
    a grid image like an iPhone's.
    """
    import pillow_heif

    buf = io.BytesIO()
    options: dict[str, Any] = {"quality": quality, "enc_params": {"preset": "ultrafast"}}
    if exif is not None:
        options["exif"] = exif
    if thumbnail:
        options["thumbnails"] = [thumbnail]
    if tile_size:
        options["tile_size"] = tile_size
    pillow_heif.from_pillow(img).save(buf, format="HEIF", **options)
    data = buf.getvalue()
    assert exif is None or exif[len(EXIF_HEADER):] in data, "libheif did not keep the EXIF as given"
    return data


def displayed_size(size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """Width and height as displayed: EXIF orientations 5-8 swap them."""
    return (size[1], size[0]) if orientation and orientation >= 5 else size


# --- the vector set -----------------------------------------------------------------------------


@dataclass
class _Builder:
    root: Path
    files: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)

    def write(self, rel: bytes, data: bytes) -> Path:
        path = Path(os.fsdecode(os.path.join(os.fsencode(self.root), rel)))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def photo(self, rel: bytes, api_rel: str, kind: str, data: bytes, exif: bytes | None, *, skip: str | None = None, browser: bool = True) -> None:
        self.write(rel, data)
        self.files.append({
            "path": api_rel,
            "pathBytesHex": rel.hex(),
            "filename": api_rel.rsplit("/", 1)[-1],
            "kind": kind,
            "size": len(data),
            "contentHash": hashlib.sha256(data).hexdigest(),
            "exifSha256": hashlib.sha256(exif).hexdigest() if exif is not None else None,
            "exifLength": len(exif) if exif is not None else None,
            "skip": skip,
            "browser": browser,
        })

    def other(self, rel: bytes, data: bytes) -> None:
        self.write(rel, data)
        self.ignored.append(os.fsdecode(rel))

    def group(self, folder: str, names: list[str], source: str, size: tuple[int, int], *, without_heic: str | None = "same") -> None:
        """``without_heic``: the preview source of a client that cannot decode HEIC, when it is not ``source``."""
        browser_source = source if without_heic == "same" else without_heic
        self.groups.append({"folder": folder, "files": sorted(names), "previewSource": source,
                            "browserPreviewSource": browser_source, "width": size[0], "height": size[1]})


def write_vectors(out: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the vector files under ``out/photos`` and ``out/expected.json``; return the expectations."""
    root = Path(out)
    b = _Builder(root)
    trip = "photos/2023-06 Trip"

    # A RAW+JPEG pair whose stems differ in case: one photo. The JPEG is camera-like (EXIF APP1
    # first, an IFD1 thumbnail); the RAW has its preview in IFD1.
    img = picture((640, 480), 1)
    exif1 = exif_payload(orientation=6, thumbnail=thumbnail_jpeg(img), pixel_size=img.size)
    jpeg1 = camera_jpeg(img, exif1)
    b.photo(f"{trip}/IMG_0001.JPG".encode(), f"{trip}/IMG_0001.JPG", "jpeg", jpeg1, exif1)
    raw1, end1 = raw_bytes(orientation=6, preview=pillow_jpeg(picture((320, 240), 1)))
    b.photo(f"{trip}/img_0001.cr2".encode(), f"{trip}/img_0001.cr2", "raw", raw1, EXIF_HEADER + raw1[:end1])
    b.group(trip, ["IMG_0001.JPG", "img_0001.cr2"], "IMG_0001.JPG", displayed_size(img.size, 6))

    # Editor layout: JFIF APP0, then an XMP APP1, then the EXIF APP1 (the first APP1 that starts
    # with Exif\0\0 is the EXIF; XMP is not).
    img2 = picture((480, 640), 2)
    exif2 = exif_payload(make="NIKON CORPORATION", model="NIKON D850", software="GIMP 2.10.34", modified="2023:07:01 10:00:00")
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"
    plain2 = pillow_jpeg(img2, exif=exif2)
    app0_end = 4 + struct.unpack(">H", plain2[4:6])[0]
    jpeg2 = plain2[:app0_end] + b"\xff\xe1" + struct.pack(">H", len(xmp) + 2) + xmp + plain2[app0_end:]
    b.photo(f"{trip}/IMG_0002.jpeg".encode(), f"{trip}/IMG_0002.jpeg", "jpeg", jpeg2, exif2)
    b.group(trip, ["IMG_0002.jpeg"], "IMG_0002.jpeg", img2.size)

    # A JPEG without EXIF.
    img3 = picture((300, 200), 3)
    jpeg3 = pillow_jpeg(img3)
    b.photo(f"{trip}/IMG_0003.JPG".encode(), f"{trip}/IMG_0003.JPG", "jpeg", jpeg3, None)
    b.group(trip, ["IMG_0003.JPG"], "IMG_0003.JPG", img3.size)

    # RAW-only photos: big-endian with the preview in a SubIFD (and a small IFD1 thumbnail), and a
    # Panasonic-magic RW2.
    img4 = picture((400, 300), 4)
    raw4, end4 = raw_bytes(make="NIKON CORPORATION", model="NIKON D850", order=">", orientation=8, preview_in="subifd",
                           preview=pillow_jpeg(img4), thumbnail=thumbnail_jpeg(img4))
    b.photo(f"{trip}/DSC_0004.NEF".encode(), f"{trip}/DSC_0004.NEF", "raw", raw4, EXIF_HEADER + raw4[:end4])
    b.group(trip, ["DSC_0004.NEF"], "DSC_0004.NEF", displayed_size(img4.size, 8))
    img5 = picture((360, 240), 5)
    raw5, end5 = raw_bytes(make="Panasonic", model="DMC-LX3", magic=b"IIU\x00", preview=pillow_jpeg(img5))
    b.photo(f"{trip}/P1000005.RW2".encode(), f"{trip}/P1000005.RW2", "raw", raw5, EXIF_HEADER + raw5[:end5])
    b.group(trip, ["P1000005.RW2"], "P1000005.RW2", img5.size)

    # An iPhone-like HEIC: EXIF orientation 6 recorded as the container's rotation, a thumbnail.
    img6 = picture((512, 384), 6)
    exif6 = exif_payload(make="Apple", model="iPhone 13", orientation=6, pixel_size=img6.size)
    heic6 = heic_bytes(img6, exif6)
    b.photo(f"{trip}/IMG_0006.HEIC".encode(), f"{trip}/IMG_0006.HEIC", "heic", heic6, exif6)
    b.group(trip, ["IMG_0006.HEIC"], "IMG_0006.HEIC", displayed_size(img6.size, 6), without_heic=None)

    # A HEIC next to a JPEG of the same stem: the JPEG is the preview source.
    img7 = picture((400, 300), 7)
    exif7 = exif_payload(make="Apple", model="iPhone 13")
    heic7 = heic_bytes(img7, exif7, thumbnail=None)
    b.photo(f"{trip}/IMG_0007.HEIC".encode(), f"{trip}/IMG_0007.HEIC", "heic", heic7, exif7)
    jpeg7 = camera_jpeg(img7, exif7)
    b.photo(f"{trip}/IMG_0007.JPG".encode(), f"{trip}/IMG_0007.JPG", "jpeg", jpeg7, exif7)
    b.group(trip, ["IMG_0007.HEIC", "IMG_0007.JPG"], "IMG_0007.JPG", img7.size)

    # A HEIC beside a RAW (cameras that shoot HEIF + RAW): the HEIC is the preview source where it
    # can be decoded, the RAW's preview where it cannot.
    img9 = picture((480, 360), 9)
    exif9 = exif_payload(make="Canon", model="EOS R5", pixel_size=img9.size)
    heic9 = heic_bytes(img9, exif9)
    b.photo(f"{trip}/IMG_0009.HIF".encode(), f"{trip}/IMG_0009.HIF", "heic", heic9, exif9)
    raw9, end9 = raw_bytes(preview=pillow_jpeg(img9))
    b.photo(f"{trip}/IMG_0009.CR2".encode(), f"{trip}/IMG_0009.CR2", "raw", raw9, EXIF_HEADER + raw9[:end9])
    b.group(trip, ["IMG_0009.CR2", "IMG_0009.HIF"], "IMG_0009.HIF", img9.size, without_heic="IMG_0009.CR2")

    # A truncated JPEG whose EXIF is intact (the end of the scan is missing).
    img8 = picture((640, 480), 8)
    exif8 = exif_payload(thumbnail=thumbnail_jpeg(img8))
    jpeg8 = camera_jpeg(img8, exif8)
    jpeg8 = jpeg8[: len(jpeg8) * 3 // 4]
    b.photo(f"{trip}/IMG_0008.JPG".encode(), f"{trip}/IMG_0008.JPG", "jpeg", jpeg8, exif8)
    b.group(trip, ["IMG_0008.JPG"], "IMG_0008.JPG", img8.size)

    # The same stem in another folder is another photo; its bytes equal IMG_0001.JPG's.
    copy = f"{trip}/copy"
    b.photo(f"{copy}/IMG_0001.JPG".encode(), f"{copy}/IMG_0001.JPG", "jpeg", jpeg1, exif1)
    b.group(copy, ["IMG_0001.JPG"], "IMG_0001.JPG", displayed_size(img.size, 6))

    # Not photos: other extensions, hidden files and folders.
    b.other(f"{trip}/notes.txt".encode(), b"not a photo\n")
    b.other(f"{trip}/IMG_0006.MOV".encode(), b"\x00\x00\x00\x14ftypqt  ")
    b.other(f"{trip}/IMG_0001.xmp".encode(), b"<x:xmpmeta/>")
    b.other(f"{trip}/.IMG_9999.JPG".encode(), jpeg3)
    b.other(f"{trip}/.thumbnails/IMG_0001.JPG".encode(), jpeg3)

    # Odd names: each is a photo of its own, sent under its name's API form.
    odd = "photos/odd names"
    exif_odd = exif_payload(taken="2022:01:01 00:00:00")
    names: list[tuple[bytes, str, bool]] = [
        ("new\nline.jpg".encode(), "new\nline.jpg", True),
        ("ñandú café.JPG".encode(), "ñandú café.JPG", True),  # NFC UTF-8, kept as is
        (("é" * 125 + "x.jpg").encode(), "é" * 125 + "x.jpg", True),  # 255 bytes, the most a name may have
        (b"caf\xe9 \xff.jpg", "caf\uefe9 \uefff.jpg", False),  # not UTF-8: OPTU-8 escapes
    ]
    for i, (name, api, browser) in enumerate(names):
        odd_img = picture((200, 150), 9 + i)
        b.photo(odd.encode() + b"/" + name, f"{odd}/{api}", "jpeg", camera_jpeg(odd_img, exif_odd), exif_odd, browser=browser)
        b.group(odd, [api], api, odd_img.size)
    # An empty file: reported (EMPTY_FILE) and skipped; it forms no group.
    b.photo(f"{odd}/empty.jpg".encode(), f"{odd}/empty.jpg", "jpeg", b"", None, skip="EMPTY_FILE")

    expected = {
        "format": FORMAT,
        "files": b.files,
        "ignored": sorted(b.ignored),
        "groups": b.groups,
        "sameContent": [[f"{trip}/IMG_0001.JPG", f"{copy}/IMG_0001.JPG"]],
    }
    (root / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False))
    return expected


def main(argv: list[str] | None = None) -> int:
    """``python -m imalink.importer.vectors OUTDIR``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m imalink.importer.vectors OUTDIR", file=sys.stderr)
        return 2
    expected = write_vectors(args[0])
    print(f"wrote {len(expected['files'])} photo files in {len(expected['groups'])} groups to {args[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
