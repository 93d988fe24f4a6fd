"""`migrate scan`, and the scan inside `plan`, `show`, `sites plan` and `report`, through the real CLI over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "dc-workflows"


def test_scan_text_json_and_exit_codes(sandbox, env, cli):
    r = cli("scan")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("Refers to BROWSE_PROJECTS (13)\n")
    assert "  workflow 'Acme Software Workflow' › transition 'Done' (id 31) › condition system:restrict-issue-transition" in r.stdout
    assert '      change: set permissionKeys to "ADMINISTER_PROJECTS,VIEW_ISSUES"' in r.stdout
    assert "Scan: 13 referring to BROWSE_PROJECTS, 1 outside the scheme migration, 2 to review (7 requests)." in r.stdout
    assert cli("scan", "--detailed-exitcode").exit_code == 3
    j = cli("scan", "--json", "--out", "site.scan")
    doc = json.loads(j.stdout)
    assert doc["format_version"] == "1" and doc["kind"] == "migrate-scan" and doc["exit_code"] == 0
    assert doc["counts"] == {"reference": 13, "outside": 1, "review": 2}
    assert {f["category"] for f in doc["findings"]} == {"reference", "outside", "review"}
    assert all({"where", "found", "suggestion", "location", "projects"} <= set(f) for f in doc["findings"])
    assert stat.S_IMODE(os.stat("site.scan").st_mode) == 0o600
    saved = json.loads(Path("site.scan").read_text())  # the scan file keeps its own format version
    assert saved.pop("format_version") == "1.0" and saved == {k: v for k, v in doc.items() if k not in ("format_version", "exit_code")}
    assert sandbox.admin.token not in j.stdout + Path("site.scan").read_text()


def test_scan_options_and_errors(sandbox_factory, env, cli, point_env):
    assert cli("scan", "--workflow-api", "sideways").exit_code == 2
    r = cli("scan", "--workflow-xml", "nope.xml")
    assert r.exit_code == 1 and "workflow XML file nope.xml does not exist" in r.stderr
    legacy = json.loads(cli("scan", "--workflow-api", "legacy", "--json").stdout)
    assert legacy["counts"]["reference"] == 12  # no team-managed workflow in the older API
    dc = sandbox_factory("dc")
    point_env(dc)
    files = sorted(str(p) for p in EXAMPLES.glob("*.xml"))
    r = cli("scan", "--json", *[a for f in files for a in ("--workflow-xml", f)])
    doc = json.loads(r.stdout)
    assert doc["counts"] == {"reference": 6, "review": 1, "not-scanned": 1}
    assert doc["site"]["deployment_type"] == "DataCenter"


def test_plan_show_and_no_scan(sandbox, env, cli):
    r = cli("plan", "--out", "p.json")
    assert r.exit_code == 0, r.stderr
    assert "\nAlso on this site, outside permission schemes (`migrate scan` lists each with the change to make):\n" \
           "  refer to BROWSE_PROJECTS: 4 saved filters, 3 workflow conditions, 3 workflow properties, " \
           "3 workflow validators\n" in r.stdout
    assert Path("p.json.scan").exists() and "site scan saved to p.json.scan" in r.stderr
    shown = cli("show", "p.json")
    assert shown.stdout == r.stdout  # show prints the scan saved beside the plan
    doc = json.loads(cli("plan", "--json", "--out", "q.json").stdout)
    assert doc["scan"]["counts"]["reference"] == 13
    before = sandbox.request_counts()
    none = cli("plan", "--no-scan", "--out", "n.json", "--json")
    assert json.loads(none.stdout)["scan"] is None and not Path("n.json.scan").exists()
    after = sandbox.request_counts()
    assert after.get(("GET", "/rest/api/3/workflows/search")) == before.get(("GET", "/rest/api/3/workflows/search"))


def test_plan_reads_the_project_list_once(sandbox, env, cli):
    """The project map and the scan's team-managed check share one read of the project list;
    `--no-projects` leaves the scan to read it itself."""
    def searches():
        return sandbox.request_counts().get(("GET", "/rest/api/3/project/search"), 0)

    n0 = searches()
    assert cli("plan", "--out", "p.json").exit_code == 0
    assert searches() - n0 == 1
    doc = json.loads(cli("plan", "--no-projects", "--json", "--out", "q.json").stdout)
    assert searches() - n0 == 2 and doc["scan"]["scanned"]["projects"] > 0


def test_plan_survives_a_failing_scan(sandbox, env, cli):
    sandbox.set_faults("500@GET:/workflows/search=20x,retry-after-503=0")
    r = cli("plan", "--out", "p.json")
    assert r.exit_code == 0, r.stderr
    assert "warning: site-wide scan skipped" in r.stderr and not Path("p.json.scan").exists()


def test_report_has_the_section_and_refuses_a_foreign_scan(sandbox_factory, sandbox, env, cli, point_env):
    assert cli("plan", "--out", "p.json").exit_code == 0
    html = cli("report", "p.json", "-o", "r.html")
    assert html.exit_code == 0, html.stderr
    page = Path("r.html").read_text()
    assert "Also on this site: beyond permission schemes" in page
    assert "jira.permission.browse.group" in page and "projectsWhereUserHasPermission(&quot;View Issues&quot;)" in page
    md = cli("report", "p.json", "--format", "md", "-o", "r.md")
    assert md.exit_code == 0 and "### Also on this site: beyond permission schemes" in Path("r.md").read_text()
    other = sandbox_factory("demo")
    point_env(other)
    assert cli("scan", "--out", "p.json.scan").exit_code == 0  # another site's scan beside this plan
    r = cli("report", "p.json", "-o", "x.html")
    assert r.exit_code == 1 and "is a scan of" in r.stderr


def test_sites_plan_scans_each_site(sandbox_factory, env, cli, tmp_path, monkeypatch):
    demo, dc = sandbox_factory("demo"), sandbox_factory("dc")
    monkeypatch.setenv("S_EMAIL", demo.admin.email)
    monkeypatch.setenv("S_TOKEN", demo.admin.token)
    monkeypatch.setenv("S_PAT", dc.bearer_token)
    Path("sites.toml").write_text(
        f'[[site]]\nname = "cloud"\nurl = "{demo.url}"\nemail_env = "S_EMAIL"\ntoken_env = "S_TOKEN"\n\n'
        f'[[site]]\nname = "dc"\nurl = "{dc.url}"\nflavour = "dc"\nbearer_env = "S_PAT"\n')
    r = cli("sites", "plan", "sites.toml", "--out-dir", "out", "--json")
    doc = json.loads(r.stdout)
    scans = {s["site"]: s["details"]["scan"] for s in doc["sites"]}
    assert scans["cloud"]["counts"] == {"reference": 13, "outside": 1, "review": 2}
    assert scans["dc"]["counts"] == {"not-scanned": 2}
    assert Path(scans["cloud"]["file"]).name == "cloud.json.scan"
    text = cli("sites", "plan", "sites.toml", "--out-dir", "out")
    assert "also on this site: 13 referring to BROWSE_PROJECTS" in text.stdout
    report = cli("report", "out", "-o", "r.html")
    assert report.exit_code == 0 and Path("r.html").read_text().count("Also on this site") == 2


@pytest.mark.skipif(not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
                    reason="no headless Chromium on this machine (Debian: apt-get install chromium)")
def test_report_section_renders_in_headless_chromium(sandbox, env, cli):
    assert cli("plan", "--out", "p.json").exit_code == 0
    assert cli("report", "p.json", "-o", "r.html").exit_code == 0
    # a tall window, so the section is in the picture: rendered, not only present in the markup
    done = subprocess.run(["bash", str(ROOT / "scripts" / "screenshot_report.sh"), "r.html", "r.png", "1280x2600"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    png = Path("r.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
