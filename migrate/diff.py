"""The dry-run view of a plan: per scheme, per holder, what it gains and loses; totals; JSON and plain text.

Pure: a Plan in, data out. The CLI colours the lines; the report module can embed the plain text. The
view is computed from each change's full before-state and its planned after-state (grant multisets keyed
by permission + holder identity), not from the operations alone, so it shows what a scheme *will be*,
and a plan that touched anything outside the rule's keys would show that too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping

from migrate.gcpause import paused_gc
from migrate.model import Holder
from migrate.plan import Plan, SchemeChange, why_keys_missing
from migrate.rules import Rule

DIFF_KIND = "migrate-diff"


@dataclass(frozen=True)
class HolderChange:
    """One holder in one scheme. Permission tuples are in rule order (targets, then source), then by name."""

    holder: Holder
    gains: tuple[str, ...]
    loses: tuple[str, ...]
    kept: tuple[str, ...]  # rule keys held before and after
    other_unchanged: int  # permissions outside the rule this holder keeps, untouched
    had_source: bool
    targets_after: tuple[str, ...]
    removed_grants: int = 0  # grants deleted: more than len(loses) when the source was granted twice
    # had the source but will not hold every target (the rule's policy limits it); finish mode keeps its source
    without_all_targets: bool = False
    # gains exactly one target of several: the policy limits it, or it already had the other one
    gains_one_target: bool = False
    # permissions granted twice before of which a duplicate goes while the holder keeps the permission
    duplicates_removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class SchemeDiff:
    scheme_id: int
    scheme_name: str
    projects: tuple[str, ...]
    holders: tuple[HolderChange, ...]  # only holders whose grants change
    grants_before: int
    grants_after: int
    grants_added: int
    grants_removed: int
    unchanged_holders: int  # holders of the source that need nothing (already migrated, or kept by policy)
    fingerprint: str
    after_fingerprint: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanDiff:
    site: Mapping[str, str]
    rule: Rule
    mode: str
    schemes: tuple[SchemeDiff, ...]
    unchanged_schemes: tuple[int, ...]
    totals: Mapping[str, Any]
    missing_keys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    projects_mapped: bool | None = None  # None: the plan does not say
    created_at: str = ""
    tool_version: str = ""
    # each changed holder's label (Holder.display) by id() of the holder object, as diff_plan worked it out
    # to sort them: the holders are this diff's own, so the ids stay theirs while it lives
    labels: Mapping[int, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def applicable(self) -> bool:
        return not self.missing_keys

    @property
    def empty(self) -> bool:
        return not self.schemes

    @property
    def apply_blocked_reason(self) -> str | None:
        if self.applicable:
            return None
        return (
            f"apply is not possible on this site: it does not know {', '.join(self.missing_keys)} "
            f"(GET /permissions does not list them): {why_keys_missing(self.site.get('deployment_type'))}."
        )


def _perm_order(rule: Rule):
    rank = {p: i for i, p in enumerate(rule.targets + (rule.source,))}
    return lambda p: (rank.get(p, len(rank)), p)


class _HolderFacts:
    """What diffing one plan (one rule) works out once instead of per grant or per holder: each holder
    object's identity and label (a plan's grants share their holder objects; keyed by id(), which is stable
    while the plan being diffed keeps the objects alive), and each holder pattern's outcome (what a holder
    held before and after decides every field of its HolderChange but the holder)."""

    def __init__(self) -> None:
        self.idents: dict[int, tuple] = {}
        self._label: dict[int, str] = {}
        self.labels: dict[int, str] = {}  # Holder.display
        self.outcomes: dict[tuple, tuple] = {}  # see diff_change

    def ident(self, h: Holder) -> tuple:
        v = self.idents[id(h)] = (h.type, h.value or h.parameter or None)
        return v

    def sort_key(self, h: Holder) -> tuple:
        k = id(h)
        v = self._label.get(k)
        if v is None:
            label = self.labels[k] = h.display
            v = self._label[k] = label.casefold()
        return (h.type, v, h.identity[1] or "")


def _holder_outcome(b: dict[str, int], a: dict[str, int], rule: Rule, order, rule_keys: set[str]) -> tuple:
    """HolderChange's fields after `holder`, in order, from the holder's permission counts before and after."""
    gains = tuple(sorted(a.keys() - b.keys(), key=order))
    loses = tuple(sorted(b.keys() - a.keys(), key=order))
    both = a.keys() & b.keys()
    return (
        gains,
        loses,
        tuple(sorted((p for p in both if p in rule_keys), key=order)),  # kept
        sum(1 for p in both if p not in rule_keys),  # other_unchanged
        rule.source in b,  # had_source
        tuple(t for t in rule.targets if t in a),  # targets_after
        sum(max(0, n - a.get(p, 0)) for p, n in b.items()),  # removed_grants
        rule.source in b and any(t not in a for t in rule.targets),  # without_all_targets
        len(rule.targets) > 1 and sum(1 for p in gains if p in rule.targets) == 1,  # gains_one_target
        tuple(sorted((p for p in both if a[p] < b[p]), key=order)),  # duplicates_removed
    )


_OUTCOME_FIELDS = tuple(f.name for f in fields(HolderChange))[1:]  # what _holder_outcome gives, in order


def _holder_change(holder: Holder, outcome: dict[str, Any]) -> HolderChange:
    """HolderChange(holder, **outcome) without the frozen dataclass's __init__ (a setattr per field through
    object.__setattr__): a big plan makes one for every holder that changes, and the outcome is shared."""
    hc = object.__new__(HolderChange)
    d = hc.__dict__
    d.update(outcome)
    d["holder"] = holder
    return hc


def diff_change(change: SchemeChange, rule: Rule, facts: _HolderFacts | None = None) -> SchemeDiff:
    """Before/after of one scheme, grouped by holder. The after-state is the before-state minus the grants
    removed (by id, as apply deletes them) plus the grants added: the same as SchemeChange.after()."""
    facts = facts or _HolderFacts()
    source = rule.source
    rule_keys = set(rule.targets) | {source}
    adds = [o for o in change.operations if o.action == "add"]
    removed_ids = {o.grant_id for o in change.operations if o.action == "remove"}
    # Only holders named by an operation can change: the after-state is the before-state minus the grants
    # removed plus the grants added. The rest of a big scheme is only counted (holders of the source that
    # need nothing), not tallied grant by grant.
    touched = {o.holder.identity for o in change.operations}
    before = change.before
    known, ident_of = facts.idents.get, facts.ident  # the loop below runs once per grant: kept lean
    holders: dict[tuple, Holder] = {}  # the before-state's holder carries the names the site expanded
    before_h: dict[tuple, dict[str, int]] = {}
    after_h: dict[tuple, dict[str, int]] = {}
    untouched_sources: set = set()
    grants_removed = 0
    for g in before:
        h = g.holder
        ident = known(id(h)) or ident_of(h)
        perm = g.permission
        if ident not in touched:
            if perm == source:
                untouched_sources.add(ident)
            continue
        b = before_h.get(ident)
        if b is None:
            holders[ident] = h
            b = before_h[ident] = {}
            after_h[ident] = {}
        b[perm] = b.get(perm, 0) + 1
        if g.id is not None and g.id in removed_ids:
            grants_removed += 1
        else:
            a = after_h[ident]
            a[perm] = a.get(perm, 0) + 1
    for o in adds:
        ident = o.holder.identity
        a = after_h.get(ident)
        if a is None:
            holders[ident] = o.holder
            before_h[ident] = {}
            a = after_h[ident] = {}
        a[o.permission] = a.get(o.permission, 0) + 1

    changed: list[HolderChange] = []
    unchanged_holders = len(untouched_sources)
    outcomes = facts.outcomes
    for ident, holder in holders.items():
        b = before_h[ident]
        a = after_h[ident]
        if a == b:
            if source in b:
                unchanged_holders += 1
            continue
        # Holders fall into a handful of patterns, each worked out once per plan. A permission outside the
        # rule held as many times before as after only counts (other_unchanged), so the pattern is the rule's
        # permissions and those that change, plus how many others stay.
        same = 0
        b_part = []
        for p, n in b.items():
            if p not in rule_keys and a.get(p) == n:
                same += 1
            else:
                b_part.append((p, n))
        pattern = (frozenset(b_part), frozenset([(p, n) for p, n in a.items() if p in rule_keys or b.get(p) != n]), same)
        outcome = outcomes.get(pattern)
        if outcome is None:
            outcome = outcomes[pattern] = dict(zip(_OUTCOME_FIELDS, _holder_outcome(b, a, rule, _perm_order(rule), rule_keys)))
        changed.append(_holder_change(holder, outcome))
    if len(changed) > 1:
        sort_key = facts.sort_key
        changed.sort(key=lambda h: sort_key(h.holder))
    n_before = len(before)
    return SchemeDiff(
        scheme_id=change.scheme_id,
        scheme_name=change.scheme_name,
        projects=tuple(change.projects),
        holders=tuple(changed),
        grants_before=n_before,
        grants_after=n_before - grants_removed + len(adds),
        grants_added=len(adds),
        grants_removed=grants_removed,
        unchanged_holders=unchanged_holders,
        fingerprint=change.fingerprint,
        after_fingerprint=change.after_fingerprint,
        notes=tuple(change.notes),
    )


def diff_plan(plan: Plan) -> PlanDiff:
    with paused_gc():  # one object per changed holder of every scheme, none of them garbage
        return _diff_plan(plan)


def _diff_plan(plan: Plan) -> PlanDiff:
    facts = _HolderFacts()
    schemes = tuple(diff_change(c, plan.rule, facts) for c in plan.changes)
    mapped = plan.meta.get("projects_mapped") if plan.meta else None
    projects = {p for s in schemes for p in s.projects}
    holders = [h for s in schemes for h in s.holders]
    totals = {
        "schemes_changed": len(schemes),
        "schemes_unchanged": len(plan.unchanged),
        "grants_added": sum(s.grants_added for s in schemes),
        "grants_removed": sum(s.grants_removed for s in schemes),
        "projects_affected": None if mapped is False else len(projects),
        "holders_changed": len(holders),
        "holders_gaining_one_target": sum(1 for h in holders if h.gains_one_target),
        "holders_without_all_targets": sum(1 for h in holders if h.without_all_targets),
    }
    return PlanDiff(
        site=dict(plan.site),
        rule=plan.rule,
        mode=plan.mode,
        schemes=schemes,
        unchanged_schemes=tuple(plan.unchanged),
        totals=totals,
        missing_keys=tuple(plan.missing_keys),
        notes=tuple(plan.notes),
        projects_mapped=mapped if isinstance(mapped, bool) else None,
        created_at=plan.created_at,
        tool_version=plan.tool_version,
        labels=facts.labels,
    )


# ---------------------------------------------------------------------------------------------- JSON


def _holder_json(h: HolderChange) -> dict[str, Any]:
    return {
        "holder": h.holder.to_request(),
        "display": h.holder.display,
        "addon_role": h.holder.is_addon_role,
        "gains": list(h.gains),
        "loses": list(h.loses),
        "kept": list(h.kept),
        "other_unchanged": h.other_unchanged,
        "grants_removed": h.removed_grants,
        "duplicates_removed": list(h.duplicates_removed),
        "targets_after": list(h.targets_after),
        "gains_one_target": h.gains_one_target,
        "without_all_targets": h.without_all_targets,
    }


def diff_to_json(d: PlanDiff) -> dict[str, Any]:
    """Stable JSON for scripts (`migrate plan --json`, `migrate show --json`)."""
    return {
        "kind": DIFF_KIND,
        "site": dict(d.site),
        "rule": {"name": d.rule.name, "source": d.rule.source, "targets": list(d.rule.targets)},
        "mode": d.mode,
        "created_at": d.created_at,
        "tool_version": d.tool_version,
        "changes_pending": not d.empty,
        "applicable": d.applicable,
        "missing_keys": list(d.missing_keys),
        "apply_blocked_reason": d.apply_blocked_reason,
        "projects_mapped": d.projects_mapped,
        "totals": dict(d.totals),
        "notes": list(d.notes),
        "schemes": [
            {
                "id": s.scheme_id,
                "name": s.scheme_name,
                "projects": list(s.projects),
                "grants_before": s.grants_before,
                "grants_after": s.grants_after,
                "grants_added": s.grants_added,
                "grants_removed": s.grants_removed,
                "unchanged_holders": s.unchanged_holders,
                "fingerprint": s.fingerprint,
                "after_fingerprint": s.after_fingerprint,
                "holders": [_holder_json(h) for h in s.holders],
                "notes": list(s.notes),
            }
            for s in d.schemes
        ],
        "unchanged_schemes": list(d.unchanged_schemes),
    }


# ---------------------------------------------------------------------------------------------- text

# Line kinds the CLI maps to colours; plain text ignores them.
TITLE, SCHEME, HOLDER, ADD, REMOVE, KEEP, NOTE, WARN, SUMMARY, BLANK = (
    "title", "scheme", "holder", "add", "remove", "keep", "note", "warn", "summary", "blank",
)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _projects_phrase(projects: tuple[str, ...], mapped: bool | None, limit: int = 8) -> str:
    if mapped is False:
        return ""
    if not projects:
        return " (no project uses it)"
    shown = ", ".join(projects[:limit]) + (f", +{len(projects) - limit} more" if len(projects) > limit else "")
    return f" (used by {_plural(len(projects), 'project')}: {shown})"


def _holder_rows(h: HolderChange, r: Rule) -> list[tuple[str, str]]:
    """The lines under a holder's label: they follow from what it gains, loses and keeps, never from who it is."""
    lines: list[tuple[str, str]] = []
    add = lines.append
    for p in h.gains:
        add((ADD, f"      + {p}"))
    for p in h.loses:
        extra = f" ({h.removed_grants} grants)" if p == r.source and h.removed_grants > 1 else ""
        add((REMOVE, f"      - {p}{extra}"))
    for p in h.duplicates_removed:
        add((REMOVE, f"      - {p} (a duplicate grant; the permission stays)"))
    kept = list(h.kept)
    if h.other_unchanged:
        kept.append(_plural(h.other_unchanged, "other permission"))
    if kept:
        add((KEEP, f"        = {', '.join(kept)} unchanged"))
    if h.without_all_targets:
        add((WARN, f"        ! ends without {', '.join(t for t in r.targets if t not in h.targets_after)}"))
    return lines


def diff_lines(d: PlanDiff) -> list[tuple[str, str]]:
    """The diff as (kind, text) lines: `+` added, `-` removed, `=` unchanged summary, `!` warnings."""
    return _lines(d, lambda h: _holder_rows(h, d.rule))


def _lines(d: PlanDiff, holder_rows: Callable[[HolderChange], list[tuple[str, str]]]) -> list[tuple[str, str]]:
    r = d.rule
    lines: list[tuple[str, str]] = []
    add = lines.append
    labels = dict(d.labels)  # a holder's label, once per holder object (shared across schemes)
    site = d.site
    where = site.get("url", "?")
    if site.get("deployment_type"):
        where += f" ({site['deployment_type']}{', ' + repr(site['server_title']) if site.get('server_title') else ''})"
    add((TITLE, f"migrate plan: rule {r.name} ({r.source} -> {' + '.join(r.targets)}), mode {d.mode}"))
    add((TITLE, f"site: {where}"))
    if d.created_at:
        add((TITLE, f"made: {d.created_at}" + (f" by migrate {d.tool_version}" if d.tool_version else "")))
    for s in d.schemes:
        add((BLANK, ""))
        add((SCHEME, f"~ scheme {s.scheme_id} {s.scheme_name!r}{_projects_phrase(s.projects, d.projects_mapped)}"))
        for h in s.holders:
            label = labels.get(id(h.holder))
            if label is None:
                label = labels[id(h.holder)] = h.holder.display
            add((HOLDER, f"    {label}"))
            lines.extend(holder_rows(h))
        if s.unchanged_holders:
            n = s.unchanged_holders
            add((KEEP, f"    = {_plural(n, 'other ' + r.source + ' holder')} {'needs' if n == 1 else 'need'} nothing"))
        for n in s.notes:
            add((NOTE, f"    note: {n}"))
    t = d.totals
    add((BLANK, ""))
    if d.unchanged_schemes:
        n = len(d.unchanged_schemes)
        add((KEEP, f"= {_plural(n, 'scheme')} {'needs' if n == 1 else 'need'} no change"))
    if d.empty:
        add((SUMMARY, f"No changes: every {r.source} holder already has what the rule gives it (mode {d.mode})."))
    else:
        proj = "" if t["projects_affected"] is None else f", {_plural(t['projects_affected'], 'project')} affected"
        add(
            (
                SUMMARY,
                f"Plan: {_plural(t['schemes_changed'], 'scheme')} to change{proj}: "
                f"{_plural(t['grants_added'], 'grant')} to add, {_plural(t['grants_removed'], 'grant')} to remove "
                f"({_plural(t['holders_changed'], 'holder')}).",
            )
        )
        if t["holders_gaining_one_target"]:
            n = t["holders_gaining_one_target"]
            add((NOTE, f"{_plural(n, 'holder')} {'gains' if n == 1 else 'gain'} only one of {', '.join(r.targets)}"))
        if t["holders_without_all_targets"]:
            add(
                (
                    WARN,
                    f"! {_plural(t['holders_without_all_targets'], 'holder')} will not hold every target; "
                    f"they keep {r.source} (see the rule's holder policy)",
                )
            )
    for n in d.notes:
        add((NOTE, f"note: {n}"))
    if not d.applicable:
        add((WARN, f"! apply is not possible on this site: it does not know {', '.join(d.missing_keys)}"))
    return lines


def render_text(d: PlanDiff) -> str:
    """Plain text (no colour, no markup): for pipes, files and the change report.

    The same characters as diff_lines gives, but each distinct holder outcome's lines are made and joined
    once: a big plan's 50,000 changed holders fall into a few dozen outcomes."""
    rule = d.rule
    blocks: dict[tuple, list[tuple[str, str]]] = {}

    def rows(h: HolderChange) -> list[tuple[str, str]]:
        key = (h.gains, h.loses, h.removed_grants, h.duplicates_removed, h.kept, h.other_unchanged,
               h.without_all_targets, h.targets_after)
        block = blocks.get(key)
        if block is None:
            lines = _holder_rows(h, rule)
            block = blocks[key] = [(HOLDER, "\n".join(text for _, text in lines))] if lines else []
        return block

    with paused_gc():  # a line and its tuple each: hundreds of thousands of new objects, none of them garbage
        return "\n".join(text for _, text in _lines(d, rows)) + "\n"
