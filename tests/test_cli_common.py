"""Pure parts of the CLI conventions: verbosity anywhere on the line, old spellings, loopback site names,
permission-key did-you-mean. (input, expected) tables."""

from __future__ import annotations

import functools
import json
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.cli import common
from migrate.cli.common import hoist_verbosity, json_text, rewrite_aliases
from migrate.errors import ConfigError
from migrate.rules import BROWSE_SPLIT, Rule, check_rule_against_site, check_rule_offline, did_you_mean
from migrate.siteurl import same_site, site_key


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["-v", "doctor"], ["-v", "doctor"]),
        (["doctor", "-vv"], ["-v", "-v", "doctor"]),
        (["--verbose", "2", "doctor"], ["-v", "-v", "doctor"]),  # click took "2" for a command
        (["-v", "1", "doctor"], ["-v", "doctor"]),
        (["--verbose=2", "plan"], ["-v", "-v", "plan"]),
        (["sites", "apply", "f.toml", "--verbose", "--yes"], ["-v", "sites", "apply", "f.toml", "--yes"]),
        (["show", "2", "-v"], ["-v", "show", "2"]),  # after the command a number is an argument, not a count
        (["report", "--", "-v"], ["report", "--", "-v"]),
        (["--version"], ["--version"]),
    ],
)
def test_verbosity_is_hoisted(argv, expected):
    assert hoist_verbosity(argv) == expected


ALIASES = {"--output": "--out", "--out-dir": "--plans-dir", "-o": "--plans-dir", "--site": "--only", "-p": "--parallel"}


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["--output", "r.html"], ["--out", "r.html"]),
        (["--output=r.html"], ["--out=r.html"]),
        (["-o", "plans"], ["--plans-dir", "plans"]),
        (["--site", "alpha", "--site=beta"], ["--only", "alpha", "--only=beta"]),
        (["-p5"], ["--parallel=5"]),
        (["--only", "x", "--", "--site"], ["--only", "x", "--", "--site"]),
        (["--outdir"], ["--outdir"]),  # not an alias: click reports it
    ],
)
def test_old_spellings_are_rewritten_with_a_note(argv, expected, capsys):
    assert rewrite_aliases(argv, ALIASES) == expected


@pytest.mark.parametrize(
    "a,b,same",
    [
        ("http://localhost:8990", "http://127.0.0.1:8990", True),
        ("http://[::1]:8990", "http://127.0.0.1:8990/", True),
        ("http://LOCALHOST:8990/jira", "http://127.0.0.1:8990/jira", True),
        ("http://localhost:8990", "http://127.0.0.1:8991", False),
        ("http://localhost:8990/jira", "http://127.0.0.1:8990", False),
        ("https://acme.atlassian.net", "https://acme.atlassian.net/", True),
        ("https://acme.atlassian.net", "https://other.atlassian.net", False),
        ("http://127.0.0.2:8990", "http://127.0.0.1:8990", False),  # another loopback address, maybe another server
    ],
)
def test_loopback_names_are_one_site(a, b, same):
    assert same_site(a, b) is same
    assert (site_key(a.rstrip("/")) == site_key(b.rstrip("/"))) is same


@pytest.mark.parametrize(
    "key,candidates,guess",
    [
        ("VEIW_ISSUES", ["VIEW_ISSUES", "VIEW_PROJECTS"], "VIEW_ISSUES"),
        ("view_projects", ["VIEW_ISSUES", "VIEW_PROJECTS"], "VIEW_PROJECTS"),
        ("BROWSE_PROJECT", ["BROWSE_PROJECTS", "EDIT_ISSUES"], "BROWSE_PROJECTS"),
        ("com.acme.timesheets:view", ["VIEW_ISSUES"], None),
    ],
)
def test_did_you_mean(key, candidates, guess):
    assert did_you_mean(key, candidates) == guess


def _rule(*targets: str) -> Rule:
    return Rule(name="r", source="BROWSE_PROJECTS", targets=targets)


def test_rule_keys_offline():
    assert check_rule_offline(BROWSE_SPLIT) == []
    with pytest.raises(ConfigError, match="VEIW_ISSUES is not a Jira permission key; did you mean VIEW_ISSUES"):
        check_rule_offline(_rule("VIEW_PROJECTS", "VEIW_ISSUES"))
    (warning,) = check_rule_offline(_rule("VIEW_PROJECTS", "com.acme.timesheets:view"))
    assert "not a built-in Jira permission key" in warning


def test_rule_keys_against_the_site():
    legacy = ["BROWSE_PROJECTS", "EDIT_ISSUES"]  # a site without the new keys: planning still works
    check_rule_against_site(BROWSE_SPLIT, legacy)
    with pytest.raises(ConfigError, match=r"does not list: VEIW_ISSUES \(did you mean VIEW_ISSUES\?\)"):
        check_rule_against_site(_rule("VIEW_PROJECTS", "VEIW_ISSUES"), legacy + ["VIEW_ISSUES"])
    app_key = "com.acme.timesheets:view"
    check_rule_against_site(_rule("VIEW_PROJECTS", app_key), legacy + [app_key])  # the site lists it
    with pytest.raises(ConfigError, match="the site does not list: com.acme.timesheets:view\n"):
        check_rule_against_site(_rule("VIEW_PROJECTS", app_key), legacy)


# ------------------------------------------------------------------------------------------ properties

from hypothesis import given, strategies as st  # noqa: E402

from migrate.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, EXIT_PARTIAL  # noqa: E402
from migrate.sites import combine_exit_codes  # noqa: E402

WORDS = st.sampled_from(["doctor", "plan", "--json", "-o", "x.json", "sites", "apply", "f.toml", "--yes", "3"])
VERBS = st.sampled_from(["-v", "-vv", "--verbose"])


@given(st.lists(st.one_of(WORDS, VERBS), max_size=12))
def test_hoisting_keeps_every_other_word_in_order_and_counts_flags(argv):
    got = hoist_verbosity(argv)
    n = got.count("-v")
    assert got[:n] == ["-v"] * n  # every -v in front, for the root group
    rest = got[n:]
    # the other words keep their order; the only words dropped are numbers right after a counting flag
    # before the command (`--verbose 2 doctor`), read as the count
    verbs = ("-v", "-vv", "--verbose")
    words = [(a, a.isdecimal() and k > 0 and argv[k - 1] in verbs) for k, a in enumerate(argv) if a not in verbs]

    @functools.lru_cache(maxsize=None)
    def fits(i: int, j: int) -> bool:  # words[i:] can become rest[j:] by dropping droppable words only
        if i == len(words):
            return j == len(rest)
        word, droppable = words[i]
        return (j < len(rest) and rest[j] == word and fits(i + 1, j + 1)) or (droppable and fits(i + 1, j))

    assert fits(0, 0), (argv, got)


@given(st.lists(st.sampled_from([EXIT_OK, EXIT_CHANGES, EXIT_PARTIAL, EXIT_ERROR, 2, 130]), min_size=1, max_size=12))
def test_bulk_exit_code_tells_some_done_from_none_done(codes):
    code = combine_exit_codes(codes)
    failed = [c for c in codes if c not in (EXIT_OK, EXIT_CHANGES, EXIT_PARTIAL)]
    if failed and len(failed) == len(codes):
        assert code == EXIT_ERROR  # none done
    elif failed or EXIT_PARTIAL in codes:
        assert code == EXIT_PARTIAL  # some done, some not
    else:
        assert code == (EXIT_CHANGES if EXIT_CHANGES in codes else EXIT_OK)


def test_write_sarif_writes_the_document_whole_and_a_failure_becomes_one_of_the_runs_errors(tmp_path):
    from migrate.cli.common import write_sarif

    errors: list = []
    write_sarif(None, lambda: pytest.fail("no path: nothing to make"), errors)
    target = tmp_path / "out.sarif"
    write_sarif(target, lambda: {"version": "2.1.0", "runs": []}, errors)
    assert json.loads(target.read_text()) == {"version": "2.1.0", "runs": []} and errors == []
    assert [p.name for p in tmp_path.iterdir()] == ["out.sarif"]  # no temporary file left behind
    write_sarif(tmp_path / "missing-folder" / "out.sarif", lambda: {"runs": []}, errors)
    assert len(errors) == 1 and errors[0][1].startswith("cannot write SARIF: ")
    assert errors[0][0].endswith("out.sarif")


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(doc=_json_values)
def test_json_text_is_json_dumps_indented_text_for_big_documents_too(doc):
    # floats of every kind (NaN, infinities, -0.0, exponents), unicode, control characters, empty containers
    with mock.patch.object(common, "BIG_JSON", 0):  # every document the msgspec way
        assert json_text(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_json_text_of_a_big_document():
    doc = {"sites": [{"site": f"s{i}", "seconds": i / 7, "details": {"schemes": [], "notes": ["\u00e9\n"]}} for i in range(3000)]}
    assert len(json.dumps(doc)) > common.BIG_JSON
    assert json_text(doc) == json.dumps(doc, indent=2, ensure_ascii=False)
