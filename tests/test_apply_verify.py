"""verify: the pure assessment (pending / applied / drifted), verify_plan, the access spot-check; plus the
throttle and the lock, which the executor leans on."""

from __future__ import annotations

import pytest

from migrate.apply import apply_plan
from migrate.errors import LockHeldError
from migrate.jira.throttle import TokenBucket
from migrate.lock import lock_path, read_owner, site_lock
from migrate.model import Grant, Scheme
from migrate.plan import Operation, SchemeChange, plan_scheme
from migrate.rules import BROWSE_SPLIT
from migrate.verify import APPLIED, DRIFTED, PENDING, assess, check_access, scheme_status, verify_plan
from test_apply_fakes import ADDON, URL, group, make_plan_file, role, standard_site


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))


def scheme(*grants):
    return Scheme(1, "S", tuple(Grant(p, h, i) for i, (p, h) in enumerate(grants, 100)))


BEFORE = scheme(("BROWSE_PROJECTS", group("devs")), ("EDIT_ISSUES", group("devs")))
# an add and a finish in one change (no plan holds both any more, but the assessment serves either)
CHANGE = SchemeChange(
    1,
    "S",
    BEFORE.fingerprint,
    BEFORE.grants,
    plan_scheme(BEFORE, BROWSE_SPLIT, "add").operations + (Operation("remove", "BROWSE_PROJECTS", group("devs"), 100),),
)


def test_fresh_scheme_is_pending_not_stale():
    a = assess(CHANGE, BEFORE)
    assert not a.stale and a.pending == 3 and not a.started
    assert scheme_status(CHANGE, BEFORE).status == PENDING


def test_half_applied_scheme_is_not_stale():
    half = scheme(("BROWSE_PROJECTS", group("devs")), ("EDIT_ISSUES", group("devs")), ("VIEW_ISSUES", group("devs")))
    a = assess(CHANGE, half)
    assert not a.stale and a.started and [o.permission for o in a.adds_needed] == ["VIEW_PROJECTS"]
    assert len(a.removes_needed) == 1


def test_done_scheme_is_applied():
    done = scheme(("EDIT_ISSUES", group("devs")), ("VIEW_ISSUES", group("devs")), ("VIEW_PROJECTS", group("devs")))
    assert assess(CHANGE, done).done
    assert scheme_status(CHANGE, done).status == APPLIED


def test_foreign_edit_is_drift_and_stale():
    other = scheme(("BROWSE_PROJECTS", group("devs")), ("EDIT_ISSUES", group("qa")))
    a = assess(CHANGE, other)
    assert a.stale and "+EDIT_ISSUES -> group: qa" in a.describe_foreign() and "-EDIT_ISSUES -> group: devs" in a.describe_foreign()
    st = scheme_status(CHANGE, other)
    assert st.status == DRIFTED and st.unexpected and st.missing


def test_addon_role_added_by_jira_is_tolerated():
    with_addon = scheme(("BROWSE_PROJECTS", group("devs")), ("EDIT_ISSUES", group("devs")), ("EDIT_ISSUES", ADDON))
    a = assess(CHANGE, with_addon)
    assert not a.stale and a.tolerated
    st = scheme_status(CHANGE, with_addon)
    assert st.status == PENDING and st.tolerated and "tolerated" in st.detail


def test_duplicate_of_a_planned_grant_is_drift():
    dup = scheme(
        ("EDIT_ISSUES", group("devs")),
        ("VIEW_ISSUES", group("devs")),
        ("VIEW_ISSUES", group("devs")),
        ("VIEW_PROJECTS", group("devs")),
    )
    st = scheme_status(CHANGE, dup)
    assert st.status == DRIFTED and st.duplicates


def test_remove_matches_by_key_when_the_grant_was_recreated_with_another_id():
    recreated = Scheme(1, "S", (Grant("BROWSE_PROJECTS", group("devs"), 999), Grant("EDIT_ISSUES", group("devs"), 101)))
    a = assess(CHANGE, recreated)
    assert [g.id for _, g in a.removes_needed] == [999] and not a.stale


def test_missing_scheme_is_drifted():
    assert scheme_status(CHANGE, None).status == DRIFTED


def test_verify_plan_through_the_lifecycle(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    assert {s.status for s in verify_plan(fake, plan)} == {PENDING}
    apply_plan(fake, plan, max_rps=0)
    assert {s.status for s in verify_plan(fake, plan)} == {APPLIED}
    fake.edit(10000, remove=("VIEW_ISSUES", role("10002")))
    by = {s.scheme_id: s for s in verify_plan(fake, plan)}
    assert by[10000].status == PENDING and by[10000].pending == 1
    fake.edit(10001, add=("EDIT_ISSUES", group("qa")))
    assert {s.scheme_id: s.status for s in verify_plan(fake, plan)}[10001] == DRIFTED


def test_check_access_spot_check(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    before = check_access(fake, plan, ["acc-1"])
    # devs hold BROWSE on P10000 and P10002, and on P10002 already VIEW_PROJECTS: mismatches before apply.
    assert {c.project_key: c.ok for c in before} == {"P10000": False, "P10001": True, "P10002": False}
    apply_plan(fake, plan, max_rps=0)
    after = check_access(fake, plan, ["acc-1"])
    assert all(c.ok for c in after)
    assert next(c for c in after if c.project_key == "P10000").held == {
        "BROWSE_PROJECTS": True,
        "VIEW_PROJECTS": True,
        "VIEW_ISSUES": True,
    }


# ----------------------------------------------------------------------------- throttle


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, s):
        self.now += s


def test_token_bucket_rate_and_burst():
    clock = FakeClock()
    b = TokenBucket(10, clock=clock, sleep=clock.sleep)
    for _ in range(30):
        b.acquire()
    # 10 banked, the other 20 at 10/s.
    assert clock.now == pytest.approx(2.0)
    assert b.waited == pytest.approx(2.0)


def test_token_bucket_unlimited_never_sleeps():
    slept = []
    b = TokenBucket(0, sleep=slept.append)
    for _ in range(1000):
        b.acquire()
    assert not slept


def test_apply_honours_the_write_rate(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    clock = FakeClock()
    res = apply_plan(fake, plan, throttle=TokenBucket(2, burst=1, clock=clock, sleep=clock.sleep))
    assert res.ok
    # 11 writes at 2/s with 1 banked: the last starts 5 s after the first.
    assert clock.now == pytest.approx(5.0) and res.throttled_seconds == pytest.approx(5.0)


# ----------------------------------------------------------------------------- lock


def test_lock_records_owner_and_cleans_up(tmp_path):
    with site_lock(URL, command="migrate apply x.json"):
        owner = read_owner(URL)
        assert owner["command"] == "migrate apply x.json" and isinstance(owner["pid"], int)
        assert lock_path(URL).exists()
    assert read_owner(URL) is None
    with site_lock(URL):  # re-acquirable
        pass


def test_lock_is_per_site():
    with site_lock(URL):
        with site_lock("https://other.atlassian.net"):
            pass


def test_lock_held_by_another_process(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys,time; from migrate.lock import site_lock\n"
        f"with site_lock({URL!r}, command='migrate apply other.json'):\n"
        "    print('held', flush=True); sys.stdin.readline()\n"
    )
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "held"
        with pytest.raises(LockHeldError) as e:
            with site_lock(URL):
                pass
        assert f"pid {p.pid}" in str(e.value) and "other.json" in str(e.value)
        assert str(lock_path(URL)) in e.value.hint
    finally:
        p.stdin.close()
        p.wait(10)
    # The holder is gone (even kill -9 frees an flock): the lock is free again.
    with site_lock(URL):
        pass


# ----------------------------------------------------------------------------- shared Retry-After pause


def test_cooldown_makes_every_worker_wait_then_lets_one_probe_first():
    import threading

    from migrate.jira.throttle import Cooldown

    clock = FakeClock()
    cd = Cooldown(clock=clock, sleep=clock.sleep)
    cd.enter()  # no pause: straight through, no probe
    cd.leave(throttled=False)
    cd.hold_off(5)
    order: list[str] = []
    probe_in = threading.Event()
    release_probe = threading.Event()

    def worker(name: str) -> None:
        cd.enter()
        order.append(f"{name}@{clock.now:g}")
        if len(order) == 1:
            probe_in.set()
            release_probe.wait(5)
        cd.leave(throttled=False)

    threads = [threading.Thread(target=worker, args=(n,)) for n in "abc"]
    for t in threads:
        t.start()
    assert probe_in.wait(5)
    # The pause was slept out once (not once per worker), and the probe is alone on the wire.
    assert clock.now == pytest.approx(5.0) and len(order) == 1
    release_probe.set()
    for t in threads:
        t.join(5)
    assert len(order) == 3 and all(o.endswith("@5") for o in order)


def test_shared_cooldown_policy_keeps_the_client_policy_and_announces_waits():
    from migrate.errors import RateLimitedError
    from migrate.jira.retry import RetryPolicy
    from migrate.jira.throttle import Cooldown, SharedCooldownPolicy

    clock = FakeClock()
    base = RetryPolicy(sleep=clock.sleep, clock=clock, max_retries=2)
    cd = Cooldown(clock=clock, sleep=clock.sleep)
    pol = SharedCooldownPolicy.wrapping(base, cd)
    assert (pol.max_retries, pol.base_delay, pol.sleep) == (2, base.base_delay, base.sleep)
    calls = []

    def fn():
        calls.append(clock.now)
        if len(calls) == 1:
            raise RateLimitedError("429", status=429, retry_after=3)
        return "ok"

    assert pol.call("POST", fn) == "ok"
    assert cd.holds >= 1 and calls[1] >= 3.0
