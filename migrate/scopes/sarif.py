"""SARIF 2.1.0 output for code-scanning UIs, in the codemod's shape.

One run; one reportingDescriptor per kind of finding; one result per finding that asks for something:
missing = error, excess and needs-review = warning, warning = note. Ok calls are left out (they are the
report, not alerts); --json has them.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from migrate import __version__
from migrate.scopes.model import EXCESS, KINDS, MISSING, OK, REVIEW, WARNING, AuditReport

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {MISSING: "error", EXCESS: "warning", REVIEW: "warning", WARNING: "note"}
INFO_URI = "https://developer.atlassian.com/cloud/jira/platform/scopes-for-oauth-2-3LO-and-forge-apps/"
DEFAULT_LEVEL = {"call": "error", "inaccessible": "error", "webhook": "error", "impersonation": "error", "excess": "warning"}


def _artifact(path: str, base: str) -> dict:
    rel = os.path.relpath(os.path.abspath(path), base)
    if rel.startswith(".."):
        return {"uri": "file://" + quote(os.path.abspath(path).replace(os.sep, "/"))}
    return {"uri": quote(rel.replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}


def to_sarif(report: AuditReport, *, base: str | None = None) -> dict:
    base = os.path.abspath(base or os.getcwd())
    ids = list(KINDS)
    rules = [
        {
            "id": k.id,
            "name": k.name,
            "shortDescription": {"text": k.short},
            "fullDescription": {"text": k.full},
            "helpUri": INFO_URI,
            "defaultConfiguration": {"level": DEFAULT_LEVEL.get(k.id, "note" if k.id in ("app-access-rule", "no-oauth-scope", "email-address") else "warning")},
        }
        for k in KINDS.values()
    ]
    results = []
    for f in report.findings:
        if f.classification == OK:
            continue
        results.append(
            {
                "ruleId": f.kind,
                "ruleIndex": ids.index(f.kind),
                "level": LEVEL[f.classification],
                "message": {"text": f"[{f.classification}] {f.message}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact(f.file, base),
                            "region": {"startLine": f.line, "startColumn": f.column, "endLine": f.end_line, "endColumn": f.end_column},
                        }
                    }
                ],
                "properties": {
                    "classification": f.classification,
                    **({"method": f.method} if f.method else {}),
                    **({"path": f.path} if f.path else {}),
                    **({"operation": f.operation} if f.operation else {}),
                    **({"scopes": list(f.scopes)} if f.scopes else {}),
                    "original": f.original,
                },
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "migrate-scopes", "version": __version__, "informationUri": INFO_URI, "rules": rules}},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": "file://" + quote(base.replace(os.sep, "/").rstrip("/") + "/")}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
