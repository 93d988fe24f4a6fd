"""BROWSE_PROJECTS in a permission-check request body or in an object of query parameters.

    {projectPermissions: [{permissions: ["BROWSE_PROJECTS"], issues: [10001]}]}  ->  ["VIEW_PROJECTS", "VIEW_ISSUES"]
    {projectPermissions: [{permissions: ["BROWSE_PROJECTS"], projects: [10000]}]} ->  ["VIEW_PROJECTS"]
    params={"issueKey": k, "permissions": "BROWSE_PROJECTS"}                     ->  "VIEW_PROJECTS,VIEW_ISSUES"
    getMyPermissions({permissions: "BROWSE_PROJECTS", projectKey})              ->  "VIEW_PROJECTS"
    q.Set("permissions", "BROWSE_PROJECTS") / .queryParam("permissions", ...)    ->  context from the function

The context comes from the keys beside `permissions` (issues/issueKey/issueId vs projects/projectKey/
projectId), then from the URL or endpoint of the call the body is passed to, then (for setter calls and
assignments that build parameters one by one) from the parameter names the same function writes.

The deprecated alias BROWSE is handled in query parameters (`mypermissions` accepts and answers it), so a
request and its read of `permissions.BROWSE` change together; a check body list naming BROWSE is not a
form Jira documents and is left alone (nor is it a request its reads pair with).
"""

from __future__ import annotations

from dataclasses import dataclass

from ast_grep_py import SgNode

from migrate.codemod import context as C
from migrate.codemod.occurrence import FileCtx, Occ, Outcome, RequestSite
from migrate.codemod.model import NEW_KEYS, OLD_ALIAS, OLD_KEY, PROJECT, REWRITTEN, VIEW_ISSUES, VIEW_PROJECTS, Edit, keys_for
from migrate.codemod.rules.common import (
    guard_check,
    list_context_from_new_keys,
    literal_list,
    outcome,
    review,
    rewrite_list,
    scope_texts,
)
from migrate.codemod.syntax import CALL_KINDS, FUNCTION_KINDS, STATEMENT_HINT, Seq, Syntax, span

RULE = "check-body"
ASSIGN_KINDS = {"assignment_expression", "assignment", "assignment_statement"}


@dataclass
class Site:
    shape: str  # "list" (element of a key list), "value" (comma-list string), "setter" (setter call/assignment)
    node: SgNode  # the mapping / call / assignment that holds the key
    ctx: C.Context | None
    seq: Seq | None = None


def _is_permissions(name: str | None) -> bool:
    return name is not None and name.lower() == "permissions"


def _call_context(syn: Syntax, start: SgNode) -> C.Context | None:
    """Context from the calls the body is passed to (a URL with issueKey=, POST /permissions/project...)."""
    stop_kinds = FUNCTION_KINDS[syn.fam]
    for a in start.ancestors():
        k = a.kind()
        if k in stop_kinds or (STATEMENT_HINT.search(k) and k not in ("variable_declarator",)):
            break
        if k in CALL_KINDS[syn.fam]:
            texts = [syn.masked_content(lit)[1] for lit in syn.literals_in(a)]
            for t in texts:
                ctx = C.from_url_text(t, "the URL the body is sent to")
                if ctx is not None:
                    return ctx
            for t in texts:
                ctx = C.from_endpoint(t)
                if ctx is not None:
                    return ctx
    return None


def _scope_context(fx: FileCtx, node: SgNode) -> C.Context | None:
    scope = fx.syn.scope_of(node)
    names = []
    for t in scope_texts(fx, scope):
        if t.lower() in C.ISSUE_NAMES or t.lower() in C.PROJECT_NAMES:
            names.append(t)
        ctx = C.from_url_text(t, "a URL in the same function")
        if ctx is not None and ctx.value is not None:
            names.append("issueKey" if ctx.value != PROJECT else "projectKey")
    where = "the same function" if scope != fx.syn.root else "the same file"
    return C.from_names(names, f"{where} (parameters set one by one)")


def _mapping_context(fx: FileCtx, container: SgNode) -> C.Context | None:
    syn = fx.syn
    entries, unknown = syn.entries(container)
    ctx = C.from_names([p.key for p in entries if not _is_permissions(p.key)], "the request")
    if ctx is None:
        ctx = _call_context(syn, syn.mapping_of_container(container))
    if ctx is None and unknown:
        return C.Context(None, "the request object is built from a spread/variable, so its context is only known at run time")
    return ctx


def find(occ: Occ, fx: FileCtx) -> Site | None:
    syn = fx.syn
    lit = occ.lit
    if lit is None:
        return None
    # A: an element of a list under `permissions`
    seq = syn.seq_of(lit) if occ.whole else None
    if seq is not None:
        pair = syn.pair_of(syn.mapping_of_container(seq.container))
        if pair is not None and _is_permissions(pair.key) and occ.key != OLD_ALIAS:
            return Site("list", pair.container, _mapping_context(fx, pair.container), seq)
        return None
    # B: the string value of `permissions` (a comma list)
    pair = syn.pair_of(lit)
    if pair is not None:
        if _is_permissions(pair.key):
            return Site("value", pair.container, _mapping_context(fx, pair.container))
        return None
    # C: a setter call ("permissions", "BROWSE_PROJECTS") or an assignment params["permissions"] = "..."
    found = syn.enclosing_call_arg(lit)
    if found is not None:
        call, i, args = found
        if i == 1 and len(args) == 2 and _is_permissions(syn.plain_value(args[0])):
            return Site("setter", call, _call_context(syn, call) or _scope_context(fx, call))
        return None
    p = syn.climb(lit).parent()
    if p is not None and p.kind() in ASSIGN_KINDS:
        kids = p.named_children()
        if len(kids) >= 2 and kids[-1] == syn.climb(lit) and _is_permissions(syn.access_name(kids[0])):
            return Site("setter", p, _scope_context(fx, p))
    return None


def request_site(occ: Occ, fx: FileCtx) -> RequestSite | None:
    site = find(occ, fx)
    if site is None:
        return None
    if site.seq is not None:
        keys = [k for k in fx.syn.element_strings(site.seq) if k]
    else:
        keys = literal_list(fx.syn, occ.lit).keys()
    why = ""
    if any(k in NEW_KEYS for k in keys):
        value = list_context_from_new_keys(keys)
    else:
        value = site.ctx.value if site.ctx else None
        why = site.ctx.why if site.ctx else "its context is not known statically"
        if site.ctx is not None and guard_check(fx, site.node, site.ctx, RULE, span(site.node), "") is not None:
            value, why = None, "a project-context request there guards issue data"
    return RequestSite(span(site.node), span(fx.syn.scope_of(site.node)), value, body=site.shape == "list", why=why)


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    site = find(occ, fx)
    if site is None:
        return None
    syn = fx.syn
    what = {"list": "the permission check body", "value": "the permissions parameter", "setter": "the permissions parameter"}[site.shape]
    anchor = span(occ.lit) if site.shape != "setter" else span(site.node)
    keys = [k for k in syn.element_strings(site.seq)] if site.seq is not None else literal_list(syn, occ.lit).keys()
    ctx = site.ctx
    if ctx is None or ctx.value is None:
        if all(k in keys for k in NEW_KEYS):
            return Outcome(RULE, None)
        why = ctx.why if ctx else "no issues/issueKey or projects/projectKey beside it, and no URL that says"
        present = [k for k in NEW_KEYS if k in keys]
        if present:
            return review(RULE, f"{what} names {occ.key} and {', '.join(present)}, but its context is not known statically ({why}): decide by hand between VIEW_PROJECTS (project) and VIEW_PROJECTS and VIEW_ISSUES (issue)", anchor)
        return review(RULE, f"{what} names {occ.key} but its context is not known statically: {why}", anchor)
    guarded = guard_check(fx, site.node, ctx, RULE, anchor, what)
    if guarded is not None and not any(k in NEW_KEYS for k in keys if k):
        return guarded
    if site.seq is None:
        return rewrite_list(RULE, literal_list(syn, occ.lit), ctx, anchor, what)
    needed = keys_for(ctx.value)
    present = [k for k in keys if k in NEW_KEYS]
    if present:
        if all(k in keys for k in needed):
            return Outcome(RULE, None)
        return review(RULE, f"{what} already names {', '.join(present)}; {ctx.why} needs {' and '.join(needed)}: finish by hand", anchor)
    edits = [Edit(occ.start, occ.end, VIEW_PROJECTS)]
    if ctx.value != PROJECT:
        el = site.seq.elements[site.seq.index]
        es, ee = span(el)
        copy = syn.src[es:occ.start] + VIEW_ISSUES + syn.src[occ.end : ee]
        edits.append(syn.insertion_after(site.seq, site.seq.index, [copy]))
    new = " + ".join(needed)
    return outcome(RULE, REWRITTEN, f"{what} in {ctx.value} context ({ctx.why}): BROWSE_PROJECTS -> {new}", anchor, edits, ctx.value)
