"""Saved filters (Cloud): GET /filter/search, paginated. Callers see the filters they own or that are shared
with them; an administrator passing ``overrideSharePermissions=true`` sees every filter. The JQL, owner
and shares come only when ``expand`` asks for them.
"""

from __future__ import annotations

from migrate.sandbox.api import Ctx, Reply, Route, bool_param, multi, page
from migrate.sandbox.config import Filter
from migrate.sandbox.errors import BadRequest
from migrate.sandbox.render_config import ConfigRenderer

EXPAND = {"description", "favourite", "favouritedCount", "jql", "owner", "searchUrl", "sharePermissions",
          "editPermissions", "isWritable", "approximateLastUsed", "subscriptions", "viewUrl"}
ORDER = {"name": lambda f: (f.name.lower(), f.id), "id": lambda f: f.id,
         "owner": lambda f: (f.owner, f.id), "favourite_count": lambda f: (f.favourite_count, f.id)}


def _visible(ctx: Ctx, f: Filter) -> bool:
    site, user = ctx.site, ctx.user
    if user is not None and f.owner == user.account_id:
        return True
    for s in f.shares:
        if s.type == "global":
            return True
        if user is None:
            continue
        if s.type == "loggedin":
            return True
        if s.type == "group" and s.ref in user.groups:
            return True
        if s.type == "user" and s.ref == user.account_id:
            return True
        if s.type in ("project", "projectRole"):
            pid = s.ref if s.type == "project" else s.ref[0]
            p = site.projects.get(pid)
            if p is not None and site.has_permission(user, "BROWSE_PROJECTS", p):
                return True
    return False


def search(ctx: Ctx) -> Reply:
    req = ctx.req
    expand = ctx.expand or frozenset()
    unknown = expand - EXPAND
    if unknown:
        raise BadRequest(f"Invalid expand value(s): {', '.join(sorted(unknown))}.")
    if req.args.get("owner") and req.args.get("accountId"):
        raise BadRequest("'owner' and 'accountId' cannot be used together.")
    order = req.args.get("orderBy") or "name"
    if order.lstrip("+-") not in ORDER:
        raise BadRequest(f"Invalid orderBy value: '{order}'.")
    ids = multi(req, "id")
    if len(ids) > 200:
        raise BadRequest("A maximum of 200 filter IDs can be requested at once.")
    override = bool(bool_param(req, "overrideSharePermissions")) and ctx.site.is_admin(ctx.user)
    name = (req.args.get("filterName") or "").lower()
    account = req.args.get("accountId")
    found = [f for f in ctx.site.filters.values()
             if (override or _visible(ctx, f)) and (not name or name in f.name.lower())
             and (not account or f.owner == account) and (not ids or str(f.id) in ids)]
    found.sort(key=ORDER[order.lstrip("+-")], reverse=order.startswith("-"))
    cr = ConfigRenderer(ctx.renderer)
    return Reply(200, page(ctx, found, lambda f: cr.filter(f, expand), default_max=50, cap=100))


ROUTES = (
    Route("filter_search", ("GET",), "/filter/search", "/filter/search", "anon", search, ("cloud",)),
)
