"""Rollback: put back a plan's before-state for the grants it touched, or refuse before writing.

What to undo is computed from the plan and the site as it is now, not from this machine's journal
(another machine may have applied the plan, or applied it too):
- a grant whose key the plan adds, and that the plan's before-state did not have, is deleted, whoever
  created it and from wherever;
- a grant the plan removes that is missing is re-created, its holder copied verbatim from the before-state.
Grants outside the plan's operations are never touched; changes there are reported, not undone.

Nothing is written unless the whole rollback may go ahead. It is refused, naming what blocks it, when
- this data folder's history shows a later plan still applied on the same schemes (a finish plan built on
  the add plan being rolled back): roll that one back first;
- the state rollback would leave a scheme in would take issue visibility (BROWSE_PROJECTS, or every
  target of the rule) from a holder who has it now, e.g. because a finish plan applied from another
  machine removed its BROWSE_PROJECTS. This check runs on the site's grants, so it protects whatever the
  history does not know.

Rollback journals its own writes (journals/<plan>.rollback.jsonl) and is resumable and idempotent for the
same reason apply is: what is left to do is computed from a fresh read. Once every scheme is back, the
plan's journals move to journals/archive/, so a later apply of the same plan starts afresh.

A snapshot file can stand for the plan: the plan file recorded in the history (or the journal) is used,
and without it the journal's writes are undone against the snapshot.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from migrate import __version__
from migrate.errors import (
    EXIT_OK,
    EXIT_PARTIAL,
    AuthenticationError,
    JiraError,
    MigrateError,
    PermissionDeniedError,
    PlanFileError,
)
from migrate.executor import (
    CrashHook,
    GrantWriter,
    Interrupted,
    Progress,
    RunStop,
    StageCounter,
    WriteFailed,
    denied_reason,
    jira_detail,
    journal_dir,
    journal_path,
    plan_key,
    pool_run,
    request_delta,
    require_admin,
    rollback_journal_path,
    snapshot_path_from_journal,
    throttled,
    until_stopped,
)
from migrate.history import PARTIAL, ROLLED_BACK, Ledger, who
from migrate.jira.client import normalise_site_url
from migrate.jira.throttle import DEFAULT_CONCURRENCY, DEFAULT_WRITES_PER_SECOND, TokenBucket
from migrate.lock import site_lock
from migrate.model import Grant, Holder, Scheme, grant_keys
from migrate.plan import Plan
from migrate.planfile import load_plan
from migrate.rederive import check_offline
from migrate.rules import BROWSE_SPLIT, Rule
from migrate.siteurl import same_site
from migrate.snapshot import Snapshot, default_snapshot_path, load_snapshot
from migrate.store import Journal, private_dir
from migrate.verify import glabel, read_scheme

RESTORED = "restored"
ALREADY = "already-restored"
FAILED = "failed"
SUCCESS = frozenset({RESTORED, ALREADY})

Key = tuple[str, tuple[str, str | None]]


class RollbackCancelled(MigrateError):
    """The user answered no at the confirmation prompt."""


class RollbackRefused(MigrateError):
    """Rolling back now would break the chain of applied plans or take access away; nothing was written."""


# --------------------------------------------------------------------------- what to undo (pure)


@dataclass(frozen=True)
class Undo:
    """One scheme's share of a plan: its before-state and the keys the plan adds and removes."""

    scheme_id: int
    scheme_name: str
    before: tuple[Grant, ...]
    adds: frozenset  # keys the plan adds
    removes: Mapping[Key, Grant]  # keys the plan removes -> the before-state's grant (holder verbatim)

    @property
    def keys(self) -> frozenset:
        return self.adds | frozenset(self.removes)


def undo_of_plan(plan: Plan) -> list[Undo]:
    out = []
    for c in plan.changes:
        before = {g.key: g for g in c.before}
        out.append(
            Undo(
                c.scheme_id,
                c.scheme_name,
                c.before,
                frozenset(o.key for o in c.adds),
                {o.key: before[o.key] for o in c.removes if o.key in before},
            )
        )
    return out


def steps(u: Undo, current: Scheme) -> tuple[list[Grant], list[Grant]]:
    """(grants to delete, grants to re-create) to take `current` back to the before-state on the plan's keys."""
    before = grant_keys(u.before)
    deletes = [g for g in current.grants if g.key in u.adds and g.key not in before and g.id is not None]
    now = grant_keys(current.grants)
    recreates = [g for k, g in sorted(u.removes.items(), key=lambda kv: repr(kv[0])) if k not in now]
    return deletes, recreates


def can_see_issues(grants: Iterable[Grant], rule: Rule) -> set:
    """Holder identities that can see issues: the source permission, or every target of the rule."""
    perms: dict[Any, set[str]] = {}
    for g in grants:
        perms.setdefault(g.holder.identity, set()).add(g.permission)
    targets = set(rule.targets)
    return {h for h, p in perms.items() if rule.source in p or targets <= p}


def visibility_lost(current: Scheme, deletes: list[Grant], recreates: list[Grant], rule: Rule) -> list[Holder]:
    """Holders who can see issues in `current` but would not once `deletes` and `recreates` are done."""
    gone = {id(g) for g in deletes}
    after = [g for g in current.grants if id(g) not in gone] + list(recreates)
    lost = can_see_issues(current.grants, rule) - can_see_issues(after, rule)
    holders = {g.holder.identity: g.holder for g in current.grants}
    return sorted((holders[h] for h in lost), key=lambda h: h.display)


def _why_lost(current: Scheme, holder: Holder, rule: Rule) -> str:
    return (
        f"{holder.display} would lose issue visibility on scheme {current.id} {current.name!r}: its "
        f"{' and '.join(rule.targets)} grants are this plan's to remove, and it no longer holds {rule.source} "
        "(a finish plan, possibly from another machine, or another admin removed it)"
    )


# --------------------------------------------------------------------------- results


@dataclass
class RollbackOutcome:
    scheme_id: int
    scheme_name: str
    outcome: str
    reason: str = ""
    deleted: int = 0
    recreated: int = 0
    notes: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # outside the plan: present now, not in the before-state
    missing: list[str] = field(default_factory=list)  # outside the plan: in the before-state, absent now

    @property
    def ok(self) -> bool:
        return self.outcome in SUCCESS

    def to_json(self) -> dict[str, Any]:
        return {
            "scheme_id": self.scheme_id,
            "scheme_name": self.scheme_name,
            "outcome": self.outcome,
            "reason": self.reason,
            "deleted": self.deleted,
            "recreated": self.recreated,
            "notes": list(self.notes),
            "unexpected": list(self.unexpected),
            "missing": list(self.missing),
        }


@dataclass
class RollbackResult:
    plan_id: str
    site_url: str
    schemes: list[RollbackOutcome]
    snapshot_path: Path | None = None
    journal_path: Path | None = None
    archived_to: Path | None = None
    notes: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    history_state: str | None = None

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.schemes)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_PARTIAL

    @property
    def counts(self) -> dict[str, int]:
        c = {RESTORED: 0, ALREADY: 0, FAILED: 0}
        for s in self.schemes:
            c[s.outcome] = c.get(s.outcome, 0) + 1
        return c

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "site": self.site_url,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "counts": self.counts,
            "snapshot": str(self.snapshot_path) if self.snapshot_path else None,
            "journal": str(self.journal_path) if self.journal_path else None,
            "archived_to": str(self.archived_to) if self.archived_to else None,
            "history": self.history_state,
            "notes": list(self.notes),
            "requests": dict(self.requests),
            "schemes": [s.to_json() for s in self.schemes],
        }


# --------------------------------------------------------------------------- the target


@dataclass(frozen=True)
class RollbackTarget:
    plan_id: str
    site_url: str
    plan: Plan | None
    plan_path: Path | None
    snapshot: Snapshot | None
    snapshot_path: Path | None
    undo: tuple[Undo, ...]
    rule: Rule
    base_url: str = ""
    notes: tuple[str, ...] = ()


def read_apply_journal(entries: list[dict[str, Any]]) -> dict[int, tuple[set, set]]:
    """Per scheme, the keys an apply journal shows add and remove intents for."""
    out: dict[int, tuple[set, set]] = {}
    for e in entries:
        sid, op = e.get("scheme"), e.get("op")
        if not isinstance(sid, int) or op not in ("add", "remove") or e.get("phase") != "intent":
            continue
        if not isinstance(e.get("permission"), str):
            continue
        try:
            holder = Holder.from_json(e.get("holder"))
        except MigrateError:
            continue
        adds, removes = out.setdefault(sid, (set(), set()))
        (adds if op == "add" else removes).add((e["permission"], holder.identity))
    return out


def _plan_target(plan: Plan, path: Path | None, url: str, *, store_root: Path | None, notes=()) -> RollbackTarget:
    check_offline(plan, url, source=f"plan {path}" if path else "the plan")
    pid = plan_key(plan)
    entries = Journal.read(journal_path(url, pid, store_root))
    spath = snapshot_path_from_journal(entries) or default_snapshot_path(url, pid, store_root)
    snap = load_snapshot(spath) if spath.exists() else None
    return RollbackTarget(
        pid, url, plan, path, snap, spath if snap else None, tuple(undo_of_plan(plan)), plan.rule,
        base_url=plan.site.get("base_url", ""), notes=tuple(notes),
    )


def resolve_target(target: Path | str, url: str, *, store_root: Path | None = None) -> RollbackTarget:
    """A plan file or a snapshot file -> what to undo. Offline: no request is sent."""
    p = Path(target)
    try:
        doc = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise PlanFileError(f"{p} does not exist", hint="pass the plan file you applied, or its snapshot") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:
        raise PlanFileError(f"cannot read {p}: {str(e)[:120]}") from None
    kind = doc.get("kind") if isinstance(doc, dict) else None
    if kind == "migrate-plan":
        return _plan_target(load_plan(p), p, url, store_root=store_root)
    if kind != "migrate-snapshot":
        raise PlanFileError(f"{p} is neither a migrate plan nor a migrate snapshot")
    snap = load_snapshot(p)
    try:
        same = same_site(normalise_site_url(snap.site.get("url", "")), normalise_site_url(url))
    except MigrateError:
        same = False
    if not same:
        raise PlanFileError(
            f"this snapshot is of {snap.site.get('url')}, not {url}; nothing was sent to either site",
            hint="point --site / JIRA_URL at the site the snapshot was taken from",
        )
    # the plan the snapshot was taken for, where this data folder recorded it
    entries = Journal.read(journal_path(url, snap.plan_id, store_root))
    known = Ledger(url, store_root).current().get(snap.plan_id)
    candidates = [known.plan_path if known else None] + [e.get("plan_path") for e in reversed(entries) if e.get("event") == "begin"]
    for cand in candidates:
        if isinstance(cand, str) and cand and Path(cand).is_file():
            try:
                plan = load_plan(cand)
            except PlanFileError:
                continue
            if plan_key(plan) == snap.plan_id:
                t = _plan_target(plan, Path(cand), url, store_root=store_root, notes=[f"using the plan file {cand} recorded for snapshot {p}"])
                return RollbackTarget(t.plan_id, t.site_url, t.plan, t.plan_path, snap, p, t.undo, t.rule, t.base_url, t.notes)
    journaled = read_apply_journal(entries)
    if not journaled:
        raise MigrateError(
            f"cannot tell which grants plan {snap.plan_id} changed: its plan file is not where it was recorded, "
            "and this data folder has no journal of its writes",
            hint="pass the plan file to `migrate rollback` instead of the snapshot",
        )
    undo = []
    for sid, (adds, removes) in sorted(journaled.items()):
        s = snap.schemes.get(sid)
        if s is None:
            continue
        by_key = {g.key: g for g in s.grants}
        undo.append(Undo(sid, s.name, s.grants, frozenset(adds), {k: by_key[k] for k in removes if k in by_key}))
    return RollbackTarget(
        snap.plan_id, url, None, None, snap, p, tuple(undo), BROWSE_SPLIT, base_url=snap.site.get("base_url", ""),
        notes=(f"plan file not found: undoing the writes this data folder's journal recorded, against snapshot {p}",),
    )


# --------------------------------------------------------------------------- the run


def _archive(url: str, pid: str, root: Path | None) -> Path | None:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    arch = private_dir(journal_dir(url, root) / "archive")
    moved = None
    # The apply journal moves first: its absence is what tells the next apply to take a fresh snapshot.
    for src, suffix in ((journal_path(url, pid, root), ".jsonl"), (rollback_journal_path(url, pid, root), ".rollback.jsonl")):
        if src.exists():
            dst = arch / f"{pid}.{stamp}{suffix}"
            os.replace(src, dst)
            moved = moved or dst
    return moved


def rollback(
    client,
    target: Path | str,
    *,
    store_root: Path | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress | None = None,
    crash_hook: CrashHook | None = None,
    max_rps: float = DEFAULT_WRITES_PER_SECOND,
    throttle: TokenBucket | None = None,
    confirm: Callable[[dict[str, Any]], bool] | None = None,
    stop: threading.Event | None = None,
) -> RollbackResult:
    """Roll back the plan (or snapshot) `target` on the site `client` talks to. Raises MigrateError when
    it refuses (before any write); per-scheme problems during the writes are outcomes in the result."""
    report = progress or (lambda stage, done, total: None)
    stop = RunStop(stop)  # the caller's event is read, never set: a bulk run shares it between sites
    stats_before = dict(client.stats)
    tgt = resolve_target(target, client.url, store_root=store_root)
    pid = tgt.plan_id
    bucket = throttle or TokenBucket(max_rps)
    with site_lock(client.url, root=store_root, command=f"migrate rollback {target}"), throttled(client, bucket) as paced:
        ledger = Ledger(client.url, store_root)
        blockers = ledger.blockers(pid)
        if blockers:
            first = blockers[0]
            raise RollbackRefused(
                f"cannot roll back plan {pid} yet: {first.sentence()}; nothing was written",
                hint=(f"run `migrate rollback {first.entry.plan_path}` first" if first.entry.plan_path else "roll that plan back first")
                + " (`migrate history` shows the order plans were applied in)",
            )
        site = paced.site_info()
        if tgt.base_url and not same_site(tgt.base_url, site.base_url):
            raise PlanFileError(
                f"{target} belongs to the server {tgt.base_url}, but {client.url} is {site.base_url}",
                hint="point --site / JIRA_URL at the site the plan was applied to",
            )
        require_admin(paced)
        current = {s.id: s for s in paced.list_schemes()}
        notes = list(tgt.notes)
        blocked: list[str] = []
        todo: list[Undo] = []
        gone: list[Undo] = []
        n_del = n_add = 0
        for u in tgt.undo:
            cur = current.get(u.scheme_id)
            if cur is None:
                gone.append(u)
                continue
            deletes, recreates = steps(u, cur)
            blocked += [_why_lost(cur, h, tgt.rule) for h in visibility_lost(cur, deletes, recreates, tgt.rule)]
            if deletes or recreates:
                todo.append(u)
                n_del, n_add = n_del + len(deletes), n_add + len(recreates)
        if blocked:
            more = f" (and {len(blocked) - 3} more)" if len(blocked) > 3 else ""
            raise RollbackRefused(
                f"refusing to roll back plan {pid}: " + "; ".join(blocked[:3]) + more + "; nothing was written",
                hint="roll back the plan that removed the source permission first (see `migrate history`, and ask "
                "whoever applies plans from other machines), or grant it again by hand; then run rollback again",
            )
        known = ledger.current().get(pid)
        if not todo and not gone:
            if known is not None and not known.live:
                notes.insert(0, f"nothing to roll back: plan {pid} was already rolled back")
            else:
                notes.insert(0, f"nothing to roll back: no grant plan {pid} adds is on the site, and every grant it removes is there")
            result = RollbackResult(pid, client.url, [], tgt.snapshot_path, notes=notes, requests=request_delta(client, stats_before))
            if known is not None and known.live:
                ledger.record_rollback(pid, state=ROLLED_BACK, plan=tgt.plan, plan_path=tgt.plan_path, account=who(paced), journal=None)
            result.history_state = ROLLED_BACK if known is not None else None
            result.archived_to = _archive(client.url, pid, store_root)
            return result
        if confirm is not None and not confirm(
            {"plan_id": pid, "site": client.url, "schemes": len(todo), "deletes": n_del, "recreates": n_add,
             "snapshot": str(tgt.snapshot_path) if tgt.snapshot_path else None}
        ):
            raise RollbackCancelled("rollback cancelled; nothing was changed")
        account = who(paced)

        writer = GrantWriter(
            paced,
            rollback_journal_path(client.url, pid, store_root),
            plan=pid,
            header={
                "kind": "rollback",
                "plan_path": str(tgt.plan_path) if tgt.plan_path else None,
                "snapshot": str(tgt.snapshot_path) if tgt.snapshot_path else None,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "tool_version": __version__,
            },
            crash_hook=crash_hook,
            stop=stop,
        )
        # once stopped, the schemes left are settled as not attempted: a line saying 100% then would be false
        counter = StageCounter(len(todo), "rollback", until_stopped(report, stop))
        fatal: list[str] = []

        def work(u: Undo) -> RollbackOutcome:
            try:
                return _rollback_scheme(paced, u, tgt.rule, writer, fatal=fatal)
            finally:
                counter.step()

        outcomes = pool_run(todo, work, concurrency, stop)
        outcomes += [RollbackOutcome(u.scheme_id, u.scheme_name, FAILED, "the scheme no longer exists") for u in gone]
        outcomes.sort(key=lambda o: o.scheme_id)
        writer.close()
        result = RollbackResult(
            plan_id=pid,
            site_url=client.url,
            schemes=outcomes,
            snapshot_path=tgt.snapshot_path,
            journal_path=writer.path if writer.opened else None,
            notes=notes + ([f"run stopped early: {fatal[0]}"] if fatal else []),
            requests=request_delta(client, stats_before),
        )
        state = ROLLED_BACK if result.ok else PARTIAL
        if writer.opened or known is not None:
            ledger.record_rollback(pid, state=state, plan=tgt.plan, plan_path=tgt.plan_path, account=account, journal=result.journal_path)
            result.history_state = state
        if result.ok:
            result.archived_to = _archive(client.url, pid, store_root)
        return result


def _outside(u: Undo, current: Scheme) -> tuple[list[str], list[str]]:
    """Differences from the before-state outside the plan's keys: others' changes, reported, left alone."""
    before = {g.key: g for g in u.before if g.key not in u.keys}
    now = {g.key: g for g in current.grants if g.key not in u.keys}
    unexpected = sorted(glabel(g) for k, g in now.items() if k not in before and not g.holder.is_addon_role)
    missing = sorted(glabel(g) for k, g in before.items() if k not in now)
    return unexpected, missing


def _rollback_scheme(client, u: Undo, rule: Rule, writer: GrantWriter, *, fatal: list[str]) -> RollbackOutcome:
    out = RollbackOutcome(u.scheme_id, u.scheme_name, FAILED)
    if writer.stop.is_set():
        out.reason = "not attempted: the run stopped early" + (f" ({fatal[0]})" if fatal else "")
        return out
    try:
        current = read_scheme(client, u.scheme_id)
        if current is None:
            out.reason = "the scheme no longer exists"
            return out
        deletes, recreates = steps(u, current)
        lost = visibility_lost(current, deletes, recreates, rule)
        if lost:
            # the scheme changed between the check and now: the same refusal, for this scheme only
            out.reason = "refused, nothing written to this scheme: " + _why_lost(current, lost[0], rule)
            return out
        # Re-create first, delete second: at no point does anyone hold less than in the state rollback leaves.
        for g in recreates:
            writer.add(u.scheme_id, g.permission, g.holder)
            out.recreated += 1
        for g in deletes:
            if writer.remove(u.scheme_id, g):
                out.deleted += 1
        after = read_scheme(client, u.scheme_id) if (deletes or recreates) else current
        if after is None:
            out.reason = "the scheme disappeared during rollback"
            return out
        before = grant_keys(u.before)
        now = grant_keys(after.grants)
        wrong = sorted(f"{k[0]} -> {k[1][0]}: {k[1][1]}" for k in u.keys if (k in before) != (k in now))
        out.unexpected, out.missing = _outside(u, after)
        if out.unexpected or out.missing:
            items = [f"+{x}" for x in out.unexpected] + [f"-{x}" for x in out.missing]
            out.notes.append("changed outside the plan (left alone): " + "; ".join(items[:3]) + (f" (and {len(items) - 3} more)" if len(items) > 3 else ""))
        if wrong:
            out.reason = "still differs from the plan's before-state on: " + "; ".join(wrong[:3]) + "; re-run rollback"
            return out
        out.outcome = RESTORED if (out.deleted or out.recreated) else ALREADY
        return out
    except WriteFailed as e:
        out.reason = str(e)
    except Interrupted:
        out.reason = "stopped before finishing: " + (fatal[0] if fatal else "interrupted") + "; re-run rollback"
    except PermissionDeniedError as e:
        out.reason = denied_reason(e)
    except AuthenticationError as e:
        fatal.append(e.message)
        writer.stop.set()
        out.reason = e.message
    except JiraError as e:
        out.reason = e.message + (f" ({jira_detail(e)})" if e.error_messages else "")
    return out


__all__ = [
    "rollback",
    "RollbackResult",
    "RollbackOutcome",
    "RollbackRefused",
    "resolve_target",
    "read_apply_journal",
    "steps",
    "visibility_lost",
    "can_see_issues",
    "undo_of_plan",
]
