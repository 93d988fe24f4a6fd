"""Grants of a permission scheme, one at a time: list, read, create (a duplicate is a 400), delete (a missing
grant is a 400, not a 404).
"""

from __future__ import annotations

from migrate.sandbox.api import Ctx, Reply, Route
from migrate.sandbox.errors import NotFound

GRANTS = "/permissionscheme/<int(signed=True):schemeId>/permission"
GRANT = GRANTS + "/<int(signed=True):permissionId>"


def grants(ctx: Ctx) -> Reply:
    return Reply(200, ctx.renderer.grants_json(ctx.scheme(), ctx.expand))


def grant_create(ctx: Ctx) -> Reply:
    s = ctx.scheme()
    perm, holder = ctx.site.parse_grant(ctx.json())
    g = ctx.site.add_grant(s, perm, holder)
    ctx.stats["grants_created"] += 1
    return Reply(201, ctx.renderer.grant(s.id, g, ctx.renderer.embed_key(ctx.expand)))


def grant_get(ctx: Ctx) -> Reply:
    s = ctx.scheme()
    g = s.grants.get(ctx.args["permissionId"])
    if g is None:
        raise NotFound(f"Permission grant with id {ctx.args['permissionId']} not found in permission "
                       f"scheme {s.id}.")
    return Reply(200, ctx.renderer.grant(s.id, g, ctx.renderer.embed_key(ctx.expand)))


def grant_delete(ctx: Ctx) -> Reply:
    s = ctx.scheme()
    ctx.site.remove_grant(s, ctx.args["permissionId"])
    ctx.stats["grants_deleted"] += 1
    return Reply(204)


ROUTES = (
    Route("grants", ("GET",), GRANTS, "/permissionscheme/{schemeId}/permission", "user", grants),
    Route("grant_create", ("POST",), GRANTS, "/permissionscheme/{schemeId}/permission", "admin", grant_create),
    Route("grant_get", ("GET",), GRANT, "/permissionscheme/{schemeId}/permission/{permissionId}", "user", grant_get),
    Route("grant_delete", ("DELETE",), GRANT, "/permissionscheme/{schemeId}/permission/{permissionId}", "admin",
          grant_delete, body="none"),
)
