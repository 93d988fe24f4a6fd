"""Project access checks for the sync job, with their tests (run with pytest)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

BASE = "https://acme.atlassian.net"


def can_view_project(session, project_key: str) -> bool:
    resp = session.get(
        f"{BASE}/rest/api/3/mypermissions",
        params={"projectKey": project_key, "permissions": "BROWSE_PROJECTS"},
        timeout=10,
    )
    resp.raise_for_status()
    data = resp.json()
    return data["permissions"]["BROWSE_PROJECTS"]["havePermission"]


class FakeResponse:
    def __init__(self, payload):
        self.payload = payload

    def raise_for_status(self):
        return None

    def json(self):
        return json.loads(json.dumps(self.payload))


class FakeSession:
    """Answers every key the request asks for; `allowed` decides them all."""

    def __init__(self, allowed: bool):
        self.allowed = allowed
        self.calls = []

    def get(self, url, params=None, timeout=None):
        query = dict(params or {})
        query.update({k: v[0] for k, v in parse_qs(urlparse(url).query).items()})
        self.calls.append(query)
        keys = query["permissions"].split(",")
        return FakeResponse({"permissions": {k: {"key": k, "havePermission": self.allowed} for k in keys}})


def test_allowed_user_sees_the_project():
    s = FakeSession(True)
    assert can_view_project(s, "OPS") is True
    assert s.calls[0]["projectKey"] == "OPS"


def test_other_user_does_not():
    assert can_view_project(FakeSession(False), "OPS") is False
