"""The visibility check against recorded site responses (the `responses` library)."""

from __future__ import annotations

import requests
import responses

SITE = "https://acme.atlassian.net"


def project_visible(project_key: str) -> bool:
    r = requests.get(f"{SITE}/rest/api/3/mypermissions", params={"projectKey": project_key, "permissions": "BROWSE_PROJECTS"}, timeout=5)
    return r.json()["permissions"]["BROWSE_PROJECTS"]["havePermission"]


@responses.activate
def test_recorded_visible_project():
    responses.add(
        responses.GET,
        f"{SITE}/rest/api/3/mypermissions",
        json={"permissions": {"BROWSE_PROJECTS": {"key": "BROWSE_PROJECTS", "havePermission": True}}},
    )
    assert project_visible("OPS") is True
