"""The prefilter: ripgrep and the Python fallback give the same report on the same tree, and nothing the
engine would report is ever filtered out.

- the same report (every field but the time) from `run(prefilter="ripgrep")` and `run(prefilter="python")`,
  on a tree of every kind of file the walk and the read treat specially, under several spellings of the
  root, on random trees, and on a tree edited step by step (files and .gitignore files added and removed);
- whatever `rewrite` finds something in passes the read's checks (`examine`) and holds one of the
  literals ripgrep searches for;
- the walk's fast paths equal the slow ones: `language_of_name` is `language_of`, a .gitignore's one-regex
  screen decides as pathspec does, the chunked search of a large file finds a literal across chunks.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
import tempfile
from pathlib import Path

import pathspec
import pytest
from hypothesis import assume, example, given, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from hypothesis import strategies as st

from migrate.codemod import prefilter, rewrite, run, scanner
from migrate.codemod.languages import EXTENSIONS, language_of, language_of_name, names_with_a_language
from migrate.codemod.scanner import CLEAN, VCS_DIRS, VENDORED_DIRS, examine, has_literal, read_walked

RG = prefilter.find_ripgrep()
needs_rg = pytest.mark.skipif(RG is None, reason="ripgrep is not installed")

KEY_JS = 'fetch(`/rest/api/3/mypermissions?issueKey=${k}&permissions=BROWSE_PROJECTS`);\n'
KEY_PY = 'ok = s.get(URL, params={"issueKey": k, "permissions": "BROWSE_PROJECTS"}).json()["permissions"]["BROWSE_PROJECTS"]\n'
BIG = 2_100_000


@pytest.fixture(autouse=True)
def ripgrep_for_small_trees(monkeypatch):
    """The trees here are small, which the codemod would read in Python without starting ripgrep."""
    monkeypatch.setattr(prefilter, "MIN_BATCH", 1)


def put(root: Path, rel: str, text: str = "", data: bytes | None = None) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data if data is not None else text.encode())
    return p


def every_kind_of_file(root: Path) -> None:
    (root / ".git" / "info").mkdir(parents=True)
    put(root, ".git/info/exclude", "# comments only\n")
    put(root, ".gitignore", "gen/\n*.gen.ts\n/local.py\n")
    put(root, "src/a.ts", KEY_JS)
    put(root, "src/B.TS", KEY_JS)  # upper-case suffix
    put(root, "src/clean.ts", "export const x = 1;\n")
    put(root, "src/browser.js", "const b = window.browser;\n")  # b"rowse", but no spelling of the key
    put(root, "src/near.py", 'x = "mybrowse_projects"\n')  # a literal inside a longer name
    put(root, "src/variants.json", '{"permissions": ["browse_projects"], "name": "Browse Projects"}\n')
    put(root, "src/wrapped.py", 'MSG = """needs Browse\nProjects"""\nP = {"permission": "browse"}\n')
    put(root, "src/.hidden/h.py", KEY_PY)
    put(root, ".github/workflows/ci.yml", "env:\n  PERMISSION: BROWSE_PROJECTS\n")
    put(root, ".eslintrc.json", '{"k": "BROWSE_PROJECTS"}\n')  # a dot file with a suffix
    put(root, "..json", '{"k": "BROWSE_PROJECTS"}\n')  # only dots before the suffix: no language
    put(root, "Jenkinsfile", "def p = 'BROWSE_PROJECTS'\n")
    put(root, "tools/python", 'K = "BROWSE_PROJECTS"\n')  # named like a language, but no source file
    put(root, "x.ts/inner.py", KEY_PY)  # a folder with a suffix
    put(root, "names/with space.ts", KEY_JS)
    put(root, "names/é.ts", KEY_JS)
    put(root, "names/-dash.ts", KEY_JS)
    put(root, "names/new\nline.ts", KEY_JS)
    put(root, "gen/g.ts", KEY_JS)  # gitignored folder
    put(root, "src/x.gen.ts", KEY_JS)  # gitignored file
    put(root, "local.py", KEY_PY)  # anchored pattern
    put(root, "src/legacy/.gitignore", "*.js\n!keep.js\n")
    put(root, "src/legacy/old.js", KEY_JS)
    put(root, "src/legacy/keep.js", KEY_JS)
    put(root, "node_modules/x/index.js", KEY_JS)
    put(root, "vendor/lib.php", "<?php $k = 'BROWSE_PROJECTS';\n")
    put(root, "package-lock.json", '{"BROWSE": 1}\n')
    put(root, "src/app.min.js", KEY_JS)
    put(root, "src/packed.js", "var a=1;" * 5000 + KEY_JS)  # minified by content
    put(root, "data/bin.json", data=b'{"a": "BROWSE_PROJECTS"}\x00\x01')
    put(root, "data/bin-clean.json", data=b'{"a": 1}\x00\x01')
    put(root, "data/bin-browser.json", data=b'{"a": "browser"}\x00\x01')
    put(root, "data/latin.py", data='x = "BROWSE_PROJECTS é"'.encode("latin-1"))
    put(root, "data/latin-clean.py", data='x = "é"'.encode("latin-1"))
    put(root, "data/utf16.json", data='{"a": "BROWSE_PROJECTS"}'.encode("utf-16"))
    put(root, "big/late.js", "x = 1;\n" * (BIG // 7) + KEY_JS)  # the key after the first 2 MB
    put(root, "big/clean.ts", "// x\n" * (BIG // 5))
    put(root, "big/edge.ts", "// " + "x" * (scanner.MAX_BYTES - len(KEY_JS) - 4) + "\n" + KEY_JS)  # just under the limit
    put(root, "notes.md", "BROWSE_PROJECTS")
    put(root, "empty.ts", "")
    os.symlink(root / "src" / "a.ts", root / "src" / "link.ts")
    os.symlink(root / "src", root / "linked-src")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "src" / "pipe.ts")  # reading it would wait forever: neither walk opens it


def same(a, b) -> None:
    da, db = dataclasses.asdict(a), dataclasses.asdict(b)
    da.pop("seconds"), db.pop("seconds")
    assert da == db


@needs_rg
@pytest.mark.parametrize("spelling", ["absolute", "relative", "dot-slash", "dot", "dotdot", "trailing"])
def test_ripgrep_and_python_give_the_same_report(tmp_path, monkeypatch, spelling):
    tree = tmp_path / "tree"
    every_kind_of_file(tree)
    monkeypatch.chdir(tree if spelling == "dot" else tmp_path)
    given = {"absolute": str(tree), "relative": "tree", "dot-slash": "./tree", "dot": ".", "dotdot": "tree/../tree", "trailing": "tree/"}[spelling]
    py = run([given], mode="check", prefilter="python")
    with pytest.MonkeyPatch.context() as mp:
        started = []
        mp.setattr(prefilter.Search, "_start", lambda self, start=prefilter.Search._start: started.append(1) or start(self))
        rg = run([given], mode="check", prefilter="ripgrep")
    assert started  # ripgrep did read
    same(py, rg)
    shown = {os.path.relpath(r.path, given) for r in py.results}
    assert {"src/a.ts", "src/B.TS", "src/variants.json", "src/.hidden/h.py", "names/new\nline.ts", "src/legacy/keep.js", "big/edge.ts"} <= shown
    assert not shown & {"gen/g.ts", "src/x.gen.ts", "local.py", "src/legacy/old.js", "src/clean.ts", "src/browser.js", "tools/python"}
    assert not py.errors
    named = {(os.path.relpath(p, given), r) for p, r in py.skipped_files}
    assert {("data/bin.json", "binary"), ("data/latin.py", "not-utf8"), ("big/late.js", "too-large"), ("src/packed.js", "minified")} <= named
    # a file without the key is never named, whatever its size or encoding
    assert not {p for p, _ in named} & {"data/bin-clean.json", "data/bin-browser.json", "data/latin-clean.py", "big/clean.ts", "data/utf16.json"}
    # and ripgrep answered for every folder (none had to be read in Python), spelling paths as the walk does
    with prefilter.search(RG) as search:
        folders = [f for f in search.feed(scanner.walk([given])) if isinstance(f, scanner.Folder) and f.names]
        answers = [search.hits(f) for f in folders]
    assert None not in answers
    listed = {f.prefix + name for f, names in zip(folders, answers) for name in names}
    candidates = {f.prefix + name for f in folders for name in f.names}
    assert listed & candidates == {p for p in candidates if has_literal(Path(p).read_bytes())}


@needs_rg
def test_named_files_and_folders_together(tmp_path, monkeypatch):
    every_kind_of_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    given = ["src", "big/clean.ts", "gen/g.ts", "src/a.ts"]  # a named file is read even when ignored
    py = run(given, mode="check", prefilter="python")
    same(py, run(given, mode="check", prefilter="ripgrep"))
    assert ("big/clean.ts", "it was named to be checked, but it is larger than 2 MB, so it was not analysed.") in py.errors
    assert "gen/g.ts" in {r.path for r in py.changed_files}


@needs_rg
@pytest.mark.parametrize("given", [["src", "src"], ["src", "src/legacy", "."], [".", "names"], ["./src/", "src"]])
def test_folders_named_twice_or_inside_each_other(tmp_path, monkeypatch, given):
    every_kind_of_file(tmp_path)
    monkeypatch.chdir(tmp_path)
    same(run(given, mode="check", prefilter="python"), run(given, mode="check", prefilter="ripgrep"))


@needs_rg
@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_the_same_error(tmp_path):
    put(tmp_path, "a.ts", KEY_JS)
    locked = put(tmp_path, "locked.ts", KEY_JS)
    locked.chmod(0)
    try:
        py = run([str(tmp_path)], mode="check", prefilter="python")
        same(py, run([str(tmp_path)], mode="check", prefilter="ripgrep"))
        assert [p for p, _ in py.errors] == [str(locked)]
    finally:
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.parametrize(
    "script",
    ["exit 2", "echo nonsense; exit 0", "printf 'nonsense\\0'; exit 0", "printf 'a.ts\\0'; exit 1", "exit 0", "exit 3"],
)
def test_a_ripgrep_that_fails_or_contradicts_itself_changes_nothing(tmp_path, script):
    """An error, a path that is no file of the batch's folders, an exit code its listing contradicts (0: some
    file holds a literal, 1: none does): the batch is read in Python."""
    every_kind_of_file(tmp_path / "t")
    fake = put(tmp_path, "bin/rg", f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    py = run([str(tmp_path / "t")], mode="check", prefilter="python")
    for tops in (None, [str(tmp_path / "t")]):  # folder by folder; and over the whole tree first
        with prefilter.search(str(fake), tops) as s:
            got = list(prefilter.outcomes(list(s.feed(scanner.walk([str(tmp_path / "t")]))), s))
        assert [(c.path, r[1], r[2]) for c, r in got] == [
            (c.path, r[1], r[2]) for c, r in prefilter.outcomes(scanner.walk([str(tmp_path / "t")]), None)
        ]
        assert py.files_matched == sum(1 for _, r in got if r[0] is not None)


# Names ripgrep and the walk could see differently: case, dots, blanks, a line break, bytes that are not
# UTF-8, letters whose lower case is ASCII (the Kelvin sign), a leading dash.
ODD_NAMES = [
    "a.ts", "B.TS", "c.Json", ".eslintrc.json", "..json", ".hidden.py", "Jenkinsfile", "with space.yml", "new\nline.ts",
    "é.py", "k.\u212at", "s.tſ", "İ.go", "-dash.php", "x.min.js", "package-lock.json", "a.b.c.tf", "#x.gradle",
    "q?.kts", "star*.mjs", "[br].cts", "back\\slash.tsx",
]


def odd_tree(root: Path, names: list[str]) -> None:
    for i, name in enumerate(names):
        put(root, f"d{i % 3}/{name}", text="const k = 'BROWSE';\n")
        put(root, f"d{i % 3}/sub folder/.{i}/{name}", text="rowse\n")
    os.makedirs(root / "raw", exist_ok=True)
    with open(os.path.join(os.fsencode(root / "raw"), b"latin\xe9.ts"), "wb") as f:  # a name that is not UTF-8
        f.write(b"BROWSE\n")


def assert_ripgrep_searched_every_candidate(top: str) -> None:
    for tops in (None, [top]):  # folder by folder; over the whole tree
        with prefilter.search(RG, tops) as search:
            folders = [f for f in search.feed(scanner.walk([top])) if isinstance(f, scanner.Folder) and f.names]
            for f in folders:
                assert search.hits(f) >= set(f.names), f.prefix


@needs_rg
@pytest.mark.skipif(sys.platform != "linux", reason="names that are not UTF-8")
@pytest.mark.parametrize("batches", ["one", "many"])
def test_ripgrep_searches_every_candidate(tmp_path, monkeypatch, batches):
    """Every candidate holds a literal, so ripgrep must list each: the folders it was given are searched
    whole, whatever the names, and its paths are spelt as the walk spells them."""
    odd_tree(tmp_path, ODD_NAMES)
    if batches == "many":
        monkeypatch.setattr(prefilter, "MAX_ARGV", 10)
    assert_ripgrep_searched_every_candidate(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert_ripgrep_searched_every_candidate(".")
    assert_ripgrep_searched_every_candidate("d1/")


@needs_rg
@settings(max_examples=25, deadline=None)
@given(names=st.lists(st.text(alphabet=st.sampled_from("aBjJsStTyYkKpP.-_ ſ\u212aİı0é#[*?"), min_size=1, max_size=10), max_size=10))
def test_ripgrep_searches_every_candidate_of_random_names(names):
    with tempfile.TemporaryDirectory() as d:
        for name in dict.fromkeys(names):
            if name not in (".", "..") and "/" not in name:
                put(Path(d), name, text="BROWSE\n")
        assert_ripgrep_searched_every_candidate(d)


@needs_rg
def test_find_ripgrep_finds_the_wheel_beside_the_interpreter():
    assert os.path.basename(RG).startswith("rg")
    assert prefilter.resolve("auto") == RG and prefilter.resolve("python") is None
    with pytest.raises(ValueError):
        prefilter.resolve("grep")


# --------------------------------------------------------------------------------------------- the whole tree

def tree_answers(top: str, vendored: bool = False) -> tuple[list[scanner.Folder], list[set[str] | None], prefilter.Search]:
    """The folders with candidates of a walk of `top` fed to a search over `top` as a whole, and the names
    ripgrep gave for each (None: read in Python)."""
    with prefilter.search(RG, [top], vendored) as s:
        folders = [f for f in s.feed(scanner.walk([top], include_vendored=vendored)) if isinstance(f, scanner.Folder) and f.names]
        return folders, [s.hits(f) for f in folders], s


def assert_every_hit_listed(folders, answers) -> None:
    for f, names in zip(folders, answers):
        holding = {n for n in f.names if has_literal(Path(f.directory, n).read_bytes())}
        assert names is None or names >= holding, f.prefix


@needs_rg
@pytest.mark.parametrize("git", [False, True])
def test_the_tree_run_answers_where_no_gitignore_decides(tmp_path, git):
    """One ripgrep over the tree answers for every folder whose path and candidates no .gitignore pattern
    could match; the others are searched folder by folder; the report is the same as reading in Python."""
    every_kind_of_file(tmp_path / "t")
    if not git:
        (tmp_path / "t" / ".git" / "info" / "exclude").unlink()
        (tmp_path / "t" / ".git" / "info").rmdir()
        (tmp_path / "t" / ".git").rmdir()
    top = str(tmp_path / "t")
    folders, answers, s = tree_answers(top)
    assert s.tree_found is not None and None not in answers
    by_tree = {f.prefix for f in folders if not f.ruled}
    # (src/ holds x.gen.ts, which *.gen.ts matches; src/legacy/ has its own .gitignore)
    assert {top + "/names/", top + "/src/.hidden/"} <= by_tree and not {top + "/src/", top + "/src/legacy/"} & by_tree
    assert_every_hit_listed(folders, answers)
    same(run([top], mode="check", prefilter="python"), run([top], mode="check", prefilter="ripgrep"))
    # as it lists them: the candidates of the tree's folders that hold a literal, each read while it reads
    with prefilter.search(RG, [top]) as s:
        walked = [f for f in s.feed(scanner.walk([top])) if isinstance(f, scanner.Folder)]
        early = [c.path for c in s.early()]
    tree = [f for f in walked if f.names and id(f) in s.tree_ids]
    assert sorted(early) == sorted(f.prefix + n for f in tree for n in f.names if has_literal(Path(f.prefix + n).read_bytes()))


# .gitignore files whose lines readers can take differently: a byte order mark (git skips it), a line that
# is not UTF-8, lines pathspec cannot read, a pattern with no literal run (any path), negations, nesting.
ODD_IGNORES = {
    "bom": ("", "\ufeffgen/\nsrc/legacy/\n".encode()),
    "latin-1": ("", "gen/\ncaf\xe9/\n".encode("latin-1")),
    "unreadable-lines": ("", b"!\n[z-a]\ngen/\n"),
    "any-path": ("", b"/*\n!/src/\n!/names/\n"),
    "nested-any-path": ("src", b"*\n!*.ts\n!*/\n"),
    "negations": ("src", b"*.js\n!legacy/\n!keep.js\n"),
    "crlf": ("", b"gen/\r\n*.gen.ts\r\n"),
}


@needs_rg
@pytest.mark.parametrize("case", sorted(ODD_IGNORES))
def test_odd_gitignore_files_give_the_same_report(tmp_path, case):
    every_kind_of_file(tmp_path)
    folder, data = ODD_IGNORES[case]
    put(tmp_path, os.path.join(folder, ".gitignore"), data=data)
    put(tmp_path, "café/x.ts", KEY_JS)
    put(tmp_path, "gen/keep.ts", KEY_JS)
    same(run([str(tmp_path)], mode="check", prefilter="python"), run([str(tmp_path)], mode="check", prefilter="ripgrep"))
    folders, answers, s = tree_answers(str(tmp_path))
    assert_every_hit_listed(folders, answers)
    if case in ("any-path", "nested-any-path"):
        assert s.tree is None  # a pattern that may match any path: the tree's run is not used at all


@pytest.mark.parametrize(
    "prefix, expected",
    [
        ("t/gen/", True),  # a folder the walk left out
        ("t/gen/deep/er/", True),  # inside one
        ("t/src/", False),  # a walked folder is not pruned
        ("t/other/", False),  # neither walked nor left out: a path spelt otherwise, or made meanwhile
        ("./t/gen/", False),
        ("elsewhere/gen/", False),
        ("", False),
    ],
)
def test_under_pruned(prefix, expected):
    walked = {
        "t/": scanner.Folder("t", "t/", [], [], 0, pruned=("gen", "node_modules")),
        "t/src/": scanner.Folder("t/src", "t/src/", [], [], 0),
    }
    assert prefilter._under_pruned(prefix.replace("/", os.sep), {k.replace("/", os.sep): v for k, v in walked.items()}) is expected


# --------------------------------------------------------------------------------------------- random trees

NAME = st.sampled_from(["a", "B", "x.y", ".d", "é", "-n", "s p", "node_modules", "build", "gen", "k"])
SUFFIX = st.sampled_from([".ts", ".JS", ".py", ".json", ".yml", ".md", ".min.js", "", ".tf", ".gradle"])
BODY = st.sampled_from([
    KEY_JS.encode(), KEY_PY.encode(), b"plain\n", b"browser\n", b'P = {"permission": "browse"}\n', b"Browse\nProjects\n",
    b"", b'{"a": "BROWSE"}\x00', "BROWSE_PROJECTS é".encode("latin-1"),
])
FILES = st.dictionaries(
    st.tuples(st.lists(NAME, min_size=0, max_size=2), NAME, SUFFIX).map(lambda t: "/".join([*t[0], t[1] + t[2]])),
    BODY,
    max_size=12,
)
IGNORES = st.lists(st.sampled_from(["gen/", "*.md", "!keep.md", "/a.ts", "s p/", "**/x.y/*", "*.JS", "k"]), max_size=3)
MORE_IGNORES = st.lists(st.sampled_from(["gen/", "!gen/", "/a.ts", "**/x.y/*", "k", "a/**/b", "[ab].ts", "é*", "!*.ts",
                                         "[z-a]", "*", "\ufeffk", "x.y", " k ", "\\#h", "?.py"]), max_size=3)


@needs_rg
@settings(max_examples=25, deadline=None)
@given(files=FILES, ignores=IGNORES, nested=st.tuples(st.sampled_from(["a", "gen", "s p", "x.y/k"]), MORE_IGNORES),
       vendored=st.booleans(), git=st.booleans())
def test_random_trees_give_the_same_report(files, ignores, nested, vendored, git):
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for rel, body in files.items():
            try:
                put(root, rel, data=body)
            except (IsADirectoryError, NotADirectoryError, FileExistsError):
                continue  # a name used both as a file and as a folder
        put(root, ".gitignore", "".join(line + "\n" for line in ignores))
        try:
            put(root, os.path.join(nested[0], ".gitignore"), "".join(line + "\n" for line in nested[1]))
        except (IsADirectoryError, NotADirectoryError, FileExistsError):
            pass
        if git:
            (root / ".git").mkdir()
        py = run([d], mode="check", prefilter="python", include_vendored=vendored)
        same(py, run([d], mode="check", prefilter="ripgrep", include_vendored=vendored))
        assert_every_hit_listed(*tree_answers(d, vendored)[:2])


# --------------------------------------------------------------------------------------------- never filtered out

SPELLINGS = [
    "BROWSE_PROJECTS", "BROWSE", "browse_projects", "Browse Projects", "Browse\nProjects", "BROWSE\tPROJECTS",
    "browse projects", "browſe projects", "permissions=browse", "'permission': 'browse'", "permission: browse",
    "permıssion = 'browse'", "%2CBROWSE_PROJECTS", "xbrowse_projects", "browser", "rowse", "VIEW_PROJECTS",
]
GLUE = st.sampled_from([" ", "\n", "'", '"', ", ", ": ", "=", "[", "]", "{", "}", "(", ")"])


@settings(max_examples=150, deadline=None)
@given(
    ext=st.sampled_from([".json", ".yml", ".js", ".py", ".ts", ".groovy"]),
    parts=st.lists(st.tuples(GLUE, st.sampled_from(SPELLINGS)), min_size=1, max_size=6),
)
@example(ext=".json", parts=[('"', "Browse\nProjects"), ('"', "browse")])
@example(ext=".py", parts=[("'", "browſe projects"), ("'", "rowse")])
def test_whatever_the_engine_reports_passes_the_prefilter(ext, parts):
    src = "".join(g + s for g, s in parts) + "\n"
    path = f"f{ext}"
    res = rewrite(path, src)
    text, reason, error = examine(path, src.encode())
    if res.findings or res.new_source != src:
        assert (text, reason, error) == (src, None, None)
        assert has_literal(src.encode())  # so ripgrep's fixed-string search lists the file


@given(name=st.text(alphabet=st.sampled_from("aBjJsStTyYkKpP.-_ ſKİı0é"), max_size=12).filter(lambda n: n not in ("", ".", "..")))
@example(name="..json")
@example(name=".eslintrc.json")
@example(name="Jenkinsfile")
@example(name="app.Kt")
@example(name="python")
@settings(max_examples=300)
def test_the_walk_gives_a_file_the_language_the_engine_gives_its_path(name):
    assert language_of_name(name) == language_of(os.path.join("src", name))


def test_extensions_are_lower_case_suffixes():
    """with_a_language's regex and ripgrep's globs are built from them."""
    assert all(ext.startswith(".") and ext == ext.lower() and ext.count(".") == 1 for ext in EXTENSIONS)


PATTERNS = ["gen/", "*.md", "!keep.md", "/a.ts", "s p/", "**/x.y/*", "*.JS", "k", "a/**/b", "\\#x", "[ab].ts", "!*.ts", "d/", "*"]


@settings(max_examples=300)
@given(
    lines=st.lists(st.sampled_from(PATTERNS), max_size=5),
    prefix=st.sampled_from(["", "a/", "gen/x/", "s p/"]),
    name=st.sampled_from(["a.ts", "keep.md", "x.md", "gen", "b", "k", "x.y", "#x", "q.JS"]),
    is_dir=st.booleans(),
)
def test_the_one_regex_screen_decides_as_pathspec(lines, prefix, name, is_dir):
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    assume(any(p.include is not None for p in spec.patterns))
    screened = [(prefix, scanner._Rules(spec, scanner._screen(spec), None))]
    plain = [(prefix, scanner._Rules(spec, None, None))]
    assert scanner._screen(spec) is not None
    assert scanner._ignored(screened, name, is_dir) == scanner._ignored(plain, name, is_dir)
    expected = spec.check_file(prefix + name + ("/" if is_dir else "")).include
    assert scanner._ignored(screened, name, is_dir) == bool(expected)


@settings(max_examples=60, deadline=None)
@given(at=st.integers(min_value=0, max_value=294), literal=st.sampled_from([b"BROWSE", b"rowse"]))
def test_a_large_file_is_searched_to_its_end(at, literal):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "big.js"
        p.write_bytes(b"x" * at + literal + b"x" * (300 - at - len(literal)))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(scanner, "MAX_BYTES", 100)
            mp.setattr(scanner, "CHUNK", 16)  # the literal straddles chunks at many offsets
            assert read_walked(str(p)) == (None, "too-large", None)
            p.write_bytes(b"x" * 300)
            assert read_walked(str(p)) == CLEAN


# --------------------------------------------------------------------------------------------- a tree that changes


class TreeEdits(RuleBasedStateMachine):
    """Files and .gitignore files come and go; after each edit both prefilters give the same report."""

    def __init__(self):
        super().__init__()
        self.dir = tempfile.TemporaryDirectory()
        self.root = Path(self.dir.name)
        self.vendored = False

    files = Bundle("files")

    @rule(target=files, rel=FILES.filter(bool).map(lambda d: next(iter(d))), body=BODY)
    def add(self, rel, body):
        try:
            put(self.root, rel, data=body)
        except (IsADirectoryError, NotADirectoryError, FileExistsError):
            pass
        return rel

    @rule(rel=files)
    def remove(self, rel):
        p = self.root / rel
        if p.is_file():
            p.unlink()

    @rule(folder=st.sampled_from(["", "a", "gen", "s p"]), lines=IGNORES)
    def ignore(self, folder, lines):
        try:
            put(self.root, os.path.join(folder, ".gitignore"), "".join(line + "\n" for line in lines))
        except (IsADirectoryError, NotADirectoryError, FileExistsError):
            pass

    @rule(vendored=st.booleans())
    def walk_vendored(self, vendored):
        self.vendored = vendored

    @invariant()
    def both_prefilters_agree(self):
        py = run([str(self.root)], mode="check", prefilter="python", include_vendored=self.vendored)
        same(py, run([str(self.root)], mode="check", prefilter="ripgrep", include_vendored=self.vendored))

    def teardown(self):
        self.dir.cleanup()


TreeEdits.TestCase.settings = settings(max_examples=10, stateful_step_count=8, deadline=None)
test_a_changing_tree_gives_the_same_report = needs_rg(TreeEdits.TestCase)
