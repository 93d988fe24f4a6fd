"""Run the codemod over paths: scan, prefilter, rewrite (in parallel for big trees), and write if asked.

Library only: returns a RunReport; rendering (diff, tables, JSON, SARIF) is done by the caller.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import stat
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from migrate.codemod.engine import rewrite
from migrate.codemod.model import FileResult, RunReport
from migrate.codemod.scanner import SKIP_REASONS, UNREAD, Candidate, iter_candidates, read_candidate

MODES = ("diff", "write", "check")
PARALLEL_MIN_FILES = 400  # below this a process pool costs more than it saves
CHUNK = 256


def process(c: Candidate) -> tuple[str, FileResult | None, str | None]:
    """Read, prefilter and rewrite one file: (status, result, skip reason). status: clean|matched|skipped|error."""
    text, reason, error = read_candidate(c.path)
    if error is not None:
        return "error", FileResult(c.path, c.language, error=error), None
    if reason is not None and c.explicit and reason in UNREAD:
        # named to be checked (a pre-commit hook passes each staged file): a file left unread must fail the run
        return "error", FileResult(c.path, c.language, error=f"it was named to be checked, but it {SKIP_REASONS[reason]}."), None
    if reason is not None:
        return "skipped", FileResult(c.path, c.language), reason
    if text is None:
        return "clean", None, None
    try:
        res = rewrite(c.path, text)
    except Exception as e:  # noqa: BLE001 - one bad file must not stop a tree-wide run
        return "error", FileResult(c.path, c.language, error=f"the codemod failed on this file ({type(e).__name__}: {e}); please report it."), None
    if not res.findings and not res.changed:
        return "matched", None, None
    keep = res.changed
    return "matched", FileResult(c.path, c.language, res.findings, text if keep else None, res.new_source if keep else None), None


def _process_chunk(chunk: list[Candidate]) -> list[tuple[str, FileResult | None, str | None]]:
    return [process(c) for c in chunk]


def run(
    paths: list[str],
    *,
    mode: str = "diff",
    include_vendored: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    """Scan `paths` and rewrite in memory; with mode="write", write changed files atomically.

    Raises FileNotFoundError for a path that does not exist (a usage error, before any work).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    for p in paths:
        if not os.path.lexists(p):
            raise FileNotFoundError(p)
    t0 = time.perf_counter()
    report = RunReport(mode=mode)
    jobs = jobs if jobs and jobs > 0 else (os.cpu_count() or 1)
    def on_skip(reason: str, path: str) -> None:
        if reason == "unsupported-walked":  # other file types in a folder: counted, not listed one by one
            report.skip("unsupported")
        else:
            report.skip(reason, path)

    candidates = iter_candidates(paths, include_vendored=include_vendored, on_skip=on_skip)

    def collect(item: tuple[str, FileResult | None, str | None]) -> None:
        status, result, reason = item
        report.files_scanned += 1
        if status == "skipped":
            report.skip(reason or "skipped", result.path if result is not None else None)
        elif status == "error":
            report.errors.append((result.path, result.error or "error"))
            report.results.append(result)
        elif status == "matched":
            report.files_matched += 1
            if result is not None:
                report.results.append(result)

    # Small runs stay in this process; once a run passes PARALLEL_MIN_FILES it hands chunks to a process
    # pool while the walk goes on, so walking and reading overlap.
    head: list[Candidate] = []
    for c in candidates:
        head.append(c)
        if len(head) >= PARALLEL_MIN_FILES:
            break
    done = 0
    if jobs > 1 and len(head) >= PARALLEL_MIN_FILES:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = []
            total = len(head)
            chunk = head
            for c in candidates:
                chunk.append(c)
                total += 1
                if len(chunk) >= CHUNK:
                    futures.append(pool.submit(_process_chunk, chunk))
                    chunk = []
            if chunk:
                futures.append(pool.submit(_process_chunk, chunk))
            for fut in futures:
                items = fut.result()
                for item in items:
                    collect(item)
                done += len(items)
                if progress:
                    progress(done, total)
    else:
        for c in itertools.chain(head, candidates):
            collect(process(c))
            done += 1
            if progress and done % 200 == 0:
                progress(done, 0)
    if progress:
        progress(done, done)
    report.results.sort(key=lambda r: r.path)
    if mode == "write":
        _write_all(report)
    report.seconds = time.perf_counter() - t0
    return report


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
    if hashlib.sha256(current).digest() != hashlib.sha256(expected.encode("utf-8")).digest():
        return "it changed on disk during the run, so it was not written; run the codemod again."
    # mode bits, not only access(2): root may write anything, but a read-only file says "do not change me"
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        return "it is read-only, so it was not rewritten; make it writable (or leave it out of the run) and run again."
    return None


def write_atomic(path: str, expected: str, new: str) -> None:
    """Replace `path` with `new` (UTF-8) atomically, keeping its mode bits; refuse if it changed meanwhile."""
    with open(path, "rb") as f:
        current = f.read()
    if hashlib.sha256(current).digest() != hashlib.sha256(expected.encode("utf-8")).digest():
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
