"""`migrate codemod` starts ripgrep before typer loads: which command lines do, and that the run takes over
the very ripgrep started (none is left running, none is started twice)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from migrate.cli.prestart import codemod_paths
from migrate.codemod import prefilter

needs_rg = pytest.mark.skipif(prefilter.find_ripgrep() is None, reason="ripgrep is not installed")


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["codemod", "src"], (["src"], False)),
        (["codemod", "src", "lib", "--check", "--json"], (["src", "lib"], False)),
        (["codemod", "--include-vendored", "src"], (["src"], True)),
        (["-v", "codemod", "src", "-vv"], (["src"], False)),
        (["codemod", "--sarif", "out.sarif", "src", "-j", "2", "--jobs=3", "-j4", "--sarif=x"], (["src"], False)),
        (["codemod", "--write", "--", "-odd", "--check"], (["-odd", "--check"], False)),
        (["codemod"], ([], False)),
        (["codemod", "src", "--help"], None),  # not a run
        (["codemod", "src", "--frobnicate"], None),  # an option this reading does not know
        (["--verbose", "2", "codemod", "src"], None),  # `--verbose 2`: 2 is no command
        (["codemod", "--verbose", "2", "src"], None),
        (["plan", "codemod"], None),
        ([], None),
        (["--version"], None),
    ],
)
def test_codemod_paths(argv, expected):
    assert codemod_paths(argv) == expected


@needs_rg
@pytest.mark.parametrize("spelling", ["tree", "./tree/", "tree/../tree"])
def test_the_run_takes_over_the_ripgrep_started_first(tmp_path, monkeypatch, capsys, spelling):
    from migrate.cli import main

    for i in range(3):
        (tmp_path / "tree" / f"d{i}").mkdir(parents=True)
        (tmp_path / "tree" / f"d{i}" / "a.ts").write_text("const p = 'BROWSE_PROJECTS';\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(prefilter, "MIN_BATCH", 1)  # (a small tree is otherwise read in Python)
    trees = []

    class Counted(prefilter._Tree):
        def __init__(self, *args):
            trees.append(args)
            super().__init__(*args)

    monkeypatch.setattr(prefilter, "_Tree", Counted)
    monkeypatch.setattr(sys, "argv", ["migrate", "codemod", spelling, "--check", "--json"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 0  # (a constant alone is needs-review)
    assert len(trees) == 1 and trees[0][1] == [str(Path(spelling))] and not prefilter._early
    assert '"files_matched": 3' in capsys.readouterr().out


@needs_rg
def test_a_ripgrep_no_run_takes_over_is_stopped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    prefilter.prestart(["."])
    (key, tree), = prefilter._early
    prefilter._early.clear()
    tree.close()  # as at exit
    assert tree.proc is not None and tree.proc.poll() is not None and tree.ended
