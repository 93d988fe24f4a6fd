"""Backend checks. The docstring may say BROWSE_PROJECTS: docstrings are left alone."""

import requests

BASE = "https://example.atlassian.net"


def can_view_issue(session: requests.Session, issue_key: str) -> bool:
    r = session.get(f"{BASE}/rest/api/3/mypermissions", params={"issueKey": issue_key, "permissions": "BROWSE_PROJECTS"})
    data = r.json()
    return data["permissions"]["BROWSE_PROJECTS"]["havePermission"]


def can_view_project(session: requests.Session, project_key: str) -> bool:
    url = f"{BASE}/rest/api/3/mypermissions?projectKey={project_key}&permissions=BROWSE_PROJECTS"
    data = session.get(url).json()
    return data.get("permissions", {}).get("BROWSE_PROJECTS", {}).get("havePermission", False)


def can_comment(session: requests.Session, issue_key: str) -> bool:
    r = session.get(f"{BASE}/rest/api/3/mypermissions?issueKey={issue_key}&permissions=BROWSE_PROJECTS,ADD_COMMENTS")
    # the response is read twice below, so the codemod does not duplicate r.json(): needs-review
    return r.json()["permissions"]["BROWSE_PROJECTS"]["havePermission"] and r.json()["permissions"]["ADD_COMMENTS"]["havePermission"]
