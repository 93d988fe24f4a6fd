"""Clocks for the sandbox: the real one, and a fake one tests can share with the client.

The sandbox reads time only through ``clock()`` (seconds, monotonic) and waits only through
``sleep(seconds)``. Latency injection, token buckets and Retry-After bookkeeping all use them, so a test
that hands the same :class:`FakeClock` to the sandbox and to the client never waits for real.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

Clock = Callable[[], float]
Sleep = Callable[[float], None]

# Wall-clock time shown by a sandbox running on an injected clock: fixed, so dumps and headers are
# reproducible (2026-01-01T00:00:00Z).
FAKE_EPOCH = 1767225600.0


class FakeClock:
    """A thread-safe manual clock. ``sleep`` advances it instead of waiting.

    >>> c = FakeClock(); c.sleep(2.5); c()
    2.5
    """

    def __init__(self, start: float = 0.0):
        self._now = float(start)
        self._lock = threading.Lock()
        self.sleeps: list[float] = []  # every sleep asked for, in order (tests assert on backoff)

    def __call__(self) -> float:
        with self._lock:
            return self._now

    now = __call__
    monotonic = __call__

    def time(self) -> float:
        """Wall-clock seconds since the epoch, for code that wants ``time.time``."""
        return FAKE_EPOCH + self()

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        seconds = max(0.0, float(seconds))
        with self._lock:
            self.sleeps.append(seconds)
            self._now += seconds

    def __repr__(self) -> str:
        return f"FakeClock(now={self():.3f})"


def real_clock() -> float:
    return time.monotonic()
