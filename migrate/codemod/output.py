"""Machine and text renderings of a run that need no terminal library: unified diffs and --json data."""

from __future__ import annotations

import difflib
import os

from migrate import __version__
from migrate.codemod.model import CLASSIFICATIONS, FileResult, RunReport

JSON_FORMAT_VERSION = "1"  # the CLI-wide convention (README, Conventions): a string, as every --json document has


def display_path(path: str) -> str:
    """A path for diffs and reports: relative to the working directory when inside it, forward slashes."""
    p = path
    if os.path.isabs(p):
        rel = os.path.relpath(p)
        p = p if rel.startswith("..") else rel
    p = p.replace(os.sep, "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def diff_path(path: str) -> str:
    return display_path(path).lstrip("/")


def unified_diff(result: FileResult) -> str:
    """A `git apply`/`patch -p1` compatible diff of one changed file."""
    a = (result.source or "").splitlines(keepends=True)
    b = (result.new_source or "").splitlines(keepends=True)
    path = diff_path(result.path)
    lines = []
    for line in difflib.unified_diff(a, b, fromfile=f"a/{path}", tofile=f"b/{path}"):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def skip_sentence(path: str, reason: str) -> str:
    """`PATH REASON.`: one sentence naming a skipped file or folder."""
    from migrate.codemod.scanner import SKIP_REASONS

    return f"{display_path(path)} {SKIP_REASONS.get(reason, 'was skipped (' + reason + ')')}."


def error_sentence(path: str, message: str) -> str:
    return f"{display_path(path)}: {message}" if path else message


def summary(report: RunReport) -> dict:
    counts = report.counts()
    return {
        "files_scanned": report.files_scanned,
        "files_matched": report.files_matched,
        "files_changed": len(report.changed_files),
        "files_written": len(report.written),
        "sites": sum(counts.values()),
        **{k.replace("-", "_"): counts[k] for k in CLASSIFICATIONS},
        "errors": len(report.errors),
        "skipped": dict(sorted(report.skipped.items())),
        "seconds": round(report.seconds, 3),
    }


def to_json(report: RunReport, *, with_diff: bool = True) -> dict:
    """The --json document: summary, findings (one per site), changed files (with diffs) and errors."""
    return {
        "tool": "migrate codemod",
        "version": __version__,
        "format_version": JSON_FORMAT_VERSION,
        "mode": report.mode,
        "summary": summary(report),
        "findings": [f.to_dict() for f in report.findings],
        "changed_files": [
            {"path": r.path, "written": r.path in report.written, **({"diff": unified_diff(r)} if with_diff else {})}
            for r in report.changed_files
        ],
        "skipped_files": [{"path": p, "reason": r, "message": skip_sentence(p, r)} for p, r in report.skipped_files],
        "errors": [{"path": p, "message": m} for p, m in report.errors],
    }
