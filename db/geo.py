"""Map cells: a photo's position as a cell number on a quadtree of the globe (a Morton code).

The globe is cut into 2^BITS x 2^BITS cells, square in degrees (longitude -180..180 across,
latitude from -180 so that cells stay square; the upper half is never used). A cell's number
interleaves the bits of its column and row, so every cell of a coarser level is one contiguous
range of numbers: the photos of any map cell at any zoom are one range scan of an index on
``photo.geo_cell``, with no sorting.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

BITS = 20
"""Finest level: cells of 360/2^20 degrees, about 38 m at the equator."""
CELLS = 1 << BITS
REGION_LEVEL = 4
"""Regions: cells of this level (22.5 degrees), each a stretch of ``ix_photo_owner_geo_region`` in
timeline order, so a box's photos are counted per day region by region, as they stream."""
REGION_SHIFT = 2 * (BITS - REGION_LEVEL)
"""A finest cell's region is its number shifted right by this (its level-4 ancestor)."""


def _spread(value: int) -> int:
    """The bits of ``value`` (below 2^32) moved to the even positions."""
    value = (value | (value << 16)) & 0x0000FFFF0000FFFF
    value = (value | (value << 8)) & 0x00FF00FF00FF00FF
    value = (value | (value << 4)) & 0x0F0F0F0F0F0F0F0F
    value = (value | (value << 2)) & 0x3333333333333333
    return (value | (value << 1)) & 0x5555555555555555


def geo_cell(latitude: float | None, longitude: float | None) -> int | None:
    """The finest cell holding a position; ``None`` without a position."""
    if latitude is None or longitude is None:
        return None
    column = min(CELLS - 1, max(0, int((longitude + 180) / 360 * CELLS)))
    row = min(CELLS - 1, max(0, int((latitude + 180) / 360 * CELLS)))
    return _spread(column) | (_spread(row) << 1)


def regions_covering(south: float, west: float, north: float, east: float) -> list[int]:
    """The regions meeting the box (``west <= east``), in number order."""
    return sorted(first >> REGION_SHIFT for _, _, first in cells_covering(south, west, north, east, REGION_LEVEL))


def cell_degrees(level: int) -> float:
    """The side of a cell at ``level`` (2^level cells across the globe), degrees."""
    return 360 / (1 << level)


def cells_covering(south: float, west: float, north: float, east: float, level: int) -> Iterator[tuple[int, int, int]]:
    """(column, row, first finest cell) of every cell at ``level`` meeting the box (``west <= east``);
    the cell's finest cells are ``first`` up to ``first + 4^(BITS - level)``."""
    side = cell_degrees(level)
    shift = 2 * (BITS - level)
    last = (1 << level) - 1
    first_column, last_column = max(0, math.floor((west + 180) / side)), min(last, math.floor((east + 180) / side))
    first_row, last_row = max(0, math.floor((south + 180) / side)), min(last, math.floor((north + 180) / side))
    for row in range(first_row, last_row + 1):
        for column in range(first_column, last_column + 1):
            yield column, row, (_spread(column) | (_spread(row) << 1)) << shift


KEPT_LEVEL = 8
"""The level of the cells db/counts.py keeps counts for (``photo_cell``): 256 x 256 cells of 1.4
degrees (about 156 km). The world map shows levels 2-7 up to zoom 5: each of its cells is a union
of kept cells. Coarser kept cells would spill more photos into the border cells a box cuts
(counted from the photos); finer ones would be more rows to read for the world (a few hundred at
a million photos around 60 places)."""
KEPT_SHIFT = 2 * (BITS - KEPT_LEVEL)
"""``geo_cell >> KEPT_SHIFT`` is the kept cell holding a position."""

