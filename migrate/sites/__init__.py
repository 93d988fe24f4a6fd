"""Many sites from one TOML file: parse and validate it, then plan / apply / verify / roll back across the
sites concurrently, one summary at the end.

The sites file names environment variables; it never holds secrets. Each site gets its own client
(its own credentials, retry budget and connection pool), its own store folder and lock (through the
executor) and its own plan file, so nothing of one site can end up in another's files. A failing site
never stops the others: its error becomes a row of the summary.

Bulk apply only applies the per-site plans that `sites plan` saved (listed in the run's manifest), so
the plan-then-apply safety model holds in bulk too.

The package, by concern: `config` (the sites file), `clients` (one client per site), `outcomes` (rows,
totals, exit codes), `manifest` (which plan is whose), `actions` (one site's plan, apply, verify or
rollback), `threads` (sites on threads in one process), `pool` (sites spread over worker processes when
more run at once than one interpreter serves well) and `runner` (the bulk commands, choosing between them).
"""

from __future__ import annotations

from migrate.sites.config import (
    CONCURRENCY_RANGE,
    MAX_RPS_LIMIT,
    MAX_SCHEME_ID,
    SITE_KEYS,
    DEFAULT_KEYS,
    TOP_KEYS,
    ENV_KEYS,
    FLAVOURS,
    SITE_NAME_RE,
    ENV_NAME_RE,
    SitesFileError,
    SchemeFilter,
    SiteSpec,
    SiteDefaults,
    SitesConfig,
    parse_sites,
    load_sites,
    SiteCheck,
    check_sites,
)
from migrate.sites.outcomes import (
    combine_exit_codes,
    DONE,
    PARTIAL,
    PENDING_STATE,
    REFUSED,
    FAILED_STATE,
    SKIPPED,
    STATES,
    SiteOutcome,
    BulkResult,
    Event,
    now_iso,
)
from migrate.sites.clients import (
    retry_policy_for,
    make_site_client,
    ClientFactory,
    SiteClients,
)
from migrate.sites.manifest import (
    DEFAULT_PLANS_DIR,
    MANIFEST_NAME,
    MANIFEST_KIND,
    MANIFEST_VERSION,
    plan_file_for,
    ManifestEntry,
    Manifest,
    write_manifest,
    load_manifest,
)
from migrate.sites.actions import (
    plan_site,
    check_filter,
    PreparedSite,
    prepare_sites,
    apply_site,
    verify_site,
    rollback_site,
)
from migrate.sites.threads import (
    run_on_threads,
)
from migrate.sites.pool import (
    SITES_PER_PROCESS,
    worker_count,
)
from migrate.sites.runner import (
    DEFAULT_PARALLEL,
    plan_sites,
    apply_sites,
    verify_sites,
    rollback_sites,
)

__all__ = [
    "CONCURRENCY_RANGE",
    "MAX_RPS_LIMIT",
    "MAX_SCHEME_ID",
    "SITE_KEYS",
    "DEFAULT_KEYS",
    "TOP_KEYS",
    "ENV_KEYS",
    "FLAVOURS",
    "SITE_NAME_RE",
    "ENV_NAME_RE",
    "SitesFileError",
    "SchemeFilter",
    "SiteSpec",
    "SiteDefaults",
    "SitesConfig",
    "parse_sites",
    "load_sites",
    "SiteCheck",
    "check_sites",
    "combine_exit_codes",
    "DONE",
    "PARTIAL",
    "PENDING_STATE",
    "REFUSED",
    "FAILED_STATE",
    "SKIPPED",
    "STATES",
    "SiteOutcome",
    "BulkResult",
    "Event",
    "now_iso",
    "retry_policy_for",
    "make_site_client",
    "ClientFactory",
    "SiteClients",
    "DEFAULT_PLANS_DIR",
    "MANIFEST_NAME",
    "MANIFEST_KIND",
    "MANIFEST_VERSION",
    "plan_file_for",
    "ManifestEntry",
    "Manifest",
    "write_manifest",
    "load_manifest",
    "plan_site",
    "check_filter",
    "PreparedSite",
    "prepare_sites",
    "apply_site",
    "verify_site",
    "rollback_site",
    "run_on_threads",
    "SITES_PER_PROCESS",
    "worker_count",
    "DEFAULT_PARALLEL",
    "plan_sites",
    "apply_sites",
    "verify_sites",
    "rollback_sites",
]
