"""Secrets: a canary API token, used by every command, appears in no output, log, or file; every file
the tool creates is 0600.

The whole life of a migration runs through the real CLI against a sandbox whose admin token is the
canary, with -vv request logging, while the site answers with 429s (Retry-After 0), 503s and lost POST
answers, so retries and re-reads are logged too: plan, show, report (html and md), apply, verify,
rollback, `sites plan` / `sites apply` (the token in a variable the sites file names), a 401 with a wrong
token that contains the canary, an https-less URL carrying the canary, and an internal-error path with
MIGRATE_DEBUG=1. stdout, stderr, logs and every file under cwd and MIGRATE_HOME are searched for the
canary and for the base64 Basic-auth form of it.
"""

from __future__ import annotations

import base64
import json
import stat
import uuid

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.sandbox import Sandbox

CANARY = "ATATT-canary-" + uuid.uuid4().hex
EMAIL = "canary.admin@sandbox.test"
FAULTS = "429=0.08,503=0.05,retry-after=0,retry-after-503=1,lost-post=0.1,lost-mode=502,seed=5"


def forms(secret: str) -> list[str]:
    return [secret, base64.b64encode(f"{EMAIL}:{secret}".encode()).decode(), secret[8:]]


@pytest.mark.e2e
def test_canary_token_never_leaks(tmp_path, monkeypatch):
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("MIGRATE_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    outputs: dict[str, str] = {}

    def run(name: str, args: list[str], env: dict[str, str], codes=(0,)) -> str:
        r = runner.invoke(app, ["-vv", *args], env=env)
        text = (r.stdout or "") + (r.stderr if r.stderr_bytes is not None else "")
        outputs[name] = text
        assert r.exit_code in codes, f"{name}: exit {r.exit_code}\n{text[-2000:]}\n{r.exception!r}"
        return text

    with Sandbox("demo", users={"admin_email": EMAIL, "admin_token": CANARY}, faults=FAULTS) as sb:
        env = {"JIRA_URL": sb.url, "JIRA_EMAIL": EMAIL, "JIRA_API_TOKEN": CANARY}
        run("plan", ["plan", "--out", "plans/p.json"], env, codes=(0, 3))
        run("show", ["show", "plans/p.json"], env)
        run("report-html", ["report", "plans/p.json", "-o", "report.html"], env)
        run("report-md", ["report", "plans/p.json", "--format", "md", "-o", "report.md"], env)
        run("apply", ["apply", "plans/p.json", "--yes"], env, codes=(0, 4))
        run("apply-again", ["apply", "plans/p.json", "--yes"], env, codes=(0,))
        run("verify", ["verify", "plans/p.json"], env, codes=(0,))
        run("rollback", ["rollback", "plans/p.json", "--yes"], env, codes=(0,))
        run("wrong-token", ["plan", "--out", "plans/q.json"], {**env, "JIRA_API_TOKEN": CANARY + "x"}, codes=(1,))
        run("url-with-token", ["plan"], {**env, "JIRA_URL": f"http://{EMAIL.split('@')[0]}:{CANARY}@example.com"},
            codes=(1, 2))
        sites = work / "sites.toml"
        sites.write_text(f'[[site]]\nname = "canary"\nurl = "{sb.url}"\nemail_env = "CANARY_EMAIL"\n'
                         'token_env = "CANARY_TOKEN"\n')
        senv = {"CANARY_EMAIL": EMAIL, "CANARY_TOKEN": CANARY}
        run("sites-plan", ["sites", "plan", str(sites), "-o", "plans/sites"], senv, codes=(0, 3))
        run("sites-apply", ["sites", "apply", str(sites), "--plans", "plans/sites", "--yes"], senv, codes=(0, 4))
        run("debug-internal", ["apply", "plans/p.json", "--yes"], {**env, "MIGRATE_DEBUG": "1", "JIRA_URL": sb.url + "/x"},
            codes=(0, 1))

    leaks = []
    for name, text in outputs.items():
        for f in forms(CANARY):
            if f in text:
                leaks.append(f"output of {name}")
    files = [p for root in (work, home) for p in root.rglob("*") if p.is_file()]
    created = [p for p in files if p != sites]
    assert created, "the commands wrote no files: nothing was checked"
    for p in files:
        data = p.read_bytes()
        for f in forms(CANARY):
            if f.encode() in data:
                leaks.append(str(p.relative_to(tmp_path)))
    assert not leaks, f"the canary token leaked into: {sorted(set(leaks))}"
    loose = [f"{p.relative_to(tmp_path)} ({oct(stat.S_IMODE(p.stat().st_mode))})" for p in created
             if stat.S_IMODE(p.stat().st_mode) & 0o077]
    print("\nCANARY " + json.dumps({"commands": len(outputs), "files_checked": len(files), "leaks": len(leaks),
                                    "files_not_0600": len(loose), "canary_forms": len(forms(CANARY))}))
    assert not loose, f"files readable by others: {loose}"
