"""Sites in worker processes, where one interpreter lock would bind.

One process runs a site's requests on threads well: most of a request is waiting for the site. Dozens of
sites at once are another matter: each request still costs some CPU (building it, reading the answer,
the journal line), and one interpreter runs that on one core at a time. So when more than
SITES_PER_PROCESS sites run at once, they are spread over worker processes (at most one per CPU), each
running its share on threads exactly as a single process would.

What a user sees does not change: one progress line (each worker reports its sites' progress here, batched),
`-v` logs (forwarded), the rows in file order, and Ctrl-C: the parent tells every worker to stop (the
workers themselves ignore SIGINT, which a terminal sends to the whole process group), each stops its sites
before their next write and reports what they did; sites not started yet are `skipped`. A second Ctrl-C
stops waiting and ends the workers.

Workers start from a fork server (a fresh interpreter that imported migrate once), never by forking this
process, whose other threads may hold locks at that moment.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import queue as queue_mod
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from migrate.errors import EXIT_ERROR, PlanFileError
from migrate.planfile import load_plan, plan_id
from migrate.progress import BulkProgress
from migrate.rules import Rule
from migrate.sites.actions import PreparedSite, apply_site, plan_site, rollback_site, verify_site
from migrate.sites.clients import SiteClients
from migrate.sites.config import SiteSpec
from migrate.sites.outcomes import FAILED_STATE, SKIPPED, Event, SiteOutcome, _error_outcome
from migrate.sites.threads import run_on_threads

SITES_PER_PROCESS = 8
# Variables of this process a worker must see as they are now (the fork server keeps the ones it started with).
PASSED_ENV = ("MIGRATE_HOME", "MIGRATE_DEBUG", "MIGRATE_CRASH_AFTER")
# What a worker of each action imports beyond this module (late, in migrate.sites.actions): the fork server
# imports it once for every worker (about 45 ms of CPU each for apply).
PRELOAD = {"apply": ("migrate.apply",), "verify": ("migrate.verify",), "rollback": ("migrate.rollback",)}
PROGRESS_EVERY = 0.2  # seconds between a worker's progress messages (a site's end always goes at once)


def worker_count(parallel: int, sites: int, cpus: int | None = None) -> int:
    """How many worker processes a run of `sites` sites, `parallel` at a time, gets: none (1) while one
    interpreter can serve them, then one per SITES_PER_PROCESS sites running at once, at most one per CPU."""
    concurrent = max(1, min(int(parallel), int(sites)))
    wanted = -(-concurrent // SITES_PER_PROCESS)
    return max(1, min(wanted, cpus if cpus is not None else (os.cpu_count() or 1)))


@dataclass
class SiteTask:
    """One site's work, as a worker process receives it (everything picklable)."""

    spec: SiteSpec
    plan_path: str | None = None  # apply, verify, rollback: the plan `sites plan` saved
    plan_id: str | None = None  # ... and the id the parent checked it against the manifest with
    mode: str | None = None  # plan: the site's mode
    base: dict[str, Any] = field(default_factory=dict)  # the row's fields should the site fail


@dataclass
class Job:
    """A worker's share of a run."""

    action: str  # plan | apply | verify | rollback
    tasks: list[SiteTask]
    parallel: int
    interruptible: bool
    env: dict[str, str]
    environ: dict[str, str | None]
    options: dict[str, Any]  # per action: force, store_root, sites_file, plans_dir, rule, created_at, scan
    log_level: int


# --------------------------------------------------------------------------- in the worker


class _RemoteProgress:
    """What `run_on_threads` and the site functions report, sent to the parent as messages: the latest count
    of every site and stage that moved, in one message at most every PROGRESS_EVERY seconds from a thread of
    its own (one message per report was one for every two requests of a bulk run); a site's end at once."""

    def __init__(self, out: Any, index: int, clients: Any):
        self._out, self._index, self._clients = out, index, clients
        self._pending: dict[tuple[str, str], tuple[int, int]] = {}  # (site, stage) -> (done, total)
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="migrate-progress-out", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._closed.wait(PROGRESS_EVERY):
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        if pending:
            counts = [(site, stage, done, total) for (site, stage), (done, total) in pending.items()]
            self._out.put(("progress", self._index, self._clients.retried(), counts))

    def close(self) -> None:
        """Stop the sending thread (what is pending goes first)."""
        self._closed.set()
        if self._thread is not None:
            self._thread.join()
        self._flush()

    def finish(self, name: str) -> None:
        with self._lock:
            for key in [k for k in self._pending if k[0] == name]:
                del self._pending[key]  # the end says more
        self._out.put(("finish", name, self._index, self._clients.retried()))

    def for_site(self, name: str) -> Callable[[str, int, int], None]:
        lock = self._lock

        def report(stage: str, done: int, total: int) -> None:
            with lock:
                self._pending[(name, stage)] = (done, total)

        return report


class _LogToParent(logging.handlers.QueueHandler):
    def enqueue(self, record: logging.LogRecord) -> None:
        self.queue.put(("log", record))


def _one(job: Job, task: SiteTask, stop: Any, progress: Callable[[str, int, int], None] | None, clients: Any) -> SiteOutcome:
    o = job.options
    spec = task.spec
    try:
        if job.action == "plan":
            return plan_site(
                spec, rule=Rule.from_json(o["rule"]), mode=task.mode or "add", plans_dir=Path(o["plans_dir"]),
                env=job.env, client_factory=clients, created_at=o["created_at"], scan=o["scan"],
            )
        path = Path(task.plan_path or "")
        plan = load_plan(path)
        if plan_id(plan) != task.plan_id:  # replaced since this run matched it with the manifest
            raise PlanFileError(
                f"site '{spec.name}': {path} changed while the run was starting", hint="re-run the command"
            )
        prepared = PreparedSite(spec=spec, plan=plan, plan_path=path)
        if job.action == "apply":
            return apply_site(
                prepared, env=job.env, client_factory=clients, force=o["force"], stop=stop,
                store_root=o["store_root"], progress=progress, sites_file=o["sites_file"],
            )
        if job.action == "verify":
            return verify_site(prepared, env=job.env, client_factory=clients)
        return rollback_site(
            prepared, env=job.env, client_factory=clients, stop=stop, store_root=o["store_root"],
            progress=None, sites_file=o["sites_file"],
        )
    except Exception as e:  # noqa: BLE001 - the site's row, not the run's end
        return _error_outcome(spec, job.action, e, **task.base)


def _worker(job: Job, index: int, out: Any, stop: Any) -> None:
    """A worker process: run its sites on threads, report everything to the parent, then its rows."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent says when to stop (Ctrl-C reaches every process)
    for k, v in job.environ.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    if job.log_level < logging.WARNING:
        handler = _LogToParent(out)
        logging.getLogger().addHandler(handler)
        logging.getLogger("migrate").setLevel(job.log_level)
    clients = SiteClients()
    progress = _RemoteProgress(out, index, clients)
    by_name = {t.spec.name: t for t in job.tasks}

    def one(spec: SiteSpec) -> SiteOutcome:
        return _one(job, by_name[spec.name], stop, progress.for_site(spec.name), clients)

    def skipped(spec: SiteSpec) -> SiteOutcome:
        return _skipped(by_name[spec.name], job.action)

    try:
        try:
            outcomes, interrupted = run_on_threads(
                [t.spec for t in job.tasks],
                one,
                job.action,
                job.parallel,
                lambda site, stage, detail: out.put(("event", site, stage, detail)),
                stop=stop if job.interruptible else None,
                progress=progress,  # type: ignore[arg-type]
                skipped=skipped,
            )
        finally:
            progress.close()
        out.put(("result", index, list(outcomes), interrupted or bool(stop.is_set())))
    except BaseException as e:  # noqa: BLE001 - said in the parent; the sites of this worker get a row each
        out.put(("crash", index, f"{type(e).__name__}: {e}"))


# --------------------------------------------------------------------------- in the parent


def run_in_workers(
    action: str,
    tasks: Sequence[SiteTask],
    *,
    workers: int,
    parallel: int,
    on_event: Event | None,
    progress: BulkProgress | None,
    env: Mapping[str, str] | None,
    options: Mapping[str, Any],
    interruptible: bool,
    stop: threading.Event,
    note_retried: Callable[[int, int], None] | None = None,
) -> tuple[list[SiteOutcome], bool]:
    """Run `tasks` in `workers` processes, `parallel` sites at once in all; returns (rows in task order,
    interrupted)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["migrate.sites.pool", *PRELOAD.get(action, ())])
    out = ctx.Queue()
    halt = ctx.Event()
    shares: list[list[SiteTask]] = [[] for _ in range(workers)]
    for i, t in enumerate(tasks):
        shares[i % workers].append(t)
    shares = [s for s in shares if s]
    if env is None:  # only the variables the sites name, as they are now
        env = {k: os.environ[k] for t in tasks for k in t.spec.env_vars if k in os.environ}
    environ = {k: os.environ.get(k) for k in PASSED_ENV}
    level = logging.getLogger("migrate").getEffectiveLevel()
    per_worker = max(1, -(-max(1, int(parallel)) // len(shares)))
    procs = []
    results: dict[int, list[SiteOutcome]] = {}
    interrupted = False
    ctrl_c = 0
    p = None
    try:
        for i, share in enumerate(shares):
            job = Job(action, share, per_worker, interruptible, dict(env), environ, dict(options), level)
            p = ctx.Process(target=_worker, args=(job, i, out, halt), name=f"migrate-sites-{i}", daemon=True)
            p.start()
            procs.append(p)
    except KeyboardInterrupt:
        if p is not None and p not in procs and p.pid is not None:
            procs.append(p)  # started just before the Ctrl-C: it winds down and reports like the others
        # Ctrl-C while the worker processes start (a second or more on a loaded machine): the started ones
        # wind down as at any other time and report; the sites of the others were not started
        if not interruptible:
            for p in procs:
                p.terminate()
            raise
        ctrl_c = 1
        halt.set()
        stop.set()
        interrupted = True
        for i in range(len(procs), len(shares)):
            results[i] = [_skipped(t, action) for t in shares[i]]
    emit = on_event or (lambda site, stage, detail: None)
    waiting_since: dict[int, float] = {}
    if progress is not None:
        progress.start()

    def dispatch(msg: Any) -> None:
        nonlocal interrupted
        kind = msg[0]
        if kind == "progress":
            if note_retried is not None:
                note_retried(msg[1], msg[2])
            if progress is not None:
                for site, stage, done, total in msg[3]:
                    progress.for_site(site)(stage, done, total)
        elif kind == "finish":
            if note_retried is not None:
                note_retried(msg[2], msg[3])
            if progress is not None:
                progress.finish(msg[1])
        elif kind == "event":
            emit(msg[1], msg[2], msg[3])
        elif kind == "log":
            record = msg[1]
            logging.getLogger(record.name).handle(record)
        elif kind == "result":
            results[msg[1]] = msg[2]
            interrupted = interrupted or msg[3]
        elif kind == "crash":
            results[msg[1]] = [_lost(t, action, f"its worker process failed: {msg[2]}") for t in shares[msg[1]]]

    try:
        while len(results) < len(shares):
            try:
                dispatch(out.get(timeout=0.2))
                continue
            except queue_mod.Empty:
                pass
            except KeyboardInterrupt:
                ctrl_c += 1
                if not interruptible or ctrl_c > 1:
                    raise
                halt.set()
                stop.set()
                interrupted = True
                continue
            now = time.monotonic()
            for i, p in enumerate(procs):
                if i in results or p.is_alive():
                    continue
                # a worker that died (killed, out of memory) without its rows: give it a moment for the queue
                if now - waiting_since.setdefault(i, now) > 2.0:
                    results[i] = [_lost(t, action, f"its worker process ended (exit {p.exitcode})") for t in shares[i]]
    except KeyboardInterrupt:
        for p in procs:
            if p.is_alive():
                p.terminate()
        raise
    finally:
        for p in procs:
            p.join(timeout=5)
    rows = {o.site: o for share in results.values() for o in share}
    return [rows[t.spec.name] for t in tasks], interrupted


def _skipped(task: SiteTask, action: str) -> SiteOutcome:
    return SiteOutcome(site=task.spec.name, url=task.spec.url, action=action, status="skipped", exit_code=EXIT_ERROR,
                       state=SKIPPED, **task.base)


def _lost(task: SiteTask, action: str, why: str) -> SiteOutcome:
    return SiteOutcome(
        site=task.spec.name, url=task.spec.url, action=action, status="error", exit_code=EXIT_ERROR,
        message=f"no result for this site: {why}", hint="re-run the command for this site (--only)",
        state=FAILED_STATE, **task.base,
    )


__all__ = ["SITES_PER_PROCESS", "SiteTask", "run_in_workers", "worker_count"]
