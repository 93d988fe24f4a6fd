"""Run the codemod over paths: walk, prefilter, rewrite (in parallel when many files hold the key), and
write if asked.

Library only: returns a RunReport; rendering (diff, tables, JSON, SARIF) is done by the caller.

The walk and the prefilter (migrate.codemod.prefilter: ripgrep when installed, else Python) run in this
process, so a tree where few files hold the key costs about a walk and a grep; only the files that hold it
are parsed, by a process pool when there are many of them.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from typing import Callable, Iterator

from migrate.codemod import prefilter as _prefilter
from migrate.codemod.model import FileResult, RunReport
from migrate.codemod.scanner import SKIP_REASONS, UNREAD, Candidate, Folder, read_walked, walk

MODES = ("diff", "write", "check")
PARALLEL_MIN_HITS = 200  # files to parse below which a process pool costs more than it saves
EAGER_HITS = 50  # files parsed as soon as they are read (the rest wait for the walk's end, and maybe a pool)
Outcome = tuple[str, "FileResult | None"]  # ("matched" | "error", result)


def analyse(c: Candidate, text: str) -> Outcome:
    """Rewrite one file that holds the key: ("matched", result or None) or ("error", result)."""
    from migrate.codemod.engine import rewrite  # the parser is imported only when some file needs it

    try:
        res = rewrite(c.path, text)
    except Exception as e:  # noqa: BLE001 - one bad file must not stop a tree-wide run
        return "error", FileResult(c.path, c.language, error=f"the codemod failed on this file ({type(e).__name__}: {e}); please report it.")
    if not res.findings and not res.changed:
        return "matched", None
    keep = res.changed
    return "matched", FileResult(c.path, c.language, res.findings, text if keep else None, res.new_source if keep else None)


def _analyse_chunk(chunk: list[tuple[Candidate, str]]) -> list[Outcome]:
    return [analyse(c, text) for c, text in chunk]


def run(
    paths: list[str],
    *,
    mode: str = "diff",
    include_vendored: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    prefilter: str = "auto",
) -> RunReport:
    """Scan `paths` and rewrite in memory; with mode="write", write changed files atomically.

    `prefilter`: "auto" (ripgrep if installed, else Python), "ripgrep" or "python"; every choice gives the
    same report. Raises FileNotFoundError for a path that does not exist (a usage error, before any work).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    for p in paths:
        if not os.path.lexists(p):
            raise FileNotFoundError(p)
    rg = _prefilter.resolve(prefilter)
    t0 = time.perf_counter()
    report = RunReport(mode=mode)
    jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)

    def failed(result: FileResult) -> None:
        report.errors.append((result.path, result.error or "error"))
        report.results.append(result)

    def walked() -> Iterator[Candidate | Folder]:
        for item in walk(paths, include_vendored=include_vendored, on_skip=report.skip):
            before = report.files_scanned
            if isinstance(item, Candidate):
                report.files_scanned += 1
            else:
                report.files_scanned += len(item.names)
                if item.unsupported:  # other file types in a folder: counted, not listed one by one
                    report.skip("unsupported", count=item.unsupported)
            if progress and report.files_scanned // 200 > before // 200:
                progress(report.files_scanned, 0)
            yield item

    hits: list[tuple[Candidate, str]] = []  # files to parse, in walk order
    done: list[Outcome | None] = []  # the outcome of each, if parsed already
    # EAGER_HITS files are parsed as soon as they are read: with ripgrep, while it still reads the last
    # folders (a tree where few files hold the key is then parsed by the time ripgrep is done). The others,
    # if any, after the walk: by a process pool when there are many.
    read: dict[str, _prefilter.Read] = {}  # files read while ripgrep reads (path -> what reading gave)
    parsed: dict[str, Outcome] = {}  # and parsed
    # ripgrep starts on the named folders at once, before the walk (which then needs only to name what it skips)
    with _prefilter.search(rg, [p for p in paths if os.path.isdir(p)], include_vendored) as search:
        # the whole walk first, so that the files and folders it skips are named before those reading skips,
        # whichever prefilter reads
        items: list[Candidate | Folder] = list(walked() if search is None else search.feed(walked()))
        if search is not None:  # each folder went to ripgrep as the walk found it
            # ripgrep is usually still reading: import the parser meanwhile (a pool forked later inherits
            # it), and read and parse the files it lists as it lists them
            import migrate.codemod.engine  # noqa: F401

            for c in search.early():
                if c.path not in read:
                    read[c.path] = got = read_walked(c.path)
                    if got[0] is not None and len(parsed) < EAGER_HITS:
                        parsed[c.path] = analyse(c, got[0])
        eager = EAGER_HITS - len(parsed)
        for c, (text, reason, error) in _prefilter.outcomes(items, search, read):
            if error is not None:
                failed(FileResult(c.path, c.language, error=error))
            elif reason is not None and c.explicit and reason in UNREAD:
                # named to be checked (a pre-commit hook passes each staged file): a file left unread must fail the run
                failed(FileResult(c.path, c.language, error=f"it was named to be checked, but it {SKIP_REASONS[reason]}."))
            elif reason is not None:
                report.skip(reason, c.path)
            elif text is not None:
                hits.append((c, text))
                outcome = parsed.get(c.path)
                if outcome is None and eager > 0:
                    outcome, eager = analyse(c, text), eager - 1
                done.append(outcome)
    # outcomes in the order of `hits`, after every read error (as a run parsing after the walk reports them)
    todo = [hit for hit, outcome in zip(hits, done) if outcome is None]
    rest = _analyse_all(todo, jobs, parallel=len(todo) >= PARALLEL_MIN_HITS)
    for outcome in done:
        status, result = outcome if outcome is not None else next(rest)
        if status == "error" and result is not None:
            failed(result)
        else:
            report.files_matched += 1
            if result is not None:
                report.results.append(result)
    if progress:
        progress(report.files_scanned, report.files_scanned)
    report.results.sort(key=lambda r: r.path)
    if mode == "write":
        _write_all(report)
    report.seconds = time.perf_counter() - t0
    return report


def _analyse_all(hits: list[tuple[Candidate, str]], jobs: int, *, parallel: bool) -> Iterator[Outcome]:
    """Outcomes in the order of `hits`: in this process, or (`parallel`, for a run with many files to parse)
    in chunks over a process pool."""
    if jobs <= 1 or not parallel or not hits:
        for c, text in hits:
            yield analyse(c, text)
        return
    from concurrent.futures import ProcessPoolExecutor  # only a run with many files to parse needs it

    size = max(1, min(32, len(hits) // (jobs * 4)))
    chunks = [hits[i : i + size] for i in range(0, len(hits), size)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for items in pool.map(_analyse_chunk, chunks):
            yield from items


def _write_all(report: RunReport) -> None:
    """Write every changed file, or none: each is first checked (unchanged since read, writable)."""
    refused = []
    for r in report.changed_files:
        why = preflight(r.path, r.source or "")
        if why is not None:
            refused.append((r.path, why))
    if refused:
        report.errors.extend(refused)
        others = len(report.changed_files) - len(refused)
        if others:
            report.errors.append(("", f"no file was written: {others} other file(s) would have changed, but a run under --write changes all of its files or none; fix the files above and run again."))
        return
    for r in report.changed_files:
        try:
            write_atomic(r.path, r.source or "", r.new_source or "")
            report.written.append(r.path)
        except OSError as e:
            report.errors.append((r.path, f"it could not be written ({e.strerror or e})."))
        except RuntimeError as e:
            report.errors.append((r.path, str(e)))


def preflight(path: str, expected: str) -> str | None:
    """Why `path` must not be written now (changed on disk since it was read, read-only), or None."""
    try:
        st = os.stat(path)
        with open(path, "rb") as f:
            current = f.read()
    except OSError as e:
        return f"it could not be read again before writing ({e.strerror or e})."
    if current != expected.encode("utf-8"):
        return "it changed on disk during the run, so it was not written; run the codemod again."
    # mode bits, not only access(2): root may write anything, but a read-only file says "do not change me"
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        return "it is read-only, so it was not rewritten; make it writable (or leave it out of the run) and run again."
    return None


def write_atomic(path: str, expected: str, new: str) -> None:
    """Replace `path` with `new` (UTF-8) atomically, keeping its mode bits; refuse if it changed meanwhile."""
    with open(path, "rb") as f:
        current = f.read()
    if current != expected.encode("utf-8"):
        raise RuntimeError("it changed on disk during the run, so it was not written; run the codemod again.")
    st = os.stat(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".migrate-codemod-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(new.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, st.st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
