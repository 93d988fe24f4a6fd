"""Helpers shared by the sandbox tests (plain `requests`, as any client would use)."""

from __future__ import annotations

import requests

from migrate.sandbox import Sandbox


class Api:
    """A tiny client: `api.get("/permissionscheme", as_="viewer")` -> requests.Response (never raises)."""

    def __init__(self, sb: Sandbox):
        self.sb = sb
        self.session = requests.Session()

    def _auth(self, as_):
        if as_ == "admin":
            return {"auth": self.sb.admin.auth}
        if as_ == "viewer":
            return {"auth": self.sb.viewer.auth}
        if as_ == "bearer":
            return {"headers": {"Authorization": f"Bearer {self.sb.bearer_token}"}}
        if as_ is None:
            return {}
        if isinstance(as_, tuple):
            return {"auth": as_}
        raise ValueError(as_)

    def request(self, method: str, path: str, *, as_="admin", **kw) -> requests.Response:
        extra = self._auth(as_)
        if "headers" in extra and "headers" in kw:
            kw["headers"] = {**kw["headers"], **extra.pop("headers")}
        kw.update(extra)
        return self.session.request(method, self.sb.api_url + path, timeout=30, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def group_holder(sb: Sandbox, name: str) -> dict:
    g = sb.state.groups_by_name[name]
    return {"type": "group", "parameter": g.name, "value": g.id}


def error_messages(resp: requests.Response) -> str:
    body = resp.json()
    assert set(body) <= {"errorMessages", "errors", "status"}, body
    return " ".join(body.get("errorMessages", [])) + " " + " ".join(body.get("errors", {}).values())
