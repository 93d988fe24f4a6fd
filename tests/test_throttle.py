"""The write pace: POSTs at the configured rate, DELETEs at half of it (Cloud's DELETE limit is half POST's)."""

from __future__ import annotations

import pytest

from migrate.executor import ThrottledClient
from migrate.jira.throttle import DEFAULT_WRITES_PER_SECOND, Cooldown, Pacer, TokenBucket, endpoint_of
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
    pacer = Pacer(post_bucket=TokenBucket(rate, clock=clock, sleep=clock.sleep))
    paced = ThrottledClient(rec, pacer, Cooldown(clock, clock.sleep))
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


# ----------------------------------------------------------------------------- the pacer: every request kind


@pytest.mark.parametrize("path,endpoint", [
    ("/rest/api/3/permissionscheme/10000/permission/7", "/rest/api/3/permissionscheme/{id}/permission/{id}"),
    ("/rest/api/3/permissionscheme/10000", "/rest/api/3/permissionscheme/{id}"),
    ("/rest/api/3/permissionscheme?expand=permissions", "/rest/api/3/permissionscheme"),
    ("/rest/api/2/project/ABC/permissionscheme", "/rest/api/2/project/{key}/permissionscheme"),
    ("/rest/api/3/project/search", "/rest/api/3/project/search"),
])
def test_endpoints_are_counted_as_jira_counts_them(path, endpoint):
    assert endpoint_of(path) == endpoint


def pacer_on(clock, rate=10.0):
    return Pacer(rate, clock=clock, sleep=clock.sleep)


def test_reads_are_paced_too_and_each_endpoint_and_method_has_its_own_turn():
    clock = FakeClock()
    pacer = pacer_on(clock, 10.0)
    for _ in range(30):
        pacer.before("GET", "/rest/api/3/permissionscheme/1")
    assert clock() == pytest.approx(2.0)  # 10 banked, then 20 at 10/s
    t = clock()
    pacer.before("POST", "/rest/api/3/permissionscheme/1/permission")  # another lane: its own bucket
    pacer.before("GET", "/rest/api/3/permissions")
    assert clock() == t


def test_a_429_halves_the_lane_and_room_brings_it_back_step_by_step():
    clock = FakeClock()
    pacer = pacer_on(clock, 90.0)
    post = "/rest/api/3/permissionscheme/1/permission"
    pacer.before("POST", post)
    lane = pacer.lane("POST", endpoint_of(post))
    pacer.observe("POST", post, 429, {"Retry-After": "1"})
    assert lane.bucket.rate == pytest.approx(45.0) and pacer.slowdowns == 1
    for _ in range(5):
        pacer.observe("POST", post, 201, {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "80"})
    assert lane.bucket.rate == pytest.approx(45.0 + 5 * 0.05 * 90.0)
    for _ in range(50):
        pacer.observe("POST", post, 201, {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "80"})
    assert lane.bucket.rate == pytest.approx(90.0)  # never above the configured rate


def test_near_the_limit_the_lane_slows_down_and_a_lower_stated_limit_caps_it():
    clock = FakeClock()
    pacer = pacer_on(clock, 95.0)
    path = "/rest/api/3/permissionscheme/1/permission/2"
    lane = pacer.lane("DELETE", endpoint_of(path))
    assert lane.bucket.rate == pytest.approx(47.5)
    pacer.observe("DELETE", path, 204, {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "15"})
    assert lane.ceiling == pytest.approx(19.0) and lane.bucket.rate == pytest.approx(19.0)
    pacer.observe("DELETE", path, 204, {"X-RateLimit-Limit": "20", "X-RateLimit-Remaining": "2"})
    assert lane.bucket.rate == pytest.approx(19.0 * 0.8)
    pacer.observe("DELETE", path, 204, {"X-RateLimit-NearLimit": "true"})
    assert lane.bucket.rate == pytest.approx(19.0 * 0.8 * 0.8)
    # garbage headers change nothing
    pacer.observe("DELETE", path, 204, {"X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "-3"})
    assert lane.bucket.rate == pytest.approx(19.0 * 0.8 * 0.8)


def test_the_pace_never_drops_below_its_floor():
    clock = FakeClock()
    pacer = pacer_on(clock, 100.0)
    path = "/rest/api/3/permissionscheme/1/permission"
    for _ in range(100):
        pacer.observe("POST", path, 429, {})
    assert pacer.lane("POST", endpoint_of(path)).bucket.rate == pytest.approx(5.0)


def test_a_client_paces_every_attempt_of_every_request(monkeypatch):
    # a JiraClient with a pacer takes a turn before each request it sends, reads and writes alike
    import responses

    from migrate.credentials import Credentials
    from migrate.jira.client import JiraClient
    from migrate.jira.retry import no_wait_policy

    seen = []

    class Spy(Pacer):
        def before(self, method, path):
            seen.append((method, endpoint_of(path)))
            return 0.0

    with responses.RequestsMock() as rs:
        rs.get("https://acme.atlassian.net/rest/api/3/permissionscheme/5", status=503)  # retried: a second turn
        rs.get("https://acme.atlassian.net/rest/api/3/permissionscheme/5", json={"id": 5, "name": "s", "permissions": []})
        client = JiraClient("https://acme.atlassian.net", Credentials.basic("a@b.c", "tok-123456"), flavour="cloud",
                            retry=no_wait_policy())
        client.pacer = Spy(10.0)
        client.get_scheme(5)
    assert seen == [("GET", "/rest/api/3/permissionscheme/{id}")] * 2
