"""The in-memory Jira site: users, groups, roles, projects, issues, permission schemes and grants.

Everything here is plain data plus the operations Jira performs on it (create/delete grants, replace a
scheme's grants, resolve holders, compute effective access). Callers hold the sandbox lock; nothing in
this module is thread-safe on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

from migrate.sandbox.catalogue import (
    ADDON_ROLE_NAME,
    APP_HOLDER_TYPE,
    APPLICATION_ROLES,
    DOCUMENTED_HOLDER_TYPES,
    NO_PARAMETER_TYPES,
    PermissionDef,
    RoleDef,
)
from migrate.sandbox.config import Filter, Status, Workflow, WorkflowScheme
from migrate.sandbox.errors import BadGrant, BadHolder, DuplicateGrant, MissingGrant, UnrecognizedPermission

ADMIN_GROUP = "jira-administrators"
SITE_ADMIN_GROUP = "site-admins"
DEFAULT_SCHEME_ID = 0


class Holder(NamedTuple):
    type: str
    parameter: str | None = None
    value: str | None = None

    @property
    def identity(self) -> tuple[str, str | None]:
        """type + value, falling back to parameter (REFERENCE.md §9.3)."""
        return (self.type, self.value if self.value else (self.parameter or None))

    def to_json(self) -> dict[str, str]:
        out = {"type": self.type}
        if self.parameter is not None:
            out["parameter"] = self.parameter
        if self.value is not None:
            out["value"] = self.value
        return out


class Grant:
    __slots__ = ("id", "permission", "holder")

    def __init__(self, gid: int, permission: str, holder: Holder):
        self.id = gid
        self.permission = permission
        self.holder = holder

    @property
    def key(self) -> tuple[str, tuple[str, str | None]]:
        return (self.permission, self.holder.identity)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "permission": self.permission, "holder": self.holder.to_json()}


class Scheme:
    __slots__ = ("id", "name", "description", "scope_project", "grants", "index", "attributes", "cache")

    def __init__(self, sid: int, name: str, description: str = "", scope_project: int | None = None):
        self.id = sid
        self.name = name
        self.description = description
        self.scope_project = scope_project  # team-managed project id, for project-scoped schemes
        self.grants: dict[int, Grant] = {}
        self.index: dict[tuple, int] = {}  # grant key -> grant id, for duplicate detection
        self.attributes: dict[str, str] = {}  # DC scheme attributes
        self.cache: dict[Any, str] = {}  # rendered JSON fragments, dropped on every change

    def touch(self) -> None:
        self.cache.clear()


@dataclass
class User:
    account_id: str
    email: str
    display_name: str
    account_type: str = "atlassian"  # atlassian | app | customer
    active: bool = True
    groups: set[str] = field(default_factory=set)  # group ids
    app_roles: set[str] = field(default_factory=set)
    key: str = ""  # DC user key (JIRAUSER10000)
    name: str = ""  # DC username
    time_zone: str = "Etc/UTC"


@dataclass
class Group:
    id: str
    name: str


@dataclass
class Field:
    id: str
    name: str
    kind: str  # "user" | "group"


@dataclass
class Issue:
    id: int
    key: str
    project_id: int
    reporter: str | None
    assignee: str | None
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # user fields: account ids; group: ids


@dataclass
class Project:
    id: int
    key: str
    name: str
    type_key: str  # software | service_desk | business
    lead: str  # account id
    scheme_id: int
    simplified: bool = False
    status: str = "live"  # live | archived | deleted
    description: str = ""
    uuid: str = ""
    category: tuple[str, str] | None = None  # (id, name)
    issue_ids: list[int] = field(default_factory=list)
    # role id -> (user account ids, group ids)
    actors: dict[int, tuple[set[str], set[str]]] = field(default_factory=dict)
    workflow_scheme: int | None = None  # None: the Default Workflow Scheme (team-managed: none at all)


class SiteState:
    def __init__(
        self,
        *,
        flavour: str,
        new_keys: bool,
        title: str,
        permissions: dict[str, PermissionDef],
        roles: dict[int, RoleDef],
    ):
        self.flavour = flavour
        self.new_keys = new_keys
        self.title = title
        self.permissions = permissions
        self.roles = roles
        self.holder_types = set(DOCUMENTED_HOLDER_TYPES) | {APP_HOLDER_TYPE}
        self.users: dict[str, User] = {}
        self.users_by_email: dict[str, User] = {}
        self.users_by_key: dict[str, User] = {}  # DC key and username
        self.groups: dict[str, Group] = {}
        self.groups_by_name: dict[str, Group] = {}
        self.fields: dict[str, Field] = {}
        self.projects: dict[int, Project] = {}
        self.projects_by_key: dict[str, Project] = {}
        self.schemes: dict[int, Scheme] = {}
        self.issues: dict[int, Issue] = {}
        self.issues_by_key: dict[str, Issue] = {}
        self.next_grant_id = 10000
        self.next_scheme_id = 10000
        # configuration beyond permission schemes (migrate.sandbox.config), filled by the seeds
        self.statuses: dict[str, Status] = {}
        self.workflows: dict[str, Workflow] = {}  # by the bulk API's id
        self.workflow_schemes: list[WorkflowScheme] = []
        self.filters: dict[int, Filter] = {}
        self.addon_role_id = next((r.id for r in roles.values() if r.name == ADDON_ROLE_NAME), None)

    # ---- building ---------------------------------------------------------------------------------
    @property
    def cloud(self) -> bool:
        return self.flavour == "cloud"

    def add_user(self, user: User) -> User:
        self.users[user.account_id] = user
        self.users_by_email[user.email.lower()] = user
        if user.key:
            self.users_by_key[user.key] = user
        if user.name:
            self.users_by_key[user.name] = user
        return user

    def add_group(self, group: Group) -> Group:
        self.groups[group.id] = group
        self.groups_by_name[group.name] = group
        return group

    def add_project(self, project: Project) -> Project:
        self.projects[project.id] = project
        self.projects_by_key[project.key] = project
        return project

    def add_issue(self, issue: Issue) -> Issue:
        self.issues[issue.id] = issue
        self.issues_by_key[issue.key] = issue
        self.projects[issue.project_id].issue_ids.append(issue.id)
        return issue

    def new_scheme(self, name: str, description: str = "", *, sid: int | None = None,
                   scope_project: int | None = None) -> Scheme:
        if sid is None:
            sid = self.next_scheme_id
        self.next_scheme_id = max(self.next_scheme_id, sid + 1)
        scheme = Scheme(sid, name, description, scope_project)
        self.schemes[sid] = scheme
        return scheme

    # ---- holders ------------------------------------------------------------------------------------
    def holder_for_user(self, user: User) -> Holder:
        return Holder("user", user.account_id, user.account_id) if self.cloud else Holder("user", user.key)

    def holder_for_group(self, group: Group) -> Holder:
        return Holder("group", group.name, group.id) if self.cloud else Holder("group", group.name)

    def simple_holder(self, htype: str, parameter: str | None = None) -> Holder:
        """A holder whose value equals its parameter on Cloud (roles, fields, app roles...)."""
        if parameter is None:
            return Holder(htype)
        return Holder(htype, parameter, parameter if self.cloud else None)

    def bulk_add(self, scheme: Scheme, permission: str, holders: Iterable[Holder]) -> None:
        """Seeding fast path: add grants, silently skipping ones already present."""
        index, grants = scheme.index, scheme.grants
        gid = self.next_grant_id
        for h in holders:
            key = (permission, h.identity)
            if key in index:
                continue
            grants[gid] = Grant(gid, permission, h)
            index[key] = gid
            gid += 1
        self.next_grant_id = gid
        scheme.cache.clear()

    def normalise_holder(self, raw: Any) -> Holder:
        """Validate a holder from a request body and complete it the way Jira stores it."""
        if not isinstance(raw, dict):
            raise BadHolder("The permission holder is required.")
        htype = raw.get("type")
        if not isinstance(htype, str) or not htype:
            raise BadHolder("The permission holder type is required.")
        if htype not in self.holder_types:
            raise BadHolder(f"Invalid permission holder type: '{htype}'.")
        param = raw.get("parameter")
        value = raw.get("value") if self.cloud else None
        for v in (param, value):
            if v is not None and not isinstance(v, (str, int)):
                raise BadHolder("The permission holder parameter must be a string.")
        param = None if param in (None, "") else str(param)
        value = None if value in (None, "") else str(value)
        ref = value or param
        if htype in NO_PARAMETER_TYPES:
            return Holder(htype)
        if htype == "applicationRole":
            if ref is None:
                return Holder(htype)  # any logged-in user
            if ref not in APPLICATION_ROLES:
                raise BadHolder(f"Application role '{ref}' does not exist.")
            return self.simple_holder(htype, ref)
        if ref is None:
            raise BadHolder(f"A parameter is required for permission holder type '{htype}'.")
        if htype == "group":
            group = self.groups.get(value) if value else None
            if group is None and param:
                group = self.groups_by_name.get(param)
            if group is None:
                raise BadHolder(f"Group '{ref}' does not exist.")
            return self.holder_for_group(group)
        if htype == "projectRole":
            try:
                rid = int(ref)
            except ValueError:
                rid = None
            if rid not in self.roles:
                raise BadHolder(f"Project role with id '{ref}' does not exist.")
            return self.simple_holder(htype, str(rid))
        if htype == "user":
            user = self.users.get(ref) if self.cloud else self.users_by_key.get(ref)
            if user is None:
                raise BadHolder(f"User '{ref}' does not exist.")
            return self.holder_for_user(user)
        if htype in ("userCustomField", "groupCustomField"):
            fld = self.fields.get(ref)
            want = "user" if htype == "userCustomField" else "group"
            if fld is None or fld.kind != want:
                raise BadHolder(f"Custom field '{ref}' is not a {want} picker field.")
            return self.simple_holder(htype, fld.id)
        return self.simple_holder(htype, ref)  # app-registered holder type: kept as sent

    def check_permission_key(self, key: Any) -> PermissionDef:
        if not isinstance(key, str) or not key:
            raise BadGrant("The permission key is required.")
        pdef = self.permissions.get(key)
        if pdef is None or pdef.type != "PROJECT":
            raise UnrecognizedPermission(f"Unrecognized permission: '{key}'.",
                                         errors={"permission": "Unrecognized permission"})
        return pdef

    def parse_grant(self, raw: Any) -> tuple[str, Holder]:
        if not isinstance(raw, dict):
            raise BadGrant("A permission grant must be a JSON object.")
        key = raw.get("permission")
        self.check_permission_key(key)
        return key, self.normalise_holder(raw.get("holder"))

    # ---- grants ---------------------------------------------------------------------------------
    def add_grant(self, scheme: Scheme, permission: str, holder: Holder, *, gid: int | None = None) -> Grant:
        gkey = (permission, holder.identity)
        if gkey in scheme.index:
            raise DuplicateGrant(f"Permission '{permission}' is already granted to '{_holder_label(holder)}' in "
                                 "this permission scheme: the same permission grant is present.")
        if gid is None:
            gid = self.next_grant_id
        self.next_grant_id = max(self.next_grant_id, gid + 1)
        grant = Grant(gid, permission, holder)
        scheme.grants[gid] = grant
        scheme.index[gkey] = gid
        scheme.touch()
        return grant

    def remove_grant(self, scheme: Scheme, gid: int) -> Grant:
        grant = scheme.grants.pop(gid, None)
        if grant is None:
            raise MissingGrant(f"Permission grant with id '{gid}' was not found in permission scheme '{scheme.id}'.")
        scheme.index.pop(grant.key, None)
        scheme.touch()
        return grant

    def replace_grants(self, scheme: Scheme, grants: list[tuple[str, Holder]]) -> None:
        """PUT semantics: every existing grant goes, the list is created with new ids."""
        scheme.grants.clear()
        scheme.index.clear()
        scheme.touch()
        for perm, holder in grants:
            if (perm, holder.identity) in scheme.index:
                continue  # Jira collapses duplicates in a replaced list
            self.add_grant(scheme, perm, holder)

    def find_grant(self, scheme: Scheme, permission: str, holder: Holder) -> Grant | None:
        gid = scheme.index.get((permission, holder.identity))
        return scheme.grants.get(gid) if gid is not None else None

    def scheme_for_project(self, project: Project) -> Scheme:
        return self.schemes.get(project.scheme_id) or self.schemes[DEFAULT_SCHEME_ID]

    def projects_using(self, scheme_id: int) -> list[Project]:
        return [p for p in self.projects.values() if p.scheme_id == scheme_id]

    # ---- effective access -----------------------------------------------------------------------------
    def has_global(self, user: User | None, key: str) -> bool:
        if user is None or not user.active:
            return False
        names = {self.groups[g].name for g in user.groups if g in self.groups}
        if key == "ADMINISTER":
            return ADMIN_GROUP in names or SITE_ADMIN_GROUP in names
        if key == "SYSTEM_ADMIN":
            return SITE_ADMIN_GROUP in names
        return user.account_type == "atlassian"

    def is_admin(self, user: User | None) -> bool:
        return self.has_global(user, "ADMINISTER")

    def has_permission(self, user: User | None, key: str, project: Project, issue: Issue | None = None) -> bool:
        """Project permission `key` for `user` in `project` (or on `issue`).

        Issue-dependent holders (reporter, assignee, custom fields) count in a project context when the user
        meets them for any issue of the project, as GET /mypermissions documents.
        """
        if user is not None and not user.active:
            return False
        scheme = self.scheme_for_project(project)
        by_perm = scheme.cache.get("by_permission")
        if by_perm is None:  # holders grouped by permission, rebuilt after any change to the scheme
            by_perm = {}
            for grant in scheme.grants.values():
                by_perm.setdefault(grant.permission, []).append(grant.holder)
            scheme.cache["by_permission"] = by_perm
        return any(self._holder_matches(h, user, project, issue) for h in by_perm.get(key, ()))

    def _holder_matches(self, h: Holder, user: User | None, project: Project, issue: Issue | None) -> bool:
        t = h.type
        if t == "anyone":
            return True
        if user is None:
            return False
        if t == "applicationRole":
            if h.parameter is None:
                return user.account_type != "customer"
            return h.parameter in user.app_roles
        if t == "group":
            gid = h.value if h.value else getattr(self.groups_by_name.get(h.parameter or ""), "id", None)
            return gid in user.groups
        if t == "projectRole":
            try:
                users, groups = project.actors.get(int(h.parameter or ""), (set(), set()))
            except ValueError:
                return False
            return user.account_id in users or bool(groups & user.groups)
        if t == "projectLead":
            return project.lead == user.account_id
        if t == "user":
            return (h.value or h.parameter) in (user.account_id, user.key)
        if t == "sd.customer.portal.only":
            return user.account_type == "customer" and project.type_key == "service_desk"
        if t in ("reporter", "assignee", "userCustomField", "groupCustomField"):
            issues = [issue] if issue is not None else [self.issues[i] for i in project.issue_ids]
            return any(self._issue_holder(h, user, i) for i in issues)
        return False  # app-registered types: membership is not modelled

    @staticmethod
    def _issue_holder(h: Holder, user: User, issue: Issue) -> bool:
        if h.type == "reporter":
            return issue.reporter == user.account_id
        if h.type == "assignee":
            return issue.assignee == user.account_id
        vals = issue.fields.get(h.parameter or "", ())
        if h.type == "userCustomField":
            return user.account_id in vals
        return bool(user.groups.intersection(vals))

    def can_see_project(self, user: User | None, project: Project) -> bool:
        """Visible in /project/search: Browse (or View Projects), Administer Projects, or Administer Jira."""
        if self.is_admin(user):
            return True
        keys = ["BROWSE_PROJECTS", "ADMINISTER_PROJECTS"] + (["VIEW_PROJECTS"] if self.new_keys else [])
        return any(self.has_permission(user, k, project) for k in keys)

    # ---- dump -----------------------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        schemes = []
        for s in self.schemes.values():
            d: dict[str, Any] = {"id": s.id, "name": s.name, "description": s.description}
            if s.scope_project is not None:
                d["scope"] = {"type": "PROJECT", "project": {"id": str(s.scope_project)}}
            if s.attributes:
                d["attributes"] = dict(s.attributes)
            d["permissions"] = [g.to_json() for g in s.grants.values()]
            schemes.append(d)
        return {
            "site": {
                "flavour": self.flavour,
                "title": self.title,
                "new_keys": self.new_keys,
                "next_grant_id": self.next_grant_id,
            },
            "permissions": [
                {"key": p.key, "name": p.name, "type": p.type} for p in self.permissions.values()
            ],
            "schemes": schemes,
            "projects": [
                {
                    "id": p.id,
                    "key": p.key,
                    "name": p.name,
                    "projectTypeKey": p.type_key,
                    "simplified": p.simplified,
                    "status": p.status,
                    "lead": p.lead,
                    "scheme": p.scheme_id,
                    "issues": [self.issues[i].key for i in p.issue_ids],
                    "roles": {
                        str(rid): {"users": sorted(u), "groups": sorted(g)} for rid, (u, g) in p.actors.items()
                    },
                }
                for p in self.projects.values()
            ],
            "project_schemes": {p.key: p.scheme_id for p in self.projects.values()},
            "groups": [{"groupId": g.id, "name": g.name} for g in self.groups.values()],
            "users": [
                {
                    "accountId": u.account_id,
                    "key": u.key or None,
                    "name": u.name or None,
                    "emailAddress": u.email,
                    "displayName": u.display_name,
                    "accountType": u.account_type,
                    "active": u.active,
                    "groups": sorted(self.groups[g].name for g in u.groups),
                    "applicationRoles": sorted(u.app_roles),
                }
                for u in self.users.values()
            ],
            "roles": [{"id": r.id, "name": r.name} for r in self.roles.values()],
            "fields": [{"id": f.id, "name": f.name, "kind": f.kind} for f in self.fields.values()],
            "issues": [
                {
                    "id": i.id,
                    "key": i.key,
                    "project": self.projects[i.project_id].key,
                    "reporter": i.reporter,
                    "assignee": i.assignee,
                    "fields": {k: list(v) for k, v in i.fields.items()},
                }
                for i in self.issues.values()
            ],
        }


def _holder_label(h: Holder) -> str:
    return f"{h.type}:{h.parameter}" if h.parameter else h.type
