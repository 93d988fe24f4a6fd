"""Jira Data Center / Server plugin APIs: reported, never rewritten (Data Center has no new keys).

    ProjectPermissions.BROWSE_PROJECTS         (com.atlassian.jira.permission.ProjectPermissions)
    Permissions.BROWSE                         (com.atlassian.jira.security.Permissions, legacy int ids)
    new ProjectPermissionKey("BROWSE_PROJECTS")
    import static ...ProjectPermissions.BROWSE_PROJECTS; then a bare BROWSE_PROJECTS
    any other key literal in a Java/Kotlin file importing com.atlassian.jira.* (a plugin)
"""

from __future__ import annotations

import re

from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.model import OLD_ALIAS, OLD_KEY, REPORT_ONLY
from migrate.codemod.rules.common import occ_anchor, outcome
from migrate.codemod.syntax import span

RULE = "server-api"
JVM = ("java", "kotlin")
MSG = "Jira Data Center plugin API ({what}): Data Center has no VIEW_PROJECTS/VIEW_ISSUES keys; nothing to change for Cloud. Reported only"
STATIC_IMPORT = re.compile(r"^\s*import\s+(?:static\s+)?com\.atlassian\.jira\.\S*ProjectPermissions\.(?:BROWSE_PROJECTS|\*)", re.M)


def _report(what: str, anchor) -> Outcome:
    return outcome(RULE, REPORT_ONLY, MSG.format(what=what), anchor)


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    syn = fx.syn
    if syn.fam not in JVM:
        return None
    if occ.ident:
        leaf = occ.leaf
        for a in leaf.ancestors():
            if a.kind() in ("import_declaration", "import_header"):
                return _report("static import of " + syn.text(a).split()[-1].rstrip(";"), span(a))
        acc = syn.key_access(leaf)
        if acc is not None and acc.obj is not None:
            owner = syn.text(acc.obj)
            if occ.key == OLD_KEY and owner.split(".")[-1] == "ProjectPermissions":
                return _report("ProjectPermissions.BROWSE_PROJECTS", span(acc.node))
            if occ.key == OLD_ALIAS and owner.split(".")[-1] in ("Permissions", "ProjectPermissions"):
                return _report(f"{owner.split('.')[-1]}.BROWSE", span(acc.node))
        if occ.key == OLD_KEY and acc is None and STATIC_IMPORT.search(fx.src):
            return _report("BROWSE_PROJECTS statically imported from ProjectPermissions", (occ.start, occ.end))
        return None
    if occ.key != OLD_KEY:
        return None
    found = syn.enclosing_call_arg(occ.lit)
    if found is not None:
        call = found[0]
        name, _, _ = syn.call_parts(call)
        if name and name.split(".")[-1].split("<")[0] == "ProjectPermissionKey":
            return _report('new ProjectPermissionKey("BROWSE_PROJECTS")', span(call))
    return None


def plugin_fallback(occ: Occ, fx: FileCtx) -> Outcome | None:
    """In a file that imports the DC API, a key no other rule recognised is DC code too."""
    if fx.syn.fam in JVM and fx.imports_dc_api and occ.key == OLD_KEY:
        return _report("BROWSE_PROJECTS in a file that imports com.atlassian.jira.*", occ_anchor(occ))
    return None
