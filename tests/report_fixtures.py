"""Small plans for the report and sites tests: realistic holders, one hostile scheme name."""

from __future__ import annotations

from migrate.model import Grant, Holder, Scheme, SiteInfo, PermissionInfo
from migrate.plan import make_plan
from migrate.rules import BROWSE_SPLIT, Rule

ADDON = Holder("projectRole", "10002", "10002", extra={"projectRole": {"name": "atlassian-addons-project-access"}})
USERS = Holder("group", "jira-users", "5b10ac8d82e05b22cc7d4ef5", extra={"group": {"name": "jira-users"}})
DEVS = Holder("projectRole", "10001", "10001", extra={"projectRole": {"name": "Developers"}})
REPORTER = Holder("reporter")
EVIL = Holder("group", "<img src=x onerror=alert(1)>", "evil-id", extra={"group": {"name": "<img src=x onerror=alert(1)>"}})


def site_info(url="https://acme.atlassian.net", *, new_keys=True, title="Acme Jira") -> SiteInfo:
    keys = ["BROWSE_PROJECTS", "CREATE_ISSUES", "ADMINISTER"] + (["VIEW_PROJECTS", "VIEW_ISSUES"] if new_keys else [])
    return SiteInfo(
        url=url,
        base_url=url,
        deployment_type="Cloud",
        version="1001.0.0",
        server_title=title,
        api_version="3",
        permissions={k: PermissionInfo(k, k.title(), "PROJECT") for k in keys},
    )


def schemes() -> list[Scheme]:
    gid = iter(range(100, 1000))

    def g(perm, holder):
        return Grant(perm, holder, next(gid))

    return [
        Scheme(
            10000,
            "Default software scheme",
            (
                g("BROWSE_PROJECTS", USERS),
                g("BROWSE_PROJECTS", REPORTER),
                g("BROWSE_PROJECTS", ADDON),
                g("CREATE_ISSUES", USERS),
                g("BROWSE_PROJECTS", DEVS),
                g("VIEW_ISSUES", DEVS),  # already has one target: gains VIEW_PROJECTS only
            ),
        ),
        Scheme(10001, "<script>alert('x')</script> | *scheme*", (g("BROWSE_PROJECTS", EVIL),)),
        Scheme(10002, "Already migrated", (g("BROWSE_PROJECTS", USERS), g("VIEW_PROJECTS", USERS), g("VIEW_ISSUES", USERS))),
    ]


def make(url="https://acme.atlassian.net", *, mode="add", rule: Rule = BROWSE_SPLIT, new_keys=True, title="Acme Jira"):
    return make_plan(
        schemes(),
        rule,
        site_info(url, new_keys=new_keys, title=title),
        mode=mode,
        projects_by_scheme={10000: ["ACME", "OPS", "WEB"], 10001: ["SEC"]},
        created_at="2026-01-01T00:00:00+00:00",
        tool_version="0.1.0",
    )
