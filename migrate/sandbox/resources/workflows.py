"""Workflows (Cloud): the bulk API (GET /workflows/search, POST /workflows, GET /workflows/capabilities)
and the older paginated search (GET /workflow/search), which Atlassian is removing in favour of the bulk
API. Both read the same workflows; the older one leaves out team-managed workflows and rules it cannot
express. Only Jira administrators may read them: the older API answers 403, the bulk API 401, as the
official spec documents for each.
"""

from __future__ import annotations

from migrate.sandbox.api import Ctx, Reply, Route, bool_param, multi, page
from migrate.sandbox.config import Workflow
from migrate.sandbox.errors import BadRequest, Forbidden, NotFound, Unauthorized
from migrate.sandbox.render_config import ConfigRenderer

ONLY_ADMINS = "Only Jira administrators can access workflows."
ORDER = ("name", "-name", "+name", "created", "-created", "+created", "updated", "-updated", "+updated")


def _ordered(ctx: Ctx, items: list[Workflow]) -> list[Workflow]:
    order = ctx.req.args.get("orderBy") or "name"
    if order not in ORDER:
        raise BadRequest(f"Invalid orderBy value: '{order}'.")
    field = order.lstrip("+-")
    key = {"name": lambda w: w.name.lower(), "created": lambda w: w.created, "updated": lambda w: w.updated}[field]
    return sorted(items, key=key, reverse=order.startswith("-"))


def _active(ctx: Ctx, w: Workflow) -> bool:
    if w.scope_project is not None:
        return True
    return any(w.name in ws.workflow_names() for ws in ctx.site.workflow_schemes)


def _filtered(ctx: Ctx, items: list[Workflow]) -> list[Workflow]:
    query = (ctx.req.args.get("queryString") or "").lower()
    active = bool_param(ctx.req, "isActive")
    return [w for w in items if (not query or query in w.name.lower())
            and (active is None or _active(ctx, w) == active)]


def search(ctx: Ctx) -> Reply:
    if not ctx.site.is_admin(ctx.user):
        raise Unauthorized(ONLY_ADMINS)
    items = list(ctx.site.workflows.values())
    scope = (ctx.req.args.get("scope") or "").upper()
    if scope:
        if scope not in ("GLOBAL", "PROJECT"):
            raise BadRequest(f"Invalid scope: '{scope}'.")
        items = [w for w in items if (w.scope_project is not None) == (scope == "PROJECT")]
    items = _ordered(ctx, _filtered(ctx, items))
    expand = ctx.expand or frozenset()
    cr = ConfigRenderer(ctx.renderer)
    with_transitions = "values.transitions" in expand
    out = page(ctx, items, lambda w: cr.workflow(w, transitions=with_transitions), default_max=50, cap=200)
    shown = [ctx.site.workflows[v["id"]] for v in out["values"]]
    values = out.pop("values")
    out["statuses"] = cr.statuses_of(shown)
    out["values"] = values
    return Reply(200, out)


def read(ctx: Ctx) -> Reply:
    if not ctx.site.is_admin(ctx.user):
        raise Unauthorized(ONLY_ADMINS)
    body = ctx.json()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a workflow read request.")
    ids = body.get("workflowIds") or []
    names = body.get("workflowNames") or []
    if not isinstance(ids, list) or not isinstance(names, list) or body.get("projectAndIssueTypes"):
        raise BadRequest("Give workflowIds and/or workflowNames (projectAndIssueTypes is not served here).")
    site = ctx.site
    found = [w for w in site.workflows.values() if w.id in ids or w.name in names]
    cr = ConfigRenderer(ctx.renderer)
    return Reply(200, {"statuses": cr.statuses_of(found), "workflows": [cr.workflow(w, transitions=True)
                                                                        for w in found]})


SYSTEM_RULES = (
    ("system:check-permission-validator", "Validator", "Permission validator",
     "Checks that the user has a permission to transition the issue."),
    ("system:restrict-issue-transition", "Condition", "Restrict issue transition",
     "Restricts the transition by account, role, group or permission."),
    ("system:previous-status-validator", "Validator", "Previous status validator",
     "Checks that the issue went through a status."),
    ("system:validate-field-value", "Validator", "Validate a field value", "Checks a field's value."),
    ("system:check-field-value", "Condition", "Check field value", "Compares a field's value."),
    ("system:change-assignee", "Function", "Assign a request", "Changes the assignee after the transition."),
    ("system:update-field", "Function", "Update field", "Updates or appends a field value."),
)


def capabilities(ctx: Ctx) -> Reply:
    if not ctx.site.is_admin(ctx.user):
        raise Unauthorized(ONLY_ADMINS)
    wid = ctx.req.args.get("workflowId")
    scope = "GLOBAL"
    if wid:
        w = ctx.site.workflows.get(wid)
        if w is None:
            raise NotFound(f"Workflow with id '{wid}' not found.")
        scope = "PROJECT" if w.scope_project is not None else "GLOBAL"
    rules = [{"description": d, "incompatibleRuleKeys": [], "isAvailableForInitialTransition": t != "Condition",
              "isVisible": True, "name": n, "ruleKey": k, "ruleType": t} for k, t, n, d in SYSTEM_RULES]
    return Reply(200, {"connectRules": [], "editorScope": scope, "forgeRules": [],
                       "projectTypes": ["software", "business", "service_desk"], "systemRules": rules,
                       "triggerRules": []})


OLD_EXPAND = {"transitions", "transitions.rules", "transitions.properties", "statuses", "statuses.properties",
              "default", "schemes", "projects", "hasDraftWorkflow", "operations"}


def old_search(ctx: Ctx) -> Reply:
    if not ctx.site.is_admin(ctx.user):
        raise Forbidden(ONLY_ADMINS)
    items = [w for w in ctx.site.workflows.values() if w.scope_project is None]  # no next-gen workflows here
    names = multi(ctx.req, "workflowName")
    if names:
        items = [w for w in items if w.name in names]
    items = _ordered(ctx, _filtered(ctx, items))
    expand = ctx.expand or frozenset()
    unknown = expand - OLD_EXPAND
    if unknown:
        raise BadRequest(f"Invalid expand value(s): {', '.join(sorted(unknown))}.")
    cr = ConfigRenderer(ctx.renderer)
    schemes = ctx.site.workflow_schemes
    return Reply(200, page(ctx, items, lambda w: cr.old_workflow(w, expand, schemes), default_max=50, cap=50))


ROUTES = (
    Route("workflows_search", ("GET",), "/workflows/search", "/workflows/search", "user", search, ("cloud",)),
    Route("workflows_read", ("POST",), "/workflows", "/workflows", "user", read, ("cloud",)),
    Route("workflows_capabilities", ("GET",), "/workflows/capabilities", "/workflows/capabilities", "user",
          capabilities, ("cloud",)),
    Route("workflow_search", ("GET",), "/workflow/search", "/workflow/search", "user", old_search, ("cloud",)),
)
