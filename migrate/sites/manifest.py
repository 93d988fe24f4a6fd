"""The manifest `sites plan` writes beside the per-site plans: which plan belongs to which site, so bulk
apply, verify and rollback only ever act on the plans that run saved."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from migrate import __version__
from migrate.errors import (
    PlanFileError,
)
from migrate.redact import redact
from migrate.rules import Rule
from migrate.store import atomic_write_json
from migrate.sites.config import SiteSpec, SitesConfig
from migrate.sites.outcomes import SiteOutcome

DEFAULT_PLANS_DIR = Path("plans") / "sites"
MANIFEST_NAME = "manifest.json"
MANIFEST_KIND = "migrate-sites-manifest"
MANIFEST_VERSION = "1.0"


def plan_file_for(plans_dir: Path, spec_or_name: SiteSpec | str) -> Path:
    name = spec_or_name.name if isinstance(spec_or_name, SiteSpec) else spec_or_name
    return Path(plans_dir) / f"{name}.json"



# --------------------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class ManifestEntry:
    site: str
    url: str
    status: str
    plan: str | None  # file name inside the plans dir
    plan_id: str | None
    message: str = ""


@dataclass(frozen=True)
class Manifest:
    path: Path
    created_at: str
    entries: Mapping[str, ManifestEntry]
    sites_file: str | None = None

    def plan_paths(self) -> list[tuple[str, Path]]:
        """(site name, plan path) of every site whose plan was saved, in file order."""
        return [(e.site, self.path.parent / e.plan) for e in self.entries.values() if e.plan and e.status != "error"]


def write_manifest(
    plans_dir: Path, config: SitesConfig, outcomes: Sequence[SiteOutcome], *, rule: Rule, created_at: str
) -> Path:
    doc = {
        "kind": MANIFEST_KIND,
        "format_version": MANIFEST_VERSION,
        "tool_version": __version__,
        "created_at": created_at,
        "sites_file": str(config.path) if config.path else None,
        "rule": rule.name,
        "sites": [
            {
                "site": o.site,
                "url": o.url,
                "status": o.status,
                "mode": o.mode,
                "plan": Path(o.plan_path).name if o.plan_path else None,
                "plan_id": o.plan_id,
                "totals": {
                    "schemes_changed": o.schemes_changed,
                    "grants_added": o.grants_added,
                    "grants_removed": o.grants_removed,
                },
                "message": redact(o.message),
            }
            for o in outcomes
        ],
    }
    return atomic_write_json(Path(plans_dir) / MANIFEST_NAME, doc)


def load_manifest(plans_dir: Path | str) -> Manifest:
    d = Path(plans_dir)
    p = d / MANIFEST_NAME if d.is_dir() or not d.suffix else d
    try:
        doc = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise PlanFileError(
            f"{p} does not exist: {d} holds no `migrate sites plan` run",
            hint="run `migrate sites plan SITES.toml --plans-dir DIR` first, then the other `sites` commands with --plans-dir DIR",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise PlanFileError(f"cannot read sites manifest {p}: {e}") from None
    if not isinstance(doc, dict) or doc.get("kind") != MANIFEST_KIND or not isinstance(doc.get("sites"), list):
        raise PlanFileError(f"{p} is not a migrate sites manifest")
    if str(doc.get("format_version", "")).split(".")[0] != MANIFEST_VERSION.split(".")[0]:
        raise PlanFileError(f"{p} uses manifest format {doc.get('format_version')!r}, which this migrate cannot read")
    entries: dict[str, ManifestEntry] = {}
    for e in doc["sites"]:
        if not isinstance(e, dict) or not isinstance(e.get("site"), str):
            raise PlanFileError(f"{p} is malformed: a site entry has no name")
        plan = e.get("plan")
        if plan is not None and (not isinstance(plan, str) or Path(plan).name != plan):
            raise PlanFileError(f"{p} is malformed: plan of site {e['site']!r} must be a file name in {p.parent}")
        entries[e["site"]] = ManifestEntry(
            site=e["site"],
            url=str(e.get("url", "")),
            status=str(e.get("status", "")),
            plan=plan,
            plan_id=e.get("plan_id") if isinstance(e.get("plan_id"), str) else None,
            message=str(e.get("message", "")),
        )
    return Manifest(path=p, created_at=str(doc.get("created_at", "")), entries=entries, sites_file=doc.get("sites_file"))

