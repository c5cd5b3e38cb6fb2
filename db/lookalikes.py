"""Near-duplicates: a perceptual fingerprint of every hotpreview, and the pairs of photos that look alike.

**The fingerprint** is a DCT perceptual hash (pHash, the algorithm of the ``imagehash`` library):
the hotpreview in grey, reduced to 32x32, its 2-D DCT, and one bit per coefficient of the 8x8
lowest frequencies, set when the coefficient is above their median. Here libjpeg decodes the
150 px JPEG at half scale in grey (the scale Pillow's ``draft`` picks) and a box filter does the
rest, which is several times cheaper than imagehash's full decode and Lanczos resize and finds the
same look-alikes (``benchmarks/lookalikes_bench.py`` measures both). The decode is simplejpeg's
(libjpeg-turbo without Pillow's marker parsing in Python: a quarter of the cost at 150 px) for
the YCbCr and grey JPEGs every client sends, Pillow's for anything else or anything simplejpeg
refuses; both give the same pixels (``tests/db/test_db_fingerprint.py``), so a fingerprint does
not depend on which decoded it. The bits are stored lowest frequencies first
(by ``row + column``), as a signed 64-bit integer ``photo.phash``, written with the hotpreview it
comes from (like the geo cell with its position).

**Look-up without scanning the library**: the fingerprint's four 16-bit *bands* are indexed
(expression indexes, so a band can never disagree with its fingerprint). Two fingerprints within
Hamming distance 3 share a band (pigeonhole); further apart they usually still do, because a
re-encode or a crop flips high-frequency bits and leaves the low bands alone. Candidates sharing a
band are then filtered by the exact distance. Pairs within :data:`MAX_DISTANCE` are kept in
``photo_lookalike`` when a photo gets its fingerprint (at import, or by ``maintenance.backfill_fingerprints``), so a
photo's look-alikes and the library's clusters read only those pairs.
"""

from __future__ import annotations

import io
import struct
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import simplejpeg
from PIL import Image
from sqlalchemy import CompoundSelect, Connection, Engine, Integer, Row, bindparam, event, select, union_all
from sqlalchemy.exc import TimeoutError as PoolTimeout

from imalink.db.engine import make_engine
from imalink.db.queries import asked_parameter, built_once, chunks, only_asked
from imalink.db.tables import lookalike_t, phash_band, photo_t
from imalink.db.writes import dialect_insert

MAX_DISTANCE = 12
"""The farthest two fingerprints (of 64 bits) may be to count as look-alikes at all."""
BANDS = 4
MAX_PAIRS_PER_PHOTO = 16
"""Pairs recorded for a photo when it gets its fingerprint: its nearest look-alikes (a photo met later
links to it in turn), so pairs grow with the library, never with the square of a burst."""
CANDIDATES_PER_VALUE = 64
"""Candidates read per band value asked for. A band value is shared by a few photos of a library
(16 bits: about 15 each in a million when values spread); only a run of near-identical pictures
(bursts, black frames, or a client sending one preview again and again) piles up on one value,
and then a photo's nearest few are among any of them. Without a bound, each import would read all
of them: its cost would grow with the library."""
MAX_PIXELS = 25_000_000
"""A hotpreview declaring more pixels than this is not decoded (a hotpreview is 150 px; this is hostile)."""

_N = 32
_k = np.arange(_N)
_DCT = np.cos(np.pi * (2 * _k[None, :] + 1) * _k[:, None] / (2 * _N))[:8]  # the 8 lowest DCT-II rows
# Coefficient (row, column) positions, lowest frequency first: bit 63 (the top) is the DC term.
_FREQUENCY_ORDER = np.array(sorted(range(64), key=lambda b: (b // 8 + b % 8, b)))


def fingerprint(jpeg: bytes) -> int | None:
    """The perceptual hash of a JPEG as a signed 64-bit integer; ``None`` when it cannot be decoded.

    Never raises: a hotpreview comes from strangers.
    """
    return fingerprints([jpeg])[0]


def fingerprints(jpegs: Sequence[bytes]) -> list[int | None]:
    """:func:`fingerprint` of each JPEG, the DCTs and medians of all of them in one pass: per
    hotpreview, numpy's calls cost more than their arithmetic (a batch's 100: 15-24 -> 10-12 ms of
    CPU, decoding 8-10 of it). The same values as one at a time (tests/db/test_db_fingerprint.py)."""
    greys: list[Image.Image | None] = []
    for jpeg in jpegs:
        try:
            greys.append(_small_grey(jpeg))
        except Exception:  # noqa: BLE001 - any undecodable image just has no fingerprint
            greys.append(None)
    decoded = [grey.tobytes() for grey in greys if grey is not None]
    if not decoded:
        return [None] * len(greys)
    pixels = np.frombuffer(b"".join(decoded), dtype=np.uint8).reshape(-1, _N, _N).astype(np.float64)
    coefficients = (_DCT @ pixels @ _DCT.T).reshape(-1, 64)[:, _FREQUENCY_ORDER]
    # The median of 64 values as np.median takes it (the mean of the middle two), without its overhead.
    ordered = np.sort(coefficients, axis=1)
    bits = coefficients > ((ordered[:, 31] + ordered[:, 32]) / 2)[:, None]
    values = iter(np.ascontiguousarray(np.packbits(bits, axis=1)).view(">i8").ravel().tolist())  # 64 bits each, signed
    return [next(values) if grey is not None else None for grey in greys]


def _small_grey(jpeg: bytes) -> Image.Image | None:
    """The JPEG in grey, 32x32 (box filter from libjpeg's scaled decode); ``None`` when too large or not a JPEG."""
    try:
        height, width, colorspace, _ = simplejpeg.decode_jpeg_header(jpeg)
    except ValueError:
        return _small_grey_by_pillow(jpeg)
    if width * height > MAX_PIXELS:
        return None
    if colorspace not in ("YCbCr", "Gray"):  # CMYK, Adobe RGB: Pillow converts those to grey its own way
        return _small_grey_by_pillow(jpeg)
    scale = _draft_scale(width, height)
    size = (-(-width // scale), -(-height // scale))
    try:
        decoded = simplejpeg.decode_jpeg(jpeg, colorspace="GRAY", min_width=size[0], min_height=size[1])
    except ValueError:  # a warning is an error here; Pillow may still read it, as it always did
        return _small_grey_by_pillow(jpeg)
    if decoded.shape != (size[1], size[0], 1):  # not the scale Pillow would decode at
        return _small_grey_by_pillow(jpeg)
    return Image.frombuffer("L", size, decoded, "raw", "L", 0, 1).resize((_N, _N), Image.Resampling.BOX)


def _draft_scale(width: int, height: int) -> int:
    """The libjpeg scale (1, 2, 4 or 8) Pillow's ``draft`` picks for a 32x32 request: the largest at most
    ``min(width // 32, height // 32)``."""
    fits = min(width // _N, height // _N)
    return next((scale for scale in (8, 4, 2) if fits >= scale), 1)


def _small_grey_by_pillow(jpeg: bytes) -> Image.Image | None:
    with Image.open(io.BytesIO(jpeg)) as img:
        if img.format != "JPEG" or img.width * img.height > MAX_PIXELS:
            return None
        img.draft("L", (_N, _N))  # libjpeg decodes at 1/2, 1/4 or 1/8 scale, in grey
        return img.convert("L").resize((_N, _N), Image.Resampling.BOX)


def bands(value: int) -> tuple[int, ...]:
    """The fingerprint's four 16-bit bands (what ``tables.phash_band`` computes in SQL)."""
    return struct.unpack(">4H", value.to_bytes(8, "big", signed=True))  # its 64 bits, highest band first


def distance(a: int, b: int) -> int:
    """Hamming distance of two fingerprints."""
    return ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()


def sharing_a_band(conn: Connection, owner_id: int, fingerprints: Iterable[int]) -> list[Row[Any]]:
    """``(id, phash)`` of the owner's photos sharing a band with any of ``fingerprints`` (one index range each)."""
    wanted = [sorted(set(values)) for values in zip(*map(bands, fingerprints))]
    found: dict[int, Row[Any]] = {}
    for start in range(0, max(map(len, wanted), default=0), 500):
        asked = {band: chunk for band, values in enumerate(wanted) if (chunk := values[start : start + 500])}
        parameters: dict[str, Any] = {"owner_id": owner_id}
        for band, chunk in asked.items():
            parameters[f"band{band}"] = asked_parameter(conn, chunk)
            parameters[f"limit{band}"] = CANDIDATES_PER_VALUE * len(chunk)
        for row in conn.execute(_band_probes(conn, tuple(asked)), parameters):
            found[row.id] = row
    return list(found.values())


def _band_probes(conn: Connection, bands_asked: tuple[int, ...]) -> CompoundSelect:
    """The look-up of candidates in ``bands_asked``, built once per database kind (queries.built_once)."""

    def build(conn: Connection) -> CompoundSelect:
        c = photo_t.c
        parts = []
        for band in bands_asked:
            # Each value one probe of the band's index (db/queries.only_asked), whatever the
            # statistics: a library never analyzed (a first import) is guessed to hold a few of
            # the owner's photos, and given ``= ANY`` PostgreSQL read them all, per band.
            owners = select(c.id, c.phash).where(c.owner_id == bindparam("owner_id"))
            part = only_asked(conn, owners, photo_t, phash_band(c.phash, band), None, key=f"band{band}", ids=True)
            bounded = part.limit(bindparam(f"limit{band}", type_=Integer)).subquery()
            parts.append(select(bounded.c.id, bounded.c.phash))
        return union_all(*parts)

    return built_once(conn, f"band_probes{bands_asked}", build)


class Candidate(NamedTuple):
    """A photo that may look like another: its id and fingerprint."""

    id: int
    phash: int


READERS = 2
"""Connections per library database for :func:`stored_before`, beside the engine's own pool."""

_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_readers_guard = threading.Lock()


def reader_engine(engine: Engine) -> Engine:
    """The few connections :func:`stored_before` reads on, for ``engine``'s database: a pool of
    their own that never waits. Taken from ``engine``'s pool, the read could wait for a connection
    held by a batch that itself waits for the library this batch holds."""
    with _readers_guard:
        if (reader := _readers.get(engine)) is None:
            url = engine.url.render_as_string(hide_password=False)
            # Autocommit: its one read needs no transaction of its own, whose BEGIN and ROLLBACK were
            # two more waits for the database after the describing (the read 2.4 -> 1.6 ms idle).
            reader = _readers[engine] = make_engine(url, pool_size=READERS, max_overflow=0, pool_timeout=0, isolation_level="AUTOCOMMIT")
            # Its connections close with the engine's own (a disposed engine may be used again).
            event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
        return reader


def stored_before(conn: Connection, owner_id: int, fingerprints: Iterable[int]) -> list[Row[Any]] | None:
    """:func:`sharing_a_band` among the photos committed before ``conn``'s transaction, read on a
    connection of its own while ``conn`` is busy: on PostgreSQL the database is still copying the
    batch when its describing ends, and the server's thread and the second core wait for it
    (benchmarks/import_phases.py --postgres: look-alike pairs 9.9 ms a batch after the copy).
    ``None`` when every reader is busy (other batches): :func:`link` then reads on ``conn``."""
    try:
        reader = reader_engine(conn.engine).connect()
    except PoolTimeout:
        return None
    with reader:
        return sharing_a_band(reader, owner_id, fingerprints)


def link(conn: Connection, owner_id: int, fingerprints: Mapping[int, int], stored: Sequence[Any] | None = None) -> int:
    """Record the look-alike pairs of the owner's photos ``{id: phash}`` (already written) with
    every photo of the library, these included; how many pairs are new. Idempotent.

    ``stored``: the candidates among the photos stored before these, already read
    (:func:`stored_before`); the photos of ``fingerprints`` are then each other's candidates.
    """
    if not fingerprints:
        return 0
    by_band: list[dict[int, list[Any]]] = [{} for _ in range(BANDS)]
    if stored is None:
        candidates: Sequence[Any] = sharing_a_band(conn, owner_id, fingerprints.values())
    else:
        candidates = [*stored, *(Candidate(photo_id, value) for photo_id, value in fingerprints.items())]
    for row in candidates:
        for band, value in enumerate(bands(row.phash)):
            by_band[band].setdefault(value, []).append(row)
    pairs: dict[tuple[int, int], int] = {}
    for photo_id, value in fingerprints.items():
        near: dict[int, int] = {}
        for band, band_value in enumerate(bands(value)):
            for other in by_band[band].get(band_value, ()):
                if other.id != photo_id and (d := distance(value, other.phash)) <= MAX_DISTANCE:
                    near[other.id] = d
        # Its nearest few only: a thousand burst shots (or black frames) alike would otherwise make
        # a million pairs. Clusters stay whole: each photo is linked to its nearest, transitively.
        for other_id, d in sorted(near.items(), key=lambda item: (item[1], item[0]))[:MAX_PAIRS_PER_PHOTO]:
            pairs[(min(photo_id, other_id), max(photo_id, other_id))] = d
    rows = [{"owner_id": owner_id, "photo_id": a, "other_id": b, "distance": d} for (a, b), d in sorted(pairs.items())]
    if rows:
        conn.execute(dialect_insert(conn, lookalike_t).on_conflict_do_nothing(), rows)
    return len(rows)


def fingerprints_of(conn: Connection, owner_id: int, photo_ids: Sequence[int]) -> dict[int, int]:
    """The stored fingerprints of the owner's photos (those that have one)."""
    found: dict[int, int] = {}
    for chunk in chunks(photo_ids):
        query = select(photo_t.c.id, photo_t.c.phash).where(
            photo_t.c.owner_id == owner_id, photo_t.c.id.in_(chunk), photo_t.c.phash.is_not(None)
        )
        found.update((row.id, row.phash) for row in conn.execute(query))
    return found


def lookalikes_of(conn: Connection, owner_id: int, photo_ids: Sequence[int], max_distance: int) -> dict[int, list[tuple[int, int]]]:
    """Each photo's look-alikes within ``max_distance``: ``[(other id, distance)]``, nearest first, then oldest."""
    found: dict[int, list[tuple[int, int]]] = {photo_id: [] for photo_id in photo_ids}
    t = lookalike_t.c
    for chunk in chunks(photo_ids):
        near = (t.owner_id == owner_id, t.distance <= max_distance)
        query = union_all(
            select(t.photo_id.label("photo"), t.other_id.label("other"), t.distance).where(*near, t.photo_id.in_(chunk)),
            select(t.other_id.label("photo"), t.photo_id.label("other"), t.distance).where(*near, t.other_id.in_(chunk)),
        )
        for photo, other, d in conn.execute(query):
            found[photo].append((d, other))  # type: ignore[arg-type]
    return {photo_id: [(other, d) for d, other in sorted(pairs)] for photo_id, pairs in found.items()}


def clusters(conn: Connection, owner_id: int, max_distance: int) -> list[list[int]]:
    """The owner's photos that look alike, as clusters (photos joined by pairs within
    ``max_distance``, transitively): each cluster's ids ascending; largest clusters first, then
    by their first id. Reads only the pairs, never the library."""
    t = lookalike_t.c
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        while parent.setdefault(node, node) != node:
            parent[node] = node = parent[parent[node]]
        return node

    query = select(t.photo_id, t.other_id).where(t.owner_id == owner_id, t.distance <= max_distance)
    for a, b in conn.execute(query):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = {}
    for node in parent:
        members.setdefault(root(node), []).append(node)
    return sorted((sorted(ids) for ids in members.values()), key=lambda ids: (-len(ids), ids[0]))
