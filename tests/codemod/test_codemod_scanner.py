"""The scanner and the run: .gitignore (nested, negated, repository above), vendored/minified/binary skips,
explicit files, parallel == sequential, atomic writes keeping modes."""

from __future__ import annotations

import os
import stat

import pytest

from migrate.codemod import run
from migrate.codemod.runner import EAGER_HITS, PARALLEL_MIN_HITS, write_atomic
from migrate.codemod.scanner import iter_candidates

KEY_JS = 'fetch(`/rest/api/3/mypermissions?issueKey=${k}&permissions=BROWSE_PROJECTS`);\n'


def put(root, rel, text="", data: bytes | None = None):
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if data is not None:
        p.write_bytes(data)
    else:
        p.write_text(text)
    return p


def walk(root, **kw):
    skipped = []
    got = [os.path.relpath(c.path, root) for c in iter_candidates([str(root)], on_skip=lambda r, p: skipped.append((r, os.path.relpath(p, root))), **kw)]
    return sorted(got), sorted(skipped)


def test_gitignore_nested_negation_and_repo_root(tmp_path):
    (tmp_path / ".git").mkdir()
    put(tmp_path, ".gitignore", "gen/\n*.gen.ts\n")
    put(tmp_path, "app/src/a.ts", KEY_JS)
    put(tmp_path, "app/src/b.gen.ts", KEY_JS)
    put(tmp_path, "app/gen/c.ts", KEY_JS)
    put(tmp_path, "app/src/legacy/.gitignore", "*.js\n!keep.js\n")
    put(tmp_path, "app/src/legacy/old.js", KEY_JS)
    put(tmp_path, "app/src/legacy/keep.js", KEY_JS)
    put(tmp_path, ".git/info/exclude", "local.ts\n")
    put(tmp_path, "app/local.ts", KEY_JS)
    # scanning a subdirectory still honours the repository's root .gitignore and info/exclude
    got, skipped = walk(tmp_path / "app")
    assert got == ["src/a.ts", "src/legacy/keep.js"]
    assert ("gitignored", "gen") in skipped and ("gitignored", "src/legacy/old.js") in skipped
    assert ("gitignored", "local.ts") in skipped and ("gitignored", "src/b.gen.ts") in skipped


def test_a_gitignore_line_pathspec_cannot_read_is_passed_over(tmp_path):
    """"!" alone (git passes over it too) or a range backwards: the other lines still apply (the run used
    to stop with an internal error)."""
    put(tmp_path, ".gitignore", "!\n[z-a].ts\n*.gen.ts\n")
    put(tmp_path, "a.ts", KEY_JS)
    put(tmp_path, "b.gen.ts", KEY_JS)
    got, skipped = walk(tmp_path)
    assert got == ["a.ts"] and ("gitignored", "b.gen.ts") in skipped


def test_vendored_minified_and_unsupported(tmp_path):
    put(tmp_path, "node_modules/x/index.js", KEY_JS)
    put(tmp_path, "vendor/lib.php", "<?php")
    put(tmp_path, "dist/app.js", KEY_JS)
    put(tmp_path, "src/app.min.js", KEY_JS)
    put(tmp_path, "src/ok.js", KEY_JS)
    put(tmp_path, "docs/readme.md", "BROWSE_PROJECTS")
    put(tmp_path, "package-lock.json", "{}")
    got, skipped = walk(tmp_path)
    assert got == ["src/ok.js"]
    reasons = {r for r, _ in skipped}
    assert {"vendored", "minified", "unsupported-walked", "lockfile"} <= reasons
    got, _ = walk(tmp_path, include_vendored=True)
    assert got == ["dist/app.js", "node_modules/x/index.js", "src/ok.js", "vendor/lib.php"]


def test_binary_huge_non_utf8_and_minified_content_are_skipped(tmp_path):
    put(tmp_path, "bin.json", data=b'{"a": "BROWSE_PROJECTS"}\x00\x01')
    put(tmp_path, "latin.py", data='x = "BROWSE_PROJECTS é"'.encode("latin-1"))
    put(tmp_path, "big.js", "// BROWSE_PROJECTS\n" + "x" * 2_100_000)
    put(tmp_path, "packed.js", "var a=1;" * 5000 + KEY_JS)
    report = run([str(tmp_path)], mode="check")
    assert report.skipped == {"binary": 1, "not-utf8": 1, "too-large": 1, "minified": 1}
    assert report.findings == [] and not report.errors


def test_explicit_file_is_scanned_even_if_ignored(tmp_path):
    (tmp_path / ".git").mkdir()
    put(tmp_path, ".gitignore", "ignored.js\n")
    f = put(tmp_path, "ignored.js", KEY_JS)
    report = run([str(f)], mode="check")
    assert len(report.changed_files) == 1


def test_missing_path_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        run([str(tmp_path / "nope")])


def test_parallel_equals_sequential(tmp_path):
    for i in range(450):  # the files holding the key are above the pool threshold
        put(tmp_path, f"d{i % 7}/f{i}.ts", KEY_JS if i % 2 == 0 else "export const x = 1;\n")
    assert 225 >= PARALLEL_MIN_HITS
    seq = run([str(tmp_path)], mode="check", jobs=1)
    par = run([str(tmp_path)], mode="check", jobs=2)
    assert seq.files_scanned == par.files_scanned == 450
    assert seq.files_matched == par.files_matched == 225
    assert [(f.file, f.line, f.rule, f.classification) for f in seq.findings] == [(f.file, f.line, f.rule, f.classification) for f in par.findings]
    assert len(par.changed_files) == 225


@pytest.mark.parametrize("hits", [3, EAGER_HITS + 10])
def test_errors_of_reading_come_before_errors_of_parsing(tmp_path, monkeypatch, hits):
    # The first EAGER_HITS files are parsed while the walk is still read, the others after it; the report
    # names what could not be read first, then what could not be parsed (in walk order), either way.
    import migrate.codemod.engine as engine

    real = engine.rewrite

    def rewrite(path, source):
        if "boom" in os.path.basename(path):
            raise RuntimeError("parser fell over")
        return real(path, source)

    monkeypatch.setattr(engine, "rewrite", rewrite)
    names = [f"src/f{i:03}.ts" for i in range(hits)]
    names[0] = "src/boom0.ts"  # parsed eagerly
    names[-1] = "src/zboom.ts"  # the last walked: after the walk when there are more than EAGER_HITS
    for name in names:
        put(tmp_path, name, KEY_JS)
    latin = put(tmp_path, "latin.py", data=b"# caf\xe9 BROWSE_PROJECTS\n")
    report = run([str(tmp_path / "src"), str(latin)], mode="check", jobs=1)
    assert [os.path.basename(p) for p, _ in report.errors] == ["latin.py", "boom0.ts", "zboom.ts"]
    assert report.files_matched == hits - 2
    assert "parser fell over" in report.errors[1][1]


def test_write_keeps_mode_and_refuses_concurrent_change(tmp_path):
    f = put(tmp_path, "run.py", 'u = f"/x?issueKey={k}&permissions=BROWSE_PROJECTS"\n')
    os.chmod(f, 0o750)
    report = run([str(tmp_path)], mode="write")
    assert report.written == [str(f)]
    assert "VIEW_PROJECTS,VIEW_ISSUES" in f.read_text()
    assert stat.S_IMODE(os.stat(f).st_mode) == 0o750
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".migrate-codemod-")]
    with pytest.raises(RuntimeError):
        write_atomic(str(f), "something else", "new")
    # a second run changes nothing
    again = run([str(tmp_path)], mode="check")
    assert again.changed_files == [] and again.findings == []


def test_every_skipped_file_is_named(tmp_path):
    put(tmp_path, "bin.json", data=b'{"a": "BROWSE_PROJECTS"}\x00\x01')
    put(tmp_path, "latin.py", data='x = "BROWSE_PROJECTS é"'.encode("latin-1"))
    put(tmp_path, "late.js", "x = 1;\n" * 400_000 + KEY_JS)  # the key only after the first 2 MB
    put(tmp_path, "node_modules/x/index.js", KEY_JS)
    put(tmp_path, "notes.md", "BROWSE_PROJECTS")
    report = run([str(tmp_path)], mode="check")
    named = {(os.path.relpath(p, tmp_path), r) for p, r in report.skipped_files}
    assert named == {("bin.json", "binary"), ("latin.py", "not-utf8"), ("late.js", "too-large"), ("node_modules", "vendored")}
    assert report.skipped["unsupported"] == 1  # other file types in a folder are counted, not listed
    assert not report.errors


@pytest.mark.parametrize(
    "name, data, fragment",
    [
        ("latin.py", 'x = "BROWSE_PROJECTS é"'.encode("latin-1"), "is not valid UTF-8"),
        ("bin.json", b'{"a": "BROWSE_PROJECTS"}\x00', "holds NUL bytes"),
        ("big.ts", b"// x\n" * 500_000, "larger than 2 MB"),
    ],
)
def test_a_named_file_that_cannot_be_read_is_an_error(tmp_path, name, data, fragment):
    f = put(tmp_path, name, data=data)
    report = run([str(f)], mode="check")
    assert [(p, m) for p, m in report.errors if fragment in m] == [(str(f), report.errors[0][1])]
    assert report.errors[0][1].endswith(".")


def test_a_read_only_file_is_refused_and_nothing_is_written(tmp_path):
    ro = put(tmp_path, "a.js", KEY_JS)
    rw = put(tmp_path, "b.js", KEY_JS)
    os.chmod(ro, 0o444)
    report = run([str(tmp_path)], mode="write")
    assert report.written == []
    assert ro.read_text() == KEY_JS and rw.read_text() == KEY_JS
    msgs = dict(report.errors)
    assert "read-only" in msgs[str(ro)]
    assert "no file was written" in msgs[""]
