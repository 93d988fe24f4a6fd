"""Apply exactly a saved plan, safely and resumably.

Order of a run (README "Applying a plan"):
1. offline: the plan is for the site the user named (before any request), and its operations are what
   the planner gives for its recorded before-state, rule and mode (migrate.rederive);
2. take the per-site lock (one writer per site from this data folder);
3. preflight, read-only: the server is the plan's, the credentials work, the caller is a Jira admin,
   the site knows the target keys. A preflight failure writes nothing;
4. snapshot the current state of every scheme the plan touches (atomic, 0600), before any write;
5. per scheme, one worker at a time, bounded concurrency across schemes: judge the scheme from a list
   read of the site at most STALE_READ_MAX_AGE seconds old (the snapshot's, or a newer one: one request
   returns every scheme), refuse it if someone else changed it since the plan (unless --force), add grants
   (only for holders whose source grant is still there), then, before any removal, re-read the scheme and
   prove each holder holds every target; every write is journaled (intent before the request, done with
   the grant id after);
6. verify every changed scheme against the planned after-state from one list read, with the very check
   `migrate verify` makes, so apply and verify agree on every scheme;
7. record the run in the site's history (migrate.history).

Resume needs no special mode: what is left to do is always computed from a fresh read of the scheme
(an add is needed iff its key is absent, a remove iff its key is present), so a run killed at any point
is finished by running apply again, and a run after success writes nothing.

A POST whose answer was lost or that Jira refused with 400 is settled by re-reading the scheme; it is
sent again only once the re-read proves the grant is not there. A grant found there is adopted, whoever
made it (another machine applying the same plan at the same time gets 400s, not duplicates). A grant list
is never PUT.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from migrate import __version__
from migrate.errors import (
    EXIT_OK,
    EXIT_PARTIAL,
    AuthenticationError,
    JiraError,
    MigrateError,
    PermissionDeniedError,
    PlanFileError,
    UnsupportedSiteError,
)
from migrate.executor import (
    DUPLICATE,
    CrashHook,
    GrantWriter,
    Interrupted,
    Progress,
    RunStop,
    StageCounter,
    WorkQueue,
    WriteFailed,
    denied_reason,
    jira_detail,
    journal_path,
    plan_key,
    pool_run,
    request_delta,
    require_admin,
    snapshot_path_from_journal,
    throttled,
    until_stopped,
)
from migrate.history import APPLIED, PARTIAL, Ledger, who
from migrate.jira.throttle import DEFAULT_CONCURRENCY, DEFAULT_WRITES_PER_SECOND, Pacer, TokenBucket
from migrate.lock import site_lock
from migrate.model import Scheme, SiteInfo
from migrate.plan import Operation, Plan, SchemeChange, why_keys_missing
from migrate.planfile import check_site
from migrate.rederive import RuleIdentity, check_offline, rule_identity
from migrate.snapshot import Snapshot, default_snapshot_path, load_snapshot, now_iso, save_snapshot
from migrate.store import Journal
from migrate.verify import DRIFTED, SchemeStatus, assess, label, read_scheme, scheme_status

# Per-scheme outcomes of an apply.
OUT_APPLIED = "applied"
OUT_ALREADY = "already-applied"
OUT_DRIFTED = "drifted"  # the plan's writes are done, but the scheme differs from its after-state (verify says so too)
OUT_STALE = "skipped-stale"
OUT_FAILED = "failed"
OUT_UNSUPPORTED = "skipped-unsupported"
OUTCOMES = (OUT_APPLIED, OUT_ALREADY, OUT_DRIFTED, OUT_STALE, OUT_FAILED, OUT_UNSUPPORTED)
SUCCESS_OUTCOMES = frozenset({OUT_APPLIED, OUT_ALREADY})


class ApplyCancelled(MigrateError):
    """The user answered no at the confirmation prompt."""


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

    @property
    def done(self) -> bool:
        """Every planned operation is reflected in the scheme (whatever else changed there)."""
        return self.status is not None and self.status.pending == 0 and self.outcome != OUT_STALE

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
    history_state: str | None = None  # what the site's history now says about this plan

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
            "history": self.history_state,
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
    rule: RuleIdentity


# --------------------------------------------------------------------------- preflight


def preflight(client, plan: Plan, pid: str | None = None) -> Preflight:
    """Read-only checks, in the order a user would fix them. Raises MigrateError; writes nothing."""
    site = client.site_info()  # credentials: /permissions needs a valid, admin-scoped token
    check_site(plan, site)
    if not plan.empty:
        require_admin(client)
        wanted = sorted({o.permission for c in plan.changes for o in c.adds} | set(plan.rule.targets))
        missing = site.missing(wanted)
        if missing:
            raise UnsupportedSiteError(
                f"{site.url} does not know {', '.join(missing)} (GET /permissions does not list them), "
                "so the grants this plan adds cannot be created",
                hint=why_keys_missing(site.deployment_type),
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
        rule=rule_identity(plan.rule),
    )


# --------------------------------------------------------------------------- the site as read


STALE_READ_MAX_AGE = 30.0  # seconds: a scheme is judged from a list read at most this old before its first write


class SiteView:
    """The plan's schemes as one list read (GET /permissionscheme: every scheme in one response) saw them.

    Apply judges each scheme from it just before writing the scheme: stale (changed since the plan),
    already done, or what is left to do. A read older than `max_age` is taken again first (one list read,
    shared by every worker), so no scheme is judged from a read more than `max_age` seconds old.
    """

    def __init__(self, client, wanted: Iterable[int], *, max_age: float = STALE_READ_MAX_AGE,
                 clock: Callable[[], float] | None = None):
        self._client = client
        self._wanted = frozenset(wanted)
        self._max_age = max_age
        self._clock = clock or time.monotonic
        self._lock = threading.Lock()
        self._schemes: dict[int, Scheme] = {}
        self._read_at: float | None = None
        self.reads = 0
        # Set once this run meets another writer (a duplicate 400): from then on each scheme is read on its
        # own just before its first write, since a list read, however young, cannot show what the other
        # writer made since and would cost a duplicate 400 on every scheme it already finished.
        self.contended = False

    def read_all(self) -> dict[int, Scheme]:
        """A fresh list read of the plan's schemes (raises JiraError)."""
        with self._lock:
            return self._read()

    def _read(self) -> dict[int, Scheme]:
        started = self._clock()
        self._schemes = {s.id: s for s in self._client.list_schemes() if s.id in self._wanted}
        self._read_at = started  # the read is as old as its request, not its answer
        self.reads += 1
        return self._schemes

    def get(self, scheme_id: int) -> Scheme | None:
        """The scheme from a read at most max_age old, or its own read once another writer is met (None: the
        site has no such scheme)."""
        if self.contended:
            return read_scheme(self._client, scheme_id)
        with self._lock:
            if self._read_at is None or self._clock() - self._read_at > self._max_age:
                self._read()
            return self._schemes.get(scheme_id)


# --------------------------------------------------------------------------- snapshot


def journaled_schemes(entries: Iterable[dict[str, Any]]) -> set[int]:
    """Schemes the journal says a write was (or may have been) sent to."""
    out = set()
    for e in entries:
        if e.get("phase") == "intent" and isinstance(e.get("scheme"), int):
            out.add(e["scheme"])
    return out


def take_snapshot(
    client, plan: Plan, pid: str, site: SiteInfo, path: Path, entries: Sequence[dict[str, Any]], *, view: "SiteView | None" = None
) -> tuple[Snapshot, list[str]]:
    """Write (or keep) the pre-apply state of every scheme in the plan. Returns (snapshot, notes).

    A scheme the journal shows writes for keeps its existing snapshot entry: a resumed run must not
    replace the pre-apply state with a half-applied one. Every other scheme is snapshotted as it is now,
    from one list read (kept in `view`, where the stale-plan check takes it from).
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
    view = view or SiteView(client, wanted)
    live = view.read_all()
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
    if existing is None or existing.plan_id != pid or existing.to_json()["schemes"] != snap.to_json()["schemes"]:
        save_snapshot(snap, path)
    return snap, notes


# --------------------------------------------------------------------------- the run


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
    stale_read_max_age: float = STALE_READ_MAX_AGE,
) -> ApplyResult:
    """Apply `plan` to the site `client` talks to. Raises MigrateError for whole-run failures (another
    site's plan, a plan that does not re-derive, lock held, preflight, cancelled); per-scheme problems are
    outcomes in the result."""
    report = progress or (lambda stage, done, total: None)
    pid = plan_key(plan)
    check_offline(plan, client.url, source=f"plan {plan_path}" if plan_path else "the plan")
    stop = RunStop(stop)  # the caller's event is read, never set: a bulk run shares it between sites
    stats_before = dict(client.stats)
    pacer = Pacer(max_rps, post_bucket=throttle)
    with site_lock(client.url, root=store_root, command=f"migrate apply {plan_path or pid}"), throttled(
        client, pacer
    ) as paced:
        pre = preflight(paced, plan, pid)
        if plan.empty:
            return ApplyResult(pid, client.url, plan.mode, [], notes=["the plan has no changes: nothing to do"])
        if confirm is not None and not confirm(pre):
            raise ApplyCancelled("apply cancelled; nothing was changed")
        account = who(paced)

        jpath = journal_path(client.url, pid, store_root)
        entries = Journal.read(jpath)
        recorded = snapshot_path_from_journal(entries) if journaled_schemes(entries) else None
        if recorded is not None:
            spath = recorded  # a resumed run keeps the snapshot its first run wrote, wherever that was
        elif snapshot_dir is not None:
            spath = Path(snapshot_dir) / f"{pid}.json"
        else:
            spath = default_snapshot_path(client.url, pid, store_root)
        report("snapshot", 0, 1)
        view = SiteView(paced, (c.scheme_id for c in plan.changes), max_age=stale_read_max_age)
        _, notes = take_snapshot(paced, plan, pid, pre.site, spath, entries, view=view)
        report("snapshot", 1, 1)
        if crash_hook is not None:
            crash_hook("snapshot:written")

        ledger = Ledger(client.url, store_root)

        def begin(w: GrantWriter) -> None:
            # in the history before the first write: a run killed from here on leaves the plan "partially applied"
            ledger.record_start(
                plan, pid, run=w.run, plan_path=plan_path, account=account, snapshot=spath, journal=jpath
            )

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
            on_begin=begin,
        )
        # once stopped, the schemes left are settled as not attempted: a line saying 100% then would be false
        counter = StageCounter(sum(len(c.operations) for c in plan.changes), "apply", until_stopped(report, stop))
        report("apply", 0, counter.total)
        fatal: list[str] = []

        queue = WorkQueue(list(plan.changes), settle=2 * concurrency)

        def work(change: SchemeChange) -> SchemeOutcome:
            return _apply_scheme(paced, plan, change, writer, force=force, counter=counter, fatal=fatal, queue=queue, view=view)

        outcomes: list[SchemeOutcome] = pool_run(list(plan.changes), work, concurrency, stop, queue=queue)
        _verify_written(paced, plan, outcomes, force=force, concurrency=concurrency, stop=stop, report=report)
        result = ApplyResult(
            plan_id=pid,
            site_url=client.url,
            mode=plan.mode,
            schemes=outcomes,
            snapshot_path=spath,
            journal_path=jpath if (writer.opened or jpath.exists()) else None,
            requests=request_delta(client, stats_before),
            throttled_seconds=pacer.waited,
            notes=notes + ([f"run stopped early: {fatal[0]}"] if fatal else []),
        )
        writer.close(counts=result.counts)
        result.history_state = _record(ledger, plan, pid, result, writer, entries, plan_path=plan_path, account=account)
        return result


def _record(
    ledger: Ledger, plan: Plan, pid: str, result: ApplyResult, writer: GrantWriter, entries: Sequence[dict[str, Any]],
    *, plan_path, account,
) -> str | None:
    """Append the run to the site's history, right after the journal's end line. A run that wrote nothing
    and changes nothing the history says (e.g. a second apply) adds no line, so it cannot move the plan
    later in the chain than plans applied after it. `entries` is the journal as the run found it (the site
    lock kept anyone else from adding to it since): with the writer's own intents, what the whole journal
    says, without reading it again."""
    done = {o.scheme_id for o in result.schemes if o.done}
    touched = done | journaled_schemes(entries) | writer.intents
    state = APPLIED if len(done) == len(plan.changes) else PARTIAL
    known = ledger.current().get(pid)
    if not writer.opened:
        if not touched:
            return known.state if known is not None and known.live else None
        if known is not None and known.live and known.state == state and touched <= known.touched:
            return known.state
    ledger.record_apply(
        plan,
        pid,
        run=writer.run,
        state=state,
        schemes=touched,
        plan_path=plan_path,
        account=account,
        snapshot=result.snapshot_path,
        journal=result.journal_path,
    )
    return state


def _settle(o: SchemeOutcome, change: SchemeChange, current: Scheme | None, *, wrote: bool, force: bool) -> None:
    """The scheme's outcome from the same check `migrate verify` makes, so both always agree."""
    o.status = scheme_status(change, current)
    if current is None:
        o.outcome, o.reason = OUT_FAILED, "the scheme disappeared during apply"
        return
    if o.status.ok:
        o.outcome = OUT_APPLIED if wrote else OUT_ALREADY
        return
    if o.status.status == DRIFTED:
        o.outcome = OUT_DRIFTED
        if o.status.pending == 0:
            lead = "all planned operations are done, but the scheme "
        else:
            lead = "the scheme "
        why = "was changed outside the plan" + (" (written anyway: --force)" if force and wrote else "")
        o.reason = f"{lead}{why}: {o.status.detail}"
        return
    o.outcome = OUT_FAILED
    o.reason = f"verification after writing: {o.status.detail}"


def _verify_written(client, plan: Plan, outcomes: list[SchemeOutcome], *, force, concurrency, stop, report) -> None:
    """Hold every scheme this run wrote to to the planned after-state, from one list read of the site
    (every scheme in one response). Schemes it did not write to were already classified from the read
    their judgement was made from."""
    todo = [(o, c) for o, c in zip(outcomes, plan.changes) if o.outcome == OUT_APPLIED]
    if not todo:
        return
    count = StageCounter(len(todo), "verify", report)
    try:
        current = {s.id: s for s in client.list_schemes()}
    except JiraError as e:
        for o, _ in todo:
            o.outcome = OUT_FAILED
            o.reason = f"writes done, but re-reading the site to verify them failed: {e.message}"
        count.step(len(todo))
        return
    for o, c in todo:
        _settle(o, c, current.get(c.scheme_id), wrote=True, force=force)
        count.step()


def _labels(ops: Iterable[Operation], limit: int = 3) -> str:
    items = [label(o.permission, o.holder) for o in ops]
    return "; ".join(items[:limit]) + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


def _apply_scheme(
    client,
    plan: Plan,
    change: SchemeChange,
    writer: GrantWriter,
    *,
    force: bool,
    counter: StageCounter,
    fatal: list[str],
    queue: WorkQueue | None = None,
    view: SiteView | None = None,
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
        current = view.get(change.scheme_id) if view is not None else read_scheme(client, change.scheme_id)
        if current is None:
            return finish(OUT_STALE, "the scheme no longer exists (deleted since the plan was made)")
        a = assess(change, current)
        if a.done:
            # Nothing left to write: the outcome is what verify would say about the scheme as it is.
            _settle(out, change, current, wrote=False, force=force)
            return finish(out.outcome, out.reason)
        if a.stale and not force:
            out.status = scheme_status(change, current)
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

        # A target is added only next to a source grant that is still there: a holder whose source was
        # removed since the plan (by another admin, or a forged before-state) gets nothing new.
        source = plan.rule.source
        orphans = [o for o in a.adds_needed if current.find(source, o.holder) is None]
        pending = [o for o in a.adds_needed if current.find(source, o.holder) is not None]
        if orphans:
            out.notes.append(
                f"not added, because the holder's {source} grant is gone from the site: {_labels(orphans)}"
            )
        while pending:
            op = pending.pop(0)
            added = writer.add(change.scheme_id, op.permission, op.holder)
            # a grant found after a lost answer was made by this run (its journal says so): it counts as added;
            # one another writer made (a duplicate 400) does not
            out.added += 0 if added.resolved == DUPLICATE else 1
            out.resolved += 1 if added.resolved else 0
            counter.step()
            accounted += 1
            if added.resolved == DUPLICATE and queue is not None:
                queue.met_another_writer()
            if added.resolved == DUPLICATE and view is not None:
                view.contended = True
            if added.resolved == DUPLICATE and added.reread is not None and pending:
                # Another writer is adding this scheme's grants right now (e.g. the same plan from another
                # machine): adopt what it made, and take the rest from the other end so the two meet once.
                made = [o for o in pending if added.reread.find(o.permission, o.holder) is not None]
                if made:
                    out.resolved += len(made)
                    counter.step(len(made))
                    accounted += len(made)
                pending = [o for o in reversed(pending) if o not in made]

        if a.removes_needed:
            # Before any removal, prove on a fresh read that each holder about to lose the source permission
            # holds every target permission: otherwise removing would cut access.
            current = read_scheme(client, change.scheme_id)
            if current is None:
                return finish(OUT_FAILED, "the scheme disappeared during apply")
            missing = [label(t, op.holder) for op, _ in a.removes_needed for t in plan.rule.targets if current.find(t, op.holder) is None]
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
    except PermissionDeniedError as e:
        # A 403 on one scheme (a team-managed project's scheme, a scheme-level restriction) is that scheme's
        # problem: it is recorded with the permission it needed, and the other schemes go on.
        if "free plan" in e.message.lower():
            return finish(OUT_UNSUPPORTED, f"Jira does not allow changing this scheme: {jira_detail(e)}")
        return finish(OUT_FAILED, _with_progress(denied_reason(e), out))
    except AuthenticationError as e:
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
