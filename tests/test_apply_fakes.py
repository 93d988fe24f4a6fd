"""An in-memory Jira for the executor's unit tests (no HTTP): the JiraClient methods apply/rollback use,
with the failure modes that matter injected deterministically. Holds no tests itself."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Callable

from migrate.errors import AmbiguousWriteError, AuthenticationError, BadRequestError, NotFoundError
from migrate.model import Grant, Holder, PermissionInfo, Project, Scheme, SiteInfo, grant_keys
from migrate.plan import make_plan
from migrate.planfile import load_plan, save_plan
from migrate.rules import BROWSE_SPLIT

URL = "https://example.atlassian.net"
KEYS = ("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES", "EDIT_ISSUES", "ADMINISTER_PROJECTS")


def group(name: str) -> Holder:
    return Holder("group", name, f"gid-{name}")


def role(rid: str, name: str = "Developers") -> Holder:
    return Holder("projectRole", rid, rid, extra={"projectRole": {"id": int(rid), "name": name}})


ADDON = role("10003", "atlassian-addons-project-access")


class SimulatedCrash(BaseException):
    """Stands in for kill -9 in-process: not an Exception, so nothing in the executor catches it."""


class CrashAt:
    """A crash hook that dies at the nth crash point and at every point after it (the process is 'dead')."""

    def __init__(self, n: int):
        self.n = n
        self.count = 0
        self.labels: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, label: str) -> None:
        with self._lock:
            self.count += 1
            self.labels.append(label)
            if self.count >= self.n:
                raise SimulatedCrash(label)


class FakeJira:
    def __init__(self, schemes: dict[int, tuple[str, list[tuple[str, Holder]]]], *, url: str = URL):
        self.url = url
        self.admin = True
        self.known = set(KEYS)
        self.stats: Counter = Counter()
        self.log: list[tuple] = []  # (method, scheme_id, permission, holder identity)
        self._lock = threading.Lock()
        self._next = 50000
        self.names: dict[int, str] = {}
        self.grants: dict[int, list[Grant]] = {}
        for sid, (name, grants) in schemes.items():
            self.names[sid] = name
            self.grants[sid] = []
            for perm, h in grants:
                self._store(sid, perm, h)
        # Injected behaviour, consumed in order.
        self.lost_after_create = 0  # POST lands, then the answer is lost
        self.lost_before_create = 0  # POST never lands, the answer is lost all the same
        self.lying_creates = 0  # POST answers 201 but stores nothing (a broken proxy)
        self.lost_after_delete = 0
        self.reject = set()  # permission keys Jira refuses with a non-duplicate 400
        self.auth_fail_after_writes: int | None = None
        self.before_write: Callable[[str, int], None] | None = None  # e.g. another admin editing mid-run
        self.inflight: Counter = Counter()
        self.max_inflight_per_scheme = 0
        self.max_inflight = 0
        self.writes = 0

    # -- helpers for tests
    def clone(self) -> "FakeJira":
        c = FakeJira({}, url=self.url)
        c.names = dict(self.names)
        c.grants = {sid: list(gs) for sid, gs in self.grants.items()}
        c._next = self._next
        c.known = set(self.known)
        return c

    def _store(self, sid: int, perm: str, h: Holder) -> Grant:
        self._next += 1
        g = Grant(perm, h, self._next)
        self.grants[sid].append(g)
        return g

    def keys(self, sid: int) -> frozenset:
        return grant_keys(self.grants[sid])

    def all_keys(self) -> dict[int, frozenset]:
        return {sid: self.keys(sid) for sid in self.grants}

    def duplicates(self) -> int:
        return sum(len(gs) - len(grant_keys(gs)) for gs in self.grants.values())

    def edit(self, sid: int, add: tuple[str, Holder] | None = None, remove: tuple[str, Holder] | None = None) -> None:
        """Another admin's edit."""
        with self._lock:
            if add:
                self._store(sid, *add)
            if remove:
                self.grants[sid] = [g for g in self.grants[sid] if g.key != (remove[0], remove[1].identity)]

    # -- the JiraClient surface
    @property
    def request_count(self) -> int:
        return sum(v for k, v in self.stats.items() if k.startswith("http:"))

    def site_info(self) -> SiteInfo:
        self.stats["http:GET"] += 2
        return SiteInfo(
            url=self.url,
            base_url=self.url,
            deployment_type="Cloud",
            version="1001.0.0-SNAPSHOT",
            server_title="Fake",
            api_version="3",
            permissions={k: PermissionInfo(k, k.title(), "PROJECT") for k in self.known},
        )

    def is_admin(self) -> bool:
        self.stats["http:GET"] += 1
        return self.admin

    def myself(self) -> dict:
        self.stats["http:GET"] += 1
        return {"accountId": "acc-admin", "displayName": "Ada Admin"}

    def list_schemes(self) -> list[Scheme]:
        self.stats["http:GET"] += 1
        with self._lock:
            return [Scheme(sid, self.names[sid], tuple(gs)) for sid, gs in sorted(self.grants.items())]

    def get_scheme(self, sid: int) -> Scheme:
        self.stats["http:GET"] += 1
        with self._lock:
            if sid not in self.grants:
                raise NotFoundError(f"GET scheme {sid}: not found (404)", status=404)
            return Scheme(sid, self.names[sid], tuple(self.grants[sid]))

    def _enter_write(self, sid: int, what: str) -> None:
        if self.before_write:
            self.before_write(what, sid)
        with self._lock:
            self.inflight[sid] += 1
            self.max_inflight_per_scheme = max(self.max_inflight_per_scheme, self.inflight[sid])
            self.max_inflight = max(self.max_inflight, sum(self.inflight.values()))
            self.writes += 1
            if self.auth_fail_after_writes is not None and self.writes > self.auth_fail_after_writes:
                self.inflight[sid] -= 1
                raise AuthenticationError("Jira rejected the credentials (401)", status=401)
        time.sleep(0.0005)  # widen the window a second writer on the same scheme would need

    def _leave_write(self, sid: int) -> None:
        with self._lock:
            self.inflight[sid] -= 1

    def create_grant(self, sid: int, permission: str, holder: Holder) -> Grant:
        self.stats["http:POST"] += 1
        self._enter_write(sid, "POST")
        try:
            with self._lock:
                self.log.append(("POST", sid, permission, holder.identity))
                if self.lost_before_create:
                    self.lost_before_create -= 1
                    raise AmbiguousWriteError("POST: connection dropped; the write may or may not have landed")
                if permission in self.reject or permission not in self.known:
                    raise BadRequestError(
                        "POST: Jira rejected the request (400)",
                        status=400,
                        field_errors={"permission": f"Unrecognized permission {permission}"},
                    )
                if any(g.key == (permission, holder.identity) for g in self.grants[sid]):
                    raise BadRequestError(
                        "POST: Jira rejected the request (400)", status=400, error_messages=("the same permission grant is present",)
                    )
                if self.lying_creates:
                    self.lying_creates -= 1
                    self._next += 1
                    return Grant(permission, holder, self._next)
                g = self._store(sid, permission, Holder(holder.type, holder.parameter, holder.value))
                if self.lost_after_create:
                    self.lost_after_create -= 1
                    raise AmbiguousWriteError("POST: connection dropped; the write may or may not have landed")
                return g
        finally:
            self._leave_write(sid)

    def delete_grant(self, sid: int, gid: int) -> bool:
        self.stats["http:DELETE"] += 1
        self._enter_write(sid, "DELETE")
        try:
            with self._lock:
                before = len(self.grants[sid])
                gone = [g for g in self.grants[sid] if g.id == gid]
                self.grants[sid] = [g for g in self.grants[sid] if g.id != gid]
                if gone:
                    self.log.append(("DELETE", sid, gone[0].permission, gone[0].holder.identity))
                    if self.lost_after_delete:
                        # The client resends a DELETE whose answer was lost; the resend gets Jira's 400.
                        self.lost_after_delete -= 1
                        return False
                return len(self.grants[sid]) < before
        finally:
            self._leave_write(sid)

    def search_projects(self) -> list[Project]:
        self.stats["http:GET"] += 1
        return [Project(100 + sid, f"P{sid}", f"Project {sid}") for sid in sorted(self.grants)]

    def check_permissions(self, *, account_id=None, global_permissions=(), project_permissions=()) -> dict:
        self.stats["http:POST"] += 1
        # The account holds a permission on a project iff the project's scheme grants it to group "devs".
        out = []
        for pp in project_permissions:
            for perm in pp["permissions"]:
                ids = [pid for pid in pp["projects"] if (perm, group("devs").identity) in self.keys(pid - 100)]
                out.append({"permission": perm, "projects": ids, "issues": []})
        return {"globalPermissions": [], "projectPermissions": out}


def standard_site() -> FakeJira:
    """Three schemes: plain groups and roles, the add-on role, an issue-scoped holder, unrelated grants."""
    return FakeJira(
        {
            10000: (
                "Default",
                [
                    ("BROWSE_PROJECTS", group("devs")),
                    ("BROWSE_PROJECTS", role("10002")),
                    ("BROWSE_PROJECTS", ADDON),
                    ("EDIT_ISSUES", group("devs")),
                ],
            ),
            10001: ("Service", [("BROWSE_PROJECTS", Holder("reporter")), ("BROWSE_PROJECTS", group("agents"))]),
            10002: ("Partly done", [("BROWSE_PROJECTS", group("devs")), ("VIEW_PROJECTS", group("devs"))]),
            10003: ("Untouched", [("EDIT_ISSUES", group("devs"))]),
        }
    )


def site_for(mode: str) -> FakeJira:
    """The site a plan of `mode` is made on: the standard site for add; for finish, the standard site as
    the add plan left it (most holders hold both targets; the reporter on 10001 still waits for VIEW_ISSUES)."""
    fake = standard_site()
    if mode == "finish":
        for sid in (10000, 10001, 10002):
            for g in list(fake.grants[sid]):
                if g.permission != "BROWSE_PROJECTS":
                    continue
                for t in ("VIEW_PROJECTS", "VIEW_ISSUES"):
                    if (t, g.holder.identity) not in fake.keys(sid) and not (sid == 10001 and g.holder.type == "reporter" and t == "VIEW_ISSUES"):
                        fake.edit(sid, add=(t, g.holder))
    return fake


def make_plan_file(fake: FakeJira, tmp_path: Path, mode: str = "add", name: str | None = None):
    plan = make_plan(
        fake.list_schemes(),
        BROWSE_SPLIT,
        fake.site_info(),
        mode=mode,
        projects_by_scheme={sid: [f"P{sid}"] for sid in fake.grants},
        created_at="2026-01-01T00:00:00+00:00",
    )
    path = save_plan(plan, tmp_path / (name or f"plan-{mode}.json"))
    return path, load_plan(path)


def planned_keys(plan) -> dict[int, frozenset]:
    return {c.scheme_id: c.after_keys() for c in plan.changes}
