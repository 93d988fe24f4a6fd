"""Run the codemod over paths: scan, prefilter, rewrite (in parallel for big trees), and write if asked.

Library only: returns a RunReport; rendering (diff, tables, JSON, SARIF) is done by the caller.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from migrate.codemod.engine import rewrite
from migrate.codemod.model import FileResult, RunReport
from migrate.codemod.scanner import Candidate, iter_candidates, read_candidate

MODES = ("diff", "write", "check")
PARALLEL_MIN_FILES = 400  # below this a process pool costs more than it saves
CHUNK = 256


def process(c: Candidate) -> tuple[str, FileResult | None, str | None]:
    """Read, prefilter and rewrite one file: (status, result, skip reason). status: clean|matched|skipped|error."""
    text, reason, error = read_candidate(c.path)
    if error is not None:
        return "error", FileResult(c.path, c.language, error=error), None
    if reason is not None:
        return "skipped", None, reason
    if text is None:
        return "clean", None, None
    try:
        res = rewrite(c.path, text)
    except Exception as e:  # noqa: BLE001 - one bad file must not stop a tree-wide run
        return "error", FileResult(c.path, c.language, error=f"internal error: {type(e).__name__}: {e}"), None
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
    candidates = iter_candidates(paths, include_vendored=include_vendored, on_skip=lambda reason, _p: report.skip(reason))

    def collect(item: tuple[str, FileResult | None, str | None]) -> None:
        status, result, reason = item
        report.files_scanned += 1
        if status == "skipped":
            report.skip(reason or "skipped")
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
        for r in report.changed_files:
            try:
                write_atomic(r.path, r.source or "", r.new_source or "")
                report.written.append(r.path)
            except OSError as e:
                report.errors.append((r.path, f"cannot write: {e.strerror or e}"))
            except RuntimeError as e:
                report.errors.append((r.path, str(e)))
    report.seconds = time.perf_counter() - t0
    return report


def write_atomic(path: str, expected: str, new: str) -> None:
    """Replace `path` with `new` (UTF-8) atomically, keeping its mode bits; refuse if it changed meanwhile."""
    with open(path, "rb") as f:
        current = f.read()
    if hashlib.sha256(current).digest() != hashlib.sha256(expected.encode("utf-8")).digest():
        raise RuntimeError("changed on disk during the run; not written (run again)")
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
