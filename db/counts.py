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

from sqlalchemy import Connection, text

FACETS = ("camera_make", "camera_model", "lens_model", "rating")
"""What ``photo_facet`` counts per value (text compared case-insensitively, as the filters do)."""


def _sqlite_day(row: str) -> str:
    return f"substr({row}.taken_at, 1, 10)"


def _sqlite_key(row: str, facet: str) -> str:
    return f"CAST({row}.rating AS TEXT)" if facet == "rating" else f"lower({row}.{facet})"


def _sqlite_value(row: str, facet: str) -> str:
    return f"CAST({row}.rating AS TEXT)" if facet == "rating" else f"{row}.{facet}"


def _sqlite_add(row: str) -> list[str]:
    statements = [
        f"INSERT INTO photo_day (owner_id, day, photos) SELECT {row}.owner_id, {_sqlite_day(row)}, 1 "
        f"WHERE {row}.taken_at IS NOT NULL ON CONFLICT (owner_id, day) DO UPDATE SET photos = photos + 1"
    ]
    for facet in FACETS:
        statements.append(
            f"INSERT INTO photo_facet (owner_id, facet, key, value, photos) SELECT {row}.owner_id, '{facet}', "
            f"{_sqlite_key(row, facet)}, {_sqlite_value(row, facet)}, 1 WHERE {row}.{facet} IS NOT NULL "
            "ON CONFLICT (owner_id, facet, key) DO UPDATE SET photos = photos + 1"
        )
    return statements


def _sqlite_take(row: str) -> list[str]:
    day = f"owner_id = {row}.owner_id AND day = {_sqlite_day(row)}"
    statements = [f"UPDATE photo_day SET photos = photos - 1 WHERE {day}", f"DELETE FROM photo_day WHERE {day} AND photos <= 0"]
    for facet in FACETS:
        where = f"owner_id = {row}.owner_id AND facet = '{facet}' AND key = {_sqlite_key(row, facet)}"
        statements += [f"UPDATE photo_facet SET photos = photos - 1 WHERE {where}", f"DELETE FROM photo_facet WHERE {where} AND photos <= 0"]
    return statements


_COUNTED = ("taken_at", "owner_id", *FACETS)
_CHANGED = " OR ".join(f"old.{column} IS NOT new.{column}" for column in _COUNTED)
SQLITE_TRIGGERS = {
    "photo_counts_after_insert": f"AFTER INSERT ON photo BEGIN {'; '.join(_sqlite_add('new'))}; END",
    "photo_counts_after_delete": f"AFTER DELETE ON photo BEGIN {'; '.join(_sqlite_take('old'))}; END",
    "photo_counts_after_update": (
        f"AFTER UPDATE OF {', '.join(_COUNTED)} ON photo WHEN {_CHANGED} "
        f"BEGIN {'; '.join([*_sqlite_take('old'), *_sqlite_add('new')])}; END"
    ),
}

_PG_KEY = {facet: ("CAST(r.rating AS TEXT)" if facet == "rating" else f"lower(r.{facet})") for facet in FACETS}
_PG_VALUE = {facet: ("CAST(r.rating AS TEXT)" if facet == "rating" else f"r.{facet}") for facet in FACETS}
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
        f"    IF r.{facet} IS NOT NULL THEN\n"
        f"      UPDATE photo_facet SET photos = photos - 1 WHERE owner_id = r.owner_id AND facet = '{facet}' AND key = {_PG_KEY[facet]};\n"
        f"      DELETE FROM photo_facet WHERE owner_id = r.owner_id AND facet = '{facet}' AND key = {_PG_KEY[facet]} AND photos <= 0;\n"
        "    END IF;\n"
        for facet in FACETS
    )
    + "  END IF;\n"
    "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
    "    r := NEW;\n"
    "    IF r.taken_at IS NOT NULL THEN\n"
    "      INSERT INTO photo_day (owner_id, day, photos) VALUES (r.owner_id, CAST(r.taken_at AS DATE), 1)\n"
    "      ON CONFLICT (owner_id, day) DO UPDATE SET photos = photo_day.photos + 1;\n"
    "    END IF;\n"
    + "".join(
        f"    IF r.{facet} IS NOT NULL THEN\n"
        f"      INSERT INTO photo_facet (owner_id, facet, key, value, photos) VALUES (r.owner_id, '{facet}', {_PG_KEY[facet]}, {_PG_VALUE[facet]}, 1)\n"
        "      ON CONFLICT (owner_id, facet, key) DO UPDATE SET photos = photo_facet.photos + 1;\n"
        "    END IF;\n"
        for facet in FACETS
    )
    + "  END IF;\n"
    "  RETURN NULL;\n"
    "END $$"
)
POSTGRES_TRIGGERS = {
    "photo_counts_after_insert_delete": "AFTER INSERT OR DELETE ON photo FOR EACH ROW EXECUTE FUNCTION photo_counts()",
    "photo_counts_after_update": (
        f"AFTER UPDATE OF {', '.join(_COUNTED)} ON photo FOR EACH ROW WHEN ("
        + " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in _COUNTED)
        + ") EXECUTE FUNCTION photo_counts()"
    ),
}


def recount(conn: Connection) -> None:
    """Count every owner's photos per day and per facet value afresh (from the indexes)."""
    sqlite = conn.dialect.name == "sqlite"
    day = "substr(photo.taken_at, 1, 10)" if sqlite else "CAST(photo.taken_at AS DATE)"
    conn.execute(text("DELETE FROM photo_day"))
    conn.execute(
        text(
            f"INSERT INTO photo_day (owner_id, day, photos) SELECT owner_id, {day}, count(*) FROM photo "
            f"WHERE {day} IS NOT NULL GROUP BY owner_id, {day}"
        )
    )
    conn.execute(text("DELETE FROM photo_facet"))
    for facet in FACETS:
        # Grouped by what each index is ordered by, so the groups stream out of it unsorted.
        key = "CAST(photo.rating AS TEXT)" if facet == "rating" else f"lower(photo.{facet})"
        value = key if facet == "rating" else f"min(photo.{facet})"
        group = "photo.rating" if facet == "rating" else key
        conn.execute(
            text(
                f"INSERT INTO photo_facet (owner_id, facet, key, value, photos) SELECT owner_id, '{facet}', {key}, "
                f"{value}, count(*) FROM photo WHERE photo.{facet} IS NOT NULL GROUP BY owner_id, {group}"
            )
        )


def ensure_counts(conn: Connection) -> None:
    """Make sure the triggers that keep the counts exist; recount when one was missing."""
    sqlite = conn.dialect.name == "sqlite"
    has_tables = conn.execute(
        text("SELECT count(*) = 2 FROM sqlite_master WHERE name IN ('photo_day', 'photo_facet')")
        if sqlite
        else text("SELECT to_regclass('photo_day') IS NOT NULL AND to_regclass('photo_facet') IS NOT NULL")
    ).scalar()
    if not has_tables:  # a database kept at a revision before the counts
        return
    if sqlite:
        existing = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        triggers = SQLITE_TRIGGERS
    else:
        existing = set(
            conn.execute(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'photo'::regclass AND NOT tgisinternal")).scalars()
        )
        triggers = POSTGRES_TRIGGERS
    missing = [name for name in triggers if name not in existing]
    if not missing:
        return
    if not sqlite:
        conn.execute(text(POSTGRES_FUNCTION))
    for name in missing:
        conn.execute(text(f"CREATE TRIGGER {name} {triggers[name]}"))
    recount(conn)
