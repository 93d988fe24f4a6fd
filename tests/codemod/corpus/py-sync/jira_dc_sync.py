"""Nightly sync against the on-premises Jira Data Center (REST API 2, basic auth)."""

from __future__ import annotations


def users_who_can_browse(session, project_key: str) -> list[str]:
    r = session.get("/rest/api/2/user/permission/search", params={"permissions": "BROWSE_PROJECTS", "projectKey": project_key, "username": "."})
    return [u["name"] for u in r.json()]
