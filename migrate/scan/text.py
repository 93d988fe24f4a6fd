"""Plain-text views of a scan: the full listing (``migrate scan``) and the short "also on this site" section
(``migrate plan``). Pure: a result in, lines out; the CLI adds colour."""

from __future__ import annotations

from migrate.scan.findings import CATEGORY_TITLES, Finding, ScanResult

PROJECTS_SHOWN = 8


def _projects(f: Finding) -> str:
    if not f.projects:
        return ""
    shown = ", ".join(f.projects[:PROJECTS_SHOWN])
    more = f" and {len(f.projects) - PROJECTS_SHOWN} more" if len(f.projects) > PROJECTS_SHOWN else ""
    return shown + more


def summary(result: ScanResult) -> str:
    counts = result.counts()
    if not counts:
        return "nothing else on this site refers to BROWSE_PROJECTS"
    labels = {"reference": "referring to BROWSE_PROJECTS", "hidden-grant": "with hidden VIEW_* grants",
              "outside": "outside the scheme migration", "review": "to review", "not-scanned": "not scanned"}
    return ", ".join(f"{n} {labels.get(c, c)}" for c, n in counts.items())


def full_lines(result: ScanResult) -> list[tuple[str, str]]:
    """(kind, line) pairs: kind is title | where | detail | summary, for the CLI to style."""
    out: list[tuple[str, str]] = []
    for category, findings in result.by_category().items():
        out.append(("title", f"{CATEGORY_TITLES.get(category, category)} ({len(findings)})"))
        for f in findings:
            out.append(("where", f"  {f.where}"))
            out.append(("detail", f"      found:  {f.found}"))
            out.append(("detail", f"      change: {f.suggestion}"))
            if f.projects:
                out.append(("detail", f"      projects: {_projects(f)}"))
    out.append(("summary", f"Scan: {summary(result)} ({result.requests} requests)."))
    return out


KIND_LABELS = {
    "workflow-condition": ("workflow condition", "workflow conditions"),
    "workflow-validator": ("workflow validator", "workflow validators"),
    "workflow-property": ("workflow property", "workflow properties"),
    "filter-jql": ("saved filter", "saved filters"),
    "hidden-grant": ("permission scheme", "permission schemes"),
    "team-managed-project": ("team-managed project", "team-managed projects"),
    "workflow-rule-unknown": ("unknown workflow rule", "unknown workflow rules"),
    "workflow-app-rule": ("app workflow rule", "app workflow rules"),
    "filter-jql-unparsed": ("unparsable filter", "unparsable filters"),
    "not-scanned": ("part of the site", "parts of the site"),
}
CATEGORY_LINES = {"reference": "refer to BROWSE_PROJECTS", "hidden-grant": "carry hidden VIEW_* grants",
                  "outside": "outside the scheme migration", "review": "to review", "not-scanned": "not scanned"}


def kind_counts(findings: list[Finding]) -> str:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    parts = []
    for kind, n in counts.items():
        one, many = KIND_LABELS.get(kind, (kind, kind))
        parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def short_lines(result: ScanResult) -> list[str]:
    """The plan's section: one line per category, counted by kind."""
    if not result.findings:
        return [f"Also on this site: {summary(result)}."]
    out = ["Also on this site, outside permission schemes (`migrate scan` lists each with the change to make):"]
    for category, findings in result.by_category().items():
        out.append(f"  {CATEGORY_LINES.get(category, category)}: {kind_counts(findings)}")
    return out
