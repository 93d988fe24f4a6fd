"""Other spellings of BROWSE_PROJECTS: reported, never rewritten.

    {"condition": "has_project_permission", "params": {"permission": "browse_projects"}}   Connect, lower case
    {"condition": "has_issue_permission", "params": {"permission": "browse"}}              Connect, short name
    "project in projectsWhereUserHasPermission(\"Browse Projects\")"                       JQL, display name
    "permissions=browse_projects"                                                          a query parameter

Jira and Connect accept these forms, so code using them is as affected by the split as code using the key;
but whether the new keys may be written the same way is not documented, so a person decides.
"""

from __future__ import annotations

import re

from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.rules.common import is_prose, occ_anchor, review
from migrate.codemod.rules.connect_descriptor import condition_kind

RULE = "key-variant"
JQL_FUNCTION = re.compile(r"projectsWhereUserHasPermission\s*\(", re.I)
SUGGEST = "VIEW_PROJECTS for a project check, VIEW_PROJECTS and VIEW_ISSUES for an issue check"


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    if not occ.variant or occ.lit is None:
        return None
    syn = fx.syn
    start, content = syn.masked_content(occ.lit)
    i, j = occ.start - start, occ.end - start
    text = occ.key
    anchor = occ_anchor(occ)
    if re.fullmatch(r"browse\s+projects", text, re.I):
        if JQL_FUNCTION.search(content):
            return review(
                RULE,
                f'JQL projectsWhereUserHasPermission("{text}") in a string: after the split it finds the projects a '
                'user can see, not those whose issues they can see. Use "View Projects" for the project list, or also '
                'require "View Issues" where the query is about issues; change it by hand',
                anchor,
            )
        if is_prose(content, i, j):
            return Outcome(RULE, "needs-review", f'text names the permission "{text}": update it if it describes the permission', anchor, flow=False)
        return review(RULE, f'the display name "{text}" names the permission: after the split use "View Projects" (project) or "View Projects" and "View Issues" (issue); change it by hand', anchor)
    kind = condition_kind(occ, fx)
    if kind is not None:
        return review(
            RULE,
            f"Connect condition {kind} names the permission as {text!r} (Connect also accepts lower case and short "
            f"names): after the split use {'VIEW_PROJECTS' if kind == 'has_project_permission' else 'an `and` of VIEW_PROJECTS and VIEW_ISSUES'}; "
            "change it by hand",
            anchor,
        )
    if is_prose(content, i, j):
        return Outcome(RULE, "needs-review", f"text names the permission as {text!r}: update it if it describes the permission", anchor, flow=False)
    return review(RULE, f"the permission is named {text!r} (another spelling of BROWSE_PROJECTS): use {SUGGEST}; change it by hand", anchor)
