"""Migration rules: a source permission becomes a set of target permissions, with a per-holder policy.

BROWSE_SPLIT is the built-in rule. Other rules load from a small TOML or JSON file, so the same engine
serves other permission migrations.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from migrate.errors import ConfigError
from migrate.model import ADDON_ROLE_NAME, ISSUE_SCOPED_HOLDER_TYPES, KNOWN_HOLDER_TYPES, Holder
from migrate.store import read_user_text

# Jira's built-in project permission keys (REFERENCE.md §4) and the two keys of the split (§7): what a rule
# can name without asking a site. Apps define keys of their own (a Forge key is an "ari:cloud:..." string),
# so a key outside this list is only called a typo when it is close to one in it.
PROJECT_PERMISSION_KEYS = frozenset(
    """
    ADMINISTER_PROJECTS EDIT_WORKFLOW EDIT_ISSUE_LAYOUT
    BROWSE_PROJECTS MANAGE_SPRINTS_PERMISSION SERVICEDESK_AGENT VIEW_DEV_TOOLS VIEW_READONLY_WORKFLOW
    VIEW_PROJECTS VIEW_ISSUES
    ASSIGNABLE_USER ASSIGN_ISSUES CLOSE_ISSUES CREATE_ISSUES DELETE_ISSUES EDIT_ISSUES LINK_ISSUES MODIFY_REPORTER
    MOVE_ISSUES RESOLVE_ISSUES SCHEDULE_ISSUES SET_ISSUE_SECURITY TRANSITION_ISSUES
    MANAGE_WATCHERS VIEW_VOTERS_AND_WATCHERS
    ADD_COMMENTS DELETE_ALL_COMMENTS DELETE_OWN_COMMENTS EDIT_ALL_COMMENTS EDIT_OWN_COMMENTS
    CREATE_ATTACHMENTS DELETE_ALL_ATTACHMENTS DELETE_OWN_ATTACHMENTS
    DELETE_ALL_WORKLOGS DELETE_OWN_WORKLOGS EDIT_ALL_WORKLOGS EDIT_OWN_WORKLOGS WORK_ON_ISSUES
    """.split()
)

ISSUE_SCOPED = "issue-scoped"  # a policy key standing for every issue-scoped holder type

# Policy values for issue-scoped holders, documented in README ("Holder policy").
POLICY_BOTH = "both"
POLICY_TARGET_ONLY = "only"


@dataclass(frozen=True)
class Rule:
    """`policy` maps a holder type (or "issue-scoped") to the subset of targets that holder gets.

    Holders not named in the policy get every target. The Connect add-on role always gets every target,
    whatever the policy says, or installed apps lose access (REFERENCE.md §8).
    """

    name: str
    source: str
    targets: tuple[str, ...]
    policy: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    description: str = ""

    def __post_init__(self):
        if not self.name or not isinstance(self.name, str):
            raise ConfigError("a rule needs a non-empty 'name'")
        if not self.source or not isinstance(self.source, str):
            raise ConfigError(f"rule {self.name!r}: 'source' must be a permission key")
        if not self.targets or not all(isinstance(t, str) and t for t in self.targets):
            raise ConfigError(f"rule {self.name!r}: 'targets' must be a non-empty list of permission keys")
        if len(set(self.targets)) != len(self.targets):
            raise ConfigError(f"rule {self.name!r}: 'targets' lists a key twice")
        if self.source in self.targets:
            raise ConfigError(f"rule {self.name!r}: the source {self.source} cannot also be a target")
        for htype, subset in self.policy.items():
            if htype not in KNOWN_HOLDER_TYPES and htype != ISSUE_SCOPED:
                # a misspelt type would silently fall back to "every target": refuse it instead
                raise ConfigError(
                    f"rule {self.name!r}: policy names holder type {htype!r}, which Jira does not document; "
                    f"use one of {', '.join(sorted(KNOWN_HOLDER_TYPES))} or {ISSUE_SCOPED!r}"
                )
            if not subset:
                raise ConfigError(
                    f"rule {self.name!r}: policy for {htype!r} grants nothing, which would remove access"
                )
            unknown = [t for t in subset if t not in self.targets]
            if unknown:
                raise ConfigError(
                    f"rule {self.name!r}: policy for {htype!r} names {', '.join(unknown)}, which is not a target"
                )

    def targets_for(self, holder: Holder) -> tuple[str, ...]:
        if holder.is_addon_role:
            return self.targets
        subset = self.policy.get(holder.type)
        if subset is None and holder.type in ISSUE_SCOPED_HOLDER_TYPES:
            subset = self.policy.get(ISSUE_SCOPED)
        return self.targets if subset is None else tuple(t for t in self.targets if t in subset)

    def holder_policy(self) -> list[dict[str, Any]]:
        """What each kind of holder gets, for `migrate rules` and reports: one row per documented holder
        type, then the add-on role and undocumented types, each with the targets and where that comes from."""
        rows: list[dict[str, Any]] = []
        for htype in sorted(KNOWN_HOLDER_TYPES):
            if htype in self.policy:
                why = f"policy[{htype!r}]"
            elif htype in ISSUE_SCOPED_HOLDER_TYPES and ISSUE_SCOPED in self.policy:
                why = f"policy[{ISSUE_SCOPED!r}]"
            else:
                why = "default: every target"
            rows.append(
                {
                    "holder": htype,
                    "issue_scoped": htype in ISSUE_SCOPED_HOLDER_TYPES,
                    "targets": list(self.targets_for(Holder(type=htype))),
                    "why": why,
                }
            )
        rows.append(
            {
                "holder": f"projectRole {ADDON_ROLE_NAME}",
                "issue_scoped": False,
                "targets": list(self.targets),
                "why": "always every target, or installed apps lose access",
            }
        )
        rows.append(
            {
                "holder": "any other (undocumented) type",
                "issue_scoped": False,
                "targets": list(self.targets),
                "why": "default: every target, holder copied verbatim",
            }
        )
        return rows

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "targets": list(self.targets),
            "policy": {k: list(v) for k, v in sorted(self.policy.items())},
            "description": self.description,
        }

    @classmethod
    def from_json(cls, d: Any, *, origin: str = "rule") -> "Rule":
        if not isinstance(d, dict):
            raise ConfigError(f"{origin}: a rule must be a table/object, got {type(d).__name__}")
        allowed = {"name", "source", "targets", "policy", "description"}
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise ConfigError(f"{origin}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
        for key in ("name", "source", "targets"):
            if key not in d:
                raise ConfigError(f"{origin}: missing required field '{key}'")
        targets = d["targets"]
        if not isinstance(targets, list):
            raise ConfigError(f"{origin}: 'targets' must be a list of permission keys")
        policy = d.get("policy", {}) or {}
        if not isinstance(policy, dict):
            raise ConfigError(f"{origin}: 'policy' must be a table mapping holder type -> list of targets")
        parsed: dict[str, tuple[str, ...]] = {}
        for htype, subset in policy.items():
            if isinstance(subset, str):
                subset = [subset]
            if not isinstance(subset, list) or not all(isinstance(s, str) for s in subset):
                raise ConfigError(f"{origin}: policy for {htype!r} must be a list of permission keys")
            parsed[str(htype)] = tuple(subset)
        desc = d.get("description", "")
        if not isinstance(desc, str):
            raise ConfigError(f"{origin}: 'description' must be a string")
        try:
            return cls(
                name=d["name"] if isinstance(d["name"], str) else "",
                source=d["source"] if isinstance(d["source"], str) else "",
                targets=tuple(targets),
                policy=MappingProxyType(parsed),
                description=desc,
            )
        except ConfigError as e:
            raise ConfigError(f"{origin}: {e.message}", hint=e.hint) from None


BROWSE_SPLIT = Rule(
    name="browse-split",
    source="BROWSE_PROJECTS",
    targets=("VIEW_PROJECTS", "VIEW_ISSUES"),
    description=(
        "Every BROWSE_PROJECTS holder gets VIEW_PROJECTS and VIEW_ISSUES. Issue-scoped holders (reporter, "
        "assignee, user/group custom fields) get both too: with only VIEW_ISSUES they could no longer open "
        "the project their issues live in, which BROWSE_PROJECTS allowed. The add-on role always gets both."
    ),
)

BUILTIN_RULES: Mapping[str, Rule] = MappingProxyType({BROWSE_SPLIT.name: BROWSE_SPLIT})


def did_you_mean(key: str, candidates: Iterable[str]) -> str | None:
    """The candidate a mistyped permission key most likely meant (case and transpositions forgiven)."""
    pool = {c.upper(): c for c in candidates}
    close = difflib.get_close_matches(key.upper(), list(pool), n=1, cutoff=0.75)
    return pool[close[0]] if close else None


def rule_keys(rule: Rule) -> tuple[str, ...]:
    return (rule.source, *rule.targets)


def offline_key_findings(rule: Rule) -> tuple[list[str], list[str]]:
    """(errors, warnings) about the rule's keys, without a site: a key close to a built-in one is a typo
    (error); any other unknown key may be an app's own permission (warning: the site must list it)."""
    errors, warnings = [], []
    for key in rule_keys(rule):
        if key in PROJECT_PERMISSION_KEYS:
            continue
        guess = did_you_mean(key, PROJECT_PERMISSION_KEYS)
        if guess:
            errors.append(f"rule {rule.name!r}: {key} is not a Jira permission key; did you mean {guess}?")
        else:
            warnings.append(
                f"rule {rule.name!r}: {key} is not a built-in Jira permission key; fine for an app's own "
                "permission, which the site must list (`migrate plan` checks)"
            )
    return errors, warnings


def check_rule_offline(rule: Rule) -> list[str]:
    """Raise ConfigError for a key that is a typo of a built-in one; return the warnings."""
    errors, warnings = offline_key_findings(rule)
    if errors:
        raise ConfigError("; ".join(errors), hint="fix the key in the rule file")
    return warnings


def check_rule_against_site(rule: Rule, site_keys: Iterable[str]) -> None:
    """Refuse a rule naming a key the site does not list, unless it is a documented key the site may not
    have yet (VIEW_PROJECTS / VIEW_ISSUES before Atlassian enables them: the plan then says so)."""
    known = set(site_keys)
    problems = []
    for key in rule_keys(rule):
        if key in known or key in PROJECT_PERMISSION_KEYS:
            continue
        guess = did_you_mean(key, known | PROJECT_PERMISSION_KEYS)
        problems.append(
            f"{key}" + (f" (did you mean {guess}?)" if guess else "")
        )
    if problems:
        raise ConfigError(
            f"rule {rule.name!r} names permission key(s) the site does not list: {'; '.join(problems)}",
            hint="GET /permissions lists every key the site knows; fix the rule file (nothing was planned or saved)",
        )


def load_rule(path: str | Path) -> Rule:
    """Load a rule from a .toml or .json file, with a clear error for anything malformed."""
    p = Path(path)
    text = read_user_text(p, "rule file", ConfigError)
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = tomllib.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"rule file {p} is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"rule file {p} is not valid TOML: {e}") from None
    except RecursionError:
        raise ConfigError(f"rule file {p} is nested too deeply to be a rule") from None
    except ValueError as e:  # e.g. an integer too long to convert
        raise ConfigError(f"rule file {p} is not a rule: {str(e)[:120]}") from None
    return Rule.from_json(data, origin=f"rule file {p}")


def resolve_rule(name_or_path: str | None) -> Rule:
    """A built-in rule by name, or a rule file by path. None means the BROWSE_PROJECTS split."""
    if not name_or_path:
        return BROWSE_SPLIT
    if name_or_path in BUILTIN_RULES:
        return BUILTIN_RULES[name_or_path]
    p = Path(name_or_path)
    if p.suffix.lower() in (".toml", ".json") or p.exists():
        return load_rule(p)
    raise ConfigError(
        f"unknown rule {name_or_path!r}",
        hint=f"use a built-in rule ({', '.join(BUILTIN_RULES)}) or the path of a .toml/.json rule file",
    )
