"""The walk works per folder (one regex over a folder's names, substring tests for lockfiles, minified names
and .gitignore patterns): it must find what a walk file by file finds, name the same skipped files and
folders in the same order, and count the same files of no language.

- `reference_walk` below is that walk file by file, each .gitignore asked through pathspec for every path;
  the per-folder walk equals it on a tree of every kind of name and on random trees;
- each bulk test equals its test file by file: `with_a_language`, `any_minified_name`, and the .gitignore
  needles (a pattern matches a path only if its needle is in the path).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pathspec
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from migrate.codemod import scanner
from migrate.codemod.languages import LOCKFILES, any_minified_name, is_minified_name, language_of_name, with_a_language
from migrate.codemod.scanner import VCS_DIRS, VENDORED_DIRS, iter_candidates

KEY = b"const P = 'BROWSE_PROJECTS';\n"


def reference_walk(top: str, include_vendored: bool = False) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(candidates as (path, language), skips as (reason, path)) of a walk entry by entry, in sorted order."""
    found: list[tuple[str, str]] = []
    skips: list[tuple[str, str]] = []
    vendored = frozenset() if include_vendored else VENDORED_DIRS
    shown = os.path.normpath(top)

    def ignored(rules, name: str, is_dir: bool) -> bool:
        for prefix, spec in rules:  # deepest first; the first .gitignore that decides wins
            res = spec.check_file(prefix + name + ("/" if is_dir else ""))
            if res.include is not None:
                return bool(res.include)
        return False

    def visit(directory: str, prefix: str, rules) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            skips.append(("unreadable", directory))
            return
        if any(e.name == ".gitignore" for e in entries):
            own = scanner._load(os.path.join(directory, ".gitignore"))
            if own is not None:
                rules = [("", own.spec), *rules]
        subdirs = []
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                if e.name in VCS_DIRS:
                    continue
                if e.name in vendored:
                    skips.append(("vendored", e.path))
                elif ignored(rules, e.name, True):
                    skips.append(("gitignored", e.path))
                else:
                    subdirs.append(e)
                continue
            if not e.is_file(follow_symlinks=False):
                continue
            lang = language_of_name(e.name)
            if lang is None:
                skips.append(("unsupported-walked", e.path))
            elif e.name in LOCKFILES:
                skips.append(("lockfile", e.path))
            elif is_minified_name(e.name):
                skips.append(("minified", e.path))
            elif ignored(rules, e.name, False):
                skips.append(("gitignored", e.path))
            else:
                found.append((prefix + e.name, lang))
        for e in subdirs:
            visit(e.path, prefix + e.name + os.sep, [(p + e.name + "/", s) for p, s in rules])

    initial = [(p, r.spec) for p, r in scanner._initial_ignores(top)]
    visit(top, "" if shown == "." else shown if shown.endswith(os.sep) else shown + os.sep, initial)
    return found, skips


def assert_walks_agree(top: str, include_vendored: bool = False) -> None:
    skips: list[tuple[str, str]] = []
    got = [(c.path, c.language) for c in iter_candidates([top], include_vendored=include_vendored, on_skip=lambda r, p: skips.append((r, p)))]
    want, want_skips = reference_walk(top, include_vendored)
    assert got == want
    # named skips in the same order; files of no language (counted, not named) the same ones
    assert [s for s in skips if s[0] != "unsupported-walked"] == [s for s in want_skips if s[0] != "unsupported-walked"]
    assert sorted(s for s in skips if s[0] == "unsupported-walked") == sorted(s for s in want_skips if s[0] == "unsupported-walked")
    # and the folders' counts are what the codemod's report adds up
    folders = [f for f in scanner.walk([top], include_vendored=include_vendored) if isinstance(f, scanner.Folder)]
    assert sum(f.unsupported for f in folders) == sum(1 for s in want_skips if s[0] == "unsupported-walked")


def put(root: Path, rel: str, data: bytes = KEY) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)


def test_a_tree_of_every_kind_of_name(tmp_path):
    (tmp_path / ".git" / "info").mkdir(parents=True)
    put(tmp_path, ".git/info/exclude", b"local.ts\n")
    # every pattern here has a needle, so most folders take the fast paths; nested/ has one without
    put(tmp_path, ".gitignore", b"# comment\n\n/gen/\n*.gen.ts\n!keep.gen.ts\nlogs/\nmod*/deep.ts\n\\#hash.ts\n  \n")
    for rel in [
        "src/a.ts", "src/B.TS", "src/x.gen.ts", "src/keep.gen.ts", "src/a.py", "src/c.py", "src/#hash.ts",
        "src/app.min.js", "src/APP.MIN.JS", "src/x-min.js", "src/y.Bundle.js", "src/z.chunk.js", "src/min.js",
        "src/package-lock.json", "src/yarn.lock", "src/notes.md", "src/Jenkinsfile", "src/jenkinsfile",
        "src/..json", "src/.json", "src/.eslintrc.json", "src/python", "src/new\nline.ts", "src/é.ts",
        "src/k.\u212at", "src/s.tſ", "src/İ.py", "src/space name.yml", "local.ts", "app/local.ts",
        "gen/g.ts", "src/gen/g.ts", "logs/l.ts", "mod1/deep.ts", "mod1/shallow.ts", "x/mod2/deep.ts",
        "node_modules/m/i.js", "src/vendor/v.php", "dist/d.js", ".hidden/h.py", "x.ts/inner.py",
        "nested/.gitignore", "nested/a.ts", "nested/b.ts", "nested/a.py", "nested/c.py", "nested/sub/a.ts",
        "locks/package-lock.json", "locks/a.json", "mini/app.min.js", "mini/app.js",
    ]:
        put(tmp_path, rel, b"*.ts\n!b.ts\n[ab].py\n" if rel.endswith(".gitignore") else KEY)
    os.symlink(tmp_path / "src" / "a.ts", tmp_path / "src" / "link.ts")
    os.symlink(tmp_path / "src", tmp_path / "linked")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "src" / "pipe.ts")
    for vendored in (False, True):
        assert_walks_agree(str(tmp_path), vendored)
        assert_walks_agree(str(tmp_path / "src"), vendored)
    found, skips = reference_walk(str(tmp_path))
    # the tree does exercise each slow path of the walk
    assert {r for r, _ in skips} >= {"gitignored", "lockfile", "minified", "vendored", "unsupported-walked"}
    assert ("gitignored", str(tmp_path / "src" / "x.gen.ts")) in skips and (str(tmp_path / "src" / "keep.gen.ts"), "typescript") in found


NAME = st.sampled_from([
    "a", "B", "x.y", ".d", "é", "-n", "s p", "node_modules", "build", "gen", "k", "mod1", "logs", "\u212a", "ſ", "#h", "a\nb",
])
SUFFIX = st.sampled_from([".ts", ".JS", ".py", ".json", ".yml", ".md", ".min.js", "", ".tf", ".gradle", ".gen.ts", "-MIN.js", ".\u212at"])
FILES = st.lists(
    st.tuples(st.lists(NAME, max_size=3), NAME, SUFFIX).map(lambda t: "/".join([*t[0], t[1] + t[2]])),
    max_size=15,
)
PATTERNS = st.lists(
    st.sampled_from([
        "gen/", "/gen", "*.md", "!keep.md", "/a.ts", "s p/", "**/x.y/*", "*.JS", "k", "a/**/b", "\\#h", "[ab].ts", "!*.ts",
        "d/", "*", "mod*/", "logs", "*.gen.ts", "!B.ts", "é*", "build/", "?.py", "# x", "", " k ", "x.y",
    ]),
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(files=FILES, root_ignore=PATTERNS, nested=st.tuples(st.sampled_from(["a", "gen", "s p", "mod1", "logs/x"]), PATTERNS), vendored=st.booleans())
def test_random_trees_walk_alike(files, root_ignore, nested, vendored):
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for rel in files:
            try:
                put(root, rel)
            except (IsADirectoryError, NotADirectoryError, FileExistsError):
                continue  # a name used both as a file and as a folder
        put(root, ".gitignore", "".join(line + "\n" for line in root_ignore).encode())
        try:
            put(root, os.path.join(nested[0], ".gitignore"), "".join(line + "\n" for line in nested[1]).encode())
        except (IsADirectoryError, NotADirectoryError, FileExistsError):
            pass
        assert_walks_agree(d, vendored)


# --------------------------------------------------------------------------------------------- bulk tests

NAMES = st.lists(st.text(alphabet=st.sampled_from("aBjJsStTyYkKpP.-_ \nſ\u212aİı0éMmIiNn"), min_size=1, max_size=12), max_size=8)


@settings(max_examples=500)
@given(names=NAMES)
@example(names=["..json", ".json", "a.json", "Jenkinsfile", "jenkinsfile"])
@example(names=["a.\u212at", "a.kt"])  # the Kelvin sign lowers to k: only the per-name test knows
@example(names=["x\n.ts", "y.ts"])
def test_with_a_language_is_language_of_name_for_each(names):
    assert with_a_language(names) == [n for n in names if language_of_name(n) is not None]


@settings(max_examples=500)
@given(names=NAMES)
@example(names=["a.min.js"])
@example(names=["A.MIN.JS", "b"])
@example(names=["x.bundle.jsx", "y.chunk.js"])
@example(names=["a-min.js.map"])
def test_any_minified_name_is_is_minified_name_for_some(names):
    assert any_minified_name(names) == any(map(is_minified_name, names))


def spec_of(lines: list[str]) -> pathspec.GitIgnoreSpec:
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):  # a line pathspec refuses ("!", "[?-.]")
        assume(False)
        raise


PATTERN_TEXT = st.text(alphabet=st.sampled_from("ab/*?[]!\\# .tsé-"), min_size=1, max_size=10)
PATH = st.lists(st.text(alphabet=st.sampled_from("ab.tsé -#![]*?\\"), min_size=1, max_size=5), min_size=1, max_size=3).map("/".join)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pathspec's regex of "[[" (a nested set, says re)
@settings(max_examples=1000)
@given(pattern=PATTERN_TEXT, path=PATH, is_dir=st.booleans())
@example(pattern="/gen/", path="gen/x.ts", is_dir=False)
@example(pattern="!keep.md", path="a/keep.md", is_dir=False)
@example(pattern="\\#x", path="#x", is_dir=False)
@example(pattern=" sp ", path=" sp", is_dir=False)
@example(pattern="a/**/b", path="a/b", is_dir=True)
@example(pattern="[ab].ts", path="a.ts", is_dir=False)
@example(pattern="[abc]d", path="ad", is_dir=False)  # a bracket expression is one character, not a run
def test_a_pattern_matches_only_paths_holding_its_needle(pattern, path, is_dir):
    spec = spec_of([pattern])
    for p in spec.patterns:
        if p.include is None:
            continue
        rel = path + "/" if is_dir else path
        if p.match_file(rel) is not None:
            needle = scanner._needle(p.pattern)
            assert needle is None or needle in rel


@pytest.mark.filterwarnings("ignore::FutureWarning")
@settings(max_examples=300, deadline=None)
@given(lines=st.lists(PATTERN_TEXT, max_size=4), prefix=st.sampled_from(["", "a/", "gen/x/", "s p/", "#/"]), names=st.lists(PATH.filter(lambda p: "/" not in p), max_size=5))
def test_undecided_means_no_pattern_decides(lines, prefix, names):
    spec = spec_of(lines)
    rules = scanner._Rules(spec, scanner._screen(spec), scanner._needles(spec))
    if scanner._undecided([(prefix, rules)], names):
        assert all(spec.check_file(prefix + n).include is None for n in names)


def test_a_byte_order_mark_is_not_part_of_the_first_pattern(tmp_path):
    """git skips a UTF-8 byte order mark at the start of a .gitignore."""
    put(tmp_path, ".gitignore", "\ufeffgen/\n".encode())
    put(tmp_path, "gen/a.ts", KEY)
    put(tmp_path, "src/a.ts", KEY)
    skips: list[tuple[str, str]] = []
    found = [c.path for c in iter_candidates([str(tmp_path)], on_skip=lambda r, p: skips.append((r, p)))]
    assert found == [str(tmp_path / "src" / "a.ts")] and ("gitignored", str(tmp_path / "gen")) in skips
