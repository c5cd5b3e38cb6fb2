"""Near-duplicates: a photo's look-alikes and the library's clusters of likely duplicates.

What counts as alike (the fingerprint, the distance, which pairs are kept) is db/lookalikes.py's;
here are the arguments' rules and paging.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from imalink.db import lookalikes
from imalink.resolvers.errors import ErrorCode, UserError
from imalink.resolvers.pagination import Page, PageRequest, cursor_int, decode_cursor, encode_cursor, sides

MAX_DISTANCE = lookalikes.MAX_DISTANCE
DEFAULT_DISTANCE = 10
"""Measured (README, "Near-duplicates"): re-encoded, resized, rotated and edited copies lie within 4,
light crops mostly within 10; other photos of the same scene (panned, zoomed) start at 16."""
MAX_LOOKALIKES = 100
CLUSTERS = "DUPLICATE_CLUSTERS"
"""The listing name in cluster cursors."""


def check_distance(max_distance: int) -> int:
    """``max_distance`` when it is one the library can answer (0 to :data:`MAX_DISTANCE`)."""
    if not 0 <= max_distance <= MAX_DISTANCE:
        raise UserError(ErrorCode.INVALID_VALUE, f"maxDistance must be between 0 and {MAX_DISTANCE}, not {max_distance}.")
    return max_distance


def check_count(first: int) -> int:
    if not 0 <= first <= MAX_LOOKALIKES:
        raise UserError(ErrorCode.INVALID_PAGE_SIZE, f"first must be between 0 and {MAX_LOOKALIKES}, not {first}.")
    return first


@dataclass(frozen=True, slots=True)
class LookalikesKey:
    """Which photo's look-alikes are asked for, how near and how many."""

    photo_id: int
    max_distance: int
    first: int


def lookalikes_by_key(conn: Connection, owner_id: int, keys: Sequence[LookalikesKey]) -> dict[LookalikesKey, list[tuple[int, int]]]:
    """``[(photo id, distance)]`` per key, nearest first: one query per distance asked."""
    found: dict[LookalikesKey, list[tuple[int, int]]] = {}
    for distance in {key.max_distance for key in keys}:
        wanted = [key for key in keys if key.max_distance == distance]
        near = lookalikes.lookalikes_of(conn, owner_id, [key.photo_id for key in wanted], distance)
        found.update({key: near[key.photo_id][: key.first] for key in wanted})
    return found


def cluster_page(engine: Engine, owner_id: int, max_distance: int, request: PageRequest) -> Page:
    """A page of the owner's duplicate clusters (each a list of photo ids, oldest first), largest first."""
    with engine.connect() as conn:
        clusters = lookalikes.clusters(conn, owner_id, max_distance)
    keys = [(len(ids), ids[0]) for ids in clusters]
    start, end = 0, len(clusters)
    if request.cursor is not None:
        size, first_id = (cursor_int(v) for v in decode_cursor(CLUSTERS, request.cursor, 2))
        # Clusters sort by (-size, first id); the cursor's position, whether or not it is still there.
        position = sum(1 for key in keys if (-key[0], key[1]) <= (-size, first_id))
        if request.backward:
            end = position - (position > 0 and keys[position - 1] == (size, first_id))
        else:
            start = position
    if request.backward:
        rows = clusters[max(start, end - request.size) : end]
        has_more, beyond = end - request.size > start, end < len(clusters)
    else:
        rows = clusters[start : start + request.size]
        has_more, beyond = start + request.size < end, start > 0
    has_next, has_previous = sides(request, has_more, beyond)
    cursors = [encode_cursor(CLUSTERS, len(ids), ids[0]) for ids in rows]
    return Page(rows, cursors, has_next, has_previous, len(clusters))
