"""The codemod for app developers: rewrite BROWSE_PROJECTS permission checks for the VIEW_PROJECTS /
VIEW_ISSUES split, and report what cannot be rewritten safely.

Library API (no typer/rich here; `migrate.cli.codemod` renders):

    rewrite(path_or_lang, source) -> Result(new_source, findings)   pure, one file
    run(paths, mode="diff"|"write"|"check", ...) -> RunReport       scan + rewrite (+ write)
    to_json(report) / to_sarif(report) / unified_diff(file_result)   renderings as data/text
"""

from typing import Any

from migrate.codemod.model import (
    CLASSIFICATIONS,
    NEEDS_REVIEW,
    REPORT_ONLY,
    REWRITTEN,
    RULES,
    Finding,
    FileResult,
    Result,
    RunReport,
)
from migrate.codemod.output import to_json, unified_diff
from migrate.codemod.runner import run
from migrate.codemod.sarif import to_sarif


def __getattr__(name: str) -> Any:
    # The parser (ast-grep and the rule modules) is imported on first use: a run walks and prefilters the
    # tree first, and a tree without the key never needs it.
    if name == "rewrite":
        from migrate.codemod.engine import rewrite

        return rewrite
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "rewrite",
    "run",
    "to_json",
    "to_sarif",
    "unified_diff",
    "Result",
    "Finding",
    "FileResult",
    "RunReport",
    "RULES",
    "CLASSIFICATIONS",
    "REWRITTEN",
    "NEEDS_REVIEW",
    "REPORT_ONLY",
]
