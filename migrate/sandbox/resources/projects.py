"""Projects: search (paginated, Cloud), list, read, and the project -> permission scheme association."""

from __future__ import annotations

from typing import Any, Callable

from migrate.sandbox.api import Ctx, Reply, Route, multi, page
from migrate.sandbox.errors import BadRequest, Forbidden, NotFound
from migrate.sandbox.state import Project


def project_search(ctx: Ctx) -> Reply:
    site = ctx.site
    req = ctx.req
    statuses = multi(req, "status") or ["live"]
    bad = [s for s in statuses if s not in ("live", "archived", "deleted")]
    if bad:
        raise BadRequest(f"Invalid status: {', '.join(bad)}. Valid values: live, archived, deleted.")
    order = req.args.get("orderBy", "key") or "key"
    desc = order.startswith("-")
    field_name = order.lstrip("+-")
    if field_name not in ("key", "name", "category", "owner", "issueCount", "lastIssueUpdatedDate",
                          "archivedDate", "deletedDate"):
        raise BadRequest(f"Invalid orderBy value: '{order}'.")
    action = req.args.get("action", "view") or "view"
    if action not in ("view", "browse", "edit", "create"):
        raise BadRequest(f"Invalid action: '{action}'.")
    ids = set()
    for x in multi(req, "id"):
        if not x.isdigit():
            raise BadRequest(f"Invalid project id: '{x}'.")
        ids.add(int(x))
    keys = set(multi(req, "keys"))
    query = (req.args.get("query") or "").lower()
    types = set(multi(req, "typeKey"))
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
    expand = ctx.expand or frozenset()
    out = page(ctx, found, lambda p: ctx.renderer.project(p, expand), default_max=50, cap=100)
    return Reply(200, out)


def project_list(ctx: Ctx) -> Reply:
    site = ctx.site
    include_archived = (ctx.req.args.get("includeArchived") or "").lower() == "true"
    expand = ctx.expand or frozenset()
    out = [ctx.renderer.project(p, expand) for p in sorted(site.projects.values(), key=lambda p: p.key)
           if (p.status == "live" or (include_archived and p.status == "archived"))
           and site.can_see_project(ctx.user, p)]
    return Reply(200, out)


def project_get(ctx: Ctx) -> Reply:
    p = ctx.project(ctx.args["projectKeyOrId"])
    if p is None or not ctx.site.can_see_project(ctx.user, p):
        raise NotFound(f"No project could be found with key or id '{ctx.args['projectKeyOrId']}'.")
    return Reply(200, ctx.renderer.project(p, ctx.expand or frozenset()))


def project_scheme(ctx: Ctx) -> Reply:
    site = ctx.site
    p = ctx.project(ctx.args["projectKeyOrId"])
    if p is None or not site.can_see_project(ctx.user, p):
        raise NotFound(f"No project could be found with key or id '{ctx.args['projectKeyOrId']}'.")
    if not (site.is_admin(ctx.user) or site.has_permission(ctx.user, "ADMINISTER_PROJECTS", p)):
        raise Forbidden("You don't have permission to view this project's configuration.")
    s = site.scheme_for_project(p)
    expand = ctx.expand
    return Reply(200, ctx.renderer.scheme_json(s, expand is not None, expand))


def project_scheme_assign(ctx: Ctx) -> Reply:
    site = ctx.site
    p = ctx.project(ctx.args["projectKeyOrId"])
    if p is None:
        raise NotFound(f"No project could be found with key or id '{ctx.args['projectKeyOrId']}'.")
    body = ctx.json()
    sid = body.get("id") if isinstance(body, dict) else None
    if not isinstance(sid, int) or isinstance(sid, bool):
        raise BadRequest(errors={"id": "The permission scheme id is required."})
    s = site.schemes.get(sid)
    if s is None:
        raise NotFound(f"Permission scheme with id {sid} not found.")
    p.scheme_id = s.id
    ctx.stats["schemes_assigned"] += 1
    expand = ctx.expand
    return Reply(200, ctx.renderer.scheme_json(s, expand is not None, expand))


ROUTES = (
    Route("project_search", ("GET",), "/project/search", "/project/search", "anon", project_search, ("cloud",)),
    Route("project_list", ("GET",), "/project", "/project", "anon", project_list),
    Route("project_get", ("GET",), "/project/<projectKeyOrId>", "/project/{projectIdOrKey}", "anon", project_get),
    Route("project_scheme", ("GET",), "/project/<projectKeyOrId>/permissionscheme",
          "/project/{projectKeyOrId}/permissionscheme", "user", project_scheme),
    Route("project_scheme_assign", ("PUT",), "/project/<projectKeyOrId>/permissionscheme",
          "/project/{projectKeyOrId}/permissionscheme", "admin", project_scheme_assign),
)
