"""The write pace: POSTs at the configured rate, DELETEs at half of it (Cloud's DELETE limit is half POST's)."""

from __future__ import annotations

import pytest

from migrate.executor import ThrottledClient
from migrate.jira.throttle import DEFAULT_WRITES_PER_SECOND, Cooldown, TokenBucket
from migrate.sandbox import FakeClock


class Recorder:
    def __init__(self, clock):
        self.clock, self.posts, self.deletes = clock, [], []

    def create_grant(self, scheme_id, permission, holder):
        self.posts.append(self.clock())

    def delete_grant(self, scheme_id, grant_id):
        self.deletes.append(self.clock())
        return True


def drive(rate: float, n: int) -> tuple[float, float]:
    """Seconds of fake time n POSTs and then n DELETEs take, each from a full bucket."""
    clock = FakeClock()
    rec = Recorder(clock)
    paced = ThrottledClient(rec, TokenBucket(rate, clock=clock, sleep=clock.sleep), Cooldown(clock, clock.sleep))
    for _ in range(n):
        paced.create_grant(1, "VIEW_ISSUES", None)
    post_span = rec.posts[-1] - rec.posts[0]
    for _ in range(n):
        paced.delete_grant(1, 2)
    return post_span, rec.deletes[-1] - rec.deletes[0]


@pytest.mark.parametrize("rate,n,posts_s,deletes_s", [
    (80, 400, (400 - 80) / 80, (400 - 40) / 40),  # after the banked burst: 1/rate apart, DELETE 1/(rate/2)
    (10, 30, (30 - 10) / 10, (30 - 5) / 5),
])
def test_deletes_go_at_half_the_post_rate(rate, n, posts_s, deletes_s):
    posts, deletes = drive(rate, n)
    assert posts == pytest.approx(posts_s, abs=1 / rate)
    assert deletes == pytest.approx(deletes_s, abs=2 / rate)


def test_unlimited_stays_unlimited():
    assert drive(0, 50) == (0.0, 0.0)


def test_default_stays_below_cloud_burst_limits():
    # REFERENCE.md §6: POST 100/s and DELETE 50/s per tenant, endpoint and method
    assert DEFAULT_WRITES_PER_SECOND < 100 and DEFAULT_WRITES_PER_SECOND * 0.5 < 50
