"""Work a command can start before its command line is parsed (which first imports typer and the app).

`migrate codemod PATH...` starts ripgrep over the folders it names (migrate.codemod.prefilter.prestart), so
that ripgrep reads while the interpreter loads typer and the codemod; `run()` then takes that ripgrep over
if it asks for the very same search (the same folders, spelt the same, and vendored folders in or out),
and any other is stopped at exit. The command line is read here only as far as that needs: anything this
reading is not sure of (a --help, an unknown option) starts nothing, and the command runs as it would.
"""

from __future__ import annotations

import os
import re

FLAGS = frozenset({"--diff", "--write", "--check", "--strict", "--json", "--include-vendored"})
WITH_VALUE = frozenset({"--sarif", "--jobs", "-j"})
_VERBOSE = re.compile(r"-v+|--verbose")


def codemod_paths(argv: list[str]) -> tuple[list[str], bool] | None:
    """(paths, include_vendored) of a `migrate codemod` command line (without the program's name), or None
    if it is not one, or not one this reading is sure of."""
    rest = list(argv)
    while rest and _VERBOSE.fullmatch(rest[0]):
        rest.pop(0)
    if not rest or rest.pop(0) != "codemod":
        return None
    paths: list[str] = []
    vendored = False
    it = iter(rest)
    for a in it:
        if a == "--":
            paths += it
        elif a in FLAGS:
            vendored = vendored or a == "--include-vendored"
        elif a in WITH_VALUE:
            next(it, None)
        elif a.startswith(("--sarif=", "--jobs=")) or re.fullmatch(r"-j\d+", a) or _VERBOSE.fullmatch(a):
            continue
        elif a.startswith("-") or a.isdecimal():  # an option this reading does not know; `--verbose 2`
            return None
        else:
            paths.append(a)
    return paths, vendored


def prestart(argv: list[str]) -> None:
    found = codemod_paths(argv)
    if not found or not found[0]:
        return
    from pathlib import Path

    from migrate.codemod import prefilter

    paths, vendored = found
    # spelt as the command hands them to run(): each argument read as a Path (typer), then str()
    prefilter.prestart([str(Path(p)) for p in paths if os.path.isdir(p)], vendored)
