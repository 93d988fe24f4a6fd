"""BROWSE_PROJECTS in a `permissions=` URL query parameter.

    /rest/api/3/mypermissions?issueKey=X&permissions=BROWSE_PROJECTS  ->  permissions=VIEW_PROJECTS,VIEW_ISSUES
    /rest/api/3/mypermissions?projectKey=X&permissions=BROWSE_PROJECTS ->  permissions=VIEW_PROJECTS

The URL may be one literal, a template (`${}`/f-string/`$x`), or string pieces joined with `+` / `.`; the
list may be comma or `%2C` separated (the style is kept). The context comes from the parameter names the
same expression writes; without one, the site needs review.
"""

from __future__ import annotations

from migrate.codemod import context as C
from migrate.codemod.occurrence import FileCtx, Occ, Outcome, RequestSite
from migrate.codemod.model import NEW_KEYS
from migrate.codemod.rules.common import OLD_KEYS, guard_check, item_of, list_context_from_new_keys, review, rewrite_list, url_lists
from migrate.codemod.syntax import span

RULE = "url-query"


def _find(occ: Occ, fx: FileCtx):
    if occ.lit is None:
        return None
    root, text, lists = url_lists(fx.syn, occ.lit)
    for kl in lists:
        if item_of(kl, occ) is not None:
            return root, text, kl
    return None


def request_site(occ: Occ, fx: FileCtx) -> RequestSite | None:
    found = _find(occ, fx)
    if found is None:
        return None
    root, text, kl = found
    keys = kl.keys()
    why = ""
    if occ.key in OLD_KEYS and not any(k.startswith("VIEW_") for k in keys):
        ctx = C.from_url_text(text)
        value = ctx.value if ctx else None
        why = ctx.why if ctx else "no context parameter in its URL"
        if ctx is not None and guard_check(fx, root, ctx, RULE, span(root), "") is not None:
            value, why = None, "a project-context request there guards issue data"
    else:
        value = list_context_from_new_keys(keys)
    return RequestSite(span(root), span(fx.syn.scope_of(root)), value, why=why)


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    found = _find(occ, fx)
    if found is None:
        return None
    root, text, kl = found
    anchor = span(root)
    ctx = C.from_url_text(text)
    if ctx is None or ctx.value is None:
        why = ctx.why if ctx else "no projectKey/projectId/issueKey/issueId in the same URL expression"
        if all(k in kl.keys() for k in NEW_KEYS):
            return Outcome(RULE, None)  # already migrated (by hand or by a previous run)
        if any(k in NEW_KEYS for k in kl.keys()):
            present = ", ".join(k for k in NEW_KEYS if k in kl.keys())
            return review(RULE, f"the permissions= query parameter names {occ.key} and {present}, but {why}: decide by hand whether the check needs VIEW_PROJECTS alone (project) or VIEW_PROJECTS and VIEW_ISSUES (issue)", anchor)
        return review(RULE, f"the permissions= query parameter with {occ.key}: {why} (set elsewhere, at run time, or global context)", anchor)
    migrated = any(k.startswith("VIEW_") for k in kl.keys())
    guarded = guard_check(fx, root, ctx, RULE, anchor, "the permissions= query parameter")
    if guarded is not None and not migrated:
        return guarded
    return rewrite_list(RULE, kl, ctx, anchor, "the permissions= query parameter")
