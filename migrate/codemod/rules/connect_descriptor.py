"""Connect descriptor conditions (atlassian-connect.json, or the same object in JS/TS).

    {"condition": "has_project_permission", "params": {"permission": "BROWSE_PROJECTS"}}
        -> "permission": "VIEW_PROJECTS"
    {"condition": "has_issue_permission", "params": {"permission": "BROWSE_PROJECTS"}}
        -> {"and": [{... "VIEW_PROJECTS" ...}, {... "VIEW_ISSUES" ...}]}   (Connect composite condition)

An inverted has_issue_permission (NOT (a AND b) is not expressible per condition) needs review. The
deprecated alias BROWSE is treated like BROWSE_PROJECTS here.
"""

from __future__ import annotations

import re

from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.model import REWRITTEN, VIEW_ISSUES, VIEW_PROJECTS, Edit
from migrate.codemod.rules.common import outcome, review
from migrate.codemod.syntax import span

RULE = "connect-condition"


def _condition(occ: Occ, fx: FileCtx):
    """(kind, condition entries by key) when the key is the `permission` param of a Connect
    has_project_permission / has_issue_permission condition; else None."""
    if occ.lit is None or not occ.whole:
        return None
    syn = fx.syn
    pair = syn.pair_of(occ.lit)
    if pair is None or (pair.key or "").lower() != "permission":
        return None
    params = syn.pair_of(syn.mapping_of_container(pair.container))
    if params is None or (params.key or "").lower() != "params":
        return None
    entries, _ = syn.entries(params.container)
    by_key = {(p.key or "").lower(): p for p in entries}
    cond = by_key.get("condition")
    kind = (syn.plain_value(cond.value) or "").lower() if cond is not None else ""
    if kind not in ("has_project_permission", "has_issue_permission"):
        return None
    return kind, by_key


def condition_kind(occ: Occ, fx: FileCtx) -> str | None:
    found = _condition(occ, fx)
    return found[0] if found is not None else None


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    if occ.lit is None or not occ.whole:
        return None
    syn = fx.syn
    pair = syn.pair_of(occ.lit)
    if pair is None or (pair.key or "").lower() != "permission":
        return None
    params = syn.pair_of(syn.mapping_of_container(pair.container))
    if params is None or (params.key or "").lower() != "params":
        return None
    cond_container = params.container
    entries, _ = syn.entries(cond_container)
    by_key = {(p.key or "").lower(): p for p in entries}
    cond = by_key.get("condition")
    kind = (syn.plain_value(cond.value) or "").lower() if cond is not None else ""
    if kind not in ("has_project_permission", "has_issue_permission"):
        return None
    cond_node = syn.mapping_of_container(cond_container)
    anchor = span(cond_node)
    if kind == "has_project_permission":
        return outcome(RULE, REWRITTEN, f"Connect condition has_project_permission: {occ.key} -> VIEW_PROJECTS", span(pair.entry), [Edit(occ.start, occ.end, VIEW_PROJECTS)], "project")
    invert = by_key.get("invert")
    if invert is not None and syn.text(invert.value).strip().strip("\"'").lower() == "true":
        return review(RULE, "inverted has_issue_permission: NOT (VIEW_PROJECTS AND VIEW_ISSUES) needs an `or` of two inverted conditions; rewrite by hand", anchor)
    if syn.fam not in ("json", "js"):
        return review(RULE, "has_issue_permission needs both VIEW_PROJECTS and VIEW_ISSUES (an `and` composite condition); rewrite by hand", anchor)
    s, e = anchor
    text = syn.src[s:e]
    i, j = occ.start - s, occ.end - s
    a = text[:i] + VIEW_PROJECTS + text[j:]
    b = text[:i] + VIEW_ISSUES + text[j:]
    key_text = syn.text(cond.key_node) if cond.key_node is not None else '"condition"'
    q = key_text[0] if key_text[:1] in "\"'" else ""
    and_key = f"{q}and{q}"
    if "\n" not in text:
        new = "{" + f"{and_key}: [{a}, {b}]" + "}"
    else:
        base = syn.indent_of_line(s)
        m = re.search(r"\n([ \t]*)\S", text)
        unit = m.group(1)[len(base) :] if m and m.group(1).startswith(base) and len(m.group(1)) > len(base) else "  "

        def reindent(t: str) -> str:
            return t.replace("\n", "\n" + unit + unit)

        new = (
            "{\n"
            + f"{base}{unit}{and_key}: [\n"
            + f"{base}{unit}{unit}{reindent(a)},\n"
            + f"{base}{unit}{unit}{reindent(b)}\n"
            + f"{base}{unit}]\n"
            + f"{base}" + "}"
        )
    return outcome(RULE, REWRITTEN, "Connect condition has_issue_permission: now an `and` of VIEW_PROJECTS and VIEW_ISSUES", anchor, [Edit(s, e, new)], "issue")
