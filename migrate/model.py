"""Domain model: Holder, Grant, Scheme, Project, SiteInfo.

Frozen dataclasses parsed leniently from Cloud (/rest/api/3) and Data Center (/rest/api/2) JSON.
Unknown holder types and extra fields are kept (in `extra`) so nothing a site sends is lost when a
holder is copied or a scheme is snapshotted.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from migrate.errors import InvalidResponseError

# The 11 holder types documented in the Cloud spec. Others are passed through unchanged.
KNOWN_HOLDER_TYPES = frozenset(
    {
        "anyone",
        "applicationRole",
        "assignee",
        "group",
        "groupCustomField",
        "projectLead",
        "projectRole",
        "reporter",
        "sd.customer.portal.only",
        "user",
        "userCustomField",
    }
)

# Holders whose membership depends on the issue being looked at (REFERENCE.md §9.6).
ISSUE_SCOPED_HOLDER_TYPES = frozenset({"assignee", "reporter", "userCustomField", "groupCustomField"})

# The role Connect apps act through; it must keep every permission it had (REFERENCE.md §8).
ADDON_ROLE_NAME = "atlassian-addons-project-access"

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _frozen(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d)) if d else _EMPTY


def _opt_str(v: Any, what: str) -> str | None:
    if v is None:
        return None
    if isinstance(v, (str, int)) and not isinstance(v, bool):
        return str(v)
    raise InvalidResponseError(f"{what} should be a string, got {type(v).__name__}")


def int_id(v: Any, what: str) -> int:
    """Jira ids arrive as ints or numeric strings; anything else is a broken response, never a ValueError."""
    if isinstance(v, bool):
        raise InvalidResponseError(f"{what} should be an integer id, got a boolean")
    if isinstance(v, int):
        return v
    # ascii digits only: str.isdigit() accepts '²' and Arabic-Indic digits; 19 digits fit a Java long
    if isinstance(v, str) and re.fullmatch(r"-?[0-9]{1,19}", v.strip()):
        return int(v)
    raise InvalidResponseError(f"{what} should be an integer id, got {v!r:.60}")


def _require_dict(d: Any, what: str) -> dict:
    if not isinstance(d, dict):
        raise InvalidResponseError(f"{what} should be a JSON object, got {type(d).__name__}")
    return d


@dataclass(frozen=True)
class Holder:
    """Who a grant is for. `value` is the stable id (group id on Cloud); DC holders have no value."""

    type: str
    parameter: str | None = None
    value: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False, hash=False, repr=False)

    @property
    def identity(self) -> tuple[str, str | None]:
        """What makes two holders the same: type + value, falling back to parameter (group names change)."""
        return (self.type, self.value if self.value not in (None, "") else self.parameter or None)

    @property
    def known_type(self) -> bool:
        return self.type in KNOWN_HOLDER_TYPES

    @property
    def issue_scoped(self) -> bool:
        return self.type in ISSUE_SCOPED_HOLDER_TYPES

    @property
    def display(self) -> str:
        """A short human label; expanded names (group/role/user/field) are used when the site sent them."""
        name = None
        for k, sub in (("group", "name"), ("projectRole", "name"), ("user", "displayName"), ("field", "name")):
            obj = self.extra.get(k)
            if isinstance(obj, dict) and isinstance(obj.get(sub), str):
                name = obj[sub]
                break
        label = name or self.parameter or self.value
        if self.type == "applicationRole" and not label:
            return "applicationRole: any logged-in user"
        return f"{self.type}: {label}" if label else self.type

    @property
    def is_addon_role(self) -> bool:
        role = self.extra.get("projectRole")
        return self.type == "projectRole" and isinstance(role, dict) and role.get("name") == ADDON_ROLE_NAME

    def to_request(self) -> dict[str, str]:
        """The holder as sent in a create-grant body: copied verbatim, never rebuilt from display names."""
        body = {"type": self.type}
        if self.parameter is not None:
            body["parameter"] = self.parameter
        if self.value is not None:
            body["value"] = self.value
        return body

    def to_json(self) -> dict[str, Any]:
        """Full form (for plan files and snapshots), including what the site expanded."""
        out: dict[str, Any] = dict(self.extra)
        out.update(self.to_request())
        return out

    @classmethod
    def from_json(cls, d: Any) -> "Holder":
        d = _require_dict(d, "permission holder")
        htype = d.get("type")
        if not isinstance(htype, str) or not htype:
            raise InvalidResponseError("permission holder has no 'type'")
        extra = {k: v for k, v in d.items() if k not in ("type", "parameter", "value")}
        return cls(
            type=htype,
            parameter=_opt_str(d.get("parameter"), "holder parameter"),
            value=_opt_str(d.get("value"), "holder value"),
            extra=_frozen(extra),
        )


@dataclass(frozen=True)
class Grant:
    """One permission granted to one holder in a scheme. `id` is None for a grant not created yet."""

    permission: str
    holder: Holder
    id: int | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False, hash=False, repr=False)

    @property
    def key(self) -> tuple[str, tuple[str, str | None]]:
        """Identity of a grant for diffing: permission + holder identity (ids differ across re-creation)."""
        return (self.permission, self.holder.identity)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        if self.id is not None:
            out["id"] = self.id
        out["permission"] = self.permission
        out["holder"] = self.holder.to_json()
        return out

    @classmethod
    def from_json(cls, d: Any) -> "Grant":
        d = _require_dict(d, "permission grant")
        perm = d.get("permission")
        if not isinstance(perm, str) or not perm:
            raise InvalidResponseError("permission grant has no 'permission' key")
        gid = d.get("id")
        extra = {k: v for k, v in d.items() if k not in ("id", "permission", "holder")}
        return cls(
            permission=perm,
            holder=Holder.from_json(d.get("holder")),
            id=None if gid is None else int_id(gid, "grant id"),
            extra=_frozen(extra),
        )


def grant_keys(grants: Iterable[Grant]) -> frozenset:
    return frozenset(g.key for g in grants)


def fingerprint_grants(grants: Iterable[Grant]) -> str:
    """Hash of the sorted normalised grant set. Ids are left out: they say nothing about access."""
    keys = sorted(json.dumps(list(k[:1]) + list(k[1]), ensure_ascii=False) for k in grant_keys(grants))
    return "sha256:" + hashlib.sha256("\n".join(keys).encode()).hexdigest()


@dataclass(frozen=True)
class Scheme:
    id: int
    name: str
    grants: tuple[Grant, ...] = ()
    description: str | None = None
    scope: Mapping[str, Any] | None = field(default=None, compare=False, hash=False)
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, compare=False, hash=False, repr=False)

    @property
    def fingerprint(self) -> str:
        return fingerprint_grants(self.grants)

    @property
    def project_scoped(self) -> bool:
        """Team-managed (next-gen) project schemes carry a scope."""
        return bool(self.scope)

    def grants_for(self, permission: str) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.permission == permission)

    def find(self, permission: str, holder: Holder) -> Grant | None:
        for g in self.grants:
            if g.permission == permission and g.holder.identity == holder.identity:
                return g
        return None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        out.update({"id": self.id, "name": self.name})
        if self.description is not None:
            out["description"] = self.description
        if self.scope:
            out["scope"] = dict(self.scope)
        out["permissions"] = [g.to_json() for g in self.grants]
        return out

    @classmethod
    def from_json(cls, d: Any) -> "Scheme":
        d = _require_dict(d, "permission scheme")
        name = d.get("name")
        if not isinstance(name, str):
            raise InvalidResponseError("permission scheme has no 'name'")
        perms = d.get("permissions", [])
        if perms is None:
            perms = []
        if not isinstance(perms, list):
            raise InvalidResponseError("permission scheme 'permissions' should be a list")
        scope = d.get("scope")
        extra = {k: v for k, v in d.items() if k not in ("id", "name", "description", "scope", "permissions")}
        return cls(
            id=int_id(d.get("id"), "permission scheme id"),
            name=name,
            grants=tuple(Grant.from_json(g) for g in perms),
            description=_opt_str(d.get("description"), "scheme description"),
            scope=_frozen(scope) if isinstance(scope, dict) and scope else None,
            extra=_frozen(extra),
        )


@dataclass(frozen=True)
class Project:
    id: int
    key: str
    name: str
    simplified: bool = False  # team-managed: uses its own project-scoped scheme
    archived: bool = False

    @classmethod
    def from_json(cls, d: Any) -> "Project":
        d = _require_dict(d, "project")
        key = d.get("key")
        if not isinstance(key, str):
            raise InvalidResponseError("project has no 'key'")
        return cls(
            id=int_id(d.get("id"), "project id"),
            key=key,
            name=str(d.get("name", key)),
            simplified=bool(d.get("simplified", False)),
            archived=bool(d.get("archived", False)),
        )


@dataclass(frozen=True)
class PermissionInfo:
    key: str
    name: str
    type: str  # GLOBAL | PROJECT (app-defined permissions may say otherwise)


@dataclass(frozen=True)
class SiteInfo:
    """What a site is and what it knows. `url` is the URL the tool was pointed at (normalised)."""

    url: str
    base_url: str
    deployment_type: str  # "Cloud" | "Server" | "DataCenter"
    version: str
    server_title: str
    api_version: str  # "3" (Cloud) or "2" (Data Center)
    permissions: Mapping[str, PermissionInfo] = field(default_factory=lambda: _EMPTY, compare=False, hash=False)

    def knows(self, permission_key: str) -> bool:
        return permission_key in self.permissions

    def missing(self, keys: Iterable[str]) -> tuple[str, ...]:
        return tuple(k for k in keys if k not in self.permissions)

    @property
    def identity(self) -> dict[str, str]:
        """Stored in plan files; a plan made for one site is refused on another."""
        return {
            "url": self.url,
            "base_url": self.base_url,
            "deployment_type": self.deployment_type,
            "server_title": self.server_title,
        }


def parse_permissions(d: Any) -> dict[str, PermissionInfo]:
    """Parse GET /permissions: a map keyed by permission key (not an array)."""
    d = _require_dict(d, "GET /permissions response")
    perms = _require_dict(d.get("permissions"), "'permissions' in GET /permissions response")
    out: dict[str, PermissionInfo] = {}
    for k, v in perms.items():
        v = v if isinstance(v, dict) else {}
        key = v.get("key") if isinstance(v.get("key"), str) else k
        out[key] = PermissionInfo(key=key, name=str(v.get("name", key)), type=str(v.get("type", "")))
    return out
