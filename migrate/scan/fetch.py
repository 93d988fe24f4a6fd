"""The scan's REST reads, through the client's generic ``request``: paginated list calls only, never one request
per item where a list carries the data.

Each source knows which endpoint it reads and what it needs (the global permission and the OAuth scopes,
from the official spec's ``x-atlassian-oauth2-scopes``), so a refusal becomes a ``not-scanned`` finding
naming exactly that, never a crash. The bulk workflow API documents a 401, not a 403, for a caller without
the permission: once the same credentials have read something else, a 401 there means the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from migrate.errors import AuthenticationError, InvalidResponseError, PermissionDeniedError
from migrate.jira.client import JiraClient
from migrate.scan.findings import Finding

MAX_PAGES = 100_000  # a server that never says isLast must not keep the scan paging forever


@dataclass(frozen=True)
class Source:
    name: str
    endpoint: str
    permission: str
    classic_scope: str
    granular_scopes: str


WORKFLOWS = Source("workflows", "GET /rest/api/3/workflows/search", "Administer Jira", "manage:jira-configuration",
                   "read:workflow:jira")
WORKFLOWS_OLD = Source("workflows", "GET /rest/api/3/workflow/search", "Administer Jira", "manage:jira-project",
                       "read:workflow:jira, read:status:jira, read:project:jira")
WORKFLOW_SCHEMES = Source("workflow schemes", "GET /rest/api/3/workflowscheme/project", "Administer Jira",
                          "manage:jira-configuration", "read:workflow-scheme:jira, read:workflow:jira")
FILTERS = Source("saved filters", "GET /rest/api/3/filter/search",
                 "Administer Jira (to see every filter, not only those shared with the account)", "read:jira-work",
                 "read:filter:jira, read:jql:jira, read:user:jira, read:group:jira, read:project:jira")
PROJECTS = Source("projects", "GET /rest/api/3/project/search", "Administer Jira (to see every project)",
                  "read:jira-work", "read:project:jira")


class Denied(Exception):
    def __init__(self, source: Source, status: int | None):
        super().__init__(source.endpoint)
        self.source = source
        self.status = status

    def finding(self) -> Finding:
        s = self.source
        return Finding(
            "not-scanned", "not-scanned", f"{s.name} ({s.endpoint})",
            f"Jira refused the call ({self.status}): the {s.name} were not scanned",
            f"run the scan with an account that has the global permission '{s.permission}'; an OAuth app or scoped "
            f"token also needs the scope {s.classic_scope} (granular: {s.granular_scopes})",
            {"source": s.name, "endpoint": s.endpoint, "status": self.status, "permission": s.permission,
             "scope": s.classic_scope, "granular_scopes": s.granular_scopes}, source=s.endpoint)


def pages(client: JiraClient, source: Source, rel: str, params: dict[str, Any], *, page_size: int = 100,
          bulk_401_is_denied: bool = False) -> Iterator[dict]:
    """Each page of an offset-paginated list ({startAt, maxResults, isLast, values}), in order."""
    start = 0
    for _ in range(MAX_PAGES):
        try:
            page = client.request("GET", rel, params={**params, "startAt": start, "maxResults": page_size})
        except PermissionDeniedError as e:
            raise Denied(source, e.status) from None
        except AuthenticationError as e:
            if not bulk_401_is_denied:
                raise
            raise Denied(source, e.status) from None
        if not isinstance(page, dict) or not isinstance(page.get("values"), list):
            raise InvalidResponseError(f"{source.endpoint} did not return a page of values")
        if page.get("startAt", start) != start:
            raise InvalidResponseError(f"{source.endpoint} answered startAt={page.get('startAt')!r} when asked for "
                                       f"{start}: pagination is not advancing")
        yield page
        values = page["values"]
        if page.get("isLast", True) or not values:
            return
        start += len(values)
    raise InvalidResponseError(f"{source.endpoint} never reported its last page")


def workflow_scheme_projects(client: JiraClient, project_ids: list[int]) -> dict[str, set[int]]:
    """Workflow name -> ids of the classic projects whose workflow scheme uses it (100 projects per call)."""
    out: dict[str, set[int]] = {}
    for i in range(0, len(project_ids), 100):
        chunk = project_ids[i:i + 100]
        try:
            data = client.request("GET", "/workflowscheme/project", params={"projectId": chunk})
        except PermissionDeniedError as e:
            raise Denied(WORKFLOW_SCHEMES, e.status) from None
        if not isinstance(data, dict) or not isinstance(data.get("values"), list):
            raise InvalidResponseError(f"{WORKFLOW_SCHEMES.endpoint} did not return {{values: [...]}}")
        for v in data["values"]:
            if not isinstance(v, dict) or not isinstance(v.get("workflowScheme"), dict):
                continue
            ws = v["workflowScheme"]
            mappings = ws.get("issueTypeMappings") if isinstance(ws.get("issueTypeMappings"), dict) else {}
            used = {str(n) for n in [ws.get("defaultWorkflow") or "jira", *mappings.values()] if n}
            pids = {int(p) for p in v.get("projectIds") or () if str(p).isdigit()}
            for name in used:
                out.setdefault(name, set()).update(pids)
    return out
