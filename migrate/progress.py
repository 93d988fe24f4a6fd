"""Progress for logs: plain lines, because a CI log has no terminal to draw a bar on.

A line is written when a stage starts, each time it crosses another 10% of its total, when it ends, and
at least every `interval` seconds in between (a heartbeat, also while a Retry-After pause holds every
worker). A run over within `grace` seconds writes nothing: its results follow at once anyway. Each line says done/total, the rate, how many answers were retried and the time left:

    apply: 412/820 (50%), 38.2/s, 3 retried, ETA 11s

The clock is injected, so tests drive time by hand and never sleep.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping

Progress = Callable[[str, int, int], None]  # (stage, done, total); total 0 when unknown
Write = Callable[[str], None]

HEARTBEAT_SECONDS = 5.0
STEP_PERCENT = 10
GRACE_SECONDS = 1.0


def retried(stats: Mapping[str, int]) -> int:
    """Answers that made a client wait or re-read: 429s, 5xx and lost connections, from JiraClient.stats.

    The client's worker threads add keys while a progress line is being made: the sum is over a copy
    (one C-level step under the interpreter lock), since iterating the live dict can raise "dictionary
    changed size during iteration" and fail the site whose progress asked."""
    return sum(
        v
        for k, v in dict(stats).items()
        if k == "status:429" or k.startswith("status:5") or k.startswith("transport:")
    )


def format_duration(seconds: float) -> str:
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


@dataclass
class _Stage:
    name: str
    started: float
    done: int = 0
    total: int = 0
    step: int = -1  # the last 10% step a line was written for


class ProgressLines:
    """A (stage, done, total) callback that writes plain progress lines; `tick()` is the heartbeat.

    Thread-safe: executors report from their worker threads.
    """

    def __init__(
        self,
        write: Write,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = HEARTBEAT_SECONDS,
        retries: Callable[[], int] = lambda: 0,
        label: str = "",
        grace: float = GRACE_SECONDS,
    ):
        self.write = write
        self.clock = clock
        self.interval = interval
        self.retries = retries
        self.label = label
        self.grace = grace
        self._stage: _Stage | None = None
        self._started = clock()
        self._last_line = self._started
        self._quiet = grace > 0  # until the grace period is over
        self._lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            now = self.clock()
            st = self._stage
            if st is None or st.name != stage:
                st = self._stage = _Stage(stage, started=now)
                st.done, st.total = done, total
                st.step = self._step_of(st)
                self._emit(st, now)
                return
            st.done, st.total = done, total
            step = self._step_of(st)
            if step > st.step:
                st.step = step
                self._emit(st, now)
            elif now - self._last_line >= self.interval:
                self._emit(st, now)

    def tick(self) -> None:
        """Write a line if none was written for `interval` seconds (the run is alive, maybe waiting), or
        the first one once the grace period is over."""
        with self._lock:
            now = self.clock()
            if self._stage is None:
                return
            if (self._quiet and now - self._started >= self.grace) or now - self._last_line >= self.interval:
                self._emit(self._stage, now)

    @staticmethod
    def _step_of(st: _Stage) -> int:
        if not st.total:
            return -1
        return min(st.done, st.total) * 100 // st.total // STEP_PERCENT

    def line(self, st: _Stage, now: float) -> str:
        elapsed = now - st.started
        parts = []
        if st.total:
            parts.append(f"{st.done}/{st.total} ({min(st.done, st.total) * 100 // st.total}%)")
        else:
            parts.append(f"{st.done} done")
        rate = st.done / elapsed if elapsed > 0 else 0.0
        if elapsed > 0:
            parts.append(f"{rate:.1f}/s")
        parts.append(f"{self.retries()} retried")
        if st.total and st.done >= st.total:
            parts.append(f"done in {format_duration(elapsed)}")
        elif st.total and rate > 0:
            parts.append(f"ETA {format_duration((st.total - st.done) / rate)}")
        else:
            parts.append(f"{format_duration(elapsed)} elapsed")
        return f"{self.label}{st.name}: " + ", ".join(parts)

    def _emit(self, st: _Stage, now: float) -> None:
        if self._quiet:
            if now - self._started < self.grace:
                return
            self._quiet = False
        self._last_line = now
        self.write(self.line(st, now))


class Heartbeat:
    """Calls `tick` every `period` seconds on a daemon thread until stopped (a context manager)."""

    def __init__(self, tick: Callable[[], None], period: float = 1.0):
        self._tick = tick
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="migrate-progress", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            self._tick()

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


class BulkProgress:
    """Several sites reporting at once, summed into one (stage, done, total) for one progress line.

    Each site has a weight: its number of planned grant writes when known in advance (apply), else 1
    (plan, verify, rollback count finished sites). A site's `finish` settles its whole weight, whether it
    succeeded or failed, so the total is reached when every site is over.
    """

    def __init__(self, stage: str, weights: Mapping[str, int], report: Progress, *, work_stage: str | None = None):
        self.stage = stage
        self.weights = {k: max(0, int(v)) for k, v in weights.items()}
        self.total = sum(self.weights.values())
        self.report = report
        self.work_stage = work_stage  # the per-site stage whose done counts move the total (e.g. "apply")
        self._done: dict[str, int] = {k: 0 for k in self.weights}
        self._finished: set[str] = set()
        self._lock = threading.Lock()

    def _emit(self) -> None:
        self.report(self.stage, sum(self._done.values()), self.total)

    def start(self) -> None:
        with self._lock:
            self._emit()

    def for_site(self, site: str) -> Progress:
        """The per-site callback to hand to that site's executor."""

        def update(stage: str, done: int, total: int) -> None:
            if self.work_stage is None or stage != self.work_stage:
                return
            with self._lock:
                if site in self._finished:
                    return
                self._done[site] = min(done, self.weights.get(site, 0))
                self._emit()

        return update

    def finish(self, site: str) -> None:
        with self._lock:
            self._finished.add(site)
            self._done[site] = self.weights.get(site, 0)
            self._emit()

    @property
    def sites_done(self) -> int:
        return len(self._finished)
