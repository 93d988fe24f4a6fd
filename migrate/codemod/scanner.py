"""Walk the given paths and yield the files worth reading.

- Honours .gitignore files the way git does (pathspec's GitIgnoreSpec), including nested ones and those
  of the enclosing repository above the given directory, plus .git/info/exclude.
- Skips vendored and generated trees (node_modules, vendor, dist, build, ...) unless include_vendored,
  VCS directories always, minified bundles, lockfiles and files in languages the codemod does not handle.
- Binary (NUL byte), non-UTF-8, huge and minified files are skipped when read (see `read_candidate`).

Every skipped file or folder is reported to `on_skip(reason, path)` (SKIP_REASONS says what each means), so
the run can name it. A file named explicitly on the command line is always considered (pre-commit passes
files one by one); if it then cannot be read as source, that is the run's error, not a skip.

What a walked file must hold before any of that matters: one of the `keys.LITERALS` (b"BROWSE", b"rowse"),
anywhere in it. A walked file without them is clean and never named, whatever its size or encoding (the
prefilter read all of it); `read_walked` is that rule in Python, and `migrate.codemod.prefilter` asks
ripgrep first when it is installed.

`walk` (a Folder of names per folder: the codemod's hot path) or `iter_candidates` (the same walk, file by
file) and `read_candidate` (the read with its prefilter) are the public entry points; other commands that
scan app code reuse them.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Callable, Iterator, NamedTuple

from migrate.codemod.keys import LITERALS, mentions_key as _mentions_text
from migrate.codemod.languages import LOCKFILES, any_minified_name, is_minified_name, language_of, language_of_name, with_a_language

if TYPE_CHECKING:
    import pathspec

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
# Other spellings of the key (see migrate.codemod.keys.VARIANT_RE) in bytes that cannot be decoded (binary,
# not UTF-8): whether such a file is named as skipped. Tested only when b"rowse" is there.
VARIANT_BYTES = re.compile(rb"(?i)browse[_ \t]+projects|permissions?[\"']?\s*[:=]>?\s*[\"']?browse\b")
LITERAL_BYTES = tuple(lit.encode() for lit in LITERALS)
CHUNK = 1 << 20  # how much of a file over MAX_BYTES the literal search holds at once
# Why a file or folder was skipped, as the end of a sentence about it.
SKIP_REASONS = {
    "too-large": f"is larger than {MAX_BYTES // 1_000_000} MB, so it was not analysed",
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


class Candidate(NamedTuple):  # a tuple: the walk makes one per source file, so it must be cheap to make
    path: str  # as shown to the user (joined onto the path they gave)
    language: str
    explicit: bool = False  # named on the command line (not found by walking a folder)


class Folder(NamedTuple):
    """What the walk found in one folder: the shown path of each file is `prefix + name`."""

    directory: str  # the folder as listed (its files' paths in skip reports are os.path.join(directory, name))
    prefix: str  # the folder's shown path and a separator ("" for the current folder)
    names: list[str]  # its candidate files (a language, none of the skips below), in name order
    files: list[str]  # every regular file in it, in name order
    unsupported: int  # how many of `files` have no language
    # Could a .gitignore pattern that applies here match this folder's path, one of its parents' or one of
    # its candidates' (by the patterns' literal runs, see _undecided)? If not, no .gitignore reader, git's
    # or another's, can leave out one of `names`.
    ruled: bool = False
    opaque: bool = False  # ruled by a .gitignore with a pattern of no literal run: it may match any path
    pruned: tuple[str, ...] = ()  # its subfolders the walk did not enter (VCS, vendored, gitignored)

    def candidates(self) -> Iterator[Candidate]:
        for name in self.names:
            yield Candidate(self.prefix + name, language_of_name(name) or "")


class _Rules(NamedTuple):
    spec: pathspec.GitIgnoreSpec
    # All the spec's patterns in one regex: a path none of them matches is not decided by this file, which
    # is the answer for most paths, found by one search instead of one per pattern. None: check each.
    screen: re.Pattern[str] | None
    # A string every path a pattern of this file matches holds (a literal run of the pattern: no /, no
    # wildcard), one per pattern: a folder whose path and files hold none of them is not decided by this
    # file, found by a substring search per string instead of a regex search per file. None: some
    # pattern has no literal run ("*"), so each file is checked.
    needles: tuple[str, ...] | None


# The .gitignore files that apply to the entries of one folder, deepest first: (prefix, rules), each file's
# patterns matched against prefix + name (the entry's path relative to that file's folder).
Ignores = list[tuple[str, _Rules]]


def _ignored(rules: list[tuple[str, _Rules]], name: str, is_dir: bool) -> bool:
    for prefix, (spec, screen, _) in rules:
        rel = prefix + name + "/" if is_dir else prefix + name
        if screen is not None and screen.search(rel) is None:
            continue
        res = spec.check_file(rel)
        if res.include is not None:
            return bool(res.include)
    return False


def _undecided(rules: Ignores, names: list[str]) -> bool:
    """True when no .gitignore of `rules` decides any of the files `names` of one folder (so none is
    ignored), by the needles of each (see _Rules): a pattern matches prefix + name only if its needle is
    in one of them, since a needle holds no "/" and each prefix ends with one."""
    block = "\0".join(names)  # (a needle holds no NUL, so it cannot span two names)
    for prefix, (_, _, needles) in rules:
        if needles is None or any(n in prefix or n in block for n in needles):
            return False
    return True


_NEEDLE_SPLIT = re.compile(r"[*?\\/\[\]]")


def _needle(pattern: str) -> str | None:
    """A literal run every path `pattern` (a .gitignore line) matches holds, or None if it has none. The
    line without blanks at its ends (gitignore drops trailing ones; a leading one is a character of the
    pattern, so leaving it out asks for less) and its "!", cut before a bracket expression ("[ab]" is
    one character, not a run), split where a wildcard, an escape or a "/" stands; the longest run."""
    text = pattern.strip()
    text = text[1:] if text.startswith("!") else text
    text = text.split("[", 1)[0]
    return max(_NEEDLE_SPLIT.split(text), key=len) or None


def _needles(spec: pathspec.GitIgnoreSpec) -> tuple[str, ...] | None:
    found = []
    for p in spec.patterns:
        if p.include is None:
            continue
        needle = _needle(p.pattern) if isinstance(getattr(p, "pattern", None), str) else None
        if needle is None:
            return None
        found.append(needle)
    return tuple(dict.fromkeys(found))


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def _screen(spec: pathspec.GitIgnoreSpec) -> re.Pattern[str] | None:
    parts = []
    for p in spec.patterns:
        if p.include is None:
            continue
        rx = getattr(p, "regex", None)
        if not isinstance(rx, re.Pattern) or not isinstance(rx.pattern, str) or rx.flags != re.compile(rx.pattern).flags:
            return None  # not a plain regex: check pattern by pattern
        parts.append("(?:" + _NAMED_GROUP.sub("(?:", rx.pattern) + ")")
    try:
        return re.compile("|".join(parts))
    except re.error:
        return None


def _load(path: str) -> _Rules | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    import pathspec  # only a tree with a .gitignore needs it

    # A line that is not UTF-8, or that pathspec cannot read, is matched by other readers (ripgrep) some
    # other way: then the file's needles cannot vouch that it decides nothing about a path (plain=False).
    try:
        text, plain = data.decode("utf-8"), True
    except UnicodeDecodeError:
        text, plain = data.decode("utf-8", errors="replace"), False
    lines = text.removeprefix("\ufeff").splitlines()  # (git skips a byte order mark)
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):
        # a line pathspec cannot read ("!" alone, a range backwards such as "[z-a]"): the others still count
        spec = pathspec.GitIgnoreSpec.from_lines([line for line in lines if _readable(pathspec, line)])
        plain = False
    # a file of comments only (git init's info/exclude) decides nothing: not worth a check per entry
    if plain and not any(p.include is not None for p in spec.patterns):
        return None
    return _Rules(spec, _screen(spec), _needles(spec) if plain else None)


def _readable(pathspec, line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True


def _repo_root(directory: str) -> str | None:
    d = os.path.abspath(directory)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _initial_ignores(directory: str) -> Ignores:
    """The .gitignore files from the repository root down to (not including) `directory`, and
    .git/info/exclude, for the entries of `directory` (its own .gitignore is the walk's to read)."""
    absdir = os.path.abspath(directory)
    root = _repo_root(absdir)
    if root is None:
        return []
    specs: list[tuple[str, _Rules]] = []
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
    return [(os.path.relpath(absdir, base).replace(os.sep, "/") + "/", rules) for base, rules in reversed(specs)]


def walk(
    paths: list[str],
    *,
    include_vendored: bool = False,
    on_skip: Callable[[str, str], None] | None = None,
) -> Iterator[Candidate | Folder]:
    """What to read, in a stable order: a Candidate for each file named in `paths`, a Folder for each folder
    walked. Skipped files and folders go to `on_skip` as the walk meets them, except files of no language,
    which each Folder counts. Raises FileNotFoundError for a path that does not exist."""

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
        yield from _walk(given, _initial_ignores(given), include_vendored, skip)


def iter_candidates(
    paths: list[str],
    *,
    include_vendored: bool = False,
    on_skip: Callable[[str, str], None] | None = None,
) -> Iterator[Candidate]:
    """`walk`, file by file: each file of no language in a walked folder goes to `on_skip` as
    ("unsupported-walked", path)."""
    for item in walk(paths, include_vendored=include_vendored, on_skip=on_skip):
        if isinstance(item, Candidate):
            yield item
            continue
        if item.unsupported and on_skip is not None:
            for name in item.files:
                if language_of_name(name) is None:
                    on_skip("unsupported-walked", os.path.join(item.directory, name))
        yield from item.candidates()


def _walk(top: str, ignores: Ignores, include_vendored: bool, skip: Callable[[str, str], None]) -> Iterator[Folder]:
    # The hot loop of a run over a big tree, so the work is per folder wherever it can be: one listing, the
    # names sorted as strings, C string tests for their languages (with_a_language), one set or substring
    # test for lockfiles and minified names, substring tests per .gitignore for all of them (_undecided);
    # only a folder where one of those finds something checks its files one by one. The shown path and
    # the .gitignore prefixes of a folder extend its parent's (no path arithmetic per file).
    vendored = frozenset() if include_vendored else VENDORED_DIRS
    shown = os.path.normpath(top)
    stack = [(top, "" if shown == "." else shown if shown.endswith(os.sep) else shown + os.sep, ignores)]
    while stack:
        directory, prefix, rules = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError:
            skip("unreadable", directory)
            continue
        files, dirs = _split(entries)
        if ".gitignore" in files or (len(files) + len(dirs) < len(entries) and any(e.name == ".gitignore" for e in entries)):
            own = _load(os.path.join(directory, ".gitignore"))
            if own is not None:
                rules = [("", own), *rules]
        skipped: list[tuple[str, str]] = []  # (name, reason) in this folder
        subdirs = []
        for name in sorted(dirs):
            if name in VCS_DIRS:
                continue
            if name in vendored:
                skipped.append((name, "vendored"))
            elif rules and _ignored(rules, name, True):
                skipped.append((name, "gitignored"))
            else:
                subdirs.append(name)
        files.sort()
        names = with_a_language(files)
        unsupported = len(files) - len(names)
        ruled = bool(rules) and bool(names) and not _undecided(rules, names)
        if names and (ruled or not LOCKFILES.isdisjoint(names) or any_minified_name(names)):
            names = _drop_skipped(names, rules, skipped)
        # named in the order of the folder's sorted entries, folders and files together
        for name, reason in sorted(skipped):
            skip(reason, os.path.join(directory, name))
        pruned = tuple(sorted(set(dirs).difference(subdirs))) if len(subdirs) < len(dirs) else ()
        opaque = ruled and any(needles is None for _, (_, _, needles) in rules)
        yield Folder(directory, prefix, names, files, unsupported, ruled, opaque, pruned)
        for name in reversed(subdirs):
            stack.append((os.path.join(directory, name), prefix + name + os.sep, [(p + name + "/", r) for p, r in rules]))


def _split(entries: list[os.DirEntry[str]]) -> tuple[list[str], list[str]]:
    """(names of the regular files, names of the folders) among `entries`; symbolic links and other kinds
    are neither. An entry whose kind cannot be read is left out."""
    try:
        files = [e.name for e in entries if e.is_file(follow_symlinks=False)]
        if len(files) == len(entries):  # a folder of files only (most folders of a big tree)
            return files, []
        return files, [e.name for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        pass
    files, dirs = [], []
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                dirs.append(e.name)
            elif e.is_file(follow_symlinks=False):
                files.append(e.name)
        except OSError:
            continue
    return files, dirs


def _drop_skipped(names: list[str], rules: Ignores, skipped: list[tuple[str, str]]) -> list[str]:
    """`names` without the lockfiles, minified names and gitignored files, each added to `skipped`."""
    kept = []
    for name in names:
        if name in LOCKFILES:
            skipped.append((name, "lockfile"))
        elif is_minified_name(name):
            skipped.append((name, "minified"))
        elif rules and _ignored(rules, name, False):
            skipped.append((name, "gitignored"))
        else:
            kept.append(name)
    return kept


def mentions_key(data: bytes) -> bool:
    """The byte test for content that cannot be decoded (binary, not UTF-8): could it hold the key?"""
    return PREFILTER in data or (b"rowse" in data and VARIANT_BYTES.search(data) is not None)


def has_literal(data: bytes) -> bool:
    """Does `data` hold b"BROWSE" or b"rowse"? A file without either cannot hold any spelling of the key."""
    return any(lit in data for lit in LITERAL_BYTES)


def _cannot_read(e: OSError) -> tuple[None, None, str]:
    return None, None, f"cannot be read ({e.strerror or e})."


CLEAN: tuple[None, None, None] = (None, None, None)
TOO_LARGE: tuple[None, str, None] = (None, "too-large", None)


def read_candidate(path: str) -> tuple[str | None, str | None, str | None]:
    """(text, skip reason, error). Text is None when the file is skipped, does not mention the key, or is unreadable.

    A file over MAX_BYTES is skipped whatever it holds (the run does not analyse it). Otherwise the file is
    read whole, into a buffer of the size fstat gives, and `examine`d.
    """
    return _read(path, search_large=False)


def read_walked(path: str) -> tuple[str | None, str | None, str | None]:
    """`read_candidate` for a file found by walking a folder: a file without the literals is clean whatever
    its size, so one over MAX_BYTES is searched to its end (in chunks) and named too large only when it
    holds one. The prefilter's answer for a walked file must equal this function's."""
    return _read(path, search_large=True)


def _read(path: str, *, search_large: bool) -> tuple[str | None, str | None, str | None]:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError as e:
        return _cannot_read(e)
    try:
        size = os.fstat(fd).st_size
        data = b"" if size > MAX_BYTES else _read_all(fd, size)
        if size > MAX_BYTES or len(data) > MAX_BYTES:  # (or it grew past the limit after fstat)
            if not search_large or has_literal(data) or _literal_in_stream(fd, data[-16:]):
                return TOO_LARGE
            return CLEAN
    except OSError as e:
        return _cannot_read(e)
    finally:
        os.close(fd)
    return examine(path, data)


def _read_all(fd: int, size: int) -> bytes:
    """The file's bytes in one read into a buffer of the size fstat gave (the +1 sees a file that grew);
    more reads only if it did, up to just past MAX_BYTES."""
    data = os.read(fd, size + 1)
    if len(data) == size:
        return data
    parts, total = [data], len(data)
    while total <= MAX_BYTES:
        more = os.read(fd, 1 << 16)
        if not more:
            break
        parts.append(more)
        total += len(more)
    return b"".join(parts)


def _literal_in_stream(fd: int, tail: bytes = b"") -> bool:
    """Search the rest of an open file for the literals, CHUNK bytes at a time (a literal may straddle two)."""
    keep = max(map(len, LITERAL_BYTES)) - 1
    while True:
        b = os.read(fd, CHUNK)
        if not b:
            return False
        window = tail + b
        if has_literal(window):
            return True
        tail = window[-keep:]


def examine(path: str, data: bytes) -> tuple[str | None, str | None, str | None]:
    """The checks on a file's bytes: (text, skip reason, None), text None when it is clean.

    Bytes that decode as UTF-8 text are clean unless `keys.mentions_key` says the text could hold the key
    (the very test the engine starts with, so nothing the engine would report is dropped here). Bytes that
    cannot be decoded (a NUL byte, not UTF-8) are named as skipped when `mentions_key` (the byte test) finds
    a spelling of the key in them, and clean otherwise."""
    if not has_literal(data):
        return CLEAN
    if b"\0" in data[:8192]:
        return (None, "binary", None) if mentions_key(data) else CLEAN
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return (None, "not-utf8", None) if mentions_key(data) else CLEAN
    if not _mentions_text(text):
        return CLEAN
    if _looks_minified(text, path):
        return None, "minified", None
    return text, None, None


def _looks_minified(text: str, path: str) -> bool:
    if not path.endswith((".js", ".mjs", ".cjs", ".json")) or len(text) < 20_000:
        return False
    lines = text.count("\n") + 1
    return len(text) / lines > 1000 and not path.endswith(".json")
