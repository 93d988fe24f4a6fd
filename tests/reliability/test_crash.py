"""Crash: kill -9 the `migrate apply` process at random points, then resume and roll back.

Each trial seeds its own site (sandbox in this process, real clock, 5 ms latency so a run has a write
phase long enough to land in), makes a plan, and runs `python -m migrate apply PLAN --yes` in a child
process that is SIGKILLed either
- at a random crash point (MIGRATE_CRASH_AFTER=N: the executor kills itself with SIGKILL at its Nth journal
  line / answered write, so every point between "intent journaled" and "write answered" is reachable), or
- after a random delay, from outside (os.kill(pid, SIGKILL)), wherever the process happens to be.
Then `migrate apply` again must reach exactly the planned state (no duplicate, nothing lost, no PUT), and
`migrate rollback` must reach exactly the original state. Every third trial also kills the rollback and
runs it again. `CRASH_TRIALS=N` changes the long variant's count (default 50).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from migrate.sandbox import Sandbox
from reliability_harness import apply_add_first, check_original_state, check_planned_state, make_client, plan_site, site_keys
from reliability_support import env_int, reliability_sizes

ROOT = Path(__file__).resolve().parents[2]
CRASH_LOG = os.environ.get("CRASH_LOG")


def cli(args: list[str], env: dict[str, str], *, crash_after: int | None = None, kill_after: float | None = None,
        timeout: float = 120) -> tuple[int, str]:
    e = dict(env)
    if crash_after is not None:
        e["MIGRATE_CRASH_AFTER"] = str(crash_after)
    p = subprocess.Popen([sys.executable, "-m", "migrate", *args], cwd=str(ROOT), env=e,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if kill_after is not None:
        try:
            out, _ = p.communicate(timeout=kill_after)
            return p.returncode, out
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
    out, _ = p.communicate(timeout=timeout)
    return p.returncode, out


def crash_trial(trial: int, tmp_path: Path) -> dict:
    rng = random.Random(trial)
    home = tmp_path / f"home-{trial}"
    with Sandbox("small", schemes=4 + trial % 5, random_seed=1000 + trial, latency_ms=5) as sb:
        mode = "finish" if trial % 4 == 3 else "add"
        if mode == "finish":
            apply_add_first(sb, make_client(sb), tmp_path / f"plans-{trial}-add", store_root=home)
        before = site_keys(sb.dump())
        plan, plan_path, _ = plan_site(make_client(sb), tmp_path / f"plans-{trial}", mode=mode)
        writes = plan.totals["grants_added"] + plan.totals["grants_removed"]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "MIGRATE_"))}
        env.update(JIRA_URL=sb.url, JIRA_EMAIL=sb.admin.email, JIRA_API_TOKEN=sb.admin.token, MIGRATE_HOME=str(home),
                   PYTHONPATH=str(ROOT))
        how = "crash-point" if trial % 2 else "external"
        if how == "crash-point":
            point = rng.randint(1, 3 * writes + 2)  # journal intent + done per write, plus answered points
            rc, out = cli(["apply", str(plan_path), "--yes"], env, crash_after=point)
        else:
            # startup (~0.6-0.9 s of imports and preflight), then the write phase, paced at 20 writes/s so a
            # kill from outside has time to land in it, and verification: the range reaches a little past
            # the end, so a few kills land late or miss
            point = round(rng.uniform(0.3, 0.8 + writes * 0.05), 3)
            rc, out = cli(["apply", str(plan_path), "--yes", "--max-rps", "20"], env, kill_after=point)
        killed = rc == -signal.SIGKILL
        mid = site_keys(sb.dump())
        partial = sum(len(mid[c.scheme_id] ^ before[c.scheme_id]) for c in plan.changes)

        rc2, out2 = cli(["apply", str(plan_path), "--yes"], env)
        after_resume = check_planned_state(plan, before, sb.dump())

        rollback_killed = False
        if trial % 3 == 0:
            rc3, _ = cli(["rollback", str(plan_path), "--yes"], env, crash_after=rng.randint(1, 2 * writes + 2))
            rollback_killed = rc3 == -signal.SIGKILL
        rc4, out4 = cli(["rollback", str(plan_path), "--yes"], env)
        after_rollback = check_original_state(before, sb.dump())
        stats = sb.stats()
    return {
        "trial": trial,
        "how": how,
        "point": point,
        "mode": mode,
        "writes_planned": writes,
        "killed": killed,
        "writes_done_before_kill": partial,
        "resume_exit": rc2,
        "resume_ok": after_resume.ok,
        "resume_detail": vars(after_resume),
        "rollback_killed": rollback_killed,
        "rollback_exit": rc4,
        "rollback_ok": after_rollback.ok,
        "rollback_detail": vars(after_rollback),
        "duplicate_400s": stats["duplicate_grant_400s"],
        "puts": stats["scheme_puts"],
        "output_tail": (out2[-400:] if rc2 else "") + (out4[-400:] if rc4 else ""),
    }


def summarise(results: list[dict]) -> dict:
    return {
        "trials": len(results),
        "killed_mid_run": sum(r["killed"] for r in results),
        "killed_with_partial_writes": sum(r["killed"] and 0 < r["writes_done_before_kill"] < r["writes_planned"] for r in results),
        "by_method": dict(Counter(r["how"] for r in results)),
        # where the kills landed: crash points are the Nth journal line / answered write (of about
        # 3 x writes + 2), external kills are seconds after the process started
        "crash_points": [f"{r['point']}/{3 * r['writes_planned'] + 2}" for r in sorted(
            (r for r in results if r["how"] == "crash-point"), key=lambda r: r["point"] / (3 * r["writes_planned"] + 2))],
        "external_kill_after_s": [min((r["point"] for r in results if r["how"] == "external"), default=None),
                                  max((r["point"] for r in results if r["how"] == "external"), default=None)],
        "killed_before_any_write": sum(r["killed"] and r["writes_done_before_kill"] == 0 for r in results),
        "killed_after_all_writes": sum(r["killed"] and r["writes_done_before_kill"] >= r["writes_planned"] for r in results),
        "finished_before_kill": sum(not r["killed"] for r in results),
        "rollbacks_also_killed": sum(r["rollback_killed"] for r in results),
        "resume_reached_plan": sum(r["resume_ok"] and r["resume_exit"] == 0 for r in results),
        "rollback_reached_original": sum(r["rollback_ok"] and r["rollback_exit"] == 0 for r in results),
        "duplicate_400s": sum(r["duplicate_400s"] for r in results),
        "puts": sum(r["puts"] for r in results),
    }


@pytest.mark.e2e
@reliability_sizes(2, env_int("CRASH_TRIALS", 50), name="trials")
def test_kill9_resume_and_rollback(trials, tmp_path):
    results = [crash_trial(t, tmp_path) for t in range(1, trials + 1)]
    summary = summarise(results)
    print("\nCRASH " + json.dumps(summary))
    if CRASH_LOG:
        with open(CRASH_LOG, "a") as f:
            f.write(json.dumps({"summary": summary, "trials": results}) + "\n")
    for r in results:
        assert r["resume_exit"] == 0 and r["resume_ok"], f"trial {r['trial']}: resume did not reach the plan: {r}"
        assert r["rollback_exit"] == 0 and r["rollback_ok"], f"trial {r['trial']}: rollback did not restore: {r}"
        assert r["duplicate_400s"] == 0 and r["puts"] == 0, r
    assert summary["killed_mid_run"] >= (1 if trials < 10 else trials // 2), f"too few trials were killed mid-run: {summary}"
