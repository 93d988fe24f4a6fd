"""What a scan finds: one ``Finding`` per place that depends on BROWSE_PROJECTS (or that could not be read),
with its exact location and the suggested change, and the ``ScanResult`` that carries them.

Categories (stable, in JSON):
  reference     the place names BROWSE_PROJECTS and changes meaning when the key goes: change it
  hidden-grant  a scheme already holds VIEW_* grants the site's permission list does not know
  outside       not covered by the scheme migration (team-managed projects): check by hand
  review        migrate cannot tell (an unknown rule type, an app rule mentioning the key)
  not-scanned   a part of the site migrate could not read (a 403, or no API on Data Center)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from migrate.errors import ConfigError
from migrate.store import atomic_write_text, read_user_text

FORMAT_VERSION = "1.0"
KIND = "migrate-scan"
CATEGORIES = ("reference", "hidden-grant", "outside", "review", "not-scanned")
CATEGORY_TITLES = {
    "reference": "Refers to BROWSE_PROJECTS",
    "hidden-grant": "Hidden VIEW_* grants",
    "outside": "Outside the scheme migration",
    "review": "Needs review",
    "not-scanned": "Not scanned",
}


@dataclass(frozen=True)
class Finding:
    category: str
    kind: str  # workflow-condition, workflow-validator, workflow-property, filter-jql, team-managed-project, ...
    where: str  # the exact location, for people
    found: str  # what is there now
    suggestion: str  # the change to make (migrate never writes it)
    location: Mapping[str, Any] = field(default_factory=dict)  # the same location, for scripts
    projects: tuple[str, ...] = ()  # project keys that depend on it (a workflow's projects, a filter's share)
    source: str = ""  # which API or file it came from

    def to_json(self) -> dict[str, Any]:
        return {"category": self.category, "kind": self.kind, "where": self.where, "found": self.found,
                "suggestion": self.suggestion, "location": dict(self.location), "projects": list(self.projects),
                "source": self.source}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Finding":
        return cls(category=str(d["category"]), kind=str(d["kind"]), where=str(d["where"]), found=str(d["found"]),
                   suggestion=str(d["suggestion"]), location=dict(d.get("location") or {}),
                   projects=tuple(str(p) for p in d.get("projects") or ()), source=str(d.get("source", "")))

    @property
    def sort_key(self) -> tuple:
        return (CATEGORIES.index(self.category) if self.category in CATEGORIES else 99, self.kind, self.where)


@dataclass(frozen=True)
class ScanResult:
    site: Mapping[str, str]  # SiteInfo.identity
    findings: tuple[Finding, ...]
    scanned: Mapping[str, int] = field(default_factory=dict)  # what was read: workflows, filters, projects...
    requests: int = 0
    created_at: str = ""

    @property
    def exit_findings(self) -> bool:
        return bool(self.findings)

    def by_category(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {c: [] for c in CATEGORIES}
        for f in self.findings:
            out.setdefault(f.category, []).append(f)
        return {c: fs for c, fs in out.items() if fs}

    def counts(self) -> dict[str, int]:
        return {c: len(fs) for c, fs in self.by_category().items()}

    def to_json(self) -> dict[str, Any]:
        return {"kind": KIND, "format_version": FORMAT_VERSION, "created_at": self.created_at, "site": dict(self.site),
                "counts": self.counts(), "scanned": dict(self.scanned), "requests": self.requests,
                "findings": [f.to_json() for f in self.findings]}

    @classmethod
    def from_json(cls, d: Any, *, source: str = "scan file") -> "ScanResult":
        if not isinstance(d, dict) or d.get("kind") != KIND:
            raise ConfigError(f"{source} is not a migrate scan file")
        major = str(d.get("format_version", "")).split(".")[0]
        if major != FORMAT_VERSION.split(".")[0]:
            raise ConfigError(f"{source} has scan format {d.get('format_version')!r}; this migrate reads {FORMAT_VERSION}")
        try:
            findings = tuple(Finding.from_json(f) for f in d.get("findings") or ())
        except (KeyError, TypeError, AttributeError) as e:
            raise ConfigError(f"{source} is malformed: {e}") from None
        return cls(site=dict(d.get("site") or {}), findings=findings, scanned=dict(d.get("scanned") or {}),
                   requests=int(d.get("requests") or 0), created_at=str(d.get("created_at", "")))


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: f.sort_key))


def scan_path_for(plan_path: Path | str) -> Path:
    """Where the scan of a plan's site is kept: beside the plan, ``<plan>.scan`` (not ``*.json``, so folders of
    plans still hold only plans)."""
    p = Path(plan_path)
    return p.with_name(p.name + ".scan")


def save_scan(result: ScanResult, path: Path | str) -> Path:
    return atomic_write_text(Path(path), json.dumps(result.to_json(), indent=1, ensure_ascii=False) + "\n")


def load_scan(path: Path | str) -> ScanResult:
    p = Path(path)
    text = read_user_text(p, "scan file", ConfigError)
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise ConfigError(f"{p} is not JSON: {e}") from None
    return ScanResult.from_json(doc, source=str(p))
