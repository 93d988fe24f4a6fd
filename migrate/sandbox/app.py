"""The sandbox's WSGI application: routing to the resources (``resources/``), authentication, rate limits,
faults, the request log, and the control plane under /_sandbox/ (``control.py``).

One lock (``SandboxCore.lock``) guards the site state, the request log, stats, the fault RNG and the token
buckets. Latency is slept outside the lock, so slow requests overlap as they would on a real site.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hmac
import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from migrate.sandbox import control
from migrate.sandbox.api import Ctx, Reply, Route, iso
from migrate.sandbox.catalogue import NEW_KEYS
from migrate.sandbox.errors import NOT_AUTHENTICATED, ApiError, BadRequest, Unauthorized
from migrate.sandbox.faults import FaultConfig, FaultInjector, parse_faults
from migrate.sandbox.ratelimit import RateLimiter
from migrate.sandbox.render import Renderer, dumps
from migrate.sandbox.resources import ROUTES
from migrate.sandbox.state import Holder, SiteState, User


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
        if req.path == control.PREFIX or req.path.startswith(control.PREFIX + "/"):
            resp = self._response(control.dispatch(self, req))
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
            "X-RateLimit-Reset": iso(self._wall_base + (now - self._clock0) + max(retry_after, 0), millis=False),
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
                raise Unauthorized("Client must be authenticated to access this resource.",
                                   headers={"WWW-Authenticate": 'Basic realm="protected-area"'}
                                   if self.site.cloud else {"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"})
            if route.auth in ("user", "admin") and user is None:
                raise Unauthorized(NOT_AUTHENTICATED)
            ctx = Ctx(self, req, route, args, user)
            if route.auth == "admin":
                ctx.require_admin()
            reply = route.handler(ctx)
        except ApiError as e:
            if e.counter:
                self.stats_counter[e.counter] += 1
            reply = self._error_reply(e)
        return reply

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
                        raise BadRequest("No such grant in the scheme.")
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
