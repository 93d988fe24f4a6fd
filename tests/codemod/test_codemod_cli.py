"""End to end: the real CLI (`migrate codemod`) on a copy of tests/codemod/sample_app.

--diff output, --check exit codes (0/1/2, --strict), --write then a second run is a no-op, --json and
--sarif parse and hold the expected classifications, and the vendored/ignored/minified files are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app

SAMPLE = Path(__file__).parent / "sample_app"
ROOT = Path(__file__).resolve().parents[2]

# (file, line, rule, classification) every run of the sample app must report
EXPECTED = {
    ("app/atlassian-connect.json", 10, "connect-condition", "rewritten"),
    ("app/atlassian-connect.json", 23, "connect-condition", "rewritten"),
    ("app/backend/Checker.java", 13, "url-query", "rewritten"),
    ("app/backend/Checker.java", 14, "response-read", "rewritten"),
    ("app/backend/Checker.kt", 5, "url-query", "rewritten"),
    ("app/backend/Checker.kt", 6, "response-read", "rewritten"),
    ("app/backend/app.py", 9, "check-body", "rewritten"),
    ("app/backend/app.py", 11, "response-read", "rewritten"),
    ("app/backend/app.py", 15, "url-query", "rewritten"),
    ("app/backend/app.py", 17, "response-read", "rewritten"),
    ("app/backend/app.py", 21, "url-query", "needs-review"),
    ("app/backend/app.py", 23, "response-read", "needs-review"),
    ("app/backend/grants.py", 5, "grant-filter", "needs-review"),
    ("app/backend/grants.py", 11, "grant", "rewritten"),
    ("app/config/scheme.json", 6, "grant", "rewritten"),
    ("app/go/perm.go", 12, "check-body", "rewritten"),
    ("app/go/perm.go", 17, "response-read", "rewritten"),
    ("app/infra/main.tf", 7, "grant", "rewritten"),
    ("app/manifest.yml", 7, "forge-manifest", "needs-review"),
    ("app/php/perm.php", 4, "url-query", "rewritten"),
    ("app/php/perm.php", 5, "response-read", "rewritten"),
    ("app/plugin/src/main/java/com/example/DcCheck.java", 8, "server-api", "report-only"),
    ("app/scripts/check.groovy", 5, "check-body", "rewritten"),
    ("app/scripts/check.groovy", 7, "response-read", "rewritten"),
    ("app/scripts/check.groovy", 8, "unrecognised", "needs-review"),
    ("app/src/constants.ts", 2, "indirect", "needs-review"),
    ("app/src/constants.ts", 4, "indirect", "needs-review"),
    ("app/src/forge/index.ts", 6, "url-query", "rewritten"),
    ("app/src/forge/index.ts", 9, "response-read", "rewritten"),
    ("app/src/forge/index.ts", 15, "url-query", "rewritten"),
    ("app/src/forge/index.ts", 18, "response-read", "rewritten"),
    ("app/src/forge/index.ts", 27, "check-body", "rewritten"),
    ("app/src/legacy/keep.js", 2, "url-query", "rewritten"),
    ("app/src/web/permissions.js", 1, "indirect", "needs-review"),
    ("app/src/web/permissions.js", 4, "url-query", "rewritten"),
    ("app/src/web/permissions.js", 7, "response-read", "rewritten"),
    ("app/src/web/permissions.js", 11, "url-query", "needs-review"),
    ("app/src/web/permissions.js", 12, "response-read", "needs-review"),
    ("app/src/web/permissions.js", 17, "grant-filter", "needs-review"),
}
NEVER_TOUCHED = ("node_modules/jira-lib/index.js", "dist/app.min.js", "generated/client.ts", "src/legacy/old.js", "README.md")


@pytest.fixture
def sample(tmp_path, monkeypatch) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "app")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "app"


def cli(*args: str):
    return CliRunner().invoke(app, ["codemod", *args])


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_diff_is_the_default_and_writes_nothing(sample):
    before = snapshot(sample)
    r = cli("app")
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert "--- a/app/src/forge/index.ts\n+++ b/app/src/forge/index.ts\n" in out
    assert "+    route`/rest/api/3/mypermissions?issueKey=${issueKey}&permissions=VIEW_PROJECTS,VIEW_ISSUES`\n" in out
    assert '+resource "jira_permission_scheme_grant" "browse_users_view_issues" {\n' in out
    assert "app/manifest.yml:7:25: needs-review [forge-manifest]" in out
    assert "rewritten sites" in out
    for p in NEVER_TOUCHED:
        assert f"a/app/{p}" not in out
    assert snapshot(sample) == before


def test_diff_applies_cleanly_with_git_apply(sample, tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    r = cli("app", "--json")
    doc = json.loads(r.stdout)
    patch = "".join(c["diff"] for c in doc["changed_files"])
    (tmp_path / "fix.patch").write_text(patch)
    subprocess.run(["git", "apply", "--check", "--unsafe-paths", "fix.patch"], cwd=tmp_path, check=True, capture_output=True)


def test_check_exit_codes(sample):
    r = cli("app", "--check")
    assert r.exit_code == 1
    assert "would rewrite app/src/forge/index.ts" in r.stdout
    assert cli("app/src/constants.ts", "--check").exit_code == 0  # needs-review only: not pending...
    assert cli("app/src/constants.ts", "--check", "--strict").exit_code == 1  # ...unless --strict
    assert cli("app/README.md", "--check").exit_code == 0  # nothing to do
    assert cli("app/missing", "--check").exit_code == 2  # error
    assert cli("app", "--check", "--write").exit_code == 2  # usage error
    assert cli("app", "--strict").exit_code == 2


def test_unreadable_file_is_an_error(sample):
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    f = sample / "src" / "web" / "permissions.js"
    f.chmod(0)
    try:
        r = cli("app", "--check")
        assert r.exit_code == 2
        assert "cannot be read" in r.stderr
    finally:
        f.chmod(0o644)


def test_write_then_second_run_is_a_no_op(sample):
    r = cli("app", "--write")
    assert r.exit_code == 0, r.output
    assert "rewrote app/infra/main.tf" in r.stdout
    after = snapshot(sample)
    assert b"VIEW_PROJECTS" in after["src/forge/index.ts"]
    assert after["README.md"] == (SAMPLE / "README.md").read_bytes()
    for p in NEVER_TOUCHED:
        assert after[p] == (SAMPLE / p).read_bytes()
    r2 = cli("app", "--check")
    assert r2.exit_code == 0, r2.stdout
    r3 = cli("app", "--write")
    assert snapshot(sample) == after
    doc = json.loads(cli("app", "--json").stdout)
    assert doc["summary"]["rewritten"] == 0 and doc["changed_files"] == []
    # what needed review still does, and nothing new appeared
    left = {(f["file"], f["rule"], f["classification"]) for f in doc["findings"]}
    assert left == {(f, rule, c) for f, _, rule, c in EXPECTED if c != "rewritten"}
    assert r3.exit_code == 0


def test_json_and_sarif(sample, tmp_path):
    sarif_path = tmp_path / "out.sarif"
    r = cli("app", "--json", "--sarif", str(sarif_path))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)  # stdout is only the JSON document
    got = {(f["file"], f["line"], f["rule"], f["classification"]) for f in doc["findings"]}
    assert got == EXPECTED
    s = doc["summary"]
    assert s["rewritten"] == sum(1 for e in EXPECTED if e[3] == "rewritten")
    assert s["report_only"] == 1 and s["files_changed"] == 13 and s["errors"] == 0
    assert s["skipped"]["vendored"] == 2 and s["skipped"]["gitignored"] == 2
    f0 = next(f for f in doc["findings"] if f["file"] == "app/src/forge/index.ts" and f["line"] == 9)
    assert f0["context"] == "issue" and "VIEW_ISSUES" in f0["replacement"] and f0["message"]

    sarif = json.loads(sarif_path.read_text())
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert {"url-query", "response-read", "grant", "server-api", "connect-condition"} <= set(rule_ids)
    results = run["results"]
    assert len(results) == len(EXPECTED)
    levels = {(res["properties"]["classification"], res["level"]) for res in results}
    assert levels == {("rewritten", "warning"), ("needs-review", "warning"), ("report-only", "note")}
    for res in results:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].startswith("app/") and loc["region"]["startLine"] >= 1
        if res["properties"]["classification"] == "rewritten":
            assert res["fixes"][0]["artifactChanges"][0]["replacements"]


def test_real_process_exit_code(sample):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-m", "migrate", "codemod", "app", "--check", "--jobs", "2"], capture_output=True, text=True, env=env)
    assert p.returncode == 1, p.stderr
    assert "would rewrite app/scripts/check.groovy" in p.stdout


def test_skipped_files_are_named_in_text_json_and_sarif(sample, tmp_path):
    (sample / "src" / "latin.js").write_bytes('const m = "BROWSE_PROJECTS é";\n'.encode("latin-1"))
    r = cli("app", "--check")
    assert "skipped: app/src/latin.js is not valid UTF-8, so it was not read." in r.stdout
    assert "skipped: app/node_modules is a vendored or build folder" in r.stdout
    sarif_path = tmp_path / "out.sarif"
    doc = json.loads(cli("app", "--json", "--sarif", str(sarif_path)).stdout)
    assert {"path": "app/src/latin.js", "reason": "not-utf8", "message": "app/src/latin.js is not valid UTF-8, so it was not read."} in doc["skipped_files"]
    notes = json.loads(sarif_path.read_text())["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    latin = [n for n in notes if n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/src/latin.js"]
    assert latin and latin[0]["level"] == "warning"


def test_a_named_file_that_cannot_be_read_fails_the_check(sample):
    """pre-commit passes staged files by name: one the codemod could not read must not pass the hook."""
    bad = sample / "src" / "latin.js"
    bad.write_bytes('const m = "BROWSE_PROJECTS é";\n'.encode("latin-1"))
    r = cli("app/src/latin.js", "--check")
    assert r.exit_code == 2
    assert "app/src/latin.js: it was named to be checked, but it is not valid UTF-8, so it was not read." in r.stderr


def test_write_refuses_a_read_only_file_and_writes_nothing(sample):
    before = snapshot(sample)
    (sample / "src" / "forge" / "index.ts").chmod(0o444)
    r = cli("app", "--write")
    assert r.exit_code == 2
    assert "app/src/forge/index.ts: it is read-only, so it was not rewritten" in r.stderr
    assert "no file was written" in r.stderr
    assert snapshot(sample) == before


def test_a_manifest_that_is_not_forge_is_not_called_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifest.yml").write_text("applications:\n  - name: web\n    env:\n      REQUIRED: BROWSE_PROJECTS\n")
    r = cli("manifest.yml", "--json")
    f = json.loads(r.stdout)["findings"][0]
    assert f["rule"] != "forge-manifest" and "Forge" not in f["message"]
    assert f["message"][0].isupper() and f["message"].endswith(".")
