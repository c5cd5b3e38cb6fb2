"""Guessing passwords one sign-in at a time: after ``MAX_FAILURES`` wrong passwords for one user name
within ``WINDOW_SECONDS``, that name is refused until the window has passed (also for the right
password, so a guesser learns nothing). Unknown names count alike, so refusals tell nothing about
who exists. Kept in the server process's memory (each worker counts for itself), bounded in size.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60
MAX_NAMES = 10_000
"""Names tracked at once; the longest quiet are forgotten first (a flood of made-up names costs memory once)."""


class SignInThrottle:
    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_seconds(self, name: str) -> float:
        """0 when ``name`` may try now, else how long until it may."""
        now = time.monotonic()
        with self._lock:
            failures = self._failures.get(name)
            if failures is None:
                return 0.0
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if len(failures) < self.max_failures:
                return 0.0
            return failures[0] + self.window - now

    def failed(self, name: str) -> None:
        with self._lock:
            failures = self._failures.pop(name, None) or deque(maxlen=self.max_failures)
            failures.append(time.monotonic())
            self._failures[name] = failures  # most recent last
            while len(self._failures) > MAX_NAMES:
                self._failures.popitem(last=False)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


THROTTLE = SignInThrottle()
