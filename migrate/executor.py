"""What apply and rollback share: the journaled grant writer, write pacing, the worker pool, progress
counters, crash points and where journals live. Neither imports the other's private names.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import random
import signal
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from migrate.errors import (
    AmbiguousWriteError,
    BadRequestError,
    ConfigError,
    JiraError,
    PermissionDeniedError,
)
from migrate.jira.throttle import Cooldown, Pacer, TokenBucket, shared_cooldown
from migrate.model import Grant, Holder, Scheme
from migrate.plan import Plan
from migrate.planfile import plan_id
from migrate.store import Journal, private_dir, site_dir
from migrate.verify import label

Progress = Callable[[str, int, int], None]
CrashHook = Callable[[str], None]

# A POST is resent only after a re-read proved the previous attempt did not land; this bounds how often.
MAX_CREATE_ATTEMPTS = 3
CRASH_ENV = "MIGRATE_CRASH_AFTER"

# How a write was settled without its own answer (journal "resolved" values and Added.resolved).
LOST = "lost"  # the answer never came; a re-read found the grant
DUPLICATE = "duplicate"  # Jira answered 400; a re-read found the grant (another writer made it)


class WriteFailed(Exception):
    """One grant write failed for a reason that is the scheme's, not the run's."""


class Interrupted(Exception):
    """The run was asked to stop (Ctrl-C or a fatal error in another worker) before this write."""


class RunStop:
    """One run's stop signal: set by the run itself (a fatal error in one of its workers), or by the
    caller's event (Ctrl-C), which the run only reads. Many sites share one caller's event in a bulk run:
    one site's fatal error must stop that site, not set the event every other site reads."""

    def __init__(self, outer: threading.Event | None = None) -> None:
        self._own = threading.Event()
        self._outer = outer

    def set(self) -> None:
        self._own.set()

    def is_set(self) -> bool:
        return self._own.is_set() or (self._outer is not None and self._outer.is_set())


# --------------------------------------------------------------------------- ids and paths


def plan_key(plan: Plan) -> str:
    """The plan's id: from the checksum it was loaded with, so it is the id `migrate plan` printed."""
    cs = plan.meta.get("checksum") if plan.meta else None
    return str(cs).split(":", 1)[-1][:16] if cs else plan_id(plan)


def journal_dir(url: str, root: Path | None = None) -> Path:
    return private_dir(site_dir(url, root) / "journals")


def journal_path(url: str, pid: str, root: Path | None = None) -> Path:
    return journal_dir(url, root) / f"{pid}.jsonl"


def rollback_journal_path(url: str, pid: str, root: Path | None = None) -> Path:
    return journal_dir(url, root) / f"{pid}.rollback.jsonl"


def now_ms() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def snapshot_path_from_journal(entries: Sequence[dict[str, Any]]) -> Path | None:
    """The snapshot an apply journal's latest run recorded in its begin line."""
    for e in reversed(entries):
        if e.get("event") == "begin" and e.get("snapshot"):
            return Path(e["snapshot"])
    return None


def require_admin(client) -> None:
    if not client.is_admin():
        raise PermissionDeniedError(
            "the account these credentials belong to is not a Jira administrator; changing permission schemes "
            "needs the global permission 'Administer Jira'",
            hint="use an admin account's API token; OAuth and scoped tokens also need the scope manage:jira-configuration",
        )


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


# --------------------------------------------------------------------------- errors as reasons


def jira_detail(e: JiraError) -> str:
    parts = list(e.error_messages) + [f"{k}: {v}" for k, v in e.field_errors.items()]
    return "; ".join(parts) or e.message


def denied_reason(e: PermissionDeniedError) -> str:
    """A 403 on one scheme, as that scheme's reason: what Jira refused and the permission it needed."""
    needs = getattr(e, "needs", None) or "the global permission 'Administer Jira'"
    return f"{e.message}; this needs {needs}"


# --------------------------------------------------------------------------- the journaled writer


@dataclass(frozen=True)
class Added:
    """A grant that exists after GrantWriter.add, and how that was learned."""

    grant: Grant
    resolved: str | None = None  # None: our POST made it; LOST / DUPLICATE: found by re-reading the scheme
    reread: Scheme | None = None  # the scheme as that re-read saw it


class GrantWriter:
    """Grant-level POST/DELETE with a journal line before and after each, throttled, crash-pointed.

    The journal is opened on the first write, so a run that writes nothing leaves no journal behind.
    """

    def __init__(
        self,
        client,
        path: Path,
        *,
        plan: str,
        header: dict[str, Any],
        crash_hook: CrashHook | None = None,
        stop: "threading.Event | RunStop | None" = None,
        on_begin: Callable[["GrantWriter"], None] | None = None,
    ):
        self.client = client
        self.on_begin = on_begin  # called once, just before the first journal line (the first write)
        self.path = Path(path)
        self.plan = plan
        self.run = uuid.uuid4().hex[:12]
        self.header = header
        self.crash_hook = crash_hook
        self.stop = stop or threading.Event()
        self._journal: Journal | None = None
        self._lock = threading.Lock()
        self.lines = 0
        self.intents: set[int] = set()  # schemes this run journaled a write for (as journaled_schemes reads them)

    # journal ---------------------------------------------------------------

    def point(self, what: str) -> None:
        if self.crash_hook is not None:
            self.crash_hook(what)

    def log(self, **entry: Any) -> None:
        """Journal one line; returns once it is on disk (the fsync is shared with the other workers' lines
        written meanwhile, see store.Journal)."""
        with self._lock:
            if self._journal is None:
                if self.on_begin is not None and not self.lines:
                    self.on_begin(self)
                self._journal = Journal(self.path)
                self._append({"event": "begin", **self.header})
            journal = self._journal
            line = self._append(entry)
            if entry.get("phase") == "intent" and isinstance(entry.get("scheme"), int):
                self.intents.add(entry["scheme"])
        journal.sync(line)
        self.point(f"journal:{entry.get('op', entry.get('event'))}:{entry.get('phase', '')}")

    def _append(self, entry: dict[str, Any]) -> int:
        assert self._journal is not None
        line = self._journal.write({"t": now_ms(), "plan": self.plan, "run": self.run, **entry})
        self.lines += 1
        return line

    def close(self, **end: Any) -> None:
        with self._lock:
            if self._journal is not None:
                self._journal.sync(self._append({"event": "end", **end}))
                self._journal.close()
                self._journal = None

    @property
    def opened(self) -> bool:
        return self._journal is not None or self.lines > 0

    # writes ----------------------------------------------------------------

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise Interrupted("stopped before this write")

    def add(self, scheme_id: int, permission: str, holder: Holder) -> Added:
        """Create one grant; never a duplicate. A lost answer or a 400 is settled by re-reading the scheme:
        a grant found there (made by our lost POST, or by another writer, e.g. another machine applying the
        same plan) is adopted as ours."""
        self._check_stop()
        base = {"scheme": scheme_id, "op": "add", "permission": permission, "holder": holder.to_json()}
        self.log(**base, phase="intent")
        what = label(permission, holder)
        for attempt in range(1, MAX_CREATE_ATTEMPTS + 1):
            try:
                grant = self.client.create_grant(scheme_id, permission, holder)
            except AmbiguousWriteError as e:
                self.point("post:lost")
                found = self._find(scheme_id, permission, holder, base, LOST)
                if found is not None:
                    return found
                if attempt == MAX_CREATE_ATTEMPTS:
                    self.log(**base, phase="failed", error=e.message)
                    raise WriteFailed(
                        f"adding {what}: {MAX_CREATE_ATTEMPTS} attempts lost their answer and a re-read shows no grant; "
                        "re-run to try again"
                    ) from None
                continue  # the re-read proved it did not land: sending it again cannot duplicate it
            except BadRequestError as e:
                # Jira answers 400 for a duplicate: an earlier attempt, or another writer, made it after all.
                found = self._find(scheme_id, permission, holder, base, DUPLICATE)
                if found is not None:
                    return found
                self.log(**base, phase="failed", error=e.message)
                raise WriteFailed(f"Jira refused adding {what}: {jira_detail(e)}") from None
            except JiraError as e:
                self.log(**base, phase="failed", error=e.message)
                raise
            self.point("post:answered")
            self.log(**base, phase="done", grant_id=grant.id)
            return Added(grant)
        raise AssertionError("unreachable")

    def _find(self, scheme_id: int, permission: str, holder: Holder, base: dict, how: str) -> Added | None:
        try:
            current = self.client.get_scheme(scheme_id)
        except JiraError as e:
            self.log(**base, phase="unknown", error=e.message)
            raise WriteFailed(
                f"adding {label(permission, holder)}: the outcome is unknown and re-reading the scheme failed "
                f"({e.message}); re-run to settle it"
            ) from None
        found = current.find(permission, holder)
        if found is None:
            return None
        self.log(**base, phase="done", grant_id=found.id, resolved=how)
        return Added(found, how, current)

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
    """The executor's view of a client during a run: every request keeps to the Pacer. A JiraClient paces
    each request itself (reads, writes and retries alike, see JiraClient.pacer); a client that does not
    (a test double) has its grant writes paced here. The shared Retry-After pause is kept inside the
    client's retry policy (see `throttled`), so it covers retries too."""

    def __init__(self, client, pacer: Pacer, cooldown: Cooldown):
        self._client = client
        self.pacer = pacer
        self.cooldown = cooldown
        self._self_paced = hasattr(client, "pacer")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def create_grant(self, scheme_id: int, permission: str, holder: Holder) -> Grant:
        if not self._self_paced:
            self.pacer.acquire_write("POST")
        return self._client.create_grant(scheme_id, permission, holder)

    def delete_grant(self, scheme_id: int, grant_id: int) -> bool:
        if not self._self_paced:
            self.pacer.acquire_write("DELETE")
        return self._client.delete_grant(scheme_id, grant_id)


@contextlib.contextmanager
def throttled(client, pace: Pacer | TokenBucket):
    """Pace `client` for a run (a Pacer, or a TokenBucket for the writes); its retry policy, session hooks
    and pacer are restored afterwards."""
    pacer = pace if isinstance(pace, Pacer) else Pacer(post_bucket=pace)
    own = hasattr(client, "pacer")
    previous = getattr(client, "pacer", None) if own else None
    if own:
        client.pacer = pacer
    try:
        with shared_cooldown(client) as cooldown:
            yield ThrottledClient(client, pacer, cooldown)
    finally:
        if own:
            client.pacer = previous


# --------------------------------------------------------------------------- the pool


class WorkQueue:
    """The items of a run, handed out one at a time from the front, or from the back once turned.

    Two machines applying the same plan at once take its schemes in the same order and would collide on
    every scheme (a duplicate 400 for every grant but the first). A run that meets another writer turns
    its queue round, so the two work from opposite ends and meet once. Which of them turns is left to a
    coin toss, so that two runs meeting each other at the same moment do not both turn and collide again.
    """

    def __init__(self, items: Sequence[Any], *, settle: int = 1, rng: random.Random | None = None):
        self._items = collections.deque(enumerate(items))
        self._lock = threading.Lock()
        self._rng = rng or random.Random()
        self._settle = max(1, settle)
        self._quiet = 0  # items to hand out before the next meeting is decided on
        self.from_back = False
        self.turns = 0

    def take(self) -> tuple[int, Any] | None:
        with self._lock:
            if not self._items:
                return None
            self._quiet = max(0, self._quiet - 1)
            return self._items.pop() if self.from_back else self._items.popleft()

    def met_another_writer(self) -> None:
        """Every worker in flight meets the other writer at about the same time: one decision per meeting,
        so the signals of the workers already on their way do not undo it."""
        with self._lock:
            if self._quiet:
                return
            self._quiet = self._settle
            if self._rng.random() < 0.5:
                self.from_back = not self.from_back
                self.turns += 1


def pool_run(
    items: Sequence[Any],
    work: Callable[[Any], Any],
    concurrency: int,
    stop: "threading.Event | RunStop",
    *,
    queue: WorkQueue | None = None,
) -> list[Any]:
    """Run work(item) for every item with at most `concurrency` workers, one item at a time each, so never
    two on one scheme; results come back in the items' order.

    On Ctrl-C, or an exception escaping a worker, `stop` is set so the workers stop before their next write,
    and the exception is re-raised once they have: every write that started is journaled as finished or
    failed.
    """
    q = queue or WorkQueue(items)
    results: list[Any] = [None] * len(items)
    errors: list[BaseException] = []

    def worker() -> None:
        # `stop` set by a worker (credentials rejected) still lets every item be reported as not attempted;
        # an exception escaping a worker ends the run
        while not errors:
            taken = q.take()
            if taken is None:
                return
            i, item = taken
            try:
                results[i] = work(item)
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread below
                errors.append(e)
                stop.set()
                return

    threads = [
        threading.Thread(target=worker, name=f"migrate-scheme-{n}", daemon=True)
        for n in range(max(1, min(concurrency, len(items))))
    ]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(0.05)
    except BaseException:
        stop.set()
        for t in threads:
            t.join()
        raise
    if errors:
        raise errors[0]
    return results


class StageCounter:
    """Progress of one stage (apply, verify, rollback), reported through a Progress callback."""

    def __init__(self, total: int, stage: str, progress: Progress):
        self.total, self.stage, self.progress = total, stage, progress
        self.n = 0
        self._lock = threading.Lock()

    def step(self, k: int = 1) -> None:
        with self._lock:
            self.n += k
            n = self.n
        self.progress(self.stage, min(n, self.total), self.total)


def until_stopped(progress: Progress, stop: "threading.Event | RunStop") -> Progress:
    """`progress`, silent once the run is stopped (Ctrl-C, or its own fatal error)."""
    return lambda stage, done, total: None if stop.is_set() else progress(stage, done, total)


def request_delta(client, before: dict[str, int]) -> dict[str, int]:
    """Requests sent since `before` (a copy of client.stats), by kind, leaving out kinds with none."""
    return {k: v - before.get(k, 0) for k, v in dict(client.stats).items() if v - before.get(k, 0)}
