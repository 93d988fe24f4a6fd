"""Comparisons with BROWSE_PROJECTS: grants or keys filtered by `== "BROWSE_PROJECTS"`.

    g["permission"] == "BROWSE_PROJECTS"     (Python)  -> g["permission"] in ("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES")
    g.permission === "BROWSE_PROJECTS"       (JS/TS)   -> ["BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"].includes(g.permission)
    "BROWSE_PROJECTS".equals(g.getPermission()) (Java) -> java.util.Arrays.asList(...).contains(g.getPermission())
    g.permission == "BROWSE_PROJECTS"        (Kotlin)  -> g.permission in setOf(...)
    g.Permission == "BROWSE_PROJECTS"        (Go)      -> (g.Permission == "BROWSE_PROJECTS" || g.Permission == "VIEW_PROJECTS" || ...)
    $g['permission'] === 'BROWSE_PROJECTS'  (PHP)     -> in_array($g['permission'], [...], true)
    x.permission == "BROWSE_PROJECTS"        (HCL)     -> contains([...], x.permission)

`!=` becomes the negated membership test. Widening is right only where the code keeps books on grants (an
audit, a report, an export, a lint of schemes): "grants written either way still match". Where the filter
decides access (it collects holders, decides who can see or syncs visibility), accepting VIEW_PROJECTS would
let holders of VIEW_PROJECTS alone through: issue visibility needs BROWSE_PROJECTS, or VIEW_PROJECTS and
VIEW_ISSUES together, which no per-grant filter can say. Those filters, and those whose purpose the code
does not tell, need review. So does a comparison in a file that sends POST /permissions/check bodies (it
may read the check result, `projectPermissions[].permission`, where the rewrite would be wrong).
"""

from __future__ import annotations

import re

from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.model import OLD_KEY, REWRITTEN, VIEW_ISSUES, VIEW_PROJECTS, Edit
from migrate.codemod.rules.common import outcome, review
from migrate.codemod.syntax import FUNCTION_KINDS, span

RULE = "grant-filter"
# Words that say a filter decides access: it decides visibility or mirrors it elsewhere...
ACCESS = re.compile(
    r"visib|viewer|reader|access|allow|permitted|authori[sz]|\bacl|audience|sync|who_?can|can_?(?:see|view|browse|read)|"
    r"may_?(?:see|read)|share|restrict|principal|grantee",
    re.I,
)
# ...or it gathers holders, users or groups (unless its name says it keeps books: an audit lists holders too).
HOLDERS = re.compile(r"holder|member|\busers?\b|\bgroups?\b|accountid|account_id", re.I)
# Words that say it keeps books on grants (in the function's or the result's name).
BOOKKEEPING = re.compile(r"report|audit|inventory|export|lint|scan|summar|schemes_?using|uses_?browse|usage", re.I)
ACCESS_MSG = (
    "this filter decides access ({why}): after the split a holder sees issues with BROWSE_PROJECTS, or with "
    "VIEW_PROJECTS and VIEW_ISSUES together, never with VIEW_PROJECTS alone. Change it by hand: keep the "
    "holders of BROWSE_PROJECTS and add those who hold both new keys"
)
UNKNOWN_MSG = (
    "a filter on BROWSE_PROJECTS whose purpose the code does not tell: if it keeps books on grants (audit, "
    "report, export), match VIEW_PROJECTS and VIEW_ISSUES too; if it decides who can see issues, require "
    "BROWSE_PROJECTS, or VIEW_PROJECTS and VIEW_ISSUES held together, never VIEW_PROJECTS alone"
)
SIMPLE = re.compile(r"^[\w.$\[\]\"'()-]+$")
LOGICAL = {"&&", "||", "and", "or"}


def membership(fam: str, other: str, keys: str, negate: bool, strict: bool = True, java_prefix: str = "java.util.Arrays") -> str | None:
    if fam == "js":
        return f"{'!' if negate else ''}[{keys}].includes({other})"
    if fam == "python":
        return f"{other} {'not in' if negate else 'in'} ({keys})"
    if fam == "java":
        return f"{'!' if negate else ''}{java_prefix}.asList({keys}).contains({other})"
    if fam == "kotlin":
        return f"{other} {'!in' if negate else 'in'} setOf({keys})"
    if fam == "php":
        return f"{'!' if negate else ''}in_array({other}, [{keys}]{', true' if strict else ''})"
    if fam == "hcl":
        return f"{'!' if negate else ''}contains([{keys}], {other})"
    if fam == "groovy":
        return f"!({other} in [{keys}])" if negate else f"{other} in [{keys}]"
    if fam == "go":
        if not SIMPLE.match(other) or "(" in other:
            return None
        op, join = ("!=", " && ") if negate else ("==", " || ")
        return "(" + join.join(f"{other} {op} {k}" for k in keys.split(", ")) + ")"
    return None


def purpose(scope_text: str, names: list[str]) -> tuple[str, str]:
    """("access" | "books" | "unknown", why) for a grant filter, from its function's text and the names of
    the function and of the variable it assigns."""
    m = ACCESS.search(scope_text)
    if m:
        return "access", f"its code mentions {m.group(0)!r}"
    books = next((n for n in names if BOOKKEEPING.search(n)), None)
    h = HOLDERS.search(scope_text)
    if h and books is None:
        return "access", f"it gathers holders (its code mentions {h.group(0)!r})"
    if books is not None:
        return "books", f"it keeps books on grants ({books})"
    return "unknown", ""


DECLARING = {
    "variable_declarator",
    "assignment",
    "assignment_expression",
    "property_declaration",
    "short_var_declaration",
    "local_variable_declaration",
    "attribute",
    "lexical_declaration",
}


def _names(fx: FileCtx, node) -> list[str]:
    """The names of the enclosing functions and of the variables the comparison's result is assigned to."""
    syn = fx.syn
    out = []
    for a in node.ancestors():
        k = a.kind()
        nm = a.field("name")
        if nm is not None and (k in FUNCTION_KINDS[syn.fam] or k in DECLARING):
            out.append(syn.text(nm))
        elif k in DECLARING:
            left = a.field("left")
            if left is None:
                left = next((c for c in a.named_children() if "variable_declaration" in c.kind() or "identifier" in c.kind()), None)
            if left is not None:
                out.append(syn.text(left))
    return out


def _outermost_scope(fx: FileCtx, node):
    """The outermost function around `node`, or its top-level statement."""
    syn = fx.syn
    best = node
    for a in node.ancestors():
        if a.kind() in FUNCTION_KINDS[syn.fam] or (a.parent() is not None and a.parent() == syn.root):
            best = a
    return best


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    if occ.key != OLD_KEY or occ.lit is None or not occ.whole:
        return None
    syn = fx.syn
    cmp = syn.comparison_of(occ.lit)
    if cmp is None:
        return None
    anchor = span(cmp.node)
    # idempotence: `x == "BROWSE_PROJECTS" || x == "VIEW_PROJECTS" ...` is already done
    group = syn.logical_group(cmp.node, "||" if syn.fam != "python" else "or")
    gtext = syn.text(group)
    if VIEW_PROJECTS in gtext and VIEW_ISSUES in gtext:
        return Outcome(RULE, None)
    if any(r.body for r in fx.requests):
        return review(
            RULE,
            "this code compares with BROWSE_PROJECTS in a file that sends permission check bodies: if this reads a check result, "
            "it must follow the request (VIEW_PROJECTS, and VIEW_ISSUES in issue context); if it filters grants, "
            "match VIEW_PROJECTS and VIEW_ISSUES too",
            anchor,
        )
    top = _outermost_scope(fx, cmp.node)
    kind, why = purpose(syn.text(top), _names(fx, cmp.node))
    if kind == "access":
        return review(RULE, ACCESS_MSG.format(why=why), anchor)
    if kind == "unknown":
        return review(RULE, UNKNOWN_MSG, anchor)
    if cmp.method == "equalsIgnoreCase":
        return review(RULE, "case-insensitive comparison with BROWSE_PROJECTS: extend it to VIEW_PROJECTS and VIEW_ISSUES by hand", anchor)
    lit_text = syn.text(occ.lit)
    i, j = occ.start - span(occ.lit)[0], occ.end - span(occ.lit)[0]
    keys = ", ".join([lit_text, lit_text[:i] + VIEW_PROJECTS + lit_text[j:], lit_text[:i] + VIEW_ISSUES + lit_text[j:]])
    other = syn.src[cmp.other[0] : cmp.other[1]]
    prefix = "Arrays" if re.search(r"^import java\.util\.(Arrays|\*);", fx.src, re.M) else "java.util.Arrays"
    new = membership(syn.fam, other, keys, cmp.op == "!=", cmp.strict, prefix)
    if new is None:
        return review(RULE, "comparison with BROWSE_PROJECTS on a complex expression: extend it to VIEW_PROJECTS and VIEW_ISSUES by hand", anchor)
    parent = cmp.node.parent()
    if parent is not None and parent.kind() in ("binary_expression", "binary_operator", "binary_operation"):
        ops = {syn.text(c) for c in parent.children() if not c.is_named()}
        if not ops & LOGICAL:
            new = f"({new})"
    return outcome(RULE, REWRITTEN, f"filter on BROWSE_PROJECTS now also matches VIEW_PROJECTS and VIEW_ISSUES ({why}; grants are added, not replaced)", anchor, [Edit(anchor[0], anchor[1], new)])
