"""Shared checks over the per-rule tables (tests/codemod/rules/test_<rule>.py), after pyupgrade's feature tests.

Each rule file declares three tables and hands them to `tables(...)`, which returns the test functions:

- REWRITES: (language or file name, source, expected source, rules of the rewritten sites). The source is
  rewritten to exactly `expected`, the rule under test is among those that rewrote, every rewritten site
  carries its replacement, and a second run on `expected` changes nothing and reports only what the first
  run left for review. ALIAS_OF names rows that, with the alias BROWSE for BROWSE_PROJECTS, give the same.
- NOT_REWRITTEN: (language, source, [(line, rule, classification, message fragment)]). Exactly those
  findings, in order; the source unchanged unless a finding is `rewritten`; the rule under test fired.
- NO_CHANGE: (language, source). No change and no finding at all.

Every message is a complete sentence.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from migrate.codemod import REWRITTEN, rewrite

SENTENCE = re.compile(r"^[A-Z`\"'(].*[.]$", re.S)


def d(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


def _params(rows: list) -> list:
    return [r if hasattr(r, "values") else pytest.param(*r) for r in rows]


def _alias(rows: list, alias_of: set[str]) -> list:
    out = []
    for r in rows:
        if r.id in alias_of:
            lang, src, expected, rules = r.values
            out.append(pytest.param(lang, src.replace("BROWSE_PROJECTS", "BROWSE"), expected, rules, id=f"alias-{r.id}"))
    assert len(out) == len(alias_of), "ALIAS_OF names a row that is not in REWRITES"
    return out


def assert_sentences(findings) -> None:
    for f in findings:
        assert SENTENCE.match(f.message), f"not a complete sentence: {f.message!r}"


def check_rewrite(rule: str, lang: str, source: str, expected: str, rules: set[str]) -> None:
    res = rewrite(lang, source)
    assert res.new_source == expected, "\n" + res.new_source + "\n" + "\n".join(f"{f.line} {f.rule} {f.classification} {f.message}" for f in res.findings)
    rewritten = {f.rule for f in res.findings if f.classification == REWRITTEN}
    assert rewritten == rules, [(f.line, f.rule, f.classification, f.message) for f in res.findings]
    assert rule in rewritten, f"the rule under test ({rule}) did not rewrite anything"
    for f in res.findings:
        if f.classification == REWRITTEN:
            assert f.replacement is not None and f.original != f.replacement
    assert_sentences(res.findings)


def check_idempotent(lang: str, source: str, expected: str) -> None:
    again = rewrite(lang, expected)
    assert again.new_source == expected
    assert not [f for f in again.findings if f.classification == REWRITTEN]
    first_other = [(f.rule, f.classification) for f in rewrite(lang, source).findings if f.classification != REWRITTEN]
    assert sorted((f.rule, f.classification) for f in again.findings) == sorted(first_other)


def check_not_rewritten(rule: str, lang: str, source: str, expected: list) -> None:
    res = rewrite(lang, source)
    got = [(f.line, f.rule, f.classification, f.message) for f in res.findings]
    if any(c == REWRITTEN for _, _, c, _ in expected):
        assert res.new_source != source
    else:
        assert res.new_source == source, res.new_source
    assert len(got) == len(expected), got
    for (line, r, cls, fragment), (gline, grule, gcls, gmsg) in zip(expected, got):
        assert (gline, grule, gcls) == (line, r, cls), got
        assert fragment in gmsg, gmsg
    assert rule in {r for _, r, _, _ in expected}, f"no row expects the rule under test ({rule})"
    assert_sentences(res.findings)
    again = rewrite(lang, res.new_source)
    assert again.new_source == res.new_source


def check_no_change(lang: str, source: str) -> None:
    res = rewrite(lang, source)
    assert res.new_source == source
    assert res.findings == (), [(f.line, f.rule, f.message) for f in res.findings]


def tables(rule: str, rewrites: list, not_rewritten: list, no_change: list, *, alias_of: set[str] = frozenset()) -> dict:
    """The test functions of a rule file, parametrized over its non-empty tables (`globals().update(...)`)."""
    rewrites = _params(rewrites)
    rewrites = rewrites + _alias(rewrites, set(alias_of))
    not_rewritten = _params(not_rewritten)
    no_change = _params(no_change)
    out = {}
    if rewrites:

        @pytest.mark.parametrize("lang, source, expected, rules", rewrites)
        def test_rewrites(lang, source, expected, rules):
            check_rewrite(rule, lang, source, expected, rules)

        @pytest.mark.parametrize("lang, source, expected, rules", rewrites)
        def test_second_run_is_a_no_op(lang, source, expected, rules):
            check_idempotent(lang, source, expected)

        out.update(test_rewrites=test_rewrites, test_second_run_is_a_no_op=test_second_run_is_a_no_op)
    if not_rewritten:

        @pytest.mark.parametrize("lang, source, expected", not_rewritten)
        def test_not_rewritten(lang, source, expected):
            check_not_rewritten(rule, lang, source, expected)

        out["test_not_rewritten"] = test_not_rewritten
    if no_change:

        @pytest.mark.parametrize("lang, source", no_change)
        def test_no_change(lang, source):
            check_no_change(lang, source)

        out["test_no_change"] = test_no_change
    return out
