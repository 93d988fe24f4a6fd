"""`migrate sites ...` end to end: several local Jira sites at once, through the real CLI over HTTP.

Five sandboxes, each with its own canary token and canary scheme names:
  alpha      a normal Cloud site
  badcreds   the env holds the wrong token: 401
  throttled  429s with Retry-After on its first requests (shared fake clock): completes after waiting
  hammered   every request 429 with a Retry-After of an hour: fails at once, clearly
  legacy     no VIEW_PROJECTS / VIEW_ISSUES yet: plan works, apply refuses
The others must complete; the summary and the combined exit code must be right; no site's files may hold
another site's URL, data or token.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

import migrate.sites.clients as site_clients
from migrate.cli import app
from migrate.jira.retry import RetryPolicy
from migrate.sandbox import FakeClock, Sandbox

pytestmark = pytest.mark.e2e

NAMES = ("alpha", "badcreds", "throttled", "hammered", "legacy")


def _canary_schemes(sb: Sandbox, name: str) -> None:
    with sb.lock:
        for s in sb.state.schemes.values():
            s.name = f"{name}-canary {s.name}"
            s.touch()


@pytest.fixture
def fleet(tmp_path, monkeypatch):
    """Start the sandboxes, write sites.toml, set the env, make every client's retries use a fake clock."""
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    for k in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_BEARER_TOKEN"):
        monkeypatch.delenv(k, raising=False)
    clocks = {n: FakeClock() for n in NAMES}
    kw = {
        "alpha": dict(seed="demo"),
        "badcreds": dict(seed="demo"),
        "throttled": dict(seed="small", faults="429=3x,retry-after=2"),
        "hammered": dict(seed="demo", faults="429=1.0,retry-after=3600"),
        "legacy": dict(seed="legacy"),
    }
    boxes: dict[str, Sandbox] = {}
    try:
        for n in NAMES:
            c = clocks[n]
            boxes[n] = Sandbox(
                users={"admin_token": f"{n}-canary-token-{'x' * 8}", "admin_email": f"admin@{n}.test"},
                clock=c,
                sleep=c.sleep,
                expand_holders=True,  # as live Cloud does
                **kw[n],
            ).start()
            _canary_schemes(boxes[n], n)
        by_url = {boxes[n].url: clocks[n] for n in NAMES}
        monkeypatch.setattr(
            site_clients, "retry_policy_for", lambda spec: RetryPolicy(sleep=by_url[spec.url].sleep, clock=by_url[spec.url])
        )
        lines = []
        for n in NAMES:
            up = n.upper()
            lines += [
                "[[site]]",
                f'name = "{n}"',
                f'url = "{boxes[n].url}"',
                f'flavour = "{"cloud" if n != "legacy" else "auto"}"',
                f'email_env = "{up}_EMAIL"',
                f'token_env = "{up}_TOKEN"',
                "max_rps = 0",  # no client-side write throttle: the test never sleeps for real
                "",
            ]
            monkeypatch.setenv(f"{up}_EMAIL", f"admin@{n}.test")
            monkeypatch.setenv(f"{up}_TOKEN", f"{n}-canary-token-{'x' * 8}")
        monkeypatch.setenv("BADCREDS_TOKEN", "badcreds-wrong-token-yyyyyyyy")
        f = tmp_path / "sites.toml"
        f.write_text("\n".join(lines))
        yield {"boxes": boxes, "clocks": clocks, "file": f, "plans": tmp_path / "plans", "home": tmp_path / "home"}
    finally:
        for sb in boxes.values():
            sb.stop()


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def rows(result) -> dict[str, dict]:
    doc = json.loads(result.stdout)
    return {r["site"]: r for r in doc["sites"]}, doc


def _site_files(fleet, name: str) -> list[Path]:
    """Everything written for one site: its plan and its data folder (snapshots, journals, lock owner)."""
    from migrate.store import site_slug

    url = fleet["boxes"][name].url
    files = [fleet["plans"] / f"{name}.json"] if (fleet["plans"] / f"{name}.json").exists() else []
    d = fleet["home"] / "sites" / site_slug(url)
    if d.exists():
        files += [p for p in d.rglob("*") if p.is_file()]
    return files


def _assert_isolated(fleet) -> int:
    checked = 0
    for n in NAMES:
        for f in _site_files(fleet, n):
            text = f.read_text("utf-8", errors="replace")
            checked += 1
            if f.suffix == ".json" and f.parent == fleet["plans"]:
                assert f"{n}-canary " in text and fleet["boxes"][n].url in text  # the check below means something
            for other in NAMES:
                assert f"{other}-canary-token" not in text, (f, other)  # no token at all, own or other
                if other == n:
                    continue
                assert fleet["boxes"][other].url not in text, (f, other)
                assert f"{other}-canary " not in text, (f, other)
                assert f"admin@{other}.test" not in text, (f, other)
    return checked


def test_bulk_plan_apply_verify_with_failing_sites(fleet, tmp_path):
    f, plans = str(fleet["file"]), str(fleet["plans"])

    # offline check: everything is set (the bad token is set too; only the site can tell it is wrong)
    r = run("sites", "check", f, "--json")
    assert r.exit_code == 0, r.output
    assert all(s["ok"] for s in json.loads(r.stdout)["sites"])

    # --- plan
    r = run("sites", "plan", f, "--plans-dir", plans, "--json", "--parallel", "5")
    by, doc = rows(r)
    # three sites planned, two failed: "some done" (4), which "none done" (1) is not
    assert r.exit_code == 4 and doc["exit_code"] == 4, r.output
    assert doc["totals"]["states"] == {"done": 3, "partial": 0, "pending": 0, "refused": 1, "failed": 1, "skipped": 0}
    assert list(by) == list(NAMES)
    assert by["alpha"]["status"] == "changes" and by["alpha"]["schemes_changed"] > 0 and by["alpha"]["grants_added"] > 0
    assert by["badcreds"]["status"] == "error" and by["badcreds"]["error"] == "AuthenticationError"
    assert "401" in by["badcreds"]["message"]
    assert by["throttled"]["status"] == "changes" and by["throttled"]["grants_added"] > 0
    assert fleet["clocks"]["throttled"].sleeps, "the throttled site waited (on its own fake clock)"
    assert by["hammered"]["status"] == "error" and by["hammered"]["error"] == "RateLimitedError"
    assert "429" in by["hammered"]["message"]
    assert by["legacy"]["status"] == "blocked" and by["legacy"]["missing_keys"] == ["VIEW_PROJECTS", "VIEW_ISSUES"]
    assert not fleet["clocks"]["alpha"].sleeps and not fleet["clocks"]["legacy"].sleeps
    assert sorted(p.name for p in fleet["plans"].iterdir()) == [
        "alpha.json", "alpha.json.scan", "legacy.json", "legacy.json.scan", "manifest.json", "throttled.json",
        "throttled.json.scan"]  # each plan with its site-wide scan beside it
    for p in fleet["plans"].iterdir():
        assert stat.S_IMODE(os.stat(p).st_mode) == 0o600

    # the same run, human summary (piped: plain, tab-separated), and no secret anywhere in the output
    r = run("sites", "plan", f, "--plans-dir", plans, "--detailed-exitcode")
    assert r.exit_code == 4
    lines = r.stdout.splitlines()
    assert lines[0] == "migrate sites plan"
    assert lines[1].split("\t") == ["Site", "URL", "Schemes changed", "Grants added", "Grants removed", "Outcome"]
    table = {ln.split("\t")[0]: ln.split("\t") for ln in lines[2:]}
    assert table["alpha"][5].startswith("changes pending; also on this site: 13 referring to BROWSE_PROJECTS")
    assert table["badcreds"][5].startswith("error: Jira rejected the credentials (401)")
    assert table["legacy"][5].startswith("blocked: site lacks VIEW_PROJECTS, VIEW_ISSUES")
    assert table["total"][1] == "5 sites, 2 failed" and table["total"][5] == "partial"
    assert "exit 4 (partial; sites: 3 done, 1 refused, 1 failed)" in r.stderr
    for n in NAMES:
        assert f"{n}-canary-token" not in r.output

    # --- apply (from the saved plans only)
    r = run("sites", "apply", f, "--plans-dir", plans, "--yes", "--json")
    by, doc = rows(r)
    assert r.exit_code == 4, r.output
    assert doc["totals"]["states"]["done"] == 2 and doc["totals"]["states"]["refused"] == 3
    assert by["alpha"]["status"] == "applied" and by["alpha"]["exit_code"] == 0
    assert by["throttled"]["status"] == "applied"
    assert by["alpha"]["grants_added"] > 0 and by["alpha"]["details"]["counts"]["applied"] == by["alpha"]["schemes_changed"]
    assert by["badcreds"]["status"] == "error" and "planning failed" in by["badcreds"]["message"]
    assert by["hammered"]["status"] == "error" and "planning failed" in by["hammered"]["message"]
    assert by["legacy"]["status"] == "error" and by["legacy"]["error"] == "UnsupportedSiteError"

    # what was applied is on the sites; the failed and legacy sites were not written to
    for n in ("alpha", "throttled"):
        st = fleet["boxes"][n].stats()
        assert st["grants_created"] == by[n]["grants_added"] > 0 and st["duplicate_grant_400s"] == 0
    st = fleet["boxes"]["throttled"].stats()
    assert st["fault_429s"] >= 3 and st["early_retries"] == 0  # every Retry-After honoured, on its own clock
    for n in ("badcreds", "hammered", "legacy"):
        counts = fleet["boxes"][n].request_counts()
        assert not any(m in ("POST", "DELETE", "PUT") for (m, _p) in counts), (n, counts)
    assert fleet["boxes"]["hammered"].stats()["requests"] == 2  # one 429 per run, never hammered further

    # --- verify
    r = run("sites", "verify", f, "--plans-dir", plans, "--json", "--only", "alpha", "--only", "throttled")
    by, doc = rows(r)
    assert r.exit_code == 0, r.output
    assert by["alpha"]["status"] == "verified" and by["throttled"]["status"] == "verified"

    # --- a second apply changes nothing and still succeeds for the good sites
    r = run("sites", "apply", f, "--plans-dir", plans, "--yes", "--json", "--only", "alpha")
    by, _ = rows(r)
    assert r.exit_code == 0 and by["alpha"]["status"] == "applied"
    assert by["alpha"]["grants_added"] == 0

    # --- isolation: each site's plan, snapshot and journal hold only that site
    assert _assert_isolated(fleet) >= 6


def test_partial_beats_changes_and_stale_plan_is_refused_per_scheme(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    with Sandbox("demo") as a, Sandbox("small", random_seed=3) as b:
        f = tmp_path / "sites.toml"
        f.write_text(
            f'[defaults]\nmax_rps = 0\n\n[[site]]\nname = "a"\nurl = "{a.url}"\nemail_env = "A_EMAIL"\ntoken_env = "A_TOKEN"\n\n'
            f'[[site]]\nname = "b"\nurl = "{b.url}"\nbearer_env = "B_PAT"\nconcurrency = 2\nmax_rps = 0\n'
        )
        monkeypatch.setenv("A_EMAIL", a.admin.email)
        monkeypatch.setenv("A_TOKEN", a.admin.token)
        monkeypatch.setenv("B_PAT", b.bearer_token)
        plans = str(tmp_path / "plans")
        r = run("sites", "plan", str(f), "--plans-dir", plans, "--detailed-exitcode", "--json")
        by, _ = rows(r)
        assert r.exit_code == 3, r.output
        assert by["a"]["status"] == "changes" and by["b"]["status"] == "changes"
        r = run("sites", "plan", str(f), "--plans-dir", plans, "--json")
        assert r.exit_code == 0  # without --detailed-exitcode, pending changes are a success

        # another admin edits one of b's planned schemes: that scheme is refused, the rest applied
        from migrate.planfile import load_plan

        target = load_plan(Path(plans) / "b.json").changes[0].scheme_id
        b.edit_as_other_admin(target, add=("CREATE_ISSUES", {"type": "anyone"}))
        r = run("sites", "apply", str(f), "--plans-dir", plans, "--yes", "--json")
        by, doc = rows(r)
        assert r.exit_code == 4 and doc["exit_code"] == 4, r.output
        assert by["a"]["status"] == "applied" and by["a"]["exit_code"] == 0
        assert by["b"]["status"] == "partial" and "skipped-stale" in by["b"]["message"]
        assert str(target) in by["b"]["message"]


def test_apply_without_yes_is_refused_when_not_interactive(fleet):
    run("sites", "plan", str(fleet["file"]), "--plans-dir", str(fleet["plans"]), "--only", "alpha")
    r = run("sites", "apply", str(fleet["file"]), "--plans-dir", str(fleet["plans"]), "--only", "alpha")
    assert r.exit_code == 1
    assert "stdin is not a terminal" in r.stderr and "--yes" in r.stderr
    assert not any(m == "POST" for (m, _p) in fleet["boxes"]["alpha"].request_counts())


def test_malformed_sites_file_and_missing_plans(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    f = tmp_path / "sites.toml"
    f.write_text('[[site]]\nname = "x"\nurl = "http://jira.example.com"\ntoken = "ATATT3xFfGF0secretsecret"\n')
    r = run("sites", "check", str(f))
    assert r.exit_code == 1
    assert "line 3 (site 'x'): refusing plain http" in r.stderr
    assert "line 4 (site 'x'): 'token' is not allowed" in r.stderr
    assert "ATATT3xFfGF0secretsecret" not in r.output
    f.write_text('[[site]]\nname = "x"\nurl = "http://127.0.0.1:9"\nbearer_env = "X_PAT"\n')
    r = run("sites", "check", str(f), "--json")
    assert r.exit_code == 1 and json.loads(r.stdout)["sites"][0]["env"] == {"X_PAT": False}
    r = run("sites", "apply", str(f), "--plans-dir", str(tmp_path / "nowhere"), "--yes")
    assert r.exit_code == 1 and "holds no `migrate sites plan` run" in r.stderr


def test_a_locked_site_fails_alone(tmp_path, monkeypatch):
    """Each site has its own lock: another writer on one site stops that site only."""
    from migrate.lock import site_lock
    from migrate.planfile import load_plan

    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    with Sandbox("demo") as a, Sandbox("demo") as b:
        f = tmp_path / "sites.toml"
        f.write_text(
            "[defaults]\nmax_rps = 0\n\n"
            f'[[site]]\nname = "a"\nurl = "{a.url}"\nbearer_env = "A_PAT"\n\n'
            f'[[site]]\nname = "b"\nurl = "{b.url}"\nbearer_env = "B_PAT"\n'
        )
        monkeypatch.setenv("A_PAT", a.bearer_token)
        monkeypatch.setenv("B_PAT", b.bearer_token)
        plans = tmp_path / "plans"
        assert run("sites", "plan", str(f), "--plans-dir", str(plans)).exit_code == 0
        with site_lock(load_plan(plans / "a.json").site["url"], command="another migrate apply"):
            r = run("sites", "apply", str(f), "--plans-dir", str(plans), "--yes", "--json")
        by, _ = rows(r)
        assert r.exit_code == 4  # b is done, a was refused
        assert by["a"]["status"] == "error" and by["a"]["error"] == "LockHeldError" and by["a"]["state"] == "refused"
        assert by["b"]["status"] == "applied" and b.stats()["grants_created"] == by["b"]["grants_added"] > 0
        assert a.stats()["grants_created"] == 0
