"""Code that reads BROWSE_PROJECTS from a permissions response.

    perms.permissions.BROWSE_PROJECTS.havePermission                  (project) -> perms.permissions.VIEW_PROJECTS.havePermission
    perms.permissions.BROWSE_PROJECTS.havePermission                  (issue)   -> (perms.permissions.VIEW_PROJECTS.havePermission
                                                                                     && perms.permissions.VIEW_ISSUES.havePermission)
    data["permissions"]["BROWSE_PROJECTS"]["havePermission"]          (issue, Python) -> (... and ...)

The deprecated alias BROWSE is read the same way (a request for BROWSE is answered under that key).

The read follows its request: the codemod pairs it with the permission requests in the innermost enclosing
function that makes any (else the file). If they disagree, have no static context, or there is none, the
read needs review. In issue context only a boolean read (one ending in havePermission) can be combined; a
read of the whole permission object, a nullable Kotlin chain, or a read that would repeat a call needs review.

Request and read change together or not at all: they are one change unit (`migrate.codemod.units`), so a
request whose read cannot be rewritten stays as it is, and the code never asks for the new keys and reads
the old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ast_grep_py import SgNode

from migrate.codemod.occurrence import FileCtx, Occ, Outcome, RequestSite
from migrate.codemod.model import ISSUE, PROJECT, REWRITTEN, VIEW_ISSUES, VIEW_PROJECTS, Edit
from migrate.codemod.rules.common import OLD_KEYS, outcome, review
from migrate.codemod.syntax import CALL_KINDS, FUNCTION_KINDS, GETTERS, span, valid_kind

RULE = "response-read"
HAVE = re.compile(r"have_?permission", re.I)
AND = {"python": " and "}


def _is_permissions_obj(fx: FileCtx, obj: SgNode | None) -> bool:
    name = fx.syn.access_name(obj)
    return name is not None and name.lower() in ("permissions", "mypermissions")


def _read_chain(fx: FileCtx, access: SgNode) -> tuple[SgNode, bool, bool]:
    """Extend an access up its postfix chain to the boolean read: (node, is_boolean, nullable_chain)."""
    syn = fx.syn
    cur = access
    boolean = False
    nullable = False
    while True:
        p = syn.postfix_parent(cur)
        if p is None:
            break
        suffix = syn.src[span(cur)[1] : span(p)[1]]
        if boolean:
            # after havePermission: only an empty call `()` still belongs to the read (getter)
            if re.fullmatch(r"\s*\(\s*\)", suffix):
                cur = p
            break
        if "?." in suffix or "?->" in suffix:
            nullable = True
        cur = p
        if HAVE.search(suffix):
            boolean = True
    return cur, boolean, nullable


GETTER_NAME = re.compile(r"^(get|opt|is|has|path|at)([A-Z_]|$)|^(get|getvalue|getordefault|getornull|path|at)$", re.I)


def _repeated_call(fx: FileCtx, read: SgNode) -> str | None:
    """A call in the read that is not a plain getter: duplicating the read would call it twice."""
    syn = fx.syn
    if "await" in syn.text(read):
        return "await"
    for kind in CALL_KINDS[syn.fam]:
        if not valid_kind(syn.lang, kind):
            continue
        for call in read.find_all(kind=kind):
            name, _, _ = syn.call_parts(call)
            if name is None or not (name.lower() in GETTERS or GETTER_NAME.match(name)):
                return syn.text(call)
    return None


@dataclass
class ReadInfo:
    occ: Occ
    access: SgNode
    read: SgNode
    boolean: bool
    nullable: bool
    paired: list[RequestSite]
    where: str  # "function" | "file"


def analyse_read(occ: Occ, fx: FileCtx) -> ReadInfo | None:
    # the alias too: a request for BROWSE is answered under BROWSE, and rewriting the request alone would
    # leave its read looking up a key the response no longer has
    if occ.key not in OLD_KEYS or (occ.lit is not None and not occ.whole):
        return None
    acc = fx.syn.key_access(occ.lit if occ.lit is not None else occ.leaf)
    if acc is None or not _is_permissions_obj(fx, acc.obj):
        return None
    read, boolean, nullable = _read_chain(fx, acc.node)
    paired, where = _paired(fx, read)
    return ReadInfo(occ, acc.node, read, boolean, nullable, paired, where)


def _paired(fx: FileCtx, node: SgNode) -> tuple[list[RequestSite], str]:
    """The requests of the innermost enclosing function that makes any, else of the file."""
    syn = fx.syn
    kinds = FUNCTION_KINDS[syn.fam]
    for scope in [a for a in node.ancestors() if a.kind() in kinds] + [syn.root]:
        s, e = span(scope)
        local = [r for r in fx.requests if s <= r.span[0] and r.span[1] <= e]
        if local:
            return local, ("function" if scope != syn.root else "file")
    return [], "file"


def own_problem(info: ReadInfo, fx: FileCtx, ctx: str) -> str | None:
    """Why this read cannot be rewritten for `ctx`, whatever its request says; None if it can."""
    syn = fx.syn
    key = info.occ.key
    if syn.is_assignment_target(info.read) or syn.is_assignment_target(info.access):
        return f"{key} is written to, not read, in a permissions object: change by hand"
    if ctx != ISSUE:
        return None
    if not info.boolean:
        return f"it reads the {key} object (not havePermission) in issue context: both VIEW_PROJECTS and VIEW_ISSUES must hold; combine by hand"
    if info.nullable and syn.fam == "kotlin":
        return "a nullable read (?.) in issue context: combine VIEW_PROJECTS and VIEW_ISSUES by hand (e.g. `== true` on each)"
    call = _repeated_call(fx, info.read)
    if call is not None:
        return f"combining VIEW_PROJECTS and VIEW_ISSUES would repeat `{call[:60]}`: store the response in a variable first, then run the codemod again"
    return None


def context_of(info: ReadInfo) -> tuple[str | None, str]:
    """(context, why) for a read from the requests it pairs with; context None means needs-review."""
    if not info.paired:
        return None, "there is no permission request in the same function or file to pair it with"
    ctxs = {r.context for r in info.paired}
    if len(ctxs - {None}) > 1:
        return None, f"the same {info.where} makes both project- and issue-context requests"
    if None in ctxs:
        why = next(r.why for r in info.paired if r.context is None) or "its context is not known statically"
        return None, f"the permission request in the same {info.where} is not rewritten ({why})"
    ctx = ctxs.pop()
    return ctx, f"paired with the {ctx}-context request in the same {info.where}"


def _fixture(occ: Occ, fx: FileCtx) -> Outcome | None:
    """{"permissions": {"BROWSE_PROJECTS": {...}}}: a response written out (test fixture, mock); BROWSE too."""
    syn = fx.syn
    node = occ.lit if occ.lit is not None else occ.leaf
    p = syn.climb(node).parent()
    if p is None:
        return None
    if p.kind() in ("pair", "block_mapping_pair", "flow_pair", "keyed_element", "array_element_initializer", "object_elem"):
        kids = p.named_children()
        key = p.field("key") or (kids[0] if kids else None)
        if key is None or span(syn.down(key)) != span(syn.down(syn.climb(node))) and span(key) != span(syn.climb(node)):
            return None
        outer = syn.pair_of(syn.mapping_of_container(p.parent()))
        if outer is not None and outer.key and outer.key.lower() == "permissions":
            return review(
                RULE,
                f"a permissions response keyed by {occ.key} (a fixture or mock): make it match the request "
                "after the split (VIEW_PROJECTS, and VIEW_ISSUES in issue context)",
                span(p),
            )
    return None


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    info = analyse_read(occ, fx)
    if info is None:
        return _fixture(occ, fx) if occ.key in OLD_KEYS and (occ.lit is None or occ.whole) else None
    out = _match(occ, fx, info)
    # a read and the requests it pairs with are one unit, wherever in the file they are
    out.links = tuple(r.span[0] for r in info.paired)
    return out


def _match(occ: Occ, fx: FileCtx, info: ReadInfo) -> Outcome:
    syn = fx.syn
    anchor = span(info.read)
    ctx, why = context_of(info)
    problem = own_problem(info, fx, ctx) if ctx is not None else None
    if problem is not None:  # this read is itself the reason its request stays as it is
        return review(RULE, f"this read is in {ctx} context ({why}), but {problem}", anchor)
    if ctx is None:
        return review(RULE, f"this code reads {occ.key} from a permissions response, but {why}", anchor)
    if ctx == PROJECT:
        return outcome(RULE, REWRITTEN, f"permissions response read in project context ({why}): {occ.key} -> VIEW_PROJECTS", anchor, [Edit(occ.start, occ.end, VIEW_PROJECTS)], ctx)
    s, e = anchor
    text = syn.src[s:e]
    i, j = occ.start - s, occ.end - s
    a = text[:i] + VIEW_PROJECTS + text[j:]
    b = text[:i] + VIEW_ISSUES + text[j:]
    combined = a + AND.get(syn.fam, " && ") + b
    if not syn.is_parenthesized(info.read):
        combined = "(" + combined + ")"
    return outcome(RULE, REWRITTEN, f"permissions response read in issue context ({why}): both VIEW_PROJECTS and VIEW_ISSUES must be true", anchor, [Edit(s, e, combined)], ISSUE)
