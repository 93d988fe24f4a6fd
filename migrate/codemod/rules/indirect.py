"""BROWSE_PROJECTS held in a constant, enum, variable, type or a named member: needs review.

    const PERM = "BROWSE_PROJECTS";        enum Perm { Browse = "BROWSE_PROJECTS" }
    static final String P = "BROWSE_PROJECTS";   Perm.BROWSE_PROJECTS   type P = "BROWSE_PROJECTS" | ...

The key is defined once and used elsewhere; only the use sites know whether they are project or issue
checks, so the codemod reports the definition (and named uses) instead of guessing.
"""

from __future__ import annotations

from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.model import OLD_KEY
from migrate.codemod.rules.common import review
from migrate.codemod.syntax import span

RULE = "indirect"


def _decl_name(fx: FileCtx, decl) -> str:
    for c in decl.named_children():
        k = c.kind()
        if "identifier" in k or k in ("name", "variable_declaration", "property_identifier"):
            return fx.syn.text(c)
        if k not in ("modifiers", "binding_pattern_kind", "type_identifier"):
            break
    text = fx.syn.text(decl)
    first = text.split("=")[0].split(":")[0].strip()
    return first.split()[-1] if first.split() else text[:40]


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    if occ.key != OLD_KEY:
        return None
    syn = fx.syn
    if occ.lit is not None:
        if not occ.whole:
            return None
        node = occ.lit
        # climb through lists and mappings: REQUIRED = ["BROWSE_PROJECTS"], PERMS = {browse: "BROWSE_PROJECTS"}
        for _ in range(6):
            decl = syn.declaration_of(node)
            if decl is not None and decl.kind() in ("literal_type", "union_type"):
                return review(RULE, "a type lists BROWSE_PROJECTS: add VIEW_PROJECTS / VIEW_ISSUES to it where the code moves to the new keys", span(decl))
            if decl is not None:
                return review(
                    RULE,
                    f"BROWSE_PROJECTS is held in `{_decl_name(fx, decl)}`: its use sites decide between VIEW_PROJECTS "
                    "(project checks) and VIEW_PROJECTS + VIEW_ISSUES (issue checks)",
                    span(decl),
                )
            seq = syn.seq_of(node)
            if seq is not None:
                node = syn.mapping_of_container(seq.container)
                continue
            pair = syn.pair_of(node)
            if pair is not None and (pair.key or "").lower() not in ("permission", "permissions"):
                node = syn.mapping_of_container(pair.container)
                continue
            break
        return None
    leaf = occ.leaf
    if syn.is_declared_name(leaf):
        decl = leaf.parent()
        return review(RULE, "a constant or enum member named BROWSE_PROJECTS: its use sites decide the new key(s)", span(decl))
    acc = syn.key_access(leaf)
    if acc is not None:
        return review(RULE, f"`{syn.text(acc.node)}` names BROWSE_PROJECTS through a constant or enum: check what it is used for", span(acc.node))
    return review(RULE, "BROWSE_PROJECTS used as a name (constant, variable, pattern): check what it is used for", (occ.start, occ.end))
