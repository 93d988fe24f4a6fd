"""The executor: apply exactly a saved plan, safely, resumably.

Order of a run (README "Applying a plan"):
1. take the per-site lock (one writer per site);
2. preflight, read-only: the plan's site is this site, the credentials work, the caller is a Jira admin,
   the site knows the target keys. A preflight failure writes nothing;
3. snapshot the current state of every scheme the plan touches (atomic, 0600), before any write;
4. per scheme, one worker at a time, bounded concurrency across schemes: re-read the scheme, refuse it
   if someone else changed it since the plan (unless --force), add grants, re-read and check every add
   landed, then remove; every write is journaled (intent before the request, done with the grant id after);
5. verify every changed scheme against the planned after-state.

Resume needs no special mode: what is left to do is always computed from a fresh read of the scheme
(an add is needed iff its key is absent, a remove iff its key is present), so a run killed at any point
is finished by running apply again, and a run after success writes nothing.

A POST whose answer was lost (AmbiguousWriteError) or that Jira refused with 400 is settled by re-reading
the scheme; it is sent again only once the re-read proves the grant is not there. A grant list is never
PUT.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from migrate import __version__
from migrate.errors import (
    EXIT_OK,
    EXIT_PARTIAL,
    AmbiguousWriteError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    JiraError,
    MigrateError,
    PermissionDeniedError,
    PlanFileError,
    UnsupportedSiteError,
)
from migrate.jira.throttle import DEFAULT_CONCURRENCY, DELETE_SHARE, DEFAULT_WRITES_PER_SECOND, Cooldown, TokenBucket, shared_cooldown
from migrate.lock import site_lock
from migrate.model import Grant, Holder, Scheme, SiteInfo
from migrate.plan import Plan, SchemeChange
from migrate.planfile import check_site, plan_id
from migrate.snapshot import Snapshot, default_snapshot_path, load_snapshot, now_iso, save_snapshot
from migrate.store import Journal, site_dir
from migrate.verify import SchemeStatus, assess, label, read_scheme, scheme_status

Progress = Callable[[str, int, int], None]
CrashHook = Callable[[str], None]

# Per-scheme outcomes of an apply.
OUT_APPLIED = "applied"
OUT_ALREADY = "already-applied"
OUT_STALE = "skipped-stale"
OUT_FAILED = "failed"
OUT_UNSUPPORTED = "skipped-unsupported"
OUTCOMES = (OUT_APPLIED, OUT_ALREADY, OUT_STALE, OUT_FAILED, OUT_UNSUPPORTED)
SUCCESS_OUTCOMES = frozenset({OUT_APPLIED, OUT_ALREADY})

# A POST is resent only after a re-read proved the previous attempt did not land; this bounds how often.
MAX_CREATE_ATTEMPTS = 3
CRASH_ENV = "MIGRATE_CRASH_AFTER"


class ApplyCancelled(MigrateError):
    """The user answered no at the confirmation prompt."""


class WriteFailed(Exception):
    """One grant write failed for a reason that is the scheme's, not the run's."""


class Interrupted(Exception):
    """The run was asked to stop (Ctrl-C or a fatal error in another worker) before this write."""


# --------------------------------------------------------------------------- results


@dataclass
class SchemeOutcome:
    scheme_id: int
    scheme_name: str
    outcome: str
    reason: str = ""
    added: int = 0  # grants this run created, including those found on a re-read after a lost answer
    removed: int = 0  # grants this run deleted
    resolved: int = 0  # lost or refused POSTs settled by re-reading the scheme
    notes: list[str] = field(default_factory=list)
    status: SchemeStatus | None = None  # verification against the planned after-state

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCESS_OUTCOMES

    def to_json(self) -> dict[str, Any]:
        return {
            "scheme_id": self.scheme_id,
            "scheme_name": self.scheme_name,
            "outcome": self.outcome,
            "reason": self.reason,
            "added": self.added,
            "removed": self.removed,
            "resolved": self.resolved,
            "notes": list(self.notes),
            "verification": self.status.to_json() if self.status else None,
        }


def _exit_code(items: Sequence[Any]) -> int:
    return EXIT_OK if all(i.ok for i in items) else EXIT_PARTIAL


@dataclass
class ApplyResult:
    plan_id: str
    site_url: str
    mode: str
    schemes: list[SchemeOutcome]
    snapshot_path: Path | None = None
    journal_path: Path | None = None
    requests: dict[str, int] = field(default_factory=dict)
    throttled_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        c = {o: 0 for o in OUTCOMES}
        for s in self.schemes:
            c[s.outcome] = c.get(s.outcome, 0) + 1
        return c

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.schemes)

    @property
    def exit_code(self) -> int:
        return _exit_code(self.schemes)

    @property
    def grants_added(self) -> int:
        return sum(s.added for s in self.schemes)

    @property
    def grants_removed(self) -> int:
        return sum(s.removed for s in self.schemes)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "site": self.site_url,
            "mode": self.mode,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "counts": self.counts,
            "grants_added": self.grants_added,
            "grants_removed": self.grants_removed,
            "snapshot": str(self.snapshot_path) if self.snapshot_path else None,
            "journal": str(self.journal_path) if self.journal_path else None,
            "requests": dict(self.requests),
            "notes": list(self.notes),
            "schemes": [s.to_json() for s in self.schemes],
        }


@dataclass(frozen=True)
class Preflight:
    """What the confirmation prompt shows; everything in it was checked against the live site."""

    site: SiteInfo
    plan_id: str
    mode: str
    schemes: int
    adds: int
    removes: int


# --------------------------------------------------------------------------- paths and ids


def plan_key(plan: Plan) -> str:
    """The plan's id: from the checksum it was loaded with, so it is the id `migrate plan` printed."""
    cs = plan.meta.get("checksum") if plan.meta else None
    return str(cs).split(":", 1)[-1][:16] if cs else plan_id(plan)


def journal_dir(url: str, root: Path | None = None) -> Path:
    return site_dir(url, root) / "journals"


def journal_path(url: str, pid: str, root: Path | None = None) -> Path:
    return journal_dir(url, root) / f"{pid}.jsonl"


def rollback_journal_path(url: str, pid: str, root: Path | None = None) -> Path:
    return journal_dir(url, root) / f"{pid}.rollback.jsonl"


def _ts() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


# --------------------------------------------------------------------------- crash points (tests)


def crash_hook_from_env(env: dict[str, str] | None = None) -> CrashHook | None:
    """MIGRATE_CRASH_AFTER=N: SIGKILL this process at the Nth crash point (journal line, write answered).

    For the crash-resume tests only; a real kill -9 leaves no chance to flush or clean up, which is the point.
    """
    raw = (env if env is not None else os.environ).get(CRASH_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdecimal():
        raise ConfigError(f"{CRASH_ENV} must be a positive number of crash points, got {raw[:20]!r}")
    limit = int(raw)
    counter = itertools.count(1)
    lock = threading.Lock()

    def hook(_label: str) -> None:
        with lock:
            n = next(counter)
        if n >= limit:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


# --------------------------------------------------------------------------- the journaled writer


class GrantWriter:
    """Grant-level POST/DELETE with a journal line before and after each, throttled, crash-pointed.

    Shared by apply and rollback. The journal is opened on the first write, so a run that writes
    nothing leaves no journal behind.
    """

    def __init__(
        self,
        client,
        path: Path,
        *,
        plan: str,
        header: dict[str, Any],
        crash_hook: CrashHook | None = None,
        stop: threading.Event | None = None,
    ):
        self.client = client
        self.path = Path(path)
        self.plan = plan
        self.run = uuid.uuid4().hex[:12]
        self.header = header
        self.crash_hook = crash_hook
        self.stop = stop or threading.Event()
        self._journal: Journal | None = None
        self._lock = threading.Lock()
        self.lines = 0

    # journal ---------------------------------------------------------------

    def point(self, what: str) -> None:
        if self.crash_hook is not None:
            self.crash_hook(what)

    def log(self, **entry: Any) -> None:
        with self._lock:
            if self._journal is None:
                self._journal = Journal(self.path)
                self._append({"event": "begin", **self.header})
            self._append(entry)
        self.point(f"journal:{entry.get('op', entry.get('event'))}:{entry.get('phase', '')}")

    def _append(self, entry: dict[str, Any]) -> None:
        assert self._journal is not None
        self._journal.append({"t": _ts(), "plan": self.plan, "run": self.run, **entry})
        self.lines += 1

    def close(self, **end: Any) -> None:
        with self._lock:
            if self._journal is not None:
                self._append({"event": "end", **end})
                self._journal.close()
                self._journal = None

    @property
    def opened(self) -> bool:
        return self._journal is not None or self.lines > 0

    # writes ----------------------------------------------------------------

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise Interrupted("stopped before this write")

    def add(self, scheme_id: int, permission: str, holder: Holder) -> tuple[Grant, bool]:
        """Create one grant. Returns (grant, resolved_by_reread). Never creates a duplicate."""
        self._check_stop()
        base = {"scheme": scheme_id, "op": "add", "permission": permission, "holder": holder.to_json()}
        self.log(**base, phase="intent")
        what = label(permission, holder)
        for attempt in range(1, MAX_CREATE_ATTEMPTS + 1):
            try:
                grant = self.client.create_grant(scheme_id, permission, holder)
            except AmbiguousWriteError as e:
                self.point("post:lost")
                found = self._find(scheme_id, permission, holder, base, "answer lost; found on re-read")
                if found is not None:
                    return found, True
                if attempt == MAX_CREATE_ATTEMPTS:
                    self.log(**base, phase="failed", error=e.message)
                    raise WriteFailed(
                        f"adding {what}: {MAX_CREATE_ATTEMPTS} attempts lost their answer and a re-read shows no grant; "
                        "re-run apply to try again"
                    ) from None
                continue  # the re-read proved it did not land: sending it again cannot duplicate it
            except BadRequestError as e:
                # Jira answers 400 for a duplicate: an earlier attempt may have landed after all.
                found = self._find(scheme_id, permission, holder, base, "Jira said 400; found on re-read")
                if found is not None:
                    return found, True
                self.log(**base, phase="failed", error=e.message)
                raise WriteFailed(f"Jira refused adding {what}: {_detail(e)}") from None
            except JiraError as e:
                self.log(**base, phase="failed", error=e.message)
                raise
            self.point("post:answered")
            self.log(**base, phase="done", grant_id=grant.id)
            return grant, False
        raise AssertionError("unreachable")

    def _find(self, scheme_id: int, permission: str, holder: Holder, base: dict, how: str) -> Grant | None:
        try:
            current = self.client.get_scheme(scheme_id)
        except JiraError as e:
            self.log(**base, phase="unknown", error=e.message)
            raise WriteFailed(
                f"adding {label(permission, holder)}: the outcome is unknown and re-reading the scheme failed "
                f"({e.message}); re-run apply to settle it"
            ) from None
        found = current.find(permission, holder)
        if found is not None:
            self.log(**base, phase="done", grant_id=found.id, resolved=how)
        return found

    def remove(self, scheme_id: int, grant: Grant) -> bool:
        """Delete one grant by id. Returns False when Jira says it is already gone."""
        self._check_stop()
        base = {
            "scheme": scheme_id,
            "op": "remove",
            "permission": grant.permission,
            "holder": grant.holder.to_json(),
            "grant_id": grant.id,
        }
        self.log(**base, phase="intent")
        try:
            existed = self.client.delete_grant(scheme_id, int(grant.id))  # type: ignore[arg-type]
        except JiraError as e:
            self.log(**base, phase="failed", error=e.message)
            raise
        self.point("delete:answered")
        self.log(**base, phase="done", **({} if existed else {"resolved": "already gone"}))
        return existed


# --------------------------------------------------------------------------- pacing


class ThrottledClient:
    """The executor's view of a client: every grant write first takes a token from the bucket. The shared
    Retry-After pause is kept inside the client's retry policy (see `throttled`), so it covers retries too."""

    def __init__(self, client, bucket: TokenBucket, cooldown: Cooldown):
        self._client = client
        self.bucket = bucket
        self.delete_bucket = bucket.scaled(DELETE_SHARE)  # Jira limits DELETE separately, at half the rate
        self.cooldown = cooldown

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def create_grant(self, scheme_id: int, permission: str, holder: Holder) -> Grant:
        self.bucket.acquire()
        return self._client.create_grant(scheme_id, permission, holder)

    def delete_grant(self, scheme_id: int, grant_id: int) -> bool:
        self.delete_bucket.acquire()
        return self._client.delete_grant(scheme_id, grant_id)


@contextlib.contextmanager
def throttled(client, bucket: TokenBucket):
    """Pace `client` for a run; its retry policy and session are restored afterwards."""
    with shared_cooldown(client) as cooldown:
        yield ThrottledClient(client, bucket, cooldown)


def _detail(e: JiraError) -> str:
    parts = list(e.error_messages) + [f"{k}: {v}" for k, v in e.field_errors.items()]
    return "; ".join(parts) or e.message


# --------------------------------------------------------------------------- preflight


def preflight(client, plan: Plan, pid: str | None = None) -> Preflight:
    """Read-only checks, in the order a user would fix them. Raises MigrateError; writes nothing."""
    ids = [c.scheme_id for c in plan.changes]
    if len(ids) != len(set(ids)):
        raise PlanFileError("malformed plan: a scheme appears twice in its changes")
    site = client.site_info()  # credentials: /permissions needs a valid, admin-scoped token
    check_site(plan, site)
    if not plan.empty:
        if not client.is_admin():
            raise PermissionDeniedError(
                "the account these credentials belong to is not a Jira administrator; changing permission schemes "
                "needs the global permission 'Administer Jira'",
                hint="use an admin account's API token; OAuth and scoped tokens also need the scope manage:jira-configuration",
            )
        wanted = sorted({o.permission for c in plan.changes for o in c.adds} | set(plan.rule.targets))
        missing = site.missing(wanted)
        if missing:
            raise UnsupportedSiteError(
                f"{site.url} does not know {', '.join(missing)} (GET /permissions does not list them), "
                "so the grants this plan adds cannot be created",
                hint="Atlassian has not enabled the split on this site yet; apply again once it has",
            )
        if plan.missing_keys:
            raise UnsupportedSiteError(
                f"this plan was made while the site did not know {', '.join(plan.missing_keys)}",
                hint="the site knows them now: run `migrate plan` again and apply the new plan",
            )
    return Preflight(
        site=site,
        plan_id=pid or plan_key(plan),
        mode=plan.mode,
        schemes=len(plan.changes),
        adds=sum(len(c.adds) for c in plan.changes),
        removes=sum(len(c.removes) for c in plan.changes),
    )


# --------------------------------------------------------------------------- snapshot


def journaled_schemes(entries: Iterable[dict[str, Any]]) -> set[int]:
    """Schemes the journal says a write was (or may have been) sent to."""
    out = set()
    for e in entries:
        if e.get("phase") == "intent" and isinstance(e.get("scheme"), int):
            out.add(e["scheme"])
    return out


def _snapshot_path_from_journal(entries: Sequence[dict[str, Any]]) -> Path | None:
    for e in reversed(entries):
        if e.get("event") == "begin" and e.get("snapshot"):
            return Path(e["snapshot"])
    return None


def take_snapshot(
    client, plan: Plan, pid: str, site: SiteInfo, path: Path, entries: Sequence[dict[str, Any]]
) -> tuple[Snapshot, list[str]]:
    """Write (or keep) the pre-apply state of every scheme in the plan. Returns (snapshot, notes).

    A scheme the journal shows writes for keeps its existing snapshot entry: a resumed run must not
    replace the pre-apply state with a half-applied one. Every other scheme is snapshotted as it is now.
    """
    notes: list[str] = []
    written = journaled_schemes(entries)
    existing: Snapshot | None = None
    if path.exists():
        try:
            existing = load_snapshot(path)
        except PlanFileError as e:
            if written:
                raise MigrateError(
                    f"the snapshot for this plan is unreadable ({e.message}) and the journal shows writes were made",
                    hint=f"restore {path} from a backup, or move it aside to have apply rebuild it from the plan's before-state",
                ) from None
    wanted = {c.scheme_id for c in plan.changes}
    live = {s.id: s for s in client.list_schemes() if s.id in wanted}
    schemes: dict[int, Scheme] = {}
    for c in plan.changes:
        sid = c.scheme_id
        if sid in written and existing is not None and sid in existing.schemes:
            schemes[sid] = existing.schemes[sid]
        elif sid in written:
            # The snapshot was lost after writes: the plan's before-state is the best pre-apply record there is.
            schemes[sid] = Scheme(id=sid, name=c.scheme_name, grants=c.before)
            notes.append(f"scheme {sid}: snapshot entry rebuilt from the plan's before-state (the snapshot file was missing)")
        elif sid in live:
            schemes[sid] = live[sid]
    snap = Snapshot(
        plan_id=pid,
        site=site.identity,
        taken_at=existing.taken_at if (existing is not None and written) else now_iso(),
        schemes=schemes,
        mode=plan.mode,
        plan_checksum=str(plan.meta.get("checksum", "")) if plan.meta else "",
        path=path,
    )
    if existing is None or existing.to_json()["schemes"] != snap.to_json()["schemes"] or existing.plan_id != pid:
        save_snapshot(snap, path)
    return snap, notes


# --------------------------------------------------------------------------- the run


def _pool_run(items: Sequence[Any], work: Callable[[Any], Any], concurrency: int, stop: threading.Event) -> list[Any]:
    """Run work(item) with at most `concurrency` in flight; one task per item, so never two on one scheme.

    On Ctrl-C, or an exception escaping a worker, the other workers stop before their next write and the
    exception is re-raised once they have: every write that started is journaled as finished or failed.
    """
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="migrate-scheme")
    try:
        futures = [pool.submit(work, it) for it in items]
        first: BaseException | None = None
        for f in as_completed(futures):
            exc = f.exception()
            if exc is not None and first is None:
                first = exc
                stop.set()
        if first is not None:
            raise first
        return [f.result() for f in futures]
    except BaseException:
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Counter:
    def __init__(self, total: int, stage: str, progress: Progress):
        self.total, self.stage, self.progress = total, stage, progress
        self.n = 0
        self._lock = threading.Lock()

    def step(self, k: int = 1) -> None:
        with self._lock:
            self.n += k
            n = self.n
        self.progress(self.stage, min(n, self.total), self.total)


def apply_plan(
    client,
    plan: Plan,
    *,
    store_root: Path | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    force: bool = False,
    progress: Progress | None = None,
    crash_hook: CrashHook | None = None,
    snapshot_dir: Path | None = None,
    max_rps: float = DEFAULT_WRITES_PER_SECOND,
    throttle: TokenBucket | None = None,
    confirm: Callable[[Preflight], bool] | None = None,
    plan_path: Path | None = None,
    stop: threading.Event | None = None,
) -> ApplyResult:
    """Apply `plan` to the site `client` talks to. Raises MigrateError for whole-run failures (lock held,
    preflight, cancelled); per-scheme problems are outcomes in the result."""
    report = progress or (lambda stage, done, total: None)
    pid = plan_key(plan)
    stop = stop or threading.Event()
    stats_before = dict(client.stats)
    bucket = throttle or TokenBucket(max_rps)
    with site_lock(client.url, root=store_root, command=f"migrate apply {plan_path or pid}"), throttled(
        client, bucket
    ) as paced:
        pre = preflight(paced, plan, pid)
        if plan.empty:
            return ApplyResult(pid, client.url, plan.mode, [], notes=["the plan has no changes: nothing to do"])
        if confirm is not None and not confirm(pre):
            raise ApplyCancelled("apply cancelled; nothing was changed")

        jpath = journal_path(client.url, pid, store_root)
        entries = Journal.read(jpath)
        recorded = _snapshot_path_from_journal(entries) if journaled_schemes(entries) else None
        if recorded is not None:
            spath = recorded  # a resumed run keeps the snapshot its first run wrote, wherever that was
        elif snapshot_dir is not None:
            spath = Path(snapshot_dir) / f"{pid}.json"
        else:
            spath = default_snapshot_path(client.url, pid, store_root)
        report("snapshot", 0, 1)
        _, notes = take_snapshot(paced, plan, pid, pre.site, spath, entries)
        report("snapshot", 1, 1)
        if crash_hook is not None:
            crash_hook("snapshot:written")

        writer = GrantWriter(
            paced,
            jpath,
            plan=pid,
            header={
                "kind": "apply",
                "snapshot": str(spath),
                "plan_path": str(plan_path) if plan_path else None,
                "mode": plan.mode,
                "force": force,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "tool_version": __version__,
            },
            crash_hook=crash_hook,
            stop=stop,
        )
        counter = _Counter(sum(len(c.operations) for c in plan.changes), "apply", report)
        report("apply", 0, counter.total)
        fatal: list[str] = []

        def work(change: SchemeChange) -> SchemeOutcome:
            return _apply_scheme(paced, plan, change, writer, force=force, counter=counter, fatal=fatal)

        outcomes: list[SchemeOutcome] = _pool_run(list(plan.changes), work, concurrency, stop)
        _verify_written(paced, plan, outcomes, force=force, concurrency=concurrency, stop=stop, report=report)
        result = ApplyResult(
            plan_id=pid,
            site_url=client.url,
            mode=plan.mode,
            schemes=outcomes,
            snapshot_path=spath,
            journal_path=jpath if (writer.opened or jpath.exists()) else None,
            requests={k: v - stats_before.get(k, 0) for k, v in client.stats.items() if v - stats_before.get(k, 0)},
            throttled_seconds=bucket.waited,
            notes=notes + ([f"run stopped early: {fatal[0]}"] if fatal else []),
        )
        writer.close(counts=result.counts)
        return result


def _verify_written(client, plan: Plan, outcomes: list[SchemeOutcome], *, force, concurrency, stop, report) -> None:
    """Re-read every scheme this run wrote to and hold it to the planned after-state. Schemes it did not
    write to were already classified from the fresh read taken just before."""
    todo = [(o, c) for o, c in zip(outcomes, plan.changes) if o.outcome == OUT_APPLIED]
    count = _Counter(len(todo), "verify", report)

    def check(pair: tuple[SchemeOutcome, SchemeChange]) -> None:
        o, c = pair
        try:
            o.status = scheme_status(c, read_scheme(client, c.scheme_id), strict=not force)
        except JiraError as e:
            o.outcome = OUT_FAILED
            o.reason = f"writes done, but re-reading the scheme to verify them failed: {e.message}"
            return
        finally:
            count.step()
        if not o.status.ok:
            o.outcome = OUT_FAILED
            o.reason = f"verification after writing: {o.status.detail}"

    if todo:
        _pool_run(todo, check, concurrency, stop)


def _apply_scheme(
    client,
    plan: Plan,
    change: SchemeChange,
    writer: GrantWriter,
    *,
    force: bool,
    counter: _Counter,
    fatal: list[str],
) -> SchemeOutcome:
    out = SchemeOutcome(change.scheme_id, change.scheme_name, OUT_FAILED)
    n_ops = len(change.operations)
    accounted = 0

    def finish(outcome: str, reason: str = "") -> SchemeOutcome:
        out.outcome, out.reason = outcome, reason
        counter.step(n_ops - accounted)
        return out

    if writer.stop.is_set():
        return finish(OUT_FAILED, "not attempted: the run stopped early" + (f" ({fatal[0]})" if fatal else ""))
    try:
        current = read_scheme(client, change.scheme_id)
        if current is None:
            return finish(OUT_STALE, "the scheme no longer exists (deleted since the plan was made)")
        a = assess(change, current)
        if a.done:
            # Nothing left to write, so changes others made since are no reason to refuse: report them.
            out.status = scheme_status(change, current, strict=False)
            if a.stale:
                out.notes.append(f"changed outside the plan since it was made: {a.describe_foreign()}")
            if not out.status.ok:
                return finish(OUT_FAILED, f"all planned operations are done but: {out.status.detail}")
            return finish(OUT_ALREADY)
        if a.stale and not force:
            return finish(
                OUT_STALE,
                f"changed since the plan was made ({a.describe_foreign()}); re-run `migrate plan`, or apply with --force",
            )
        if a.stale:
            out.notes.append(f"--force: applied over changes made since the plan ({a.describe_foreign()})")
        if a.tolerated:
            out.notes.append(f"{len(a.tolerated)} add-on role grant(s) added by Jira since the plan (tolerated)")
        if a.started:
            out.notes.append(f"resumed: {a.ops_total - a.pending} of {a.ops_total} operation(s) were already done")
        counter.step(a.ops_total - a.pending)
        accounted += a.ops_total - a.pending

        for op in a.adds_needed:
            _, resolved = writer.add(change.scheme_id, op.permission, op.holder)
            out.added += 1  # found after a lost answer or not, this run created it (its journal says so)
            out.resolved += 1 if resolved else 0
            counter.step()
            accounted += 1

        if a.removes_needed:
            # Before any removal, prove on a fresh read that every add landed and that each holder about to lose
            # the source permission holds every target the rule gives it: otherwise removing would cut access.
            current = read_scheme(client, change.scheme_id)
            if current is None:
                return finish(OUT_FAILED, "the scheme disappeared during apply")
            missing = [label(o.permission, o.holder) for o in change.adds if current.find(o.permission, o.holder) is None]
            for op, _ in a.removes_needed:
                for t in plan.rule.targets:
                    if current.find(t, op.holder) is None:
                        missing.append(label(t, op.holder))
            if missing:
                return finish(
                    OUT_FAILED,
                    "refusing to remove grants: these grants that must exist first are missing: "
                    + "; ".join(sorted(set(missing))[:3]),
                )
            for op, grant in assess(change, current).removes_needed:
                existed = writer.remove(change.scheme_id, grant)
                out.removed += 1 if existed else 0
                out.resolved += 0 if existed else 1
                counter.step()
                accounted += 1
        return finish(OUT_APPLIED)
    except WriteFailed as e:
        return finish(OUT_FAILED, _with_progress(str(e), out))
    except Interrupted:
        return finish(OUT_FAILED, _with_progress("stopped before finishing: " + (fatal[0] if fatal else "interrupted"), out))
    except (AuthenticationError, PermissionDeniedError) as e:
        if isinstance(e, PermissionDeniedError) and "free plan" in e.message.lower():
            return finish(OUT_UNSUPPORTED, f"Jira does not allow changing this scheme: {_detail(e)}")
        # The credentials stopped working: every other scheme would fail the same way, so stop the run.
        fatal.append(e.message)
        writer.stop.set()
        return finish(OUT_FAILED, _with_progress(e.message, out))
    except JiraError as e:
        return finish(OUT_FAILED, _with_progress(e.message, out))


def _with_progress(reason: str, out: SchemeOutcome) -> str:
    if out.added or out.removed or out.resolved:
        return (
            f"{reason} (after {out.added} add(s) and {out.removed} removal(s); "
            "re-run apply to finish, or rollback to undo)"
        )
    return reason
