"""Secrets: canary tokens, used by every command, appear in no output, log, or file; every file the tool
creates is 0600.

The whole life of a migration runs through the real CLI against a sandbox whose admin token is the
canary, with -vv request logging, while the site answers with 429s (Retry-After 0), 503s and lost POST
answers, so retries and re-reads are logged too. Paths covered (each asserted to have really happened):
- commands: doctor, plan, show, report (html and md), apply (twice: partial then resume), verify, rollback,
  `sites check / plan / apply / verify` (the token in a variable the sites file names), and plan + doctor
  with a bearer token (a second canary, JIRA_BEARER_TOKEN);
- errors: a 401 with a wrong token that contains the canary; a URL carrying a third canary as userinfo
  (never registered as a secret anywhere); a sites file holding a literal token (a fourth, never
  registered canary); a not-found site with MIGRATE_DEBUG=1; an internal error (an unexpected exception
  whose message holds the canary) with MIGRATE_DEBUG=1, which prints a redacted traceback;
- retries: 429 / 503 answers and lost POST answers fire (sandbox fault counts) and show in the -vv logs;
- files: plan files, sites plans + manifest, snapshots, apply and rollback journals, HTML and Markdown
  reports, lock files, all under cwd and MIGRATE_HOME.
stdout, stderr, logs and every file are searched for each canary, its base64 Basic-auth form and a
substring of it.
"""

from __future__ import annotations

import base64
import json
import stat
import uuid

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.model import Scheme
from migrate.sandbox import Sandbox

CANARY = "ATATT-canary-" + uuid.uuid4().hex
BEARER = "BEARER-canary-" + uuid.uuid4().hex
IN_URL = "URL-canary-" + uuid.uuid4().hex
IN_FILE = "FILE-canary-" + uuid.uuid4().hex
EMAIL = "canary.admin@sandbox.test"
FAULTS = "429=0.08,503=0.05,retry-after=0,retry-after-503=1,lost-post=0.1,lost-mode=502,seed=5"


def forms(secret: str) -> list[str]:
    return [secret, base64.b64encode(f"{EMAIL}:{secret}".encode()).decode(), secret[8:]]


ALL_FORMS = [f for s in (CANARY, BEARER, IN_URL, IN_FILE) for f in forms(s)]


def kind_of(rel: str) -> str:
    if "/snapshots/" in rel:
        return "snapshot"
    if rel.endswith(".rollback.jsonl"):
        return "rollback journal"
    if rel.endswith(".jsonl"):
        return "apply journal"
    if rel.endswith(".html"):
        return "report html"
    if rel.endswith(".md"):
        return "report md"
    if "plans/sites/" in rel:
        return "sites plan/manifest"
    if rel.startswith("work/plans/"):
        return "plan"
    if rel.endswith(".lock"):
        return "lock"
    return "other"


@pytest.mark.e2e
def test_canary_token_never_leaks(tmp_path, monkeypatch):
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("MIGRATE_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "200")
    for k in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_BEARER_TOKEN", "MIGRATE_DEBUG"):
        monkeypatch.delenv(k, raising=False)
    runner = CliRunner()
    outputs: dict[str, str] = {}

    def run(name: str, args: list[str], env: dict[str, str], codes=(0,)) -> str:
        r = runner.invoke(app, ["-vv", *args], env=env)
        text = (r.stdout or "") + (r.stderr if r.stderr_bytes is not None else "")
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            text += f"\nEXCEPTION {r.exception!r}"
        outputs[name] = text
        assert r.exit_code in codes, f"{name}: exit {r.exit_code}\n{text[-2000:]}\n{r.exception!r}"
        return text

    users = {"admin_email": EMAIL, "admin_token": CANARY, "bearer_token": BEARER}
    with Sandbox("demo", users=users, faults=FAULTS) as sb:
        env = {"JIRA_URL": sb.url, "JIRA_EMAIL": EMAIL, "JIRA_API_TOKEN": CANARY}
        benv = {"JIRA_URL": sb.url, "JIRA_BEARER_TOKEN": BEARER}
        run("doctor", ["doctor"], env)
        run("plan", ["plan", "--out", "plans/p.json"], env, codes=(0, 3))
        run("show", ["show", "plans/p.json"], env)
        run("report-html", ["report", "plans/p.json", "-o", "report.html"], env)
        run("report-md", ["report", "plans/p.json", "--format", "md", "-o", "report.md"], env)
        run("apply", ["apply", "plans/p.json", "--yes"], env, codes=(0, 4))
        run("apply-again", ["apply", "plans/p.json", "--yes"], env, codes=(0,))
        run("verify", ["verify", "plans/p.json"], env, codes=(0,))
        run("rollback", ["rollback", "plans/p.json", "--yes"], env, codes=(0,))
        run("bearer-doctor", ["doctor"], benv)
        run("bearer-plan", ["plan", "--out", "plans/b.json"], benv, codes=(0, 3))
        run("wrong-token", ["plan", "--out", "plans/q.json"], {**env, "JIRA_API_TOKEN": CANARY + "x"}, codes=(1,))
        run("url-with-token", ["plan"], {**env, "JIRA_URL": f"http://{EMAIL.split('@')[0]}:{CANARY}@example.com"},
            codes=(1, 2))
        run("url-with-other-secret", ["doctor"], {**env, "JIRA_URL": f"https://bob:{IN_URL}@{sb.url.split('//')[1]}"},
            codes=(1, 2))
        sites = work / "sites.toml"
        sites.write_text(f'[[site]]\nname = "canary"\nurl = "{sb.url}"\nemail_env = "CANARY_EMAIL"\n'
                         'token_env = "CANARY_TOKEN"\n')
        literal = work / "sites-literal.toml"
        literal.write_text(f'[[site]]\nname = "literal"\nurl = "{sb.url}"\nemail = "{EMAIL}"\napi_token = "{IN_FILE}"\n')
        senv = {"CANARY_EMAIL": EMAIL, "CANARY_TOKEN": CANARY}
        run("sites-check", ["sites", "check", str(sites)], senv)
        run("sites-plan", ["sites", "plan", str(sites), "-o", "plans/sites"], senv, codes=(0, 3))
        run("sites-apply", ["sites", "apply", str(sites), "--plans", "plans/sites", "--yes"], senv, codes=(0, 4))
        run("sites-verify", ["sites", "verify", str(sites), "--plans", "plans/sites"], senv, codes=(0, 4))
        run("sites-literal-token", ["sites", "check", str(literal)], senv, codes=(1, 2))
        run("debug-not-found", ["apply", "plans/p.json", "--yes"], {**env, "MIGRATE_DEBUG": "1", "JIRA_URL": sb.url + "/x"},
            codes=(1,))

        def boom(cls, *a, **kw):
            token = CANARY  # noqa: F841  (a local a traceback with locals would show)
            raise RuntimeError(f"unexpected failure while using {CANARY} for {EMAIL}")

        with monkeypatch.context() as m:
            m.setattr(Scheme, "from_json", classmethod(boom))
            m.setattr("migrate.jira.client.parse_scheme_list", lambda body: boom(None))  # the scheme list's fast path
            internal = run("internal-error-debug", ["plan", "--out", "plans/r.json"], {**env, "MIGRATE_DEBUG": "1"},
                           codes=(1,))
        stats = sb.stats()

    # the paths really ran: otherwise "no leak" proves nothing
    assert "internal error" in internal and "Traceback" in internal, internal[-1500:]
    assert stats["faults"].get("429", 0) and stats["faults"].get("503", 0), stats["faults"]
    assert stats["faults"].get("lost-post", 0), stats["faults"]
    logged = "\n".join(outputs.values())
    retries_logged = logged.count("-> 429") + logged.count("-> 503") + logged.count("-> 502")
    assert retries_logged, "no retry showed in the -vv logs"
    assert logged.count("DEBUG migrate") > 50, "the -vv request log was not captured"
    for name in ("wrong-token", "url-with-token", "url-with-other-secret", "sites-literal-token", "debug-not-found"):
        assert "error" in outputs[name].lower(), (name, outputs[name][-500:])

    leaks = []
    for name, text in outputs.items():
        for f in ALL_FORMS:
            if f in text:
                leaks.append(f"output of {name}")
    inputs = {sites, literal}
    files = [p for root in (work, home) for p in root.rglob("*") if p.is_file()]
    created = [p for p in files if p not in inputs]
    assert created, "the commands wrote no files: nothing was checked"
    kinds: dict[str, int] = {}
    for p in created:
        k = kind_of(str(p.relative_to(tmp_path)))
        kinds[k] = kinds.get(k, 0) + 1
    want = {"plan", "sites plan/manifest", "snapshot", "apply journal", "rollback journal", "report html", "report md"}
    assert want <= set(kinds), f"some kinds of file were not written, so not checked: {want - set(kinds)} ({kinds})"
    for p in created:
        data = p.read_bytes()
        for f in ALL_FORMS:
            if f.encode() in data:
                leaks.append(str(p.relative_to(tmp_path)))
    assert not leaks, f"a canary token leaked into: {sorted(set(leaks))}"
    loose = [f"{p.relative_to(tmp_path)} ({oct(stat.S_IMODE(p.stat().st_mode))})" for p in created
             if stat.S_IMODE(p.stat().st_mode) & 0o077]
    print("\nCANARY " + json.dumps({
        "commands": len(outputs), "command_names": sorted(outputs), "files_checked": len(created),
        "files_by_kind": dict(sorted(kinds.items())), "retry_answers_logged": retries_logged,
        "faults_fired": stats["faults"], "canaries": 4, "forms_per_canary": 3, "leaks": len(leaks),
        "files_not_0600": len(loose)}))
    assert not loose, f"files readable by others: {loose}"
