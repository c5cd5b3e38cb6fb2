"""Work a library does in the background after writes, so that no request waits for it.

One :class:`AfterWrites` per kind of work (db/engine.py's checkpoint, db/maintenance.py's planner
statistics): asked after each write, it runs the work for that engine in a thread of its own, one
run at a time; asked while a run is under way, it runs once more after it, so every write is
followed by a run that began after it. Engines are held weakly: a disposed engine is forgotten.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable

from sqlalchemy import Engine

log = logging.getLogger(__name__)


class _State:
    __slots__ = ("again", "running")

    def __init__(self) -> None:
        self.running = False
        self.again = False


class AfterWrites:
    """``work(engine)`` in a background thread, at most one run per engine at a time (see the module)."""

    def __init__(self, work: Callable[[Engine], object], name: str) -> None:
        self._work = work
        self._name = name
        self._lock = threading.Condition()
        self._states: weakref.WeakKeyDictionary[Engine, _State] = weakref.WeakKeyDictionary()

    def ask(self, engine: Engine) -> None:
        """Run the work for ``engine`` soon (now, or once more after the run under way)."""
        with self._lock:
            state = self._states.setdefault(engine, _State())
            if state.running:
                state.again = True
                return
            state.running = True
        threading.Thread(target=self._run, args=(weakref.ref(engine), state), name=self._name, daemon=True).start()

    def wait(self, engine: Engine, timeout: float) -> bool:
        """Wait until no run for ``engine`` is under way or asked for; whether that came within ``timeout``."""
        with self._lock:
            state = self._states.get(engine)
            return state is None or self._lock.wait_for(lambda: not state.running, timeout)

    def _run(self, engine_ref: weakref.ref[Engine], state: _State) -> None:
        while True:
            engine = engine_ref()
            if engine is not None:
                try:
                    self._work(engine)
                except Exception:  # the work must never hurt the writes that asked for it
                    log.exception("%s failed", self._name)
                del engine
            with self._lock:
                if not state.again:
                    state.running = False
                    self._lock.notify_all()
                    return
                state.again = False
