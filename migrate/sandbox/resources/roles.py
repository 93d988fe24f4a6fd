"""Project roles: GET /role, GET /role/{id}."""

from __future__ import annotations

from migrate.sandbox.api import Ctx, Reply, Route
from migrate.sandbox.errors import NotFound


def roles(ctx: Ctx) -> Reply:
    return Reply(200, [ctx.renderer.role(rid) for rid in sorted(ctx.site.roles)])


def role_get(ctx: Ctx) -> Reply:
    rid = ctx.args["roleId"]
    if rid not in ctx.site.roles:
        raise NotFound(f"Project role with id {rid} not found.")
    return Reply(200, ctx.renderer.role(rid))


ROUTES = (
    Route("roles", ("GET",), "/role", "/role", "admin", roles),
    Route("role_get", ("GET",), "/role/<int:roleId>", "/role/{id}", "admin", role_get),
)
