"""When and how long to wait before resending a request (tenacity policy).

Rules (REFERENCE.md §6):
- Honour `Retry-After` (seconds or an HTTP date) and `X-RateLimit-Reset`; never resend before they elapse.
  Jitter only ever lengthens a wait: max(server wait, backoff) x U(1.0, 1.3).
- Without a server hint, jittered exponential backoff from Atlassian's constants: 5 s, doubling, 30 s cap,
  at most 4 retries, within a total time budget.
- A 429 is retried for every method: the rate limiter rejects a request before it runs, so nothing landed.
- 5xx, resets and read timeouts are retried only for idempotent calls (GET, DELETE of a known grant).
  A POST whose outcome is unknown is never resent; the caller re-reads the scheme instead.
- 401, 403, 404 and 400 are never retried (repeated 401s trigger a CAPTCHA lock).
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Mapping

import tenacity

from migrate.errors import JiraError, RateLimitedError, ServerError, TransportError

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"})


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date. None if absent/garbled."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now())


def parse_rate_limit_reset(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds until an X-RateLimit-Reset ISO-8601 timestamp (Jira sends `yyyy-MM-ddTHH:mmZ`)."""
    if not value:
        return None
    v = value.strip().replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(v)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now())


def server_wait(headers: Mapping[str, str], *, now: Callable[[], float] = time.time) -> float | None:
    """The longest wait the server asked for, from any of its headers."""
    waits = [
        w
        for w in (
            parse_retry_after(headers.get("Retry-After"), now=now),
            parse_rate_limit_reset(headers.get("X-RateLimit-Reset"), now=now) if "Retry-After" not in headers else None,
        )
        if w is not None
    ]
    return max(waits) if waits else None


@dataclass
class RetryPolicy:
    max_retries: int = 4
    base_delay: float = 5.0
    max_delay: float = 30.0
    jitter: tuple[float, float] = (1.0, 1.3)
    budget: float = 300.0  # total seconds a single call may spend waiting
    max_server_wait: float = 120.0  # a Retry-After longer than this fails the call instead of hanging
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def is_retryable(self, method: str, exc: BaseException) -> bool:
        if not isinstance(exc, JiraError):
            return False
        if isinstance(exc, RateLimitedError):
            return True
        if getattr(exc, "final", False):
            return False
        if isinstance(exc, TransportError) and getattr(exc, "before_send", False):
            return True  # the connection never opened: nothing can have landed
        if method.upper() not in IDEMPOTENT_METHODS:
            return False
        if isinstance(exc, ServerError):
            return True
        return isinstance(exc, TransportError)

    def backoff(self, attempt: int) -> float:
        """attempt is 1 for the first retry."""
        return min(self.base_delay * (2 ** (attempt - 1)), self.max_delay)

    def delay(self, attempt: int, exc: BaseException) -> float:
        hinted = getattr(exc, "retry_after", None)
        if hinted is not None:
            # The server told us: waiting exactly that long is correct; jitter only lengthens it.
            base = hinted
        else:
            base = self.backoff(attempt)
        lo, hi = self.jitter
        return base * self.rng.uniform(lo, hi)

    def call(self, method: str, fn: Callable[[], object]) -> object:
        """Run fn, retrying per the rules above. Raises the last error when giving up."""
        started = self.clock()
        # The first attempt runs before any tenacity machinery is built: nearly every call succeeds at
        # once, and building a Retrying costs more CPU than the rest of this method. A retryable first
        # failure is handed to tenacity as its first attempt, so every rule below applies unchanged.
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - re-raised unless retryable, as tenacity would
            if not self.is_retryable(method, e):
                raise
            first: list[BaseException] = [e]

        def attempt() -> object:
            if first:
                raise first.pop()
            return fn()

        waited = [0.0]

        def _wait(rs: tenacity.RetryCallState) -> float:
            exc = rs.outcome.exception() if rs.outcome else None
            d = self.delay(rs.attempt_number, exc) if exc else 0.0
            waited[0] += d
            return d

        def _stop(rs: tenacity.RetryCallState) -> bool:
            if rs.attempt_number > self.max_retries:
                return True
            exc = rs.outcome.exception() if rs.outcome else None
            hinted = getattr(exc, "retry_after", None)
            if hinted is not None and hinted > self.max_server_wait:
                return True
            next_wait = hinted if hinted is not None else self.backoff(rs.attempt_number)
            return (self.clock() - started) + next_wait > self.budget

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda e: self.is_retryable(method, e)),
            wait=_wait,
            stop=_stop,
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(attempt)


def no_wait_policy(**kw) -> RetryPolicy:
    """A policy that never sleeps: for tests that count retries."""
    return RetryPolicy(sleep=lambda s: None, **kw)
