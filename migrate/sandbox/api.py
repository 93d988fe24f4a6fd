"""What a resource module sees: ``Route`` (its routes table rows), ``Ctx`` (one request), ``Reply``, and the
query-string helpers Jira's endpoints share. ``app.py`` matches the route, authenticates, applies rate
limits and faults, then calls ``route.handler(ctx)``.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from migrate.sandbox.errors import NOT_ADMIN, BadRequest, Forbidden, MalformedJson, NotFound, UnsupportedMediaType
from migrate.sandbox.render import Renderer
from migrate.sandbox.state import Project, Scheme, SiteState, User

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass
class Reply:
    status: int
    body: Any = None  # dict/list (JSON-encoded), str (already JSON), or None (no body)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE


@dataclass(frozen=True)
class Route:
    name: str
    methods: tuple[str, ...]
    path: str  # werkzeug rule, relative to the API root
    template: str  # OpenAPI-style path template, relative to the API root
    auth: str  # anon | user | admin
    handler: Callable[["Ctx"], Reply]
    flavours: tuple[str, ...] = ("cloud", "dc")
    body: str = "json"  # json | text | none


def iso(ts: float, *, millis: bool = True) -> str:
    d = _dt.datetime.fromtimestamp(ts, _dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.000Z" if millis else "%Y-%m-%dT%H:%M:%SZ")


def int_param(req: Request, name: str, default: int, *, minimum: int = 0) -> int:
    raw = req.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"The value '{raw}' is not valid for the parameter '{name}'.") from None
    if value < minimum:
        raise BadRequest(f"'{name}' must be at least {minimum}.")
    return value


def multi(req: Request, name: str) -> list[str]:
    """A query parameter given repeated and/or comma-separated."""
    out: list[str] = []
    for v in req.args.getlist(name):
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def bool_param(req: Request, name: str) -> bool | None:
    raw = req.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise BadRequest(f"The value '{raw}' is not valid for the parameter '{name}'.")


def page(ctx: "Ctx", items: list, render: Callable[[Any], Any], *, default_max: int = 50, cap: int = 100,
         extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Jira's offset page: {self, nextPage?, maxResults, startAt, total, isLast, values} (REFERENCE.md §2)."""
    req = ctx.req
    start = int_param(req, "startAt", 0)
    max_results = min(int_param(req, "maxResults", default_max), cap)
    total = len(items)
    chunk = items[start:start + max_results]
    is_last = start + len(chunk) >= total

    def url(at: int) -> str:
        params = [(k, v) for k, v in req.args.items(multi=True) if k not in ("startAt", "maxResults")]
        params += [("startAt", str(at)), ("maxResults", str(max_results))]
        return f"{ctx.base_url}{req.path}?{urlencode(params)}"

    out: dict[str, Any] = {"self": url(start)}
    if not is_last:
        out["nextPage"] = url(start + max_results)
    out.update({"maxResults": max_results, "startAt": start, "total": total, "isLast": is_last})
    out.update(extra or {})
    out["values"] = [render(x) for x in chunk]
    return out


class Core(Protocol):
    """What a handler may use of the app (``app.SandboxCore``), without importing it."""

    site: SiteState
    renderer: Renderer
    stats_counter: Counter
    base_url: str

    def wall(self) -> float: ...


class Ctx:
    """One request: the matched route and path arguments, the caller, and the site behind it."""

    def __init__(self, core: Core, req: Request, route: Route, args: dict[str, Any], user: User | None):
        self.core = core
        self.req = req
        self.route = route
        self.args = args
        self.user = user
        self.site: SiteState = core.site

    @property
    def renderer(self) -> Renderer:
        return self.core.renderer

    @property
    def stats(self) -> Counter:
        return self.core.stats_counter

    @property
    def base_url(self) -> str:
        return self.core.base_url

    @property
    def expand(self) -> frozenset[str] | None:
        raw = self.req.args.get("expand")
        if not raw:
            return None
        return frozenset(x.strip() for x in raw.split(",") if x.strip()) or frozenset({""})

    def json(self, *, required: bool = True) -> Any:
        raw = self.req.get_data(cache=True)
        if not raw.strip():
            if required:
                raise MalformedJson("No content to map due to end-of-input")
            return None
        ctype = (self.req.mimetype or "").lower()
        if "json" not in ctype:
            raise UnsupportedMediaType(f"Unsupported Media Type: '{self.req.content_type or ''}'. Use application/json.")
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise MalformedJson(f"Unexpected character in JSON body: {e}") from None

    def scheme(self) -> Scheme:
        sid = self.args["schemeId"]
        s = self.site.schemes.get(sid)
        if s is None:
            raise NotFound(f"Permission scheme with id {sid} not found.")
        return s

    def project(self, ref: str) -> Project | None:
        """A live or archived project by key or id (deleted ones are gone from the API)."""
        site = self.site
        p = site.projects.get(int(ref)) if ref.isdigit() else site.projects_by_key.get(ref)
        return p if p is not None and p.status != "deleted" else None

    def require_admin(self) -> None:
        if not self.site.is_admin(self.user):
            raise Forbidden(NOT_ADMIN)
