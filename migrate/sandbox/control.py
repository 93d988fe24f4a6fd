"""The sandbox's own control plane under /_sandbox/ (as moto's ``moto_api``): a ``(method, path) -> handler``
table. Not Jira: tests and scripts use it to reset the site, read the request log and stats, switch faults
and make "another admin" edit a scheme. Reset is POST-only.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Protocol

from werkzeug.wrappers import Request

from migrate.sandbox.api import Reply
from migrate.sandbox.errors import ApiError, BadRequest, NotFound


class SandboxCore(Protocol):
    """What the control plane drives (``app.SandboxCore``), named here so this module does not import the app."""

    credentials: Any
    base_url: str
    api: str
    site: Any
    describe: dict[str, Any]

    def reset(self, *, state: bool = True, records: bool = True) -> None: ...
    def dump(self) -> dict[str, Any]: ...
    def requests_since(self, since: int = 0) -> list[dict[str, Any]]: ...
    def request_counts(self) -> dict[tuple[str, str], int]: ...
    def stats(self) -> dict[str, Any]: ...
    def faults_json(self) -> dict[str, Any]: ...
    def set_faults(self, spec: Any, *, latency_ms: float = 0) -> Any: ...
    def admin_edit(self, scheme_id: int, *, add: Any = None, remove: Any = None, cause: str = "api") -> dict[str, Any]: ...

PREFIX = "/_sandbox"

Handler = Callable[[SandboxCore, Request], Reply]


def _body(req: Request) -> Any:
    raw = req.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def info(core: SandboxCore, req: Request) -> Reply:
    c = core.credentials
    return Reply(200, {"url": core.base_url, "api": core.base_url + core.api, "flavour": core.site.flavour,
                       "new_keys": core.site.new_keys, "title": core.site.title, **core.describe,
                       "credentials": {"admin": {"email": c.admin_email, "token": c.admin_token},
                                       "viewer": {"email": c.viewer_email, "token": c.viewer_token},
                                       "bearer": c.bearer_token},
                       "control": ["GET info", "GET health", "POST reset", "GET state", "GET requests",
                                   "GET counts", "GET stats", "GET|PUT|DELETE faults", "POST edit"]})


def health(core: SandboxCore, req: Request) -> Reply:
    return Reply(200, {"ok": True})


def reset(core: SandboxCore, req: Request) -> Reply:
    body = _body(req)
    body = body if isinstance(body, dict) else {}
    core.reset(state=bool(body.get("state", True)), records=bool(body.get("requests", True)))
    return Reply(200, {"reset": True})


def state(core: SandboxCore, req: Request) -> Reply:
    return Reply(200, core.dump())


def requests_log(core: SandboxCore, req: Request) -> Reply:
    since = int(req.args.get("since", "0") or 0)
    return Reply(200, {"requests": core.requests_since(since)})


def counts(core: SandboxCore, req: Request) -> Reply:
    return Reply(200, {"counts": [{"method": m, "template": t, "count": n}
                                  for (m, t), n in sorted(core.request_counts().items())]})


def stats(core: SandboxCore, req: Request) -> Reply:
    return Reply(200, core.stats())


def faults_get(core: SandboxCore, req: Request) -> Reply:
    return Reply(200, core.faults_json())


def faults_set(core: SandboxCore, req: Request) -> Reply:
    body = _body(req)
    core.set_faults(body.get("spec", "") if isinstance(body, dict) else str(body))
    return Reply(200, core.faults_json())


def faults_clear(core: SandboxCore, req: Request) -> Reply:
    core.set_faults(None)
    return Reply(200, core.faults_json())


def edit(core: SandboxCore, req: Request) -> Reply:
    body = _body(req)
    if not isinstance(body, dict) or not isinstance(body.get("scheme"), int):
        raise BadRequest("Body must be {\"scheme\": ID, \"add\"|\"remove\": ...}.")
    return Reply(200, core.admin_edit(body["scheme"], add=body.get("add"), remove=body.get("remove"),
                                      cause="control"))


TABLE: dict[tuple[str, str], Handler] = {
    ("GET", ""): info,
    ("GET", "info"): info,
    ("GET", "health"): health,
    ("POST", "reset"): reset,
    ("GET", "state"): state,
    ("GET", "requests"): requests_log,
    ("GET", "counts"): counts,
    ("GET", "stats"): stats,
    ("GET", "faults"): faults_get,
    ("PUT", "faults"): faults_set,
    ("POST", "faults"): faults_set,
    ("DELETE", "faults"): faults_clear,
    ("POST", "edit"): edit,
}


def dispatch(core: SandboxCore, req: Request) -> Reply:
    path = req.path[len(PREFIX):].strip("/")
    method = req.method.upper()
    handler = TABLE.get((method, path))
    try:
        if handler is None:
            raise NotFound(f"No sandbox control endpoint {method} /{path}.")
        return handler(core, req)
    except ApiError as e:
        return Reply(e.status, e.body(with_status=e.status >= 429), e.headers)
    except (ValueError, KeyError, TypeError) as e:
        return Reply(400, {"errorMessages": [str(e).strip("'\"")], "errors": {}})
