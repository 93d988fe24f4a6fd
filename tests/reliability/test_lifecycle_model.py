"""A model-based test of the whole lifecycle on the local Jira site (hypothesis RuleBasedStateMachine).

Random sequences of: plan (add or finish, from the site as it is), apply (sometimes killed at a crash
point, sometimes --force), rollback of any plan made so far (sometimes killed too), each from one of two
machines (data folders), and edits by another admin. After every step:

- nobody who could see issues loses it: every (scheme, holder) that could see issues (BROWSE_PROJECTS, or
  VIEW_PROJECTS with VIEW_ISSUES) at the start still can, unless another admin's edit took it away (an
  admin's edit that gives someone visibility protects them from then on too). No plan removes visibility
  (finish removes BROWSE_PROJECTS only next to both new keys), so nothing else may;
- a rollback that succeeds leaves the plan's grants as in its before-state;
- an apply that succeeds changes nothing when run again, and apply and verify agree on every scheme;
- a refused rollback wrote nothing.

The quick profile runs in the default suite; the long one (thousands of steps) with the reliability suite
(MODEL_EXAMPLES / MODEL_STEPS), printing a MODEL line with the counts.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from migrate.apply import OUT_ALREADY, OUT_APPLIED, apply_plan
from migrate.credentials import Credentials
from migrate.fetch import fetch_site
from migrate.jira.client import JiraClient
from migrate.jira.retry import RetryPolicy
from migrate.model import Scheme, grant_keys
from migrate.plan import make_plan
from migrate.planfile import load_plan, save_plan
from migrate.rollback import RollbackRefused, rollback
from migrate.rules import BROWSE_SPLIT
from migrate.sandbox import Sandbox
from migrate.verify import APPLIED, verify_plan
from reliability_support import env_int

B, VP, VI = "BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"
MACHINES = ("m1", "m2")
MODEL_LOG = os.environ.get("MODEL_LOG")


class SimulatedCrash(BaseException):
    """kill -9 stand-in: a BaseException, so nothing in migrate catches it."""


class CrashAt:
    def __init__(self, n: int):
        self.n, self.count = n, 0

    def __call__(self, label: str) -> None:
        self.count += 1
        if self.count >= self.n:
            raise SimulatedCrash(label)


COUNTS: Counter = Counter()


def visible(schemes: dict[int, Scheme]) -> set[tuple[int, tuple]]:
    out = set()
    for sid, s in schemes.items():
        perms: dict[tuple, set[str]] = {}
        for g in s.grants:
            perms.setdefault(g.holder.identity, set()).add(g.permission)
        out |= {(sid, h) for h, p in perms.items() if B in p or {VP, VI} <= p}
    return out


class Lifecycle(RuleBasedStateMachine):
    site: Sandbox  # set by the test before running

    plans = Bundle("plans")

    def __init__(self):
        super().__init__()
        self.site.reset()
        self.tmp = Path(tempfile.mkdtemp(prefix="migrate-model-"))
        creds = Credentials.basic(self.site.admin.email, self.site.admin.token)
        self.client = JiraClient(self.site.url, creds, retry=RetryPolicy(sleep=lambda s: None))
        self.protected = visible(self.schemes())
        self.n_plans = 0
        self.edits = 0
        COUNTS["sequences"] += 1

    def teardown(self) -> None:
        self.client.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ------------------------------------------------------------------ helpers

    def schemes(self) -> dict[int, Scheme]:
        return {s["id"]: Scheme.from_json(s) for s in self.site.dump()["schemes"]}

    def keys(self) -> dict[int, frozenset]:
        return {sid: grant_keys(s.grants) for sid, s in self.schemes().items()}

    def writes(self) -> int:
        return sum(n for (m, _), n in self.site.request_counts().items() if m in ("POST", "DELETE", "PUT"))

    def home(self, machine: str) -> Path:
        return self.tmp / machine

    def step(self, what: str) -> None:
        COUNTS["steps"] += 1
        COUNTS[what] += 1

    # ------------------------------------------------------------------ rules

    CRASH = st.one_of(st.none(), st.none(), st.integers(1, 30))

    @rule(
        target=plans,
        mode=st.sampled_from(["add", "finish"]),
        apply_now=st.booleans(),
        machine=st.sampled_from(MACHINES),
        crash=CRASH,
        force=st.booleans(),
    )
    def plan(self, mode, apply_now, machine, crash, force):
        """Plan from the site as it is now, and (as a user mostly does) apply it straight away."""
        self.step(f"plan-{mode}")
        data = fetch_site(self.client, with_projects=False)
        self.n_plans += 1
        path = save_plan(make_plan(data.schemes, BROWSE_SPLIT, data.site, mode=mode), self.tmp / f"plan-{self.n_plans}-{mode}.json")
        if apply_now:
            self.apply(path, machine, crash, force)
        return path

    @rule(path=plans, machine=st.sampled_from(MACHINES), crash=CRASH, force=st.booleans())
    def apply(self, path, machine, crash, force):
        self.step("apply" + ("-killed" if crash else "") + ("-force" if force else ""))
        plan = load_plan(path)
        kw = dict(max_rps=0, concurrency=1, store_root=self.home(machine), plan_path=path, force=force)
        try:
            res = apply_plan(self.client, plan, crash_hook=CrashAt(crash) if crash else None, **kw)
        except SimulatedCrash:
            COUNTS["apply-killed-midway"] += 1
            return
        statuses = {s.scheme_id: s.status for s in verify_plan(self.client, plan)}
        for o in res.schemes:
            assert (o.outcome in (OUT_APPLIED, OUT_ALREADY)) == (statuses[o.scheme_id] == APPLIED), (o, statuses[o.scheme_id])
        if res.ok:
            before, writes = self.keys(), self.writes()
            again = apply_plan(self.client, plan, **kw)
            assert again.ok and again.grants_added == again.grants_removed == 0
            assert self.keys() == before and self.writes() == writes, "a second apply changed something"

    @rule(path=plans, machine=st.sampled_from(MACHINES), crash=st.one_of(st.none(), st.none(), st.integers(1, 20)))
    def roll_back(self, path, machine, crash):
        self.step("rollback" + ("-killed" if crash else ""))
        before, writes = self.keys(), self.writes()
        try:
            rb = rollback(self.client, path, max_rps=0, concurrency=1, store_root=self.home(machine),
                          crash_hook=CrashAt(crash) if crash else None)
        except SimulatedCrash:
            COUNTS["rollback-killed-midway"] += 1
            return
        except RollbackRefused:
            COUNTS["rollback-refused"] += 1
            assert self.keys() == before and self.writes() == writes, "a refused rollback wrote"
            return
        if rb.ok:
            COUNTS["rollback-restored"] += 1
            now = self.keys()
            for c in load_plan(path).changes:
                ops = {o.key for o in c.operations}
                want = {g.key for g in c.before} & ops
                assert now[c.scheme_id] & ops == want, f"rollback did not restore the before-state of scheme {c.scheme_id}"

    @precondition(lambda self: self.edits < 4)  # else other admins' edits crowd out the steps under test
    @rule(data=st.data())
    def another_admin(self, data):
        """Another admin adds or removes a BROWSE_PROJECTS / VIEW_* grant somewhere."""
        self.step("admin-edit")
        self.edits += 1
        schemes = self.schemes()
        sid = data.draw(st.sampled_from(sorted(schemes)), label="scheme")
        s = schemes[sid]
        holders = sorted({g.holder.identity: g.holder for g in s.grants}.items(), key=repr)
        seen = visible(schemes)
        if data.draw(st.booleans(), label="remove"):
            ours = [g for g in s.grants if g.permission in (B, VP, VI)]
            if not ours:
                return
            g = data.draw(st.sampled_from(sorted(ours, key=lambda g: (g.permission, repr(g.holder.identity)))), label="grant")
            self.site.edit_as_other_admin(sid, remove=g.id)
        else:
            _, h = data.draw(st.sampled_from(holders), label="holder")
            perm = data.draw(st.sampled_from([B, VP, VI]), label="permission")
            if s.find(perm, h) is not None:
                return
            self.site.edit_as_other_admin(sid, add={"permission": perm, "holder": h.to_request()})
        now = visible(self.schemes())
        # the admin's edit is the one change allowed to take visibility away; what it gives is protected
        self.protected = (self.protected - (seen - now)) | (now - seen)

    # ------------------------------------------------------------------ the invariant

    @invariant()
    def nobody_loses_issue_visibility(self):
        lost = self.protected - visible(self.schemes())
        if lost:
            COUNTS["violations"] += 1
        assert not lost, f"lost issue visibility: {sorted(lost, key=repr)[:5]}"


def run_model(examples: int, steps: int) -> dict:
    COUNTS.clear()
    COUNTS["violations"] = 0
    with Sandbox("small", schemes=3, random_seed=1) as sb:
        Lifecycle.site = sb
        test = Lifecycle.TestCase
        test.settings = settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        test().runTest()
    return dict(COUNTS)


def test_lifecycle_model_quick():
    counts = run_model(examples=env_int("MODEL_QUICK_EXAMPLES", 6), steps=12)
    assert counts["violations"] == 0 and counts["steps"] > 0, counts


@pytest.mark.reliability
def test_lifecycle_model_long():
    counts = run_model(examples=env_int("MODEL_EXAMPLES", 200), steps=env_int("MODEL_STEPS", 25))
    print("\nMODEL " + json.dumps(counts, sort_keys=True))
    if MODEL_LOG:
        Path(MODEL_LOG).write_text(json.dumps(counts, sort_keys=True) + "\n")
    assert counts["violations"] == 0
