"""Walk the given paths and yield the files worth reading.

- Honours .gitignore files the way git does (pathspec's GitIgnoreSpec), including nested ones and those
  of the enclosing repository above the given directory, plus .git/info/exclude.
- Skips vendored and generated trees (node_modules, vendor, dist, build, ...) unless include_vendored,
  VCS directories always, minified bundles, lockfiles and files in languages the codemod does not handle.
- Binary (NUL byte), non-UTF-8 and huge files are skipped when read (see `read_candidate`).

Every skipped file or folder is reported to `on_skip(reason, path)` (SKIP_REASONS says what each means), so
the run can name it. A file named explicitly on the command line is always considered (pre-commit passes
files one by one); if it then cannot be read as source, that is the run's error, not a skip.

`iter_candidates` (the walk) and `read_candidate` (the read with its prefilter) are the public entry points;
other commands that scan app code reuse them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable, Iterator

import pathspec

from migrate.codemod.languages import LOCKFILES, is_minified_name, language_of

VCS_DIRS = frozenset({".git", ".hg", ".svn", ".jj"})
VENDORED_DIRS = frozenset(
    {
        "node_modules",
        "bower_components",
        "jspm_packages",
        "vendor",
        "third_party",
        "dist",
        "build",
        "target",
        "out",
        ".venv",
        "venv",
        "__pycache__",
        ".terraform",
        ".gradle",
        ".next",
        ".nuxt",
        ".svelte-kit",
        "coverage",
        ".tox",
        ".mypy_cache",
        ".pytest_cache",
    }
)
MAX_BYTES = 2_000_000
PREFILTER = b"BROWSE"
# Other spellings of the key (see migrate.codemod.occurrence.VARIANT_RE), tested only when b"rowse" is there.
VARIANT_BYTES = re.compile(rb"(?i)browse[_ \t]+projects|permissions?[\"']?\s*[:=]>?\s*[\"']?browse\b")
# Why a file or folder was skipped, as the end of a sentence about it.
SKIP_REASONS = {
    "too-large": f"is larger than {MAX_BYTES // 1_000_000} MB, so it was not read",
    "binary": "holds NUL bytes (a binary file), so it was not read",
    "not-utf8": "is not valid UTF-8, so it was not read",
    "minified": "looks minified (very long lines), so it was not analysed",
    "unreadable": "could not be listed",
    "vendored": "is a vendored or build folder, so it was not walked (--include-vendored walks it)",
    "gitignored": "is ignored by .gitignore, so it was not walked",
    "lockfile": "is a lockfile, so it was not read",
    "unsupported": "is not a file type the codemod reads",
}
# Reasons that mean the file's content could not be checked (for a file named explicitly: an error).
UNREAD = frozenset({"too-large", "binary", "not-utf8", "minified"})


@dataclass(frozen=True)
class Candidate:
    path: str  # as shown to the user (joined onto the path they gave)
    language: str
    explicit: bool = False  # named on the command line (not found by walking a folder)


class _Ignores:
    """A stack of (directory, spec) pairs; the deepest .gitignore that decides a path wins."""

    def __init__(self, specs: list[tuple[str, pathspec.GitIgnoreSpec]]):
        self.specs = specs

    def with_dir(self, directory: str) -> "_Ignores":
        spec = _load(os.path.join(directory, ".gitignore"))
        return _Ignores(self.specs + [(directory, spec)]) if spec is not None else self

    def ignored(self, path: str, is_dir: bool) -> bool:
        for base, spec in reversed(self.specs):
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if rel.startswith(".."):
                continue
            res = spec.check_file(rel + "/" if is_dir else rel)
            if res.include is not None:
                return bool(res.include)
        return False


def _load(path: str) -> pathspec.GitIgnoreSpec | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _repo_root(directory: str) -> str | None:
    d = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _initial_ignores(directory: str) -> _Ignores:
    """.gitignore files from the repository root down to (not including) `directory`, and info/exclude."""
    absdir = os.path.abspath(directory)
    root = _repo_root(absdir)
    specs: list[tuple[str, pathspec.GitIgnoreSpec]] = []
    if root is None:
        return _Ignores(specs)
    exclude = _load(os.path.join(root, ".git", "info", "exclude"))
    if exclude is not None:
        specs.append((root, exclude))
    chain = []  # ancestors of `directory` up to the repository root
    d = os.path.dirname(absdir) if absdir != root else None
    while d is not None:
        chain.append(d)
        parent = os.path.dirname(d)
        d = parent if d != root and parent != d else None
    for d in reversed(chain):
        spec = _load(os.path.join(d, ".gitignore"))
        if spec is not None:
            specs.append((d, spec))
    return _Ignores(specs)


def iter_candidates(
    paths: list[str],
    *,
    include_vendored: bool = False,
    on_skip: Callable[[str, str], None] | None = None,
) -> Iterator[Candidate]:
    """Files to read, in a stable order. Raises FileNotFoundError for a path that does not exist."""

    def skip(reason: str, path: str) -> None:
        if on_skip is not None:
            on_skip(reason, path)

    for given in paths:
        if not os.path.lexists(given):
            raise FileNotFoundError(given)
        if not os.path.isdir(given):
            lang = language_of(given)
            if lang is None:
                skip("unsupported", given)
            else:
                yield Candidate(given, lang, explicit=True)
            continue
        yield from _walk(given, _initial_ignores(given).with_dir(os.path.abspath(given)), include_vendored, skip)


def _walk(top: str, ignores: _Ignores, include_vendored: bool, skip) -> Iterator[Candidate]:
    stack = [(top, ignores)]
    while stack:
        directory, ign = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
            entries.sort(key=lambda e: e.name)
        except OSError:
            skip("unreadable", directory)
            continue
        subdirs = []
        check_ignores = bool(ign.specs)
        for entry in entries:
            name = entry.name
            absolute = os.path.abspath(entry.path) if check_ignores else ""
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if name in VCS_DIRS:
                    continue
                if name in VENDORED_DIRS and not include_vendored:
                    skip("vendored", entry.path)
                    continue
                if check_ignores and ign.ignored(absolute, True):
                    skip("gitignored", entry.path)
                    continue
                subdirs.append(entry.path)
                continue
            if not is_file:
                continue  # symlinks, sockets...
            lang = language_of(name)
            if lang is None:
                skip("unsupported-walked", entry.path)
                continue
            if name in LOCKFILES:
                skip("lockfile", entry.path)
                continue
            if is_minified_name(name):
                skip("minified", entry.path)
                continue
            if check_ignores and ign.ignored(absolute, False):
                skip("gitignored", entry.path)
                continue
            yield Candidate(os.path.normpath(entry.path), lang)
        for sub in reversed(subdirs):
            stack.append((sub, ign.with_dir(os.path.abspath(sub))))


def mentions_key(data: bytes) -> bool:
    """The cheap byte prefilter: could these bytes hold any spelling of the key?"""
    return PREFILTER in data or (b"rowse" in data and VARIANT_BYTES.search(data) is not None)


def read_candidate(path: str) -> tuple[str | None, str | None, str | None]:
    """(text, skip reason, error). Text is None when the file is skipped, untouched by the prefilter, or unreadable.

    A file over MAX_BYTES is skipped whatever it holds (its end was not read, so it cannot be called clean).
    Then the cheap byte prefilter: a file without b"BROWSE" (or another spelling) costs one read and one `in`.
    """
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        return None, None, f"cannot be read ({e.strerror or e})."
    if len(data) > MAX_BYTES:
        return None, "too-large", None
    if PREFILTER not in data and not (b"rowse" in data and VARIANT_BYTES.search(data)):  # mentions_key, inlined: it runs for every file
        return None, None, None
    if b"\0" in data[:8192]:
        return None, "binary", None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not-utf8", None
    if _looks_minified(text, path):
        return None, "minified", None
    return text, None, None


def _looks_minified(text: str, path: str) -> bool:
    if not path.endswith((".js", ".mjs", ".cjs", ".json")) or len(text) < 20_000:
        return False
    lines = text.count("\n") + 1
    return len(text) / lines > 1000 and not path.endswith(".json")
