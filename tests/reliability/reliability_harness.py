"""Plan + apply against the in-process sandbox, and the checks every reliability run ends with.

The sandbox and the client share one FakeClock: Retry-After waits, backoff and the write throttle cost
no real time, and the sandbox still judges "too early" on the same clock the client sleeps on.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from requests.adapters import HTTPAdapter

from migrate.apply import apply_plan
from migrate.credentials import Credentials
from migrate.errors import MigrateError
from migrate.fetch import fetch_site
from migrate.jira.client import JiraClient
from migrate.jira.retry import RetryPolicy
from migrate.jira.throttle import TokenBucket
from migrate.model import Scheme, grant_keys
from migrate.plan import Plan, make_plan
from migrate.planfile import load_plan, save_plan
from migrate.rules import BROWSE_SPLIT


def site_keys(dump: dict[str, Any]) -> dict[int, frozenset]:
    return {s["id"]: grant_keys(Scheme.from_json(s).grants) for s in dump["schemes"]}


def duplicate_grants(dump: dict[str, Any]) -> int:
    """Grants whose (permission, holder) another grant of the same scheme already has."""
    n = 0
    for s in dump["schemes"]:
        keys = [g.key for g in Scheme.from_json(s).grants]
        n += len(keys) - len(set(keys))
    return n


class WaitRecorder(HTTPAdapter):
    """The client's transport, recording on the shared clock every Retry-After the client *received* and
    every request it *sent*. A request is early when the client sent it after receiving a Retry-After
    that had not elapsed yet; a request already on its way when another worker's 429 arrived is not (the
    sandbox's own early_retries count includes those)."""

    def __init__(self, clock, **kw):
        super().__init__(**kw)
        self.clock = clock
        self._lock = threading.Lock()
        self.until = float("-inf")  # end of the longest Retry-After received so far
        self.early: list[dict] = []
        self.sent = 0
        self.retry_afters = 0
        self._last = threading.local()  # this worker's previous answer: a resend follows an error

    def send(self, request, **kw):
        resend = getattr(self._last, "failed", False)
        with self._lock:
            self.sent += 1
            now = self.clock()
            if now < self.until:
                self.early.append({"method": request.method, "url": request.url.split("/rest/api/3")[-1],
                                   "at": round(now, 3), "until": round(self.until, 3), "resend": resend})
        self._last.failed = True  # a reset raises out of send: the next request on this thread is a resend
        resp = super().send(request, **kw)
        self._last.failed = resp.status_code == 429 or resp.status_code >= 500
        ra = resp.headers.get("Retry-After")
        if ra is not None:
            try:
                wait = float(ra)
            except ValueError:
                wait = 0.0
            with self._lock:
                self.retry_afters += 1
                self.until = max(self.until, self.clock() + wait)
        return resp


def make_client(sb, clock=None, seed: int = 0, **kw) -> JiraClient:
    retry = RetryPolicy(sleep=clock.sleep, clock=clock, rng=random.Random(seed)) if clock else RetryPolicy(
        sleep=lambda s: None, rng=random.Random(seed))
    client = JiraClient(sb.url, Credentials.basic(sb.admin.email, sb.admin.token), retry=retry, **kw)
    if clock is not None:
        client.recorder = WaitRecorder(clock, pool_connections=16, pool_maxsize=16, max_retries=0)
        client._session.mount(sb.url + "/", client.recorder)  # longer prefix than the client's own adapter
    return client


def plan_site(client, plans_dir: Path, mode: str = "add", attempts: int = 3) -> tuple[Plan, Path, int]:
    """fetch -> plan -> save -> load, as `migrate plan`; retried as a user would when the site is flaky.
    Returns (plan as loaded from its file, path, attempts used)."""
    for attempt in range(1, attempts + 1):
        try:
            data = fetch_site(client, with_projects=True)
            plan = make_plan(data.schemes, BROWSE_SPLIT, data.site, mode=mode,
                             projects_by_scheme=data.projects_by_scheme)
            path = save_plan(plan, directory=plans_dir)
            return load_plan(path), path, attempt
        except MigrateError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def apply_add_first(sb, client, plans_dir: Path, *, store_root: Path | None = None) -> None:
    """Apply an add plan without faults, then forget the requests it made: a finish plan is only made once
    the add plan is applied (it never adds), so a finish run starts from there."""
    faults = sb.faults
    sb.set_faults(None)
    plan, path, _ = plan_site(client, plans_dir, mode="add")
    result = apply_plan(client, plan, throttle=TokenBucket(0), store_root=store_root, plan_path=path)
    assert result.ok, [(s.scheme_id, s.outcome, s.reason) for s in result.schemes]
    sb.set_faults(faults)
    sb.reset(state=False)


@dataclass
class ApplyRuns:
    results: list = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.results) + len(self.errors)


def apply_until_done(client, plan: Plan, clock, *, attempts: int = 5, concurrency: int = 4) -> ApplyRuns:
    """Run apply; if a run ends partial or fails, run it again (the documented way to resume)."""
    out = ApplyRuns()
    for _ in range(attempts):
        throttle = TokenBucket(20.0, clock=clock, sleep=clock.sleep) if clock else TokenBucket(0)
        try:
            r = apply_plan(client, plan, concurrency=concurrency, throttle=throttle)
        except MigrateError as e:
            out.errors.append(f"{type(e).__name__}: {e.message}")
            continue
        out.results.append(r)
        if r.ok:
            break
    return out


@dataclass
class StateCheck:
    mismatched_schemes: list[int]
    lost_grants: int  # planned (or untouched) grants missing from the site
    unplanned_grants: int  # grants on the site the plan did not ask for
    duplicate_grants: int
    unchanged_touched: list[int]

    @property
    def ok(self) -> bool:
        return not (self.mismatched_schemes or self.lost_grants or self.unplanned_grants or self.duplicate_grants
                    or self.unchanged_touched)


def check_planned_state(plan: Plan, before: dict[int, frozenset], dump: dict[str, Any]) -> StateCheck:
    now = site_keys(dump)
    mismatched, lost, extra = [], 0, 0
    for c in plan.changes:
        want, have = c.after_keys(), now.get(c.scheme_id, frozenset())
        if want != have:
            mismatched.append(c.scheme_id)
        lost += len(want - have)
        extra += len(have - want)
    touched = [sid for sid in before if plan.change_for(sid) is None and now.get(sid) != before[sid]]
    return StateCheck(mismatched, lost, extra, duplicate_grants(dump), touched)


def check_original_state(before: dict[int, frozenset], dump: dict[str, Any]) -> StateCheck:
    now = site_keys(dump)
    bad = [sid for sid in before if now.get(sid) != before[sid]]
    lost = sum(len(before[s] - now.get(s, frozenset())) for s in before)
    extra = sum(len(now.get(s, frozenset()) - before[s]) for s in before)
    return StateCheck(bad, lost, extra, duplicate_grants(dump), [])


def fault_totals(stats_list: list[dict[str, Any]]) -> Counter:
    c: Counter = Counter()
    for st in stats_list:
        c.update(st.get("faults", {}))
    return c
