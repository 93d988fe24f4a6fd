"""Bulk runs as CI drives them, through the real CLI against local sites: `sites rollback`, the exit code
that tells "some sites done" from "none done", per-site hints, verify codes that agree with `verify`,
filters and credentials that cannot work."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from migrate.planfile import load_plan

pytestmark = pytest.mark.e2e


@pytest.fixture
def fleet(sandbox_factory, tmp_path, monkeypatch):
    """Write a sites file for some sandboxes: fleet({"a": site, ...}, extra={"a": 'include = [...]'})."""
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    for var in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_BEARER_TOKEN"):
        monkeypatch.delenv(var, raising=False)

    def make(sites: dict, extra: dict | None = None) -> Path:
        text = "[defaults]\nmax_rps = 0\n"
        for name, site in sites.items():
            up = name.upper()
            url = site if isinstance(site, str) else site.url
            text += f'\n[[site]]\nname = "{name}"\nurl = "{url}"\nemail_env = "{up}_EMAIL"\ntoken_env = "{up}_TOKEN"\n'
            text += (extra or {}).get(name, "")
            monkeypatch.setenv(f"{up}_EMAIL", "admin@sandbox.test")
            monkeypatch.setenv(f"{up}_TOKEN", "sandbox-admin-token")
        f = tmp_path / "sites.toml"
        f.write_text(text)
        return f

    return make


def states(result) -> dict[str, str]:
    return {s["site"]: s["state"] for s in json.loads(result.stdout)["sites"]}


def grants(site) -> dict[int, set]:
    return {s["id"]: {(g["permission"], g["holder"]["type"], g["holder"].get("parameter")) for g in s.get("permissions", [])}
            for s in site.dump()["schemes"]}


def test_sites_rollback_undoes_each_applied_site_and_skips_the_others(sandbox_factory, fleet, cli):
    """There was no `sites rollback`: a CI loop rolled back site by site and failed on a site never applied."""
    a, b = sandbox_factory("demo"), sandbox_factory("small")
    f = fleet({"a": a, "b": b})
    before = {"a": grants(a), "b": grants(b)}
    assert cli("sites", "plan", f).exit_code == 0
    r = cli("sites", "apply", f, "--yes", "--only", "a", "--json")  # b is never applied
    assert r.exit_code == 0 and states(r) == {"a": "done"}
    assert grants(a) != before["a"]

    r = cli("sites", "rollback", f, "--yes", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    rows = {s["site"]: s for s in doc["sites"]}
    assert rows["a"]["status"] == "rolled-back" and rows["a"]["grants_removed"] > 0
    assert rows["b"]["status"] == "clean" and "nothing to roll back" in rows["b"]["message"]
    assert doc["totals"]["states"]["done"] == 2 and doc["exit_code"] == 0
    assert grants(a) == before["a"] and grants(b) == before["b"]
    assert b.stats()["grants_deleted"] == 0 and b.stats()["grants_created"] == 0

    # again: nothing left to undo anywhere, still a success, and the human summary says so
    r = cli("sites", "rollback", f, "--yes")
    assert r.exit_code == 0
    assert "nothing to roll back" in r.stdout and "exit 0 (clean; sites: 2 done)" in r.stderr


def test_rollback_undoes_a_plan_another_machine_applied(sandbox_factory, fleet, cli, tmp_path, monkeypatch):
    # rollback works from the site, not from this machine's journal: the other machine's writes are undone
    a = sandbox_factory("demo")
    f = fleet({"a": a})
    before = grants(a)
    assert cli("sites", "plan", f).exit_code == 0
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "other-machine"))
    assert cli("sites", "apply", f, "--yes").exit_code == 0
    assert grants(a) != before
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    r = cli("sites", "rollback", f, "--yes", "--json")
    assert r.exit_code == 0, r.output
    assert states(r) == {"a": "done"} and grants(a) == before


def test_exit_code_tells_some_sites_done_from_none_done(sandbox_factory, fleet, cli):
    good, legacy = sandbox_factory("demo"), sandbox_factory("legacy")
    f = fleet({"good": good, "legacy": legacy})
    assert cli("sites", "plan", f).exit_code == 0
    r = cli("sites", "apply", f, "--yes", "--json")
    assert r.exit_code == 4, r.output  # some done
    assert states(r) == {"good": "done", "legacy": "refused"}
    assert json.loads(r.stdout)["sites"][1]["error"] == "UnsupportedSiteError"
    r = cli("sites", "apply", f, "--yes", "--only", "legacy")
    assert r.exit_code == 1  # none done
    assert "exit 1 (error; sites: 1 refused)" in r.stderr


def test_verify_and_sites_verify_agree(sandbox_factory, fleet, cli, monkeypatch, tmp_path):
    """`verify` exited 3 for a pending site while `sites verify` reported "partial" and exited 4."""
    a = sandbox_factory("demo")
    f = fleet({"a": a})
    assert cli("sites", "plan", f).exit_code == 0
    plan = tmp_path / "plans" / "sites" / "a.json"
    monkeypatch.setenv("JIRA_URL", a.url)
    monkeypatch.setenv("JIRA_EMAIL", "admin@sandbox.test")
    monkeypatch.setenv("JIRA_API_TOKEN", "sandbox-admin-token")
    assert cli("verify", plan).exit_code == 3
    r = cli("sites", "verify", f, "--json")
    assert r.exit_code == 3 and states(r) == {"a": "pending"}
    assert cli("sites", "apply", f, "--yes").exit_code == 0
    assert cli("verify", plan).exit_code == 0 and cli("sites", "verify", f).exit_code == 0
    scheme = load_plan(plan).changes[0].scheme_id
    a.edit_as_other_admin(scheme, add=("CREATE_ISSUES", {"type": "anyone"}))
    assert cli("verify", plan).exit_code == 4
    r = cli("sites", "verify", f, "--json")
    assert r.exit_code == 4 and states(r) == {"a": "partial"}
    assert json.loads(r.stdout)["sites"][0]["status"] == "drifted"


def test_per_site_hints_name_the_sites_own_variables_and_commands(sandbox_factory, fleet, cli, monkeypatch):
    """A 401 hint named JIRA_EMAIL / JIRA_API_TOKEN; the stale hint pointed to --force, which `sites apply`
    lacks; `sites verify` said "no plan to apply"; an unreachable site got no hint."""
    ok, stale = sandbox_factory("demo"), sandbox_factory("demo")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens once the socket is closed
    f = fleet({"ok": ok, "stale": stale, "down": closed, "badcreds": sandbox_factory("small")})
    monkeypatch.setenv("BADCREDS_TOKEN", "wrong-token")
    r = cli("sites", "plan", f, "--json")
    rows = {s["site"]: s for s in json.loads(r.stdout)["sites"]}
    assert rows["badcreds"]["state"] == "refused"
    assert "check BADCREDS_EMAIL and BADCREDS_TOKEN" in rows["badcreds"]["hint"] and "JIRA_" not in rows["badcreds"]["hint"]
    assert rows["down"]["state"] == "failed" and f"nothing answers at {closed}" in rows["down"]["hint"]
    r = cli("sites", "plan", f)
    assert f"down: hint: nothing answers at {closed}" in r.stderr

    scheme = load_plan(Path("plans/sites/stale.json")).changes[0].scheme_id
    stale.edit_as_other_admin(scheme, add=("CREATE_ISSUES", {"type": "anyone"}))
    r = cli("sites", "apply", f, "--yes", "--only", "ok", "--only", "stale")
    assert r.exit_code == 4
    assert "--force" not in r.output
    assert f"stale: hint: schemes changed since the plan: re-plan this site (`migrate sites plan {f} --only stale`)" in r.stderr

    r = cli("sites", "verify", f, "--json")
    rows = {s["site"]: s for s in json.loads(r.stdout)["sites"]}
    assert "no plan to verify" in rows["down"]["message"] and "to apply" not in r.stdout


def test_filters_and_credentials_that_cannot_work_are_refused(sandbox_factory, fleet, cli, monkeypatch):
    """An include pattern matching nothing (or equal to exclude) gave "clean: nothing to change", exit 0; a
    site with both token_env and bearer_env was accepted and the bearer token silently won."""
    a = sandbox_factory("demo")
    f = fleet({"a": a}, extra={"a": 'include = ["Defualt*"]\n'})
    r = cli("sites", "plan", f, "--json")
    assert r.exit_code == 1 and states(r) == {"a": "refused"}
    message = json.loads(r.stdout)["sites"][0]["message"]
    assert "include pattern(s) 'Defualt*' match no permission scheme" in message and "did you mean 'Default*'?" in message
    assert not Path("plans/sites/a.json").exists()

    f = fleet({"a": a}, extra={"a": 'include = ["Default*"]\nexclude = ["Default*"]\n'})
    r = cli("sites", "check", f)
    assert r.exit_code == 1 and "'Default*' is both included and excluded" in r.stderr

    f = fleet({"a": a}, extra={"a": 'bearer_env = "A_PAT"\n'})
    monkeypatch.setenv("A_PAT", a.bearer_token)
    r = cli("sites", "check", f)
    assert r.exit_code == 1 and "both bearer_env and email_env, token_env are set" in r.stderr
    seen = a.stats()["requests"]
    assert cli("sites", "plan", f).exit_code == 1
    assert a.stats()["requests"] == seen  # refused before any request


def test_old_spellings_still_work_with_a_note(sandbox_factory, fleet, cli, tmp_path):
    a = sandbox_factory("demo")
    f = fleet({"a": a, "b": sandbox_factory("demo")})
    r = cli("sites", "plan", f, "--out-dir", tmp_path / "old", "--site", "a")
    assert r.exit_code == 0, r.output
    assert "--out-dir is deprecated" in r.stderr and "--site is deprecated" in r.stderr and "use --only" in r.stderr
    assert sorted(p.name for p in (tmp_path / "old").iterdir()) == ["a.json", "a.json.scan", "manifest.json"]
    r = cli("sites", "verify", f, "--plans", tmp_path / "old", "--json", "--site", "a")
    assert r.exit_code == 3 and "--plans is deprecated and goes away in the next release; use --plans-dir" in r.stderr
    r = cli("report", tmp_path / "old", "--output", tmp_path / "r.md", "--format", "md")
    assert r.exit_code == 0 and (tmp_path / "r.md").exists() and "--output is deprecated and goes away in the next release; use --out" in r.stderr
