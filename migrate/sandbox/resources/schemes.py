"""Permission schemes: list, read, create, update (PUT replaces every grant, as Jira does), delete, and the
Data Center scheme attributes.
"""

from __future__ import annotations

from migrate.sandbox.api import Ctx, Reply, Route
from migrate.sandbox.errors import BadRequest, NotFound
from migrate.sandbox.state import DEFAULT_SCHEME_ID, Scheme

SCHEME = "/permissionscheme/<int(signed=True):schemeId>"


def schemes(ctx: Ctx) -> Reply:
    expand = ctx.expand
    r = ctx.renderer
    parts = [r.scheme_json(s, expand is not None, expand) for s in ctx.site.schemes.values()]
    return Reply(200, '{"permissionSchemes":[' + ",".join(parts) + "]}")


def scheme_get(ctx: Ctx) -> Reply:
    expand = ctx.expand
    return Reply(200, ctx.renderer.scheme_json(ctx.scheme(), expand is not None, expand))


def _scheme_body(ctx: Ctx, *, current: Scheme | None) -> tuple[str, str | None, list | None]:
    body = ctx.json()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a permission scheme object.")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest(errors={"name": "The name of the permission scheme is required."})
    for s in ctx.site.schemes.values():
        if s.name == name and s is not current:
            raise BadRequest(errors={"name": f"A permission scheme with the name '{name}' already exists."})
    desc = body.get("description")
    if desc is not None and not isinstance(desc, str):
        raise BadRequest(errors={"description": "The description must be a string."})
    grants = body.get("permissions")
    if grants is not None:
        if not isinstance(grants, list):
            raise BadRequest(errors={"permissions": "The permissions must be a list of permission grants."})
        grants = [ctx.site.parse_grant(g) for g in grants]
    return name, desc, grants


def scheme_create(ctx: Ctx) -> Reply:
    name, desc, grants = _scheme_body(ctx, current=None)
    s = ctx.site.new_scheme(name, desc or "")
    for perm, holder in grants or []:
        if ctx.site.find_grant(s, perm, holder) is None:
            ctx.site.add_grant(s, perm, holder)
    ctx.stats["schemes_created"] += 1
    expand = ctx.expand
    return Reply(201, ctx.renderer.scheme_json(s, expand is not None or grants is not None, expand))


def scheme_update(ctx: Ctx) -> Reply:
    s = ctx.scheme()
    name, desc, grants = _scheme_body(ctx, current=s)
    s.name = name
    if desc is not None:
        s.description = desc
    s.touch()
    ctx.stats["scheme_puts"] += 1
    if grants is not None:
        ctx.stats["scheme_puts_replacing_grants"] += 1
        ctx.stats["grants_destroyed_by_put"] += len(s.grants)
        ctx.site.replace_grants(s, grants)
    expand = ctx.expand
    return Reply(200, ctx.renderer.scheme_json(s, expand is not None or grants is not None, expand))


def scheme_delete(ctx: Ctx) -> Reply:
    s = ctx.scheme()
    if s.id == DEFAULT_SCHEME_ID:
        raise BadRequest("The default permission scheme cannot be deleted.")
    del ctx.site.schemes[s.id]
    for p in ctx.site.projects.values():
        if p.scheme_id == s.id:
            p.scheme_id = DEFAULT_SCHEME_ID  # projects fall back to the default scheme
    ctx.stats["schemes_deleted"] += 1
    return Reply(204)


def attribute_get(ctx: Ctx) -> Reply:
    s = ctx.scheme()
    key = ctx.args["attributeKey"]
    if key not in s.attributes:
        raise NotFound(f"Attribute '{key}' not found for permission scheme {s.id}.")
    return Reply(200, {"key": key, "value": s.attributes[key]})


def attribute_put(ctx: Ctx) -> Reply:
    s = ctx.scheme()
    raw = ctx.req.get_data(as_text=True)
    s.attributes[ctx.args["attributeKey"]] = "true" if raw.strip().lower() == "true" else "false"
    return Reply(204)


ROUTES = (
    Route("schemes", ("GET",), "/permissionscheme", "/permissionscheme", "user", schemes),
    Route("scheme_create", ("POST",), "/permissionscheme", "/permissionscheme", "admin", scheme_create),
    Route("scheme_get", ("GET",), SCHEME, "/permissionscheme/{schemeId}", "user", scheme_get),
    Route("scheme_update", ("PUT",), SCHEME, "/permissionscheme/{schemeId}", "admin", scheme_update),
    Route("scheme_delete", ("DELETE",), SCHEME, "/permissionscheme/{schemeId}", "admin", scheme_delete, body="none"),
    Route("attribute_get", ("GET",), SCHEME + "/attribute/<attributeKey>",
          "/permissionscheme/{permissionSchemeId}/attribute/{attributeKey}", "admin", attribute_get, ("dc",)),
    Route("attribute_put", ("PUT",), SCHEME + "/attribute/<attributeKey>",
          "/permissionscheme/{permissionSchemeId}/attribute/{key}", "admin", attribute_put, ("dc",), body="text"),
)
