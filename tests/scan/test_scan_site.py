"""The scan against the local Jira site over HTTP: every planted reference and nothing else, a request count
at the minimum, both workflow APIs, refusals as findings, hidden grants, and Data Center."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from migrate.credentials import Credentials
from migrate.jira.client import JiraClient
from migrate.sandbox import Sandbox
from migrate.scan import load_scan, save_scan, scan_site
from migrate.scan.findings import ScanResult

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "dc-workflows"


@pytest.fixture
def serve():
    started: list[Sandbox] = []

    def start(seed: str, **kw) -> Sandbox:
        sb = Sandbox(seed, **kw).start()
        started.append(sb)
        return sb

    yield start
    for sb in started:
        sb.stop()


def client_for(sb: Sandbox, login=None) -> JiraClient:
    login = login or sb.admin
    return JiraClient(sb.url, Credentials.basic(login.email, login.token))


def key(f) -> tuple:
    loc = f.location
    return (f.kind, loc.get("workflow") or loc.get("filter") or loc.get("project") or loc.get("scheme"),
            loc.get("transition") or loc.get("status"), loc.get("property"))


# Every reference the demo seed plants (migrate/sandbox/seeds_config.py), and the two rules it must flag for
# review; its decoys (the key in a description, a post function's text, a text search, another permission,
# another JQL function) must not appear.
DEMO = {
    ("filter-jql", "Projects I can browse", None, None),
    ("filter-jql", "Admin: everything browsable", None, None),
    ("filter-jql", "Old browse filter", None, None),
    ("filter-jql", "Bugs where I browse", None, None),
    ("workflow-condition", "Acme Software Workflow", "Start Progress", None),  # nested ANY group
    ("workflow-condition", "Acme Software Workflow", "Done", None),  # permissionKeys "ADMINISTER_PROJECTS,BROWSE_PROJECTS"
    ("workflow-condition", "Software Simplified Workflow for Project SEAI", "In Progress", None),  # team-managed
    ("workflow-validator", "Acme Software Workflow", "Submit for review", None),
    ("workflow-validator", "Acme Service Desk Workflow", "Approve", None),  # " browse_projects"
    ("workflow-validator", "Legacy Approval Workflow", "Submit for review", None),  # no project uses it
    ("workflow-property", "Acme Software Workflow", "In Review", "jira.permission.browse.group"),
    ("workflow-property", "Acme Service Desk Workflow", "Waiting for customer", "jira.permission.subtasks.browse.projectrole.1"),
    ("workflow-property", "Acme Service Desk Workflow", "Escalate", "jira.permission.browse.projectrole.2"),
}
DEMO_OTHER = {
    ("outside", "team-managed-project", "SEAI"),
    ("review", "workflow-rule-unknown", "Acme Service Desk Workflow"),
    ("review", "workflow-app-rule", "Acme Service Desk Workflow"),
}


def other(result: ScanResult) -> set[tuple]:
    return {(f.category, f.kind, key(f)[1]) for f in result.findings if f.category != "reference"}


def test_demo_finds_every_planted_reference_and_nothing_else(serve):
    sb = serve("demo")
    result = scan_site(client_for(sb))
    assert {key(f) for f in result.findings if f.category == "reference"} == DEMO
    assert len([f for f in result.findings if f.category == "reference"]) == len(DEMO)
    assert other(result) == DEMO_OTHER
    by = {key(f): f for f in result.findings}
    done = by[("workflow-condition", "Acme Software Workflow", "Done", None)]
    assert set(done.projects) == {p.key for p in sb.state.projects.values() if p.workflow_scheme == 10100
                                  and p.status != "deleted"}
    assert by[("workflow-validator", "Legacy Approval Workflow", "Submit for review", None)].projects == ()
    bugs = by[("filter-jql", "Bugs where I browse", None, None)]
    assert bugs.location["suggested_jql"] == 'type = Bug AND project in projectsWhereUserHasPermission( "View Issues" )'
    assert "project DATI role 'Administrators'" in bugs.where and bugs.projects == ("DATI",)
    assert not sb.request_counts().get(("PUT", "/rest/api/3/permissionscheme/{schemeId}"))
    assert all(m == "GET" for m, _ in sb.request_counts())  # read-only


def _planted(sb: Sandbox) -> set[tuple]:
    """Ground truth from the seed's own marks, independent of the scanner."""
    st = sb.state
    out = set()
    for w in st.workflows.values():
        for t in w.transitions:
            if t.conditions is not None and any(r.planted for r in t.conditions.walk()):
                out.add(("workflow-condition", w.name, t.name, None))
            if any(r.planted for r in t.validators):
                out.add(("workflow-validator", w.name, t.name, None))
            out |= {("workflow-property", w.name, t.name, p) for p in t.planted_properties}
        for s in w.statuses:
            out |= {("workflow-property", w.name, st.statuses[s.status_id].name, p) for p in s.planted_properties}
    out |= {("filter-jql", f.name, None, None) for f in st.filters.values() if f.planted}
    return out


def test_medium_finds_every_planted_reference_in_the_minimum_of_requests(serve):
    sb = serve("medium")
    result = scan_site(client_for(sb))
    planted = _planted(sb)
    assert len(planted) > 40
    assert {key(f) for f in result.findings if f.category == "reference"} == planted
    st = sb.state
    team = {("outside", "team-managed-project", p.key) for p in st.projects.values() if p.simplified
            and p.status != "deleted"}
    assert {x for x in other(result) if x[0] == "outside"} == team
    # the minimum: the site and its schemes, then one page per 100 projects, workflows and filters, and one
    # workflow-scheme call per 100 classic projects; nothing per item
    projects = [p for p in st.projects.values() if p.status in ("live", "archived")]
    classic = [p for p in projects if not p.simplified]
    expected = {
        ("GET", "/rest/api/3/serverInfo"): 1, ("GET", "/rest/api/3/permissions"): 1,
        ("GET", "/rest/api/3/permissionscheme"): 1,
        ("GET", "/rest/api/3/project/search"): math.ceil(len(projects) / 100),
        ("GET", "/rest/api/3/workflows/search"): math.ceil(len(st.workflows) / 100),
        ("GET", "/rest/api/3/workflowscheme/project"): math.ceil(len(classic) / 100),
        ("GET", "/rest/api/3/filter/search"): math.ceil(len(st.filters) / 100),
    }
    assert sb.request_counts() == expected
    assert result.requests == sum(expected.values())


def test_older_workflow_api_finds_the_same_global_rules(serve):
    sb = serve("demo")
    bulk = scan_site(client_for(sb))
    old = scan_site(client_for(sb), workflow_api="legacy")
    b = {key(f) for f in bulk.findings if f.kind.startswith("workflow")}
    o = {key(f) for f in old.findings if f.kind.startswith("workflow")}
    # the older API has no team-managed workflows and cannot express the Connect rule: all else is the same
    assert b - o == {("workflow-condition", "Software Simplified Workflow for Project SEAI", "In Progress", None),
                     ("workflow-app-rule", "Acme Service Desk Workflow", "Approve", None)}
    assert o <= b
    assert {k[:3]: f.projects for f in old.findings for k in [key(f)]} .get(
        ("workflow-validator", "Acme Software Workflow", "Submit for review")) == tuple(sorted(
            p.key for p in sb.state.projects.values() if p.workflow_scheme == 10100 and p.status == "live"))


def test_refusals_are_findings_naming_the_permission_and_scope(serve):
    sb = serve("demo")
    result = scan_site(client_for(sb, sb.viewer))  # reads schemes, but is no administrator
    gaps = {f.location["endpoint"]: f for f in result.findings if f.category == "not-scanned"}
    assert set(gaps) == {"GET /rest/api/3/workflows/search"}  # its 401 after a good read means "not allowed"
    g = gaps["GET /rest/api/3/workflows/search"]
    assert "Administer Jira" in g.suggestion and "manage:jira-configuration" in g.suggestion
    assert "read:workflow:jira" in g.suggestion
    old = scan_site(client_for(sb, sb.viewer), workflow_api="legacy")
    assert [f.location["status"] for f in old.findings if f.category == "not-scanned"] == [403]
    # filters: the viewer sees only those shared with them, and is told nothing was refused
    assert {key(f) for f in result.findings if f.kind == "filter-jql"} < {k for k in DEMO if k[0] == "filter-jql"}


def test_hidden_grants_on_a_site_that_does_not_list_the_keys(serve):
    sb = serve("hidden")
    result = scan_site(client_for(sb))
    hidden = [f for f in result.findings if f.category == "hidden-grant"]
    assert len(hidden) == 1 and hidden[0].location["scheme_id"] == 10005
    assert hidden[0].location["keys"] == ["VIEW_ISSUES", "VIEW_PROJECTS"] and len(hidden[0].location["grant_ids"]) == 4
    assert not [f for f in scan_site(client_for(serve("demo"))).findings if f.category == "hidden-grant"]


def test_data_center_reads_exported_xml_and_says_what_it_cannot_scan(serve, tmp_path):
    sb = serve("dc")
    bare = scan_site(client_for(sb))
    assert {f.location["source"] for f in bare.findings} == {"workflows", "saved filters"}
    files = sorted(EXAMPLES.glob("*.xml"))
    result = scan_site(client_for(sb), workflow_xml_files=files)
    assert {f.location.get("source") for f in result.findings if f.category == "not-scanned"} == {"saved filters"}
    assert len([f for f in result.findings if f.category == "reference"]) == 6
    saved = save_scan(result, tmp_path / "dc.scan")
    assert (saved.stat().st_mode & 0o777) == 0o600
    assert load_scan(saved) == result
