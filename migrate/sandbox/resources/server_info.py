"""Who the site is and who is asking: GET /serverInfo, GET /myself."""

from __future__ import annotations

from migrate.sandbox.api import Ctx, Reply, Route, iso


def server_info(ctx: Ctx) -> Reply:
    site = ctx.site
    cloud = site.cloud
    out = {
        "baseUrl": ctx.base_url,
        "version": "1001.0.0-SNAPSHOT" if cloud else "10.0.0",
        "versionNumbers": [1001, 0, 0] if cloud else [10, 0, 0],
        "deploymentType": "Cloud" if cloud else "DataCenter",
        "buildNumber": 100289 if cloud else 10000000,
        "buildDate": "2026-05-20T00:00:00.000Z" if cloud else "2024-07-02T00:00:00.000Z",
        "serverTime": iso(ctx.core.wall()),
        "scmInfo": "5a1d0e9c3f7b2a6d8e4c1b0a9f8e7d6c5b4a3928",
        "serverTitle": site.title,
    }
    if cloud:
        out["serverTimeZone"] = "Etc/UTC"  # no defaultLocale: the Cloud schema does not allow it
    else:
        out["defaultLocale"] = {"locale": "en_US"}
    return Reply(200, out)


def myself(ctx: Ctx) -> Reply:
    assert ctx.user is not None
    return Reply(200, ctx.renderer.myself(ctx.user, ctx.expand or frozenset()))


ROUTES = (
    Route("server_info", ("GET",), "/serverInfo", "/serverInfo", "anon", server_info),
    Route("myself", ("GET",), "/myself", "/myself", "user", myself),
)
