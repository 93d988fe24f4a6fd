"""The rule modules, one per pattern family, asked in order; the first that recognises an occurrence wins.

Order matters where shapes overlap: Data Center APIs before everything (never rewritten); Connect
conditions before grants (both are `permission: KEY`); URL lists before key literals; Terraform grant lists
before check bodies (both are `permissions = [...]`); response reads before comparisons; the catch-alls last.
"""

from __future__ import annotations

from migrate.codemod.engine import FileCtx, Occ, Outcome, RequestSite
from migrate.codemod.model import VIEW_ISSUES, VIEW_PROJECTS
from migrate.codemod.rules import (
    check_body,
    connect_descriptor,
    forge_manifest,
    grant_filter,
    grants,
    indirect,
    response_read,
    server_api,
    unrecognised,
    url_query,
)

ORDER = (
    server_api,
    connect_descriptor,
    url_query,
    grants,
    check_body,
    response_read,
    grant_filter,
    forge_manifest,
)
LATE = (indirect,)


def already_migrated(occ: Occ, fx: FileCtx) -> bool:
    """A key literal in a list that already names both new keys (a membership test or key list this codemod,
    or a person, already extended): left alone, so a second run reports nothing new."""
    if occ.lit is None or not occ.whole:
        return False
    seq = fx.syn.seq_of(occ.lit)
    if seq is None:
        return False
    keys = fx.syn.element_strings(seq)
    return VIEW_PROJECTS in keys and VIEW_ISSUES in keys


def classify(occ: Occ, fx: FileCtx) -> list[Outcome]:
    """The outcome(s) for one occurrence (one, except for JSON embedded in a literal)."""
    if already_migrated(occ, fx):
        return []
    for mod in ORDER:
        out = mod.match(occ, fx)
        if out is not None:
            return [out]
    out = server_api.plugin_fallback(occ, fx)
    if out is not None:
        return [out]
    for mod in LATE:
        out = mod.match(occ, fx)
        if out is not None:
            return [out]
    return unrecognised.match_all(occ, fx)


def request_site(occ: Occ, fx: FileCtx) -> RequestSite | None:
    """If the occurrence is part of a permission request (check), where it is and its context."""
    return url_query.request_site(occ, fx) or check_body.request_site(occ, fx)
