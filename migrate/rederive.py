"""A plan is re-derivable: its operations are what the pure planner gives for its recorded before-state,
rule and mode, or it is refused.

A plan file's checksum proves the file is intact, not that its operations follow the rule: anyone who
can edit the file can recompute the checksum. So apply, verify and rollback re-run the planner on every
scheme's recorded before-state and compare, before any request. What is left to trust is the rule the
file names, which is why a rule that is not a built-in one is shown by name and digest for confirmation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from migrate.errors import PlanFileError
from migrate.model import Scheme
from migrate.plan import Operation, Plan, PlanTexts, plan_scheme
from migrate.planfile import check_plan_url
from migrate.rules import BUILTIN_RULES, Rule


@dataclass(frozen=True)
class RuleIdentity:
    """What a confirmation shows about a plan's rule."""

    name: str
    digest: str
    builtin: bool

    def describe(self) -> str:
        if self.builtin:
            return f"built-in rule {self.name}"
        shadow = " (not the built-in rule of that name)" if self.name in BUILTIN_RULES else ""
        return f"custom rule {self.name!r}{shadow}, digest {self.digest}"

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "digest": self.digest, "builtin": self.builtin}


def rule_digest(rule: Rule) -> str:
    """A short hash of everything the rule says (source, targets, policy, name, description)."""
    canonical = json.dumps(rule.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def rule_identity(rule: Rule) -> RuleIdentity:
    builtin = BUILTIN_RULES.get(rule.name)
    return RuleIdentity(rule.name, rule_digest(rule), builtin is not None and builtin.to_json() == rule.to_json())


def _op(o: Operation | None) -> str:
    if o is None:
        return "nothing"
    sign = "+" if o.action == "add" else "-"
    gid = f" (grant {o.grant_id})" if o.grant_id is not None else ""
    return f"{sign}{o.permission} -> {o.holder.display}{gid}"


def rederive(plan: Plan, *, source: str = "the plan") -> None:
    """Refuse `plan` unless every scheme's operations are exactly what the planner gives for its before-state.

    Raises PlanFileError naming the first differing scheme and operation. Pure: no I/O.

    The fingerprints a file stores are not checked here: they are shown, never acted on (the history
    derives the ones it chains plans by from the before-state, see migrate.history).
    """
    texts = PlanTexts(plan.rule)  # a plan's holders recur across its schemes: their key texts are made once
    for c in plan.changes:
        scheme = Scheme(id=c.scheme_id, name=c.scheme_name, grants=c.before)
        expected = plan_scheme(scheme, plan.rule, plan.mode, text_cache=texts, fingerprints=False)
        want = expected.operations if expected is not None else ()
        if want == c.operations:
            continue
        i = next((i for i, (a, b) in enumerate(zip(c.operations, want)) if a != b), min(len(c.operations), len(want)))
        got_op = c.operations[i] if i < len(c.operations) else None
        want_op = want[i] if i < len(want) else None
        raise PlanFileError(
            f"{source} does not follow its own rule: for scheme {c.scheme_id} {c.scheme_name!r}, operation {i + 1} "
            f"is {_op(got_op)}, but {plan.rule.name} ({plan.mode} mode) gives {_op(want_op)} for the recorded "
            "before-state",
            hint="the checksum only proves the file is intact, not that its operations follow the rule: "
            "make a new plan with `migrate plan` (and never edit plan files)",
        )


def check_offline(plan: Plan, url: str, *, source: str = "the plan") -> None:
    """Everything checked about a plan before any request: it is for the site the user named (`url`),
    each scheme appears once, and its operations re-derive."""
    ids = [c.scheme_id for c in plan.changes]
    if len(ids) != len(set(ids)):
        raise PlanFileError(f"malformed plan: {source} lists a scheme twice")
    check_plan_url(plan, url)
    rederive(plan, source=source)
