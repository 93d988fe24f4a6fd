"""Site configuration beyond permission schemes: statuses, workflows (with their transition rules and
properties), workflow schemes and saved filters. Plain data, rendered by ``render_config.py``.

A rule is stored once and rendered by both workflow APIs: the bulk API (``ruleKey`` + string
``parameters``) and the older workflow search (``type`` + ``configuration``). A rule with no older form
(``legacy`` empty) is left out of the older API's answer, as Jira does for rules it cannot express there.

``planted`` on a rule, property or filter marks what the seed put there on purpose as a reference to
BROWSE_PROJECTS: the ground truth the scan tests compare against. Decoys (the key in a description, a
filter that only mentions it inside a text search) are not marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Status:
    id: str
    name: str
    category: str  # TODO | IN_PROGRESS | DONE


@dataclass
class Rule:
    id: str
    key: str  # bulk API ruleKey, e.g. system:restrict-issue-transition
    parameters: dict[str, str] = field(default_factory=dict)
    # the older API's form: {"type": ..., "configuration": ...} nodes; one bulk rule may be several older ones
    # (a restriction to two permission keys is two PermissionConditions under OR), or none
    legacy: tuple[dict[str, Any], ...] = ()
    planted: bool = False


@dataclass
class ConditionGroup:
    operation: str = "ALL"  # ALL | ANY (older API: AND | OR)
    rules: list[Rule] = field(default_factory=list)
    groups: list["ConditionGroup"] = field(default_factory=list)

    def walk(self):
        yield from self.rules
        for g in self.groups:
            yield from g.walk()


@dataclass
class Transition:
    id: str
    name: str
    to: str  # status id
    sources: list[str] = field(default_factory=list)  # status ids; empty for global and initial
    type: str = "DIRECTED"  # INITIAL | GLOBAL | DIRECTED
    description: str = ""
    conditions: ConditionGroup | None = None
    validators: list[Rule] = field(default_factory=list)
    actions: list[Rule] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    planted_properties: set[str] = field(default_factory=set)


@dataclass
class WorkflowStatus:
    status_id: str
    properties: dict[str, str] = field(default_factory=dict)
    planted_properties: set[str] = field(default_factory=set)


@dataclass
class Workflow:
    id: str  # the bulk API's uuid
    entity_id: str  # the older API's id.entityId
    name: str
    description: str = ""
    statuses: list[WorkflowStatus] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    scope_project: int | None = None  # team-managed project id: a PROJECT-scoped workflow
    is_default: bool = False
    created: str = "2024-03-04T10:15:00.000Z"
    updated: str = "2025-09-18T08:40:00.000Z"


@dataclass
class WorkflowScheme:
    id: int | None  # None: the Default Workflow Scheme, which has no id
    name: str
    description: str
    default_workflow: str
    mappings: dict[str, str] = field(default_factory=dict)  # issue type id -> workflow name

    def workflow_names(self) -> set[str]:
        return {self.default_workflow, *self.mappings.values()}


@dataclass
class Share:
    type: str  # global | loggedin | group | project | projectRole | user
    ref: Any = None  # group id, project id, (project id, role id) or account id


@dataclass
class Filter:
    id: int
    name: str
    owner: str  # account id
    jql: str
    description: str = ""
    shares: list[Share] = field(default_factory=list)
    favourite_count: int = 0
    planted: bool = False


ISSUE_TYPES = {"10001": "Story", "10002": "Task", "10003": "Bug", "10004": "Epic", "10005": "Subtask"}
