"""Workflow schemes (Cloud): GET /workflowscheme (paginated) and GET /workflowscheme/project (the schemes of up
to 100 projects, with the projects using each; team-managed and unknown projects are ignored, and the
Default Workflow Scheme comes back without an id). Administer Jira only.
"""

from __future__ import annotations

from migrate.sandbox.api import Ctx, Reply, Route, multi, page
from migrate.sandbox.errors import BadRequest
from migrate.sandbox.render_config import ConfigRenderer


def schemes(ctx: Ctx) -> Reply:
    cr = ConfigRenderer(ctx.renderer)
    listed = [ws for ws in ctx.site.workflow_schemes if ws.id is not None]  # the default one has no id
    return Reply(200, page(ctx, listed, cr.workflow_scheme, default_max=50, cap=50))


def project_associations(ctx: Ctx) -> Reply:
    raw = multi(ctx.req, "projectId")
    if not raw:
        raise BadRequest("The 'projectId' query parameter is required.")
    if len(raw) > 100:
        raise BadRequest("A maximum of 100 projects can be requested at once.")
    ids = []
    for x in raw:
        if not x.isdigit():
            raise BadRequest(f"Invalid project id: '{x}'.")
        ids.append(int(x))
    site = ctx.site
    by_scheme: dict[int | None, list[str]] = {}
    for pid in dict.fromkeys(ids):
        p = site.projects.get(pid)
        if p is None or p.status == "deleted" or p.simplified:
            continue
        by_scheme.setdefault(p.workflow_scheme, []).append(str(pid))
    cr = ConfigRenderer(ctx.renderer)
    known = {ws.id: ws for ws in site.workflow_schemes}
    values = [{"projectIds": pids, "workflowScheme": cr.workflow_scheme(known[sid])}
              for sid, pids in by_scheme.items() if sid in known]
    return Reply(200, {"values": values})


ROUTES = (
    Route("workflow_schemes", ("GET",), "/workflowscheme", "/workflowscheme", "admin", schemes, ("cloud",)),
    Route("workflow_scheme_projects", ("GET",), "/workflowscheme/project", "/workflowscheme/project", "admin",
          project_associations, ("cloud",)),
)
