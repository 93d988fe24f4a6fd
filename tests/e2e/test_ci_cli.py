"""The CLI without a terminal, as CI runs it: progress lines on stderr, Ctrl-C that reports what was done,
`--verbose 2`, literal hints, the finish confirmation. Through the real CLI against local Jira sites.

Ctrl-C is a real SIGINT sent to `python -m migrate` in a subprocess, once its own progress line shows
the run is under way (the site answers with some latency so that moment exists); nothing here sleeps.
"""

from __future__ import annotations

import functools
import json
import os
import re
import pty
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import migrate.cli.common as common
from migrate.planfile import load_plan
from migrate.progress import ProgressLines

pytestmark = pytest.mark.e2e


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    for var in ("FORCE_COLOR", "MIGRATE_DEBUG", "JIRA_BEARER_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "home"


@pytest.fixture
def no_grace(monkeypatch):
    """Progress lines from the first update: the in-process runs here are over within the grace second."""
    monkeypatch.setattr(common, "ProgressLines", functools.partial(ProgressLines, grace=0))


def grants(site) -> dict[int, set]:
    return {s["id"]: {(g["permission"], g["holder"]["type"], g["holder"].get("parameter")) for g in s.get("permissions", [])}
            for s in site.dump()["schemes"]}


def planned(plan_path: Path) -> dict[int, set]:
    plan = load_plan(plan_path)
    return {c.scheme_id: {(o.permission, o.holder.type, o.holder.parameter) for o in c.adds} for c in plan.changes}


def test_apply_in_ci_prints_progress_and_counts_every_grant_it_created(sandbox_factory, point_env, cli, home, no_grace, tmp_path):
    """`apply --yes > log 2>&1` used to print nothing until the end; after lost responses its summary
    counted fewer grants than it had created."""
    site = sandbox_factory("demo", faults="lost-post=0.3,seed=5")
    point_env(site)
    plan = tmp_path / "p.json"
    assert cli("plan", "--out", plan, "--no-projects").exit_code == 0
    r = cli("apply", plan, "--yes", "--json", "--max-rps", "0")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    created = site.stats()["grants_created"]
    adds = sum(len(v) for v in planned(plan).values())
    assert doc["grants_added"] == created == adds
    assert sum(s["resolved"] for s in doc["schemes"]) > 0  # some answers were lost, and still counted
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("apply: ")]
    assert lines[-1].startswith(f"apply: {adds}/{adds} (100%), ") and "done in" in lines[-1]
    assert re.search(r", [1-9]\d* retried, ", lines[-1])  # the lost answers are counted
    steps = {int(ln.split("(")[1].split("%")[0]) // 10 for ln in lines}
    assert len(steps) >= 10  # a line at each 10%
    site.set_faults(None)
    r = cli("verify", plan)
    assert r.exit_code == 0


def test_verbose_takes_a_number_before_the_command(sandbox, env, cli):
    """`--verbose 2 doctor` failed with "No such command '2'"."""
    r = cli("--verbose", "2", "doctor")
    assert r.exit_code == 0, r.output
    assert "DEBUG migrate.jira: GET /rest/api/3/serverInfo -> 200" in r.stderr
    assert "read `--verbose 2` as -vv" in r.stderr
    r = cli("doctor", "-vv")  # after the command too
    assert r.exit_code == 0 and "DEBUG migrate.jira" in r.stderr
    r = cli("doctor")
    assert "DEBUG" not in r.stderr


def test_hints_print_brackets_as_written(cli, tmp_path):
    """`[[site]]` in a hint showed as `[]` (rich markup ate it)."""
    f = tmp_path / "sites.toml"
    f.write_text('[[site]]\nname = "x"\n')
    r = cli("sites", "check", str(f))
    assert r.exit_code == 1
    assert "each [[site]] needs name, url" in r.stderr


def test_finish_confirmation_stresses_the_removals(sandbox, env, cli, tmp_path):
    """The question before a finish plan says how many grants it REMOVES."""
    run_env = dict(os.environ, NO_COLOR="1")
    add, finish = tmp_path / "add.json", tmp_path / "finish.json"
    assert cli("plan", "--out", add, "--no-projects").exit_code == 0
    assert cli("apply", add, "--yes", "--max-rps", "0").exit_code == 0
    r = cli("plan", "--mode", "finish", "--out", finish, "--no-projects")
    assert r.exit_code == 0
    removes = load_plan(finish).totals["grants_removed"]
    assert removes > 0 and f"REMOVES {removes} BROWSE_PROJECTS grant(s)" in r.stderr
    master, slave = pty.openpty()
    try:
        os.write(master, b"n\n")
        proc = subprocess.run([sys.executable, "-m", "migrate", "apply", str(finish)], env=run_env, capture_output=True,
                              text=True, timeout=120, stdin=slave)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 1 and "cancelled" in proc.stderr
    assert f"This plan REMOVES {removes} BROWSE_PROJECTS grant(s)" in proc.stderr
    assert sandbox.stats()["grants_deleted"] == 0


# ------------------------------------------------------------------------------------------ Ctrl-C


def interrupt_when(argv: list[str], marker: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """Run `python -m migrate ARGV`, send SIGINT once stderr shows `marker`, return (code, stdout, stderr)."""
    # A test run started in the background of a non-interactive shell ignores SIGINT, and a child inherits
    # that: give the command the default disposition a user's terminal gives it.
    proc = subprocess.Popen([sys.executable, "-m", "migrate", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, env=env, cwd=cwd,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if marker in line:
                proc.send_signal(signal.SIGINT)
                break
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out, "".join(seen) + err


def _env(site, home: Path) -> dict[str, str]:
    return dict(os.environ, **site.env, MIGRATE_HOME=str(home), NO_COLOR="1")


def test_ctrl_c_in_apply_prints_the_table_so_far_and_how_to_resume(sandbox_factory, point_env, cli, home, tmp_path):
    site = sandbox_factory("demo", latency_ms=25)
    point_env(site)
    plan = tmp_path / "p.json"
    assert cli("plan", "--out", plan, "--no-projects").exit_code == 0
    code, out, err = interrupt_when(["apply", str(plan), "--yes", "-c", "1", "--max-rps", "0"], "apply: ", _env(site, home), tmp_path)
    assert code == 130, err
    rows = [ln.split("\t") for ln in out.splitlines()[2:]]
    outcomes = {r[2] for r in rows}
    assert len(rows) == 8 and "failed" in outcomes, out  # stopped before finishing / not attempted
    assert any("stopped before finishing" in r[4] or "not attempted" in r[4] for r in rows)
    assert f"Re-run `migrate apply {plan}` to finish, or `migrate rollback {plan}` to undo." in err
    assert "Traceback" not in err
    # the same command finishes the job
    site.set_faults(None)
    r = cli("apply", plan, "--yes", "--max-rps", "0")
    assert r.exit_code == 0, r.output
    after = grants(site)
    assert all(keys <= after[sid] for sid, keys in planned(plan).items())
    assert site.stats()["duplicate_grant_400s"] == 0


def test_ctrl_c_in_rollback_prints_the_table_so_far(sandbox_factory, point_env, cli, home, tmp_path):
    site = sandbox_factory("demo")
    point_env(site)
    before = grants(site)
    plan = tmp_path / "p.json"
    assert cli("plan", "--out", plan, "--no-projects").exit_code == 0
    assert cli("apply", plan, "--yes", "--max-rps", "0").exit_code == 0
    site.set_faults(None, latency_ms=25)
    code, out, err = interrupt_when(["rollback", str(plan), "--yes", "-c", "1", "--max-rps", "0"], "rollback: ",
                                    _env(site, home), tmp_path)
    assert code == 130, err
    assert out.startswith("rollback ") and "restored" in out and "failed" in out, out
    assert f"Re-run `migrate rollback {plan}` to finish." in err
    site.set_faults(None)
    r = cli("rollback", plan, "--yes", "--max-rps", "0")
    assert r.exit_code == 0, r.output
    assert grants(site) == before


def test_ctrl_c_in_sites_apply_prints_the_partial_summary(sandbox_factory, cli, home, tmp_path, monkeypatch):
    """Ctrl-C in `sites apply` printed only "interrupted"."""
    a, b = sandbox_factory("demo", latency_ms=25), sandbox_factory("demo", latency_ms=25)
    f = tmp_path / "sites.toml"
    f.write_text(
        "[defaults]\nmax_rps = 0\nconcurrency = 1\n\n"
        f'[[site]]\nname = "a"\nurl = "{a.url}"\nbearer_env = "A_PAT"\n\n'
        f'[[site]]\nname = "b"\nurl = "{b.url}"\nbearer_env = "B_PAT"\n'
    )
    monkeypatch.setenv("A_PAT", a.bearer_token)
    monkeypatch.setenv("B_PAT", b.bearer_token)
    plans = tmp_path / "plans"
    a.set_faults(None)
    b.set_faults(None)
    assert cli("sites", "plan", f, "--plans-dir", plans).exit_code == 0
    a.set_faults(None, latency_ms=25)
    env = dict(os.environ, MIGRATE_HOME=str(home), NO_COLOR="1")
    code, out, err = interrupt_when(["sites", "apply", str(f), "--plans-dir", str(plans), "--yes", "--parallel", "1"],
                                    "sites apply (grant writes): ", env, tmp_path)
    assert code == 130, err
    table = {ln.split("\t")[0]: ln.split("\t") for ln in out.splitlines()[2:]}
    assert table["a"][5].startswith("partial: "), out
    assert table["b"][5].startswith("skipped: not started"), out
    assert f"Re-run `migrate sites apply {f} --yes` to finish" in err and "migrate sites rollback" in err
    assert "exit 130 (interrupted" in err
    assert b.stats()["grants_created"] == 0
    # the same command finishes the job on both sites
    a.set_faults(None)
    r = cli("sites", "apply", f, "--plans-dir", plans, "--yes", "--json")
    assert r.exit_code == 0, r.output
    assert {s["state"] for s in json.loads(r.stdout)["sites"]} == {"done"}
