"""`migrate scopes`: a least-privilege audit of a Connect or Forge app's declared scopes against the Jira
REST calls its source makes.

Library API (no typer/rich here; `migrate.cli.scopes` renders):

    run(paths, include_vendored=False, include_tests=False) -> AuditReport     scan + audit every app found
    audit_app(app, calls, markers, table) -> (AppReport, findings)            pure, one app
    to_json(report) / to_sarif(report) / line(finding) / app_block(app)       renderings as data/text
"""

from migrate.scopes.audit import audit_app, resolve
from migrate.scopes.model import CLASSES, EXCESS, KINDS, MISSING, OK, REVIEW, WARNING, AppReport, AuditReport, Finding
from migrate.scopes.output import app_block, failing, line, snippet, to_json
from migrate.scopes.sarif import to_sarif
from migrate.scopes.runner import NoAppError, run

__all__ = [
    "run",
    "audit_app",
    "resolve",
    "to_json",
    "to_sarif",
    "line",
    "app_block",
    "snippet",
    "failing",
    "NoAppError",
    "AuditReport",
    "AppReport",
    "Finding",
    "KINDS",
    "CLASSES",
    "MISSING",
    "EXCESS",
    "REVIEW",
    "WARNING",
    "OK",
]
