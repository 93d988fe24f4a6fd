"""What reading each walked file gives, with ripgrep doing the reading when it is installed.

The walk (`scanner.walk`) decides which files are candidates and names every file it skips; this module
answers, for each candidate in walk order, what `scanner.read_walked` answers for it (text to analyse, a
skip reason, an error, or clean; the clean ones are left out). A file holds something the codemod reports
only if it holds one of `keys.LITERALS` (b"BROWSE", b"rowse"); read_walked calls a file without them clean,
without decoding it.

ripgrep (the `ripgrep` wheel's `rg`) lists the files holding a literal (fixed strings, raw bytes: --text,
no transcoding, no config file, case-sensitive); only those are read in Python. It is run two ways:

- **Over the whole tree** (`_Tree`): one run over the folders named on the command line, started before
  the walk (by `migrate codemod` even before typer loads: migrate.cli.prestart), walking them itself on
  one thread while Python walks beside it. Hidden files are searched, VCS and vendored folders left out
  by globs, every file whose name has a language (case-insensitive globs) searched, and .gitignore files
  read as ripgrep reads them, but only those inside the tree (none above it, no global file, no
  .git/info/exclude, no .ignore): every one of them is one the walk reads too. Its answer counts only for
  the folders the walk finds no .gitignore pattern could decide (`Folder.ruled`: no literal run of a
  pattern that applies there is in the folder's path or its candidates' names, so no reader, git's or
  ripgrep's, can leave one of them out). A .gitignore with a pattern of no literal run ("*"), a line
  pathspec cannot read or bytes that are not UTF-8 may decide any path as far as the walk can tell: the
  tree's run is then stopped, and every folder searched as below.
- **Folder by folder** (`Search`'s batches): the other folders, handed over a batch at a time while the
  walk goes on, each folder a root searched one level deep (--max-depth 1) with no ignore file at all, so
  every regular file of a listed folder whose name has a language is searched, which is every candidate
  there; the walk's own rules (.gitignore as git reads it, vendored folders...) decided which folders and
  files those are.

Either way a candidate whose suffix is not ASCII, where the case-insensitive globs and str.lower() can
part, is read in Python, and tests/codemod/test_codemod_prefilter.py checks that every candidate of trees
of every kind of name and .gitignore is searched. An answer that cannot be trusted is replaced by reading
in Python (or, for the tree's run, by the folder-by-folder search): ripgrep missing or failing (a file or
folder it could not read), an exit code its listing contradicts, or a path it lists that the walk cannot
place (for the tree: not in a walked folder nor under a folder the walk left out; for a batch: not a file
of its folders). The tree's run lists a file per line as it finds one, so the run reads and parses those
files while ripgrep reads the others; a path holding a line break spans two lines there, so a folder
whose path or names hold one is searched folder by folder. Files named on the command line never go to
ripgrep: `read_candidate` reads them (a named file must be checkable, so one over the size limit is an
error even without the key).
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
from typing import IO, Iterable, Iterator, NamedTuple

from migrate.codemod.keys import LITERALS
from migrate.codemod.languages import EXTENSIONS, language_of_name, names_with_a_language
from migrate.codemod.scanner import CLEAN, VCS_DIRS, VENDORED_DIRS, Candidate, Folder, read_candidate, read_walked

Read = tuple[str | None, str | None, str | None]  # (text, skip reason, error), as read_candidate returns

MODES = ("auto", "ripgrep", "python")
# Each folder given is searched one level deep, every file in it, hidden ones too (the walk has applied
# .gitignore and the rest); the bytes as they are, whatever their encoding; no config file.
SEARCH = ("--no-config", "--null", "--no-messages", "--no-ignore", "--hidden", "--max-depth", "1", "--text",
          "--encoding", "none", "--fixed-strings", "--case-sensitive", "--files-with-matches")
# The folders named on the command line, walked by ripgrep itself: hidden files included, VCS and vendored
# folders left out by globs (--glob), and .gitignore files read as ripgrep reads them, but only those inside
# the tree (none above it, no global or .git/info/exclude file, no .ignore): fewer than the walk reads, so
# that a pattern ripgrep applies is one the walk applies too (see the module's docstring).
TREE = ("--no-config", "--threads", "1", "--line-buffered", "--no-messages", "--hidden", "--no-require-git", "--no-ignore-parent",
        "--no-ignore-global", "--no-ignore-exclude", "--no-ignore-dot", "--text", "--encoding", "none",
        "--fixed-strings", "--case-sensitive", "--files-with-matches")
# Candidate files of the folders one ripgrep run is given, at least: fewer are read in Python (a small tree,
# what is left when the walk ends), which is quicker than starting ripgrep.
MIN_BATCH = 500
IDLE_CHECK = 250
# The folders of one ripgrep run, in characters: well inside every platform's command line (Windows: 32,767).
MAX_ARGV = 24_000


@functools.lru_cache(maxsize=1)
def find_ripgrep() -> str | None:
    """The `rg` the ripgrep wheel installed beside this interpreter's scripts (a venv's bin/, which need not
    be on PATH), else one on PATH that says it is ripgrep."""
    import shutil

    if sys.prefix != sys.base_prefix and os.name == "posix":
        # a venv: its scripts are beside its interpreter (asked first, as sysconfig costs milliseconds)
        found = shutil.which("rg", path=os.path.dirname(sys.executable))
        if found:
            return found
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


def _name_globs() -> list[str]:
    """Globs for the names that have a language (case-insensitive: a superset of with_a_language's)."""
    args = []
    for ext in sorted(set(EXTENSIONS)):
        args += ["--iglob", "*" + ext]
    for name in names_with_a_language():
        args += ["--iglob", name]
    return args


class _Batch(NamedTuple):
    folders: list[Folder]
    run: tuple[subprocess.Popen, IO[bytes]] | None


def _spawn(argv: list[str]) -> tuple[subprocess.Popen, IO[bytes]] | None:
    """ripgrep started on `argv`, its listing going to a temporary file (not a pipe: ripgrep never waits
    for Python to read); None if it cannot be started."""
    import tempfile

    out = tempfile.TemporaryFile()
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.DEVNULL), out
    except (OSError, ValueError):
        out.close()
        return None


def _finish(run: tuple[subprocess.Popen, IO[bytes]] | None) -> list[str] | None:
    """The paths a finished ripgrep listed, or None if its answer cannot be trusted: it could not start, it
    failed (2: some file or folder could not be read), or its exit code contradicts its listing (0: some
    file holds a literal, 1: none does; each path ends with a NUL)."""
    if run is None:
        return None
    proc, out = run
    code = proc.wait()
    out.seek(0)
    data = out.read()
    if code not in (0, 1) or (code == 0) != bool(data) or (data and not data.endswith(b"\0")):
        return None
    # the whole listing at once, decoded as os.fsdecode decodes each path
    return data.decode(sys.getfilesystemencoding(), "surrogateescape").split("\0")[:-1]


def _stop(run: tuple[subprocess.Popen, IO[bytes]] | None) -> None:
    if run is not None:
        proc, out = run
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        out.close()


def _split_path(path: str) -> tuple[str, str]:
    """(folder prefix, name) of a path ripgrep listed, spelt as the walk spells them."""
    cut = max(path.rfind(os.sep), path.rfind(os.altsep) if os.altsep else -1) + 1
    return path[:cut], path[cut:]


class _Tree:
    """One ripgrep over the folders named on the command line, walking them itself, started before the walk
    (see the module's docstring: which of its answers count). Its listing comes through a pipe, a line per
    file as it finds one (--line-buffered), drained by a thread: ripgrep never waits for Python, and the
    run can read and parse the files it lists while it still reads others."""

    def __init__(self, rg: str, tops: list[str], include_vendored: bool):
        import threading

        skipped = sorted(VCS_DIRS) + ([] if include_vendored else sorted(VENDORED_DIRS))
        # each folder by its path as the walk shows it, so that ripgrep spells its files as the walk does
        roots = [os.path.normpath(top) for top in tops]
        self.dot = "." in roots  # whose files ripgrep spells ./name, and the walk name
        self.chunks: list[bytes] = []
        self.ended = False  # the listing is complete (or ripgrep could not be started)
        self.failed = False
        self.arrived = threading.Condition()
        self.proc: subprocess.Popen | None = None
        self.drain: threading.Thread | None = None
        try:
            self.proc = subprocess.Popen(
                [rg, *TREE, *_name_globs(), *[a for d in skipped for a in ("--glob", f"!{d}/")],
                 *[a for lit in LITERALS for a in ("-e", lit)], "--", *roots],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0,
            )
        except (OSError, ValueError):
            self.failed = self.ended = True
            return
        self.drain = threading.Thread(target=self._drain, name="ripgrep listing", daemon=True)
        self.drain.start()

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            while chunk := self.proc.stdout.read(1 << 16):
                with self.arrived:
                    self.chunks.append(chunk)
                    self.arrived.notify()
        except (OSError, ValueError):  # (closed by close())
            self.failed = True
        finally:
            with self.arrived:
                self.ended = True
                self.arrived.notify()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def listed(self) -> Iterator[str]:
        """The paths ripgrep lists, as it lists them, until it ends: not yet to be trusted (see answer)."""
        seen, rest = 0, b""
        while True:
            with self.arrived:
                while len(self.chunks) == seen and not self.ended:
                    self.arrived.wait()
                new, seen, ended = self.chunks[seen:], len(self.chunks), self.ended
            lines = (rest + b"".join(new)).split(b"\n")
            rest = lines.pop()
            for line in lines:
                yield self._path(line)
            if ended:
                return

    def _path(self, line: bytes) -> str:
        # decoded as os.fsdecode decodes each path
        path = line.decode(sys.getfilesystemencoding(), "surrogateescape")
        return path[2:] if self.dot and path.startswith("." + os.sep) else path

    def answer(self, walked: dict[str, Folder]) -> dict[str, set[str]] | None:
        """{folder prefix: names holding a literal} for the folders of `walked` (by prefix), or None if the
        answer cannot be trusted: ripgrep failed (2: something could not be read), its exit code contradicts
        its listing (0: some file holds a literal, 1: none does), or it listed a path that is neither in a
        walked folder nor under a folder the walk left out (a path spelt otherwise than the walk spells it).
        A line of a path holding a line break is two lines here: the run trusts this answer only for
        folders whose paths hold none (see Search.feed)."""
        if self.proc is None or self.drain is None:
            return None
        self.drain.join()
        code = self.proc.wait()
        data = b"".join(self.chunks)
        if self.failed or code not in (0, 1) or (code == 0) != bool(data) or (data and not data.endswith(b"\n")):
            return None
        found: dict[str, set[str]] = {}
        last = None
        for line in data.split(b"\n")[:-1]:
            path = self._path(line)
            prefix, name = _split_path(path)
            if last is not None and prefix not in walked and not _under_pruned(prefix, walked):
                path = last + "\n" + line.decode(sys.getfilesystemencoding(), "surrogateescape")  # the rest of a path with a line break
                prefix, name = _split_path(path)
            if prefix in walked:
                found.setdefault(prefix, set()).add(name)
            elif not _under_pruned(prefix, walked):
                return None
            last = path
        return found

    def close(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        if self.drain is not None:
            self.drain.join()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _under_pruned(prefix: str, walked: dict[str, Folder]) -> bool:
    """Is the folder `prefix` inside a folder the walk did not enter (gitignored, vendored)? The nearest of
    its parents that the walk listed must name the next one as pruned."""
    while prefix:
        cut = max(prefix.rfind(os.sep, 0, -1), prefix.rfind(os.altsep, 0, -1) if os.altsep else -1) + 1
        parent = prefix[:cut]
        if parent in walked:
            return prefix[cut:-1] in walked[parent].pruned
        if parent == prefix:
            return False
        prefix = parent
    return False


# Trees started before the run asked for them (see prestart), each with what it searches.
_early: list[tuple[tuple[str, tuple[str, ...], bool, str], _Tree]] = []


def prestart(tops: list[str], include_vendored: bool = False) -> None:
    """Start the tree's ripgrep over the folders `tops` now, for a run that will ask for it (a Search over
    the same folders, spelt the same); stopped at exit if none does."""
    rg = find_ripgrep()
    if rg is None or not tops:
        return
    import atexit

    tree = _Tree(rg, tops, include_vendored)
    atexit.register(tree.close)
    _early.append(((rg, tuple(tops), include_vendored, os.getcwd()), tree))


def _tree(rg: str, tops: list[str], include_vendored: bool) -> _Tree:
    """The tree started early for this search, or a new one."""
    key = (rg, tuple(tops), include_vendored, os.getcwd()) if _early else None
    for i, (started, tree) in enumerate(_early):
        if started == key:
            del _early[i]
            return tree
    return _Tree(rg, tops, include_vendored)


class Search:
    """ripgrep over the tree: one run over the folders named on the command line (`tops`), started at once,
    answers for every folder no .gitignore could decide; the other folders go to runs started batch by
    batch while the walk goes on: a batch starts once MIN_BATCH files wait and no ripgrep is running, or
    when the folders waiting fill a command line, and the rest when the walk ends; so ripgrep reads while
    Python walks, in as few runs as keep it busy."""

    def __init__(self, rg: str, tops: list[str] | None = None, include_vendored: bool = False):
        self.argv = [rg, *SEARCH, *_name_globs(), *[a for lit in LITERALS for a in ("-e", lit)], "--"]
        self.tree = _tree(rg, tops, include_vendored) if tops else None
        self.tree_folders: list[Folder] = []  # the folders the tree's run answers for
        self.tree_ids: set[int] = set()  # (their ids)
        self.tree_files = 0
        self.tree_found: dict[str, set[str]] | None = None
        self.walked: dict[str, Folder] = {}  # prefix -> folder, every folder the walk listed
        self.batches: list[_Batch] = []
        self.pending: list[Folder] = []
        self.pending_files = 0
        self.pending_chars = 0
        self.check = MIN_BATCH  # pending files at which to ask whether ripgrep is idle
        self.batch_of: dict[int, int] = {}  # id(folder) -> its batch
        self.found: dict[int, dict[str, set[str]] | None] = {}  # batch -> {prefix: names holding a literal}

    def feed(self, items: Iterable[Candidate | Folder]) -> Iterator[Candidate | Folder]:
        """`items` as they come; the candidates of each folder go to ripgrep."""
        for item in items:
            if isinstance(item, Folder):
                if self.tree is not None:
                    self.walked.setdefault(item.prefix, item)
                    if item.opaque:  # a .gitignore that may decide any path: no folder below it is the tree's
                        self._drop_tree()
                if not item.names:
                    pass
                elif self.tree is not None and not item.ruled and "\n" not in item.prefix + "".join(item.names):
                    self.tree_folders.append(item)
                    self.tree_ids.add(id(item))
                    self.tree_files += len(item.names)
                else:
                    self._queue(item)
            yield item
        if self.tree is not None and self.tree_files < MIN_BATCH and self.tree.running():
            self._drop_tree()  # a small tree: its files are read in Python sooner than ripgrep ends
        if self.pending_files >= MIN_BATCH:
            self._start()
        # else the few files left (or those of a small tree) are read in Python: sooner than a ripgrep run
        # is started, which costs a few milliseconds whatever it reads

    def _queue(self, folder: Folder) -> None:
        self.pending.append(folder)
        self.pending_files += len(folder.names)
        self.pending_chars += len(folder.prefix) + 1
        # (is ripgrep idle? asked every IDLE_CHECK files: each asking is a system call)
        if self.pending_chars > MAX_ARGV or (self.pending_files >= self.check and self._idle()):
            self._start()
        elif self.pending_files >= self.check:
            self.check = self.pending_files + IDLE_CHECK

    def _drop_tree(self) -> None:
        """No more answers from the tree's run: its folders go to batches (or to Python)."""
        if self.tree is None:
            return
        self.tree.close()
        self.tree = None
        folders, self.tree_folders, self.tree_files = self.tree_folders, [], 0
        self.tree_ids.clear()
        for folder in folders:
            self._queue(folder)

    def _idle(self) -> bool:
        return not self.batches or self.batches[-1].run is None or self.batches[-1].run[0].poll() is not None

    def _start(self) -> None:
        if not self.pending:
            return
        for folder in self.pending:
            self.batch_of[id(folder)] = len(self.batches)
        # each folder by its shown path, so that ripgrep spells its files as the walk does (prefix + name)
        roots = [folder.prefix or "." for folder in self.pending]
        self.batches.append(_Batch(self.pending, _spawn([*self.argv, *roots])))
        self.pending, self.pending_files, self.pending_chars, self.check = [], 0, 0, MIN_BATCH

    def early(self) -> Iterator[Candidate]:
        """The candidates of the tree's folders that ripgrep lists, as it lists them, until it ends: files
        to read (and parse) while it reads others. Not an answer: which files hold a literal is hits()'s."""
        if self.tree is None:
            return
        for path in self.tree.listed():
            prefix, name = _split_path(path)
            folder = self.walked.get(prefix)
            if folder is not None and id(folder) in self.tree_ids and name in folder.names:
                yield Candidate(path, language_of_name(name) or "")

    def _tree_answer(self) -> dict[str, set[str]] | None:
        """The tree's answer, once the walk is over; if it cannot be trusted, its folders go to batches
        started now (or to Python, if they are few) and None."""
        if self.tree_found is None and self.tree is not None:
            self.tree_found = self.tree.answer(self.walked)
            if self.tree_found is None:
                self._drop_tree()
                if self.pending_files >= MIN_BATCH:
                    self._start()
        return self.tree_found

    def hits(self, folder: Folder) -> set[str] | None:
        """The names of `folder`'s files to read: those ripgrep listed as holding a literal, and any candidate
        whose suffix is not ASCII (there ripgrep's case-insensitive globs and str.lower() part: the Kelvin
        sign, U+212A, lowers to "k", so its "a.Kt" is Kotlin to the walk and no *.kt to ripgrep). None when
        it must be read in Python."""
        if id(folder) in self.tree_ids and self._tree_answer() is not None:
            hits = (self.tree_found or {}).get(folder.prefix, set())
        else:
            n = self.batch_of.get(id(folder))
            if n is None:
                return None
            if n not in self.found:
                self.found[n] = _collect(self.batches[n])
            found = self.found[n]
            if found is None:
                return None
            hits = found.get(folder.prefix, set())
        if not "".join(folder.names).isascii():
            hits = hits | {name for name in folder.names if not name[name.rfind(".") :].isascii()}
        return hits

    def close(self) -> None:
        if self.tree is not None:
            self.tree.close()
        for batch in self.batches:
            _stop(batch.run)

    def __enter__(self) -> "Search":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _collect(batch: _Batch) -> dict[str, set[str]] | None:
    """{folder prefix: names holding a literal} from a finished batch; None if it cannot be trusted (see
    _finish), or if it listed a path that is not a file of one of the folders."""
    listed = _finish(batch.run)
    if listed is None:
        return None
    folders = {folder.prefix: folder for folder in batch.folders}
    found: dict[str, set[str]] = {}
    for path in listed:
        if "" in folders and path.startswith("." + os.sep):  # the folder "." spells its files ./name
            path = path[2:]
        prefix, name = _split_path(path)
        folder = folders.get(prefix)
        if folder is None or name not in folder.files:
            return None
        found.setdefault(prefix, set()).add(name)
    return found


def search(rg: str | None, tops: list[str] | None = None, include_vendored: bool = False) -> Search | contextlib.nullcontext[None]:
    """`with search(rg, tops) as s:` a Search with ripgrep `rg` (over the folders `tops` as a whole, and
    folder by folder), or None (read in Python)."""
    return Search(rg, tops, include_vendored) if rg else contextlib.nullcontext()


def outcomes(items: Iterable[Candidate | Folder], search: Search | None, read: dict[str, Read] | None = None) -> Iterator[tuple[Candidate, Read]]:
    """(candidate, what reading it gives) for every candidate of the walk whose read is not CLEAN, in the
    walk's order. With a search (which `items` went through, see Search.feed), a walked file is read only if
    ripgrep listed it as holding a literal; without one, or where a batch cannot be trusted, every file is.
    `read`: files read already in this run (path -> what reading it gave), not read again."""
    read = read or {}
    for item in items:
        if isinstance(item, Candidate):
            read = _read(item)
            if read != CLEAN:
                yield item, read
            continue
        hits = search.hits(item) if search is not None and item.names else None
        if hits is None:
            todo = item.names
        elif hits:
            todo = [name for name in item.names if name in hits]
        else:
            continue
        for name in todo:
            path = item.prefix + name
            got = read.get(path) or read_walked(path)
            if got != CLEAN:
                yield Candidate(path, language_of_name(name) or ""), got


def _read(c: Candidate) -> Read:
    return read_candidate(c.path) if c.explicit else read_walked(c.path)
