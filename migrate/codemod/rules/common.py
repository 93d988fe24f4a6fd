"""Pieces the rule modules share: key lists in text (URL query values, comma lists), string joining across
concatenations, and small outcome builders."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ast_grep_py import SgNode

from migrate.codemod.context import Context, issue_data_hint
from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.model import ISSUE, NEEDS_REVIEW, NEW_KEYS, OLD_ALIAS, OLD_KEY, PROJECT, REWRITTEN, VIEW_ISSUES, VIEW_PROJECTS, Edit, keys_for
from migrate.codemod.syntax import Syntax, span

OLD_KEYS = (OLD_KEY, OLD_ALIAS)
CONCAT_KINDS = {"binary_expression", "binary_operator", "concatenated_string", "additive_expression", "parenthesized_expression"}
CONCAT_OPS = {"+", "."}
SEP_RE = re.compile(r",|%2[cC]")
QUERY_LIST_RE = re.compile(r"(?:(?<=[?&\0])|^)permissions=([^&#\s\0'\"`]*)")


@dataclass
class Item:
    key: str
    start: int | None  # source span; None when the item spans two literals
    end: int | None


@dataclass
class KeyList:
    items: list[Item]
    seps: list[tuple[int | None, int | None]]  # source span of the separator before item i (i >= 1)
    sep: str  # the list's separator style: "," or "%2C"/"%2c"
    where: tuple[int, int]  # source span of the whole expression holding the list

    def keys(self) -> list[str]:
        return [i.key for i in self.items]


def outcome(rule: str, cls: str, message: str, anchor, edits=(), context=None) -> Outcome:
    return Outcome(rule, cls, message, anchor, tuple(edits), context)


def review(rule: str, message: str, anchor) -> Outcome:
    return Outcome(rule, NEEDS_REVIEW, message, anchor)


def occ_anchor(occ: Occ) -> tuple[int, int]:
    return span(occ.lit) if occ.lit is not None else (occ.start, occ.end)


# ------------------------------------------------------------------ concatenated strings


def is_concat(syn: Syntax, n: SgNode) -> bool:
    k = n.kind()
    if k not in CONCAT_KINDS:
        return False
    if k in ("concatenated_string", "parenthesized_expression"):
        return True
    return any(syn.text(c) in CONCAT_OPS for c in n.children() if not c.is_named())


def concat_root(syn: Syntax, lit: SgNode) -> SgNode:
    n = lit
    if syn.fam == "python" and n.parent() is not None and n.parent().kind() == "concatenated_string":
        n = n.parent()
    while True:
        p = n.parent()
        if p is None or not is_concat(syn, p):
            return n
        n = p


def joined_text(syn: Syntax, root: SgNode) -> tuple[str, list[tuple[int, int, int]]]:
    """The literal text of a concatenation, non-literal operands as NUL; segments map back to the source."""
    parts: list[str] = []
    segs: list[tuple[int, int, int]] = []
    pos = 0

    def walk(n: SgNode) -> None:
        nonlocal pos
        if n.kind() in syn._strings:
            s, text = syn.masked_content(n)
            segs.append((pos, pos + len(text), s))
            parts.append(text)
            pos += len(text)
        elif is_concat(syn, n):
            for c in n.named_children():
                if not syn.is_comment(c):
                    walk(c)
        else:
            parts.append("\0")
            pos += 1

    walk(root)
    return "".join(parts), segs


def to_source(segs: list[tuple[int, int, int]], j0: int, j1: int) -> tuple[int | None, int | None]:
    for a, b, s in segs:
        if a <= j0 and j1 <= b:
            return s + (j0 - a), s + (j1 - a)
    return None, None


def parse_list(text: str, j0: int, j1: int, segs, where) -> KeyList:
    items: list[Item] = []
    seps: list[tuple[int | None, int | None]] = []
    style = None
    pos = j0
    for m in SEP_RE.finditer(text, j0, j1):
        s, e = to_source(segs, pos, m.start())
        items.append(Item(text[pos : m.start()], s, e))
        seps.append(to_source(segs, m.start(), m.end()))
        style = style or m.group(0)
        pos = m.end()
    s, e = to_source(segs, pos, j1)
    items.append(Item(text[pos:j1], s, e))
    return KeyList(items, seps, style or ",", where)


def url_lists(syn: Syntax, lit: SgNode) -> tuple[SgNode, str, list[KeyList]]:
    root = concat_root(syn, lit)
    text, segs = joined_text(syn, root)
    lists = []
    for m in QUERY_LIST_RE.finditer(text):
        lists.append(parse_list(text, m.start(1), m.end(1), segs, span(root)))
    return root, text, lists


def literal_list(syn: Syntax, lit: SgNode) -> KeyList:
    """A literal whose whole content is a comma list of keys ("BROWSE_PROJECTS,EDIT_ISSUES")."""
    s, text = syn.masked_content(lit)
    return parse_list(text, 0, len(text), [(0, len(text), s)], span(lit))


def item_of(kl: KeyList, occ: Occ) -> int | None:
    for i, it in enumerate(kl.items):
        if it.start == occ.start and it.end == occ.end:
            return i
    return None


def list_context_from_new_keys(keys: list[str]) -> str | None:
    if VIEW_ISSUES in keys:
        return ISSUE
    if VIEW_PROJECTS in keys:
        return PROJECT
    return None


def rewrite_list(rule: str, kl: KeyList, ctx: Context, anchor, what: str) -> Outcome:
    """Rewrite a key list (URL query value or comma list) for a context; idempotent."""
    keys = kl.keys()
    needed = keys_for(ctx.value)
    old = " and ".join(dict.fromkeys(k for k in keys if k in OLD_KEYS)) or OLD_KEY
    present_new = [k for k in keys if k in NEW_KEYS]
    if present_new:
        if all(k in keys for k in needed):
            return Outcome(rule, None)  # already names the new keys next to the old one: leave alone
        return review(
            rule,
            f"{what} already names {', '.join(present_new)} next to {old} but {ctx.why} needs "
            f"{' and '.join(needed)}: finish it by hand",
            anchor,
        )
    edits: list[Edit] = []
    first = True
    for i, it in enumerate(kl.items):
        if it.key not in OLD_KEYS:
            continue
        if it.start is None:
            return review(rule, f"{what}: a key is split across string pieces; rewrite by hand", anchor)
        if first:
            edits.append(Edit(it.start, it.end, kl.sep.join(needed)))
            first = False
        else:  # a second old key (BROWSE_PROJECTS and BROWSE): drop it with its separator
            ss, _ = kl.seps[i - 1]
            if ss is None:
                return review(rule, f"{what}: names BROWSE_PROJECTS twice across string pieces; rewrite by hand", anchor)
            edits.append(Edit(ss, it.end, ""))
    new = " + ".join(needed)
    return outcome(rule, REWRITTEN, f"{what} in {ctx.value} context ({ctx.why}): {old} -> {new}", anchor, edits, ctx.value)


def scope_texts(fx: FileCtx, scope: SgNode) -> list[str]:
    out = []
    for lit in fx.syn.literals_in(scope):
        out.append(fx.syn.masked_content(lit)[1])
    return out


def guard_check(fx: FileCtx, node: SgNode, ctx: Context, rule: str, anchor, what: str) -> Outcome | None:
    """A project-context check in a function that also reads issue data: needs review, never a rewrite."""
    if ctx.value != PROJECT:
        return None
    scope = fx.syn.scope_of(node)
    hint = issue_data_hint(scope_texts(fx, scope))
    if hint is None:
        return None
    return review(
        rule,
        f"{what} is a project-context check ({ctx.why}), but the same {'function' if scope != fx.syn.root else 'file'} "
        f"reads issue data ({hint!r}): after the split VIEW_PROJECTS no longer implies seeing issues. Decide whether "
        "this check should require VIEW_ISSUES too",
        anchor,
    )


PROSE_EDGE = re.compile(r"[\s,;:!?]")


def is_prose(content: str, start: int, end: int) -> bool:
    """Whether a key sits in running text (a log or error message) rather than in data or an expression:
    the text has words around it and the key stands between spaces or sentence punctuation, not in a path
    (`permissions.BROWSE_PROJECTS`), a call (`hasPermission('BROWSE_PROJECTS')`) or a list."""
    if not re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", content):
        return False
    before = content[start - 1] if start > 0 else " "
    after = content[end] if end < len(content) else " "
    if after == "." and (end + 1 >= len(content) or content[end + 1].isspace()):
        after = " "
    return bool(PROSE_EDGE.match(before) and PROSE_EDGE.match(after)) and "(" not in content[max(0, start - 2) : start]
