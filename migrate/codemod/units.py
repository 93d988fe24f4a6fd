"""Change units: the sites one request/response flow touches change together or not at all.

A permission request, the code that reads its response, a helper it passes the response to, the constant
holding a key, a filter over the check result, a mocked response and an assertion in the same test file are
one unit. A unit is rewritten only when every member is a certain rewrite (or already migrated); otherwise no
member changes and every member says which other lines belong to it.

Units are built from scopes: each top-level function or method (with everything nested in it) and each
top-level statement is a scope. Two scopes are linked when one names something the other defines (a
function, a method, a constant, a variable, a type), so a request in one function and a helper in another
that reads its response end up in one unit. A test file (or any file whose tests sit beside the code) is one
unit as a whole: mocks, fixtures and assertions are set up anywhere in it. Data files (JSON, YAML, HCL) and
Groovy scripts are one unit each.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ast_grep_py import SgNode

from migrate.codemod.languages import is_test_file
from migrate.codemod.model import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN
from migrate.codemod.occurrence import Outcome
from migrate.codemod.syntax import FUNCTION_KINDS, Syntax, span

IDENT_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# Nodes that only hold declarations: their members are scopes of their own.
CONTAINER_RE = re.compile(
    r"^(program|module|source_file|document|stream|config_file|body|class_body|declaration_list|enum_body|"
    r"interface_body|object_body|class_declaration|class_definition|interface_declaration|object_declaration|"
    r"companion_object|enum_declaration|enum_class_body|namespace_definition|compound_statement|block|"
    r"decorated_definition|export_statement|trait_declaration|record_declaration|package_clause|statement_block|"
    r"class|abstract_class_declaration|internal_module|ambient_declaration|php_tag|text)$"
)
# Names a top-level statement defines (the declarator nodes and their name fields).
DECLARATORS = {
    "variable_declarator": "name",
    "const_spec": "name",
    "var_spec": "name",
    "type_spec": "name",
    "type_alias_declaration": "name",
    "interface_declaration": "name",
    "enum_declaration": "name",
    "class_declaration": "name",
    "class_definition": "name",
    "const_element": None,
    "property_element": None,
    "enum_assignment": "name",
    "assignment": "left",
    "short_var_declaration": "left",
    "property_declaration": None,
    "object_declaration": None,
}
# Statements that only export names: they carry no data from one function to another.
EXPORT_RE = re.compile(r"^\s*(?:module\.exports\s*=|exports\.\w+\s*=|export\s*(?:\{|\*|default\s+[A-Za-z_$][\w$]*\s*;?\s*$)|__all__\s*=)")
class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def scopes(syn: Syntax) -> list[SgNode]:
    """Top-level functions and methods, and top-level statements, in source order."""
    kinds = FUNCTION_KINDS[syn.fam]
    out: list[SgNode] = []

    def walk(node: SgNode) -> None:
        for c in node.named_children():
            if syn.is_comment(c):
                continue
            if node.kind() == "export_statement" and c.kind() not in kinds and "declaration" not in c.kind():
                continue  # `export { a, b }`, `export default a`: names only, no data between functions
            if c.kind() in kinds:
                out.append(c)
            elif CONTAINER_RE.match(c.kind()):
                walk(c)
            else:
                out.append(c)

    walk(syn.root)
    return out


def _function_names(syn: Syntax, fn: SgNode) -> set[str]:
    names = set()
    name = fn.field("name")
    if name is not None:
        names.add(syn.text(name))
    p = fn.parent()
    if p is not None:
        if p.kind() == "variable_declarator" and p.field("name") is not None:
            names.add(syn.text(p.field("name")))
        elif p.kind() == "pair" and p.field("key") is not None:
            names.add(syn.text(p.field("key")).strip("'\""))
        elif p.kind() == "assignment_expression" and p.field("left") is not None:
            left = syn.text(p.field("left"))
            names.add(left.split(".")[-1])
    if syn.fam == "kotlin":
        for c in fn.named_children():
            if c.kind() == "simple_identifier":
                names.add(syn.text(c))
                break
    return {n for n in names if IDENT_RE.fullmatch(n)}


def _statement_names(syn: Syntax, stmt: SgNode) -> set[str]:
    """Names a top-level statement declares: its own declarators and those one or two levels down (a
    `const a = ..., b = ...`, a Go `const (...)` block, a Java field), without walking the whole statement."""
    names: set[str] = set()
    level = [stmt]
    for _ in range(3):
        nxt = []
        for n in level:
            k = n.kind()
            if k in DECLARATORS:
                _declared(syn, n, DECLARATORS[k], names)
            nxt.extend(c for c in n.named_children() if not syn.is_comment(c))
        level = nxt
    return names


def _declared(syn: Syntax, n: SgNode, fld: str | None, names: set[str]) -> None:
    target = n.field(fld) if fld else None
    if target is None:
        target = next((c for c in n.named_children() if "identifier" in c.kind() or c.kind() in ("name", "variable_name", "variable_declaration")), None)
    if target is None:
        return
    for m in IDENT_RE.finditer(syn.text(target)):
        names.add(m.group(0).lstrip("$"))
        if fld == "left":
            break  # `a.b = ...` defines nothing new; `a = ...` defines a


def needed(outcomes: list[Outcome]) -> bool:
    """Whether units can change anything: two or more flow sites, not all of them certain rewrites."""
    flow = [o for o in outcomes if o.flow and o.classification is not None]
    return len(flow) > 1 and any(o.classification != REWRITTEN for o in flow)


def unit_ids(syn: Syntax, path: str, anchors: list[int], links: list[tuple[int, ...]] | None = None) -> list[int]:
    """For each anchor offset, the id of its unit (equal ids: one unit). `links[i]` are offsets the site at
    anchors[i] is bound to whatever the names say (a response read and the requests it pairs with)."""
    if syn.fam in ("json", "yaml", "hcl") or is_test_file(path, syn.src):
        return [0] * len(anchors)
    sc = scopes(syn)
    if not sc:
        return [0] * len(anchors)
    spans = [span(s) for s in sc]
    kinds = FUNCTION_KINDS[syn.fam]
    defines: dict[str, set[int]] = {}
    refs: list[set[str]] = []
    exports: list[bool] = []
    texts = [syn.text(s) for s in sc]
    is_fn = [s.kind() in kinds for s in sc]
    fn_text = "\n".join(t for t, f in zip(texts, is_fn) if f)
    for i, s in enumerate(sc):
        names = _function_names(syn, s) if is_fn[i] else _statement_names(syn, s)
        if not is_fn[i] and not any(spans[i][0] <= a < spans[i][1] for a in anchors):
            # a plain module-level constant or import (BASE_URL, a logger) carries no data between the
            # functions that read it; module state that functions assign or mutate does
            names = {n for n in names if _mutated(n, fn_text)}
        for n in names:
            defines.setdefault(n, set()).add(i)
        refs.append(set(IDENT_RE.findall(texts[i])))
        exports.append(bool(EXPORT_RE.match(texts[i])))
    uf = _UnionFind(len(sc))
    for i, r in enumerate(refs):
        if exports[i]:
            continue
        for name in r:
            for j in defines.get(name, ()):
                if j != i:
                    uf.union(i, j)
    def scope_at(a: int) -> int | None:
        return next((i for i, (s, e) in enumerate(spans) if s <= a < e), None)

    for a, bound in zip(anchors, links or [()] * len(anchors)):
        i = scope_at(a)
        for b in bound:
            j = scope_at(b)
            if i is not None and j is not None:
                uf.union(i, j)
    out = []
    for a in anchors:
        k = scope_at(a)
        out.append(uf.find(k) if k is not None else -1 - a)  # outside every scope: a unit of its own
    return out


def _mutated(name: str, text: str) -> bool:
    n = re.escape(name)
    # `perms = ...`, `this.perms = ...`, `self.perms[k] = ...`, `$this->perms = ...`, `perms.push(...)`, `global perms`
    return bool(
        re.search(
            rf"(?:(?<![.\w$])|(?<=\bthis\.)|(?<=\bself\.)|(?<=\$this->)){n}\s*(?:=(?!=)|\+=|\.(?:push|append|extend|update|set|put|add|setdefault|splice)\s*\(|\[[^\]]*\]\s*=(?!=))|\bglobal\s+{n}\b",
            text,
        )
    )


def resolve(outcomes: list[Outcome], ids: list[int], line_of) -> list[Outcome]:
    """Apply the unit rule: a unit whose flow members are not all certain changes nothing."""
    groups: dict[int, list[int]] = {}
    for i, (o, uid) in enumerate(zip(outcomes, ids)):
        if o.flow and o.classification is not None:
            groups.setdefault(uid, []).append(i)
    out = list(outcomes)
    for members in groups.values():
        lines = sorted({line_of(outcomes[i].anchor[0]) for i in members})
        stuck = [i for i in members if outcomes[i].classification != REWRITTEN]
        if not stuck:
            continue
        stuck_lines = sorted({line_of(outcomes[i].anchor[0]) for i in stuck})
        for i in members:
            o = outcomes[i]
            own = line_of(o.anchor[0])
            others = [n for n in lines if n != own]
            if o.classification == REWRITTEN:
                blockers = [n for n in stuck_lines if n != own]
                msg = (
                    f"{sentence(o.message)} Not rewritten: it changes together with {_lines(others)}, and "
                    f"{_lines(blockers)} cannot be rewritten with certainty; change them together by hand."
                )
                out[i] = replace(o, classification=NEEDS_REVIEW, message=msg, edits=())
            elif others and o.classification in (NEEDS_REVIEW, REPORT_ONLY):
                out[i] = replace(o, message=f"{sentence(o.message)} It changes together with {_lines(others)}.")
    return out


def _lines(ns: list[int]) -> str:
    if not ns:
        return "no other line"
    if len(ns) == 1:
        return f"line {ns[0]}"
    return "lines " + ", ".join(str(n) for n in ns[:-1]) + f" and {ns[-1]}"


def sentence(msg: str) -> str:
    msg = msg.strip()
    if not msg:
        return msg
    msg = msg[0].upper() + msg[1:]
    return msg if msg.endswith((".", "!", "?")) else msg + "."
