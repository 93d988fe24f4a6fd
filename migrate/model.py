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
from typing import Annotated, Any, Iterable, Mapping, Sequence

import msgspec

from migrate.errors import InvalidResponseError
from migrate.gcpause import paused_gc

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


# The expanded objects a site may embed in a holder (PermissionHolder in the Cloud spec, and Data Center's
# PermissionHolderBean). They are kept as undecoded JSON: only a holder's display name ever needs them.
HOLDER_EXPANSIONS = ("expand", "group", "user", "projectRole", "field")


def _decoded(raw: Any) -> Any:
    return msgspec.json.decode(raw) if isinstance(raw, msgspec.Raw) else raw


class Holder(msgspec.Struct, frozen=True, gc=False, omit_defaults=True, forbid_unknown_fields=True):
    """Who a grant is for. `value` is the stable id (group id on Cloud); DC holders have no value.

    A msgspec Struct so that a scheme list or a plan file decodes straight into holders (a 10,000-scheme
    site has half a million of them). Equality and hash are the holder's fields (type, parameter, value):
    what the site expanded (names) says nothing about who the holder is. The documented expansions are
    kept verbatim as raw JSON; anything else a site sends is in `extra` (decoded).
    """

    type: str
    parameter: str | None = None
    value: str | None = None
    expand: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    group: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    user: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    projectRole: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    field: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    extra: Mapping[str, Any] = msgspec.field(default_factory=dict, name="+extra")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Holder):
            return NotImplemented
        return self.type == other.type and self.parameter == other.parameter and self.value == other.value

    def __hash__(self) -> int:
        return hash((self.type, self.parameter, self.value))

    def __repr__(self) -> str:
        return f"Holder(type={self.type!r}, parameter={self.parameter!r}, value={self.value!r})"

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

    def expanded(self, key: str) -> Any:
        """One field beyond type/parameter/value as the site sent it (decoded), or None."""
        if key in self.extra:
            return self.extra[key]
        raw = getattr(self, key, None) if key in HOLDER_EXPANSIONS else None
        return _decoded(raw) if isinstance(raw, msgspec.Raw) else None

    @property
    def extras(self) -> dict[str, Any]:
        """Every field beyond type/parameter/value, decoded."""
        out = {k: _decoded(getattr(self, k)) for k in HOLDER_EXPANSIONS if getattr(self, k) is not msgspec.UNSET}
        out.update(self.extra)
        return out

    @property
    def display(self) -> str:
        """A short human label; expanded names (group/role/user/field) are used when the site sent them."""
        name = None
        for k, sub in (("group", "name"), ("projectRole", "name"), ("user", "displayName"), ("field", "name")):
            obj = self.expanded(k)
            if isinstance(obj, dict) and isinstance(obj.get(sub), str):
                name = obj[sub]
                break
        label = name or self.parameter or self.value
        if self.type == "applicationRole" and not label:
            return "applicationRole: any logged-in user"
        return f"{self.type}: {label}" if label else self.type

    @property
    def is_addon_role(self) -> bool:
        if self.type != "projectRole":
            return False
        role = self.expanded("projectRole")
        return isinstance(role, dict) and role.get("name") == ADDON_ROLE_NAME

    def to_request(self) -> dict[str, str]:
        """The holder as sent in a create-grant body: copied verbatim, never rebuilt from display names."""
        body = {"type": self.type}
        if self.parameter is not None:
            body["parameter"] = self.parameter
        if self.value is not None:
            body["value"] = self.value
        return body

    def to_json(self) -> dict[str, Any]:
        """Full form (for snapshots and REST-shaped output), including what the site expanded."""
        out = self.extras
        out.update(self.to_request())
        return out

    @classmethod
    def from_json(cls, d: Any) -> "Holder":
        d = _require_dict(d, "permission holder")
        htype = d.get("type")
        if not isinstance(htype, str) or not htype:
            raise InvalidResponseError("permission holder has no 'type'")
        extra = {k: v for k, v in d.items() if k not in ("type", "parameter", "value")}
        raw: dict[str, msgspec.Raw] = {}
        for k in HOLDER_EXPANSIONS:
            if k in extra:
                try:  # kept as the fast path keeps them, so both write the same plan file
                    raw[k] = msgspec.Raw(msgspec.json.encode(extra[k]))
                except (msgspec.EncodeError, TypeError, ValueError, OverflowError, RecursionError):
                    continue
                del extra[k]
        return cls(
            type=htype,
            parameter=_opt_str(d.get("parameter"), "holder parameter"),
            value=_opt_str(d.get("value"), "holder value"),
            extra=extra,
            **raw,
        )


class Grant(msgspec.Struct, frozen=True, gc=False, omit_defaults=True, forbid_unknown_fields=True):
    """One permission granted to one holder in a scheme. `id` is None for a grant not created yet.

    Equality and hash are (permission, holder, id); `link` (the grant's REST URL, "self") and `extra`
    (anything else the site sent) are kept but not compared.
    """

    permission: str
    holder: Holder
    id: int | None = None
    link: msgspec.Raw | msgspec.UnsetType = msgspec.field(default=msgspec.UNSET, name="self")  # kept undecoded
    extra: Mapping[str, Any] = msgspec.field(default=_EMPTY, name="+extra")  # one shared empty map, not one per object

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Grant):
            return NotImplemented
        return self.permission == other.permission and self.id == other.id and self.holder == other.holder

    def __hash__(self) -> int:
        return hash((self.permission, self.holder, self.id))

    def __repr__(self) -> str:
        return f"Grant(permission={self.permission!r}, holder={self.holder!r}, id={self.id!r})"

    @property
    def key(self) -> tuple[str, tuple[str, str | None]]:
        """Identity of a grant for diffing: permission + holder identity (ids differ across re-creation)."""
        return (self.permission, self.holder.identity)

    @property
    def extras(self) -> dict[str, Any]:
        """Every field beyond id, permission and holder, as the site sent it."""
        out: dict[str, Any] = {} if self.link is msgspec.UNSET else {"self": _decoded(self.link)}
        out.update(self.extra)
        return out

    def to_json(self) -> dict[str, Any]:
        out = self.extras
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
            extra=extra,
        )


def grant_keys(grants: Iterable[Grant]) -> frozenset:
    # Holder.identity inlined (`value or parameter or None` is the same rule): this runs for every grant of
    # every scheme when planning, re-deriving and fingerprinting
    return frozenset([(g.permission, (g.holder.type, g.holder.value or g.holder.parameter or None)) for g in grants])


def _plain(text: str) -> bool:
    """json.dumps(text, ensure_ascii=False) is text in quotes: it escapes only '"', '\\' and control
    characters, and isprintable (stricter) rules those out."""
    return text.isprintable() and '"' not in text and "\\" not in text


def key_head(permission: str) -> str:
    """The start of a grant key's text, up to its holder: '["PERMISSION", '."""
    if _plain(permission):
        return f'["{permission}", '
    return json.dumps([permission], ensure_ascii=False)[:-1] + ", "


def key_tail(htype: str, ident: str | None) -> str:
    """The rest of a grant key's text, from its holder: '"type", "identity"]' or '"type", null]'."""
    if _plain(htype) and (ident is None or _plain(ident)):
        return f'"{htype}", "{ident}"]' if ident is not None else f'"{htype}", null]'
    return json.dumps([htype, ident], ensure_ascii=False)[1:]


def key_line(key: tuple[str, tuple[str, str | None]]) -> str:
    """The text of one grant key in a fingerprint: json.dumps([permission, holder type, holder identity],
    ensure_ascii=False), as plan files have always stored it (head and tail joined: json.dumps writes a
    list's items one by one, joined by ', ')."""
    return key_head(key[0]) + key_tail(*key[1])


class KeyTexts:
    """The texts of grant keys (key_line) for many grants, each part made once: a big site's grants share
    their permissions and their holder objects (a scheme list's parser gives one object per holder).

    A key's text stands for the key itself (the text is JSON, so two keys never share one): the planner
    compares and hashes the texts, which makes the fingerprints of its sets without a pass of its own.
    Holder texts are kept by id() of the holder object, and the objects are kept alive with them, so an
    id is never reused for another holder while this lives. Not thread-safe: one per plan being made."""

    def __init__(self) -> None:
        self.heads: dict[str, str] = {}
        self.tails: dict[int, str] = {}
        self._alive: list[Holder] = []

    def head(self, permission: str) -> str:
        h = self.heads.get(permission)
        if h is None:
            h = self.heads[permission] = key_head(permission)
        return h

    def tail(self, holder: Holder) -> str:
        t = self.tails.get(id(holder))
        if t is None:
            htype, ident = holder.type, holder.value or holder.parameter
            both = htype + ident if ident else htype
            # key_tail, its usual case inline: once per holder object of a site
            if both.isprintable() and '"' not in both and "\\" not in both:
                t = f'"{htype}", "{ident}"]' if ident else f'"{htype}", null]'
            else:
                t = key_tail(htype, ident or None)
            self.tails[id(holder)] = t
            self._alive.append(holder)
        return t

    def lines(self, grants: Sequence[Grant]) -> list[str]:
        """Each grant's key text, in order."""
        heads, tails = self.heads, self.tails
        out = []
        for g in grants:  # one loop, each part looked up inline: the hot path of planning a big site
            h = g.holder
            t = tails.get(id(h))
            if t is None:
                t = self.tail(h)
            p = heads.get(g.permission)
            if p is None:
                p = self.head(g.permission)
            out.append(p + t)
        return out


def fingerprint_lines(lines: Iterable[str]) -> str:
    """The fingerprint of the key texts of a set of grant keys (each key once)."""
    return fingerprint_sorted(sorted(lines))


def fingerprint_sorted(lines: list[str]) -> str:
    """fingerprint_lines of lines already sorted (and each once)."""
    return "sha256:" + hashlib.sha256("\n".join(lines).encode()).hexdigest()


def fingerprint_keys(keys: Iterable[tuple[str, tuple[str, str | None]]]) -> str:
    """The fingerprint of a set of grant keys (see fingerprint_grants)."""
    unique = keys if isinstance(keys, (set, frozenset)) else set(keys)
    return fingerprint_lines([key_line(k) for k in unique])


def fingerprint_grants(grants: Iterable[Grant]) -> str:
    """Hash of the sorted normalised grant set. Ids are left out: they say nothing about access.

    Each key is the JSON text of [permission, holder type, holder identity], one per line; the text is the
    one json.dumps gives, so fingerprints stay what earlier versions stored in plan files.
    """
    return fingerprint_lines(set(KeyTexts().lines(tuple(grants))))


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
        out = self.fields_json()
        out["permissions"] = [g.to_json() for g in self.grants]
        return out

    def fields_json(self) -> dict[str, Any]:
        """to_json() but for the grants."""
        out: dict[str, Any] = dict(self.extra)
        out.update({"id": self.id, "name": self.name})
        if self.description is not None:
            out["description"] = self.description
        if self.scope:
            out["scope"] = dict(self.scope)
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


class _WireGrant(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """A grant exactly as GET /permissionscheme documents it, its holder left undecoded for now."""

    permission: Annotated[str, msgspec.Meta(min_length=1)]
    holder: msgspec.Raw
    id: int | None = None
    link: msgspec.Raw | msgspec.UnsetType = msgspec.field(default=msgspec.UNSET, name="self")


class _WireScheme(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """A scheme exactly as GET /permissionscheme documents it; anything else takes the lenient path."""

    id: int
    name: str
    description: str | None = None
    permissions: list[_WireGrant] | None = None
    scope: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    expand: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    link: msgspec.Raw | msgspec.UnsetType = msgspec.field(default=msgspec.UNSET, name="self")


class _WireSchemeList(msgspec.Struct, gc=False):
    permissionSchemes: list[msgspec.Raw]


_wire_list = msgspec.json.Decoder(_WireSchemeList)
_wire_scheme = msgspec.json.Decoder(_WireScheme)
_holder_decoder = msgspec.json.Decoder(Holder)


class _Lenient(Exception):
    """This scheme is not in the documented shape: the lenient parser takes it."""


def _new_holder(text: bytes, holders: dict[bytes, Holder]) -> Holder:
    h = _holder_decoder.decode(text)
    if h.extra or not h.type:  # a field named like our own spare slot, or no type: said the lenient way
        raise _Lenient
    holders[text] = h
    return h


def _scheme_from_wire(w: _WireScheme, holders: dict[bytes, Holder], keys: dict[str, str]) -> Scheme:
    known, key = holders.get, keys.get
    # A site's holders and permission keys recur in scheme after scheme: each becomes one shared object
    # (the same JSON, the same holder), so half a million grants hold a few thousand distinct parts.
    grants = tuple(
        [
            Grant(
                key(p := g.permission) or keys.setdefault(p, p),
                known(text := bytes(g.holder)) or _new_holder(text, holders),
                g.id,
                g.link,
            )
            for g in w.permissions or ()
        ]
    )
    extra: dict[str, Any] = {}
    if w.expand is not msgspec.UNSET:
        extra["expand"] = msgspec.json.decode(w.expand)
    if w.link is not msgspec.UNSET:
        extra["self"] = msgspec.json.decode(w.link)
    scope = msgspec.json.decode(w.scope) if w.scope is not msgspec.UNSET else None
    return Scheme(
        id=w.id,
        name=w.name,
        grants=grants,
        description=w.description,
        scope=_frozen(scope) if isinstance(scope, dict) and scope else None,
        extra=_frozen(extra),
    )


def parse_scheme_list(body: bytes) -> list[Scheme]:
    """GET /permissionscheme?expand=... from its raw bytes.

    Each scheme in the documented shape is decoded by msgspec straight into the model, and a holder that
    recurs across schemes (the same JSON) becomes one shared object: a big site's holders are few next to
    its grants. A scheme with anything else (an undocumented field, an id sent as a string, a type Jira
    does not send) goes through the lenient parser, which keeps every field, so both give the same schemes.
    Raises InvalidResponseError for a body that is not a scheme list.
    """
    with paused_gc():
        return _parse_scheme_list(body)


def _parse_scheme_list(body: bytes) -> list[Scheme]:
    # Scheme by scheme: the list is split into each scheme's raw bytes (a scan, nothing built), and each
    # scheme is decoded and turned into the model while its wire objects are still in the CPU's cache,
    # which then reuses their memory for the next one. Decoding every scheme first held the wire objects
    # of half a million grants at once (a fifth more memory touched) for no gain in speed.
    try:
        listing = _wire_list.decode(body)
    except (msgspec.DecodeError, RecursionError):
        # not the documented shape at all: let the lenient parser say what is wrong
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            raise InvalidResponseError("GET /permissionscheme did not return JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("permissionSchemes"), list):
            raise InvalidResponseError("GET /permissionscheme did not return {permissionSchemes: [...]}") from None
        return [Scheme.from_json(s) for s in data["permissionSchemes"]]
    holders: dict[bytes, Holder] = {}
    keys: dict[str, str] = {}
    out: list[Scheme] = []
    decode = _wire_scheme.decode
    for raw in listing.permissionSchemes:
        try:
            out.append(_scheme_from_wire(decode(raw), holders, keys))
            continue
        except (msgspec.DecodeError, RecursionError, _Lenient):
            pass
        # anything else (an undocumented field, an id sent as a string, a type Jira does not send): the
        # lenient parser, which keeps every field
        try:
            data = json.loads(bytes(raw))
        except (ValueError, RecursionError):
            raise InvalidResponseError("GET /permissionscheme returned a scheme that is not JSON") from None
        out.append(Scheme.from_json(data))
    return out


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
