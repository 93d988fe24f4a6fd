"""End to end: the real CLI (`migrate scopes`) on copies of corpus apps: output modes, --check exit codes
(0/1/2, --strict), --json and --sarif documents, usage errors and the descriptor found above a subfolder."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app

CORPUS = Path(__file__).parent / "corpus"
ROOT = Path(__file__).resolve().parents[2]
LINE_RE = re.compile(r"^[^\s:]+:\d+:\d+: (missing|excess|needs-review|warning|ok) \[[a-z-]+\] .+$")


@pytest.fixture
def apps(tmp_path, monkeypatch) -> Path:
    for name in ("forge-issue-triage", "connect-groovy-escalations", "connect-kotlin-releases", "connect-go-deploy-gate"):
        shutil.copytree(CORPUS / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(*args: str):
    return CliRunner().invoke(app, ["scopes", *args])


def test_piped_output_is_greppable_lines_then_the_app_block(apps):
    r = cli("forge-issue-triage")
    assert r.exit_code == 0, r.output
    findings = [ln for ln in r.stdout.splitlines() if ln.startswith("forge-issue-triage/")]
    assert findings and all(LINE_RE.match(ln) for ln in findings)
    assert "forge-issue-triage/manifest.yml:25:7: excess [excess] manage:jira-configuration is declared but no call needs it" in r.stdout
    assert "  suggested (paste into manifest.yml):\n    permissions:\n      scopes:\n        - read:jira-work\n" in r.stdout


def test_check_exit_codes(apps):
    assert cli("connect-groovy-escalations", "--check").exit_code == 1  # a call needs WRITE
    assert cli("connect-kotlin-releases", "--check", "--strict").exit_code == 0  # clean
    assert cli("forge-issue-triage", "--check").exit_code == 0  # excess only...
    assert cli("forge-issue-triage", "--check", "--strict").exit_code == 1  # ...unless --strict
    assert cli("connect-go-deploy-gate", "--check", "--strict").exit_code == 0  # possibly-needed excess never fails a check
    assert cli("connect-groovy-escalations").exit_code == 0  # no --check: a report, exit 0


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(("missing-dir", "--check"), "no such file or directory", id="missing-path"),
        pytest.param(("forge-issue-triage", "--strict"), "--strict only applies to --check", id="strict-without-check"),
    ],
)
def test_usage_errors_exit_2(apps, args, message):
    r = cli(*args)
    assert r.exit_code == 2 and message in r.output


def test_no_descriptor_is_an_error(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()  # the search upwards stops at the repository root
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.js").write_text("fetch('/rest/api/3/myself');\n")
    monkeypatch.chdir(tmp_path)
    r = cli("src", "--check")
    assert r.exit_code == 2
    assert "no atlassian-connect.json or Forge manifest.yml in src or above it" in r.stderr


def test_broken_descriptor_is_an_error_and_nothing_is_claimed(apps):
    (apps / "connect-kotlin-releases" / "src" / "main" / "resources" / "atlassian-connect.json").write_text('{"scopes": ["READ",]}')
    r = cli("connect-kotlin-releases", "--check")
    assert r.exit_code == 2
    assert "connect-kotlin-releases/src/main/resources/atlassian-connect.json: not valid JSON" in r.stderr


def test_unreadable_source_is_an_error(apps):
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    f = apps / "forge-issue-triage" / "src" / "index.ts"
    f.chmod(0)
    try:
        r = cli("forge-issue-triage", "--check")
        assert r.exit_code == 2 and "cannot read" in r.stderr
    finally:
        f.chmod(0o644)


def test_descriptor_above_a_subfolder_is_used(apps):
    r = cli("forge-issue-triage/src", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [a["descriptor"] for a in doc["apps"]] == ["forge-issue-triage/manifest.yml"]
    assert doc["summary"]["calls"] == 4
    # the rest of the app (static/, other folders) was not read: nothing is plain excess
    a = doc["apps"][0]
    assert a["excess"] == [] and a["possibly_needed"] == {"manage:jira-configuration": ["forge-issue-triage/"]}


def test_json_document(apps):
    r = cli("connect-groovy-escalations", "connect-go-deploy-gate", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)  # stdout is only the JSON document
    assert doc["format_version"] == "1" and doc["tool"] == "migrate scopes"
    assert doc["operation_table"].startswith("Jira Cloud platform REST API")
    by_name = {a["name"]: a for a in doc["apps"]}
    esc = by_name["escalations"]
    assert esc["kind"] == "connect" and esc["missing"] == ["WRITE"] and esc["suggested"] == ["READ", "WRITE"]
    assert esc["suggested_snippet"] == '"scopes": ["READ", "WRITE"]'
    post = next(c for c in esc["calls"] if c["method"] == "POST")
    assert post["operations"] == ["POST /rest/api/3/issue/{issueIdOrKey}/comment (addComment)"]
    assert post["status"] == "missing" and post["missing"] == ["WRITE"] and post["app_access_rule_exempt"] is False
    gate = by_name["deploy-gate"]
    assert gate["excess"] == [] and list(gate["possibly_needed"]) == ["DELETE"]
    assert doc["summary"]["missing"] == 1 and doc["summary"]["apps"] == 2
    kinds = {(f["classification"], f["kind"]) for f in doc["findings"]}
    assert {("missing", "call"), ("needs-review", "other-api"), ("needs-review", "excess"), ("warning", "app-access-rule")} <= kinds


def test_sarif(apps, tmp_path):
    out = tmp_path / "scopes.sarif"
    r = cli("forge-issue-triage", "connect-groovy-escalations", "--sarif", str(out))
    assert r.exit_code == 0, r.output
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert {"call", "excess", "app-access-rule", "unresolved-url"} <= set(rule_ids)
    results = run["results"]
    assert results and all(res["properties"]["classification"] != "ok" for res in results)  # ok calls are not alerts
    levels = {(res["properties"]["classification"], res["level"]) for res in results}
    assert levels == {("missing", "error"), ("excess", "warning"), ("warning", "note")}
    for res in results:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/") and loc["region"]["startLine"] >= 1
    excess = next(res for res in results if res["ruleId"] == "excess")
    assert excess["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "forge-issue-triage/manifest.yml"


def test_real_process_exit_code(apps):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "migrate", "scopes", "--check", "connect-groovy-escalations"], capture_output=True, text=True, env=env)
    assert p.returncode == 1, p.stderr
    assert "missing [call] POST /rest/api/3/issue/{issueIdOrKey}/comment (addComment): needs WRITE" in p.stdout


def test_another_tools_manifest_above_is_passed_over(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    shutil.copy(CORPUS / "forge-issue-triage" / "manifest.yml", tmp_path / "manifest.yml")
    (tmp_path / "svc" / "src").mkdir(parents=True)
    (tmp_path / "svc" / "manifest.yml").write_text("applications:\n  - name: svc\n    memory: 256M\n")  # Cloud Foundry
    (tmp_path / "svc" / "src" / "a.ts").write_text("await api.asApp().requestJira(route`/rest/api/3/myself`);\n")
    monkeypatch.chdir(tmp_path)
    r = cli("svc/src", "--json")
    assert r.exit_code == 0, r.output
    assert [a["descriptor"] for a in json.loads(r.stdout)["apps"]] == ["manifest.yml"]


def test_urls_in_page_templates_count_as_calls(tmp_path, monkeypatch):
    """Connect pages call AP.request from <script> blocks in templates the audit does not parse: their URLs
    are read as text, so a scope they may need is never called plain excess (here the project operations
    need at most PROJECT_ADMIN, so ADMIN is still excess and the suggestion keeps PROJECT_ADMIN)."""
    app_dir = tmp_path / "app"
    (app_dir / "views").mkdir(parents=True)
    (app_dir / "atlassian-connect.json").write_text('{"key": "k", "scopes": ["READ", "ADMIN"]}')
    (app_dir / "views" / "page.hbs").write_text(
        '<a href="https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/">docs</a>\n'
        "<script>AP.request({url: '/rest/api/3/project/{{projectKey}}', type: 'PUT'});</script>\n"
    )
    monkeypatch.chdir(tmp_path)
    doc = json.loads(cli("app", "--json").stdout)
    (call,) = doc["apps"][0]["calls"]
    assert (call["file"], call["line"], call["status"], call["path"]) == ("app/views/page.hbs", 2, "needs-review", "/rest/api/3/project/{}")
    a = doc["apps"][0]
    assert (a["excess"], list(a["possibly_needed"]), a["suggested"]) == (["ADMIN"], ["READ"], ["READ", "PROJECT_ADMIN"])
