"""SQLite libraries: a new file gets the engine's page size, a file made before keeps its own and works; a
process's writers take turns, handing over at the commit."""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import threading
import time
from pathlib import Path

from sqlalchemy import text

from imalink.db import interrupts
from imalink.db.engine import SQLITE_PAGE_SIZE, SQLITE_WAL_FALLBACK_PAGES, make_engine, wait_for_checkpoints, writing
from imalink.db.filters import sql_lower
from imalink.db.migrate import upgrade_to_head


def _page_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA page_size").fetchone()[0]


def test_a_new_library_has_the_engines_page_size(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    assert SQLITE_PAGE_SIZE != 4096  # SQLite's own default: the test would pass without the setting
    assert _page_size(path) == SQLITE_PAGE_SIZE


def test_a_library_made_with_other_pages_keeps_them_and_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA page_size=4096")
        conn.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY, value TEXT)")
        conn.executemany("INSERT INTO kept (value) VALUES (?)", [(f"row {i}",) for i in range(1000)])
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), min(value) FROM kept")).one() == (1000, "row 0")
        assert conn.execute(text("SELECT count(*) FROM photo")).scalar_one() == 0
    engine.dispose()
    assert _page_size(path) == 4096


def test_a_write_reaches_the_database_file_by_the_background_checkpoint(tmp_path: Path) -> None:
    """The writer leaves the write-ahead log to a background checkpoint: its rows reach the file
    itself (a copy of the file without its log holds them), though far fewer pages were written than
    would make the writer checkpoint on its own."""
    path = tmp_path / "library.db"
    engine = make_engine(f"sqlite:///{path}")
    with writing(engine) as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == SQLITE_WAL_FALLBACK_PAGES
        conn.exec_driver_sql("CREATE TABLE kept (id INTEGER PRIMARY KEY, value TEXT)")
        conn.exec_driver_sql("INSERT INTO kept (value) VALUES ('first'), ('second')")
    assert wait_for_checkpoints(engine)
    copy = tmp_path / "file-only.db"
    shutil.copyfile(path, copy)  # no -wal beside the copy: only what the checkpoint wrote
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT value FROM kept ORDER BY id").fetchall() == [("first",), ("second",)]
    engine.dispose()


def test_keys_folded_in_python_are_sqlites_lower() -> None:
    # Facets counted from the matches and the filters' values fold in Python; the kept counts
    # and the indexed column fold with SQLite's lower(), which leaves all but ASCII letters alone.
    spellings = ["Canon", "NIKON CORPORATION", "ÉCLAIR Optics", "Ölympus", "İstanbul Lens", "STRASSE ß", "Ѳ Камера", "a-B_c 1.8"]
    with sqlite3.connect(":memory:") as conn:
        expected = [conn.execute("SELECT lower(?)", (s,)).fetchone()[0] for s in spellings]
    assert [sql_lower(s, "sqlite") for s in spellings] == expected
    assert expected[2] == "Éclair optics"  # not Python's str.lower(): the test tells the two apart


def _hold_then_time_next_writer(engine, hold: float, second_waits: float) -> float:
    """One thread writes for ``hold`` seconds; another asks to write ``second_waits`` seconds
    before the first commits. Seconds between the first's commit and the second's BEGIN."""
    released: list[float] = []
    entered: list[float] = []
    first_in = threading.Event()

    def first() -> None:
        with writing(engine) as conn:
            first_in.set()
            conn.execute(text("INSERT INTO t (v) VALUES (1)"))
            time.sleep(hold)
        released.append(time.perf_counter())  # after the commit

    def second() -> None:
        with writing(engine) as conn:
            entered.append(time.perf_counter())
            conn.execute(text("INSERT INTO t (v) VALUES (2)"))

    a = threading.Thread(target=first)
    a.start()
    first_in.wait()
    time.sleep(hold - second_waits)
    b = threading.Thread(target=second)
    b.start()
    a.join()
    b.join()
    return entered[0] - released[0]


def test_writers_of_one_process_take_turns_without_sleeping_past_the_commit(tmp_path: Path) -> None:
    # SQLite's busy handler sleeps 1, 2, 5, 10, 15, 20 ms...: a writer that began waiting 40 ms before
    # the commit would wake 13 ms after it. The process's own turn hands over at the release.
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v INTEGER)"))
    gaps = [_hold_then_time_next_writer(engine, hold=0.06, second_waits=0.04) for _ in range(5)]
    assert statistics.median(gaps) < 0.005, gaps
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 10
    engine.dispose()


def test_a_cancelled_writer_stops_waiting_for_its_turn(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (v INTEGER)"))
    scope = interrupts.WorkScope()
    outcome: list[BaseException | None] = []

    def waiter() -> None:
        with scope.active():
            try:
                with writing(engine) as conn:
                    conn.execute(text("INSERT INTO t (v) VALUES (2)"))
                outcome.append(None)
            except BaseException as error:  # noqa: BLE001 - the test looks at it
                outcome.append(error)

    with writing(engine) as conn:
        conn.execute(text("INSERT INTO t (v) VALUES (1)"))
        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.2)
        assert thread.is_alive()  # waiting for its turn
        started = time.monotonic()
        scope.cancel()
        thread.join(timeout=2)
        stopped_after = time.monotonic() - started
    assert isinstance(outcome[0], interrupts.WorkCancelled)
    assert stopped_after < 0.5
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t")).scalars().all() == [1]
    engine.dispose()
