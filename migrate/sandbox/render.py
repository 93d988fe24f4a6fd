"""JSON shapes of the sandbox's Jira resources, per flavour (Cloud /rest/api/3, Data Center /rest/api/2).

Cloud holders keep to what the Cloud spec allows (type, parameter, value, expand: PermissionHolder has
additionalProperties false) unless ``expand_holders`` is on, in which case an ``expand`` naming
group/user/projectRole/field (or ``all``) embeds those objects the way live Cloud sites do. Data Center
holders have no ``value`` and always embed the expanded group/user/projectRole/field (PermissionHolderBean).

Rendered schemes are cached per scheme (the cache is dropped on every change to the scheme), so listing
5000 schemes is mostly a string join.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from migrate.sandbox.state import Grant, Holder, Issue, Project, Scheme, SiteState, User

SCHEME_EXPAND = "permissions,user,group,projectRole,field,all"
GRANTS_EXPAND = "user,group,projectRole,field,all"
HOLDER_EXPAND = {"group": "group", "user": "user", "projectRole": "projectRole",
                 "userCustomField": "field", "groupCustomField": "field"}


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Renderer:
    def __init__(self, site: SiteState, base_url: str, api: str, *, expand_holders: bool = False):
        self.site = site
        self.base = base_url.rstrip("/")
        self.api = api  # "/rest/api/3" or "/rest/api/2"
        self.root = self.base + api
        self.cloud = site.cloud
        self.expand_holders = expand_holders
        self._holder_json: dict[tuple[Holder, frozenset[str]], str] = {}
        self._str_json: dict[str, str] = {}

    # ---- small pieces ----------------------------------------------------------------------------
    def avatars(self, kind: str, ident: Any) -> dict[str, str]:
        if kind == "project":
            return {f"{n}x{n}": f"{self.base}/secure/projectavatar?size={s}&pid={ident}"
                    for n, s in ((16, "xsmall"), (24, "small"), (32, "medium"), (48, "large"))}
        return {f"{n}x{n}": f"{self.base}/secure/useravatar?size={n}&ownerId={quote(str(ident))}"
                for n in (16, 24, 32, 48)}

    def user_ref(self, u: User) -> dict[str, Any]:
        if self.cloud:
            return {"self": f"{self.root}/user?accountId={quote(u.account_id)}", "accountId": u.account_id,
                    "avatarUrls": self.avatars("user", u.account_id), "displayName": u.display_name,
                    "active": u.active, "accountType": u.account_type}
        return {"self": f"{self.root}/user?username={quote(u.name)}", "key": u.key, "name": u.name,
                "emailAddress": u.email, "avatarUrls": self.avatars("user", u.key),
                "displayName": u.display_name, "active": u.active, "timeZone": u.time_zone}

    def group_ref(self, gid: str) -> dict[str, Any]:
        g = self.site.groups[gid]
        if self.cloud:
            return {"name": g.name, "groupId": g.id, "self": f"{self.root}/group?groupId={g.id}"}
        return {"name": g.name, "self": f"{self.root}/group?groupname={quote(g.name)}"}

    def role(self, rid: int, *, with_actors: Project | None = None) -> dict[str, Any]:
        r = self.site.roles[rid]
        out: dict[str, Any] = {"self": f"{self.root}/role/{r.id}", "name": r.name, "id": r.id,
                               "description": r.description}
        if with_actors is not None:
            users, groups = with_actors.actors.get(rid, (set(), set()))
            actors = []
            for gid in sorted(groups):
                g = self.site.groups[gid]
                actors.append({"id": len(actors) + 1, "displayName": g.name, "type": "atlassian-group-role-actor",
                               "name": g.name, "actorGroup": {"name": g.name, "displayName": g.name,
                                                              "groupId": g.id}})
            for uid in sorted(users):
                u = self.site.users[uid]
                actors.append({"id": len(actors) + 1, "displayName": u.display_name,
                               "type": "atlassian-user-role-actor", "actorUser": {"accountId": u.account_id}})
            out["actors"] = actors
        return out

    def field(self, fid: str) -> dict[str, Any]:
        f = self.site.fields[fid]
        num = int(fid.rsplit("_", 1)[-1])
        multi = fid != "customfield_10051"
        ftype = "multiuserpicker" if f.kind == "user" and multi else "userpicker" if f.kind == "user" else "grouppicker"
        return {"id": f.id, "name": f.name, "custom": True, "orderable": True, "navigable": True,
                "searchable": True, "clauseNames": [f"cf[{num}]", f.name],
                "schema": {"type": "array" if multi and f.kind == "user" else f.kind,
                           **({"items": "user"} if multi and f.kind == "user" else {}),
                           "custom": f"com.atlassian.jira.plugin.system.customfieldtypes:{ftype}",
                           "customId": num}}

    # ---- holders and grants ---------------------------------------------------------------------------
    def holder(self, h: Holder, embed: frozenset[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": h.type}
        if h.parameter is not None:
            out["parameter"] = h.parameter
        if self.cloud and h.value is not None:
            out["value"] = h.value
        hint = HOLDER_EXPAND.get(h.type)
        if hint:
            out["expand"] = hint
        if hint and (not self.cloud or hint in embed or "all" in embed):
            obj = self._embedded(h)
            if obj is not None:
                out[hint] = obj
        return out

    def _embedded(self, h: Holder) -> dict[str, Any] | None:
        s = self.site
        try:
            if h.type == "group":
                g = s.groups.get(h.value or "") or s.groups_by_name.get(h.parameter or "")
                return self.group_ref(g.id) if g else None
            if h.type == "user":
                u = s.users.get(h.value or "") or s.users_by_key.get(h.parameter or "")
                return self.user_ref(u) if u else None
            if h.type == "projectRole":
                return self.role(int(h.parameter or ""))
            if h.type in ("userCustomField", "groupCustomField"):
                return self.field(h.parameter or "") if (h.parameter or "") in s.fields else None
        except (KeyError, ValueError):
            return None
        return None

    def grant(self, scheme_id: int, g: Grant, embed: frozenset[str] = frozenset()) -> dict[str, Any]:
        return {"id": g.id, "self": f"{self.root}/permissionscheme/{scheme_id}/permission/{g.id}",
                "holder": self.holder(g.holder, embed), "permission": g.permission}

    def grant_json(self, scheme_id: int, g: Grant, embed: frozenset[str] = frozenset()) -> str:
        """The same as dumps(self.grant(...)), built from cached holder JSON (listing 5000 schemes is hot)."""
        hkey = (g.holder, embed)
        hj = self._holder_json.get(hkey)
        if hj is None:
            hj = self._holder_json[hkey] = dumps(self.holder(g.holder, embed))
        pj = self._str_json.get(g.permission)
        if pj is None:
            pj = self._str_json[g.permission] = dumps(g.permission)
        return (f'{{"id":{g.id},"self":"{self.root}/permissionscheme/{scheme_id}/permission/{g.id}",'
                f'"holder":{hj},"permission":{pj}}}')

    def embed_key(self, expand: frozenset[str] | None) -> frozenset[str]:
        """The part of `expand` that changes holder rendering (Cloud only, with expand_holders)."""
        if not self.cloud or not self.expand_holders or not expand:
            return frozenset()
        return frozenset(expand & {"group", "user", "projectRole", "field", "all"})

    # ---- schemes ----------------------------------------------------------------------------------------
    def scheme_json(self, s: Scheme, with_grants: bool, expand: frozenset[str] | None = None) -> str:
        embed = self.embed_key(expand)
        key = ("scheme", with_grants, embed)
        cached = s.cache.get(key)
        if cached is None:
            head = dumps(self.scheme_dict(s, False, embed))
            if with_grants:
                grants = ",".join([self.grant_json(s.id, g, embed) for g in s.grants.values()])
                head = f'{head[:-1]},"permissions":[{grants}]}}'
            cached = s.cache[key] = head
        return cached

    def scheme_dict(self, s: Scheme, with_grants: bool, embed: frozenset[str] = frozenset()) -> dict[str, Any]:
        out: dict[str, Any] = {"expand": SCHEME_EXPAND, "id": s.id, "self": f"{self.root}/permissionscheme/{s.id}",
                               "name": s.name, "description": s.description}
        if s.scope_project is not None and self.cloud:
            out["scope"] = {"type": "PROJECT", "project": {"id": str(s.scope_project)}}
        if with_grants:
            out["permissions"] = [self.grant(s.id, g, embed) for g in s.grants.values()]
        return out

    def grants_json(self, s: Scheme, expand: frozenset[str] | None = None) -> str:
        embed = self.embed_key(expand)
        key = ("grants", embed)
        cached = s.cache.get(key)
        if cached is None:
            grants = ",".join([self.grant_json(s.id, g, embed) for g in s.grants.values()])
            cached = s.cache[key] = f'{{"expand":"{GRANTS_EXPAND}","permissions":[{grants}]}}'
        return cached

    # ---- projects, users ------------------------------------------------------------------------------
    def project(self, p: Project, expand: frozenset[str] = frozenset(), now_iso: str = "") -> dict[str, Any]:
        s = self.site
        out: dict[str, Any] = {
            "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "self": f"{self.root}/project/{p.id}",
            "id": str(p.id),
            "key": p.key,
            "name": p.name,
            "avatarUrls": self.avatars("project", p.id),
        }
        if p.category:
            cid, cname = p.category
            out["projectCategory"] = {"self": f"{self.root}/projectCategory/{cid}", "id": cid, "name": cname}
        out["projectTypeKey"] = p.type_key
        if self.cloud:
            out["simplified"] = p.simplified
            out["style"] = "next-gen" if p.simplified else "classic"
            out["isPrivate"] = False
            out["properties"] = {}
            out["uuid"] = p.uuid
        if p.status == "archived" or not self.cloud:
            out["archived"] = p.status == "archived"
        if p.status == "archived" and self.cloud:
            out["archivedDate"] = "2025-11-03T09:30:00.000Z"
            out["archivedBy"] = self.user_ref(s.users[p.lead])
        if p.status == "deleted" and self.cloud:
            out["deleted"] = True
            out["deletedDate"] = "2026-02-10T14:00:00.000Z"
            out["retentionTillDate"] = "2026-04-11T14:00:00.000Z"
            out["deletedBy"] = self.user_ref(s.users[p.lead])
        if "description" in expand:
            out["description"] = p.description
        if "lead" in expand and p.lead in s.users:
            out["lead"] = self.user_ref(s.users[p.lead])
        if "url" in expand:
            out["url"] = ""
        if "insight" in expand and self.cloud:
            out["insight"] = {"totalIssueCount": len(p.issue_ids), "lastIssueUpdateTime": "2026-03-01T12:00:00.000Z"}
        return out

    def myself(self, u: User, expand: frozenset[str]) -> dict[str, Any]:
        s = self.site
        groups = sorted(u.groups, key=lambda g: s.groups[g].name)
        group_items = [self.group_ref(g) for g in groups] if "groups" in expand else []
        roles = sorted(u.app_roles)
        role_items = [{"key": r, "name": r.replace("-", " ").title()} for r in roles] if "applicationRoles" in expand else []
        out = self.user_ref(u)
        out.update({"emailAddress": u.email, "timeZone": u.time_zone, "locale": "en_US",
                    "groups": {"size": len(groups), "items": group_items},
                    "applicationRoles": {"size": len(roles), "items": role_items},
                    "expand": "groups,applicationRoles"})
        if not self.cloud:
            out["deleted"] = False
        return out

    def issue_ref(self, i: Issue) -> dict[str, Any]:
        return {"id": str(i.id), "key": i.key, "self": f"{self.root}/issue/{i.id}"}
