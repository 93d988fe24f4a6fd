"""Plain progress lines for logs: a line at each 10% and at least every 5 s, with a fake clock (no sleeps)."""

from __future__ import annotations

import collections
import sys
import threading

import pytest

from migrate.progress import BulkProgress, ProgressLines, format_duration, retried


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def make(**kw):
    clock, lines = Clock(), []
    kw.setdefault("grace", 0)
    return ProgressLines(lines.append, clock=clock, **kw), clock, lines


def test_a_line_at_each_ten_percent_with_rate_retries_and_eta():
    p, clock, lines = make(retries=lambda: 3)
    p("apply", 0, 200)
    for done in range(1, 201):
        clock.t += 0.05  # 20 writes a second
        p("apply", done, 200)
    assert len(lines) == 11  # the start, then 10%, 20% ... 100%
    assert lines[0].startswith("apply: 0/200 (0%)")
    assert lines[5] == "apply: 100/200 (50%), 20.0/s, 3 retried, ETA 5s"
    assert lines[-1] == "apply: 200/200 (100%), 20.0/s, 3 retried, done in 10s"


def test_a_heartbeat_at_least_every_five_seconds_while_nothing_moves():
    """A Retry-After pause holds every worker: the log still shows the run is alive."""
    p, clock, lines = make()
    p("apply", 10, 1000)
    assert len(lines) == 1
    for _ in range(24):  # 24 s without progress, ticked each second
        clock.t += 1
        p.tick()
    assert len(lines) == 1 + 4  # at 5, 10, 15, 20 s
    assert lines[-1].startswith("apply: 10/1000 (1%), 0.5/s")
    p("apply", 11, 1000)  # progress without crossing 10%: no line until 5 s after the last one
    assert len(lines) == 5


def test_nothing_for_a_run_over_within_the_grace_period():
    p, clock, lines = make(grace=1.0)
    p("verify", 0, 8)
    for done in range(1, 9):
        clock.t += 0.01
        p("verify", done, 8)
    assert lines == []
    p2, clock2, lines2 = make(grace=1.0)
    p2("apply", 0, 8)
    clock2.t += 1.5
    p2.tick()  # the first line comes with the heartbeat once the grace period is over
    assert lines2 == ["apply: 0/8 (0%), 0.0/s, 0 retried, 2s elapsed"]


def test_unknown_total_and_a_new_stage():
    p, clock, lines = make()
    p("schemes", 0, 0)
    clock.t += 2
    p("projects", 5, 50)
    assert lines == ["schemes: 0 done, 0 retried, 0s elapsed", "projects: 5/50 (10%), 0 retried, 0s elapsed"]


@pytest.mark.parametrize("seconds,text", [(0, "0s"), (59.4, "59s"), (60, "1m00s"), (3725, "1h02m")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_retried_counts_429_5xx_and_lost_connections():
    stats = {"http:GET": 10, "status:200": 7, "status:429": 2, "status:503": 1, "transport:ConnectionError": 1}
    assert retried(stats) == 4


def test_retried_reads_stats_while_worker_threads_add_keys():
    # a progress line asks while the client's threads count new kinds of answer; iterating the live dict
    # raised "dictionary changed size during iteration" (it failed a site in a 50-site run)
    stats: collections.Counter = collections.Counter()
    stop = threading.Event()

    def count_answers() -> None:
        i = 0
        while not stop.is_set():
            stats[f"status:5{i % 1000:02d}"] += 1
            i += 1
            if len(stats) > 500:
                stats.clear()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so the race shows in every run
    worker = threading.Thread(target=count_answers)
    worker.start()
    try:
        for _ in range(20_000):
            assert retried(stats) >= 0
    finally:
        stop.set()
        worker.join()
        sys.setswitchinterval(old)


def test_bulk_progress_sums_sites_and_settles_failed_ones():
    seen = []
    bulk = BulkProgress("sites apply (grant writes)", {"a": 100, "b": 50, "c": 1}, lambda *a: seen.append(a), work_stage="apply")
    bulk.start()
    a = bulk.for_site("a")
    a("snapshot", 1, 1)  # other stages do not count
    a("apply", 40, 100)
    bulk.finish("c")  # refused before writing: its weight is settled
    bulk.finish("b")
    a("apply", 100, 100)
    bulk.finish("a")
    a("apply", 10, 100)  # late reports after the finish are ignored
    assert [d for _, d, _ in seen] == [0, 40, 41, 91, 151, 151]
    assert {t for _, _, t in seen} == {151} and bulk.sites_done == 3


# ------------------------------------------------------------------------------------------ properties

from hypothesis import given, strategies as st  # noqa: E402


@given(total=st.integers(1, 5000), steps=st.lists(st.integers(0, 400), min_size=1, max_size=60))
def test_one_line_per_ten_percent_step_crossed(total, steps):
    """However the counts jump, each 10% step crossed gives exactly one line, in order, ending at 100%."""
    p, clock, lines = make()
    p("apply", 0, total)
    done = 0
    for k in steps:
        done = min(total, done + k)
        p("apply", done, total)
    p("apply", total, total)
    percents = [int(ln.split("(")[1].split("%")[0]) for ln in lines]
    tens = [pc // 10 for pc in percents]
    assert tens == sorted(set(tens))  # never twice for one step, never backwards
    assert tens[0] == 0 and tens[-1] == 10 and percents[-1] == 100


@given(waits=st.lists(st.floats(0.0, 4.0), min_size=1, max_size=80))
def test_never_more_than_five_seconds_without_a_line(waits):
    p, clock, lines = make()
    p("apply", 1, 1000)
    stamps = [clock.t]
    for w in waits:  # time passes in ticks of under a second... or several seconds; the heartbeat ticks each time
        for _ in range(int(w) + 1):
            clock.t += min(1.0, w)
            before = len(lines)
            p.tick()
            if len(lines) > before:
                stamps.append(clock.t)
    gaps = [b - a for a, b in zip(stamps, stamps[1:])] + [clock.t - stamps[-1]]
    assert all(g <= 5.0 + 1.0 for g in gaps)  # a tick each second at most: at most 5 s plus one tick late
