"""Table tests for the `server_api` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import server_api


REWRITES = [
]

# the deprecated alias BROWSE in the same request and read gives the same result
ALIAS_OF = set()

NOT_REWRITTEN = [
    pytest.param(
        "java",
        d("""
        import com.atlassian.jira.permission.ProjectPermissions;
        class C { boolean b() { return pm.hasPermission(ProjectPermissions.BROWSE_PROJECTS, p, u); } }
        """),
        [(2, "server-api", REPORT_ONLY, "ProjectPermissions.BROWSE_PROJECTS")],
        id='dc-project-permissions',
    ),
    pytest.param(
        "java",
        "class C { boolean b() { return pm.hasPermission(Permissions.BROWSE, p, u); } }\n",
        [(1, "server-api", REPORT_ONLY, "Permissions.BROWSE")],
        id='dc-legacy-permissions-browse',
    ),
    pytest.param(
        "java",
        'class C { Object k = new ProjectPermissionKey("BROWSE_PROJECTS"); }\n',
        [(1, "server-api", REPORT_ONLY, "ProjectPermissionKey")],
        id='dc-project-permission-key',
    ),
    pytest.param(
        "java",
        "import static com.atlassian.jira.permission.ProjectPermissions.BROWSE_PROJECTS;\nclass C { Object k = BROWSE_PROJECTS; }\n",
        [(1, "server-api", REPORT_ONLY, "static import"), (2, "server-api", REPORT_ONLY, "statically imported")],
        id='dc-static-import',
    ),
    pytest.param(
        "kotlin",
        "val ok = pm.hasPermission(ProjectPermissions.BROWSE_PROJECTS, project, user)\n",
        [(1, "server-api", REPORT_ONLY, "")],
        id='dc-kotlin',
    ),
    pytest.param(
        "groovy",
        d("""
        import com.atlassian.jira.permission.ProjectPermissions
        def ok = ComponentAccessor.permissionManager.hasPermission(ProjectPermissions.BROWSE_PROJECTS, issue, user)
        """),
        [(2, "server-api", REPORT_ONLY, "")],
        id='dc-groovy-scriptrunner',
    ),
]

NO_CHANGE = [
]

globals().update(tables(server_api.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
