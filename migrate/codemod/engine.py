"""The pure per-file rewrite: `rewrite(path_or_lang, source) -> Result(new_source, findings)`.

1. Find every occurrence of BROWSE_PROJECTS (the deprecated alias BROWSE, and other spellings) in the source.
2. Locate it in the syntax tree (ast-grep; a tokenizer for Groovy). Comments are never touched.
3. Ask the rule modules, in order, what the occurrence is. The first that recognises it returns an Outcome:
   a classification, a message saying why, and (for rewrites) edits to the literal(s) only.
4. Code that talks to Data Center is reported only; code that talks to both Cloud and Data Center is
   reviewed by hand (`target`).
5. Refuse overlapping edits (the later site becomes needs-review), then group the sites into change units
   (`units`): a unit with any site that is not a certain rewrite changes nothing. Apply the edits of the
   units left and turn outcomes into Findings, each message a complete sentence.
"""

from __future__ import annotations

from dataclasses import replace

from migrate.codemod import groovy, rules, target, units
from migrate.codemod.languages import language_of
from migrate.codemod.model import NEEDS_REVIEW, OLD_KEY, REPORT_ONLY, REWRITTEN, Edit, Finding, LineIndex, Result
from migrate.codemod.keys import NEW_OCC_RE, OCC_RE, VARIANT_HINT, mentions_key
from migrate.codemod.occurrence import FileCtx, Outcome, find_occurrences, find_variants
from migrate.codemod.syntax import Syntax


def rewrite(path_or_lang: str, source: str) -> Result:
    """Rewrite one file's source. Pure: no I/O. Raises ValueError for an unsupported language."""
    lang = language_of(path_or_lang)
    if lang is None:
        raise ValueError(f"unsupported language or file type: {path_or_lang!r}")
    path = path_or_lang if path_or_lang != lang else f"<{lang}>"
    if not mentions_key(source):
        return Result(lang, source, source, ())
    if lang == "groovy":
        outcomes = groovy.analyse(path, source)
        for o in outcomes:
            o.flow = o.flow and o.rule not in rules.STANDALONE
        ids = [0] * len(outcomes)  # a script is one unit
    else:
        fx = _file(path, lang, source)
        outcomes = _outcomes(fx)
        ids = units.unit_ids(fx.syn, path, [o.anchor[0] for o in outcomes], [o.links for o in outcomes]) if units.needed(outcomes) else []
    if outcomes:
        outcomes = _for_target(target.of_file(path, source), outcomes)
    return finish(path, lang, source, outcomes, ids)


def analyse(path: str, lang: str, source: str, *, embedded: bool = False) -> list[Outcome]:
    """The rules' outcomes for one source (before units and targets are applied)."""
    return _outcomes(_file(path, lang, source, embedded))


def _file(path: str, lang: str, source: str, embedded: bool = False) -> FileCtx:
    syn = Syntax(lang, source)
    fx = FileCtx(path, lang, source, syn, embedded=embedded, analyse_embedded=lambda lg, src: analyse(path, lg, src, embedded=True))
    fx.occs = find_occurrences(syn, OCC_RE) if "BROWSE" in source else []
    if "VIEW_" in source:
        fx.new_occs = find_occurrences(syn, NEW_OCC_RE)
    variants = find_variants(syn) if VARIANT_HINT in source else []
    fx.find_requests = rules.requests
    fx.variants = variants
    return fx


def _outcomes(fx: FileCtx) -> list[Outcome]:
    syn = fx.syn
    outcomes = []
    for occ in fx.occs + fx.variants:
        if syn.in_error(occ.leaf):
            if occ.key == OLD_KEY or occ.variant:
                outcomes.append(Outcome("unrecognised", NEEDS_REVIEW, f"{occ.key} in code the parser could not read (a syntax error?): check it by hand", (occ.start, occ.end)))
            continue
        outcomes.extend(rules.classify(occ, fx))
    return outcomes


def _for_target(t: target.Target, outcomes: list[Outcome]) -> list[Outcome]:
    """Data Center code is reported only (it has no new keys); code serving both needs a person."""
    if t.dc is None:
        return outcomes
    out = []
    for o in outcomes:
        if o.classification is None:
            out.append(o)
        elif t.cloud is None:
            out.append(replace(o, classification=REPORT_ONLY, edits=(), message=f"Data Center code ({t.dc}): Data Center has no VIEW_PROJECTS or VIEW_ISSUES keys, so nothing changes here. Reported only; the site would otherwise be: {units.sentence(o.message)}"))
        elif o.classification == REWRITTEN:
            out.append(replace(o, classification=NEEDS_REVIEW, edits=(), message=f"{units.sentence(o.message)} Not rewritten: this file talks to Data Center ({t.dc}) and {t.cloud}; Data Center has no new keys, so change only the Cloud code path, by hand."))
        else:
            out.append(o)
    return out


# ----------------------------------------------------------------------------- merging and applying


def finish(path: str, lang: str, source: str, outcomes: list[Outcome], ids: list[int] | None = None) -> Result:
    ids = ids if ids is not None and len(ids) == len(outcomes) else [0] * len(outcomes)
    merged = _merge(list(zip(outcomes, ids)))
    order = sorted(range(len(merged)), key=lambda i: (merged[i][0].anchor, merged[i][0].rule))
    outs = [merged[i][0] for i in order]
    uids = [merged[i][1] for i in order]
    accepted: list[Edit] = []
    for k, out in enumerate(outs):
        if out.classification != REWRITTEN or not out.edits:
            continue
        if any(_overlaps(e, a) for e in out.edits for a in accepted):
            outs[k] = replace(out, classification=NEEDS_REVIEW, edits=(), message=units.sentence(out.message) + " Not rewritten: it overlaps another change in this file; run the codemod again after this pass.")
        else:
            accepted.extend(e for e in out.edits if e not in accepted)
    lines = LineIndex(source)
    outs = units.resolve(outs, uids, lambda off: lines.pos(off)[0])
    final = [o for o in outs if o.classification is not None]
    edits: list[Edit] = []
    for o in final:
        if o.classification == REWRITTEN:
            edits.extend(e for e in o.edits if e not in edits)
    new_source = apply_edits(source, edits)
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


def _merge(items: list[tuple[Outcome, int]]) -> list[tuple[Outcome, int]]:
    """One finding per site: outcomes with the same rule and anchor (or the same edits) are one."""
    seen: dict[tuple, tuple[Outcome, int]] = {}
    for o, uid in items:
        key = (o.rule, o.classification, tuple(sorted((e.start, e.end, e.text) for e in o.edits)) if o.edits else o.anchor)
        if key not in seen:
            seen[key] = (o, uid)
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
        message=units.sentence(o.message),
        original=source[lo:hi],
        replacement=replacement,
        context=o.context,
        edits=tuple(o.edits),
    )
