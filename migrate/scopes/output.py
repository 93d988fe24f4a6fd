"""Renderings of an audit that need no terminal library: greppable lines, the per-app scope blocks with the
lists to paste, and the --json document."""

from __future__ import annotations

import json

from migrate import __version__
from migrate.scopes.descriptors import CONNECT
from migrate.scopes.model import CLASSES, EXCESS, MISSING, AppReport, AuditReport, Finding
from migrate.scopes.source import display_path

JSON_FORMAT_VERSION = "1"  # the CLI-wide convention (README, Conventions): a string, as every --json document has


def line(f: Finding) -> str:
    """`FILE:LINE:COL: CLASS [kind] message`, the codemod's greppable form."""
    return f"{display_path(f.file)}:{f.line}:{f.column}: {f.classification} [{f.kind}] {f.message}"


def snippet(app: AppReport) -> str:
    """The suggested scope list in the descriptor's own syntax, ready to paste."""
    if app.kind == CONNECT:
        return '"scopes": ' + json.dumps(app.suggested)
    if not app.suggested:
        return "permissions:\n  scopes: []"
    return "permissions:\n  scopes:\n" + "".join(f"    - {s}\n" for s in app.suggested).rstrip("\n")


def app_block(app: AppReport) -> list[str]:
    """The per-app summary: what is declared, needed, missing, excess, and the list to paste."""
    c = app.counts
    kind = "Connect" if app.kind == CONNECT else "Forge"
    if app.kind != CONNECT and any(d.endswith(":connect-jira") for d in app.declared):
        kind = "Connect-on-Forge"
    parts = [f"{c['ok']} ok", f"{c[MISSING]} missing"] + [f"{c[k]} {k}" for k in ("needs-review", "warning") if c[k]]
    head = f"{kind} app {app.name} ({display_path(app.descriptor)}): {len(app.calls)} call(s): {', '.join(parts)}"
    out = [head]

    def row(label: str, items) -> None:
        out.append(f"  {label:<18}{', '.join(items) if items else '-'}")

    row("declared:", app.declared)
    row("needed:", app.needed)
    row("missing:", app.missing)
    row("excess:", app.excess)
    row("might be needed:", [f"{s} ({len(w)} unresolved)" for s, w in app.possibly_needed.items()])
    if app.not_audited:
        row("not audited:", app.not_audited)
    where = "atlassian-connect.json" if app.kind == CONNECT else "manifest.yml"
    out.append(f"  suggested ({'unchanged' if app.suggested == app.declared else 'paste into ' + where}):")
    out.extend("    " + s for s in snippet(app).split("\n"))
    return out


def summary(report: AuditReport) -> dict:
    counts = report.counts()
    return {
        "apps": len(report.apps),
        "files_scanned": report.files_scanned,
        "files_with_calls": report.files_with_calls,
        "calls": report.calls,
        **{k.replace("-", "_"): counts[k] for k in CLASSES},
        "missing_scopes": sum(len(a.missing) for a in report.apps),
        "excess_scopes": sum(len(a.excess) for a in report.apps),
        "possibly_excess_scopes": sum(len(a.possibly_needed) for a in report.apps),
        "errors": len(report.errors),
        "skipped": dict(sorted(report.skipped.items())),
        "seconds": round(report.seconds, 3),
    }


def app_dict(app: AppReport) -> dict:
    return {
        "kind": app.kind,
        "descriptor": display_path(app.descriptor),
        "name": app.name,
        "declared": app.declared,
        "needed": app.needed,
        "missing": app.missing,
        "excess": app.excess,
        "possibly_needed": app.possibly_needed,
        "not_audited": app.not_audited,
        "suggested": app.suggested,
        "suggested_snippet": snippet(app),
        "counts": app.counts,
        "calls": [r.to_dict(display_path) for r in app.calls],
    }


def to_json(report: AuditReport) -> dict:
    """The --json document: summary, apps (with every call and the scope lists), findings and errors."""
    return {
        "tool": "migrate scopes",
        "version": __version__,
        "format_version": JSON_FORMAT_VERSION,
        "operation_table": report.table_source,
        "summary": summary(report),
        "apps": [app_dict(a) for a in report.apps],
        "findings": [{**f.to_dict(), "file": display_path(f.file), "app": display_path(f.app) if f.app else None} for f in report.findings],
        "errors": [{"path": display_path(p), "message": m} for p, m in report.errors],
    }


def failing(report: AuditReport, strict: bool) -> bool:
    """--check: missing scopes (calls Jira will refuse) fail; with --strict, plain excess scopes too."""
    counts = report.counts()
    return bool(counts[MISSING] or (strict and counts[EXCESS]))
