"""kill -9 a real `python -m migrate apply` at chosen and at random moments, then resume and roll back.

Deterministic kills use MIGRATE_CRASH_AFTER=N (the process SIGKILLs itself at its Nth crash point: a
journal line, or a write whose answer arrived but is not journaled yet). Timed kills watch the journal
grow and SIGKILL the process from outside at a random line. Every trial then checks, through the
sandbox's own records: the resumed apply ends in the planned state, each planned grant was created
exactly once (no duplicates), and rollback restores the original grants exactly.

The default run keeps the number of trials small; the reliability suite runs many more.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from migrate.executor import journal_path, plan_key
from migrate.model import Grant, grant_keys
from migrate.planfile import load_plan
from migrate.store import Journal

pytestmark = pytest.mark.e2e

DETERMINISTIC_TRIALS = 4
TIMED_TRIALS = 2


def site_keys(sb) -> dict[int, frozenset]:
    return {s["id"]: grant_keys(Grant.from_json(g) for g in s["permissions"]) for s in sb.dump()["schemes"]}


def site_grants_verbatim(sb) -> dict[int, list]:
    return {
        s["id"]: sorted(
            ((g["permission"], g["holder"].get("type"), g["holder"].get("parameter"), g["holder"].get("value"))
             for g in s["permissions"]),
            key=repr,
        )
        for s in sb.dump()["schemes"]
    }


@pytest.fixture
def crash_site(sandbox_factory, tmp_path, monkeypatch, cli):
    """A demo site and an add plan for it (82 POSTs; the unit crash tests cover finish plans' DELETEs at
    every crash point)."""
    sb = sandbox_factory("demo")
    env = {"JIRA_URL": sb.url, "JIRA_EMAIL": sb.admin.email, "JIRA_API_TOKEN": sb.admin.token}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("JIRA_BEARER_TOKEN", raising=False)
    monkeypatch.delenv("MIGRATE_CRASH_AFTER", raising=False)
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home-plan"))
    plan = tmp_path / "plan.json"
    r = cli("plan", "--out", plan, "--no-projects")
    assert r.exit_code == 0, r.stderr
    return sb, plan, env


def _subprocess_env(base: dict[str, str], home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "MIGRATE_"))}
    env.update(base)
    env["MIGRATE_HOME"] = str(home)
    env.update(extra)
    return env


def _apply_cmd(plan: Path) -> list[str]:
    return [sys.executable, "-m", "migrate", "apply", str(plan), "--yes", "--max-rps", "0", "--concurrency", "3"]


def _check_resume_and_rollback(sb, plan: Path, home: Path, cli, monkeypatch, original, label: str) -> None:
    monkeypatch.setenv("MIGRATE_HOME", str(home))
    p = load_plan(plan)
    want = {c.scheme_id: c.after_keys() for c in p.changes}
    adds = sum(len(c.adds) for c in p.changes)
    removes = sum(len(c.removes) for c in p.changes)

    r = cli("apply", plan, "--yes", "--max-rps", "0", "--json")
    assert r.exit_code == 0, (label, r.stdout, r.stderr)
    doc = json.loads(r.stdout)
    assert doc["ok"], (label, doc)
    now = site_keys(sb)
    assert all(now[sid] == k for sid, k in want.items()), label
    st = sb.stats()
    assert st["grants_created"] == adds, (label, "a planned grant was created twice", st["grants_created"], adds)
    assert st["grants_deleted"] == removes, label
    assert st["scheme_puts"] == 0 and not any(m == "PUT" for m, _ in sb.request_counts()), label

    r = cli("apply", plan, "--yes", "--max-rps", "0", "--json")  # and once more: nothing to do
    assert r.exit_code == 0 and {s["outcome"] for s in json.loads(r.stdout)["schemes"]} == {"already-applied"}

    r = cli("rollback", plan, "--yes", "--max-rps", "0")
    assert r.exit_code == 0, (label, r.stdout, r.stderr)
    assert site_grants_verbatim(sb) == original, label


def _crash_points(plan: Path) -> int:
    """snapshot written, then per write: intent line, answer arrived, done line."""
    p = load_plan(plan)
    return 1 + 3 * sum(len(c.operations) for c in p.changes)


def test_kill_9_at_chosen_points_then_resume_and_rollback(crash_site, tmp_path, cli, monkeypatch):
    sb, plan, env = crash_site
    original = site_grants_verbatim(sb)
    total = _crash_points(plan)
    rng = random.Random(20260101)
    # The first write's intent, its answer before the done line, and random points after.
    points = [2, 3] + sorted(rng.sample(range(4, total), DETERMINISTIC_TRIALS - 2))
    for i, n in enumerate(points):
        sb.reset()
        home = tmp_path / f"home-{i}"
        proc = subprocess.run(
            _apply_cmd(plan), env=_subprocess_env(env, home, MIGRATE_CRASH_AFTER=str(n)),
            capture_output=True, text=True, timeout=120,
        )
        assert proc.returncode == -signal.SIGKILL, (n, proc.returncode, proc.stderr[-2000:])
        jpath = journal_path(sb.url, plan_key(load_plan(plan)), home)
        assert jpath.exists() and Journal.read(jpath), n
        _check_resume_and_rollback(sb, plan, home, cli, monkeypatch, original, f"crash point {n}")


def test_kill_9_from_outside_at_random_moments(crash_site, tmp_path, cli, monkeypatch):
    sb, plan, env = crash_site
    sb.set_faults(None, latency_ms=2)  # so the kill lands mid-run rather than after it
    original = site_grants_verbatim(sb)
    total_lines = 2 * sum(len(c.operations) for c in load_plan(plan).changes)
    rng = random.Random(7)
    for i in range(TIMED_TRIALS):
        sb.reset()
        home = tmp_path / f"home-timed-{i}"
        jpath = journal_path(sb.url, plan_key(load_plan(plan)), home)
        target = rng.randrange(1, total_lines)
        proc = subprocess.Popen(
            _apply_cmd(plan), env=_subprocess_env(env, home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if jpath.exists() and jpath.read_bytes().count(b"\n") >= target:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                time.sleep(0.002)  # polling a real process; nothing here waits on a retry policy
        finally:
            proc.wait(30)
        assert proc.returncode in (0, -signal.SIGKILL), proc.returncode  # killed, or it won the race
        _check_resume_and_rollback(sb, plan, home, cli, monkeypatch, original, f"timed kill at line {target}")
