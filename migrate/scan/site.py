"""``scan_site``: every other place a site depends on BROWSE_PROJECTS, read-only.

Requests (Cloud): the permission list and schemes (reused from ``migrate plan`` when it already read them),
the project pages, the workflow pages, one workflow-scheme call per 100 classic projects (bulk API only: the
older API lists each workflow's projects itself), the filter pages. Data Center has no REST endpoint for
workflow rules or for listing filters: exported workflow XML files stand in for the first, and the second is
reported as not scanned.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

from migrate.errors import ConfigError, NotFoundError, PermissionDeniedError
from migrate.jira.client import JiraClient
from migrate.model import Project, Scheme, SiteInfo
from migrate.scan import fetch, jql, names, rules, workflow_xml
from migrate.scan.fetch import Denied
from migrate.scan.findings import Finding, ScanResult, sort_findings

WORKFLOW_APIS = ("auto", "bulk", "legacy")
NEW_KEYS = (names.TARGET_PROJECTS, names.TARGET_ISSUES)
Progress = Callable[[str, int, int], None]


def hidden_grants(site: SiteInfo, schemes: Iterable[Scheme]) -> list[Finding]:
    unknown = [k for k in NEW_KEYS if not site.knows(k)]
    if not unknown:
        return []
    out = []
    for s in schemes:
        grants = [g for g in s.grants if g.permission in unknown]
        if not grants:
            continue
        holders = sorted({g.holder.display for g in grants})
        keys = sorted({g.permission for g in grants})
        out.append(Finding(
            "hidden-grant", "hidden-grant", f"permission scheme '{s.name}' (id {s.id})",
            f"{len(grants)} grant(s) of {', '.join(keys)} to {', '.join(holders)}, but GET /permissions does not "
            "list the key(s): invisible in the UI, and they grant nothing yet",
            "leave them in place and do not count them as migrated: once the site lists the keys, run `migrate "
            "plan` again (it treats them as already granted) and check they match what the plan wants",
            {"scheme_id": s.id, "scheme": s.name, "keys": keys, "grant_ids": [g.id for g in grants]},
            source="GET /permissionscheme"))
    return out


def team_managed(projects: Iterable[Project], schemes: Iterable[Scheme]) -> list[Finding]:
    scoped = {}
    for s in schemes:
        pid = (s.scope or {}).get("project", {}).get("id") if isinstance((s.scope or {}).get("project"), dict) else None
        if pid is not None:
            scoped[str(pid)] = s
    out = []
    for p in projects:
        if not p.simplified:
            continue
        s = scoped.get(str(p.id))
        found = "a team-managed project: its access comes from the project's own roles and access level"
        if s is not None:
            found += f" (its project-scoped permission scheme is '{s.name}', id {s.id})"
        out.append(Finding(
            "outside", "team-managed-project", f"project {p.key} '{p.name}'", found,
            "outside the permission-scheme migration (the announced split covers classic schemes): after the split, "
            "check Project settings › Access (who can view the project and its issues) by hand",
            {"project_id": p.id, "project": p.key, **({"scheme_id": s.id} if s is not None else {})},
            projects=(p.key,), source="GET /rest/api/3/project/search"))
    return out


def _with_projects(findings: list[Finding], keys: Sequence[str]) -> list[Finding]:
    out = []
    for f in findings:
        suffix = f"; used by {len(keys)} project(s)" if keys else "; no project uses this workflow"
        out.append(Finding(f.category, f.kind, f.where, f.found + suffix, f.suggestion, f.location, tuple(keys),
                           f.source))
    return out


def _bulk_workflows(client: JiraClient, projects: list[Project], scanned: dict[str, int]) -> list[Finding]:
    by_id = {p.id: p.key for p in projects}
    raw: list[tuple[dict, dict[str, str]]] = []
    for page in fetch.pages(client, fetch.WORKFLOWS, "/workflows/search", {"expand": "values.transitions"},
                            bulk_401_is_denied=True):
        statuses = {str(s.get("statusReference") or s.get("id")): str(s.get("name", ""))
                    for s in page.get("statuses") or () if isinstance(s, dict)}
        raw += [(w, statuses) for w in page["values"] if isinstance(w, dict)]
    scanned["workflows"] = len(raw)
    classic = sorted(p.id for p in projects if not p.simplified)
    users = fetch.workflow_scheme_projects(client, classic) if classic and any(
        (w.get("scope") or {}).get("type") != "PROJECT" for w, _ in raw) else {}
    out: list[Finding] = []
    for w, statuses in raw:
        found = rules.bulk_workflow(w, statuses)
        scanned["unknown_post_functions"] = scanned.get("unknown_post_functions", 0) + rules.unknown_post_functions(w)
        if not found:
            continue
        scope = w.get("scope") if isinstance(w.get("scope"), dict) else {}
        if scope.get("type") == "PROJECT":
            pid = (scope.get("project") or {}).get("id") if isinstance(scope.get("project"), dict) else None
            keys = [by_id[int(pid)]] if str(pid).isdigit() and int(pid) in by_id else []
        else:
            keys = sorted(by_id[i] for i in users.get(str(w.get("name")), ()) if i in by_id)
        out += _with_projects(found, keys)
    return out


def _legacy_workflows(client: JiraClient, scanned: dict[str, int]) -> list[Finding]:
    out: list[Finding] = []
    n = 0
    expand = "transitions.rules,transitions.properties,statuses.properties,projects"
    for page in fetch.pages(client, fetch.WORKFLOWS_OLD, "/workflow/search", {"expand": expand}, page_size=50):
        for w in page["values"]:
            if not isinstance(w, dict):
                continue
            n += 1
            found = rules.legacy_workflow(w)
            scanned["unknown_post_functions"] = scanned.get("unknown_post_functions", 0) + rules.unknown_post_functions(w)
            if found:
                keys = sorted(str(p.get("key")) for p in w.get("projects") or () if isinstance(p, dict) and p.get("key"))
                out += _with_projects(found, keys)
    scanned["workflows"] = n
    return out


def share_scope(shares: object) -> tuple[str, list[str]]:
    """('shared with group x; project ABC', [project keys]) for a filter's sharePermissions."""
    if not isinstance(shares, list) or not shares:
        return "private (owner only)", []
    parts, keys = [], []
    for s in shares:
        if not isinstance(s, dict):
            continue
        t = s.get("type")
        project = s.get("project") if isinstance(s.get("project"), dict) else None
        if t == "global":
            parts.append("everyone, anonymous users too")
        elif t in ("loggedin", "authenticated"):
            parts.append("all logged-in users")
        elif t == "group":
            parts.append(f"group '{(s.get('group') or {}).get('name', '?')}'")
        elif t == "user":
            parts.append(f"user {(s.get('user') or {}).get('displayName', '?')}")
        elif project is not None:
            key = str(project.get("key", "?"))
            keys.append(key)
            role = s.get("role") if isinstance(s.get("role"), dict) else None
            parts.append(f"project {key}" + (f" role '{role.get('name')}'" if role else ""))
        else:
            parts.append(str(t))
    return "shared with " + "; ".join(parts), list(dict.fromkeys(keys))


def filter_findings(filters: Iterable[dict]) -> list[Finding]:
    out = []
    for f in filters:
        text = f.get("jql")
        if not isinstance(text, str):
            continue
        name = str(f.get("name", ""))
        fid = str(f.get("id", ""))
        owner = f.get("owner") if isinstance(f.get("owner"), dict) else {}
        who = str(owner.get("displayName") or owner.get("name") or owner.get("accountId") or "?")
        scope, keys = share_scope(f.get("sharePermissions"))
        where = f"filter {fid} '{name}' (owner {who}; {scope})"
        location = {"filter_id": fid, "filter": name, "owner": who, "owner_account_id": owner.get("accountId"),
                    "shared": scope, "jql": text}
        try:
            calls = jql.browse_calls(text)
        except jql.JqlSyntaxError as e:
            if names.mentions(text):
                out.append(Finding("review", "filter-jql-unparsed", where,
                                   f"JQL migrate cannot parse ({e}) that mentions Browse Projects: {text}",
                                   "read the JQL by hand; if it calls projectsWhereUserHasPermission with Browse "
                                   "Projects, use \"View Issues\"", location, tuple(keys), "GET /rest/api/3/filter/search"))
            continue
        if not calls:
            continue
        new = jql.rewrite(text, calls, "View Issues")
        args = ", ".join(c.argument for c in calls)
        out.append(Finding(
            "reference", "filter-jql", where, f"projectsWhereUserHasPermission({args}) in JQL: {text}",
            f"JQL: {new} (the filter lists issues, so it needs the projects whose issues the user can see: View "
            "Issues, once the site knows it)", {**location, "suggested_jql": new}, tuple(keys),
            "GET /rest/api/3/filter/search"))
    return out


def _filters(client: JiraClient, scanned: dict[str, int]) -> list[Finding]:
    raw: list[dict] = []
    params = {"expand": "jql,owner,sharePermissions", "overrideSharePermissions": "true"}
    for page in fetch.pages(client, fetch.FILTERS, "/filter/search", params):
        raw += [f for f in page["values"] if isinstance(f, dict)]
    scanned["filters"] = len(raw)
    return filter_findings(raw)


def _dc_gaps(xml_given: bool) -> list[Finding]:
    out = []
    if not xml_given:
        out.append(Finding(
            "not-scanned", "not-scanned", "workflows (Data Center)",
            "Data Center has no REST endpoint that returns workflow conditions, validators or properties",
            "export each workflow (Administration › Workflows › View as XML) and pass the files: "
            "migrate scan --workflow-xml FILE...", {"source": "workflows"}, source="Data Center"))
    out.append(Finding(
        "not-scanned", "not-scanned", "saved filters (Data Center)",
        "Data Center has no REST endpoint that lists every saved filter",
        "search the filters' JQL for projectsWhereUserHasPermission with Browse Projects in the database "
        "(searchrequest.reqcontent) or the Filters page, and change it to View Issues once there is such a "
        "permission", {"source": "saved filters"}, source="Data Center"))
    return out


def scan_site(
    client: JiraClient,
    *,
    site: SiteInfo | None = None,
    schemes: Sequence[Scheme] | None = None,
    projects: Sequence[Project] | None = None,
    workflow_api: str = "auto",
    workflow_xml_files: Sequence[Path | str] = (),
    progress: Progress | None = None,
) -> ScanResult:
    if workflow_api not in WORKFLOW_APIS:
        raise ConfigError(f"unknown workflow API {workflow_api!r}; use one of {', '.join(WORKFLOW_APIS)}")
    report = progress or (lambda stage, done, total: None)
    xml_findings: list[Finding] = []
    for path in workflow_xml_files:  # local files first: a bad file fails before any request
        xml_findings += workflow_xml.scan_file(path)
    before = client.request_count
    site = site or client.site_info()
    report("scan: schemes", 0, 0)
    schemes = list(schemes) if schemes is not None else client.list_schemes()
    findings = hidden_grants(site, schemes) + xml_findings
    scanned: dict[str, int] = {"schemes": len(schemes), "workflow_xml_files": len(workflow_xml_files)}
    report("scan: projects", 0, 0)
    project_list: list[Project] = []
    try:  # the plan passes the list it read for its project map: one read of it per run
        project_list = list(projects) if projects is not None else client.search_projects()
        scanned["projects"] = len(project_list)
        findings += team_managed(project_list, schemes)
    except PermissionDeniedError as e:
        findings.append(Denied(fetch.PROJECTS, e.status).finding())
    if client.api_version == "3":
        report("scan: workflows", 0, 0)
        try:
            if workflow_api == "legacy":
                findings += _legacy_workflows(client, scanned)
            else:
                try:
                    findings += _bulk_workflows(client, project_list, scanned)
                except NotFoundError:
                    if workflow_api == "bulk":
                        raise
                    findings += _legacy_workflows(client, scanned)  # a site without the bulk API
        except Denied as d:
            findings.append(d.finding())
        report("scan: filters", 0, 0)
        try:
            findings += _filters(client, scanned)
        except Denied as d:
            findings.append(d.finding())
    else:
        findings += _dc_gaps(bool(workflow_xml_files))
    return ScanResult(site=site.identity, findings=sort_findings(findings), scanned=scanned,
                      requests=client.request_count - before,
                      created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
