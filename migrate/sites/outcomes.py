"""What a bulk run returns: one row per site (its state for CI), the run's totals and its combined exit
code (error > partial > changes > clean)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from migrate.errors import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    MigrateError,
)
from migrate.redact import redact
from migrate.sites.config import SiteSpec

def combine_exit_codes(codes: Iterable[int]) -> int:
    """One code for a bulk run (README, "Exit codes"): 1 when no site got done (every site failed or was
    refused); 4 when some did and others failed, were refused or are partial; else 3 when some site has
    changes pending; else 0. Any unknown non-zero code counts as a failed site."""
    codes = list(codes)
    failed = [c for c in codes if c not in (EXIT_OK, EXIT_CHANGES, EXIT_PARTIAL)]
    if failed:
        return EXIT_ERROR if len(failed) == len(codes) else EXIT_PARTIAL
    for c in (EXIT_PARTIAL, EXIT_CHANGES):
        if c in codes:
            return c
    return EXIT_OK


# A site's state at the end of a bulk run, for CI (`--json`: sites[].state, totals.states).
DONE = "done"  # the command did its job on the site (planned, applied, verified, rolled back, nothing to do)
PARTIAL = "partial"  # some schemes done, others skipped or failed (verify: some drifted)
PENDING_STATE = "pending"  # verify: the plan is not (fully) applied yet
REFUSED = "refused"  # a check said no before anything was written (credentials, rights, plan, lock, keys)
FAILED_STATE = "failed"  # an error on the way (network, server, bug); see the message
SKIPPED = "skipped"  # not started: the run was interrupted first
STATES = (DONE, PARTIAL, PENDING_STATE, REFUSED, FAILED_STATE, SKIPPED)


def _refusal(e: BaseException) -> bool:
    """A check said no (nothing was written): any of migrate's own refusals, and Jira refusing the
    credentials or the rights. Other Jira errors (network, 5xx, odd answers) and bugs are failures."""
    from migrate.errors import AuthenticationError, JiraError, PermissionDeniedError

    if isinstance(e, (AuthenticationError, PermissionDeniedError)):
        return True
    return isinstance(e, MigrateError) and not isinstance(e, JiraError)


@dataclass
class SiteOutcome:
    """One row of the bulk summary."""

    site: str
    url: str
    action: str  # plan | apply | verify
    status: str  # clean | changes | blocked | applied | partial | verified | pending | mismatch | error
    exit_code: int
    schemes_changed: int = 0
    grants_added: int = 0
    grants_removed: int = 0
    projects_affected: int = 0
    message: str = ""
    hint: str | None = None
    error: str | None = None  # the error class, for scripts
    plan_path: str | None = None
    plan_id: str | None = None
    mode: str | None = None
    missing_keys: tuple[str, ...] = ()
    requests: int = 0
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    state: str = DONE  # one of STATES

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "url": self.url,
            "action": self.action,
            "state": self.state,
            "status": self.status,
            "exit_code": self.exit_code,
            "mode": self.mode,
            "schemes_changed": self.schemes_changed,
            "grants_added": self.grants_added,
            "grants_removed": self.grants_removed,
            "projects_affected": self.projects_affected,
            "message": redact(self.message),
            "hint": redact(self.hint) if self.hint else None,
            "error": self.error,
            "plan": self.plan_path,
            "plan_id": self.plan_id,
            "missing_keys": list(self.missing_keys),
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "details": self.details,
        }


@dataclass(frozen=True)
class BulkResult:
    action: str
    outcomes: tuple[SiteOutcome, ...]
    manifest: Path | None = None
    plans_dir: Path | None = None
    interrupted: bool = False  # Ctrl-C: running sites stopped before their next write, others never started

    @property
    def exit_code(self) -> int:
        return combine_exit_codes(o.exit_code for o in self.outcomes)

    @property
    def totals(self) -> dict[str, int]:
        t = {
            "sites": len(self.outcomes),
            "sites_failed": sum(o.status == "error" for o in self.outcomes),
            "schemes_changed": sum(o.schemes_changed for o in self.outcomes),
            "grants_added": sum(o.grants_added for o in self.outcomes),
            "grants_removed": sum(o.grants_removed for o in self.outcomes),
            "states": {st: sum(o.state == st for o in self.outcomes) for st in STATES},
        }
        return t

    def sites_in(self, *states: str) -> list[str]:
        return [o.site for o in self.outcomes if o.state in states]

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "exit_code": self.exit_code,
            "totals": self.totals,
            "interrupted": self.interrupted,
            "manifest": str(self.manifest) if self.manifest else None,
            "plans_dir": str(self.plans_dir) if self.plans_dir else None,
            "sites": [o.to_json() for o in self.outcomes],
        }


Event = Callable[[str, str, str], None]  # (site name, stage, detail)


def _error_outcome(spec: SiteSpec, action: str, e: BaseException, **kw: Any) -> SiteOutcome:
    if isinstance(e, MigrateError):
        msg, hint, name = e.message, e.hint, type(e).__name__
    else:  # a bug must not take the other sites down; it is reported like any error, without a traceback
        msg, hint, name = f"internal error: {type(e).__name__}: {e}", "set MIGRATE_DEBUG=1 and re-run this site alone", type(e).__name__
    kw.setdefault("state", REFUSED if _refusal(e) else FAILED_STATE)
    return SiteOutcome(
        site=spec.name,
        url=spec.url,
        action=action,
        status="error",
        exit_code=EXIT_ERROR,
        message=redact(str(msg))[:1000],
        hint=redact(hint) if hint else None,
        error=name,
        **kw,
    )

def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
