"""Client-side pacing so a big apply does not hammer a site, and a pause every worker keeps.

Jira's burst limits are per tenant x endpoint x method (REFERENCE.md §6: GET and POST 100/s, PUT and
DELETE 50/s). A Pacer gives every request kind to an endpoint its own token bucket (reads too: verify and
re-reads that nothing paced were what drew 429s), starting at 97% of those limits, and adapts each rate to
the site's answers: it slows down when `X-RateLimit-Remaining` runs low (or `X-RateLimit-NearLimit`), or
after a 429, never goes above a limit the site states in `X-RateLimit-Limit`, and recovers step by step
while the site says there is room. A 429 is then the exception rather than the rhythm of a run; the retry
policy honours its Retry-After, and the Cooldown below makes every worker keep it.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
import time
from dataclasses import dataclass, fields
from typing import Any, Callable, Iterator, Mapping

from migrate.jira.retry import RetryPolicy, server_wait

# 97% of Cloud's POST burst limit: the benchmark in README ("Performance") measures it at about 1.1x the
# rate limit's lower bound with no 429; the site's own headers slow it down when others use the budget.
DEFAULT_WRITES_PER_SECOND = 97.0
# with ~50 ms per write, 8 workers can keep 97 writes/s going; never two writers on one scheme anyway
DEFAULT_CONCURRENCY = 8
DELETE_SHARE = 0.5  # Cloud allows DELETE (and PUT) half the rate of POST (and GET) on an endpoint
NEAR_LIMIT = 0.2  # X-RateLimit-Remaining below this share of the limit: slow down
ROOM = 0.5  # at or above this share: speed up again, step by step
SLOW_DOWN = 0.8  # rate factor when the site is near its limit
BACK_OFF = 0.5  # rate factor after a 429 on that endpoint
STEP_UP = 0.05  # share of the ceiling added back per answer with room
FLOOR = 0.05  # never below this share of the ceiling

_ID_SEGMENT = re.compile(r"(?<!/api)/\d+(?=/|$)")
_PROJECT_SEGMENT = re.compile(r"/project/(?!search(?:/|$))[^/]+(?=/)")


@functools.lru_cache(maxsize=4096)  # before() and observe() ask for the same path, once per request each
def endpoint_of(path: str) -> str:
    """/rest/api/3/permissionscheme/10000/permission/7 -> /rest/api/3/permissionscheme/{id}/permission/{id}:
    Jira counts its burst limits per endpoint, not per scheme."""
    return _PROJECT_SEGMENT.sub("/project/{key}", _ID_SEGMENT.sub("/{id}", path.split("?", 1)[0]))


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

    def retune(self, rate: float) -> None:
        """Change the rate from now on (what was banked at the old rate stays, up to the new burst)."""
        with self._lock:
            now = self._clock()
            if self.rate > 0:
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self.rate = float(rate)
            self.burst = max(1.0, self.rate)
            self._tokens = min(self._tokens, self.burst)

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


@dataclass
class _Lane:
    """One endpoint and method: its bucket and how its rate was adapted."""

    bucket: TokenBucket
    ceiling: float  # the configured rate, or 95% of a lower limit the site stated


class Pacer:
    """Every request to a site, paced per method and endpoint, each rate adapted to the site's answers.

    `writes_per_second` is the POST rate (DELETE and PUT at half, GET at the same); 0 or less: unlimited.
    A `post_bucket` given replaces the POST buckets (tests drive one on a fake clock).
    Thread-safe: workers share one Pacer per site.
    """

    def __init__(
        self,
        writes_per_second: float = DEFAULT_WRITES_PER_SECOND,
        *,
        post_bucket: TokenBucket | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        rate = float(post_bucket.rate if post_bucket is not None else writes_per_second)
        self.rates = {"GET": rate, "POST": rate, "PUT": rate * DELETE_SHARE, "DELETE": rate * DELETE_SHARE}
        self.post_bucket = post_bucket
        self._clock, self._sleep = (post_bucket._clock, post_bucket._sleep) if post_bucket is not None else (clock, sleep)
        self._lanes: dict[tuple[str, str], _Lane] = {}
        self._lock = threading.Lock()
        self.slowdowns = 0  # times the site's answers made a lane slower, for reports and tests

    @property
    def unlimited(self) -> bool:
        return self.rates["POST"] <= 0

    def lane(self, method: str, endpoint: str) -> _Lane:
        key = (method, endpoint)
        lane = self._lanes.get(key)
        if lane is None:
            with self._lock:
                lane = self._lanes.get(key)
                if lane is None:
                    rate = self.rates.get(method, self.rates["PUT"])
                    if method == "POST" and self.post_bucket is not None and not any(m == "POST" for m, _ in self._lanes):
                        bucket = self.post_bucket  # the writes' endpoint comes first in a run that writes
                    elif method == "DELETE" and self.post_bucket is not None:
                        bucket = self.post_bucket.scaled(DELETE_SHARE)
                    else:
                        bucket = TokenBucket(rate, clock=self._clock, sleep=self._sleep)
                    lane = self._lanes[key] = _Lane(bucket, bucket.rate)
        return lane

    def before(self, method: str, path: str) -> float:
        """Wait for this request's turn; returns the seconds waited."""
        if self.unlimited:
            return 0.0
        return self.lane(method, endpoint_of(path)).bucket.acquire()

    def observe(self, method: str, path: str, status: int, headers: Mapping[str, str]) -> None:
        """Adapt the lane's rate to what the site answered."""
        if self.unlimited:
            return
        lane = self.lane(method, endpoint_of(path))
        b = lane.bucket
        if b.unlimited:
            return
        limit, remaining = _int(headers.get("X-RateLimit-Limit")), _int(headers.get("X-RateLimit-Remaining"))
        rate = b.rate
        if limit:
            lane.ceiling = min(lane.ceiling, 0.95 * limit) if limit * 0.95 < lane.ceiling else lane.ceiling
        floor = max(0.5, FLOOR * lane.ceiling)
        if status == 429:
            rate = max(floor, rate * BACK_OFF)
        elif str(headers.get("X-RateLimit-NearLimit", "")).lower() == "true" or (
            limit and remaining is not None and remaining < NEAR_LIMIT * limit
        ):
            rate = max(floor, rate * SLOW_DOWN)
        elif limit and remaining is not None and remaining >= ROOM * limit:
            rate = min(lane.ceiling, rate + STEP_UP * lane.ceiling)
        rate = min(rate, lane.ceiling)
        if abs(rate - b.rate) > 1e-9:
            if rate < b.rate:
                self.slowdowns += 1
            b.retune(rate)

    @property
    def waited(self) -> float:
        return sum(lane.bucket.waited for lane in list(self._lanes.values()))

    def acquire_write(self, method: str) -> float:
        """For clients that do not pace themselves (test doubles): the grant endpoint's lane."""
        if self.unlimited:
            return 0.0
        return self.lane(method, "/permissionscheme/{id}/permission" + ("/{id}" if method == "DELETE" else "")).bucket.acquire()


def _int(value: Any) -> int | None:
    if value is None:  # the header is absent: most answers, and a raised exception costs more than a test
        return None
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if 0 <= n < 10**9 else None


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
