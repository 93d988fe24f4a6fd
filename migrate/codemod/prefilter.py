"""What reading each walked file gives, with ripgrep doing the reading when it is installed.

The walk (`scanner.walk`) decides which files are candidates and names every file it skips; this module
answers, for each candidate in walk order, what `scanner.read_walked` answers for it (text to analyse, a
skip reason, an error, or clean; the clean ones are left out). A file holds something the codemod reports only if it holds one
of `keys.LITERALS` (b"BROWSE", b"rowse"); read_walked calls a file without them clean, without decoding it.

ripgrep (the `ripgrep` wheel's `rg`) walks the same folders while the Python walk runs, and lists the files
holding a literal (fixed strings, raw bytes: --text, no transcoding, no config file, case-sensitive). Its
walk follows the same rules where it can (.gitignore files, hidden files, the file names a language maps
to, VCS and vendored folders left out), and a second `rg --files` lists what that walk covered; only the
files it lists as holding a literal are read in Python. A candidate it did not cover (a .gitignore rule it
reads otherwise, a name or a path it spells differently, a file created meanwhile) is read in Python, and
when ripgrep is missing or reports an error (a file it could not read), every candidate is: the same
answers, slower. Files named on the command line
never go to ripgrep: `read_candidate` reads them (a named file must be checkable, so one over the size limit
is an error even without the key).
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
from typing import IO, Iterable, Iterator, Sequence

from migrate.codemod.keys import LITERALS
from migrate.codemod.languages import EXTENSIONS, language_of_name, names_with_a_language
from migrate.codemod.scanner import CLEAN, VCS_DIRS, VENDORED_DIRS, Candidate, Folder, read_candidate, read_walked

Read = tuple[str | None, str | None, str | None]  # (text, skip reason, error), as read_candidate returns

MODES = ("auto", "ripgrep", "python")
# .gitignore files as git reads them, in or out of a repository, but no ignore file git does not read (a
# global one, .ignore, .rgignore); hidden files too; the bytes as they are, whatever their encoding.
SEARCH = ("--no-config", "--null", "--no-messages", "--no-ignore-global", "--no-ignore-dot", "--no-require-git",
          "--hidden", "--text", "--encoding", "none", "--fixed-strings", "--case-sensitive")


@functools.lru_cache(maxsize=1)
def find_ripgrep() -> str | None:
    """The `rg` the ripgrep wheel installed beside this interpreter's scripts (a venv's bin/, which need not
    be on PATH), else one on PATH that says it is ripgrep."""
    import shutil
    import sysconfig

    for d in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        found = shutil.which("rg", path=d) if d else None
        if found:
            return found
    found = shutil.which("rg")
    if found is None:
        return None
    try:
        version = subprocess.run([found, "--version"], capture_output=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return found if version.startswith(b"ripgrep ") else None


def resolve(mode: str) -> str | None:
    """The ripgrep binary to use for `mode` (auto: if installed), or None to read in Python."""
    if mode not in MODES:
        raise ValueError(f"prefilter must be one of {MODES}")
    if mode == "python":
        return None
    rg = find_ripgrep()
    if rg is None and mode == "ripgrep":
        raise FileNotFoundError("rg (ripgrep) is not installed")
    return rg


def _walk_args(include_vendored: bool) -> list[str]:
    """Globs for a ripgrep walk over the Python walk's candidates (and maybe some more)."""
    args = []
    for ext in sorted(set(EXTENSIONS)):
        args += ["--iglob", "*" + ext]
    for name in names_with_a_language():
        args += ["--iglob", name]
    for name in sorted(VCS_DIRS | (frozenset() if include_vendored else VENDORED_DIRS)):
        args += ["--glob", "!" + name]  # last: a later glob wins, and these must
    return args


class Search:
    """The two ripgrep runs over the walked folders, started before the Python walk so they overlap it."""

    def __init__(self, rg: str, roots: Sequence[str], include_vendored: bool):
        self.roots = [os.path.normpath(r) for r in roots]
        walk = [*SEARCH, *_walk_args(include_vendored)]
        needles = [a for lit in LITERALS for a in ("-e", lit)]
        self.hits = self._start([rg, *walk, "--files-with-matches", *needles, "--", *self.roots])
        # listing names is cheap next to reading the files: one thread, leaving the CPUs to the search
        self.files = self._start([rg, *walk, "--threads", "1", "--files", "--", *self.roots])

    @staticmethod
    def _start(argv: list[str]) -> tuple[subprocess.Popen, IO[bytes]] | None:
        import tempfile

        out = tempfile.TemporaryFile()  # a file, not a pipe: ripgrep never waits for the walk to read
        try:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL), out
        except (OSError, ValueError):
            out.close()
            return None

    @staticmethod
    def _paths(run: tuple[subprocess.Popen, IO[bytes]] | None, ok: tuple[int, ...]) -> set[str] | None:
        if run is None:
            return None
        proc, out = run
        try:
            if proc.wait() not in ok:
                return None
            out.seek(0)
            # the whole listing at once, decoded as os.fsdecode decodes each path
            text = out.read().decode(sys.getfilesystemencoding(), "surrogateescape")
        finally:
            out.close()
        return set(text.split("\0")) - {""}

    def results(self) -> tuple[set[str], set[str]] | None:
        """(files holding a literal, files the walk covered), paths spelt as the Python walk spells them;
        None when the hit list cannot be trusted (ripgrep failed, or could not read some file)."""
        hits = self._paths(self.hits, (0, 1))  # 2: some file could not be read, so it is not listed
        covered = self._paths(self.files, (0, 1, 2)) or set()
        if hits is None:
            return None
        if "." in self.roots:  # ripgrep spells the files under "." as ./name; the walk as name
            hits = {p[2:] if p.startswith("./") else p for p in hits}
            covered = {p[2:] if p.startswith("./") else p for p in covered}
        return hits, covered

    def close(self) -> None:
        for run in (self.hits, self.files):
            if run is not None and run[0].poll() is None:
                run[0].kill()
                run[0].wait()
            if run is not None:
                run[1].close()

    def __enter__(self) -> "Search":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def search(rg: str | None, paths: Sequence[str], include_vendored: bool) -> Search | contextlib.nullcontext[None]:
    """`with search(...) as s:` a Search over the folders among `paths`, or None (read in Python)."""
    roots = [p for p in paths if os.path.isdir(p)]
    return Search(rg, roots, include_vendored) if rg and roots else contextlib.nullcontext()


def outcomes(items: Iterable[Candidate | Folder], search: Search | None) -> Iterator[tuple[Candidate, Read]]:
    """(candidate, what reading it gives) for every candidate of the walk whose read is not CLEAN, in the
    walk's order. With a search, a walked file is read only if ripgrep listed it as holding a literal or
    did not list it as covered; without one (or when ripgrep failed), every file is read."""
    found = None
    if search is not None:
        items = list(items)  # the whole walk first: ripgrep's lists are complete only when it ends
        found = search.results()
    hits, covered = found if found is not None else (set(), set())
    for item in items:
        if isinstance(item, Candidate):
            read = _read(item)
            if read != CLEAN:
                yield item, read
            continue
        paths = item.paths()
        if found is None:
            todo = range(len(paths))
        elif covered.issuperset(paths):  # the usual case: only the files holding a literal are read
            todo = [] if hits.isdisjoint(paths) else [i for i, p in enumerate(paths) if p in hits]
        else:
            todo = [i for i, p in enumerate(paths) if p in hits or p not in covered]
        for i in todo:
            read = read_walked(paths[i])
            if read != CLEAN:
                yield Candidate(paths[i], language_of_name(item.names[i]) or ""), read


def _read(c: Candidate) -> Read:
    return read_candidate(c.path) if c.explicit else read_walked(c.path)
