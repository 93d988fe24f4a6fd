"""One site's part of a bulk run: plan it (and scan it), match it with its saved plan, apply, verify or
roll back that plan through the same executors `migrate apply`, `verify` and `rollback` use."""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from migrate import __version__
from migrate.errors import (
    EXIT_CHANGES,
    EXIT_OK,
    ConfigError,
    MigrateError,
    PlanFileError,
)
from migrate.fetch import fetch_site
from migrate.jira.client import JiraClient, normalise_site_url
from migrate.jira.throttle import DEFAULT_CONCURRENCY
from migrate.model import Scheme
from migrate.plan import Plan, make_plan, why_keys_missing
from migrate.planfile import load_plan, plan_id, save_plan
from migrate.progress import Progress
from migrate.redact import redact
from migrate.rules import Rule, check_rule_against_site
from migrate.scan import save_scan, scan_path_for, scan_site
from migrate.scan.text import summary
from migrate.siteurl import same_site
from migrate.sites.clients import ClientFactory, make_site_client
from migrate.sites.config import SiteSpec, SitesConfig
from migrate.sites.manifest import DEFAULT_PLANS_DIR, load_manifest, plan_file_for
from migrate.sites.outcomes import DONE, PARTIAL, PENDING_STATE, SiteOutcome, now_iso

def _check_flavour(spec: SiteSpec, deployment_type: str) -> None:
    cloud = deployment_type == "Cloud"
    if spec.flavour == "cloud" and not cloud or spec.flavour == "dc" and cloud:
        raise ConfigError(
            f"{spec.where}: flavour is {spec.flavour!r} but the server says it is {deployment_type or 'unknown'}",
            hint="fix 'flavour' in the sites file (or set it to auto)",
        )


def plan_site(
    spec: SiteSpec,
    *,
    rule: Rule,
    mode: str,
    plans_dir: Path,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    created_at: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    scan: bool = True,
) -> SiteOutcome:
    """Fetch, plan and save one site's plan to plans_dir/<name>.json (and, with ``scan``, the site-wide scan
    beside it, for `migrate report`)."""
    creds = spec.credentials(env)
    client = client_factory(spec, creds)
    try:
        data = fetch_site(client, progress=progress)
        _check_flavour(spec, data.site.deployment_type)
        check_rule_against_site(rule, data.site.permissions)
        schemes = [s for s in data.schemes if spec.filter.matches(s)]
        check_filter(spec, data.schemes, schemes)
        plan = make_plan(
            schemes,
            rule,
            data.site,
            mode=mode,
            projects_by_scheme=data.projects_by_scheme,
            created_at=created_at or now_iso(),
            tool_version=__version__,
        )
        notes: list[str] = []
        if spec.filter.active:
            notes.append(
                f"scheme filter from the sites file ({spec.filter.describe()}): "
                f"{len(schemes)} of {len(data.schemes)} schemes considered"
            )
        if notes:
            plan = replace(plan, notes=plan.notes + tuple(notes))
        path = save_plan(plan, plan_file_for(plans_dir, spec))
        scanned = _scan_beside(client, data, path) if scan else {}
        requests = client.request_count
    finally:
        client.close()
    t = plan.totals
    if plan.empty:
        status, code, msg = "clean", EXIT_OK, "nothing to change"
    elif plan.missing_keys:
        status, code = "blocked", EXIT_CHANGES
        msg = (
            f"changes pending, but the site does not know {', '.join(plan.missing_keys)}, so apply will refuse: "
            f"{why_keys_missing(plan.site.get('deployment_type'))}"
        )
    else:
        status, code = "changes", EXIT_CHANGES
        msg = f"plan saved: {path}"
    return SiteOutcome(
        site=spec.name,
        url=spec.url,
        action="plan",
        status=status,
        exit_code=code,
        schemes_changed=t["schemes_changed"],
        grants_added=t["grants_added"],
        grants_removed=t["grants_removed"],
        projects_affected=t["projects_affected"],
        message=msg,
        plan_path=str(path),
        plan_id=plan_id(plan),
        mode=mode,
        missing_keys=tuple(plan.missing_keys),
        requests=requests,
        details=scanned,
        state=DONE,
    )


def _scan_beside(client: JiraClient, data: Any, plan_path: Path) -> dict[str, Any]:
    """The site-wide scan, saved beside the plan; a failed scan is noted, never fails the site's plan."""
    try:
        result = scan_site(client, site=data.site, schemes=data.schemes, projects=data.projects)
    except MigrateError as e:
        return {"scan": {"error": redact(e.message)}}
    except Exception as e:  # noqa: BLE001 - the plan is saved: a scan bug must not turn the site's row into an error
        return {"scan": {"error": f"internal error: {type(e).__name__}: {redact(str(e))[:300]}"}}
    path = save_scan(result, scan_path_for(plan_path))
    return {"scan": {"file": str(path), "counts": result.counts(), "summary": summary(result),
                     "requests": result.requests}}


def check_filter(spec: SiteSpec, every: Sequence[Scheme], picked: Sequence[Scheme]) -> None:
    """A filter that selects nothing is a mistake, never "nothing to change": refuse the site.

    Every include pattern must match some scheme (a typo in one of several would silently drop schemes),
    and the filter as a whole must leave at least one scheme."""
    if not spec.filter.active:
        return
    unmatched = spec.filter.unmatched_includes(every)
    if unmatched:
        guesses = [g for g in (_pattern_guess(p, [s.name for s in every]) for p in unmatched) if g]
        raise ConfigError(
            f"{spec.where}: include pattern(s) {', '.join(map(repr, unmatched))} match no permission scheme "
            f"of the site ({len(every)} schemes)" + (f"; {'; '.join(guesses)}" if guesses else ""),
            hint="fix 'include' in the sites file (scheme ids, or case-insensitive name globs such as \"Default*\")",
        )
    if not picked:
        raise ConfigError(
            f"{spec.where}: the scheme filter ({spec.filter.describe()}) leaves none of the site's {len(every)} schemes",
            hint="fix 'include' / 'exclude' in the sites file",
        )


def _pattern_guess(pattern: int | str, names: Sequence[str]) -> str | None:
    """A did-you-mean for a glob ('Defualt*' -> 'Default*'): its literal part against the same-length
    start (or the whole) of each scheme name."""
    if not isinstance(pattern, str):
        return None
    core = pattern.strip("*?")
    if not core or any(c in core for c in "*?["):
        return None
    pool: dict[str, str] = {}
    for n in names:
        pool.setdefault(n.casefold(), n)
        pool.setdefault(n[: len(core)].casefold(), n[: len(core)])
    close = difflib.get_close_matches(core.casefold(), list(pool), n=1, cutoff=0.7)
    if not close:
        return None
    return f"{pattern!r}: did you mean {pattern.replace(core, pool[close[0]])!r}?"



# --------------------------------------------------------------------------------------------- apply / verify


@dataclass(frozen=True)
class PreparedSite:
    """A site ready for bulk apply/verify: its saved plan, or the reason it cannot go ahead."""

    spec: SiteSpec
    plan: Plan | None = None
    plan_path: Path | None = None
    problem: MigrateError | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.plan is not None


def prepare_sites(config: SitesConfig, plans_dir: Path = DEFAULT_PLANS_DIR, *, action: str = "apply") -> list[PreparedSite]:
    """Match each site of the file with the plan `sites plan` saved for it; refuse foreign or swapped plans.

    Raises PlanFileError only when the plans dir itself is unusable; per-site problems are kept per site.
    `action` (apply, verify, roll back) only words the messages.
    """
    manifest = load_manifest(plans_dir)
    out: list[PreparedSite] = []
    for spec in config.sites:
        entry = manifest.entries.get(spec.name)
        try:
            if entry is None:
                raise PlanFileError(
                    f"site '{spec.name}': no plan for it in {manifest.path.parent}",
                    hint="run `migrate sites plan` with this sites file first",
                )
            if entry.status == "error" or not entry.plan:
                raise PlanFileError(
                    f"site '{spec.name}': planning failed, so there is no plan to {action} ({entry.message})",
                    hint="fix the problem and re-run `migrate sites plan`",
                )
            path = manifest.path.parent / entry.plan
            plan = load_plan(path)
            if entry.plan_id and plan_id(plan) != entry.plan_id:
                raise PlanFileError(
                    f"site '{spec.name}': {path} is not the plan `sites plan` saved for this site "
                    "(it was replaced after the run)",
                    hint="re-run `migrate sites plan`",
                )
            if not same_site(normalise_site_url(plan.site.get("url", "")), spec.url):
                raise PlanFileError(
                    f"site '{spec.name}': {path} was made for {plan.site.get('url')}, not for {spec.url}",
                    hint="a plan is only ever applied to the site it was made for; re-run `migrate sites plan`",
                )
            out.append(PreparedSite(spec=spec, plan=plan, plan_path=path))
        except MigrateError as e:
            out.append(PreparedSite(spec=spec, problem=e))
    return out


def _plan_counts(plan: Plan) -> dict[str, int]:
    t = plan.totals
    return {k: t[k] for k in ("schemes_changed", "grants_added", "grants_removed", "projects_affected")}


def _base(prepared: PreparedSite, action: str) -> dict[str, Any]:
    spec, plan = prepared.spec, prepared.plan
    out: dict[str, Any] = dict(site=spec.name, url=spec.url, action=action)
    if plan is not None:
        out.update(plan_path=str(prepared.plan_path), plan_id=plan_id(plan), mode=plan.mode, **_plan_counts(plan))
    elif prepared.plan_path is not None:
        out["plan_path"] = str(prepared.plan_path)
    return out


# The executor's stale-scheme reason ends with advice for `migrate apply` (`--force`), which a bulk run
# does not offer: the site's hint below says what to do instead.
_SINGLE_SITE_ADVICE = re.compile(r";\s*re-run `migrate plan`.*$")


def _scheme_reason(o: Any) -> str:
    return _SINGLE_SITE_ADVICE.sub("", o.reason or "")


def apply_site(
    prepared: PreparedSite,
    *,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    force: bool = False,
    stop: threading.Event | None = None,
    store_root: Path | None = None,
    progress: Progress | None = None,
    sites_file: str = "SITES.toml",
) -> SiteOutcome:
    """Apply one site's saved plan through the executor, which takes the site's lock, preflights,
    snapshots, journals and verifies. Whole-site failures raise; per-scheme ones are in the outcome."""
    from migrate.apply import OUT_STALE, apply_plan  # imported late: plan/check must work without the executor

    if not prepared.ok:
        assert prepared.problem is not None
        raise prepared.problem
    plan, spec = prepared.plan, prepared.spec
    assert plan is not None
    base = _base(prepared, "apply")
    if plan.empty:
        return SiteOutcome(**base, status="clean", exit_code=EXIT_OK, message="nothing to apply: the plan has no changes")
    client = client_factory(spec, spec.credentials(env))
    try:
        extra: dict[str, Any] = {} if spec.max_rps is None else {"max_rps": spec.max_rps}
        result = apply_plan(
            client,
            plan,
            **extra,
            concurrency=spec.concurrency or DEFAULT_CONCURRENCY,
            force=force,
            plan_path=prepared.plan_path,
            stop=stop,
            store_root=store_root,
            progress=progress,
        )
        requests = client.request_count
    finally:
        client.close()
    counts = {k: v for k, v in result.counts.items() if v}
    problems = [o for o in result.schemes if not o.ok]
    hint = None
    if result.exit_code == EXIT_OK:
        status, state = "applied", DONE
        msg = ", ".join(f"{n} {k}" for k, n in counts.items()) or "applied"
    else:
        status, state = "partial", PARTIAL
        first = problems[0] if problems else None
        msg = ", ".join(f"{n} {k}" for k, n in counts.items())
        if first is not None:
            msg += f"; scheme {first.scheme_id} {first.scheme_name!r}: {_scheme_reason(first)}"
        hints = []
        if any(o.outcome == OUT_STALE for o in problems):
            hints.append(
                f"schemes changed since the plan: re-plan this site (`migrate sites plan {sites_file} --only {spec.name}`), "
                "review, then apply again"
            )
        if any(o.outcome != OUT_STALE for o in problems):
            hints.append(f"re-run `migrate sites apply {sites_file} --only {spec.name}` to retry the failed schemes")
        hints.append(f"`migrate sites rollback {sites_file} --only {spec.name}` undoes what was applied")
        hint = "; ".join(hints)
    base.update(grants_added=result.grants_added, grants_removed=result.grants_removed)
    return SiteOutcome(
        **base,
        status=status,
        state=state,
        exit_code=result.exit_code,
        message=redact(msg),
        hint=hint,
        requests=requests,
        details={
            "counts": result.counts,
            "snapshot": str(result.snapshot_path) if result.snapshot_path else None,
            "journal": str(result.journal_path) if result.journal_path else None,
            "schemes": [{**o.to_json(), "reason": _scheme_reason(o)} for o in result.schemes],
            "notes": list(result.notes),
        },
    )


def verify_site(
    prepared: PreparedSite,
    *,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
) -> SiteOutcome:
    """Re-read the site and check each changed scheme equals the plan's after-state (exit codes as `verify`)."""
    from migrate.verify import APPLIED, DRIFTED, summarise, verify_exit_code, verify_plan

    if not prepared.ok:
        assert prepared.problem is not None
        raise prepared.problem
    plan, spec = prepared.plan, prepared.spec
    assert plan is not None
    base = _base(prepared, "verify")
    if plan.empty:
        return SiteOutcome(**base, status="clean", exit_code=EXIT_OK, message="nothing to verify: the plan has no changes")
    client = client_factory(spec, spec.credentials(env))
    try:
        statuses = verify_plan(client, plan)
        requests = client.request_count
    finally:
        client.close()
    counts = summarise(statuses)
    code = verify_exit_code(statuses)
    bad = [s for s in statuses if s.status != APPLIED]
    if not bad:
        status, state, msg = "verified", DONE, f"all {len(statuses)} changed scheme(s) match the plan"
    else:
        # "pending": the plan is not (fully) applied yet; "drifted": someone changed what it wrote
        drifted = any(s.status == DRIFTED for s in bad)
        status, state = ("drifted", PARTIAL) if drifted else ("pending", PENDING_STATE)
        msg = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        first = next((s for s in bad if s.status == DRIFTED), bad[0])
        msg += f"; scheme {first.scheme_id} {first.scheme_name!r}: {first.detail}"
    return SiteOutcome(
        **base,
        status=status,
        state=state,
        exit_code=code,
        message=redact(msg),
        requests=requests,
        details={"counts": counts, "schemes": [s.to_json() for s in statuses]},
    )


def rollback_site(
    prepared: PreparedSite,
    *,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    stop: threading.Event | None = None,
    store_root: Path | None = None,
    progress: Progress | None = None,
    sites_file: str = "SITES.toml",
) -> SiteOutcome:
    """Roll back one site's plan through the rollback executor: from the site as it is now, whichever
    machine applied it (journaled, resumable). A plan none of whose changes is on the site is a no-op with
    a note; a rollback that would break the chain of applied plans or take access away is refused."""
    from migrate.rollback import rollback

    if not prepared.ok:
        assert prepared.problem is not None
        raise prepared.problem
    plan, spec = prepared.plan, prepared.spec
    assert plan is not None
    base = {**_base(prepared, "rollback"), "grants_added": 0, "grants_removed": 0}
    if plan.empty:
        return SiteOutcome(**base, status="clean", exit_code=EXIT_OK, message="nothing to roll back: the plan has no changes")
    client = client_factory(spec, spec.credentials(env))
    try:
        extra: dict[str, Any] = {} if spec.max_rps is None else {"max_rps": spec.max_rps}
        result = rollback(
            client,
            prepared.plan_path,
            **extra,
            concurrency=spec.concurrency or DEFAULT_CONCURRENCY,
            stop=stop,
            store_root=store_root,
            progress=progress,
        )
        requests = client.request_count
    finally:
        client.close()
    counts = {k: v for k, v in result.counts.items() if v}
    deleted = sum(o.deleted for o in result.schemes)
    recreated = sum(o.recreated for o in result.schemes)
    base.update(grants_added=recreated, grants_removed=deleted)
    hint = None
    if not result.schemes:
        status, state = "clean", DONE
        msg = "; ".join(result.notes) or "nothing to roll back"
    elif result.exit_code == EXIT_OK:
        status, state = "rolled-back", DONE
        msg = ", ".join(f"{n} {k}" for k, n in counts.items())
    else:
        status, state = "partial", PARTIAL
        first = next(o for o in result.schemes if not o.ok)
        msg = ", ".join(f"{n} {k}" for k, n in counts.items()) + f"; scheme {first.scheme_id} {first.scheme_name!r}: {first.reason}"
        hint = f"re-run `migrate sites rollback {sites_file} --only {spec.name}` to retry; drifted schemes need a look"
    return SiteOutcome(
        **base,
        status=status,
        state=state,
        exit_code=result.exit_code,
        message=redact(msg),
        hint=hint,
        requests=requests,
        details={
            "counts": result.counts,
            "journal": str(result.journal_path) if result.journal_path else None,
            "archived_to": str(result.archived_to) if result.archived_to else None,
            "schemes": [o.to_json() for o in result.schemes],
            "notes": list(result.notes),
        },
    )

