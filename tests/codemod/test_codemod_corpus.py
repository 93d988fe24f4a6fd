"""The precision corpus: realistic app files (tests/codemod/corpus) through the real CLI, then checked.

On a copy of the corpus, `migrate codemod --json` must report exactly the sites of corpus_expected.EXPECTED
(so no rewrite happens that was not checked by hand to keep behaviour), and every occurrence of the key
outside comments must have a finding. After `--write`: every file that parsed still parses (Python compiles,
JS/TS/Java/Kotlin/Go/PHP/HCL have no error nodes, JSON and YAML load), the corpus's own tests still pass
(pytest; node --test where node is installed), and a second run changes nothing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from ast_grep_py import SgRoot
from typer.testing import CliRunner

from corpus_expected import EXPECTED, MIGRATED
from migrate.cli import app
from migrate.codemod.groovy import tokenize
from migrate.codemod.languages import language_of

CORPUS = Path(__file__).parent / "corpus"
KEY = re.compile(r"(?<![A-Za-z0-9_$])(BROWSE_PROJECTS|browse_projects|[Bb]rowse [Pp]rojects)(?![A-Za-z0-9_])|permission\W{1,6}browse\b")
TREE_LANGS = {"javascript", "typescript", "tsx", "java", "kotlin", "go", "php", "hcl"}


def cli(*args: str):
    return CliRunner().invoke(app, ["codemod", *args])


def files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file() and p.name != "conftest.py"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A copy of the corpus, its first report, then --write and a second report."""
    base = tmp_path_factory.mktemp("corpus")
    root = base / "corpus"
    shutil.copytree(CORPUS, root, ignore=shutil.ignore_patterns("conftest.py", "__pycache__"))
    cwd = os.getcwd()
    os.chdir(base)
    try:
        before = {rel: p.read_text() for rel, p in files(root).items()}
        first = json.loads(cli("corpus", "--json").stdout)
        w = cli("corpus", "--write")
        assert w.exit_code == 0, w.output
        after = {rel: p.read_text() for rel, p in files(root).items()}
        second = cli("corpus", "--check", "--json")
    finally:
        os.chdir(cwd)
    return {"root": root, "before": before, "first": first, "after": after, "second": second}


def sites(report: dict) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in report["findings"]:
        out.setdefault(f["file"].removeprefix("corpus/"), []).append((f["line"], f["rule"], f["classification"]))
    return out


def test_corpus_is_big_enough_and_every_file_has_an_expectation(corpus):
    assert len(corpus["before"]) >= 60
    assert set(corpus["before"]) == set(EXPECTED)
    langs = {language_of(p) for p in corpus["before"]}
    assert {"javascript", "typescript", "java", "kotlin", "python", "groovy", "go", "php", "json", "yaml", "hcl"} <= langs


def test_every_site_has_its_expected_outcome(corpus):
    got = sites(corpus["first"])
    for path, expected in EXPECTED.items():
        assert sorted(got.get(path, [])) == sorted(expected), path
    assert corpus["first"]["errors"] == [] and corpus["first"]["skipped_files"] == []


def test_every_message_is_a_complete_sentence(corpus):
    for f in corpus["first"]["findings"]:
        assert re.match(r"^[A-Z`\"'].*\.$", f["message"], re.S), f["message"]


def _comment_spans(rel: str, src: str) -> list[tuple[int, int]]:
    """Comments (and Python docstrings), found without the codemod's rules: a tree or the tokenizer."""
    lang = language_of(rel)
    if lang == "groovy":
        code = [(t.start, t.end) for t in tokenize(src) if t.kind != "nl"]
        gaps, pos = [], 0
        for s, e in code:
            gaps.append((pos, s))
            pos = e
        return gaps + [(pos, len(src))]
    if lang == "json":
        return []
    root = SgRoot(src, lang).root()
    out = []
    for kind in ("comment", "line_comment", "block_comment", "multiline_comment"):
        try:
            out += [(n.range().start.index, n.range().end.index) for n in root.find_all(kind=kind)]
        except Exception:  # noqa: BLE001 - a kind this grammar does not have
            pass
    if lang == "python":
        for n in root.find_all(kind="expression_statement"):
            kids = n.children()
            if len(kids) == 1 and kids[0].kind() == "string":
                out.append((n.range().start.index, n.range().end.index))
    return out


def test_every_occurrence_outside_comments_has_a_finding(corpus):
    findings = corpus["first"]["findings"]
    missing = []
    for rel, src in corpus["before"].items():
        comments = _comment_spans(rel, src)
        covered = {line for f in findings if f["file"] == f"corpus/{rel}" for line in range(f["line"], f["end_line"] + 1)}
        for m in KEY.finditer(src):
            if any(s <= m.start() < e for s, e in comments):
                continue
            line = src.count("\n", 0, m.start()) + 1
            if line not in covered and line not in MIGRATED.get(rel, set()):
                missing.append(f"{rel}:{line}: {m.group(0)}")
    assert missing == []


def test_files_still_parse_after_write(corpus):
    for rel, text in corpus["after"].items():
        lang = language_of(rel)
        if lang == "python":
            compile(text, rel, "exec")
        elif lang == "json":
            json.loads(text)
        elif lang == "yaml":
            yaml.safe_load(text)
        elif lang in TREE_LANGS:
            assert SgRoot(corpus["before"][rel], lang).root().find(kind="ERROR") is None, f"{rel} did not parse before"
            assert SgRoot(text, lang).root().find(kind="ERROR") is None, f"{rel} does not parse after --write"
        elif lang == "groovy":
            assert text.count("(") - text.count(")") == corpus["before"][rel].count("(") - corpus["before"][rel].count(")")


def test_only_expected_files_changed(corpus):
    changed = {rel for rel in corpus["before"] if corpus["before"][rel] != corpus["after"][rel]}
    rewriting = {rel for rel, rows in EXPECTED.items() if any(c == "rewritten" for _, _, c in rows)}
    assert changed == rewriting


def test_the_corpus_own_python_tests_pass_after_write(corpus):
    root = corpus["root"]
    py = [str(p) for rel, p in files(root).items() if rel.endswith(".py") and "def test_" in corpus["after"][rel]]
    assert len(py) >= 8
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--noconftest", "-o", "addopts=", "-o", "python_files=*.py", "--import-mode=importlib", "--rootdir", str(root), *py],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert " passed" in r.stdout and " failed" not in r.stdout


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_corpus_own_js_tests_pass_after_write(corpus):
    root = corpus["root"]
    js = [str(p) for rel, p in files(root).items() if rel.endswith(".js") and 'require("node:test")' in corpus["after"][rel]]
    assert len(js) >= 2
    r = subprocess.run(["node", "--test", *js], capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]


def test_second_run_is_a_no_op(corpus):
    assert corpus["second"].exit_code == 0, corpus["second"].stdout[-2000:]
    doc = json.loads(corpus["second"].stdout)
    assert doc["changed_files"] == [] and doc["summary"]["rewritten"] == 0
    first_left = Counter((f["file"], f["rule"], f["classification"]) for f in corpus["first"]["findings"] if f["classification"] != "rewritten")
    assert Counter((f["file"], f["rule"], f["classification"]) for f in doc["findings"]) == first_left


def test_counts_in_readme(corpus):
    """README states the corpus size and the counts per outcome: keep them true."""
    s = corpus["first"]["summary"]
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    line = f"{len(corpus['before'])} files, {s['sites']} sites: {s['rewritten']} rewritten, {s['needs_review']} needs-review, {s['report_only']} report-only"
    assert line in readme, line
