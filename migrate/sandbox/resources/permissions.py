"""Permission keys and effective access: GET /permissions, GET /mypermissions, POST /permissions/check,
POST /permissions/project.
"""

from __future__ import annotations

from typing import Any

from migrate.sandbox.api import Ctx, Reply, Route
from migrate.sandbox.errors import (
    NOT_AUTHENTICATED,
    BadRequest,
    Forbidden,
    NotFound,
    Unauthorized,
    UnrecognizedPermission,
)
from migrate.sandbox.state import Project


def permissions(ctx: Ctx) -> Reply:
    if not ctx.site.cloud:
        if ctx.user is None:
            raise Unauthorized(NOT_AUTHENTICATED)
        ctx.require_admin()
    perms = {p.key: {"id": p.id, "key": p.key, "name": p.name, "type": p.type, "description": p.description}
             for p in ctx.site.permissions.values()}
    return Reply(200, {"permissions": perms})


def my_permissions(ctx: Ctx) -> Reply:
    site = ctx.site
    raw = ctx.req.args.get("permissions")
    if raw is None or not raw.strip():
        if site.cloud:
            raise BadRequest("The 'permissions' query parameter is required: a comma-separated list of "
                             "permission keys (see GET /rest/api/3/permissions).")
        keys = list(site.permissions)
    else:
        keys = [k.strip() for k in raw.split(",") if k.strip()]
        unknown = [k for k in keys if k not in site.permissions]
        if unknown:
            raise UnrecognizedPermission(f"Unrecognized permission keys: {', '.join(unknown)}.",
                                         errors={k: "Unrecognized permission" for k in unknown})
    project, issue = _context(ctx)
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


def _context(ctx: Ctx) -> tuple[Project | None, Any]:
    site = ctx.site
    a = ctx.req.args
    project = issue = None
    if a.get("issueId") or a.get("issueKey"):
        ref = a.get("issueId")
        issue = site.issues.get(int(ref)) if ref and ref.isdigit() else None
        if ref is None:
            issue = site.issues_by_key.get(a.get("issueKey", ""))
        if issue is None:
            raise NotFound("Issue does not exist or you do not have permission to see it.")
        project = site.projects[issue.project_id]
    elif a.get("projectId") or a.get("projectKey"):
        ref = a.get("projectId")
        project = site.projects.get(int(ref)) if ref and ref.isdigit() else None
        if ref is None:
            project = site.projects_by_key.get(a.get("projectKey", ""))
        if project is None or project.status == "deleted":
            raise NotFound("No project could be found with that key or id.")
    return project, issue


def permissions_check(ctx: Ctx) -> Reply:
    site = ctx.site
    body = ctx.json()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    target = ctx.user
    account = body.get("accountId")
    if account is not None:
        if not isinstance(account, str) or account not in site.users:
            raise BadRequest(f"The account ID '{account}' is not valid.")
        if ctx.user is None or (account != ctx.user.account_id and not site.is_admin(ctx.user)):
            raise Forbidden("Only Jira administrators can perform this operation.")
        target = site.users[account]
    errors: dict[str, str] = {}
    globals_req = [g for g in (body.get("globalPermissions") or []) if g is not None]
    for g in globals_req:
        if not isinstance(g, str) or site.permissions.get(g) is None or site.permissions[g].type != "GLOBAL":
            errors[str(g)] = "Unrecognized permission"
    entries = body.get("projectPermissions") or []
    if not isinstance(entries, list):
        raise BadRequest("'projectPermissions' must be a list.")
    parsed = []
    all_projects: set[int] = set()
    all_issues: set[int] = set()
    for e in entries:
        if e is None:
            continue
        if not isinstance(e, dict):
            raise BadRequest("Each entry of 'projectPermissions' must be an object.")
        keys = [k for k in (e.get("permissions") or []) if k not in (None, "")]
        if not keys:
            raise BadRequest("At least one project permission must be provided in 'projectPermissions'.")
        for k in keys:
            if not isinstance(k, str) or site.permissions.get(k) is None or site.permissions[k].type != "PROJECT":
                errors[str(k)] = "Unrecognized permission"
        projects = [int(x) for x in (e.get("projects") or []) if isinstance(x, int) and x in site.projects]
        issues = [int(x) for x in (e.get("issues") or []) if isinstance(x, int) and x in site.issues]
        all_projects.update(projects)
        all_issues.update(issues)
        parsed.append((keys, projects, issues))
    if errors:
        raise UnrecognizedPermission(errors=errors)
    if len(all_projects) > 1000 or len(all_issues) > 1000:
        raise BadRequest("A maximum of 1000 projects and 1000 issues can be checked at once.")
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


def permitted_projects(ctx: Ctx) -> Reply:
    site = ctx.site
    body = ctx.json()
    if not isinstance(body, dict) or not isinstance(body.get("permissions"), list):
        raise BadRequest("'permissions' (a list of project permission keys) is required.")
    keys = [k for k in body["permissions"] if k not in (None, "")]
    for k in keys:
        if not isinstance(k, str) or k not in site.permissions or site.permissions[k].type != "PROJECT":
            raise UnrecognizedPermission(f"Project permission '{k}' not found.")
    out = [{"id": p.id, "key": p.key} for p in site.projects.values()
           if p.status == "live" and keys and all(site.has_permission(ctx.user, k, p) for k in keys)]
    return Reply(200, {"projects": out})


ROUTES = (
    Route("permissions", ("GET",), "/permissions", "/permissions", "anon", permissions),
    Route("my_permissions", ("GET",), "/mypermissions", "/mypermissions", "anon", my_permissions),
    Route("permissions_check", ("POST",), "/permissions/check", "/permissions/check", "anon", permissions_check,
          ("cloud",)),
    Route("permitted_projects", ("POST",), "/permissions/project", "/permissions/project", "anon", permitted_projects,
          ("cloud",)),
)
