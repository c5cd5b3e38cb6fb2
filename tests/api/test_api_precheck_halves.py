"""A large pre-check on PostgreSQL runs in two halves at once (resolvers/photos.py ``_looked_up``):
each half on a connection of its own, under the request's time limit, and together the same answer
as one look-up."""

from __future__ import annotations

import threading

from sqlalchemy import event

from imalink.db import interrupts
from imalink.db.tables import LOCAL_OWNER_ID
from imalink.resolvers import photos
from tests.api.importing import group, send
from tests.support.media import distinct_jpegs, sha256

ASKED = 10_000


def test_a_large_precheck_is_answered_whole_from_two_halves_at_once(gql, engine):
    previews = distinct_jpegs(8, prefix="halves")
    sent = []
    for n, preview in enumerate(previews):
        one = group(preview, f"IMG_{n}.JPG", f"IMG_{n}.CR2")
        for image in one["images"]:
            image["contentHash"] = sha256(image["filename"].encode())
        sent.append(one)
    send(gql, sent)
    hothashes = [sha256(p) for p in previews]
    contents = [sha256(f"IMG_{n}.CR2".encode()) for n in range(len(previews))]
    unknown = [sha256(f"unknown {n}".encode()) for n in range(ASKED - len(previews))]
    middle = sorted(unknown + hothashes)[ASKED // 2]
    # Known hashes in both halves of the sorted list, so that losing either half loses some.
    assert min(hothashes) < middle <= max(hothashes)
    assert min(contents) < sorted(unknown + contents)[ASKED // 2] <= max(contents)

    statements: list[tuple[int, int, object]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, _cursor, _statement, _parameters, _context, _many):
        statements.append((threading.get_ident(), id(conn.connection.dbapi_connection), interrupts.current()))

    scope = interrupts.WorkScope()
    asked_hothashes = unknown[:3000] + hothashes[::-1] + unknown[3000:]
    asked_files = unknown[:3000] + [contents[5].upper()] + contents + unknown[3000:]
    with scope.active():
        found_hothashes = photos.existing_hothashes(engine, LOCAL_OWNER_ID, asked_hothashes, ASKED)
        found_photos = photos.existing_photo_files(engine, LOCAL_OWNER_ID, asked_hothashes, ASKED)
        found_files = photos.existing_files(engine, LOCAL_OWNER_ID, asked_files, ASKED + 1)
    event.remove(engine, "before_cursor_execute", _seen)

    assert found_hothashes == hothashes[::-1]  # in the order asked
    assert found_photos == [(h, [f"IMG_{n}.JPG", f"IMG_{n}.CR2"]) for n, h in reversed(list(enumerate(hothashes)))]
    expected_files = [(contents[5].upper(), "IMG_5.CR2", hothashes[5])] + [(c, f"IMG_{n}.CR2", hothashes[n]) for n, c in enumerate(contents)]
    assert found_files == expected_files
    assert {scope_ for *_, scope_ in statements} == {scope}  # the other half too stops with the request
    threads = {thread for thread, *_ in statements}
    connections = {connection for _, connection, _ in statements}
    if engine.dialect.name == "postgresql":
        assert len(threads) == 2 and len(connections) == 2, statements
    else:  # SQLite stays one statement (split, it saved no time over HTTP): one thread, one connection
        assert threads == {threading.get_ident()}, statements
