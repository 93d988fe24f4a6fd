"""SARIF 2.1.0 output for code-scanning UIs (GitHub code scanning, GitLab, Azure DevOps).

One run; one reportingDescriptor per rule family; one result per site with its classification as a
property and level rewritten/needs-review = warning, report-only = note. Rewritten sites carry a `fixes`
entry with the exact replacement.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from migrate import __version__
from migrate.codemod.model import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN, RULES, LineIndex, RunReport
from migrate.codemod.output import error_sentence, skip_sentence
from migrate.codemod.scanner import UNREAD

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {REWRITTEN: "warning", NEEDS_REVIEW: "warning", REPORT_ONLY: "note"}
INFO_URI = "https://community.developer.atlassian.com/t/60822"


def _artifact(path: str, base: str) -> dict:
    """A location relative to %SRCROOT% (the working directory), or an absolute file URI outside it."""
    rel = os.path.relpath(os.path.abspath(path), base)
    if rel.startswith(".."):
        return {"uri": "file://" + quote(os.path.abspath(path).replace(os.sep, "/"))}
    return {"uri": quote(rel.replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}


def _invocation(report: RunReport, base: str) -> dict:
    """Skipped files (warnings: not checked) and errors, as tool execution notifications."""
    notes = []
    for path, reason in report.skipped_files:
        notes.append(
            {
                "level": "warning" if reason in UNREAD else "note",
                "message": {"text": skip_sentence(path, reason)},
                "locations": [{"physicalLocation": {"artifactLocation": _artifact(path, base)}}],
                "properties": {"skipped": reason},
            }
        )
    for path, message in report.errors:
        note = {"level": "error", "message": {"text": error_sentence(path, message)}}
        if path:
            note["locations"] = [{"physicalLocation": {"artifactLocation": _artifact(path, base)}}]
        notes.append(note)
    return {"executionSuccessful": not report.errors, "toolExecutionNotifications": notes}


def to_sarif(report: RunReport, *, base: str | None = None) -> dict:
    base = os.path.abspath(base or os.getcwd())
    rule_ids = list(RULES)
    rules = [
        {
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.short},
            "fullDescription": {"text": r.full},
            "helpUri": INFO_URI,
            "defaultConfiguration": {"level": "note" if r.id == "server-api" else "warning"},
        }
        for r in RULES.values()
    ]
    results = []
    sources = {r.path: r.source for r in report.results if r.source is not None}
    for f in report.findings:
        result = {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule),
            "level": LEVEL[f.classification],
            "message": {"text": f"[{f.classification}] {f.message}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(f.file, base),
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                        },
                    }
                }
            ],
            "properties": {
                "classification": f.classification,
                "language": f.language,
                "original": f.original,
                **({"replacement": f.replacement} if f.replacement is not None else {}),
                **({"context": f.context} if f.context else {}),
            },
        }
        src = sources.get(f.file)
        if f.classification == REWRITTEN and f.edits and src is not None:
            lines = LineIndex(src)
            replacements = []
            for e in f.edits:
                sl, sc = lines.pos(e.start)
                el, ec = lines.pos(e.end)
                replacements.append(
                    {
                        "deletedRegion": {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec},
                        "insertedContent": {"text": e.text},
                    }
                )
            result["fixes"] = [
                {
                    "description": {"text": "migrate codemod rewrite"},
                    "artifactChanges": [{"artifactLocation": _artifact(f.file, base), "replacements": replacements}],
                }
            ]
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "migrate-codemod", "version": __version__, "informationUri": INFO_URI, "rules": rules}},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": "file://" + quote(base.replace(os.sep, "/").rstrip("/") + "/")}},
                "results": results,
                "invocations": [_invocation(report, base)],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
