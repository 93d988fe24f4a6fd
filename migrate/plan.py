"""The pure planner: (schemes, rule, site) -> Plan. No I/O, no clock.

A Plan holds, per scheme that changes, its full before-state, its fingerprint and the grant-level
operations (add / remove) that take it to the after-state. Adds always come before removes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Iterable, Literal, Mapping

import msgspec

from migrate.errors import ConfigError
from migrate.gcpause import paused_gc
from migrate.model import Grant, Holder, KeyTexts, Scheme, SiteInfo, fingerprint_grants, fingerprint_sorted, grant_keys
from migrate.rules import Rule

MODES = ("add", "finish")
Action = Literal["add", "remove"]


def _check_operation(action: str, grant_id: int | None) -> None:
    if action == "remove" and grant_id is None:
        raise ValueError("a remove operation needs the grant_id it removes")


class Operation(msgspec.Struct, frozen=True, gc=False, omit_defaults=True, forbid_unknown_fields=True):
    """One grant-level write of a plan. A msgspec Struct: plan files decode straight into operations."""

    action: Action
    permission: Annotated[str, msgspec.Meta(min_length=1)]
    holder: Holder
    grant_id: int | None = None  # for "remove": the id of the grant in the before-state

    def __post_init__(self) -> None:
        _check_operation(self.action, self.grant_id)

    @property
    def key(self) -> tuple[str, tuple[str, str | None]]:
        return (self.permission, self.holder.identity)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action, "permission": self.permission, "holder": self.holder.to_json()}
        if self.grant_id is not None:
            out["grant_id"] = self.grant_id
        return out

    @classmethod
    def from_json(cls, d: Any) -> "Operation":
        if not isinstance(d, dict) or d.get("action") not in ("add", "remove"):
            raise ValueError("operation must be an object with action 'add' or 'remove'")
        if not isinstance(d.get("permission"), str) or not d["permission"]:
            raise ValueError("operation has no permission key")
        gid = d.get("grant_id")
        if gid is not None and (not isinstance(gid, int) or isinstance(gid, bool)):
            raise ValueError("operation grant_id must be an integer")
        return cls(action=d["action"], permission=d["permission"], holder=Holder.from_json(d.get("holder")), grant_id=gid)


@dataclass(frozen=True)
class SchemeChange:
    scheme_id: int
    scheme_name: str
    fingerprint: str  # of `before`; apply refuses the scheme if the site no longer matches it
    before: tuple[Grant, ...]
    operations: tuple[Operation, ...]
    projects: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def adds(self) -> tuple[Operation, ...]:
        return tuple(o for o in self.operations if o.action == "add")

    @property
    def removes(self) -> tuple[Operation, ...]:
        return tuple(o for o in self.operations if o.action == "remove")

    def after(self) -> tuple[Grant, ...]:
        """The planned after-state; added grants have no id yet. Removes go by grant id, as apply deletes
        them: of two identical grants, removing one leaves the other."""
        removed = {o.grant_id for o in self.removes}
        kept = tuple(g for g in self.before if g.id is None or g.id not in removed)
        return kept + tuple(Grant(permission=o.permission, holder=o.holder) for o in self.adds)

    @cached_property  # hashing every grant is the costly part of saving big plans
    def after_fingerprint(self) -> str:
        """The after-state's fingerprint: as a plan file stores it (trusted once its checksum matched), or
        computed. Whatever decides something on the site (the history's chain) uses derived_after_fingerprint."""
        return self.derived_after_fingerprint()

    def derived_after_fingerprint(self) -> str:
        return fingerprint_grants(self.after())

    def trust_after_fingerprint(self, fingerprint: str) -> "SchemeChange":
        """Take the after fingerprint a checksummed plan file stores, instead of hashing every grant again."""
        self.__dict__["after_fingerprint"] = fingerprint
        return self

    def after_keys(self) -> frozenset:
        return grant_keys(self.after())


@dataclass(frozen=True)
class Plan:
    site: Mapping[str, str]  # SiteInfo.identity
    rule: Rule
    mode: str
    changes: tuple[SchemeChange, ...]
    unchanged: tuple[int, ...] = ()  # ids of schemes looked at that need nothing
    missing_keys: tuple[str, ...] = ()  # target keys the site does not know: apply is impossible there
    notes: tuple[str, ...] = ()
    created_at: str = ""
    tool_version: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def applicable(self) -> bool:
        return not self.missing_keys

    @property
    def empty(self) -> bool:
        return not self.changes

    def change_for(self, scheme_id: int) -> SchemeChange | None:
        for c in self.changes:
            if c.scheme_id == scheme_id:
                return c
        return None

    @property
    def totals(self) -> dict[str, int]:
        projects = {p for c in self.changes for p in c.projects}
        return {
            "schemes_changed": len(self.changes),
            "schemes_unchanged": len(self.unchanged),
            "grants_added": sum(len(c.adds) for c in self.changes),
            "grants_removed": sum(len(c.removes) for c in self.changes),
            "projects_affected": len(projects),
        }


def _holder_sort_key(h: Holder) -> tuple[str, str]:
    # identity may hold None next to a string for the same type (applicationRole with and without a
    # parameter); tuples holding both do not compare, so sort on a str-only key.
    htype, ident = h.identity
    return (htype, ident or "")


FINISH_WAITING = "run the add plan first"  # how a finish plan's notes tell holders still missing a target


def why_keys_missing(deployment_type: str | None) -> str:
    """Why a site lists no VIEW_PROJECTS / VIEW_ISSUES: Data Center and Server never get them, while a Cloud
    site is waiting for Atlassian's rollout (postponed, so each site is asked, never assumed)."""
    if deployment_type and deployment_type.lower() != "cloud":
        kind = {"datacenter": "Data Center"}.get(deployment_type.lower(), deployment_type)
        return f"this is a {kind} site, and the split of BROWSE_PROJECTS is for Jira Cloud only"
    return "Atlassian has not enabled the split on this site yet; plan and apply again once it has"


class PlanTexts(KeyTexts):
    """KeyTexts for the schemes of one plan, and the targets its rule gives each holder object (a big
    site's source holders recur across schemes; an add-on role is told by decoding its expanded role)."""

    def __init__(self, rule: Rule) -> None:
        super().__init__()
        self.rule = rule
        self._targets: dict[int, tuple[str, ...]] = {}

    def targets_for(self, holder: Holder) -> tuple[str, ...]:
        t = self._targets.get(id(holder))
        if t is None:
            t = self._targets[id(holder)] = self.rule.targets_for(holder)
            self._alive.append(holder)  # its id stays its own while the texts live
        return t


def plan_scheme(
    scheme: Scheme,
    rule: Rule,
    mode: str = "add",
    projects: Iterable[str] = (),
    *,
    text_cache: KeyTexts | None = None,
    fingerprints: bool = True,
) -> SchemeChange | None:
    """Plan one scheme; None when it needs nothing.

    add: every source holder gets the targets the rule gives it, unless the scheme already has them.
    finish: never adds. The source grant is removed only where the holder already holds *every* target
    on the site, so nobody loses access; the others keep the source and are named in a note (a holder
    still waiting for the add plan, or one the rule does not give every target).

    Grant keys are compared by their fingerprint texts (one text per key, see KeyTexts), so the before and
    after fingerprints come from the same sets. `text_cache` (shared by the schemes of one plan) keeps the
    texts of permissions and holders that recur across schemes. `fingerprints=False` leaves the
    fingerprints out (empty), and the keys are compared as tuples, which need no text: re-deriving a
    plan's operations needs no fingerprint.
    """
    return _plan_scheme(scheme, rule, mode, projects, text_cache, fingerprints, None)


def _plan_scheme(
    scheme: Scheme,
    rule: Rule,
    mode: str,
    projects: Iterable[str],
    text_cache: KeyTexts | None,
    fingerprints: bool,
    kept: tuple[list[str], list[str]] | None,
) -> SchemeChange | None:
    """plan_scheme; in finish mode, `kept` (waiting, by_rule) also receives the holders kept_sources
    names, unsorted, from the same comparison (make_plan needs both for every scheme)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    texts = text_cache if text_cache is not None else KeyTexts()
    targets_for = texts.targets_for if isinstance(texts, PlanTexts) and texts.rule is rule else rule.targets_for
    grants = scheme.grants
    if fingerprints:
        lines: list = texts.lines(grants)
    else:
        lines = [(g.permission, (g.holder.type, g.holder.value or g.holder.parameter or None)) for g in grants]
    existing = set(lines)
    planned: set = set()
    adds: list[Operation] = []
    removes: list[Operation] = []
    notes: list[str] = []
    seen_source: set = set()
    source = rule.source
    # a key (permission, holder): its text, or the tuple when there are no fingerprints to make
    head, tails = (texts.head, texts.tails) if fingerprints else (None, None)
    sources = [g for g in grants if g.permission == source]
    if kept is not None:  # kept_sources names a holder as its first grant in the scheme's order shows it
        named: dict = {}
        for g in sources:
            named.setdefault((g.holder.type, g.holder.value or g.holder.parameter or None), g.holder)
    for g in sorted(sources, key=lambda g: (g.holder.type, g.holder.value or g.holder.parameter or "", g.id or 0)):
        h = g.holder
        ident = (h.type, h.value or h.parameter or None)
        rest = tails[id(h)] if fingerprints else ident  # the holder's text was made by texts.lines above
        first = ident not in seen_source
        seen_source.add(ident)
        targets = targets_for(h)
        if first and not h.known_type:
            notes.append(f"holder type {h.type!r} is not one Jira documents; copied verbatim")
        if mode == "add":
            for t in targets:
                k = head(t) + rest if fingerprints else (t, rest)
                if k not in existing and k not in planned:
                    planned.add(k)
                    adds.append(Operation("add", t, h))
            continue
        lacking = [t for t in rule.targets if (head(t) + rest if fingerprints else (t, rest)) not in existing]
        if lacking:
            if not first:
                continue
            given = [t for t in lacking if t in targets]
            if kept is not None:
                kept[0 if given else 1].append(named[ident].display)
            if given:
                notes.append(
                    f"{h.display} keeps {rule.source}: it does not hold {', '.join(given)} yet ({FINISH_WAITING})"
                )
            else:
                notes.append(
                    f"{h.display} keeps {rule.source}: it would not hold {', '.join(lacking)} "
                    f"(the rule gives it only {', '.join(targets)}), so removing {rule.source} would take access away"
                )
        elif g.id is None:
            notes.append(f"{h.display}: a {rule.source} grant without an id cannot be removed; left in place")
        else:
            removes.append(Operation("remove", rule.source, h, grant_id=g.id))
    if not adds and not removes:
        return None
    ordered = sorted(existing) if fingerprints else []
    change = SchemeChange(
        scheme_id=scheme.id,
        scheme_name=scheme.name,
        fingerprint=fingerprint_sorted(ordered) if fingerprints else "",
        before=grants,
        operations=tuple(adds) + tuple(removes),
        projects=tuple(sorted(projects)),
        notes=tuple(notes),
    )
    if not fingerprints:
        return change
    # the after-state (SchemeChange.after()): the grants not removed by id, plus the adds
    if removes:
        removed = {o.grant_id for o in removes}
        after = sorted({k for k, g in zip(lines, grants) if g.id is None or g.id not in removed} | planned)
    else:  # every key stays and the added ones are new: two sorted runs, which sort() merges
        after = ordered + sorted(planned)
        after.sort()
    return change.trust_after_fingerprint(fingerprint_sorted(after))


def kept_sources(scheme: Scheme, rule: Rule) -> tuple[list[str], list[str]]:
    """Source holders of `scheme` whose source grant a finish plan leaves alone, as (waiting, by_rule):
    those still missing a target the rule gives them (the add plan has not reached them), and those the
    rule does not give every target (they keep the source for good). The user hears about both, even on a
    scheme with nothing to remove."""
    existing = grant_keys(scheme.grants)
    waiting: list[str] = []
    by_rule: list[str] = []
    seen: set = set()
    for g in scheme.grants_for(rule.source):
        h = g.holder
        if h.identity in seen:
            continue
        seen.add(h.identity)
        lacking = [t for t in rule.targets if (t, h.identity) not in existing]
        if not lacking:
            continue
        given = rule.targets_for(h)
        (waiting if any(t in given for t in lacking) else by_rule).append(h.display)
    return sorted(waiting), sorted(by_rule)


def _kept_note(kept: list[tuple[Scheme, list[str]]], what: str) -> str:
    n = sum(len(h) for _, h in kept)
    shown = "; ".join(f"scheme {s.id} {s.name!r}: {', '.join(h[:3])}" + (" ..." if len(h) > 3 else "") for s, h in kept[:3])
    more = f" (and {len(kept) - 3} more schemes)" if len(kept) > 3 else ""
    return f"{n} holder(s) on {len(kept)} scheme(s) {what}: {shown}{more}"


def make_plan(
    schemes: Iterable[Scheme],
    rule: Rule,
    site: SiteInfo,
    *,
    mode: str = "add",
    projects_by_scheme: Mapping[int, Iterable[str]] | None = None,
    created_at: str = "",
    tool_version: str = "",
) -> Plan:
    """Plan every scheme. `projects_by_scheme` None means the project -> scheme map was not fetched, which
    the plan records (meta["projects_mapped"]) so a diff does not claim "0 projects affected"."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    with paused_gc():  # a big site's plan is hundreds of thousands of new objects, none of them garbage
        return _make_plan(schemes, rule, site, mode, projects_by_scheme, created_at, tool_version)


def _make_plan(
    schemes: Iterable[Scheme],
    rule: Rule,
    site: SiteInfo,
    mode: str,
    projects_by_scheme: Mapping[int, Iterable[str]] | None,
    created_at: str,
    tool_version: str,
) -> Plan:
    projects_mapped = projects_by_scheme is not None
    projects_by_scheme = projects_by_scheme or {}
    changes: list[SchemeChange] = []
    unchanged: list[int] = []
    waiting: list[tuple[Scheme, list[str]]] = []
    by_rule: list[tuple[Scheme, list[str]]] = []
    texts = PlanTexts(rule)
    for s in sorted(schemes, key=lambda s: s.id):
        w: list[str] = []
        r: list[str] = []
        c = _plan_scheme(s, rule, mode, projects_by_scheme.get(s.id, ()), texts, True, (w, r) if mode == "finish" else None)
        if c is None:
            unchanged.append(s.id)
        else:
            changes.append(c)
        if w:  # what kept_sources(s, rule) gives (finish mode only), from the comparison just made
            waiting.append((s, sorted(w)))
        if r:
            by_rule.append((s, sorted(r)))
    missing = site.missing(rule.targets)
    notes: list[str] = []
    if waiting:
        notes.append(
            _kept_note(
                waiting,
                f"keep {rule.source} because they do not hold {' and '.join(rule.targets)} yet "
                f"({FINISH_WAITING}, then plan finish again)",
            )
        )
    if by_rule:
        notes.append(
            _kept_note(by_rule, f"keep {rule.source} for good: rule {rule.name} does not give them every target")
        )
    if missing:
        notes.append(
            f"this site does not know {', '.join(missing)} (GET /permissions does not list them): "
            f"the plan shows what would change, but apply is not possible: {why_keys_missing(site.deployment_type)}"
        )
    return Plan(
        site=site.identity,
        rule=rule,
        mode=mode,
        changes=tuple(changes),
        unchanged=tuple(unchanged),
        missing_keys=missing,
        notes=tuple(notes),
        created_at=created_at,
        tool_version=tool_version,
        meta={"projects_mapped": projects_mapped},
    )


def select_schemes(schemes: Iterable[Scheme], selectors: Iterable[str]) -> list[Scheme]:
    """The schemes a list of ids or names picks (`migrate plan --scheme`), in the site's order.

    A selector is an id, or a name (exact first, then case-insensitively). One that matches nothing is an
    error: a typo must not quietly give a plan for fewer schemes than the admin thinks.
    """
    schemes = list(schemes)
    picked: set[int] = set()
    for raw in selectors:
        sel = raw.strip()
        found = [s for s in schemes if str(s.id) == sel]
        found = found or [s for s in schemes if s.name == sel]
        found = found or [s for s in schemes if s.name.casefold() == sel.casefold()]
        if not found:
            raise ConfigError(
                f"no permission scheme has the id or name {raw!r}",
                hint="pass a scheme id or its name; `migrate plan` without --scheme plans every scheme",
            )
        picked.update(s.id for s in found)
    return [s for s in schemes if s.id in picked]
