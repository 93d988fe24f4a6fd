"""Permission-scheme grant code: add VIEW_PROJECTS and VIEW_ISSUES next to BROWSE_PROJECTS, never replace.

    resource "jira_permission_scheme_grant" "browse" { permission = "BROWSE_PROJECTS" ... }
        -> the block is kept and duplicated as "browse_view_projects" and "browse_view_issues"
    grant { permission = "BROWSE_PROJECTS" ... } nested in a resource   -> the nested block is duplicated
    [{"holder": {...}, "permission": "BROWSE_PROJECTS"}]              -> sibling grant objects are added
    permissions = ["BROWSE_PROJECTS"] inside a Terraform resource        -> the new keys are added to the list

Grants that already have their VIEW_PROJECTS/VIEW_ISSUES twins are left alone; only missing ones are added.
A grant object outside a list (one API call per grant), an exported grant with a server `id`, or a grant in a
module/variable needs review.
"""

from __future__ import annotations

import re

from ast_grep_py import SgNode

from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.model import NEW_KEYS, OLD_KEY, REWRITTEN, Edit
from migrate.codemod.rules.common import outcome, review
from migrate.codemod.syntax import Syntax, span
from migrate.codemod.languages import is_test_file

RULE = "grant"
SERVER_KEYS = frozenset({"id", "self", "grant_id", "grantid"})  # exported grants: copies would duplicate the id
GENERIC = frozenset({"permissions", "permission", "grants", "const", "let", "var", "val", "final", "static", "private", "public", "def", "export", "readonly"})
OPERATION_KEYS = frozenset({"action", "op", "operation"})  # plan/diff operations on grants, not grants
SUFFIX = {"VIEW_PROJECTS": "view_projects", "VIEW_ISSUES": "view_issues"}


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _copy(syn: Syntax, node: SgNode, occ: Occ, key: str) -> str:
    s, e = span(node)
    return syn.src[s : occ.start] + key + syn.src[occ.end : e]


def _missing_twins(syn: Syntax, node: SgNode, occ: Occ, siblings: list[SgNode]) -> list[str]:
    """New keys whose twin (same text, key swapped) is not among the siblings yet."""
    mine = _norm(syn.text(node))
    have = set()
    for sib in siblings:
        if sib == node:
            continue
        t = syn.text(sib)
        for k in NEW_KEYS:
            if k in t and _norm(t.replace(k, OLD_KEY)) == mine:
                have.add(k)
    return [k for k in NEW_KEYS if k not in have]


def _block_parts(syn: Syntax, block: SgNode) -> tuple[str, list[SgNode]]:
    kids = block.named_children()
    kind = syn.text(kids[0]) if kids else ""
    labels = [c for c in kids[1:] if c.kind() in ("string_lit", "identifier")]
    return kind, labels


def _hcl(occ: Occ, fx: FileCtx) -> Outcome | None:
    syn = fx.syn
    lit = syn.climb(occ.lit)
    attr = lit.parent()
    # a list inside a resource: permissions = ["BROWSE_PROJECTS"]  (for_each sets, key lists)
    seq = syn.seq_of(occ.lit)
    if seq is not None:
        top = syn.scope_of(occ.lit)
        if top.kind() == "block" and _block_parts(syn, top)[0] == "resource":
            keys = syn.element_strings(seq)
            missing = [k for k in NEW_KEYS if k not in keys]
            if not missing:
                return Outcome(RULE, None)
            el = seq.elements[seq.index]
            copies = [_copy(syn, el, occ, k) for k in missing]
            edit = syn.insertion_after(seq, seq.index, copies)
            return outcome(RULE, REWRITTEN, f"permission key list in a Terraform resource: added {', '.join(missing)} next to BROWSE_PROJECTS", span(seq.container), [edit])
        return None
    if attr is None or attr.kind() != "attribute":
        return None
    kids = attr.named_children()
    if not kids or syn.text(kids[0]) != "permission":
        return None
    body = attr.parent()
    block = body.parent() if body is not None else None
    if block is None or block.kind() != "block":
        return None
    kind, labels = _block_parts(syn, block)
    if not any(a.kind() == "block" for a in block.ancestors()):  # a top-level block
        if kind != "resource" or len(labels) != 2:
            return review(RULE, f'`permission = "BROWSE_PROJECTS"` in a `{kind}` block: add VIEW_PROJECTS and VIEW_ISSUES where its value is used', span(attr))
        name_node = labels[1]
        rtype = syn.text(labels[0])
        ns, ne = syn.content_span(name_node) if name_node.kind() == "string_lit" else span(name_node)
        name = syn.src[ns:ne]
        siblings = [b for b in block.parent().named_children() if b.kind() == "block" and _block_parts(syn, b)[0] == "resource"]
        existing = {(syn.text(_block_parts(syn, b)[1][0]), syn.text(_block_parts(syn, b)[1][1])) for b in siblings if len(_block_parts(syn, b)[1]) == 2}
        missing = []
        for k in _missing_twins(syn, block, occ, siblings):
            quoted = f'"{name}_{SUFFIX[k]}"' if name_node.kind() == "string_lit" else f"{name}_{SUFFIX[k]}"
            if (rtype, quoted) not in existing:
                missing.append(k)
        # a twin written earlier under our naming scheme counts even if its body drifted since
        if not missing:
            return Outcome(RULE, None)
        bs, be = span(block)
        copies = []
        for k in missing:
            text = _copy(syn, block, occ, k)
            rel = ns - bs
            text = text[:rel] + f"{name}_{SUFFIX[k]}" + text[rel + (ne - ns) :]
            copies.append(text)
        indent = syn.indent_of_line(bs)
        ins = "".join("\n\n" + indent + c for c in copies)
        names = ", ".join(f"{name}_{SUFFIX[k]}" for k in missing)
        return outcome(RULE, REWRITTEN, f"Terraform grant resource {rtype}.{name}: added {names} for {', '.join(missing)}; the BROWSE_PROJECTS grant is kept", span(attr), [Edit(be, be, ins)])
    # a nested block (grant { ... } inside a resource)
    if kind == "content":
        return review(RULE, "`permission` in a dynamic block's content: add VIEW_PROJECTS and VIEW_ISSUES to the for_each collection instead", span(attr))
    siblings = [b for b in block.parent().named_children() if b.kind() == "block"]
    missing = _missing_twins(syn, block, occ, siblings)
    if not missing:
        return Outcome(RULE, None)
    bs, be = span(block)
    indent = syn.indent_of_line(bs)
    ins = "".join("\n" + indent + _copy(syn, block, occ, k) for k in missing)
    return outcome(RULE, REWRITTEN, f"nested `{kind}` grant block: added {', '.join(missing)} copies; the BROWSE_PROJECTS one is kept", span(attr), [Edit(be, be, ins)])


def _binding_names(syn: Syntax, seq) -> set[str]:
    """Names a list is reached through: the keys and variables above it and the functions that hold it."""
    names: set[str] = set()
    node = syn.mapping_of_container(seq.container)
    for _ in range(8):
        decl = syn.declaration_of(node)
        if decl is not None:
            text = syn.text(decl)
            head = re.split(r"=|:", text, maxsplit=1)[0]
            names.update(w for w in re.findall(r"[A-Za-z_$][\w$]*", head) if w not in GENERIC)
            break
        pair = syn.pair_of(node)
        if pair is not None:
            if pair.key and pair.key.lower() not in GENERIC:
                names.add(pair.key)
            node = syn.mapping_of_container(pair.container)
            continue
        outer = syn.seq_of(node)
        if outer is None:
            break
        node = syn.mapping_of_container(outer.container)
    scope = syn.scope_of(node)
    if scope != syn.root and scope.field("name") is not None:
        names.add(syn.text(scope.field("name")))
    return {n.lstrip("$") for n in names}


def _asserted(fx: FileCtx, seq) -> str | None:
    """Whether an assertion in the file reads this list (by a name it is reached through, or, in a test
    file, any assertion about permissions or grants): then expanding the fixture would break the test."""
    syn = fx.syn
    names = _binding_names(syn, seq)
    test_file = is_test_file(fx.path, fx.src)
    for a in syn.assertions():
        text = syn.text(a)
        for n in names:
            if re.search(rf"(?<![\w$]){re.escape(n)}(?![\w$])", text):
                return f"line {fx.line_of(span(a)[0])} reads {n}"
        if test_file and re.search(r"permission|grant", text, re.I):
            return f"line {fx.line_of(span(a)[0])} checks permissions"
    return None


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    if occ.key != OLD_KEY or occ.lit is None or not occ.whole:
        return None
    syn = fx.syn
    if syn.fam == "hcl":
        out = _hcl(occ, fx)
        if out is not None:
            return out
    pair = syn.pair_of(occ.lit)
    if pair is None or pair.key is None or pair.key.lower() != "permission":
        return None
    if syn.fam == "hcl" and pair.entry.kind() == "attribute":
        return None  # handled above (or not a grant)
    mapping = syn.mapping_of_container(pair.container)
    entries, _ = syn.entries(pair.container)
    keys = {(p.key or "").lower() for p in entries}
    seq = syn.seq_of(mapping)
    anchor = span(pair.entry)
    if seq is None:
        return review(
            RULE,
            "a single grant written by permission key (an API call per grant?): add VIEW_PROJECTS and VIEW_ISSUES "
            "grants next to it, e.g. once per key",
            anchor,
        )
    if keys & SERVER_KEYS:
        return review(
            RULE,
            "an exported grant with a server id: copies would carry the id; add VIEW_PROJECTS and VIEW_ISSUES "
            "grants without it (or use `migrate plan` on the site)",
            anchor,
        )
    if keys & OPERATION_KEYS:
        return review(RULE, "an operation on a grant (not a grant): copying it for the new keys may be wrong; change by hand", anchor)
    el = seq.elements[seq.index]
    missing = _missing_twins(syn, el, occ, list(seq.elements))
    if not missing:
        return Outcome(RULE, None)
    asserted = _asserted(fx, seq)
    if asserted is not None:
        return review(
            RULE,
            f"a grant list whose contents the same file asserts ({asserted}): adding VIEW_PROJECTS and VIEW_ISSUES "
            "grants would break that test. Add them and update the assertions together, by hand",
            anchor,
        )
    copies = [_copy(syn, el, occ, k) for k in missing]
    edit = syn.insertion_after(seq, seq.index, copies)
    return outcome(RULE, REWRITTEN, f"grant list: added {', '.join(missing)} grant(s) with the same holder; the BROWSE_PROJECTS grant is kept", anchor, [edit])
