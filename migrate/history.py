"""The per-site history of applied plans (the ledger), kept in the site's data folder.

A plan applied to a site is a step in a chain, as a migration is in Alembic's revision graph: for every
scheme it writes, the plan that wrote that scheme last is its parent (none: the base). A finish plan
builds on the add plan whose after-state it was made from. Rollback uses the chain to refuse undoing a
plan while a later plan that wrote the same schemes is still applied ("roll that one back first").

The file is append-only JSONL, one fsync'd line per event, written under the site lock:
- "apply-start": the first write of an apply run is about to happen (a run killed after it leaves the
  plan "partially applied", so a crash cannot hide a half-applied plan from the chain);
- "apply": the run ended (right after its journal's end line): applied or partially applied;
- "rollback": a rollback ended: rolled back, or still partially applied.
Folding the events in order gives one entry per application ("generation") of a plan; a rollback closes
it, and applying the plan again starts a new one. The lock is per machine, so the ledger only knows what
this data folder did; what protects two machines from each other are the checks against the site itself
(stale schemes, the re-read before every write, rollback's access check on the site's current grants).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from migrate import __version__
from migrate.errors import JiraError
from migrate.executor import now_ms
from migrate.model import fingerprint_grants
from migrate.plan import Plan
from migrate.rederive import rule_identity
from migrate.store import Journal, site_dir

HISTORY_NAME = "history.jsonl"
FORMAT = 1

APPLIED = "applied"
PARTIAL = "partially applied"
ROLLED_BACK = "rolled back"
STATES = (APPLIED, PARTIAL, ROLLED_BACK)


def history_path(url: str, root: Path | None = None) -> Path:
    return site_dir(url, root) / HISTORY_NAME


def short_fingerprint(fp: str) -> str:
    return fp.split(":", 1)[-1][:16]


def who(client) -> dict[str, str]:
    """The account the credentials belong to: its id and display name only, never anything secret."""
    try:
        me = client.myself()
    except JiraError:
        return {}
    out = {}
    ident = me.get("accountId") or me.get("key") or me.get("name")
    if isinstance(ident, str) and ident:
        out["account_id"] = ident
    if isinstance(me.get("displayName"), str):
        out["display_name"] = me["displayName"]
    return out


@dataclass
class Entry:
    """One application of a plan to the site, from its first write (or first record) to its rollback."""

    plan_id: str
    mode: str
    order: int  # position of the event that started it: later entries were applied after it
    plan_path: str | None = None
    rule: dict[str, Any] = field(default_factory=dict)
    state: str = PARTIAL
    applied_at: str = ""
    applied_by: dict[str, str] = field(default_factory=dict)
    updated_at: str = ""
    snapshot: str | None = None
    journal: str | None = None
    schemes: set[int] = field(default_factory=set)  # schemes the plan took effect on
    parents: dict[int, str | None] = field(default_factory=dict)  # scheme -> the plan that wrote it before
    builds_on: list[str] = field(default_factory=list)  # parents whose after-state this plan was made from
    after: dict[int, str] = field(default_factory=dict)  # scheme -> short fingerprint of the planned after-state
    rolled_back_at: str | None = None
    rolled_back_by: dict[str, str] = field(default_factory=dict)
    open_runs: dict[str, set[int]] = field(default_factory=dict)  # runs started but never ended (killed)

    @property
    def live(self) -> bool:
        return self.state != ROLLED_BACK

    @property
    def touched(self) -> set[int]:
        """Schemes the plan wrote or may have written: a killed run counts for every scheme of its plan."""
        out = set(self.schemes)
        for s in self.open_runs.values():
            out |= s
        return out

    def describe(self) -> str:
        where = self.plan_path or "(plan file not recorded)"
        return f"{self.mode} plan {where} (id {self.plan_id})"

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "mode": self.mode,
            "state": self.state,
            "plan_path": self.plan_path,
            "rule": dict(self.rule),
            "applied_at": self.applied_at,
            "applied_by": dict(self.applied_by),
            "updated_at": self.updated_at,
            "rolled_back_at": self.rolled_back_at,
            "rolled_back_by": dict(self.rolled_back_by) or None,
            "snapshot": self.snapshot,
            "journal": self.journal,
            "schemes": sorted(self.touched),
            "parents": sorted({p for p in self.parents.values() if p}),
            "builds_on": list(self.builds_on),
            "interrupted": bool(self.open_runs),
        }


@dataclass(frozen=True)
class Blocker:
    """A later live entry that wrote some of the same schemes."""

    entry: Entry
    schemes: tuple[int, ...]

    def sentence(self) -> str:
        ids = ", ".join(map(str, self.schemes[:5])) + (" ..." if len(self.schemes) > 5 else "")
        return f"{self.entry.describe()} is {self.entry.state} on scheme(s) {ids}, after this one: roll it back first"


def _ids(raw: Any) -> set[int]:
    return {int(x) for x in raw if isinstance(x, int) and not isinstance(x, bool)} if isinstance(raw, list) else set()


def _by_scheme(raw: Any) -> dict[int, Any]:
    out: dict[int, Any] = {}
    if isinstance(raw, dict):
        for k, v in raw.items():
            if isinstance(k, str) and k.lstrip("-").isdigit():
                out[int(k)] = v
    return out


def fold(events: Iterable[dict[str, Any]]) -> list[Entry]:
    """Every entry (application) the events describe, in the order they started."""
    entries: list[Entry] = []
    current: dict[str, Entry] = {}
    for i, e in enumerate(events):
        pid, kind = e.get("plan_id"), e.get("event")
        if not isinstance(pid, str) or kind not in ("apply-start", "apply", "rollback"):
            continue
        entry = current.get(pid)
        if entry is None or not entry.live:
            if kind == "rollback" and entry is not None:
                entry.updated_at = str(e.get("t", ""))
                continue  # rolled back again: nothing new
            entry = Entry(plan_id=pid, mode=str(e.get("mode", "")), order=i, applied_at=str(e.get("t", "")))
            entry.parents = {k: (v if isinstance(v, str) else None) for k, v in _by_scheme(e.get("parents")).items()}
            entry.builds_on = [p for p in e.get("builds_on", []) if isinstance(p, str)] if isinstance(e.get("builds_on"), list) else []
            entry.applied_by = dict(e.get("account") or {}) if kind != "rollback" else {}
            entries.append(entry)
            current[pid] = entry
        entry.updated_at = str(e.get("t", ""))
        for k in ("plan_path", "snapshot", "journal"):
            if isinstance(e.get(k), str) and e[k]:
                setattr(entry, k, e[k])
        if isinstance(e.get("rule"), dict):
            entry.rule = dict(e["rule"])
        run = str(e.get("run", ""))
        if kind == "apply-start":
            entry.open_runs[run] = _ids(e.get("schemes"))
            if entry.state != APPLIED:
                entry.state = PARTIAL
        elif kind == "apply":
            entry.open_runs.pop(run, None)
            entry.schemes |= _ids(e.get("schemes"))
            entry.after.update({k: str(v) for k, v in _by_scheme(e.get("after")).items()})
            state = e.get("state")
            if state == APPLIED:
                entry.open_runs.clear()  # a run that finished every scheme settles the runs killed before it
            entry.state = state if state in (APPLIED, PARTIAL) else PARTIAL
        else:
            state = e.get("state")
            entry.state = ROLLED_BACK if state == ROLLED_BACK else PARTIAL
            if entry.state == ROLLED_BACK:
                entry.open_runs.clear()
                entry.rolled_back_at = str(e.get("t", ""))
                entry.rolled_back_by = dict(e.get("account") or {})
    return entries


class Ledger:
    """The history file of one site in one data folder. Writers hold the site lock."""

    def __init__(self, url: str, root: Path | None = None):
        self.url = url
        self.path = history_path(url, root)

    def events(self) -> list[dict[str, Any]]:
        return Journal.read(self.path)

    def entries(self) -> list[Entry]:
        return fold(self.events())

    def current(self) -> dict[str, Entry]:
        """The latest entry of each plan id."""
        return {e.plan_id: e for e in self.entries()}

    def heads(self, *, exclude: str | None = None) -> dict[int, Entry]:
        """For each scheme, the live entry that wrote it last."""
        heads: dict[int, Entry] = {}
        for e in sorted(self.current().values(), key=lambda e: e.order):
            if not e.live or e.plan_id == exclude:
                continue
            for sid in e.touched:
                heads[sid] = e
        return heads

    def blockers(self, pid: str) -> list[Blocker]:
        """Live entries applied after plan `pid` that wrote some of the same schemes (latest first)."""
        cur = self.current()
        mine = cur.get(pid)
        if mine is None or not mine.live:
            return []
        out = []
        for e in sorted(cur.values(), key=lambda e: -e.order):
            if e.plan_id == pid or not e.live or e.order < mine.order:
                continue
            shared = sorted(mine.touched & e.touched)
            if shared:
                out.append(Blocker(e, tuple(shared)))
        return out

    # ------------------------------------------------------------------ writing

    def _append(self, event: dict[str, Any]) -> None:
        with Journal(self.path) as j:
            j.append({"v": FORMAT, "t": now_ms(), "host": socket.gethostname(), "tool_version": __version__, **event})

    def _plan_fields(self, plan: Plan, pid: str, plan_path: Path | str | None) -> dict[str, Any]:
        return {
            "plan_id": pid,
            "mode": plan.mode,
            "plan_path": str(Path(plan_path).resolve()) if plan_path else None,
            "rule": rule_identity(plan.rule).to_json(),
        }

    def record_start(
        self,
        plan: Plan,
        pid: str,
        *,
        run: str,
        plan_path: Path | str | None,
        account: dict[str, str],
        snapshot: Path | None,
        journal: Path | None,
    ) -> None:
        self._append(
            {
                "event": "apply-start",
                **self._plan_fields(plan, pid, plan_path),
                **self._chain(plan, pid),
                "run": run,
                "account": account,
                "snapshot": str(snapshot) if snapshot else None,
                "journal": str(journal) if journal else None,
                "schemes": [c.scheme_id for c in plan.changes],
            }
        )

    def _chain(self, plan: Plan, pid: str) -> dict[str, Any]:
        """Per scheme, the plan that wrote it last (the parent), and the parents whose after-state this plan
        was made from. Only the event that starts an entry uses them."""
        heads = self.heads(exclude=pid)
        parents: dict[str, str | None] = {}
        builds_on: set[str] = set()
        for c in plan.changes:
            head = heads.get(c.scheme_id)
            parents[str(c.scheme_id)] = head.plan_id if head else None
            # derived from the before-state, not the fingerprint the plan file states (shown, never trusted here)
            if head is not None and head.after.get(c.scheme_id) == short_fingerprint(fingerprint_grants(c.before)):
                builds_on.add(head.plan_id)
        return {"parents": parents, "builds_on": sorted(builds_on)}

    def record_apply(
        self,
        plan: Plan,
        pid: str,
        *,
        run: str,
        state: str,
        schemes: Iterable[int],
        plan_path: Path | str | None,
        account: dict[str, str],
        snapshot: Path | None,
        journal: Path | None,
    ) -> None:
        touched = sorted(set(schemes))
        afters = {str(c.scheme_id): short_fingerprint(c.derived_after_fingerprint()) for c in plan.changes if c.scheme_id in set(touched)}
        self._append(
            {
                "event": "apply",
                **self._plan_fields(plan, pid, plan_path),
                **self._chain(plan, pid),
                "run": run,
                "state": state,
                "account": account,
                "snapshot": str(snapshot) if snapshot else None,
                "journal": str(journal) if journal else None,
                "schemes": touched,
                "after": afters,
            }
        )

    def record_rollback(
        self,
        pid: str,
        *,
        state: str,
        plan: Plan | None,
        plan_path: Path | str | None,
        account: dict[str, str],
        journal: Path | None,
    ) -> None:
        fields: dict[str, Any] = self._plan_fields(plan, pid, plan_path) if plan is not None else {"plan_id": pid}
        self._append(
            {"event": "rollback", **fields, "state": state, "account": account, "journal": str(journal) if journal else None}
        )
