"""Rollback: undo exactly what apply did to a plan's schemes, then prove they equal the snapshot.

Only grants the apply journal names are touched:
- a grant whose key the journal recorded as *added* is deleted, unless the snapshot already had that key
  (then it was there before apply and is not ours);
- a grant the journal recorded as *removed* is re-created, holder copied verbatim from the snapshot.
Anything else that differs from the snapshot was changed by someone else: it is left alone and reported.

One case is held back rather than deleted: the journal recorded the id apply created, but the scheme now
has the same grant under another id. Someone deleted ours and created the same grant again on purpose,
so it is theirs; rollback reports it and deletes it only with --force.

Rollback journals its own writes (journals/<plan>.rollback.jsonl) and is resumable and idempotent for
the same reason apply is: what is left to do is computed from a fresh read. When every scheme is back to
its snapshot, the plan's journals move to journals/archive/, so a later apply of the same plan starts
afresh (new snapshot) and a repeated rollback reports there is nothing left to undo.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from migrate import __version__
from migrate.apply import (
    CrashHook,
    GrantWriter,
    Interrupted,
    Progress,
    WriteFailed,
    _Counter,
    _detail,
    _pool_run,
    _snapshot_path_from_journal,
    journal_dir,
    throttled,
    journal_path,
    plan_key,
    rollback_journal_path,
)
from migrate.errors import (
    EXIT_OK,
    EXIT_PARTIAL,
    AuthenticationError,
    JiraError,
    MigrateError,
    PermissionDeniedError,
    PlanFileError,
)
from migrate.jira.throttle import DEFAULT_CONCURRENCY, DEFAULT_WRITES_PER_SECOND, TokenBucket
from migrate.lock import site_lock
from migrate.model import Holder, Scheme, grant_keys
from migrate.plan import Plan
from migrate.planfile import load_plan
from migrate.siteurl import same_site
from migrate.snapshot import Snapshot, default_snapshot_path, load_snapshot
from migrate.store import Journal, ensure_dir
from migrate.verify import glabel, read_scheme

RESTORED = "restored"
ALREADY = "already-restored"
DRIFTED = "drifted"
FAILED = "failed"
SUCCESS = frozenset({RESTORED, ALREADY})


class RollbackCancelled(MigrateError):
    """The user answered no at the confirmation prompt."""


@dataclass
class RollbackOutcome:
    scheme_id: int
    scheme_name: str
    outcome: str
    reason: str = ""
    deleted: int = 0
    recreated: int = 0
    notes: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # present now, not in the snapshot
    missing: list[str] = field(default_factory=list)  # in the snapshot, absent now

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

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.schemes)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_PARTIAL

    @property
    def counts(self) -> dict[str, int]:
        c = {RESTORED: 0, ALREADY: 0, DRIFTED: 0, FAILED: 0}
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
            "notes": list(self.notes),
            "requests": dict(self.requests),
            "schemes": [s.to_json() for s in self.schemes],
        }


@dataclass(frozen=True)
class RollbackTarget:
    plan_id: str
    site_url: str
    plan: Plan | None
    snapshot: Snapshot | None
    snapshot_path: Path


@dataclass
class _Journaled:
    """What the apply journal says about one scheme."""

    added: dict[tuple, Holder] = field(default_factory=dict)  # key -> holder, for every add intent
    added_ids: dict[tuple, set[int]] = field(default_factory=lambda: defaultdict(set))  # ids apply saw created
    removed: set[tuple] = field(default_factory=set)


def _key(permission: str, holder: Holder) -> tuple:
    return (permission, holder.identity)


def read_apply_journal(entries: list[dict[str, Any]]) -> dict[int, _Journaled]:
    out: dict[int, _Journaled] = {}
    for e in entries:
        sid, op, phase = e.get("scheme"), e.get("op"), e.get("phase")
        if not isinstance(sid, int) or op not in ("add", "remove") or not isinstance(e.get("permission"), str):
            continue
        try:
            holder = Holder.from_json(e.get("holder"))
        except MigrateError:
            continue
        k = _key(e["permission"], holder)
        j = out.setdefault(sid, _Journaled())
        if op == "add":
            if phase == "intent":
                j.added.setdefault(k, holder)
            if phase == "done" and isinstance(e.get("grant_id"), int):
                j.added_ids[k].add(e["grant_id"])
        elif phase == "intent":
            j.removed.add(k)
    return out


def resolve_target(target: Path | str, url: str, *, store_root: Path | None = None) -> RollbackTarget:
    """A plan file or a snapshot file -> the plan id, its snapshot and (for a plan) the plan itself."""
    p = Path(target)
    try:
        doc = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise PlanFileError(f"{p} does not exist", hint="pass the plan file you applied, or its snapshot") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise PlanFileError(f"cannot read {p}: {e}") from None
    kind = doc.get("kind") if isinstance(doc, dict) else None
    if kind == "migrate-snapshot":
        snap = load_snapshot(p)
        site_url = snap.site.get("url", "")
        if not same_site(site_url, url):
            raise PlanFileError(
                f"this snapshot is of {site_url}, not {url}",
                hint="point --site / JIRA_URL at the site the snapshot was taken from",
            )
        return RollbackTarget(snap.plan_id, site_url, None, snap, p)
    if kind == "migrate-plan":
        plan = load_plan(p)
        if not same_site(plan.site.get("url"), url):
            raise PlanFileError(
                f"this plan was made for {plan.site.get('url')}, not {url}",
                hint="point --site / JIRA_URL at the site the plan was applied to",
            )
        pid = plan_key(plan)
        entries = Journal.read(journal_path(url, pid, store_root))
        spath = _snapshot_path_from_journal(entries) or default_snapshot_path(url, pid, store_root)
        snap = load_snapshot(spath) if spath.exists() else None
        return RollbackTarget(pid, url, plan, snap, spath)
    raise PlanFileError(f"{p} is neither a migrate plan nor a migrate snapshot")


def _archive(url: str, pid: str, root: Path | None) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    arch = ensure_dir(journal_dir(url, root) / "archive")
    target = arch / f"{pid}.{stamp}.jsonl"
    # The apply journal moves first: its absence is what tells the next apply to take a fresh snapshot.
    os.replace(journal_path(url, pid, root), target)
    rj = rollback_journal_path(url, pid, root)
    if rj.exists():
        os.replace(rj, arch / f"{pid}.{stamp}.rollback.jsonl")
    return target


def _archived(url: str, pid: str, root: Path | None) -> list[Path]:
    d = journal_dir(url, root) / "archive"
    return sorted(p for p in d.glob(f"{pid}.*.jsonl") if not p.name.endswith(".rollback.jsonl")) if d.exists() else []


def rollback(
    client,
    target: Path | str,
    *,
    store_root: Path | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    force: bool = False,
    progress: Progress | None = None,
    crash_hook: CrashHook | None = None,
    max_rps: float = DEFAULT_WRITES_PER_SECOND,
    throttle: TokenBucket | None = None,
    confirm: Callable[[dict[str, Any]], bool] | None = None,
    stop: threading.Event | None = None,
) -> RollbackResult:
    report = progress or (lambda stage, done, total: None)
    stop = stop or threading.Event()
    stats_before = dict(client.stats)
    tgt = resolve_target(target, client.url, store_root=store_root)
    bucket = throttle or TokenBucket(max_rps)
    outer = client
    with site_lock(client.url, root=store_root, command=f"migrate rollback {target}"), throttled(
        outer, bucket
    ) as client:
        site = client.site_info()
        base = (tgt.plan.site if tgt.plan else tgt.snapshot.site if tgt.snapshot else {}).get("base_url", "")
        if base and not same_site(base, site.base_url):
            raise PlanFileError(
                f"{target} belongs to the server {base}, but {client.url} is {site.base_url}",
                hint="point --site / JIRA_URL at the site the plan was applied to",
            )
        jpath = journal_path(client.url, tgt.plan_id, store_root)
        entries = Journal.read(jpath)
        journaled = read_apply_journal(entries)
        if not journaled:
            archived = _archived(client.url, tgt.plan_id, store_root)
            if archived:
                return RollbackResult(
                    tgt.plan_id, client.url, [], tgt.snapshot_path, None, archived[-1],
                    notes=[f"nothing to roll back: plan {tgt.plan_id} was already rolled back (journal archived as {archived[-1]})"],
                )
            if tgt.snapshot is not None:
                return RollbackResult(
                    tgt.plan_id, client.url, [], tgt.snapshot_path, None,
                    notes=[f"nothing to roll back: apply wrote nothing for plan {tgt.plan_id}"],
                )
            raise MigrateError(
                f"no journal of writes for plan {tgt.plan_id} under {jpath.parent}",
                hint="rollback must run where the plan was applied (same machine and MIGRATE_HOME); "
                "if it was applied elsewhere, run rollback there",
            )
        if not client.is_admin():
            raise PermissionDeniedError(
                "the account these credentials belong to is not a Jira administrator; changing permission schemes "
                "needs the global permission 'Administer Jira'",
                hint="use an admin account's API token; OAuth and scoped tokens also need the scope manage:jira-configuration",
            )
        notes: list[str] = []
        snap = tgt.snapshot
        if snap is None:
            if tgt.plan is None:
                raise MigrateError(f"snapshot {tgt.snapshot_path} does not exist")
            # Without the snapshot, the plan's before-state is the best record of how the schemes were.
            snap = Snapshot(
                plan_id=tgt.plan_id,
                site=dict(tgt.plan.site),
                taken_at="",
                schemes={c.scheme_id: Scheme(c.scheme_id, c.scheme_name, c.before) for c in tgt.plan.changes},
            )
            notes.append(f"snapshot {tgt.snapshot_path} not found: restoring to the plan's before-state instead")
        touched = sorted(journaled)
        if confirm is not None and not confirm(
            {"plan_id": tgt.plan_id, "site": client.url, "schemes": len(touched), "snapshot": str(tgt.snapshot_path)}
        ):
            raise RollbackCancelled("rollback cancelled; nothing was changed")

        writer = GrantWriter(
            client,
            rollback_journal_path(client.url, tgt.plan_id, store_root),
            plan=tgt.plan_id,
            header={
                "kind": "rollback",
                "snapshot": str(tgt.snapshot_path),
                "force": force,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "tool_version": __version__,
            },
            crash_hook=crash_hook,
            stop=stop,
        )
        counter = _Counter(len(touched), "rollback", report)
        fatal: list[str] = []

        def work(sid: int) -> RollbackOutcome:
            try:
                return _rollback_scheme(client, sid, snap.schemes.get(sid), journaled[sid], writer, force=force, fatal=fatal)
            finally:
                counter.step()

        outcomes = _pool_run(touched, work, concurrency, stop)
        writer.close()
        result = RollbackResult(
            plan_id=tgt.plan_id,
            site_url=client.url,
            schemes=outcomes,
            snapshot_path=tgt.snapshot_path,
            journal_path=writer.path if writer.opened else None,
            notes=notes + ([f"run stopped early: {fatal[0]}"] if fatal else []),
            requests={k: v - stats_before.get(k, 0) for k, v in client.stats.items() if v - stats_before.get(k, 0)},
        )
        if result.ok:
            result.archived_to = _archive(client.url, tgt.plan_id, store_root)
        return result


def _rollback_scheme(
    client, sid: int, snap: Scheme | None, j: _Journaled, writer: GrantWriter, *, force: bool, fatal: list[str]
) -> RollbackOutcome:
    name = snap.name if snap else str(sid)
    out = RollbackOutcome(sid, name, FAILED)
    if snap is None:
        out.reason = "the snapshot has no entry for this scheme; restore it by hand from the journal"
        return out
    if writer.stop.is_set():
        out.reason = "not attempted: the run stopped early" + (f" ({fatal[0]})" if fatal else "")
        return out
    snap_keys = grant_keys(snap.grants)
    snap_by_key = {g.key: g for g in snap.grants}
    try:
        current = read_scheme(client, sid)
        if current is None:
            out.reason = "the scheme no longer exists"
            return out
        cur_keys = grant_keys(current.grants)
        # Re-create first, delete second: at no point does anyone hold less than before the rollback started.
        for k in sorted(j.removed, key=repr):
            if k in snap_keys and k not in cur_keys:
                g = snap_by_key[k]
                _, resolved = writer.add(sid, g.permission, g.holder)
                out.recreated += 1
        held: list[str] = []
        for k in sorted(j.added, key=repr):
            if k in snap_keys:
                continue  # it was there before apply: not ours to delete
            for g in [g for g in current.grants if g.key == k]:
                ours = j.added_ids.get(k)
                if ours and g.id not in ours and not force:
                    held.append(f"{glabel(g)} (id {g.id}; apply created id {', '.join(map(str, sorted(ours)))})")
                    continue
                if writer.remove(sid, g):
                    out.deleted += 1
        after = read_scheme(client, sid)
        if after is None:
            out.reason = "the scheme disappeared during rollback"
            return out
        after_keys = grant_keys(after.grants)
        extra = [g for g in after.grants if g.key not in snap_keys]
        tolerated = [g for g in extra if g.holder.is_addon_role and g.key not in j.added]
        out.unexpected = sorted(glabel(g) for g in extra if g not in tolerated)
        out.missing = sorted(glabel(g) for g in snap.grants if g.key not in after_keys)
        if tolerated:
            out.notes.append(f"{len(tolerated)} add-on role grant(s) added by Jira (tolerated)")
        if held:
            out.notes.append(
                "held back, re-created by someone else after apply (delete with --force): " + "; ".join(held[:3])
            )
        if out.unexpected or out.missing:
            out.outcome = DRIFTED
            parts = []
            if out.unexpected:
                parts.append(f"{len(out.unexpected)} grant(s) not in the snapshot: " + "; ".join(out.unexpected[:3]))
            if out.missing:
                parts.append(f"{len(out.missing)} snapshot grant(s) missing: " + "; ".join(out.missing[:3]))
            out.reason = (
                "everything apply did is undone, but the scheme differs from the snapshot by changes migrate did not make: "
                if not held
                else "not equal to the snapshot: "
            ) + "; ".join(parts)
            return out
        out.outcome = RESTORED if (out.deleted or out.recreated) else ALREADY
        return out
    except WriteFailed as e:
        out.reason = str(e)
    except Interrupted:
        out.reason = "stopped before finishing: " + (fatal[0] if fatal else "interrupted") + "; re-run rollback"
    except (AuthenticationError, PermissionDeniedError) as e:
        fatal.append(e.message)
        writer.stop.set()
        out.reason = e.message
    except JiraError as e:
        out.reason = f"{e.message}" + (f" ({_detail(e)})" if e.error_messages else "")
    return out


__all__ = ["rollback", "RollbackResult", "RollbackOutcome", "resolve_target", "read_apply_journal"]
