"""The sandbox's WSGI application: Jira's REST endpoints, authentication, rate limits, faults, the request
log and the control API under /_sandbox/.

One lock (``SandboxCore.lock``) guards the site state, the request log, stats, the fault RNG and the token
buckets. Latency is slept outside the lock, so slow requests overlap as they would on a real site.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as _dt
import hmac
import json
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from migrate.sandbox.catalogue import NEW_KEYS
from migrate.sandbox.faults import FaultConfig, FaultInjector, parse_faults
from migrate.sandbox.ratelimit import RateLimiter
from migrate.sandbox.render import Renderer, dumps
from migrate.sandbox.state import DEFAULT_SCHEME_ID, ApiError, Holder, Project, Scheme, SiteState, User

JSON_TYPE = "application/json;charset=UTF-8"
CONTROL_PREFIX = "/_sandbox"


class ConnectionReset(BaseException):
    """Raised by the app to make the request handler reset the TCP connection without a response.

    A BaseException so werkzeug's handler does not turn it into a 500 (it only catches Exception)."""


@dataclass(frozen=True)
class Credentials:
    """Sandbox logins. Not secrets: printed by ``migrate sandbox serve`` and safe to commit in tests."""

    admin_email: str = "admin@sandbox.test"
    admin_token: str = "sandbox-admin-token"
    viewer_email: str = "viewer@sandbox.test"
    viewer_token: str = "sandbox-viewer-token"
    bearer_token: str = "sandbox-bearer-token"  # acts as the admin

    @classmethod
    def of(cls, users: Any) -> "Credentials":
        if users is None:
            return cls()
        if isinstance(users, Credentials):
            return users
        if isinstance(users, dict):
            unknown = set(users) - set(cls.__dataclass_fields__)
            if unknown:
                raise ValueError(f"unknown credential fields: {', '.join(sorted(unknown))}")
            return cls(**users)
        raise TypeError("users must be a Credentials or a dict of its fields")


@dataclass(frozen=True)
class Login:
    email: str
    token: str

    @property
    def auth(self) -> tuple[str, str]:
        """For requests: ``requests.get(url, auth=sandbox.admin.auth)``."""
        return (self.email, self.token)

    @property
    def headers(self) -> dict[str, str]:
        raw = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}


@dataclass
class Reply:
    status: int
    body: Any = None  # dict/list (JSON-encoded), str (already JSON), or None (no body)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_TYPE


@dataclass
class Route:
    name: str
    methods: tuple[str, ...]
    path: str  # werkzeug rule, relative to the API root
    template: str  # OpenAPI-style path template, relative to the API root
    auth: str  # anon | user | admin
    flavours: tuple[str, ...] = ("cloud", "dc")
    body: str = "json"  # json | text | none


ROUTES = (
    Route("server_info", ("GET",), "/serverInfo", "/serverInfo", "anon"),
    Route("myself", ("GET",), "/myself", "/myself", "user"),
    Route("permissions", ("GET",), "/permissions", "/permissions", "anon"),
    Route("my_permissions", ("GET",), "/mypermissions", "/mypermissions", "anon"),
    Route("permissions_check", ("POST",), "/permissions/check", "/permissions/check", "anon", ("cloud",)),
    Route("permitted_projects", ("POST",), "/permissions/project", "/permissions/project", "anon", ("cloud",)),
    Route("schemes", ("GET",), "/permissionscheme", "/permissionscheme", "user"),
    Route("scheme_create", ("POST",), "/permissionscheme", "/permissionscheme", "admin"),
    Route("scheme_get", ("GET",), "/permissionscheme/<int(signed=True):schemeId>", "/permissionscheme/{schemeId}",
          "user"),
    Route("scheme_update", ("PUT",), "/permissionscheme/<int(signed=True):schemeId>",
          "/permissionscheme/{schemeId}", "admin"),
    Route("scheme_delete", ("DELETE",), "/permissionscheme/<int(signed=True):schemeId>",
          "/permissionscheme/{schemeId}", "admin", body="none"),
    Route("grants", ("GET",), "/permissionscheme/<int(signed=True):schemeId>/permission",
          "/permissionscheme/{schemeId}/permission", "user"),
    Route("grant_create", ("POST",), "/permissionscheme/<int(signed=True):schemeId>/permission",
          "/permissionscheme/{schemeId}/permission", "admin"),
    Route("grant_get", ("GET",), "/permissionscheme/<int(signed=True):schemeId>/permission/<int(signed=True):permissionId>",
          "/permissionscheme/{schemeId}/permission/{permissionId}", "user"),
    Route("grant_delete", ("DELETE",),
          "/permissionscheme/<int(signed=True):schemeId>/permission/<int(signed=True):permissionId>",
          "/permissionscheme/{schemeId}/permission/{permissionId}", "admin", body="none"),
    Route("attribute_get", ("GET",), "/permissionscheme/<int(signed=True):schemeId>/attribute/<attributeKey>",
          "/permissionscheme/{permissionSchemeId}/attribute/{attributeKey}", "admin", ("dc",)),
    Route("attribute_put", ("PUT",), "/permissionscheme/<int(signed=True):schemeId>/attribute/<attributeKey>",
          "/permissionscheme/{permissionSchemeId}/attribute/{key}", "admin", ("dc",), body="text"),
    Route("project_search", ("GET",), "/project/search", "/project/search", "anon", ("cloud",)),
    Route("project_list", ("GET",), "/project", "/project", "anon"),
    Route("project_get", ("GET",), "/project/<projectKeyOrId>", "/project/{projectIdOrKey}", "anon"),
    Route("project_scheme", ("GET",), "/project/<projectKeyOrId>/permissionscheme",
          "/project/{projectKeyOrId}/permissionscheme", "user"),
    Route("project_scheme_assign", ("PUT",), "/project/<projectKeyOrId>/permissionscheme",
          "/project/{projectKeyOrId}/permissionscheme", "admin"),
    Route("roles", ("GET",), "/role", "/role", "admin"),
    Route("role_get", ("GET",), "/role/<int:roleId>", "/role/{id}", "admin"),
    Route("user_permission_search", ("GET",), "/user/permission/search", "/user/permission/search", "user"),
)

NOT_ADMIN = "You are not authorized to perform this operation. Only Jira administrators can perform this operation."


def _iso(ts: float, *, millis: bool = True) -> str:
    d = _dt.datetime.fromtimestamp(ts, _dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.000Z" if millis else "%Y-%m-%dT%H:%M:%SZ")


def _int_param(req: Request, name: str, default: int, *, minimum: int = 0) -> int:
    raw = req.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, [f"The value '{raw}' is not valid for the parameter '{name}'."]) from None
    if value < minimum:
        raise ApiError(400, [f"'{name}' must be at least {minimum}."])
    return value


def _multi(req: Request, name: str) -> list[str]:
    out: list[str] = []
    for v in req.args.getlist(name):
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


class Ctx:
    def __init__(self, core: "SandboxCore", req: Request, route: Route, args: dict[str, Any], user: User | None):
        self.core = core
        self.req = req
        self.route = route
        self.args = args
        self.user = user
        self.site: SiteState = core.site

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
                raise ApiError(400, ["No content to map due to end-of-input"], kind="malformed_json")
            return None
        ctype = (self.req.mimetype or "").lower()
        if "json" not in ctype:
            raise ApiError(415, [f"Unsupported Media Type: '{self.req.content_type or ''}'. Use application/json."])
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise ApiError(400, [f"Unexpected character in JSON body: {e}"], kind="malformed_json") from None

    def scheme(self) -> Scheme:
        sid = self.args["schemeId"]
        s = self.site.schemes.get(sid)
        if s is None:
            raise ApiError(404, [f"Permission scheme with id {sid} not found."])
        return s

    def require_admin(self) -> None:
        if not self.site.is_admin(self.user):
            raise ApiError(403, [NOT_ADMIN])


class SandboxCore:
    """Everything behind the sandbox's HTTP port. ``Sandbox`` (server.py) owns one and serves it."""

    def __init__(
        self,
        site_factory: Callable[[], SiteState],
        *,
        credentials: Credentials,
        faults: FaultConfig,
        rate_limits: dict[str, float] | None,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        wall_base: float,
        expand_holders: bool = False,
        log_limit: int = 500_000,
        describe: dict[str, Any] | None = None,
    ):
        self.lock = threading.RLock()
        self.site_factory = site_factory
        self.credentials = credentials
        self.clock = clock
        self.sleep = sleep
        self._clock0 = clock()
        self._wall_base = wall_base
        self.expand_holders = expand_holders
        self.log_limit = log_limit
        self.describe = describe or {}
        self.base_url = "http://127.0.0.1"
        self.fault_config = faults
        self.injector = FaultInjector(faults)
        self.limiter = RateLimiter(rate_limits, clock)
        self.site = site_factory()
        self.api = "/rest/api/3" if self.site.cloud else "/rest/api/2"
        self.renderer = Renderer(self.site, self.base_url, self.api, expand_holders=expand_holders)
        self._edit_rng = random.Random(f"admin-edit:{faults.seed}")
        self._build_map()
        self._reset_records()

    # ---- setup --------------------------------------------------------------------------------------
    def _build_map(self) -> None:
        rules = []
        self.routes: dict[str, Route] = {}
        flavour = self.site.flavour
        prefixes = [self.api] + (["/rest/api/2"] if flavour == "cloud" else [])  # Cloud serves v2 too
        for prefix in prefixes:
            for r in ROUTES:
                if flavour not in r.flavours:
                    continue
                name = f"{prefix}|{r.name}"
                self.routes[name] = r
                rules.append(Rule(prefix + r.path, endpoint=name, methods=list(r.methods), strict_slashes=False))
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)

    def set_base_url(self, url: str) -> None:
        with self.lock:
            self.base_url = url.rstrip("/")
            self.renderer = Renderer(self.site, self.base_url, self.api, expand_holders=self.expand_holders)
            for s in self.site.schemes.values():
                s.touch()

    def _reset_records(self) -> None:
        self.log: list[tuple] = []  # LOG_FIELDS tuples, in seq order
        self.seq = 0
        self.counts: Counter = Counter()
        self.stats_counter: Counter = Counter()
        self.puts_by_scheme: Counter = Counter()
        self.status_counts: Counter = Counter()
        self.faults_fired: Counter = Counter()
        self.early_by_identity: Counter = Counter()
        self.admin_edit_log: list[dict[str, Any]] = []
        self.penalty: dict[str, tuple[float, int]] = {}  # identity -> (until, retry_after issued)
        self.penalty_route: dict[tuple[str, str, str], float] = {}
        self.inflight = 0
        self.max_inflight = 0
        self.writes_inflight: Counter = Counter()
        self.max_writes_per_scheme = 0

    def reset(self, *, state: bool = True, records: bool = True) -> None:
        with self.lock:
            if state:
                self.site = self.site_factory()
                self.renderer = Renderer(self.site, self.base_url, self.api, expand_holders=self.expand_holders)
                self.limiter.reset()
                self.injector = FaultInjector(self.fault_config)
                self._edit_rng = random.Random(f"admin-edit:{self.fault_config.seed}")
            if records:
                self._reset_records()

    def set_faults(self, spec: str | FaultConfig | None, *, latency_ms: float = 0) -> FaultConfig:
        cfg = parse_faults(spec, latency_ms=latency_ms)
        with self.lock:
            self.fault_config = cfg
            self.injector = FaultInjector(cfg)
        return cfg

    def faults_json(self) -> dict[str, Any]:
        with self.lock:
            out = self.fault_config.to_json()
            for rule, left in zip(out["rules"], self.injector.remaining()):
                rule["remaining"] = left
            out["fired"] = dict(self.faults_fired)
            return out

    def wall(self) -> float:
        return self._wall_base + (self.clock() - self._clock0)

    # ---- auth ---------------------------------------------------------------------------------------
    def authenticate(self, req: Request) -> tuple[str, User | None, str | None]:
        """(identity, user, error). identity keys rate limits and Retry-After bookkeeping."""
        header = req.headers.get("Authorization", "")
        c = self.credentials
        if not header:
            return ("anonymous", None, None)
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic":
            try:
                email, _, token = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return ("invalid", None, "malformed")
            for want_email, want_token in ((c.admin_email, c.admin_token), (c.viewer_email, c.viewer_token)):
                if email.lower() == want_email.lower() and hmac.compare_digest(token.encode(), want_token.encode()):
                    user = self.site.users_by_email.get(want_email.lower())
                    return (want_email, user, None if user else "unknown")
            return (f"invalid:{email}", None, "bad")
        if scheme == "bearer":
            if hmac.compare_digest(value.strip().encode(), c.bearer_token.encode()):
                user = self.site.users_by_email.get(c.admin_email.lower())
                return (f"bearer:{c.admin_email}", user, None)
            return ("invalid:bearer", None, "bad")
        return ("invalid", None, "scheme")

    # ---- WSGI ----------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        req = Request(environ)
        if req.path == CONTROL_PREFIX or req.path.startswith(CONTROL_PREFIX + "/"):
            resp = self._control(req)
        else:
            resp = self._api(req)
        return resp(environ, start_response)

    @staticmethod
    def _response(reply: Reply) -> Response:
        if reply.body is None:
            resp = Response(status=reply.status)
            if reply.status != 204:
                resp.content_type = reply.content_type
        else:
            data = reply.body if isinstance(reply.body, str) else dumps(reply.body)
            resp = Response(data.encode("utf-8"), status=reply.status, content_type=reply.content_type)
        for k, v in reply.headers.items():
            resp.headers[k] = v
        return resp

    def _error_reply(self, e: ApiError) -> Reply:
        return Reply(e.status, e.body(with_status=e.status >= 429), e.headers)

    def _api(self, req: Request) -> Response:
        method = req.method.upper()
        path = req.path
        adapter = self.url_map.bind("127.0.0.1", path_info=path, url_scheme="http")
        route: Route | None = None
        args: dict[str, Any] = {}
        reply: Reply | None = None
        template: str | None = None
        rel_path = path
        prefix = ""
        try:
            name, args = adapter.match(path, method=method)
            route = self.routes[name]
            prefix = name.split("|", 1)[0]
            template = prefix + route.template
            rel_path = path[len(prefix):]
        except MethodNotAllowed as e:
            allowed = ", ".join(sorted(e.valid_methods or []))
            reply = Reply(405, {"errorMessages": [f"Method {method} is not allowed here (allowed: {allowed})."],
                                "errors": {}}, {"Allow": allowed})
        except NotFound:
            reply = Reply(404, {"errorMessages": [f"null for uri: {self.base_url}{path}"], "errors": {}})
        rel_template = route.template if route else None
        scheme_id = args.get("schemeId") if route else None
        is_write = method in ("POST", "PUT", "DELETE")
        if is_write:
            req.get_data(cache=True)  # read the body off the socket before taking the lock
        fault: str | None = None
        t0 = self.clock()
        with self.lock:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
            if is_write and scheme_id is not None:
                self.writes_inflight[scheme_id] += 1
                self.max_writes_per_scheme = max(self.max_writes_per_scheme, self.writes_inflight[scheme_id])
            delay = self.injector.latency_seconds()
        try:
            if delay > 0:
                self.sleep(delay)
            headers: dict[str, str] = {}
            lost: str | None = None
            with self.lock:
                identity, user, auth_error = self.authenticate(req)
                if reply is None:
                    reply, fault = self._gate(identity, method, template, rel_template, rel_path, headers)
                if reply is None:
                    assert route is not None
                    reply = self._dispatch(req, route, args, user, auth_error)
                    if 200 <= reply.status < 300:
                        lost = self.injector.draw_lost(method, rel_template, rel_path)
                        if route.template.startswith("/permissionscheme/{schemeId}") and scheme_id is not None:
                            if self.injector.draw(("admin-edit",), method, rel_template, rel_path):
                                self._random_admin_edit(scheme_id, cause="fault")
                                self.faults_fired["admin-edit"] += 1
                    if lost:
                        fault = lost
                        self.faults_fired[lost] += 1
                        failure = self.injector.lost_failure()
                        if failure == "reset":
                            self._record(method, path, template, None, identity, lost, t0, scheme_id)
                            self.stats_counter["connection_resets"] += 1
                            self.stats_counter["lost_writes"] += 1
                            raise ConnectionReset()
                        self.stats_counter["lost_writes"] += 1
                        reply = self._gateway_reply(int(failure))
                if reply.status == -1:  # reset fault before handling
                    self._record(method, path, template, None, identity, "reset", t0, scheme_id)
                    self.stats_counter["connection_resets"] += 1
                    raise ConnectionReset()
                reply.headers.update(headers)
                reply.headers.setdefault("X-AREQUESTID", f"sandbox-{self.seq + 1}")
                self._record(method, path, template, reply.status, identity, fault, t0, scheme_id)
            return self._response(reply)
        finally:
            with self.lock:
                self.inflight -= 1
                if is_write and scheme_id is not None:
                    self.writes_inflight[scheme_id] -= 1

    def _gate(self, identity: str, method: str, template: str | None, rel_template: str | None, rel_path: str,
              headers: dict[str, str]) -> tuple[Reply | None, str | None]:
        """Retry-After penalties, burst rate limits and injected faults, in that order (lock held)."""
        now = self.clock()
        pen = self.penalty.get(identity)
        if pen is not None and now < pen[0]:
            self.stats_counter["early_retries"] += 1
            self.early_by_identity[identity] += 1
            if self.penalty_route.get((identity, method, template or ""), -1.0) > now:
                self.stats_counter["early_retries_same_endpoint"] += 1
            retry_after = pen[1]
            self._penalise(identity, method, template, retry_after, now)
            self.stats_counter["rate_limited_429s"] += 1
            return self._too_many(retry_after, "jira-burst-based", now), "early-retry"
        decision = self.limiter.take(identity, method, template or "")
        if decision is not None:
            headers["X-RateLimit-Limit"] = str(decision.limit)
            headers["X-RateLimit-Remaining"] = str(decision.remaining)
            if decision.remaining < 0.2 * decision.limit:
                headers["X-RateLimit-NearLimit"] = "true"
            if not decision.allowed:
                self._penalise(identity, method, template, decision.retry_after, now)
                self.stats_counter["rate_limited_429s"] += 1
                r = self._too_many(decision.retry_after, "jira-burst-based", now, limit=decision.limit)
                return r, "rate-limit"
        inj = self.injector
        kind = inj.draw(("reset",), method, rel_template, rel_path)
        if kind:
            self.faults_fired[kind] += 1
            return Reply(-1), kind
        kind = inj.draw(("429",), method, rel_template, rel_path)
        if kind:
            self.faults_fired[kind] += 1
            ra = self.fault_config.retry_after
            self._penalise(identity, method, template, ra, now)
            self.stats_counter["fault_429s"] += 1
            return self._too_many(ra, "jira-burst-based", now), kind
        kind = inj.draw(("500", "502", "503", "504", "5xx"), method, rel_template, rel_path)
        if kind:
            self.faults_fired[kind] += 1
            status = int(inj.pick(("500", "502", "503"))) if kind == "5xx" else int(kind)
            reply = self._gateway_reply(status)
            if status == 503 and inj.chance(self.fault_config.retry_after_503):
                ra = self.fault_config.retry_after
                reply.headers["Retry-After"] = str(ra)
                self._penalise(identity, method, template, ra, now)
            return reply, kind
        return None, None

    def _penalise(self, identity: str, method: str, template: str | None, retry_after: int, now: float) -> None:
        if retry_after <= 0:
            return
        until = now + retry_after
        old = self.penalty.get(identity)
        if old is None or old[0] < until:
            self.penalty[identity] = (until, retry_after)
        self.penalty_route[(identity, method, template or "")] = until

    def _too_many(self, retry_after: int, reason: str, now: float, *, limit: int | None = None) -> Reply:
        headers = {
            "Retry-After": str(retry_after),
            "X-RateLimit-Limit": str(limit if limit is not None else self._nominal_limit()),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": _iso(self._wall_base + (now - self._clock0) + max(retry_after, 0), millis=False),
            "RateLimit-Reason": reason,
        }
        return Reply(429, {"errorMessages": ["Rate limit exceeded."], "errors": {}, "status": 429}, headers)

    def _nominal_limit(self) -> int:
        limits = self.limiter.limits
        return int(max(limits.values())) if limits else 100

    @staticmethod
    def _gateway_reply(status: int) -> Reply:
        if status in (502, 504):
            text = {502: "Bad Gateway", 504: "Gateway Timeout"}[status]
            return Reply(status, f"<html><head><title>{status} {text}</title></head><body><h1>{status} {text}</h1>"
                                 "</body></html>", content_type="text/html")
        text = {500: "Internal server error", 503: "Service Unavailable"}[status]
        return Reply(status, {"errorMessages": [text], "errors": {}, "status": status})

    def _record(self, method: str, path: str, template: str | None, status: int | None, identity: str,
                fault: str | None, t0: float, scheme_id: int | None) -> None:
        self.seq += 1
        key = (method, template or "<unmatched>")
        self.counts[key] += 1
        self.status_counts[str(status) if status is not None else "reset"] += 1
        if method == "PUT" and template and template.endswith("/permissionscheme/{schemeId}") and scheme_id is not None:
            self.puts_by_scheme[scheme_id] += 1
        if len(self.log) < self.log_limit:
            self.log.append((self.seq, t0, method, path, template, status, identity, fault, self.clock() - t0))
        else:
            self.stats_counter["log_dropped"] += 1

    # ---- dispatch -------------------------------------------------------------------------------------
    def _dispatch(self, req: Request, route: Route, args: dict[str, Any], user: User | None,
                  auth_error: str | None) -> Reply:
        try:
            if auth_error is not None:
                raise ApiError(401, ["Client must be authenticated to access this resource."],
                               headers={"WWW-Authenticate": 'Basic realm="protected-area"'}
                               if self.site.cloud else {"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"})
            if route.auth in ("user", "admin") and user is None:
                raise ApiError(401, ["You are not authenticated. Authentication required to perform this operation."])
            ctx = Ctx(self, req, route, args, user)
            if route.auth == "admin":
                ctx.require_admin()
            reply = getattr(self, "h_" + route.name)(ctx)
        except ApiError as e:
            if e.kind:
                self.stats_counter[{
                    "duplicate_grant": "duplicate_grant_400s",
                    "delete_missing_grant": "delete_missing_400s",
                    "unrecognized_permission": "unrecognized_permission_400s",
                }.get(e.kind, e.kind + "_errors")] += 1
            reply = self._error_reply(e)
        return reply

    # ---- handlers: site -------------------------------------------------------------------------------
    def h_server_info(self, ctx: Ctx) -> Reply:
        cloud = self.site.cloud
        out = {
            "baseUrl": self.base_url,
            "version": "1001.0.0-SNAPSHOT" if cloud else "10.0.0",
            "versionNumbers": [1001, 0, 0] if cloud else [10, 0, 0],
            "deploymentType": "Cloud" if cloud else "DataCenter",
            "buildNumber": 100289 if cloud else 10000000,
            "buildDate": "2026-05-20T00:00:00.000Z" if cloud else "2024-07-02T00:00:00.000Z",
            "serverTime": _iso(self.wall()),
            "scmInfo": "5a1d0e9c3f7b2a6d8e4c1b0a9f8e7d6c5b4a3928",
            "serverTitle": self.site.title,
        }
        if cloud:
            out["serverTimeZone"] = "Etc/UTC"  # no defaultLocale: the Cloud schema does not allow it
        else:
            out["defaultLocale"] = {"locale": "en_US"}
        return Reply(200, out)

    def h_myself(self, ctx: Ctx) -> Reply:
        assert ctx.user is not None
        return Reply(200, self.renderer.myself(ctx.user, ctx.expand or frozenset()))

    def h_permissions(self, ctx: Ctx) -> Reply:
        if not self.site.cloud:
            if ctx.user is None:
                raise ApiError(401, ["You are not authenticated. Authentication required to perform this operation."])
            ctx.require_admin()
        perms = {p.key: {"id": p.id, "key": p.key, "name": p.name, "type": p.type, "description": p.description}
                 for p in self.site.permissions.values()}
        return Reply(200, {"permissions": perms})

    def h_my_permissions(self, ctx: Ctx) -> Reply:
        site = self.site
        raw = ctx.req.args.get("permissions")
        if raw is None or not raw.strip():
            if site.cloud:
                raise ApiError(400, ["The 'permissions' query parameter is required: a comma-separated list of "
                                     "permission keys (see GET /rest/api/3/permissions)."])
            keys = list(site.permissions)
        else:
            keys = [k.strip() for k in raw.split(",") if k.strip()]
            unknown = [k for k in keys if k not in site.permissions]
            if unknown:
                raise ApiError(400, [f"Unrecognized permission keys: {', '.join(unknown)}."],
                               {k: "Unrecognized permission" for k in unknown}, kind="unrecognized_permission")
        project, issue = self._context(ctx)
        out = {}
        for k in keys:
            p = site.permissions[k]
            if p.type == "GLOBAL":
                have = site.has_global(ctx.user, k)
            elif issue is not None:
                have = project is not None and site.has_permission(ctx.user, k, project, issue)
            elif project is not None:
                have = site.has_permission(ctx.user, k, project)
            else:
                have = any(site.has_permission(ctx.user, k, pr) for pr in site.projects.values() if pr.status != "deleted")
            out[k] = {"id": p.id, "key": k, "name": p.name, "type": p.type, "description": p.description,
                      "havePermission": have}
        return Reply(200, {"permissions": out})

    def _context(self, ctx: Ctx) -> tuple[Project | None, Any]:
        site = self.site
        a = ctx.req.args
        project = issue = None
        if a.get("issueId") or a.get("issueKey"):
            ref = a.get("issueId")
            issue = site.issues.get(int(ref)) if ref and ref.isdigit() else None
            if ref is None:
                issue = site.issues_by_key.get(a.get("issueKey", ""))
            if issue is None:
                raise ApiError(404, ["Issue does not exist or you do not have permission to see it."])
            project = site.projects[issue.project_id]
        elif a.get("projectId") or a.get("projectKey"):
            ref = a.get("projectId")
            project = site.projects.get(int(ref)) if ref and ref.isdigit() else None
            if ref is None:
                project = site.projects_by_key.get(a.get("projectKey", ""))
            if project is None or project.status == "deleted":
                raise ApiError(404, ["No project could be found with that key or id."])
        return project, issue

    def h_permissions_check(self, ctx: Ctx) -> Reply:
        site = self.site
        body = ctx.json()
        if not isinstance(body, dict):
            raise ApiError(400, ["The request body must be a JSON object."])
        target = ctx.user
        account = body.get("accountId")
        if account is not None:
            if not isinstance(account, str) or account not in site.users:
                raise ApiError(400, [f"The account ID '{account}' is not valid."])
            if ctx.user is None or (account != ctx.user.account_id and not site.is_admin(ctx.user)):
                raise ApiError(403, ["Only Jira administrators can perform this operation."])
            target = site.users[account]
        errors: dict[str, str] = {}
        globals_req = [g for g in (body.get("globalPermissions") or []) if g is not None]
        for g in globals_req:
            if not isinstance(g, str) or site.permissions.get(g) is None or site.permissions[g].type != "GLOBAL":
                errors[str(g)] = "Unrecognized permission"
        entries = body.get("projectPermissions") or []
        if not isinstance(entries, list):
            raise ApiError(400, ["'projectPermissions' must be a list."])
        parsed = []
        all_projects: set[int] = set()
        all_issues: set[int] = set()
        for e in entries:
            if e is None:
                continue
            if not isinstance(e, dict):
                raise ApiError(400, ["Each entry of 'projectPermissions' must be an object."])
            keys = [k for k in (e.get("permissions") or []) if k not in (None, "")]
            if not keys:
                raise ApiError(400, ["At least one project permission must be provided in 'projectPermissions'."])
            for k in keys:
                if not isinstance(k, str) or site.permissions.get(k) is None or site.permissions[k].type != "PROJECT":
                    errors[str(k)] = "Unrecognized permission"
            projects = [int(x) for x in (e.get("projects") or []) if isinstance(x, int) and x in site.projects]
            issues = [int(x) for x in (e.get("issues") or []) if isinstance(x, int) and x in site.issues]
            all_projects.update(projects)
            all_issues.update(issues)
            parsed.append((keys, projects, issues))
        if errors:
            self.stats_counter["unrecognized_permission_400s"] += 1
            raise ApiError(400, [], errors)
        if len(all_projects) > 1000 or len(all_issues) > 1000:
            raise ApiError(400, ["A maximum of 1000 projects and 1000 issues can be checked at once."])
        granted_globals = [g for g in dict.fromkeys(globals_req) if site.has_global(target, g)]
        merged: dict[str, tuple[dict[int, None], dict[int, None]]] = {}
        for keys, projects, issues in parsed:
            for k in keys:
                ps, iss = merged.setdefault(k, ({}, {}))
                for pid in projects:
                    p = site.projects[pid]
                    if p.status != "deleted" and site.has_permission(target, k, p):
                        ps[pid] = None
                for iid in issues:
                    i = site.issues[iid]
                    p = site.projects[i.project_id]
                    if p.status != "deleted" and site.has_permission(target, k, p, i):
                        iss[iid] = None
        return Reply(200, {"globalPermissions": granted_globals,
                           "projectPermissions": [{"permission": k, "projects": list(ps), "issues": list(iss)}
                                                  for k, (ps, iss) in merged.items()]})

    def h_permitted_projects(self, ctx: Ctx) -> Reply:
        site = self.site
        body = ctx.json()
        if not isinstance(body, dict) or not isinstance(body.get("permissions"), list):
            raise ApiError(400, ["'permissions' (a list of project permission keys) is required."])
        keys = [k for k in body["permissions"] if k not in (None, "")]
        for k in keys:
            if not isinstance(k, str) or k not in site.permissions or site.permissions[k].type != "PROJECT":
                raise ApiError(400, [f"Project permission '{k}' not found."], kind="unrecognized_permission")
        out = [{"id": p.id, "key": p.key} for p in site.projects.values()
               if p.status == "live" and keys and all(site.has_permission(ctx.user, k, p) for k in keys)]
        return Reply(200, {"projects": out})

    # ---- handlers: schemes ------------------------------------------------------------------------------
    def h_schemes(self, ctx: Ctx) -> Reply:
        expand = ctx.expand
        r = self.renderer
        parts = [r.scheme_json(s, expand is not None, expand) for s in self.site.schemes.values()]
        return Reply(200, '{"permissionSchemes":[' + ",".join(parts) + "]}")

    def h_scheme_get(self, ctx: Ctx) -> Reply:
        expand = ctx.expand
        return Reply(200, self.renderer.scheme_json(ctx.scheme(), expand is not None, expand))

    def _scheme_body(self, ctx: Ctx, *, current: Scheme | None) -> tuple[str, str | None, list | None]:
        body = ctx.json()
        if not isinstance(body, dict):
            raise ApiError(400, ["The request body must be a permission scheme object."])
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, [], {"name": "The name of the permission scheme is required."})
        for s in self.site.schemes.values():
            if s.name == name and s is not current:
                raise ApiError(400, [], {"name": f"A permission scheme with the name '{name}' already exists."})
        desc = body.get("description")
        if desc is not None and not isinstance(desc, str):
            raise ApiError(400, [], {"description": "The description must be a string."})
        grants = body.get("permissions")
        if grants is not None:
            if not isinstance(grants, list):
                raise ApiError(400, [], {"permissions": "The permissions must be a list of permission grants."})
            grants = [self.site.parse_grant(g) for g in grants]
        return name, desc, grants

    def h_scheme_create(self, ctx: Ctx) -> Reply:
        name, desc, grants = self._scheme_body(ctx, current=None)
        s = self.site.new_scheme(name, desc or "")
        for perm, holder in grants or []:
            if self.site.find_grant(s, perm, holder) is None:
                self.site.add_grant(s, perm, holder)
        self.stats_counter["schemes_created"] += 1
        expand = ctx.expand
        return Reply(201, self.renderer.scheme_json(s, expand is not None or grants is not None, expand))

    def h_scheme_update(self, ctx: Ctx) -> Reply:
        s = ctx.scheme()
        name, desc, grants = self._scheme_body(ctx, current=s)
        s.name = name
        if desc is not None:
            s.description = desc
        s.touch()
        self.stats_counter["scheme_puts"] += 1
        if grants is not None:
            self.stats_counter["scheme_puts_replacing_grants"] += 1
            self.stats_counter["grants_destroyed_by_put"] += len(s.grants)
            self.site.replace_grants(s, grants)
        expand = ctx.expand
        return Reply(200, self.renderer.scheme_json(s, expand is not None or grants is not None, expand))

    def h_scheme_delete(self, ctx: Ctx) -> Reply:
        s = ctx.scheme()
        if s.id == DEFAULT_SCHEME_ID:
            raise ApiError(400, ["The default permission scheme cannot be deleted."])
        del self.site.schemes[s.id]
        for p in self.site.projects.values():
            if p.scheme_id == s.id:
                p.scheme_id = DEFAULT_SCHEME_ID  # projects fall back to the default scheme
        self.stats_counter["schemes_deleted"] += 1
        return Reply(204)

    def h_grants(self, ctx: Ctx) -> Reply:
        return Reply(200, self.renderer.grants_json(ctx.scheme(), ctx.expand))

    def h_grant_create(self, ctx: Ctx) -> Reply:
        s = ctx.scheme()
        perm, holder = self.site.parse_grant(ctx.json())
        g = self.site.add_grant(s, perm, holder)
        self.stats_counter["grants_created"] += 1
        return Reply(201, self.renderer.grant(s.id, g, self.renderer.embed_key(ctx.expand)))

    def h_grant_get(self, ctx: Ctx) -> Reply:
        s = ctx.scheme()
        g = s.grants.get(ctx.args["permissionId"])
        if g is None:
            raise ApiError(404, [f"Permission grant with id {ctx.args['permissionId']} not found in permission "
                                 f"scheme {s.id}."])
        return Reply(200, self.renderer.grant(s.id, g, self.renderer.embed_key(ctx.expand)))

    def h_grant_delete(self, ctx: Ctx) -> Reply:
        s = ctx.scheme()
        self.site.remove_grant(s, ctx.args["permissionId"])
        self.stats_counter["grants_deleted"] += 1
        return Reply(204)

    def h_attribute_get(self, ctx: Ctx) -> Reply:
        s = ctx.scheme()
        key = ctx.args["attributeKey"]
        if key not in s.attributes:
            raise ApiError(404, [f"Attribute '{key}' not found for permission scheme {s.id}."])
        return Reply(200, {"key": key, "value": s.attributes[key]})

    def h_attribute_put(self, ctx: Ctx) -> Reply:
        s = ctx.scheme()
        raw = ctx.req.get_data(as_text=True)
        s.attributes[ctx.args["attributeKey"]] = "true" if raw.strip().lower() == "true" else "false"
        return Reply(204)

    # ---- handlers: projects, roles, users ---------------------------------------------------------------
    def _project(self, ref: str) -> Project | None:
        site = self.site
        p = site.projects.get(int(ref)) if ref.isdigit() else site.projects_by_key.get(ref)
        return p if p is not None and p.status != "deleted" else None

    def h_project_search(self, ctx: Ctx) -> Reply:
        site = self.site
        req = ctx.req
        start = _int_param(req, "startAt", 0)
        max_results = _int_param(req, "maxResults", 50)
        max_results = min(max_results, 100)
        statuses = _multi(req, "status") or ["live"]
        bad = [s for s in statuses if s not in ("live", "archived", "deleted")]
        if bad:
            raise ApiError(400, [f"Invalid status: {', '.join(bad)}. Valid values: live, archived, deleted."])
        order = req.args.get("orderBy", "key") or "key"
        desc = order.startswith("-")
        field_name = order.lstrip("+-")
        if field_name not in ("key", "name", "category", "owner", "issueCount", "lastIssueUpdatedDate",
                              "archivedDate", "deletedDate"):
            raise ApiError(400, [f"Invalid orderBy value: '{order}'."])
        action = req.args.get("action", "view") or "view"
        if action not in ("view", "browse", "edit", "create"):
            raise ApiError(400, [f"Invalid action: '{action}'."])
        ids = set()
        for x in _multi(req, "id"):
            if not x.isdigit():
                raise ApiError(400, [f"Invalid project id: '{x}'."])
            ids.add(int(x))
        keys = set(_multi(req, "keys"))
        query = (req.args.get("query") or "").lower()
        types = set(_multi(req, "typeKey"))
        category = req.args.get("categoryId")
        user = ctx.user
        admin = site.is_admin(user)
        found = []
        for p in site.projects.values():
            if p.status not in statuses:
                continue
            if ids and p.id not in ids:
                continue
            if keys and p.key not in keys:
                continue
            if query and query not in p.key.lower() and query not in p.name.lower():
                continue
            if types and p.type_key not in types:
                continue
            if category and (not p.category or p.category[0] != category):
                continue
            if action == "view":
                ok = site.can_see_project(user, p)
            elif action == "browse":
                ok = site.has_permission(user, "BROWSE_PROJECTS", p)
            elif action == "edit":
                ok = admin or site.has_permission(user, "ADMINISTER_PROJECTS", p)
            else:
                ok = site.has_permission(user, "CREATE_ISSUES", p)
            if ok:
                found.append(p)
        sort_key: Callable[[Project], Any] = {
            "name": lambda p: (p.name.lower(), p.key),
            "issueCount": lambda p: (len(p.issue_ids), p.key),
            "category": lambda p: ((p.category or ("", ""))[1], p.key),
            "owner": lambda p: (site.users[p.lead].display_name if p.lead in site.users else "", p.key),
        }.get(field_name, lambda p: p.key)
        found.sort(key=sort_key, reverse=desc)
        total = len(found)
        page = found[start:start + max_results]
        is_last = start + len(page) >= total
        expand = ctx.expand or frozenset()

        def url(at: int) -> str:
            params = [(k, v) for k, v in req.args.items(multi=True) if k not in ("startAt", "maxResults")]
            params += [("startAt", str(at)), ("maxResults", str(max_results))]
            return f"{self.base_url}{req.path}?{urlencode(params)}"

        out: dict[str, Any] = {"self": url(start)}
        if not is_last:
            out["nextPage"] = url(start + max_results)
        out.update({"maxResults": max_results, "startAt": start, "total": total, "isLast": is_last,
                    "values": [self.renderer.project(p, expand) for p in page]})
        return Reply(200, out)

    def h_project_list(self, ctx: Ctx) -> Reply:
        site = self.site
        include_archived = (ctx.req.args.get("includeArchived") or "").lower() == "true"
        expand = ctx.expand or frozenset()
        out = [self.renderer.project(p, expand) for p in sorted(site.projects.values(), key=lambda p: p.key)
               if (p.status == "live" or (include_archived and p.status == "archived"))
               and site.can_see_project(ctx.user, p)]
        return Reply(200, out)

    def h_project_get(self, ctx: Ctx) -> Reply:
        p = self._project(ctx.args["projectKeyOrId"])
        if p is None or not self.site.can_see_project(ctx.user, p):
            raise ApiError(404, ["No project could be found with key or id "
                                 f"'{ctx.args['projectKeyOrId']}'."])
        return Reply(200, self.renderer.project(p, ctx.expand or frozenset()))

    def h_project_scheme(self, ctx: Ctx) -> Reply:
        site = self.site
        p = self._project(ctx.args["projectKeyOrId"])
        if p is None or not site.can_see_project(ctx.user, p):
            raise ApiError(404, [f"No project could be found with key or id '{ctx.args['projectKeyOrId']}'."])
        if not (site.is_admin(ctx.user) or site.has_permission(ctx.user, "ADMINISTER_PROJECTS", p)):
            raise ApiError(403, ["You don't have permission to view this project's configuration."])
        s = site.scheme_for_project(p)
        expand = ctx.expand
        return Reply(200, self.renderer.scheme_json(s, expand is not None, expand))

    def h_project_scheme_assign(self, ctx: Ctx) -> Reply:
        site = self.site
        p = self._project(ctx.args["projectKeyOrId"])
        if p is None:
            raise ApiError(404, [f"No project could be found with key or id '{ctx.args['projectKeyOrId']}'."])
        body = ctx.json()
        sid = body.get("id") if isinstance(body, dict) else None
        if not isinstance(sid, int) or isinstance(sid, bool):
            raise ApiError(400, [], {"id": "The permission scheme id is required."})
        s = site.schemes.get(sid)
        if s is None:
            raise ApiError(404, [f"Permission scheme with id {sid} not found."])
        p.scheme_id = s.id
        self.stats_counter["schemes_assigned"] += 1
        expand = ctx.expand
        return Reply(200, self.renderer.scheme_json(s, expand is not None, expand))

    def h_roles(self, ctx: Ctx) -> Reply:
        return Reply(200, [self.renderer.role(rid) for rid in sorted(self.site.roles)])

    def h_role_get(self, ctx: Ctx) -> Reply:
        rid = ctx.args["roleId"]
        if rid not in self.site.roles:
            raise ApiError(404, [f"Project role with id {rid} not found."])
        return Reply(200, self.renderer.role(rid))

    def h_user_permission_search(self, ctx: Ctx) -> Reply:
        site = self.site
        req = ctx.req
        raw = req.args.get("permissions")
        if not raw or not raw.strip():
            raise ApiError(400, ["The 'permissions' query parameter is required."])
        keys = [k.strip() for k in raw.split(",") if k.strip()]
        unknown = [k for k in keys if k not in site.permissions or site.permissions[k].type != "PROJECT"]
        if unknown:
            raise ApiError(400, [f"Unrecognized permission keys: {', '.join(unknown)}."],
                           kind="unrecognized_permission")
        issue = site.issues_by_key.get(req.args.get("issueKey", "")) if req.args.get("issueKey") else None
        if req.args.get("issueKey") and issue is None:
            raise ApiError(404, ["Issue does not exist or you do not have permission to see it."])
        project = site.projects[issue.project_id] if issue else None
        if project is None:
            if not req.args.get("projectKey"):
                raise ApiError(400, ["Either 'projectKey' or 'issueKey' is required."])
            project = self._project(req.args["projectKey"])
            if project is None:
                raise ApiError(404, [f"No project could be found with key '{req.args['projectKey']}'."])
        if not (site.is_admin(ctx.user) or site.has_permission(ctx.user, "ADMINISTER_PROJECTS", project)):
            raise ApiError(403, ["You don't have the permission to see the users of this project."])
        start = _int_param(req, "startAt", 0)
        max_results = _int_param(req, "maxResults", 50)
        query = (req.args.get("query") or req.args.get("username") or "").lower()
        account = req.args.get("accountId")
        window = list(site.users.values())[:1000][start:start + max_results]  # lossy, as documented
        out = []
        for u in window:
            if account and u.account_id != account:
                continue
            if query and not (u.display_name.lower().startswith(query) or u.email.lower().startswith(query)):
                continue
            if all(site.has_permission(u, k, project, issue) for k in keys):
                out.append(self.renderer.user_ref(u))
        return Reply(200, out)

    # ---- other admin ----------------------------------------------------------------------------------
    def admin_edit(self, scheme_id: int, *, add: Any = None, remove: Any = None, cause: str = "api") -> dict[str, Any]:
        """Another administrator edits a scheme (lock held by the caller or taken here)."""
        with self.lock:
            site = self.site
            s = site.schemes.get(scheme_id)
            if s is None:
                raise KeyError(f"no permission scheme {scheme_id}")
            if add is None and remove is None:
                return self._random_admin_edit(scheme_id, cause=cause)
            if add is not None:
                if isinstance(add, (tuple, list)):
                    add = {"permission": add[0], "holder": add[1]}
                if isinstance(add, dict) and isinstance(add.get("holder"), Holder):
                    add = {"permission": add["permission"], "holder": add["holder"].to_json()}
                perm, holder = site.parse_grant(add)
                g = site.add_grant(s, perm, holder)
                entry = {"scheme": s.id, "action": "add", "grant": g.to_json(), "cause": cause}
            else:
                if isinstance(remove, dict):
                    perm, holder = site.parse_grant(remove)
                    g = site.find_grant(s, perm, holder)
                    if g is None:
                        raise ApiError(400, ["No such grant in the scheme."])
                    remove = g.id
                g = site.remove_grant(s, int(remove))
                entry = {"scheme": s.id, "action": "remove", "grant": g.to_json(), "cause": cause}
            entry["time"] = self.clock()
            self.admin_edit_log.append(entry)
            self.stats_counter["admin_edits"] += 1
            return entry

    def _random_admin_edit(self, scheme_id: int, *, cause: str) -> dict[str, Any]:
        site = self.site
        s = site.schemes[scheme_id]
        rng = self._edit_rng
        addon = str(site.addon_role_id) if site.addon_role_id is not None else None
        browse = [g for g in s.grants.values() if g.permission == "BROWSE_PROJECTS"
                  and not (g.holder.type == "projectRole" and g.holder.parameter == addon)]
        options = ["add-browse"]
        if len(browse) > 1:
            options.append("remove-browse")
        lacking = []
        if site.new_keys:
            lacking = [(g.holder, k) for g in browse for k in NEW_KEYS if site.find_grant(s, k, g.holder) is None]
            if lacking:
                options.append("add-view")
        choice = rng.choice(options)
        if choice == "remove-browse":
            g = site.remove_grant(s, rng.choice(browse).id)
            action = "remove"
        elif choice == "add-view":
            holder, key = rng.choice(lacking)
            g = site.add_grant(s, key, holder)
            action = "add"
        else:
            groups = list(site.groups.values())
            start = rng.randrange(len(groups))
            g = None
            for i in range(len(groups)):
                h = site.holder_for_group(groups[(start + i) % len(groups)])
                if site.find_grant(s, "BROWSE_PROJECTS", h) is None:
                    g = site.add_grant(s, "BROWSE_PROJECTS", h)
                    break
            if g is None:
                g = site.remove_grant(s, rng.choice(browse).id) if browse else None
                action = "remove"
            else:
                action = "add"
        entry = {"scheme": s.id, "action": action, "kind": choice, "grant": g.to_json() if g else None,
                 "cause": cause, "time": self.clock()}
        self.admin_edit_log.append(entry)
        self.stats_counter["admin_edits"] += 1
        return entry

    # ---- records ----------------------------------------------------------------------------------------
    LOG_FIELDS = ("seq", "time", "method", "path", "template", "status", "identity", "fault", "duration")

    def requests_since(self, since: int = 0) -> list[dict[str, Any]]:
        with self.lock:
            entries = self.log[bisect.bisect_right(self.log, (since, float("inf"))):] if since else list(self.log)
        return [dict(zip(self.LOG_FIELDS, e)) for e in entries]

    def request_counts(self) -> dict[tuple[str, str], int]:
        with self.lock:
            return dict(self.counts)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            sc = self.stats_counter
            return {
                "requests": self.seq,
                "by_status": dict(self.status_counts),
                "scheme_puts": sc["scheme_puts"],
                "scheme_puts_by_scheme": {str(k): v for k, v in self.puts_by_scheme.items()},
                "scheme_puts_replacing_grants": sc["scheme_puts_replacing_grants"],
                "grants_destroyed_by_put": sc["grants_destroyed_by_put"],
                "grants_created": sc["grants_created"],
                "grants_deleted": sc["grants_deleted"],
                "duplicate_grant_400s": sc["duplicate_grant_400s"],
                "delete_missing_400s": sc["delete_missing_400s"],
                "unrecognized_permission_400s": sc["unrecognized_permission_400s"],
                "rate_limited_429s": sc["rate_limited_429s"],
                "fault_429s": sc["fault_429s"],
                "early_retries": sc["early_retries"],
                "early_retries_same_endpoint": sc["early_retries_same_endpoint"],
                "early_retries_by_identity": dict(self.early_by_identity),
                "faults": dict(self.faults_fired),
                "connection_resets": sc["connection_resets"],
                "lost_writes": sc["lost_writes"],
                "admin_edits": sc["admin_edits"],
                "admin_edit_log": [dict(e) for e in self.admin_edit_log],
                "max_concurrency": self.max_inflight,
                "max_concurrent_writes_per_scheme": self.max_writes_per_scheme,
                "schemes_created": sc["schemes_created"],
                "schemes_deleted": sc["schemes_deleted"],
                "schemes_assigned": sc["schemes_assigned"],
                "log_dropped": sc["log_dropped"],
            }

    def dump(self) -> dict[str, Any]:
        with self.lock:
            d = self.site.dump()
            d["site"].update({"url": self.base_url, "api": self.api, **self.describe})
            return d

    # ---- control API ------------------------------------------------------------------------------------
    def _control(self, req: Request) -> Response:
        path = req.path[len(CONTROL_PREFIX):].strip("/")
        method = req.method.upper()
        try:
            reply = self._control_dispatch(path, method, req)
        except ApiError as e:
            reply = self._error_reply(e)
        except (ValueError, KeyError, TypeError) as e:
            reply = Reply(400, {"errorMessages": [str(e).strip("'\"")], "errors": {}})
        return self._response(reply)

    def _control_body(self, req: Request) -> Any:
        raw = req.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _control_dispatch(self, path: str, method: str, req: Request) -> Reply:
        if path in ("", "info") and method == "GET":
            c = self.credentials
            return Reply(200, {"url": self.base_url, "api": self.base_url + self.api, "flavour": self.site.flavour,
                               "new_keys": self.site.new_keys, "title": self.site.title, **self.describe,
                               "credentials": {"admin": {"email": c.admin_email, "token": c.admin_token},
                                               "viewer": {"email": c.viewer_email, "token": c.viewer_token},
                                               "bearer": c.bearer_token},
                               "control": ["GET info", "GET health", "POST reset", "GET state", "GET requests",
                                           "GET counts", "GET stats", "GET|PUT|DELETE faults", "POST edit"]})
        if path == "health" and method == "GET":
            return Reply(200, {"ok": True})
        if path == "reset" and method == "POST":
            body = self._control_body(req)
            body = body if isinstance(body, dict) else {}
            self.reset(state=bool(body.get("state", True)), records=bool(body.get("requests", True)))
            return Reply(200, {"reset": True})
        if path == "state" and method == "GET":
            return Reply(200, self.dump())
        if path == "requests" and method == "GET":
            since = int(req.args.get("since", "0") or 0)
            return Reply(200, {"requests": self.requests_since(since)})
        if path == "counts" and method == "GET":
            counts = self.request_counts()
            return Reply(200, {"counts": [{"method": m, "template": t, "count": n}
                                          for (m, t), n in sorted(counts.items())]})
        if path == "stats" and method == "GET":
            return Reply(200, self.stats())
        if path == "faults":
            if method == "GET":
                return Reply(200, self.faults_json())
            if method in ("PUT", "POST"):
                body = self._control_body(req)
                spec = body.get("spec", "") if isinstance(body, dict) else str(body)
                self.set_faults(spec)
                return Reply(200, self.faults_json())
            if method == "DELETE":
                self.set_faults(None)
                return Reply(200, self.faults_json())
        if path == "edit" and method == "POST":
            body = self._control_body(req)
            if not isinstance(body, dict) or not isinstance(body.get("scheme"), int):
                raise ApiError(400, ["Body must be {\"scheme\": ID, \"add\"|\"remove\": ...}."])
            return Reply(200, self.admin_edit(body["scheme"], add=body.get("add"), remove=body.get("remove"),
                                              cause="control"))
        raise ApiError(404, [f"No sandbox control endpoint {method} /{path}."])
