"""Running many sites at once: a thread per site in this process, in file order, past failing sites, with
one progress line and Ctrl-C stopping every site before its next write."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from migrate.errors import (
    EXIT_ERROR,
    ConfigError,
)
from migrate.plan import MODES
from migrate.planfile import plan_id
from migrate.progress import BulkProgress, Progress
from migrate.rules import Rule
from migrate.sites.actions import PreparedSite, apply_site, plan_site, rollback_site, verify_site, _base
from migrate.sites.clients import ClientFactory, SiteClients, make_site_client
from migrate.sites.config import SiteSpec, SitesConfig
from migrate.sites.manifest import DEFAULT_PLANS_DIR, write_manifest
from migrate.sites.outcomes import SKIPPED, BulkResult, Event, SiteOutcome, _error_outcome, now_iso
from migrate.sites.pool import SiteTask, run_in_workers, worker_count
from migrate.sites.threads import run_on_threads

DEFAULT_PARALLEL = 4

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
    processes: int | None = None,
) -> BulkResult:
    """Plan every site concurrently; save one plan per site (with its site-wide scan) and a manifest.
    `processes`: worker processes (None: as many as the run needs, see migrate.sites.pool; 1: none)."""
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
    workers = _workers(parallel, len(config.sites), client_factory, processes)
    if workers > 1:
        tasks = [SiteTask(spec, mode=config.mode_for(spec, mode), base={"mode": config.mode_for(spec, mode)}) for spec in config.sites]
        options = {"rule": the_rule.to_json(), "plans_dir": str(plans_dir), "created_at": created, "scan": scan}
        rows, _ = run_in_workers(
            "plan", tasks, workers=workers, parallel=parallel, on_event=on_event, progress=bulk, env=env,
            options=options, interruptible=False, stop=threading.Event(), note_retried=_noter(client_factory),
        )
        outcomes = tuple(rows)
    else:
        outcomes, _ = run_on_threads(config.sites, one, "plan", parallel, on_event, progress=bulk)
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
    client_factory: Any = None,
    processes: int | None = None,
    options: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
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

    workers = _workers(parallel, sum(1 for p in prepared if p.ok), client_factory, processes)
    if workers > 1:
        return _run_prepared_in_workers(
            prepared, action, workers, parallel, on_event, plans_dir, bulk, stop, options or {}, interruptible,
            _noter(client_factory), env,
        )
    outcomes, interrupted = run_on_threads(
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


def _workers(parallel: int, sites: int, client_factory: Any, processes: int | None) -> int:
    """Worker processes for a run; none (1) for a client factory a worker could not rebuild (tests pass
    their own, in-process fakes)."""
    if not (client_factory is make_site_client or isinstance(client_factory, SiteClients)):
        return 1
    if processes is not None:
        return max(1, min(int(processes), sites))
    return worker_count(parallel, sites)


def _noter(client_factory: Any) -> Callable[[int, int], None] | None:
    return client_factory.note if isinstance(client_factory, SiteClients) else None


def _run_prepared_in_workers(
    prepared: Sequence[PreparedSite],
    action: str,
    workers: int,
    parallel: int,
    on_event: Event | None,
    plans_dir: Path | None,
    bulk: BulkProgress | None,
    stop: threading.Event,
    options: Mapping[str, Any],
    interruptible: bool,
    note_retried: Callable[[int, int], None] | None,
    env: Mapping[str, str] | None,
) -> BulkResult:
    """The sites that could be prepared go to worker processes; the others get their row here."""
    emit = on_event or (lambda site, stage, detail: None)
    rows: dict[str, SiteOutcome] = {}
    tasks = []
    for p in prepared:
        keep = {k: v for k, v in _base(p, action).items() if k not in ("site", "url", "action")}
        if action in ("apply", "rollback"):
            keep.update(grants_added=0, grants_removed=0)
        if not p.ok or p.plan is None or p.plan_path is None:
            assert p.problem is not None
            rows[p.spec.name] = _error_outcome(p.spec, action, p.problem, **keep)
            if bulk is not None:
                bulk.finish(p.spec.name)
            emit(p.spec.name, "error", rows[p.spec.name].message)
            continue
        tasks.append(SiteTask(p.spec, plan_path=str(p.plan_path), plan_id=plan_id(p.plan), base=keep))
    interrupted = False
    if tasks:
        done, interrupted = run_in_workers(
            action, tasks, workers=workers, parallel=parallel, on_event=on_event, progress=bulk, env=env,
            options=options, interruptible=interruptible, stop=stop, note_retried=note_retried,
        )
        rows.update({o.site: o for o in done})
    outcomes = tuple(rows[p.spec.name] for p in prepared)
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
    processes: int | None = None,
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
        client_factory=client_factory,
        processes=processes,
        options={"force": force, "store_root": store_root, "sites_file": sites_file},
        env=env,
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
    processes: int | None = None,
) -> BulkResult:
    return _run_prepared(
        prepared,
        "verify",
        lambda p, stop, prog: verify_site(p, env=env, client_factory=client_factory),
        parallel,
        on_event,
        plans_dir,
        progress=progress,
        client_factory=client_factory,
        processes=processes,
        env=env,
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
    processes: int | None = None,
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
        client_factory=client_factory,
        processes=processes,
        options={"store_root": store_root, "sites_file": sites_file},
        env=env,
    )
