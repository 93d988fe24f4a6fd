"""Running many sites at once: a thread per site in this process, in file order, past failing sites, with
one progress line and Ctrl-C stopping every site before its next write."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Mapping, Sequence

from migrate.errors import (
    EXIT_ERROR,
    ConfigError,
)
from migrate.plan import MODES
from migrate.progress import BulkProgress, Progress
from migrate.rules import Rule
from migrate.sites.actions import PreparedSite, apply_site, plan_site, rollback_site, verify_site, _base
from migrate.sites.clients import ClientFactory, make_site_client
from migrate.sites.config import SiteSpec, SitesConfig
from migrate.sites.manifest import DEFAULT_PLANS_DIR, write_manifest
from migrate.sites.outcomes import SKIPPED, BulkResult, Event, SiteOutcome, _error_outcome, now_iso

DEFAULT_PARALLEL = 4

def _run_all(
    specs: Sequence[SiteSpec],
    one: Callable[[SiteSpec], SiteOutcome],
    action: str,
    parallel: int,
    on_event: Event | None,
    *,
    stop: threading.Event | None = None,
    progress: BulkProgress | None = None,
    skipped: Callable[[SiteSpec], SiteOutcome] | None = None,
) -> tuple[tuple[SiteOutcome, ...], bool]:
    """Run `one` for every site, `parallel` at a time, in file order. Returns (outcomes, interrupted).

    With a `stop` event (runs that write), Ctrl-C sets it: the executors stop before their next write,
    the running sites wind down and report what they did, the sites not started yet become `skipped`
    rows, and the run returns interrupted=True. A second Ctrl-C stops waiting. Without one (read-only
    runs), Ctrl-C ends the run at once."""
    emit = on_event or (lambda site, stage, detail: None)
    parallel = max(1, int(parallel))

    def guarded(spec: SiteSpec) -> SiteOutcome:
        started = time.monotonic()
        emit(spec.name, "start", spec.url)
        try:
            res = one(spec)
        except BaseException as e:  # noqa: BLE001 - one site's failure is that site's row, nothing more
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            res = _error_outcome(spec, action, e)
        res.seconds = time.monotonic() - started
        if progress is not None:
            progress.finish(spec.name)
        emit(spec.name, res.status, res.message)
        return res

    if not specs:
        return (), False
    if progress is not None:
        progress.start()
    with ThreadPoolExecutor(max_workers=min(parallel, len(specs)), thread_name_prefix="site") as pool:
        futures = [pool.submit(guarded, s) for s in specs]
        try:
            return tuple(f.result() for f in futures), False
        except KeyboardInterrupt:
            if stop is None:
                for f in futures:
                    f.cancel()
                raise
            stop.set()
            for f in futures:
                f.cancel()
        outcomes = []
        for spec, f in zip(specs, futures):
            if f.cancelled():
                row = skipped(spec) if skipped else SiteOutcome(spec.name, spec.url, action, "skipped", EXIT_ERROR)
                row.state, row.status = SKIPPED, "skipped"
                row.message = row.message or "not started: the run was interrupted first"
                emit(spec.name, "skipped", row.message)
                outcomes.append(row)
            else:
                outcomes.append(f.result())  # a second Ctrl-C here ends the wait
        return tuple(outcomes), True





def plan_sites(
    config: SitesConfig,
    *,
    plans_dir: Path = DEFAULT_PLANS_DIR,
    rule: Rule | None = None,
    mode: str | None = None,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    on_event: Event | None = None,
    now: Callable[[], str] = now_iso,
    scan: bool = True,
    progress: Progress | None = None,
) -> BulkResult:
    """Plan every site concurrently; save one plan per site (with its site-wide scan) and a manifest."""
    if mode is not None and mode not in MODES:
        raise ConfigError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    the_rule = config.rule_for(rule)
    created = now()
    plans_dir = Path(plans_dir)

    def one(spec: SiteSpec) -> SiteOutcome:
        m = config.mode_for(spec, mode)
        try:
            return plan_site(
                spec,
                rule=the_rule,
                mode=m,
                plans_dir=plans_dir,
                env=env,
                client_factory=client_factory,
                created_at=created,
                scan=scan,
            )
        except Exception as e:  # noqa: BLE001
            return _error_outcome(spec, "plan", e, mode=m)

    bulk = BulkProgress("sites plan (sites)", {spec.name: 1 for spec in config.sites}, progress) if progress else None
    outcomes, _ = _run_all(config.sites, one, "plan", parallel, on_event, progress=bulk)
    manifest = write_manifest(plans_dir, config, outcomes, rule=the_rule, created_at=created)
    return BulkResult(action="plan", outcomes=outcomes, manifest=manifest, plans_dir=plans_dir)



def _run_prepared(
    prepared: Sequence[PreparedSite],
    action: str,
    work: Callable[[PreparedSite, threading.Event, Progress | None], SiteOutcome],
    parallel: int,
    on_event: Event | None,
    plans_dir: Path | None,
    *,
    progress: Progress | None = None,
    interruptible: bool = False,
    weigh: Callable[[PreparedSite], int] = lambda p: 1,
    work_stage: str | None = None,
    unit: str = "sites",
) -> BulkResult:
    by_name = {p.spec.name: p for p in prepared}
    stop = threading.Event()
    bulk = None
    if progress is not None:
        report = progress
        # after Ctrl-C the executors settle what they will not write as "done": a line saying 100% would be false
        quiet: Progress = lambda stage, done, total: None if stop.is_set() else report(stage, done, total)  # noqa: E731
        bulk = BulkProgress(f"sites {action} ({unit})", {p.spec.name: weigh(p) for p in prepared}, quiet, work_stage=work_stage)

    def one(spec: SiteSpec) -> SiteOutcome:
        p = by_name[spec.name]
        try:
            return work(p, stop, bulk.for_site(spec.name) if bulk else None)
        except Exception as e:  # noqa: BLE001 - the site's row, not the run's end
            keep = {k: v for k, v in _base(p, action).items() if k not in ("site", "url", "action")}
            if action in ("apply", "rollback"):  # the row counts grants written; a failed site's plan stays in the file
                keep.update(grants_added=0, grants_removed=0)
            return _error_outcome(spec, action, e, **keep)

    def skipped(spec: SiteSpec) -> SiteOutcome:
        base = _base(by_name[spec.name], action)
        base.update(grants_added=0, grants_removed=0)
        return SiteOutcome(**base, status="skipped", exit_code=EXIT_ERROR, state=SKIPPED)

    outcomes, interrupted = _run_all(
        [p.spec for p in prepared],
        one,
        action,
        parallel,
        on_event,
        stop=stop if interruptible else None,
        progress=bulk,
        skipped=skipped,
    )
    return BulkResult(action=action, outcomes=outcomes, plans_dir=plans_dir, interrupted=interrupted)


def _sites_file(prepared: Sequence[PreparedSite]) -> str:
    src = prepared[0].spec.source if prepared else ""
    return src if src and src != "sites file" else "SITES.toml"


def apply_sites(
    prepared: Sequence[PreparedSite],
    *,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    force: bool = False,
    on_event: Event | None = None,
    plans_dir: Path | None = None,
    store_root: Path | None = None,
    progress: Progress | None = None,
) -> BulkResult:
    """Apply each prepared site's plan, several sites at once; sites that could not be prepared are errors.
    Ctrl-C stops every site before its next write; the result says which sites got how far."""
    sites_file = _sites_file(prepared)
    return _run_prepared(
        prepared,
        "apply",
        lambda p, stop, prog: apply_site(
            p, env=env, client_factory=client_factory, force=force, stop=stop, store_root=store_root,
            progress=prog, sites_file=sites_file,
        ),
        parallel,
        on_event,
        plans_dir,
        progress=progress,
        interruptible=True,
        weigh=lambda p: max(1, sum(len(c.operations) for c in p.plan.changes)) if p.ok and p.plan else 1,
        work_stage="apply",
        unit="grant writes",
    )


def verify_sites(
    prepared: Sequence[PreparedSite],
    *,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    on_event: Event | None = None,
    plans_dir: Path | None = None,
    progress: Progress | None = None,
) -> BulkResult:
    return _run_prepared(
        prepared,
        "verify",
        lambda p, stop, prog: verify_site(p, env=env, client_factory=client_factory),
        parallel,
        on_event,
        plans_dir,
        progress=progress,
    )


def rollback_sites(
    prepared: Sequence[PreparedSite],
    *,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    on_event: Event | None = None,
    plans_dir: Path | None = None,
    store_root: Path | None = None,
    progress: Progress | None = None,
) -> BulkResult:
    """Roll back each site's applied plan, several sites at once, one summary (exit codes as apply)."""
    sites_file = _sites_file(prepared)
    return _run_prepared(
        prepared,
        "rollback",
        lambda p, stop, prog: rollback_site(
            p, env=env, client_factory=client_factory, stop=stop, store_root=store_root,
            progress=None, sites_file=sites_file,
        ),
        parallel,
        on_event,
        plans_dir,
        progress=progress,
        interruptible=True,
    )
