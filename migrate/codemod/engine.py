"""The pure per-file rewrite: `rewrite(path_or_lang, source) -> Result(new_source, findings)`.

1. Find every occurrence of BROWSE_PROJECTS (and the deprecated alias BROWSE) in the source.
2. Locate it in the syntax tree (ast-grep; a tokenizer for Groovy). Comments are never touched.
3. Ask the rule modules, in order, what the occurrence is. The first that recognises it returns an Outcome:
   a classification, a message saying why, and (for rewrites) edits to the literal(s) only.
4. Merge outcomes (identical edits from two occurrences of one list are one change), refuse overlapping
   edits (the later site becomes needs-review), apply the edits, and turn outcomes into Findings.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property

from ast_grep_py import SgNode

from migrate.codemod.languages import language_of
from migrate.codemod.model import NEEDS_REVIEW, OLD_KEY, Edit, Finding, Result
from migrate.codemod.syntax import Syntax

# An occurrence of a key: not inside a longer identifier; `%2C` before it still counts (encoded comma lists).
OCC_RE = re.compile(r"(?:(?<![A-Za-z0-9_$])|(?<=%2[cC]))(BROWSE_PROJECTS|BROWSE)(?![A-Za-z0-9_])")
NEW_OCC_RE = re.compile(r"(?:(?<![A-Za-z0-9_$])|(?<=%2[cC]))(VIEW_PROJECTS|VIEW_ISSUES)(?![A-Za-z0-9_])")


@dataclass
class Occ:
    start: int
    end: int
    key: str  # BROWSE_PROJECTS | BROWSE | VIEW_PROJECTS | VIEW_ISSUES
    leaf: SgNode
    lit: SgNode | None  # the string literal holding it, if any
    whole: bool = False  # the literal's content is exactly the key (a key literal, not text containing it)

    @property
    def ident(self) -> bool:
        return self.lit is None


@dataclass
class Outcome:
    rule: str
    classification: str | None  # None: recognised and already migrated (no finding)
    message: str = ""
    anchor: tuple[int, int] = (0, 0)
    edits: tuple[Edit, ...] = ()
    context: str | None = None


@dataclass(frozen=True)
class RequestSite:
    """A permission request (check) found in the file, with its statically known context (or None)."""

    span: tuple[int, int]
    scope: tuple[int, int]
    context: str | None
    body: bool = False  # a POST /permissions/check style body (its response is a list of {permission, ...})
    why: str = ""  # why the context is unknown (when it is)


@dataclass
class FileCtx:
    path: str
    lang: str
    src: str
    syn: Syntax
    occs: list[Occ] = field(default_factory=list)
    new_occs: list[Occ] = field(default_factory=list)
    embedded: bool = False

    @cached_property
    def imports_dc_api(self) -> bool:
        return bool(re.search(r"^\s*import\s+(?:static\s+)?com\.atlassian\.jira\.", self.src, re.M))

    @cached_property
    def blocked_requests(self) -> dict[tuple[int, int], str]:
        """Requests whose paired response reads cannot be rewritten: span -> why (they stay as they are)."""
        from migrate.codemod.rules.response_read import blocked_requests

        return blocked_requests(self)

    @cached_property
    def requests(self) -> list[RequestSite]:
        """Every permission request in the file (old keys and already-migrated ones), for pairing reads."""
        from migrate.codemod.rules import request_site

        out: dict[tuple[int, int], RequestSite] = {}
        for occ in self.occs + self.new_occs:
            site = request_site(occ, self)
            if site is not None and site.span not in out:
                out[site.span] = site
        return list(out.values())


def find_occurrences(syn: Syntax, regex: re.Pattern) -> list[Occ]:
    out = []
    src = syn.src
    for m in regex.finditer(src):
        s, e = m.span(1)
        leaf = syn.node_at(s, e)
        if syn.is_comment(leaf) or any(syn.is_comment(a) for a in leaf.ancestors()):
            continue
        lit = syn.literal_of(leaf)
        if lit is not None and syn.is_docstring(lit):
            continue
        occ = Occ(s, e, m.group(1), leaf, lit)
        if lit is not None:
            cs, ce = syn.content_span(lit)
            occ.whole = (cs, ce) == (s, e)
        out.append(occ)
    return out


def rewrite(path_or_lang: str, source: str) -> Result:
    """Rewrite one file's source. Pure: no I/O. Raises ValueError for an unsupported language."""
    lang = language_of(path_or_lang)
    if lang is None:
        raise ValueError(f"unsupported language or file type: {path_or_lang!r}")
    path = path_or_lang if path_or_lang != lang else f"<{lang}>"
    if "BROWSE" not in source:
        return Result(lang, source, source, ())
    if lang == "groovy":
        from migrate.codemod import groovy

        outcomes = groovy.analyse(path, source)
    else:
        outcomes = analyse(path, lang, source)
    return finish(path, lang, source, outcomes)


def analyse(path: str, lang: str, source: str, *, embedded: bool = False) -> list[Outcome]:
    from migrate.codemod.rules import classify

    syn = Syntax(lang, source)
    fx = FileCtx(path, lang, source, syn, embedded=embedded)
    fx.occs = find_occurrences(syn, OCC_RE)
    if "VIEW_" in source:
        fx.new_occs = find_occurrences(syn, NEW_OCC_RE)
    outcomes = []
    for occ in fx.occs:
        if syn.in_error(occ.leaf):
            if occ.key == OLD_KEY:
                outcomes.append(Outcome("unrecognised", NEEDS_REVIEW, "BROWSE_PROJECTS in code the parser could not read (syntax error?): check by hand", (occ.start, occ.end)))
            continue
        outcomes.extend(classify(occ, fx))
    return outcomes


# ----------------------------------------------------------------------------- merging and applying


def finish(path: str, lang: str, source: str, outcomes: list[Outcome]) -> Result:
    outcomes = _merge(outcomes)
    accepted: list[Edit] = []
    final: list[Outcome] = []
    for out in sorted(outcomes, key=lambda o: (o.anchor, o.rule)):
        if out.classification is None:
            continue
        if out.edits:
            clash = [e for e in out.edits if any(_overlaps(e, a) for a in accepted)]
            if clash:
                out = Outcome(
                    out.rule,
                    NEEDS_REVIEW,
                    out.message + " (not rewritten: overlaps another change in this file; run again after this pass)",
                    out.anchor,
                    (),
                    out.context,
                )
            else:
                accepted.extend(e for e in out.edits if e not in accepted)
        final.append(out)
    new_source = apply_edits(source, accepted)
    lines = LineIndex(source)
    findings = tuple(_finding(path, lang, source, lines, o) for o in final)
    findings = tuple(sorted(findings, key=lambda f: (f.line, f.column, f.rule)))
    return Result(lang, source, new_source, findings)


def _overlaps(a: Edit, b: Edit) -> bool:
    if a == b:
        return False
    if a.start == a.end and b.start == b.end:
        return a.start == b.start  # two insertions at one point: order would be arbitrary
    if a.start == a.end:
        return b.start < a.start < b.end
    if b.start == b.end:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _merge(outcomes: list[Outcome]) -> list[Outcome]:
    """One finding per site: outcomes with the same rule and anchor (or the same edits) are one."""
    seen: dict[tuple, Outcome] = {}
    for o in outcomes:
        key = (o.rule, o.classification, tuple(sorted((e.start, e.end, e.text) for e in o.edits)) if o.edits else o.anchor)
        if key not in seen:
            seen[key] = o
    return list(seen.values())


def apply_edits(source: str, edits: list[Edit]) -> str:
    if not edits:
        return source
    out = []
    pos = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(source[pos : e.start])
        out.append(e.text)
        pos = e.end
    out.append(source[pos:])
    return "".join(out)


class LineIndex:
    def __init__(self, source: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def pos(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1


def _finding(path: str, lang: str, source: str, lines: LineIndex, o: Outcome) -> Finding:
    """A finding located at its site (the anchor); its snippets cover the site and every edit."""
    s, e = o.anchor
    line, col = lines.pos(s)
    eline, ecol = lines.pos(e)
    lo, hi = s, e
    replacement = None
    if o.edits:
        lo = min([s] + [x.start for x in o.edits])
        hi = max([e] + [x.end for x in o.edits])
        if any("\n" in x.text for x in o.edits):  # a change that adds lines reads better as whole lines
            lo = source.rfind("\n", 0, lo) + 1
            nl = source.find("\n", hi)
            hi = len(source) if nl < 0 else nl
        replacement = apply_edits(source[lo:hi], [Edit(x.start - lo, x.end - lo, x.text) for x in o.edits])
    return Finding(
        file=path,
        line=line,
        column=col,
        end_line=eline,
        end_column=ecol,
        language=lang,
        rule=o.rule,
        classification=o.classification or NEEDS_REVIEW,
        message=o.message,
        original=source[lo:hi],
        replacement=replacement,
        context=o.context,
        edits=tuple(o.edits),
    )
