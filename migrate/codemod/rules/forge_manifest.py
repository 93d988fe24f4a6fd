"""BROWSE_PROJECTS in a Forge manifest (manifest.yml): display conditions, Jira expressions.

Forge manifests have no fixed place for a permission key; where one appears (typically inside a
`jiraExpression` display condition) the codemod cannot tell whether the check is about the project or an
issue, so the site needs review.
"""

from __future__ import annotations

import re

from migrate.codemod.occurrence import FileCtx, Occ, Outcome
from migrate.codemod.languages import is_forge_manifest
from migrate.codemod.model import OLD_KEY
from migrate.codemod.rules.common import occ_anchor, review

RULE = "forge-manifest"
# a Forge manifest has a top-level `app:` (or `modules:`); a manifest.yml without them is some other tool's
FORGE_KEYS = re.compile(r"^(?:app|modules):", re.M)


def match(occ: Occ, fx: FileCtx) -> Outcome | None:
    if occ.key != OLD_KEY or not is_forge_manifest(fx.path) or not FORGE_KEYS.search(fx.src):
        return None
    text = fx.syn.text(occ.lit) if occ.lit is not None else ""
    if "(" in text:
        why = "a Jira expression in the Forge manifest checks BROWSE_PROJECTS"
    else:
        why = "the Forge manifest names BROWSE_PROJECTS"
    return review(RULE, f"{why}: use VIEW_PROJECTS for a project check, VIEW_PROJECTS and VIEW_ISSUES for an issue check", occ_anchor(occ))
