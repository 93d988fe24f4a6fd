"""The rule modules, one per pattern family, asked in order; the first that recognises an occurrence wins.

Order matters where shapes overlap: Data Center APIs before everything (never rewritten); assertions before
any rewriting rule (never rewritten); Connect conditions before grants (both are `permission: KEY`); URL
lists before key literals; Terraform grant lists before check bodies (both are `permissions = [...]`);
response reads before comparisons; the catch-alls last. Other spellings of the key (`browse_projects`,
"Browse Projects", `browse`) go to `key_variant` after the Data Center and assertion rules.

Each rule module has a RULE id (an entry of `migrate.codemod.model.RULES`) and a `match(occ, fx)`; `common`
holds what they share. This package imports the shared types from `migrate.codemod.occurrence` and never the
engine, which imports it.
"""

from __future__ import annotations

from migrate.codemod.model import VIEW_ISSUES, VIEW_PROJECTS
from migrate.codemod.occurrence import FileCtx, Occ, Outcome, RequestSite
from migrate.codemod.rules import (
    assertion,
    check_body,
    common,
    connect_descriptor,
    forge_manifest,
    grant_filter,
    grants,
    indirect,
    key_variant,
    response_read,
    server_api,
    unrecognised,
    url_query,
)

FIRST = (server_api, assertion)  # asked for every occurrence, variants included
ORDER = (
    connect_descriptor,
    url_query,
    grants,
    check_body,
    response_read,
    grant_filter,
    forge_manifest,
)
VARIANTS = (key_variant,)
LATE = (indirect,)
FALLBACK = (unrecognised,)
HELPERS = (common,)
# Families whose sites stand on their own: a grant, a Connect or Forge condition, a Data Center API call is
# not part of a request/response flow, so it neither holds back nor is held back by the code beside it.
STANDALONE = frozenset({grants.RULE, connect_descriptor.RULE, forge_manifest.RULE, server_api.RULE})


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
    outs = _classify(occ, fx)
    for o in outs:
        if o.rule in STANDALONE:
            o.flow = False
    return outs


def _classify(occ: Occ, fx: FileCtx) -> list[Outcome]:
    for mod in FIRST:
        out = mod.match(occ, fx)
        if out is not None:
            return [out]
    if occ.variant:
        return [key_variant.match(occ, fx) or common.review(key_variant.RULE, f"{occ.key} names the permission", common.occ_anchor(occ))]
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


def requests(fx: FileCtx) -> list[RequestSite]:
    """Every permission request in the file (old keys and already-migrated ones), for pairing reads."""
    out: dict[tuple[int, int], RequestSite] = {}
    for occ in fx.occs + fx.new_occs:
        site = request_site(occ, fx)
        if site is not None and site.span not in out:
            out[site.span] = site
    return list(out.values())
