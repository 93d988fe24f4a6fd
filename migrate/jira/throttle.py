"""A client-side token bucket so a big apply does not hammer a site.

Jira's burst limits are per tenant x endpoint x method (REFERENCE.md §6: POST 100/s, DELETE 50/s). The
executor stays below them by default (80 POSTs/s and, at half that rate, 40 DELETEs/s), leaving headroom
for the site's other traffic, so the 429 path (which the retry policy handles by honouring Retry-After) is
the exception rather than the rhythm of a run. The benchmark that set these numbers is in README
("Performance"): 20 writes/s, the first default, made a 500-scheme apply 5x slower than the rate limit's
lower bound.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, fields
from typing import Callable, Iterator

from migrate.jira.retry import RetryPolicy, server_wait

DEFAULT_WRITES_PER_SECOND = 80.0
# with ~50 ms per write, 8 workers can keep 80 writes/s going; never two writers on one scheme anyway
DEFAULT_CONCURRENCY = 8
DELETE_SHARE = 0.5  # Cloud allows DELETE half the rate of POST on the grant endpoint


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

    def scaled(self, factor: float) -> "TokenBucket":
        """A separate bucket at `factor` times this one's rate, on the same clock."""
        rate = self.rate * factor if not self.unlimited else self.rate
        return TokenBucket(rate, clock=self._clock, sleep=self._sleep)

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


class Cooldown:
    """A pause every worker keeps, and a careful restart after it.

    Jira's burst limits count per identity (REFERENCE.md §6): once it answers one request with Retry-After,
    any request sent before that elapses fails again and lengthens the wait. So when one worker is told to
    wait, every worker waits; and when the pause is over, a single request goes first ("probe"), the others
    following only once it came back without a new Retry-After. The probe also waits for every request
    that was already on its way when the pause began: any of them may come back with a new Retry-After.
    Those requests cannot be recalled; none is sent after the pause is registered until it is over.

    It runs on the retry policy's clock and sleep, so tests that fake the policy's time fake this too.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._clock = clock
        self._sleep = sleep
        self._until = float("-inf")
        self._suspect = False  # a pause was asked for and no request has come back clean since
        self._owner: int | None = None  # the thread sleeping out the pause or probing after it
        self._inflight = 0  # requests sent and not yet answered
        self._cond = threading.Condition()
        self.holds = 0  # how often the server asked for a pause, for reports and tests

    def hold_off(self, seconds: float) -> None:
        with self._cond:
            self._until = max(self._until, self._clock() + max(0.0, seconds))
            self._suspect = True
            self.holds += 1

    def enter(self) -> None:
        """Block until this thread may send a request."""
        me = threading.get_ident()
        with self._cond:
            while True:
                if self._owner not in (None, me):
                    self._cond.wait()
                    continue
                remaining = self._until - self._clock()
                if remaining > 0:
                    self._owner = me
                    self._cond.release()
                    try:
                        self._sleep(remaining)
                    finally:
                        self._cond.acquire()
                    continue
                if self._suspect:
                    if self._inflight:
                        self._cond.wait()  # drain what was sent before the pause first
                        continue
                    self._owner = me  # the probe: alone on the wire until it comes back
                self._inflight += 1
                return

    def leave(self, *, throttled: bool) -> None:
        """The request this thread sent came back; `throttled` if it carried a new Retry-After."""
        with self._cond:
            self._inflight -= 1
            if self._owner == threading.get_ident():
                self._owner = None
                if not throttled:
                    self._suspect = False
            self._cond.notify_all()


@dataclass
class SharedCooldownPolicy(RetryPolicy):
    """The client's retry policy, unchanged, except that every attempt (first sends and retries, on every
    worker) passes a shared Cooldown, and every wait the server asks for is announced to it."""

    cooldown: Cooldown | None = None

    def call(self, method: str, fn: Callable[[], object]) -> object:
        cd = self.cooldown
        if cd is None:
            return super().call(method, fn)

        def gated() -> object:
            cd.enter()
            throttled = False
            try:
                return fn()
            except Exception as e:
                hinted = getattr(e, "retry_after", None)
                if hinted is not None:
                    throttled = True
                    cd.hold_off(hinted)
                raise
            finally:
                cd.leave(throttled=throttled)

        return super().call(method, gated)

    def delay(self, attempt: int, exc: BaseException) -> float:
        d = super().delay(attempt, exc)
        if self.cooldown is not None and getattr(exc, "retry_after", None) is not None:
            self.cooldown.hold_off(d)
        return d

    @classmethod
    def wrapping(cls, policy: RetryPolicy, cooldown: Cooldown) -> "SharedCooldownPolicy":
        values = {f.name: getattr(policy, f.name) for f in fields(RetryPolicy)}
        return cls(**values, cooldown=cooldown)


@contextlib.contextmanager
def shared_cooldown(client) -> Iterator[Cooldown]:
    """Make every thread using `client` keep the pauses the server asks any one of them for.

    The client's retry policy and session hooks are restored afterwards.
    """
    policy = getattr(client, "retry", None)
    if isinstance(policy, RetryPolicy):
        cooldown = Cooldown(clock=policy.clock, sleep=policy.sleep)
        client.retry = SharedCooldownPolicy.wrapping(policy, cooldown)
    else:
        cooldown = Cooldown()
    # The pause is also registered from a response hook, the moment a Retry-After arrives: the policy
    # only learns of it once the error has been built, and a worker that passes the gate in between
    # would send while the pause is already running.
    hooks = getattr(getattr(client, "_session", None), "hooks", None)
    hook = None
    if isinstance(hooks, dict) and isinstance(hooks.get("response"), list):

        def hook(resp, *args, **kwargs):
            if resp.status_code == 429 or "Retry-After" in resp.headers:
                wait = server_wait(resp.headers)
                if wait is not None:
                    cooldown.hold_off(wait)
            return resp

        hooks["response"].append(hook)
    try:
        yield cooldown
    finally:
        if isinstance(policy, RetryPolicy):
            client.retry = policy
        if hook is not None:
            hooks["response"].remove(hook)
