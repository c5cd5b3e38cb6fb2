"""Counts the database keeps itself: photos per local capture day, and per camera, lens and rating.

The whole library's timeline and its filter menus are what a client asks for first; counting a
million photos for them reads a million index entries each time. ``photo_day`` and
``photo_facet`` hold the answers: triggers on ``photo`` add and take away as photos are written,
changed or deleted, inside the same transaction, whoever writes (the import, an edit, a
migration, a script). Undated photos are not kept per day: they are one range of the timeline
index. Filtered timelines and menus are still counted from the photos (db/browse.py).

A migration that rebuilds the photo table on SQLite drops its triggers with the old table, so
:func:`ensure_counts` runs after every upgrade and recounts when a trigger was missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, inspect, text

from imalink.db import changes, range_counts
from imalink.db import triggers as db_triggers
from imalink.db.geo import KEPT_SHIFT
from imalink.db.tables import COUNTING_BATCH, SQLITE_COUNTING_BATCH, SQLITE_UNLESS_COUNTING_BATCH

FACETS = ("camera_make", "camera_model", "lens_model", "rating")
"""What ``photo_facet`` counts per value (text compared case-insensitively, as the filters do)."""

GPS_SCOPE = "gps:"
"""Prefix of the counts kept again over the positioned photos alone (``hasGps: true``, a third of
a library): under that filter each facet and the timeline read whole indexes otherwise (1.2 s of
CPU at a million photos). ``gps:day`` holds those photos per day, ``gps:undated`` the undated."""


def gps_condition(row: str) -> str:
    """SQL for "the photo has a position", as db/filters.py tests ``hasGps: true``."""
    return f"{row}.gps_latitude BETWEEN -90 AND 90"


@dataclass(frozen=True)
class Counted:
    """One kind of ``photo_facet`` row: which photos it counts, under what key and spelling."""

    facet: str
    key: Callable[[str, bool], str]
    value: Callable[[str, bool], str]
    condition: Callable[[str], str]
    spelled_by_key: bool = False
    """The key is its own spelling (no ``min(value)`` needed when recounting)."""


def _facet_key(facet: str) -> Callable[[str, bool], str]:
    return lambda row, sqlite: f"CAST({row}.rating AS TEXT)" if facet == "rating" else f"lower({row}.{facet})"


def _facet_value(facet: str) -> Callable[[str, bool], str]:
    return lambda row, sqlite: f"CAST({row}.rating AS TEXT)" if facet == "rating" else f"{row}.{facet}"


def _day_key(row: str, sqlite: bool) -> str:
    return f"substr({row}.taken_at, 1, 10)" if sqlite else f"to_char({row}.taken_at, 'YYYY-MM-DD')"


def _counted() -> list[Counted]:
    found = []
    for scope in ("", GPS_SCOPE):
        for facet in FACETS:
            def condition(row: str, facet: str = facet, scope: str = scope) -> str:
                return f"{row}.{facet} IS NOT NULL" + (f" AND {gps_condition(row)}" if scope else "")

            found.append(Counted(scope + facet, _facet_key(facet), _facet_value(facet), condition, facet == "rating"))
    found.append(Counted(GPS_SCOPE + "day", _day_key, _day_key, lambda row: f"{row}.taken_at IS NOT NULL AND {gps_condition(row)}", True))
    found.append(
        Counted(GPS_SCOPE + "undated", lambda row, sqlite: "''", lambda row, sqlite: "''", lambda row: f"{row}.taken_at IS NULL AND {gps_condition(row)}", True)
    )
    return found


COUNTED = _counted()


def _sqlite_day(row: str) -> str:
    return f"substr({row}.taken_at, 1, 10)"


def _sqlite_add(row: str) -> list[str]:
    statements = [
        f"INSERT INTO photo_day (owner_id, day, photos) SELECT {row}.owner_id, {_sqlite_day(row)}, 1 "
        f"WHERE {row}.taken_at IS NOT NULL ON CONFLICT (owner_id, day) DO UPDATE SET photos = photos + 1"
    ]
    for counted in COUNTED:
        statements.append(
            f"INSERT INTO photo_facet (owner_id, facet, key, value, photos) SELECT {row}.owner_id, '{counted.facet}', "
            f"{counted.key(row, True)}, {counted.value(row, True)}, 1 WHERE {counted.condition(row)} "
            "ON CONFLICT (owner_id, facet, key) DO UPDATE SET photos = photos + 1"
        )
    return statements


def _sqlite_take(row: str) -> list[str]:
    day = f"owner_id = {row}.owner_id AND day = {_sqlite_day(row)}"
    statements = [f"UPDATE photo_day SET photos = photos - 1 WHERE {day}", f"DELETE FROM photo_day WHERE {day} AND photos <= 0"]
    for counted in COUNTED:
        where = f"owner_id = {row}.owner_id AND facet = '{counted.facet}' AND key = {counted.key(row, True)} AND {counted.condition(row)}"
        statements += [f"UPDATE photo_facet SET photos = photos - 1 WHERE {where}", f"DELETE FROM photo_facet WHERE {where} AND photos <= 0"]
    return statements


_COUNTED_COLUMNS = ("taken_at", "owner_id", "gps_latitude", *FACETS)
_CHANGED = " OR ".join(f"old.{column} IS NOT new.{column}" for column in _COUNTED_COLUMNS)
# Named by version: a database made by an earlier version has triggers that count less
# (RETIRED_TRIGGERS), replaced by ensure_counts.
SQLITE_TRIGGERS = {
    "photo_counts2_after_insert": f"AFTER INSERT ON photo {SQLITE_UNLESS_COUNTING_BATCH} BEGIN {'; '.join(_sqlite_add('new'))}; END",
    "photo_counts2_after_delete": f"AFTER DELETE ON photo BEGIN {'; '.join(_sqlite_take('old'))}; END",
    "photo_counts2_after_update": (
        f"AFTER UPDATE OF {', '.join(_COUNTED_COLUMNS)} ON photo WHEN {_CHANGED} "
        f"BEGIN {'; '.join([*_sqlite_take('old'), *_sqlite_add('new')])}; END"
    ),
}
RETIRED_TRIGGERS = (
    "photo_counts_after_insert",
    "photo_counts_after_delete",
    "photo_counts_after_update",
    "photo_counts_after_insert_delete",
    "photo_counts2_after_insert_delete",
    "photo_tag_counts_after_insert_delete",
)

POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_counts() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "DECLARE r photo%ROWTYPE;\n"
    "BEGIN\n"
    "  IF TG_OP IN ('DELETE', 'UPDATE') THEN\n"
    "    r := OLD;\n"
    "    IF r.taken_at IS NOT NULL THEN\n"
    "      UPDATE photo_day SET photos = photos - 1 WHERE owner_id = r.owner_id AND day = CAST(r.taken_at AS DATE);\n"
    "      DELETE FROM photo_day WHERE owner_id = r.owner_id AND day = CAST(r.taken_at AS DATE) AND photos <= 0;\n"
    "    END IF;\n"
    + "".join(
        f"    IF {c.condition('r')} THEN\n"
        f"      UPDATE photo_facet SET photos = photos - 1 WHERE owner_id = r.owner_id AND facet = '{c.facet}' AND key = {c.key('r', False)};\n"
        f"      DELETE FROM photo_facet WHERE owner_id = r.owner_id AND facet = '{c.facet}' AND key = {c.key('r', False)} AND photos <= 0;\n"
        "    END IF;\n"
        for c in COUNTED
    )
    + "  END IF;\n"
    "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
    "    r := NEW;\n"
    "    IF r.taken_at IS NOT NULL THEN\n"
    "      INSERT INTO photo_day (owner_id, day, photos) VALUES (r.owner_id, CAST(r.taken_at AS DATE), 1)\n"
    "      ON CONFLICT (owner_id, day) DO UPDATE SET photos = photo_day.photos + 1;\n"
    "    END IF;\n"
    + "".join(
        f"    IF {c.condition('r')} THEN\n"
        f"      INSERT INTO photo_facet (owner_id, facet, key, value, photos) VALUES (r.owner_id, '{c.facet}', {c.key('r', False)}, {c.value('r', False)}, 1)\n"
        "      ON CONFLICT (owner_id, facet, key) DO UPDATE SET photos = photo_facet.photos + 1;\n"
        "    END IF;\n"
        for c in COUNTED
    )
    + "  END IF;\n"
    "  RETURN NULL;\n"
    "END $$"
)
# PostgreSQL counts a statement's new photos together (its transition table): an import's 100
# photos are one grouped upsert into each count table, where a row trigger ran a plpgsql upsert
# per photo and count (~6 each: 0.5 ms of the database's CPU per photo, a third of the batch's).
# Each new count row takes the spelling of the statement's first photo, as row by row.
_FACET_ROWS = ", ".join(
    f"('{c.facet}', CAST({c.key('n', False)} AS text), CAST({c.value('n', False)} AS text), {c.condition('n')})"
    for c in COUNTED
)
POSTGRES_ADDED_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  INSERT INTO photo_day (owner_id, day, photos)\n"
    "  SELECT owner_id, CAST(taken_at AS DATE), count(*) FROM new_photos WHERE taken_at IS NOT NULL\n"
    "  GROUP BY 1, 2 ORDER BY 1, 2\n"  # in key order, like every other write: writers never wait on each other in turn
    "  ON CONFLICT (owner_id, day) DO UPDATE SET photos = photo_day.photos + excluded.photos;\n"
    "  INSERT INTO photo_facet (owner_id, facet, key, value, photos)\n"
    "  SELECT n.owner_id, f.facet, f.key, (array_agg(f.value ORDER BY n.id))[1], sum(n.photos)\n"
    f"  FROM {range_counts.alike_new_photos(('owner_id', *FACETS), gps_condition('new_photos'))} n\n"
    f"  CROSS JOIN LATERAL (VALUES {_FACET_ROWS}) AS f (facet, key, value, counted)\n"
    "  WHERE f.counted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3\n"
    "  ON CONFLICT (owner_id, facet, key) DO UPDATE SET photos = photo_facet.photos + excluded.photos;\n"
    "  RETURN NULL;\n"
    "END $$"
)
POSTGRES_TRIGGERS = {
    "photo_counts3_after_insert": (
        "AFTER INSERT ON photo REFERENCING NEW TABLE AS new_photos FOR EACH STATEMENT EXECUTE FUNCTION photo_counts_added()"
    ),
    "photo_counts3_after_delete": "AFTER DELETE ON photo FOR EACH ROW EXECUTE FUNCTION photo_counts()",
    "photo_counts2_after_update": (
        f"AFTER UPDATE OF {', '.join(_COUNTED_COLUMNS)} ON photo FOR EACH ROW WHEN ("
        + " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in _COUNTED_COLUMNS)
        + ") EXECUTE FUNCTION photo_counts()"
    ),
}


# The positioned photos' tags ("gps:tag"): counted when a tag is written to a positioned photo,
# when a photo gains or loses its position, and before a positioned photo is deleted (its tags
# go by cascade after the photo row, when their own trigger no longer finds it).
_GPS_TAG = GPS_SCOPE + "tag"
# A tag spelled several ways is shown as the least spelling, as recount and db/browse.py's
# tag_facet pick it: the same whichever order the photos came in.
_TAKE_TAG = f"UPDATE photo_facet SET photos = photos - 1 WHERE owner_id = {{row}}.owner_id AND facet = '{_GPS_TAG}' AND key = {{key}}"
_DROP_EMPTY_TAGS = f"DELETE FROM photo_facet WHERE owner_id = {{row}}.owner_id AND facet = '{_GPS_TAG}' AND photos <= 0"
_ADD_PHOTO_TAGS = (
    f"INSERT INTO photo_facet (owner_id, facet, key, value, photos) SELECT t.owner_id, '{_GPS_TAG}', t.tag_key, t.tag, 1 "
    f"FROM photo_tag t WHERE t.photo_id = {{row}}.id AND {gps_condition('{row}')} ON CONFLICT (owner_id, facet, key) "
    "DO UPDATE SET photos = photo_facet.photos + 1, value = {least}(photo_facet.value, excluded.value)"
)
_TAKE_PHOTO_TAGS = _TAKE_TAG.replace("{key}", "ANY (SELECT tag_key FROM photo_tag WHERE photo_id = {row}.id)")
_ADD_TAG = (
    f"INSERT INTO photo_facet (owner_id, facet, key, value, photos) SELECT new.owner_id, '{_GPS_TAG}', new.tag_key, new.tag, 1 "
    f"FROM photo WHERE photo.id = new.photo_id AND {gps_condition('photo')} "
    "ON CONFLICT (owner_id, facet, key) "
    "DO UPDATE SET photos = photo_facet.photos + 1, value = {least}(photo_facet.value, excluded.value)"
)
_TAGGED_PHOTO_POSITIONED = f"EXISTS (SELECT 1 FROM photo WHERE photo.id = old.photo_id AND {gps_condition('photo')})"
_GPS_FLIPPED = f"({gps_condition('old')}) IS NOT ({gps_condition('new')})"


def _sqlite(statement: str, row: str) -> str:
    return statement.replace("= ANY (", "IN (").format(row=row, key=f"{row}.tag_key", least="min")


SQLITE_TRIGGERS.update({
    "photo_tag_counts_after_insert": f"AFTER INSERT ON photo_tag BEGIN {_sqlite(_ADD_TAG, 'new')}; END",
    "photo_tag_counts_after_delete": (
        f"AFTER DELETE ON photo_tag WHEN {_TAGGED_PHOTO_POSITIONED} "
        f"BEGIN {_sqlite(_TAKE_TAG, 'old')}; {_sqlite(_DROP_EMPTY_TAGS, 'old')}; END"
    ),
    "photo_tag_counts_before_photo_delete": (
        f"BEFORE DELETE ON photo WHEN {gps_condition('old')} "
        f"BEGIN {_sqlite(_TAKE_PHOTO_TAGS, 'old')}; {_sqlite(_DROP_EMPTY_TAGS, 'old')}; END"
    ),
    "photo_tag_counts_after_position": (
        f"AFTER UPDATE OF gps_latitude ON photo WHEN {_GPS_FLIPPED} BEGIN "
        f"{_sqlite(_TAKE_PHOTO_TAGS, 'old')} AND {gps_condition('old')}; {_sqlite(_DROP_EMPTY_TAGS, 'old')}; "
        f"{_sqlite(_ADD_PHOTO_TAGS, 'new')}; END"
    ),
})
POSTGRES_TAG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_tag_counts() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  IF TG_TABLE_NAME = 'photo_tag' AND TG_OP = 'INSERT' THEN\n"
    f"    {_ADD_TAG.format(least='LEAST').replace('new.', 'NEW.')};\n"
    f"  ELSIF TG_TABLE_NAME = 'photo_tag' THEN\n"
    f"    IF {_TAGGED_PHOTO_POSITIONED.replace('old.', 'OLD.')} THEN\n"
    f"      {_TAKE_TAG.format(row='OLD', key='OLD.tag_key')};\n"
    f"      {_DROP_EMPTY_TAGS.format(row='OLD')};\n"
    "    END IF;\n"
    "  ELSE\n"
    f"    IF TG_OP IN ('DELETE', 'UPDATE') AND {gps_condition('OLD')} THEN\n"
    f"      {_TAKE_PHOTO_TAGS.format(row='OLD')};\n"
    f"      {_DROP_EMPTY_TAGS.format(row='OLD')};\n"
    "    END IF;\n"
    f"    IF TG_OP = 'UPDATE' AND {gps_condition('NEW')} THEN\n"
    f"      {_ADD_PHOTO_TAGS.format(row='NEW', least='LEAST')};\n"
    "    END IF;\n"
    "  END IF;\n"
    "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"  # a BEFORE DELETE trigger that returns NULL cancels the delete
    "  RETURN NULL;\n"
    "END $$"
)
# A statement's new tags together, as a statement's new photos above (the same counts as tag by
# tag: a tag's least spelling wins either way).
POSTGRES_TAGS_ADDED_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_tag_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  INSERT INTO photo_facet (owner_id, facet, key, value, photos)\n"
    f"  SELECT t.owner_id, '{_GPS_TAG}', t.tag_key, min(t.tag), count(*) FROM new_tags t JOIN photo ON photo.id = t.photo_id\n"
    f"  WHERE {gps_condition('photo')} GROUP BY t.owner_id, t.tag_key ORDER BY t.owner_id, t.tag_key\n"
    "  ON CONFLICT (owner_id, facet, key)\n"
    "  DO UPDATE SET photos = photo_facet.photos + excluded.photos, value = LEAST(photo_facet.value, excluded.value);\n"
    "  RETURN NULL;\n"
    "END $$"
)
POSTGRES_TRIGGERS.update({
    "photo_tag_counts2_after_insert": (
        "AFTER INSERT ON photo_tag REFERENCING NEW TABLE AS new_tags FOR EACH STATEMENT EXECUTE FUNCTION photo_tag_counts_added()"
    ),
    "photo_tag_counts2_after_delete": "AFTER DELETE ON photo_tag FOR EACH ROW EXECUTE FUNCTION photo_tag_counts()",
    "photo_tag_counts_before_photo_delete": (
        f"BEFORE DELETE ON photo FOR EACH ROW WHEN ({gps_condition('OLD')}) EXECUTE FUNCTION photo_tag_counts()"
    ),
    "photo_tag_counts_after_position": (
        f"AFTER UPDATE OF gps_latitude ON photo FOR EACH ROW WHEN "
        f"(({gps_condition('OLD')}) IS DISTINCT FROM ({gps_condition('NEW')})) EXECUTE FUNCTION photo_tag_counts()"
    ),
})


# The map's cells (``photo_cell``): the positioned photos per kept cell, for the whole library
# and per facet value. Adding a photo is one upsert per scope (sums, bounds widened, the newest
# id); taking one away subtracts and forgets the bounds when the photo may have set them (a
# minimum or maximum cannot be taken back), which db/browse.py then counts from the photos.
CELL_YEAR = "year"
"""The capture years per cell ("2021"; undated photos have none): a box alone takes its year facet
from them as it takes its cameras (Europe at a million photos: 37 ms counted from the photos)."""
CELL_FACETS = ("", *FACETS, CELL_YEAR)
"""The scopes of ``photo_cell``: "" is the whole library (its key is "")."""
_CELL_COLUMNS = ("owner_id", "geo_cell", "gps_latitude", "gps_longitude", *FACETS, "taken_at")
_CELL_FACET_COLUMN = {CELL_YEAR: "taken_at"}


def positioned(row: str) -> str:
    """SQL for "the photo is on the map's kept cells": a position inside the world."""
    return (
        f"{row}.geo_cell IS NOT NULL AND {row}.gps_latitude BETWEEN -90 AND 90 AND {row}.gps_longitude BETWEEN -180 AND 180"
    )


def cell_year(row: str) -> str:
    """SQL for a photo's capture year as text, alike on both databases (SQLite keeps the time as
    text, PostgreSQL's timestamp casts to the same "YYYY-MM-DD HH:MM:SS")."""
    return f"substr(CAST({row}.taken_at AS TEXT), 1, 4)"


def _cell_key(facet: str, row: str) -> str:
    if facet == CELL_YEAR:
        return cell_year(row)
    return "''" if not facet else _facet_key(facet)(row, True)


def _in_cell_scope(facet: str, row: str) -> str:
    return positioned(row) + (f" AND {row}.{_CELL_FACET_COLUMN.get(facet, facet)} IS NOT NULL" if facet else "")


def _cell_moved(facet: str, old: str, new: str, distinct: str) -> str:
    """SQL: the photo left its cell row of ``facet`` (position, owner or key changed)."""
    columns = ["owner_id", "geo_cell", "gps_latitude", "gps_longitude"]
    changed = [f"{old}.{c} {distinct} {new}.{c}" for c in columns]
    if facet:
        changed.append(f"{_cell_key(facet, old)} {distinct} {_cell_key(facet, new)}")
    return "(" + " OR ".join(changed) + ")"


_CELL_INSERT = "INSERT INTO photo_cell (owner_id, facet, key, cell, photos, latitude_sum, longitude_sum, south, west, north, east, photo_id)"


def _cell_widened(table: str, least: str, greatest: str) -> str:
    """The upsert's SET: sums added, bounds widened, unless the row's bounds are unknown (kept so)."""
    unknown = f"{table}photo_id IS NULL"
    bounds = [("south", least), ("west", least), ("north", greatest), ("east", greatest), ("photo_id", greatest)]
    return (
        f"photos = {table}photos + excluded.photos, latitude_sum = {table}latitude_sum + excluded.latitude_sum, "
        f"longitude_sum = {table}longitude_sum + excluded.longitude_sum, "
        + ", ".join(f"{c} = CASE WHEN {unknown} THEN NULL ELSE {f}({table}{c}, excluded.{c}) END" for c, f in bounds)
    )


def _cell_sums(row: str) -> str:
    """The aggregates of a ``photo_cell`` row over photos ``row``: count, position sums, bounds, newest id."""
    lat, lon = f"{row}.gps_latitude", f"{row}.gps_longitude"
    return f"count(*), sum({lat}), sum({lon}), min({lat}), min({lon}), max({lat}), max({lon}), max({row}.id)"


def _add_to_cell(row: str, facet: str, key: str, where: str, sqlite: bool, source: str = "") -> str:
    """Add the photo ``row`` to its cell's row of ``facet`` and ``key`` when ``where`` holds
    (``source``: the FROM clause the photo and key are read from, in a trigger none)."""
    lat, lon = f"{row}.gps_latitude", f"{row}.gps_longitude"
    table = "" if sqlite else "photo_cell."
    least, greatest = ("min", "max") if sqlite else ("LEAST", "GREATEST")
    return (
        f"{_CELL_INSERT} SELECT {row}.owner_id, '{facet}', {key}, {row}.geo_cell >> {KEPT_SHIFT}, 1, "
        f"{lat}, {lon}, {lat}, {lon}, {lat}, {lon}, {row}.id {f'FROM {source} ' if source else ''}WHERE {where} "
        f"ON CONFLICT (owner_id, facet, key, cell) DO UPDATE SET {_cell_widened(table, least, greatest)}"
    )


def _take_from_cell(photo: Callable[[str], str], facet: str, keys: str, where: str = "") -> list[str]:
    """Take one photo (its columns as ``photo(column)`` names them) out of its cell's rows of
    ``facet`` whose key meets ``keys``, when ``where`` holds; its bounds are forgotten where it
    may have set them."""
    lat, lon = photo("gps_latitude"), photo("gps_longitude")
    on_bounds = f"({photo('id')} >= photo_id OR {lat} <= south OR {lat} >= north OR {lon} <= west OR {lon} >= east)"
    forget = ", ".join(f"{c} = CASE WHEN {on_bounds} THEN NULL ELSE {c} END" for c in ("south", "west", "north", "east", "photo_id"))
    found = f"owner_id = {photo('owner_id')} AND facet = '{facet}' AND {keys} AND cell = {photo('geo_cell')} >> {KEPT_SHIFT}"
    found += f" AND {where}" if where else ""
    return [
        f"UPDATE photo_cell SET photos = photos - 1, latitude_sum = latitude_sum - {lat}, longitude_sum = longitude_sum - {lon}, "
        f"{forget} WHERE {found}",
        f"DELETE FROM photo_cell WHERE {found} AND photos <= 0",
    ]


def _row(name: str) -> Callable[[str], str]:
    return lambda column: f"{name}.{column}"


def _cell_add(facet: str, row: str, when: str, sqlite: bool) -> str:
    return _add_to_cell(row, facet, _cell_key(facet, row), f"{_in_cell_scope(facet, row)}{when}", sqlite)


def _cell_take(facet: str, row: str, when: str) -> list[str]:
    return _take_from_cell(_row(row), facet, f"key = {_cell_key(facet, row)}", f"{_in_cell_scope(facet, row)}{when}")


def _sqlite_cell_update() -> str:
    statements = []
    for facet in CELL_FACETS:
        moved = " AND " + _cell_moved(facet, "old", "new", "IS NOT")
        statements += [*_cell_take(facet, "old", moved), _cell_add(facet, "new", moved, True)]
    return "; ".join(statements)


_CELL_CHANGED = " OR ".join(f"old.{column} IS NOT new.{column}" for column in _CELL_COLUMNS)
CELL_SQLITE_TRIGGERS = {
    "photo_cells_after_insert": (
        f"AFTER INSERT ON photo {SQLITE_UNLESS_COUNTING_BATCH} BEGIN {'; '.join(_cell_add(f, 'new', '', True) for f in CELL_FACETS)}; END"
    ),
    "photo_cells_after_delete": (
        f"AFTER DELETE ON photo WHEN {positioned('old')} BEGIN {'; '.join(s for f in CELL_FACETS for s in _cell_take(f, 'old', ''))}; END"
    ),
    "photo_cells_after_update": f"AFTER UPDATE OF {', '.join(_CELL_COLUMNS)} ON photo WHEN {_CELL_CHANGED} BEGIN {_sqlite_cell_update()}; END",
}
_CELL_ROWS = ", ".join(f"('{f}', CAST({_cell_key(f, 'n')} AS text), {_in_cell_scope(f, 'n')})" for f in CELL_FACETS)
POSTGRES_CELLS_ADDED_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_cells_added() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    f"  {_CELL_INSERT}\n"
    f"  SELECT n.owner_id, f.facet, f.key, n.geo_cell >> {KEPT_SHIFT}, {_cell_sums('n')}\n"
    f"  FROM new_photos n CROSS JOIN LATERAL (VALUES {_CELL_ROWS}) AS f (facet, key, counted)\n"
    "  WHERE f.counted GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4\n"
    f"  ON CONFLICT (owner_id, facet, key, cell) DO UPDATE SET {_cell_widened('photo_cell.', 'LEAST', 'GREATEST')};\n"
    "  RETURN NULL;\n"
    "END $$"
)


def _postgres_cell_changes(row: str, statements: Callable[[str, str], list[str]]) -> str:
    lines = []
    for facet in CELL_FACETS:
        moved = f"(TG_OP = 'DELETE' OR {_cell_moved(facet, 'OLD', 'NEW', 'IS DISTINCT FROM')})"
        lines.append(f"    IF {moved} THEN\n" + "".join(f"      {s};\n" for s in statements(facet, row)) + "    END IF;\n")
    return "".join(lines)


POSTGRES_CELLS_CHANGED_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_cells_changed() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "DECLARE r photo%ROWTYPE;\n"
    "BEGIN\n"
    "  r := OLD;\n"
    + _postgres_cell_changes("r", lambda facet, row: _cell_take(facet, row, ""))
    + "  IF TG_OP = 'UPDATE' THEN\n"
    "    r := NEW;\n"
    + _postgres_cell_changes("r", lambda facet, row: [_cell_add(facet, row, "", False)])
    + "  END IF;\n"
    "  RETURN NULL;\n"
    "END $$"
)
CELL_POSTGRES_FUNCTIONS = {"photo_cells_added": POSTGRES_CELLS_ADDED_FUNCTION, "photo_cells_changed": POSTGRES_CELLS_CHANGED_FUNCTION}
CELL_POSTGRES_TRIGGERS = {
    "photo_cells_after_insert": (
        "AFTER INSERT ON photo REFERENCING NEW TABLE AS new_photos FOR EACH STATEMENT EXECUTE FUNCTION photo_cells_added()"
    ),
    "photo_cells_after_delete": f"AFTER DELETE ON photo FOR EACH ROW WHEN ({positioned('OLD')}) EXECUTE FUNCTION photo_cells_changed()",
    "photo_cells_after_update": (
        f"AFTER UPDATE OF {', '.join(_CELL_COLUMNS)} ON photo FOR EACH ROW WHEN ("
        + " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in _CELL_COLUMNS)
        + ") EXECUTE FUNCTION photo_cells_changed()"
    ),
}


# Tags per map cell (the "tag" rows of ``photo_cell``, keyed by the tag's key): the tags of the
# positioned photos per kept cell, so that a map box alone takes its tag facet from the cells it
# holds whole (db/browse.py), as it takes its cameras and ratings. Europe at a million photos: the
# facet read the box's 150,000 ids from the geo index and joined the tags to them, 105 of SQLite's
# ~185 ms for the six facets. Kept as "gps:tag" is: when a tag is written to or taken from a
# positioned photo, when a photo moves (its owner, cell or position), and before a positioned photo
# is deleted (its tags go by cascade after the photo row, when their own trigger no longer finds it).
CELL_TAG = "tag"
_MOVED_COLUMNS = ("owner_id", "geo_cell", "gps_latitude", "gps_longitude")


def _its_tags(photo: str) -> str:
    return f"key IN (SELECT tag_key FROM photo_tag WHERE photo_id = {photo}.id)"


_TAGGED_PHOTO = "(SELECT {column} FROM photo WHERE id = old.photo_id)"
_TAG_CELL_MOVED = " OR ".join(f"{{old}}.{c} {{distinct}} {{new}}.{c}" for c in _MOVED_COLUMNS)
TAG_CELL_SQLITE_TRIGGERS = {
    "photo_tag_cells_after_insert": (
        f"AFTER INSERT ON photo_tag BEGIN {_add_to_cell('p', CELL_TAG, 'new.tag_key', 'p.id = new.photo_id AND ' + positioned('p'), True, 'photo p')}; END"
    ),
    "photo_tag_cells_after_delete": (
        f"AFTER DELETE ON photo_tag WHEN EXISTS (SELECT 1 FROM photo p WHERE p.id = old.photo_id AND {positioned('p')}) BEGIN "
        + "; ".join(_take_from_cell(lambda column: _TAGGED_PHOTO.format(column=column), CELL_TAG, "key = old.tag_key"))
        + "; END"
    ),
    "photo_tag_cells_before_photo_delete": (
        f"BEFORE DELETE ON photo WHEN {positioned('old')} BEGIN {'; '.join(_take_from_cell(_row('old'), CELL_TAG, _its_tags('old')))}; END"
    ),
    "photo_tag_cells_after_move": (
        f"AFTER UPDATE OF {', '.join(_MOVED_COLUMNS)} ON photo WHEN {_TAG_CELL_MOVED.format(old='old', new='new', distinct='IS NOT')} BEGIN "
        + "; ".join(_take_from_cell(_row("old"), CELL_TAG, _its_tags("old"), positioned("old")))
        + f"; {_add_to_cell('new', CELL_TAG, 't.tag_key', 't.photo_id = new.id AND ' + positioned('new'), True, 'photo_tag t')}; END"
    ),
}
POSTGRES_TAG_CELLS_ADDED_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_tag_cells_added() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    f"  {_CELL_INSERT}\n"
    f"  SELECT p.owner_id, '{CELL_TAG}', t.tag_key, p.geo_cell >> {KEPT_SHIFT}, {_cell_sums('p')}\n"
    f"  FROM new_tags t JOIN photo p ON p.id = t.photo_id WHERE {positioned('p')}\n"
    "  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4\n"
    f"  ON CONFLICT (owner_id, facet, key, cell) DO UPDATE SET {_cell_widened('photo_cell.', 'LEAST', 'GREATEST')};\n"
    "  RETURN NULL;\n"
    "END $$"
)
POSTGRES_TAG_CELLS_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_tag_cells() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "DECLARE r photo%ROWTYPE;\n"
    "BEGIN\n"
    "  IF TG_TABLE_NAME = 'photo_tag' THEN\n"
    "    SELECT * INTO r FROM photo WHERE id = OLD.photo_id;\n"
    f"    IF FOUND AND {positioned('r')} THEN\n"
    + "".join(f"      {statement};\n" for statement in _take_from_cell(_row("r"), CELL_TAG, "key = OLD.tag_key"))
    + "    END IF;\n"
    "  ELSE\n"
    f"    IF {positioned('OLD')} THEN\n"
    + "".join(f"      {statement};\n" for statement in _take_from_cell(_row("OLD"), CELL_TAG, _its_tags("OLD")))
    + "    END IF;\n"
    "    IF TG_OP = 'UPDATE' THEN\n"
    f"      {_add_to_cell('NEW', CELL_TAG, 't.tag_key', 't.photo_id = NEW.id AND ' + positioned('NEW'), False, 'photo_tag t')};\n"
    "    END IF;\n"
    "  END IF;\n"
    "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"  # a BEFORE DELETE trigger that returns NULL cancels the delete
    "  RETURN NULL;\n"
    "END $$"
)
TAG_CELL_POSTGRES_FUNCTIONS = {"photo_tag_cells_added": POSTGRES_TAG_CELLS_ADDED_FUNCTION, "photo_tag_cells": POSTGRES_TAG_CELLS_FUNCTION}
TAG_CELL_POSTGRES_TRIGGERS = {
    "photo_tag_cells_after_insert": (
        "AFTER INSERT ON photo_tag REFERENCING NEW TABLE AS new_tags FOR EACH STATEMENT EXECUTE FUNCTION photo_tag_cells_added()"
    ),
    "photo_tag_cells_after_delete": "AFTER DELETE ON photo_tag FOR EACH ROW EXECUTE FUNCTION photo_tag_cells()",
    "photo_tag_cells_before_photo_delete": f"BEFORE DELETE ON photo FOR EACH ROW WHEN ({positioned('OLD')}) EXECUTE FUNCTION photo_tag_cells()",
    "photo_tag_cells_after_move": (
        f"AFTER UPDATE OF {', '.join(_MOVED_COLUMNS)} ON photo FOR EACH ROW "
        f"WHEN ({_TAG_CELL_MOVED.format(old='OLD', new='NEW', distinct='IS DISTINCT FROM')}) EXECUTE FUNCTION photo_tag_cells()"
    ),
}


def create_tag_cell_triggers(conn: Connection) -> None:
    """(Re)create the triggers that keep the tags per map cell (and, on PostgreSQL, their functions)."""
    sqlite = conn.dialect.name == "sqlite"
    db_triggers.replace(conn, TAG_CELL_SQLITE_TRIGGERS if sqlite else TAG_CELL_POSTGRES_TRIGGERS, TAG_CELL_POSTGRES_FUNCTIONS.values())


def drop_tag_cell_triggers(conn: Connection) -> None:
    """Drop what :func:`create_tag_cell_triggers` made, and the rows it kept."""
    sqlite = conn.dialect.name == "sqlite"
    db_triggers.drop(conn, TAG_CELL_SQLITE_TRIGGERS if sqlite else TAG_CELL_POSTGRES_TRIGGERS, TAG_CELL_POSTGRES_FUNCTIONS)
    conn.execute(text(f"DELETE FROM photo_cell WHERE facet = '{CELL_TAG}'"))


def recount_tag_cells(conn: Connection) -> None:
    """Fill the tags per map cell afresh from the tags of the positioned photos."""
    cell = f"p.geo_cell >> {KEPT_SHIFT}"
    conn.execute(text(f"DELETE FROM photo_cell WHERE facet = '{CELL_TAG}'"))
    conn.execute(
        text(
            f"{_CELL_INSERT} SELECT p.owner_id, '{CELL_TAG}', t.tag_key, {cell}, {_cell_sums('p')} "
            f"FROM photo_tag t JOIN photo p ON p.id = t.photo_id WHERE {positioned('p')} GROUP BY p.owner_id, t.tag_key, {cell}"
        )
    )


def create_cell_triggers(conn: Connection) -> None:
    """(Re)create the triggers that keep ``photo_cell`` (and, on PostgreSQL, their functions)."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.execute(text(SQLITE_COUNTING_BATCH))  # read by the photo insert trigger
    db_triggers.replace(conn, CELL_SQLITE_TRIGGERS if sqlite else CELL_POSTGRES_TRIGGERS, CELL_POSTGRES_FUNCTIONS.values())


def recount_cells(conn: Connection) -> None:
    """Fill ``photo_cell`` afresh from the photos (grouped along the map's geo index)."""
    conn.execute(text("DELETE FROM photo_cell"))
    for facet in CELL_FACETS:
        key = _cell_key(facet, "photo")
        cell = f"photo.geo_cell >> {KEPT_SHIFT}"
        groups = f"owner_id, {key}, {cell}" if facet else f"owner_id, {cell}"  # PostgreSQL refuses a constant
        conn.execute(
            text(
                f"{_CELL_INSERT} SELECT owner_id, '{facet}', {key}, {cell}, {_cell_sums('photo')} "
                f"FROM photo WHERE {_in_cell_scope(facet, 'photo')} GROUP BY {groups}"
            )
        )


def recount(conn: Connection) -> None:
    """Count every owner's photos per day, per facet value, per map cell and per range value afresh
    (from the indexes), and raise every library's version (db/changes.py): what was kept may
    predate writes made without the triggers."""
    sqlite = conn.dialect.name == "sqlite"
    tables = _tables(conn)
    if changes.TABLE in tables:
        changes.raise_all(conn)
    if "photo_cell" in tables:
        recount_cells(conn)
        recount_tag_cells(conn)
    if range_counts.TABLE in tables:
        range_counts.recount(conn)
    day = "substr(photo.taken_at, 1, 10)" if sqlite else "CAST(photo.taken_at AS DATE)"
    conn.execute(text("DELETE FROM photo_day"))
    conn.execute(
        text(
            f"INSERT INTO photo_day (owner_id, day, photos) SELECT owner_id, {day}, count(*) FROM photo "
            f"WHERE {day} IS NOT NULL GROUP BY owner_id, {day}"
        )
    )
    conn.execute(text("DELETE FROM photo_facet"))
    for counted in COUNTED:
        key = counted.key("photo", sqlite)
        value = key if counted.spelled_by_key else f"min({counted.value('photo', sqlite)})"
        # Grouped by what each index is ordered by, so the groups stream out of it unsorted.
        group = "photo.rating" if counted.facet == "rating" else key
        groups = "owner_id" if key == "''" else f"owner_id, {group}"  # PostgreSQL refuses a constant
        conn.execute(
            text(
                f"INSERT INTO photo_facet (owner_id, facet, key, value, photos) SELECT owner_id, '{counted.facet}', {key}, "
                f"{value}, count(*) FROM photo WHERE {counted.condition('photo')} GROUP BY {groups}"
            )
        )
    conn.execute(
        text(
            f"INSERT INTO photo_facet (owner_id, facet, key, value, photos) SELECT t.owner_id, '{_GPS_TAG}', t.tag_key, min(t.tag), "
            f"count(*) FROM photo_tag t JOIN photo ON photo.id = t.photo_id WHERE {gps_condition('photo')} GROUP BY t.owner_id, t.tag_key"
        )
    )


# SQLite has no statement triggers: a batch of new photos is counted by its writer
# (``counted_together``), one grouped upsert per count table, where the row triggers ran ~44
# upserts per photo. The statements read the batch as ``new_photos`` (the name of PostgreSQL's
# transition table) and, for the facets, as its sets of alike photos (``new_alike``, as
# PostgreSQL's triggers do); they count as the row triggers do, and a new count row takes the
# spelling of its first photo (SQLite's bare column beside the one min()). benchmarks/
# import_phases.py, 1,500 groups at load 2, CPU per batch of 100: photo insert 10.4-10.6 -> 9.2-9.3 ms
# (7.1 with no counting at all), these statements 1.5 ms of it. The library's version (db/changes.py)
# is still raised and logged by its row trigger.
_SQLITE_FACET_ARMS = " UNION ALL ".join(
    f"SELECT n.owner_id, '{c.facet}' AS facet, {c.key('n', True)} AS key, {c.value('n', True)} AS value, min(n.id), "
    f"sum(n.photos) AS photos FROM new_alike n WHERE {c.condition('n')} GROUP BY n.owner_id, {c.key('n', True)}"
    for c in COUNTED
)
_SQLITE_CELL_ARMS = " UNION ALL ".join(
    f"SELECT n.owner_id, '{f}', {_cell_key(f, 'n')}, n.geo_cell >> {KEPT_SHIFT}, {_cell_sums('n')} "
    f"FROM new_photos n WHERE {_in_cell_scope(f, 'n')} GROUP BY n.owner_id, {_cell_key(f, 'n')}, n.geo_cell >> {KEPT_SHIFT}"
    for f in CELL_FACETS
)
_NEW_PHOTOS = (  # each read once per statement, not once per kind of row
    f"WITH new_photos AS MATERIALIZED (SELECT {', '.join(sorted({'id', *_COUNTED_COLUMNS, *_CELL_COLUMNS, *range_counts.COLUMNS}))} "
    "FROM photo WHERE id IN (SELECT value FROM json_each(:new_photos))), new_alike AS MATERIALIZED "
    + range_counts.alike_new_photos(("owner_id", *dict.fromkeys((*FACETS, *range_counts.RANGES))), gps_condition("new_photos"), True)
    + " "
)
SQLITE_ADDED = [
    text(_NEW_PHOTOS + statement)
    for statement in (
        f"INSERT INTO photo_day (owner_id, day, photos) SELECT owner_id, {_sqlite_day('new_photos')}, count(*) FROM new_photos "
        "WHERE taken_at IS NOT NULL GROUP BY 1, 2 ON CONFLICT (owner_id, day) DO UPDATE SET photos = photos + excluded.photos",
        f"INSERT INTO photo_facet (owner_id, facet, key, value, photos) SELECT owner_id, facet, key, value, photos "
        f"FROM ({_SQLITE_FACET_ARMS}) WHERE true ON CONFLICT (owner_id, facet, key) DO UPDATE SET photos = photos + excluded.photos",
        f"{_CELL_INSERT} SELECT * FROM ({_SQLITE_CELL_ARMS}) WHERE true "
        f"ON CONFLICT (owner_id, facet, key, cell) DO UPDATE SET {_cell_widened('', 'min', 'max')}",
        range_counts.SQLITE_ADDED,
    )
]


@contextmanager
def counted_together(conn: Connection) -> Iterator[list[int]]:
    """Count the photos inserted inside the block, whose ids the caller adds to the list given,
    together after it: on SQLite the row insert triggers skip them meanwhile (a row in
    ``counting_batch``, which never commits); PostgreSQL's statement triggers group a statement's
    photos by themselves."""
    ids: list[int] = []
    if conn.dialect.name != "sqlite":
        yield ids
        return
    conn.execute(text(f"INSERT INTO {COUNTING_BATCH} (writer) VALUES (1)"))
    try:
        yield ids
    finally:  # whatever the block did: no later insert of this transaction goes uncounted
        conn.execute(text(f"DELETE FROM {COUNTING_BATCH}"))
    if ids:
        for statement, parameters in sqlite_added(ids):
            conn.exec_driver_sql(statement, parameters)


def sqlite_added(photo_ids: list[int]) -> list[tuple[str, dict[str, str]]]:
    """The statements that count photos inserted inside :func:`counted_together` (SQLite), as SQL
    and parameters for the driver: run once the photos are in, by the caller or a thread of its."""
    parameters = {"new_photos": json.dumps(photo_ids)}
    return [(statement.text, parameters) for statement in SQLITE_ADDED]


POSTGRES_FUNCTIONS = {
    "photo_counts": POSTGRES_FUNCTION,
    "photo_counts_added": POSTGRES_ADDED_FUNCTION,
    "photo_tag_counts": POSTGRES_TAG_FUNCTION,
    "photo_tag_counts_added": POSTGRES_TAGS_ADDED_FUNCTION,
}
"""The functions PostgreSQL's count triggers call, by name (as db/range_counts.py and db/changes.py keep theirs)."""


def create_postgres_functions(conn: Connection) -> None:
    """(Re)define the functions PostgreSQL's count triggers call."""
    for function in POSTGRES_FUNCTIONS.values():
        conn.execute(text(function))


def _tables(conn: Connection) -> set[str]:
    """The tables there are: a database kept at an earlier revision lacks the later count tables."""
    return set(inspect(conn).get_table_names())


def ensure_counts(conn: Connection) -> None:
    """Make sure the triggers that keep the counts exist; recount when one was missing."""
    sqlite = conn.dialect.name == "sqlite"
    tables = _tables(conn)
    if not {"photo_day", "photo_facet"} <= tables:  # a database kept at a revision before the counts
        return
    if sqlite:
        existing = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        triggers = dict(SQLITE_TRIGGERS)
    else:
        table_of = dict(
            conn.execute(
                text(
                    "SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
                    "WHERE tgrelid IN ('photo'::regclass, 'photo_tag'::regclass) AND NOT tgisinternal"
                )
            ).all()
        )
        existing = set(table_of)
        triggers = dict(POSTGRES_TRIGGERS)
    functions = dict(POSTGRES_FUNCTIONS)  # PostgreSQL's, for the triggers gathered beside them
    if "photo_cell" in tables:
        triggers.update(CELL_SQLITE_TRIGGERS if sqlite else CELL_POSTGRES_TRIGGERS)
        triggers.update(TAG_CELL_SQLITE_TRIGGERS if sqlite else TAG_CELL_POSTGRES_TRIGGERS)
        functions.update(CELL_POSTGRES_FUNCTIONS)
        functions.update(TAG_CELL_POSTGRES_FUNCTIONS)
    if range_counts.TABLE in tables:
        triggers.update(range_counts.triggers(sqlite))
        functions.update(range_counts.POSTGRES_FUNCTIONS)
    if changes.TABLE in tables:
        triggers.update(changes.triggers(sqlite))
        functions.update(changes.POSTGRES_FUNCTIONS)
    missing = [name for name in triggers if name not in existing]
    if not missing:
        return
    for name in RETIRED_TRIGGERS:
        if name in existing:
            conn.execute(text(f"DROP TRIGGER {name}" + ("" if sqlite else f" ON {table_of[name]}")))
    if sqlite:
        conn.execute(text(SQLITE_COUNTING_BATCH))  # read by the photo insert triggers
    else:
        for function in functions.values():
            conn.execute(text(function))
    for name in missing:
        conn.execute(text(f"CREATE TRIGGER {name} {triggers[name]}"))
    recount(conn)


def drop_counts(conn: Connection) -> None:
    """Drop every count trigger from the table it is on, and PostgreSQL's functions behind them.

    For a downgrade below the counts (0004): a trigger's table is read from its own definition,
    since tag triggers sit on ``photo_tag`` and the rest on ``photo``.
    """
    sqlite = conn.dialect.name == "sqlite"
    for name in RETIRED_TRIGGERS:
        table = "photo_tag" if name.startswith("photo_tag") else "photo"
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}" + ("" if sqlite else f" ON {table}")))
    db_triggers.drop(conn, SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS, POSTGRES_FUNCTIONS)
    if sqlite:
        conn.execute(text(f"DROP TABLE IF EXISTS {COUNTING_BATCH}"))
