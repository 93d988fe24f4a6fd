"""A client-side token bucket so a big apply does not hammer a site.

Jira's burst limits are per tenant x endpoint x method (REFERENCE.md §6: POST 100/s, DELETE 50/s). The
executor stays well below them by default, so the 429 path (which the retry policy handles by honouring
Retry-After) is the exception rather than the rhythm of a run.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

DEFAULT_WRITES_PER_SECOND = 20.0


class TokenBucket:
    """`rate` tokens per second, at most `burst` banked. rate <= 0 means unlimited.

    Thread-safe; callers that must wait sleep outside the lock so other threads can compute their own wait.
    """

    def __init__(
        self,
        rate: float = DEFAULT_WRITES_PER_SECOND,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds callers slept here, for reports and tests

    @property
    def unlimited(self) -> bool:
        return self.rate <= 0

    def acquire(self, n: float = 1.0) -> float:
        """Take n tokens, sleeping until they are available. Returns the seconds waited."""
        if self.unlimited:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            # Reserve now (the balance may go negative) so concurrent callers queue up fairly behind us.
            self._tokens -= n
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            self.waited += wait
        if wait > 0:
            self._sleep(wait)
        return wait
