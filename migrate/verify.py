"""Where does a scheme stand against a plan? One pure assessment serves apply, resume and verify.

The comparison is by grant key (permission + holder identity), never by grant id: ids change when a
grant is re-created and say nothing about access.

Grants are split in two: those whose key one of the plan's operations touches ("op keys"), and all the
others. The op keys tell how far the plan has got (an add is pending while its key is absent, a remove
while its key is present), whoever did it. Any change to the other grants since the plan was made is
someone else's edit: the scheme is stale (apply refuses it unless --force) or drifted (verify). The one
exception is the Connect add-on role, which Jira itself re-adds to permissions (REFERENCE.md §8b):
extra grants for it are tolerated and reported, never counted as drift.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from migrate.errors import EXIT_CHANGES, EXIT_OK, EXIT_PARTIAL, NotFoundError, UnsupportedSiteError
from migrate.model import Grant, Scheme, grant_keys
from migrate.plan import Operation, Plan, SchemeChange
from migrate.planfile import check_site
from migrate.rederive import check_offline

APPLIED = "applied"
PENDING = "pending"
DRIFTED = "drifted"


def label(permission: str, holder) -> str:
    return f"{permission} -> {holder.display}"


def glabel(g: Grant | Operation) -> str:
    return label(g.permission, g.holder)


@dataclass(frozen=True)
class Assessment:
    """How a scheme's current grants relate to one SchemeChange."""

    adds_needed: tuple[Operation, ...]
    removes_needed: tuple[tuple[Operation, Grant], ...]  # the op and the current grant that carries its key
    foreign_added: tuple[Grant, ...]  # grants outside the op keys that the plan's before-state did not have
    foreign_removed: tuple[Grant, ...]  # grants outside the op keys that the before-state had and are gone
    tolerated: tuple[Grant, ...]  # add-on role grants Jira (re-)added on its own
    duplicates: tuple[tuple, ...]  # op keys held by more than one grant
    ops_total: int

    @property
    def stale(self) -> bool:
        return bool(self.foreign_added or self.foreign_removed)

    @property
    def pending(self) -> int:
        return len(self.adds_needed) + len(self.removes_needed)

    @property
    def done(self) -> bool:
        return self.pending == 0

    @property
    def started(self) -> bool:
        """Some of the plan's operations are already reflected in the scheme (a resumed or repeated run)."""
        return self.pending < self.ops_total

    def describe_foreign(self, limit: int = 3) -> str:
        items = [f"+{glabel(g)}" for g in self.foreign_added] + [f"-{glabel(g)}" for g in self.foreign_removed]
        more = f" (and {len(items) - limit} more)" if len(items) > limit else ""
        return "; ".join(items[:limit]) + more


def assess(change: SchemeChange, current: Scheme) -> Assessment:
    # every grant's and operation's key made once: apply assesses each scheme before and after its writes
    adds, removes = change.adds, change.removes
    add_keys = [o.key for o in adds]
    remove_keys = [o.key for o in removes]
    op_keys = {*add_keys, *remove_keys}
    current_keys = [g.key for g in current.grants]
    by_key: dict[tuple, list[Grant]] = defaultdict(list)
    for k, g in zip(current_keys, current.grants):
        by_key[k].append(g)

    adds_needed = tuple(o for o, k in zip(adds, add_keys) if k not in by_key)
    removes_needed: list[tuple[Operation, Grant]] = []
    taken: set[int] = set()
    first_op: dict[tuple, Operation] = {}
    for o, k in zip(removes, remove_keys):
        first_op.setdefault(k, o)
        cands = [g for g in by_key.get(k, ()) if id(g) not in taken]
        if not cands:
            continue
        # The plan's grant id is only a hint: a re-created grant with the same key is removed just the same.
        pick = next((g for g in cands if g.id == o.grant_id), cands[0])
        taken.add(id(pick))
        removes_needed.append((o, pick))
    # A key the plan removes may be carried by more grants than it has remove ops for (a duplicate created
    # by someone else): those must go too, or the planned after-state is not reached.
    for k, op in first_op.items():
        for g in by_key.get(k, ()):
            if id(g) not in taken:
                taken.add(id(g))
                removes_needed.append((op, g))

    before_out = {k: g for g in change.before if (k := g.key) not in op_keys}
    current_out = {k: g for k, g in zip(current_keys, current.grants) if k not in op_keys}
    foreign_added, tolerated = [], []
    for k, g in current_out.items():
        if k not in before_out:
            (tolerated if g.holder.is_addon_role else foreign_added).append(g)
    foreign_removed = [g for k, g in before_out.items() if k not in current_out]
    duplicates = tuple(k for k in set(add_keys) if len(by_key.get(k, ())) > 1)
    return Assessment(
        adds_needed=adds_needed,
        removes_needed=tuple(removes_needed),
        foreign_added=tuple(sorted(foreign_added, key=glabel)),
        foreign_removed=tuple(sorted(foreign_removed, key=glabel)),
        tolerated=tuple(sorted(tolerated, key=glabel)),
        duplicates=duplicates,
        ops_total=len(change.operations),
    )


@dataclass(frozen=True)
class SchemeStatus:
    scheme_id: int
    scheme_name: str
    status: str  # applied | pending | drifted
    pending: int = 0  # planned operations not yet reflected in the scheme
    unexpected: tuple[str, ...] = ()  # grants present that neither the plan's before nor after has
    missing: tuple[str, ...] = ()  # grants the plan keeps that are gone
    tolerated: tuple[str, ...] = ()
    duplicates: tuple[str, ...] = ()
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == APPLIED

    def to_json(self) -> dict[str, Any]:
        return {
            "scheme_id": self.scheme_id,
            "scheme_name": self.scheme_name,
            "status": self.status,
            "pending": self.pending,
            "unexpected": list(self.unexpected),
            "missing": list(self.missing),
            "tolerated": list(self.tolerated),
            "duplicates": list(self.duplicates),
            "detail": self.detail,
        }


def scheme_status(change: SchemeChange, current: Scheme | None) -> SchemeStatus:
    """Classify a scheme against the plan's after-state. Apply and verify both use this, so they agree."""
    if current is None:
        return SchemeStatus(change.scheme_id, change.scheme_name, DRIFTED, detail="the scheme no longer exists")
    a = assess(change, current)
    dups = tuple(f"{k[0]} -> {k[1][0]}: {k[1][1]}" for k in a.duplicates)
    unexpected = tuple(glabel(g) for g in a.foreign_added)
    missing = tuple(glabel(g) for g in a.foreign_removed)
    parts = []
    if unexpected:
        parts.append(f"{len(unexpected)} grant(s) not in the plan: " + "; ".join(unexpected[:3]))
    if missing:
        parts.append(f"{len(missing)} grant(s) the plan keeps are gone: " + "; ".join(missing[:3]))
    if dups:
        parts.append("duplicate grants: " + "; ".join(dups[:3]))
    if a.pending:
        parts.append(f"{a.pending} of {a.ops_total} planned operation(s) not done")
    if unexpected or missing or dups:
        status = DRIFTED
    elif a.pending:
        status = PENDING
    else:
        status = APPLIED
    if a.tolerated:
        parts.append(f"{len(a.tolerated)} add-on role grant(s) added by Jira (tolerated)")
    return SchemeStatus(
        scheme_id=change.scheme_id,
        scheme_name=change.scheme_name,
        status=status,
        pending=a.pending,
        unexpected=unexpected,
        missing=missing,
        tolerated=tuple(glabel(g) for g in a.tolerated),
        duplicates=dups,
        detail="; ".join(parts),
    )


def verify_plan(client, plan: Plan, *, source: str = "the plan") -> list[SchemeStatus]:
    """Re-read the site (one request for every scheme) and classify each scheme the plan changes.

    Before any request, the plan must be for the site the client points at and must re-derive; then the
    server must be the plan's."""
    check_offline(plan, client.url, source=source)
    check_site(plan, client.site_info())
    if plan.empty:
        return []
    current = {s.id: s for s in client.list_schemes()}
    return [scheme_status(c, current.get(c.scheme_id)) for c in plan.changes]


def read_scheme(client, scheme_id: int) -> Scheme | None:
    try:
        return client.get_scheme(scheme_id)
    except NotFoundError:
        return None


# --------------------------------------------------------------------------- effective access spot-check


@dataclass(frozen=True)
class AccessCheck:
    """One user on one project: which of the rule's permissions Jira says they hold (POST /permissions/check)."""

    account_id: str
    project_key: str
    scheme_id: int
    held: dict[str, bool] = field(default_factory=dict)
    ok: bool = True
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "project_key": self.project_key,
            "scheme_id": self.scheme_id,
            "held": dict(self.held),
            "ok": self.ok,
            "detail": self.detail,
        }


def check_access(
    client, plan: Plan, account_ids: Iterable[str], *, max_projects: int = 1000
) -> list[AccessCheck]:
    """Spot-check effective access for a few users on the projects the plan's schemes serve.

    Expectation: a user holds every target permission on a project or none of them, and while the
    source permission is still granted (an "add" plan), holds the targets exactly where they hold the
    source. A mismatch means the migration would change who can see what for that user.
    """
    source, targets = plan.rule.source, tuple(plan.rule.targets)
    project_scheme = {p: c.scheme_id for c in plan.changes for p in c.projects}
    if not project_scheme:
        return []
    ids = {p.key: p.id for p in client.search_projects() if p.key in project_scheme}
    keys = sorted(ids)[:max_projects]
    out: list[AccessCheck] = []
    for account in account_ids:
        held: dict[str, set[int]] = {}
        for i in range(0, len(keys), 1000):
            chunk = [ids[k] for k in keys[i : i + 1000]]
            try:
                data = client.check_permissions(
                    account_id=account,
                    project_permissions=[{"permissions": [source, *targets], "projects": chunk}],
                )
            except NotFoundError:
                raise UnsupportedSiteError(
                    f"{client.url} does not offer POST /permissions/check (Data Center has no such endpoint)",
                    hint="run verify without --check-access on this site",
                ) from None
            for entry in data.get("projectPermissions", []) or []:
                if isinstance(entry, dict) and isinstance(entry.get("permission"), str):
                    held.setdefault(entry["permission"], set()).update(
                        int(x) for x in entry.get("projects", []) or [] if str(x).lstrip("-").isdigit()
                    )
        for k in keys:
            pid = ids[k]
            h = {perm: pid in held.get(perm, set()) for perm in (source, *targets)}
            tvals = {h[t] for t in targets}
            ok, detail = True, ""
            if len(tvals) > 1:
                ok = False
                detail = "holds " + ", ".join(t for t in targets if h[t]) + " but not " + ", ".join(
                    t for t in targets if not h[t]
                )
            elif plan.mode == "add" and h[source] != next(iter(tvals)):
                ok = False
                detail = (
                    f"holds {source} but not the new permissions"
                    if h[source]
                    else f"holds the new permissions without {source}"
                )
            out.append(AccessCheck(account, k, project_scheme[k], h, ok, detail))
    return out


def summarise(statuses: Sequence[SchemeStatus]) -> dict[str, int]:
    counts = {APPLIED: 0, PENDING: 0, DRIFTED: 0}
    for s in statuses:
        counts[s.status] = counts.get(s.status, 0) + 1
    return counts


def verify_exit_code(statuses: Sequence[SchemeStatus], access: Sequence[AccessCheck] = ()) -> int:
    """The one rule for `verify` and `sites verify`: drift or an access mismatch 4, pending 3, else 0."""
    counts = summarise(statuses)
    if counts[DRIFTED] or any(not a.ok for a in access):
        return EXIT_PARTIAL
    if counts[PENDING]:
        return EXIT_CHANGES
    return EXIT_OK


__all__ = [
    "verify_exit_code",
    "APPLIED",
    "PENDING",
    "DRIFTED",
    "Assessment",
    "AccessCheck",
    "SchemeStatus",
    "assess",
    "scheme_status",
    "verify_plan",
    "check_access",
    "read_scheme",
    "summarise",
    "grant_keys",
]
