"""The codemod for app developers: rewrite BROWSE_PROJECTS permission checks for the VIEW_PROJECTS /
VIEW_ISSUES split, and report what cannot be rewritten safely.

Library API (no typer/rich here; `migrate.cli.codemod` renders):

    rewrite(path_or_lang, source) -> Result(new_source, findings)   pure, one file
    run(paths, mode="diff"|"write"|"check", ...) -> RunReport       scan + rewrite (+ write)
    to_json(report) / to_sarif(report) / unified_diff(file_result)   renderings as data/text
"""

from typing import TYPE_CHECKING, Any

# Each name of the API and the module that holds it, imported on first use: `migrate codemod` starts
# ripgrep (migrate.codemod.prefilter) before anything else is imported, and a tree without the key never
# needs the parser (ast-grep and the rule modules).
_HOME = {
    "rewrite": "engine",
    "run": "runner",
    "to_json": "output",
    "unified_diff": "output",
    "to_sarif": "sarif",
    **dict.fromkeys(
        ["CLASSIFICATIONS", "NEEDS_REVIEW", "REPORT_ONLY", "REWRITTEN", "RULES", "Finding", "FileResult", "Result", "RunReport"], "model"
    ),
}

if TYPE_CHECKING:
    from migrate.codemod.engine import rewrite
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
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


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
