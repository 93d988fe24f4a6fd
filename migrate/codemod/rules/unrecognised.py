"""The catch-all: BROWSE_PROJECTS somewhere no rule recognises. Never rewritten, always reported.

Before giving up, a string literal that holds JSON (a Java text block, a JS template, a Python string) is
parsed as JSON and the JSON rules run on it, with edits mapped back into the literal.
"""

from __future__ import annotations

import re

from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.model import OLD_KEY, Edit
from migrate.codemod.rules.common import is_prose, occ_anchor, review
from migrate.codemod.syntax import Syntax, span

RULE = "unrecognised"
PATH = re.compile(r"permissions?\s*(?:\.|/|\[\s*['\"]?|->)\s*BROWSE_PROJECTS", re.I)


def _embedded_json(occ: Occ, fx: FileCtx) -> list[Outcome] | None:
    if fx.embedded or fx.lang == "json":
        return None
    s, content = fx.syn.masked_content(occ.lit)
    if "\\" in content or not content.strip()[:1] in ("{", "["):
        return None
    # each interpolation becomes a unique number of the same length, so offsets line up and copies made by
    # the JSON rules can be mapped back to the original interpolation text
    tokens: dict[str, str] = {}

    def token(m: re.Match) -> str:
        n = len(m.group(0))
        t = "9" + str(len(tokens) + 1).zfill(n - 1) if n >= 2 else ""
        if len(t) != n or t in content:
            raise ValueError
        tokens[t] = fx.src[s + m.start() : s + m.end()]
        return t

    try:
        data = re.sub(r"\0+", token, content)
    except ValueError:
        return None
    if fx.analyse_embedded is None or Syntax("json", data).root.find(kind="ERROR") is not None:
        return None
    mapped = []
    for o in fx.analyse_embedded("json", data):
        edits = []
        for e in o.edits:
            text = e.text
            for t, orig in tokens.items():
                text = text.replace(t, orig)
            edits.append(Edit(e.start + s, e.end + s, text))
        a0, a1 = o.anchor
        mapped.append(Outcome(o.rule, o.classification, o.message + " (JSON inside a string literal)", (a0 + s, a1 + s), tuple(edits), o.context, o.flow))
    return mapped


def match_all(occ: Occ, fx: FileCtx) -> list[Outcome]:
    if occ.key != OLD_KEY:
        return []
    syn = fx.syn
    if occ.lit is None:
        return [review(RULE, "BROWSE_PROJECTS in code the codemod does not recognise", (occ.start, occ.end))]
    embedded = _embedded_json(occ, fx)
    if embedded:
        hits = [o for o in embedded if o.anchor[0] <= occ.start < o.anchor[1] or any(e.start <= occ.start <= e.end for e in o.edits)]
        return hits or embedded
    p = syn.climb(occ.lit).parent()
    if p is not None and p.kind() in ("switch_label", "switch_case", "case_clause", "expression_case", "when_condition", "case_pattern", "match_statement"):
        return [review(RULE, "a switch/case on BROWSE_PROJECTS: add cases for VIEW_PROJECTS and VIEW_ISSUES as the logic needs", span(p))]
    if occ.whole:
        return [review(RULE, "the key BROWSE_PROJECTS in a position the codemod does not recognise: check what it is used for", occ_anchor(occ))]
    start, content = syn.masked_content(occ.lit)
    i, j = occ.start - start, occ.end - start
    if PATH.search(content):
        return [review(RULE, "a path string reads BROWSE_PROJECTS from a permissions response (as data_get or a JSON path does): it must follow its request, VIEW_PROJECTS in project context, VIEW_PROJECTS and VIEW_ISSUES in issue context; change them together by hand", occ_anchor(occ))]
    if re.search(r"\w\s*\(", content):
        why = "an expression inside a string (Jira expression, JQL, script?) names BROWSE_PROJECTS"
    elif is_prose(content, i, j):
        # a message does not change what the program does, so it does not hold back the code beside it
        return [Outcome(RULE, "needs-review", "text (a message or label) names BROWSE_PROJECTS: update it if it describes the permission", occ_anchor(occ), flow=False)]
    else:
        why = "a string names BROWSE_PROJECTS among other data"
    return [review(RULE, f"{why}: update it if it describes or checks the permission", occ_anchor(occ))]
