"""Facet counts kept per value of a range filter's column: the filter menus under an ISO, aperture,
focal length or rating range are sums of a few kept rows.

A range filter has no driver when its matches are many ("ISO 800-3200": a quarter of a library),
and each facet then streamed its whole index (1,000,000 entries at a million photos, 330-990 ms for
the six). These columns hold few values (standard stops, ratings 0-5), so ``photo_range_facet``
keeps, per owner, range column (``by_column``) and value (``at_value``), the photos per camera make, model, lens, rating,
capture day and tag (``key`` as the facets compare it, ``value`` a spelling photos use): a range
is the sum of its values' rows. Triggers keep them as ``photo_facet`` is kept (db/counts.py),
whoever writes: rows by photo, and tags by tag (a tag written, a photo's range value changed, a
photo deleted before its tags go by cascade).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from imalink.db import triggers as db_triggers
from imalink.db.tables import SQLITE_COUNTING_BATCH, SQLITE_UNLESS_COUNTING_BATCH

RANGES = ("iso", "aperture", "focal_length", "rating")
"""The range filters' columns (few values each) whose values the counts are kept by."""
DAY = "day"
"""Photos per local capture day (key "YYYY-MM-DD", "" for the undated): the timeline under a range,
and its years."""
PHOTO_FACETS = ("camera_make", "camera_model", "lens_model", "rating", DAY)
TAG = "tag"
COLUMNS = ("owner_id", "taken_at", "camera_make", "camera_model", "lens_model", *RANGES)
"""What the counts of a photo depend on (``rating`` is both a range and a facet)."""
TABLE = "photo_range_facet"
_INSERT = f"INSERT INTO {TABLE} (owner_id, by_column, facet, at_value, key, value, photos)"
_KEY = "(owner_id, by_column, facet, at_value, key)"


@dataclass(frozen=True)
class Kept:
    """One kind of row: a range column's value against a photo facet."""

    range: str
    facet: str

    def key(self, row: str, sqlite: bool) -> str:
        if self.facet == "rating":
            return f"CAST({row}.rating AS TEXT)"
        if self.facet == DAY:  # the local capture day as the timeline counts it; "" undated
            day = f"substr({row}.taken_at, 1, 10)" if sqlite else f"to_char({row}.taken_at, 'YYYY-MM-DD')"
            return f"coalesce({day}, '')"
        return f"lower({row}.{self.facet})"

    def value(self, row: str, sqlite: bool) -> str:
        return f"{row}.{self.facet}" if self.facet not in ("rating", DAY) else self.key(row, sqlite)

    def condition(self, row: str) -> str:
        if self.facet == DAY:  # undated photos too
            return f"{row}.{self.range} IS NOT NULL"
        return f"{row}.{self.range} IS NOT NULL AND {row}.{self.facet} IS NOT NULL"

    def where(self, row: str, sqlite: bool) -> str:
        """The row this photo counts in (for taking it away)."""
        return (
            f"owner_id = {row}.owner_id AND by_column = '{self.range}' AND facet = '{self.facet}' "
            f"AND at_value = {row}.{self.range} AND key = {self.key(row, sqlite)} AND {self.condition(row)}"
        )


KEPT = [Kept(r, f) for r in RANGES for f in PHOTO_FACETS if f != r]


def _add(row: str, sqlite: bool) -> list[str]:
    return [
        f"{_INSERT} SELECT {row}.owner_id, '{k.range}', '{k.facet}', {row}.{k.range}, {k.key(row, sqlite)}, "
        f"{k.value(row, sqlite)}, 1 WHERE {k.condition(row)} ON CONFLICT {_KEY} DO UPDATE SET photos = {TABLE}.photos + 1"
        for k in KEPT
    ]


def _take(row: str, sqlite: bool) -> list[str]:
    statements = []
    for k in KEPT:
        where = k.where(row, sqlite)
        statements += [f"UPDATE {TABLE} SET photos = photos - 1 WHERE {where}", f"DELETE FROM {TABLE} WHERE {where} AND photos <= 0"]
    return statements


# Tags: a photo's tags counted at each of its range values.
def _add_tag(range_: str, least: str) -> str:
    return (
        f"{_INSERT} SELECT new.owner_id, '{range_}', '{TAG}', photo.{range_}, new.tag_key, new.tag, 1 FROM photo "
        f"WHERE photo.id = new.photo_id AND photo.{range_} IS NOT NULL ON CONFLICT {_KEY} "
        f"DO UPDATE SET photos = {TABLE}.photos + 1, value = {least}({TABLE}.value, excluded.value)"
    )


def _take_tag(range_: str, row: str) -> list[str]:
    where = (
        f"owner_id = {row}.owner_id AND by_column = '{range_}' AND facet = '{TAG}' "
        f"AND at_value = (SELECT photo.{range_} FROM photo WHERE photo.id = {row}.photo_id) AND key = {row}.tag_key"
    )
    return [f"UPDATE {TABLE} SET photos = photos - 1 WHERE {where}", f"DELETE FROM {TABLE} WHERE {where} AND photos <= 0"]


def _take_photo_tags(range_: str, row: str) -> list[str]:
    where = (
        f"owner_id = {row}.owner_id AND by_column = '{range_}' AND facet = '{TAG}' AND at_value = {row}.{range_} "
        f"AND key IN (SELECT tag_key FROM photo_tag WHERE photo_tag.photo_id = {row}.id)"
    )
    return [f"UPDATE {TABLE} SET photos = photos - 1 WHERE {where}", f"DELETE FROM {TABLE} WHERE {where} AND photos <= 0"]


def _add_photo_tags(range_: str, row: str, least: str) -> str:
    return (
        f"{_INSERT} SELECT t.owner_id, '{range_}', '{TAG}', {row}.{range_}, t.tag_key, t.tag, 1 FROM photo_tag t "
        f"WHERE t.photo_id = {row}.id AND {row}.{range_} IS NOT NULL ON CONFLICT {_KEY} "
        f"DO UPDATE SET photos = {TABLE}.photos + 1, value = {least}({TABLE}.value, excluded.value)"
    )


_CHANGED_SQLITE = " OR ".join(f"old.{c} IS NOT new.{c}" for c in COLUMNS)
_TAGS_MOVED_SQLITE = " OR ".join(f"old.{c} IS NOT new.{c}" for c in ("owner_id", *RANGES))


def _sqlite_tags_moved() -> str:
    statements = []
    for r in RANGES:
        statements += [*_take_photo_tags(r, "old"), _add_photo_tags(r, "new", "min")]
    return "; ".join(statements)


SQLITE_TRIGGERS = {
    "photo_range_counts_after_insert": f"AFTER INSERT ON photo {SQLITE_UNLESS_COUNTING_BATCH} BEGIN {'; '.join(_add('new', True))}; END",
    "photo_range_counts_after_delete": f"AFTER DELETE ON photo BEGIN {'; '.join(_take('old', True))}; END",
    "photo_range_counts_after_update": (
        f"AFTER UPDATE OF {', '.join(COLUMNS)} ON photo WHEN {_CHANGED_SQLITE} "
        f"BEGIN {'; '.join([*_take('old', True), *_add('new', True)])}; END"
    ),
    # Before the photo row goes: its tags go by cascade after it, when their trigger finds no photo.
    "photo_range_tags_before_photo_delete": (
        f"BEFORE DELETE ON photo BEGIN {'; '.join(s for r in RANGES for s in _take_photo_tags(r, 'old'))}; END"
    ),
    "photo_range_tags_after_photo_update": (
        f"AFTER UPDATE OF owner_id, {', '.join(RANGES)} ON photo WHEN {_TAGS_MOVED_SQLITE} BEGIN {_sqlite_tags_moved()}; END"
    ),
    "photo_range_tags_after_insert": f"AFTER INSERT ON photo_tag BEGIN {'; '.join(_add_tag(r, 'min') for r in RANGES)}; END",
    "photo_range_tags_after_delete": f"AFTER DELETE ON photo_tag BEGIN {'; '.join(s for r in RANGES for s in _take_tag(r, 'old'))}; END",
}


# SQLite: a batch of new photos its writer counts together (db/counts.py ``counted_together``), as
# the alike sets of ``alike_new_photos`` (``new_alike``); a new row takes the spelling of its first
# photo (SQLite's bare column beside the one min()), as row by row.
_SQLITE_ARMS = " UNION ALL ".join(
    f"SELECT n.owner_id, '{k.range}' AS by_column, '{k.facet}' AS facet, n.{k.range} AS at_value, {k.key('n', True)} AS key, "
    f"{k.value('n', True)} AS value, min(n.id), sum(n.photos) AS photos FROM new_alike n WHERE {k.condition('n')} "
    f"GROUP BY n.owner_id, n.{k.range}, {k.key('n', True)}"
    for k in KEPT
)
SQLITE_ADDED = (
    f"{_INSERT} SELECT owner_id, by_column, facet, at_value, key, value, photos FROM ({_SQLITE_ARMS}) WHERE true "
    f"ON CONFLICT {_KEY} DO UPDATE SET photos = {TABLE}.photos + excluded.photos"
)


def _plpgsql(statements: list[str]) -> str:
    return "".join(f"    {s};\n" for s in statements)


def _postgres_take_add(row: str, add: bool) -> str:
    """plpgsql: the photo ``row`` counted in (``add``) or taken out of each kind of row."""
    lines = []
    for k, added in zip(KEPT, _add(row, False), strict=True):
        where = k.where(row, False)
        statements = [added] if add else [f"UPDATE {TABLE} SET photos = photos - 1 WHERE {where}", f"DELETE FROM {TABLE} WHERE {where} AND photos <= 0"]
        lines.append(f"    IF {k.condition(row)} THEN\n" + "".join(f"      {s};\n" for s in statements) + "    END IF;\n")
    return "".join(lines)


POSTGRES_CHANGED_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_range_counts() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "DECLARE r photo%ROWTYPE;\n"
    "BEGIN\n"
    "  IF TG_TABLE_NAME = 'photo_tag' THEN\n"
    + _plpgsql([s for rng in RANGES for s in _take_tag(rng, "OLD")])
    + "    RETURN NULL;\n"
    "  END IF;\n"
    "  IF TG_WHEN = 'BEFORE' THEN\n"  # a photo deleted: its tags, before they go by cascade
    + _plpgsql([s for rng in RANGES for s in _take_photo_tags(rng, "OLD")])
    + "    RETURN OLD;\n"  # a BEFORE DELETE trigger that returns NULL cancels the delete
    "  END IF;\n"
    "  r := OLD;\n"
    + _postgres_take_add("r", False)
    + "  IF TG_OP = 'UPDATE' THEN\n"
    "    r := NEW;\n"
    + _postgres_take_add("r", True)
    + "".join(
        f"    IF OLD.{rng} IS DISTINCT FROM NEW.{rng} OR OLD.owner_id IS DISTINCT FROM NEW.owner_id THEN\n"
        + "".join(f"      {s};\n" for s in _take_photo_tags(rng, "OLD"))
        + f"      {_add_photo_tags(rng, 'NEW', 'LEAST')};\n"
        "    END IF;\n"
        for rng in RANGES
    )
    + "  END IF;\n"
    "  RETURN NULL;\n"
    "END $$"
)


def alike_new_photos(columns: tuple[str, ...], positioned: str | None = None, sqlite: bool = False) -> str:
    """A statement's new photos (the transition table ``new_photos``) as one row per set of photos
    alike in ``columns``, capture day (and ``positioned``, a test of ``new_photos``' position), for
    the statement-level count triggers: ``photos`` counts them, ``id`` is their first (the spelling
    a new count row takes) and ``taken_at`` (and ``gps_latitude``) their least, which falls on the
    same day (and the same side of the position test) as each of theirs, so every count expression
    over a row reads as over each of its photos. A batch of 100 photos from a few cameras and days
    is a few such rows, where the kinds of count row per photo made ~1,900 rows to evaluate and
    sort (the database's CPU for ``photo_range_facet``: 10.5 -> 3.5 ms a batch of
    benchmarks/import_bench.py). SQLite's batches are counted from these rows too (db/counts.py)."""
    grouped = ", ".join(columns)
    day = "substr(taken_at, 1, 10)" if sqlite else "CAST(taken_at AS DATE)"
    least = ["min(taken_at) AS taken_at", *(["min(gps_latitude) AS gps_latitude"] if positioned else []), "min(id) AS id"]
    return (
        f"(SELECT {grouped}, {', '.join(least)}, count(*) AS photos FROM new_photos "
        f"GROUP BY {grouped}, {day}{f', {positioned}' if positioned else ''})"
    )


# A statement's new photos (an import batch) and new tags counted together, as db/counts.py does.
_ROWS = ", ".join(
    f"('{k.range}', '{k.facet}', CAST(n.{k.range} AS double precision), CAST({k.key('n', False)} AS text), "
    f"CAST({k.value('n', False)} AS text), {k.condition('n')})"
    for k in KEPT
)
POSTGRES_ADDED_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_range_counts_added() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    f"  {_INSERT}\n"
    "  SELECT n.owner_id, f.by_column, f.facet, f.at_value, f.key, (array_agg(f.value ORDER BY n.id))[1], sum(n.photos)\n"
    f"  FROM {alike_new_photos(('owner_id', 'camera_make', 'camera_model', 'lens_model', *RANGES))} n\n"
    f"  CROSS JOIN LATERAL (VALUES {_ROWS}) AS f (by_column, facet, at_value, key, value, counted)\n"
    "  WHERE f.counted GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5\n"
    f"  ON CONFLICT {_KEY} DO UPDATE SET photos = {TABLE}.photos + excluded.photos;\n"
    "  RETURN NULL;\n"
    "END $$"
)
_TAG_ROWS = ", ".join(f"('{r}', CAST(p.{r} AS double precision))" for r in RANGES)
POSTGRES_TAGS_ADDED_FUNCTION = (
    "CREATE OR REPLACE FUNCTION photo_range_tags_added() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    f"  {_INSERT}\n"
    f"  SELECT t.owner_id, f.by_column, '{TAG}', f.at_value, t.tag_key, min(t.tag), count(*)\n"
    f"  FROM new_tags t JOIN photo p ON p.id = t.photo_id CROSS JOIN LATERAL (VALUES {_TAG_ROWS}) AS f (by_column, at_value)\n"
    "  WHERE f.at_value IS NOT NULL GROUP BY 1, 2, 4, 5 ORDER BY 1, 2, 4, 5\n"
    f"  ON CONFLICT {_KEY} DO UPDATE SET photos = {TABLE}.photos + excluded.photos, value = LEAST({TABLE}.value, excluded.value);\n"
    "  RETURN NULL;\n"
    "END $$"
)
POSTGRES_FUNCTIONS = {
    "photo_range_counts": POSTGRES_CHANGED_FUNCTION,
    "photo_range_counts_added": POSTGRES_ADDED_FUNCTION,
    "photo_range_tags_added": POSTGRES_TAGS_ADDED_FUNCTION,
}
POSTGRES_TRIGGERS = {
    "photo_range_counts_after_insert": (
        "AFTER INSERT ON photo REFERENCING NEW TABLE AS new_photos FOR EACH STATEMENT EXECUTE FUNCTION photo_range_counts_added()"
    ),
    "photo_range_counts_after_delete": "AFTER DELETE ON photo FOR EACH ROW EXECUTE FUNCTION photo_range_counts()",
    "photo_range_counts_after_update": (
        f"AFTER UPDATE OF {', '.join(COLUMNS)} ON photo FOR EACH ROW WHEN ("
        + " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COLUMNS)
        + ") EXECUTE FUNCTION photo_range_counts()"
    ),
    "photo_range_tags_before_photo_delete": "BEFORE DELETE ON photo FOR EACH ROW EXECUTE FUNCTION photo_range_counts()",
    "photo_range_tags_after_insert": (
        "AFTER INSERT ON photo_tag REFERENCING NEW TABLE AS new_tags FOR EACH STATEMENT EXECUTE FUNCTION photo_range_tags_added()"
    ),
    "photo_range_tags_after_delete": "AFTER DELETE ON photo_tag FOR EACH ROW EXECUTE FUNCTION photo_range_counts()",
}


def create_triggers(conn: Connection) -> None:
    """(Re)create the triggers that keep ``photo_range_facet`` (and PostgreSQL's functions)."""
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.execute(text(SQLITE_COUNTING_BATCH))  # read by the photo insert trigger
    db_triggers.replace(conn, SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS, POSTGRES_FUNCTIONS.values())


def drop_triggers(conn: Connection) -> None:
    db_triggers.drop(conn, SQLITE_TRIGGERS if conn.dialect.name == "sqlite" else POSTGRES_TRIGGERS, POSTGRES_FUNCTIONS)


def recount(conn: Connection) -> None:
    """Fill ``photo_range_facet`` afresh from the photos and tags."""
    sqlite = conn.dialect.name == "sqlite"
    conn.execute(text(f"DELETE FROM {TABLE}"))
    for k in KEPT:
        key = k.key("photo", sqlite)
        spelled = key if k.facet in ("rating", DAY) else f"min({k.value('photo', sqlite)})"
        conn.execute(
            text(
                f"{_INSERT} SELECT owner_id, '{k.range}', '{k.facet}', {k.range}, {key}, {spelled}, count(*) FROM photo "
                f"WHERE {k.condition('photo')} GROUP BY owner_id, {k.range}, {key}"
            )
        )
    for r in RANGES:
        conn.execute(
            text(
                f"{_INSERT} SELECT t.owner_id, '{r}', '{TAG}', photo.{r}, t.tag_key, min(t.tag), count(*) "
                f"FROM photo_tag t JOIN photo ON photo.id = t.photo_id WHERE photo.{r} IS NOT NULL GROUP BY t.owner_id, photo.{r}, t.tag_key"
            )
        )


def triggers(sqlite: bool) -> dict[str, str]:
    return SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS


__all__ = ["DAY", "KEPT", "PHOTO_FACETS", "RANGES", "TAG", "create_triggers", "drop_triggers", "recount", "triggers"]
