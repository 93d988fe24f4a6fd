"""Helpers shared by the sandbox tests.

``Api`` talks to a site in-process through werkzeug's test Client (no socket, no thread: most tests);
``HttpApi`` talks to a started site over a real socket with `requests` (faults, rate limits, lifecycle).
Both answer ``api.get("/permissionscheme", as_="viewer")`` with a response that has ``status_code``,
``json()``, ``text`` and ``headers`` and never raises on an HTTP error.
"""

from __future__ import annotations

import base64
import json as _json
from typing import Any
from urllib.parse import urlsplit

import requests
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from migrate.sandbox import Sandbox


def _basic(email: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()}


def auth_headers(sb: Sandbox, as_: Any) -> dict[str, str]:
    if as_ == "admin":
        return sb.admin.headers
    if as_ == "viewer":
        return sb.viewer.headers
    if as_ == "bearer":
        return {"Authorization": f"Bearer {sb.bearer_token}"}
    if as_ is None:
        return {}
    if isinstance(as_, tuple):
        return _basic(*as_)
    raise ValueError(as_)


class Resp:
    """A werkzeug test response with the bits of `requests.Response` the tests read."""

    def __init__(self, resp: Any, request: Request | None = None):
        self.raw = resp
        self.status_code = resp.status_code
        self.headers = resp.headers
        self.text = resp.get_data(as_text=True)
        self.content = resp.get_data()
        self.request = request or resp.request  # a werkzeug Request, for openapi-core's werkzeug adapter

    def json(self) -> Any:
        return _json.loads(self.text)


class Api:
    """In-process: werkzeug's test Client over the site's WSGI app. The site need not be started."""

    def __init__(self, sb: Sandbox):
        self.sb = sb
        self.client = Client(sb.core)

    def request(self, method: str, path: str, *, as_: Any = "admin", params: Any = None, json: Any = None,
                data: Any = None, headers: dict[str, str] | None = None) -> Resp:
        hdrs = dict(headers or {})
        for k, v in auth_headers(self.sb, as_).items():
            hdrs.setdefault(k, v)
        url = urlsplit(path if path.startswith("http") else self.sb.api_url + path)
        if json is not None:
            data = _json.dumps(json)
            hdrs.setdefault("Content-Type", "application/json")

        def build() -> EnvironBuilder:
            return EnvironBuilder(path=url.path, base_url=f"{url.scheme}://{url.netloc}", method=method,
                                  headers=hdrs, query_string=params if params is not None else url.query, data=data)

        resp = self.client.open(build())
        return Resp(resp, build().get_request())  # a second copy: the app consumed the first one's body

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def control(self, method: str, path: str, **kw) -> Resp:
        """The /_sandbox control plane."""
        return Resp(self.client.open("/_sandbox" + path, method=method, base_url=self.sb.url, **kw))

    def close(self) -> None:
        pass


class HttpApi(Api):
    """Over a real socket: the site must be started."""

    def __init__(self, sb: Sandbox):
        self.sb = sb
        self.session = requests.Session()

    def request(self, method: str, path: str, *, as_: Any = "admin", headers: dict[str, str] | None = None,
                **kw) -> requests.Response:
        hdrs = dict(headers or {})
        for k, v in auth_headers(self.sb, as_).items():
            hdrs.setdefault(k, v)
        url = path if path.startswith("http") else self.sb.api_url + path
        return self.session.request(method, url, headers=hdrs, timeout=30, **kw)

    def control(self, method: str, path: str, **kw) -> requests.Response:
        return self.session.request(method, self.sb.url + "/_sandbox" + path, timeout=30, **kw)

    def close(self) -> None:
        self.session.close()


def group_holder(sb: Sandbox, name: str) -> dict:
    g = sb.state.groups_by_name[name]
    return {"type": "group", "parameter": g.name, "value": g.id}


def error_messages(resp: Any) -> str:
    body = resp.json()
    assert set(body) <= {"errorMessages", "errors", "status"}, body
    return " ".join(body.get("errorMessages", [])) + " " + " ".join(body.get("errors", {}).values())
