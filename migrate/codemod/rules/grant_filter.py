"""Comparisons with BROWSE_PROJECTS: grants or keys filtered by `== "BROWSE_PROJECTS"`.

    g["permission"] == "BROWSE_PROJECTS"     (Python)  -> g["permission"] in ("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES")
    g.permission === "BROWSE_PROJECTS"       (JS/TS)   -> ["BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"].includes(g.permission)
    "BROWSE_PROJECTS".equals(g.getPermission()) (Java) -> java.util.Arrays.asList(...).contains(g.getPermission())
    g.permission == "BROWSE_PROJECTS"        (Kotlin)  -> g.permission in setOf(...)
    g.Permission == "BROWSE_PROJECTS"        (Go)      -> (g.Permission == "BROWSE_PROJECTS" || g.Permission == "VIEW_PROJECTS" || ...)
    $g['permission'] === 'BROWSE_PROJECTS'  (PHP)     -> in_array($g['permission'], [...], true)
    x.permission == "BROWSE_PROJECTS"        (HCL)     -> contains([...], x.permission)

`!=` becomes the negated membership test. In a file that also sends POST /permissions/check bodies, a
comparison may read the check result (`projectPermissions[].permission`, where the rewrite would be wrong),
so it needs review there.
"""

from __future__ import annotations

import re

from migrate.codemod.engine import FileCtx, Occ, Outcome
from migrate.codemod.model import OLD_KEY, REWRITTEN, VIEW_ISSUES, VIEW_PROJECTS, Edit
from migrate.codemod.rules.common import outcome, review
from migrate.codemod.syntax import span

RULE = "grant-filter"
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
            "compares with BROWSE_PROJECTS in a file that sends permission check bodies: if this reads a check result, "
            "it must follow the request (VIEW_PROJECTS, and VIEW_ISSUES in issue context); if it filters grants, "
            "match VIEW_PROJECTS and VIEW_ISSUES too",
            anchor,
        )
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
    return outcome(RULE, REWRITTEN, "filter on BROWSE_PROJECTS now also matches VIEW_PROJECTS and VIEW_ISSUES (grants are added, not replaced)", anchor, [Edit(anchor[0], anchor[1], new)])
