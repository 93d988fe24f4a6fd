"""Users by permission: GET /user/permission/search (lossy pages, as documented)."""

from __future__ import annotations

from migrate.sandbox.api import Ctx, Reply, Route, int_param
from migrate.sandbox.errors import BadRequest, Forbidden, NotFound, UnrecognizedPermission


def user_permission_search(ctx: Ctx) -> Reply:
    site = ctx.site
    req = ctx.req
    raw = req.args.get("permissions")
    if not raw or not raw.strip():
        raise BadRequest("The 'permissions' query parameter is required.")
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    unknown = [k for k in keys if k not in site.permissions or site.permissions[k].type != "PROJECT"]
    if unknown:
        raise UnrecognizedPermission(f"Unrecognized permission keys: {', '.join(unknown)}.")
    issue = site.issues_by_key.get(req.args.get("issueKey", "")) if req.args.get("issueKey") else None
    if req.args.get("issueKey") and issue is None:
        raise NotFound("Issue does not exist or you do not have permission to see it.")
    project = site.projects[issue.project_id] if issue else None
    if project is None:
        if not req.args.get("projectKey"):
            raise BadRequest("Either 'projectKey' or 'issueKey' is required.")
        project = ctx.project(req.args["projectKey"])
        if project is None:
            raise NotFound(f"No project could be found with key '{req.args['projectKey']}'.")
    if not (site.is_admin(ctx.user) or site.has_permission(ctx.user, "ADMINISTER_PROJECTS", project)):
        raise Forbidden("You don't have the permission to see the users of this project.")
    start = int_param(req, "startAt", 0)
    max_results = int_param(req, "maxResults", 50)
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
            out.append(ctx.renderer.user_ref(u))
    return Reply(200, out)


ROUTES = (
    Route("user_permission_search", ("GET",), "/user/permission/search", "/user/permission/search", "user",
          user_permission_search),
)
