"""Text search: what a photo's search text holds, how a query splits into terms, and the index.

One rule on both databases: a photo matches when every term of the query occurs in its title,
description, tags or file names, anywhere in a word and in any case ("ice" finds "Iceland" and
"IMG_ICE.JPG"). The text is kept lowercased in ``photo.search_text``; SQLite indexes it with an
FTS5 trigram table kept in step by triggers, PostgreSQL with a pg_trgm GIN index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, text

MAX_TERMS = 8
MAX_TERM_LENGTH = 100
TRIGRAM = 3
"""Terms shorter than a trigram cannot use the index: they are checked row by row."""

SQLITE_FTS_TABLE = "photo_search"
SQLITE_TRIGGERS = {
    "photo_search_after_insert": (
        "AFTER INSERT ON photo BEGIN "
        "INSERT INTO photo_search(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
    "photo_search_after_delete": (
        "AFTER DELETE ON photo BEGIN "
        "INSERT INTO photo_search(photo_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); END"
    ),
    "photo_search_after_update": (
        "AFTER UPDATE OF search_text ON photo BEGIN "
        "INSERT INTO photo_search(photo_search, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        "INSERT INTO photo_search(rowid, search_text) VALUES (new.id, new.search_text); END"
    ),
}
POSTGRES_INDEX = "ix_photo_search_text_trgm"

_TERM = re.compile(r'"([^"]*)"|(\S+)')


def kept_outside_metadata(name: str | None) -> bool:
    """The search index's own objects (SQLite's FTS table and its shadow tables, PostgreSQL's GIN
    index): made by migrations and :func:`ensure_search_index`, not declared in db/tables.py."""
    return bool(name) and (name.startswith(SQLITE_FTS_TABLE) or name == POSTGRES_INDEX)


def search_text(
    title: str | None, description: str | None, tags: Iterable[str], filenames: Iterable[str]
) -> str | None:
    """The text a photo is found by (one line per part, lowercased); ``None`` when it has none."""
    parts = [part.strip() for part in (title, description, *tags, *filenames) if part and part.strip()]
    return "\n".join(parts).lower() or None


def search_terms(query: str) -> list[str]:
    """The terms of a query: words, or "quoted phrases" kept whole; lowercased, at most ``MAX_TERMS``."""
    terms: list[str] = []
    for phrase, word in _TERM.findall(query):
        term = " ".join((phrase or word).split()).lower()[:MAX_TERM_LENGTH]
        if term and term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def fts_phrase(term: str) -> str:
    """An FTS5 query matching ``term`` literally (a quoted string; quotes inside doubled)."""
    return '"' + term.replace('"', '""') + '"'


def like_pattern(term: str) -> str:
    """A LIKE pattern finding ``term`` anywhere (``\\`` escapes LIKE's wildcards)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def ensure_search_index(conn: Connection) -> None:
    """Make sure SQLite's FTS table and its triggers exist; rebuild the index when a trigger was missing.

    A migration that rebuilds the photo table (SQLite's way to alter it) drops the triggers with
    the old table, so this runs after every upgrade: the search index can never silently go stale.
    """
    if conn.dialect.name != "sqlite":
        return
    columns = {row[1] for row in conn.execute(text("PRAGMA table_info(photo)"))}
    if "search_text" not in columns:  # a database kept at a revision before text search
        return
    existing = set(
        conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'photo'")).scalars()
    )
    missing = [name for name in SQLITE_TRIGGERS if name not in existing]
    if not missing:
        return
    conn.execute(
        text(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_FTS_TABLE} USING fts5("
            "search_text, content='photo', content_rowid='id', tokenize='trigram')"
        )
    )
    for name in missing:
        conn.execute(text(f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]}"))
    conn.execute(text(f"INSERT INTO {SQLITE_FTS_TABLE}({SQLITE_FTS_TABLE}) VALUES ('rebuild')"))
