"""Walk workflow transition rules and properties, in both Cloud APIs' shapes, for checks of BROWSE_PROJECTS.

Bulk API (``GET /workflows/search?expand=values.transitions``): a transition's ``conditions`` is a group
(``operation``, ``conditions[]`` of ``{id, ruleKey, parameters}``, nested ``conditionGroups[]``); ``validators``
and ``actions`` are rule lists. Older API (``GET /workflow/search?expand=transitions.rules,...``): a
``conditionsTree`` of ``simple`` / ``compound`` nodes, ``validators`` and ``postFunctions`` of
``{type, configuration}``. Pure: JSON in, findings out, never an exception for an odd shape.

What counts: a permission condition or validator whose key is BROWSE_PROJECTS; a status or transition
property ``jira.permission[.subtasks].browse.*``. A condition or validator of a type migrate does not know
is reported for review (never dropped); so is an app rule (Connect, Forge) whose configuration names the
key. Post functions cannot restrict a transition, so an unknown one is only counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from migrate.scan import names
from migrate.scan.findings import Finding

RESTRICT = "system:restrict-issue-transition"
CHECK_PERMISSION = "system:check-permission-validator"
# Atlassian's documented system rules (official spec, GET /workflows/capabilities): none of these others
# takes a permission key.
KNOWN_RULE_KEYS = frozenset({
    RESTRICT, CHECK_PERMISSION, "system:parent-or-child-blocking-validator", "system:previous-status-validator",
    "system:validate-field-value", "system:proforma-forms-attached", "system:proforma-forms-submitted",
    "system:check-field-value", "system:previous-status-condition", "system:parent-or-child-blocking-condition",
    "system:separation-of-duties", "system:restrict-from-all-users", "system:jsd-approvals-block-until-approved",
    "system:jsd-approvals-block-until-rejected", "system:block-in-progress-approval", "system:change-assignee",
    "system:copy-value-from-other-field", "system:update-field", "system:trigger-webhook",
    "system:remind-people-to-update-fields", "system:transition-screen",
})
APP_RULE_PREFIXES = ("connect:", "forge:")

# Older API and Data Center types that check a permission, by short class name.
PERMISSION_CONDITIONS = frozenset({"PermissionCondition"})
PERMISSION_VALIDATORS = frozenset({"PermissionValidator", "UserPermissionValidator"})
# The older rule types documented as aggregated into the bulk rules, and Jira's built-in ones.
KNOWN_LEGACY_TYPES = frozenset({
    "AllowOnlyAssignee", "AllowOnlyReporter", "InAnyProjectRoleCondition", "InProjectRoleCondition",
    "UserInAnyGroupCondition", "UserInGroupCondition", "InGroupCFCondition", "UserIsInCustomFieldCondition",
    "PreviousStatusCondition", "SeparationOfDutiesCondition", "SubTaskBlockingCondition", "AlwaysFalseCondition",
    "RemoteOnlyCondition", "BlockInProgressApprovalCondition", "DateFieldValidator", "FieldChangedValidator",
    "FieldHasSingleValueValidator", "FieldRequiredValidator", "ParentStatusValidator", "PreviousStatusValidator",
    "RegexpFieldValidator", "WindowsDateValidator", "ProformaFormsAttachedValidator",
    "ProformaFormsSubmittedValidator", "UpdateIssueStatusFunction", "GenerateChangeHistoryFunction",
    "FireIssueEventFunction", "UpdateIssueFieldFunction", "IssueCreateFunction", "IssueStoreFunction",
    "IssueReindexFunction", "CreateCommentFunction", "AssignToCurrentUserFunction", "AssignToLeadFunction",
    "AssignToReporterFunction", "ClearFieldValuePostFunction", "CopyValueFromOtherFieldPostFunction",
    "SetIssueSecurityFromRoleFunction", "TriggerWebhookFunction", "UpdateIssueCustomFieldPostFunction",
    "ChangeAssigneeFunction",
}) | PERMISSION_CONDITIONS | PERMISSION_VALIDATORS

ISSUE_LEVEL = f"a transition acts on one issue, so this is issue-level access: {names.TARGET_ISSUES} after the split"
NOT_YET = " (once the site knows it)"


def short_type(t: str) -> str:
    """``com.atlassian.jira.workflow.condition.PermissionCondition`` -> ``PermissionCondition``."""
    return t.rsplit(".", 1)[-1]


@dataclass
class Where:
    """A workflow location, built up as the walk goes down."""

    workflow: str
    workflow_id: str = ""
    transition: str | None = None
    transition_id: str | None = None
    status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def text(self, tail: str) -> str:
        parts = [f"workflow '{self.workflow}'"]
        if self.status is not None:
            parts.append(f"status '{self.status}'")
        if self.transition is not None:
            parts.append(f"transition '{self.transition}'" + (f" (id {self.transition_id})" if self.transition_id else ""))
        return " › ".join(parts + [tail])

    def data(self, **more: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"workflow": self.workflow}
        if self.workflow_id:
            out["workflow_id"] = self.workflow_id
        if self.status is not None:
            out["status"] = self.status
        if self.transition is not None:
            out["transition"] = self.transition
            out["transition_id"] = self.transition_id
        out.update(self.extra)
        out.update({k: v for k, v in more.items() if v is not None})
        return out


# ---- finding builders, shared with the Data Center XML reader ---------------------------------------------
def condition_finding(w: Where, rule: str, rule_id: str | None, path: str, found: str, suggestion: str,
                      source: str) -> Finding:
    label = f"condition {rule}" + (f" (rule {rule_id})" if rule_id else "")
    return Finding("reference", "workflow-condition", w.text(label), found, suggestion,
                   w.data(rule=rule, rule_id=rule_id, path=path), source=source)


def validator_finding(w: Where, rule: str, rule_id: str | None, path: str, found: str, suggestion: str,
                      source: str) -> Finding:
    label = f"validator {rule}" + (f" (rule {rule_id})" if rule_id else "")
    return Finding("reference", "workflow-validator", w.text(label), found, suggestion,
                   w.data(rule=rule, rule_id=rule_id, path=path), source=source)


def property_finding(w: Where, key: str, value: Any, source: str) -> Finding:
    m = names.browse_property(key)
    assert m is not None
    scope = "its sub-tasks" if m.group("subtasks") else "the issue"
    where = w.text(f"property {key}")
    found = f"{key} = {value!r}: restricts who may browse {scope} in this {'status' if w.status else 'transition'}"
    suggestion = ("the restriction must apply to VIEW_ISSUES after the split, and Jira documents no property name "
                  "for it yet: keep the property, and re-test it in a test project once the site knows "
                  "VIEW_ISSUES (Cloud's current docs no longer list 'browse'; remove it if it no longer restricts)")
    return Finding("reference", "workflow-property", where, found, suggestion, w.data(property=key, value=str(value)),
                   source=source)


def unknown_rule_finding(w: Where, what: str, rule: str, rule_id: str | None, path: str, source: str) -> Finding:
    label = f"{what} {rule}" + (f" (rule {rule_id})" if rule_id else "")
    return Finding("review", "workflow-rule-unknown", w.text(label),
                   f"a {what} of a type migrate does not know ({rule}): it may check a permission",
                   "open the rule in the workflow editor; if it checks BROWSE_PROJECTS, make it check VIEW_ISSUES "
                   "once the site knows it", w.data(rule=rule, rule_id=rule_id, path=path), source=source)


def app_rule_finding(w: Where, what: str, rule: str, rule_id: str | None, path: str, source: str) -> Finding:
    label = f"{what} {rule}" + (f" (rule {rule_id})" if rule_id else "")
    return Finding("review", "workflow-app-rule", w.text(label),
                   f"an app's {what} whose configuration names BROWSE_PROJECTS",
                   "ask the app's vendor (or change its configuration) so it checks VIEW_ISSUES for issue access "
                   "once the site knows it", w.data(rule=rule, rule_id=rule_id, path=path), source=source)


def _csv_suggestion(param: str, value: str) -> str:
    return f'set {param} to "{names.replace_in_list(value)}": {ISSUE_LEVEL}{NOT_YET}'


# ---- bulk API ----------------------------------------------------------------------------------------------
def _dicts(v: Any) -> list[dict]:
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def _str(v: Any) -> str:
    return v if isinstance(v, str) else ("" if v is None else str(v))


def _bulk_rule(rule: dict, what: str, w: Where, path: str, source: str) -> Iterator[Finding]:
    key = _str(rule.get("ruleKey"))
    rid = _str(rule.get("id")) or None
    params = rule.get("parameters") if isinstance(rule.get("parameters"), dict) else {}
    if key == RESTRICT:
        value = _str(params.get("permissionKeys"))
        if any(names.is_key_or_name(k) for k in value.split(",")):
            yield condition_finding(w, key, rid, path, f'permissionKeys "{value}"',
                                    _csv_suggestion("permissionKeys", value), source)
    elif key == CHECK_PERMISSION:
        value = _str(params.get("permissionKey"))
        if names.is_key_or_name(value):
            yield validator_finding(w, key, rid, path, f'permissionKey "{value}"',
                                    f'set permissionKey to "{names.TARGET_ISSUES}": {ISSUE_LEVEL}{NOT_YET}', source)
    elif key.startswith(APP_RULE_PREFIXES):
        if any(names.mentions(v) for v in params.values()):
            yield app_rule_finding(w, what, key, rid, path, source)
    elif key not in KNOWN_RULE_KEYS and what != "post function":
        yield unknown_rule_finding(w, what, key or "(no ruleKey)", rid, path, source)


def _bulk_group(group: dict, w: Where, path: str, source: str) -> Iterator[Finding]:
    for i, rule in enumerate(_dicts(group.get("conditions"))):
        yield from _bulk_rule(rule, "condition", w, f"{path}.conditions[{i}]", source)
    for i, sub in enumerate(_dicts(group.get("conditionGroups"))):
        yield from _bulk_group(sub, w, f"{path}.conditionGroups[{i}]", source)


def bulk_workflow(wf: dict, status_names: dict[str, str], source: str = "bulk workflows API") -> list[Finding]:
    """Findings in one JiraWorkflow (with transitions). ``status_names``: statusReference -> name."""
    w = Where(_str(wf.get("name")) or "(unnamed)", _str(wf.get("id")))
    out: list[Finding] = []
    for st in _dicts(wf.get("statuses")):
        ref = _str(st.get("statusReference"))
        props = st.get("properties") if isinstance(st.get("properties"), dict) else {}
        sw = Where(w.workflow, w.workflow_id, status=status_names.get(ref, ref), extra={"status_id": ref})
        out += [property_finding(sw, k, v, source) for k, v in props.items() if names.browse_property(k)]
    for t in _dicts(wf.get("transitions")):
        tw = Where(w.workflow, w.workflow_id, transition=_str(t.get("name")), transition_id=_str(t.get("id")))
        if isinstance(t.get("conditions"), dict):
            out += _bulk_group(t["conditions"], tw, "conditions", source)
        for i, v in enumerate(_dicts(t.get("validators"))):
            out += _bulk_rule(v, "validator", tw, f"validators[{i}]", source)
        for i, a in enumerate(_dicts(t.get("actions"))):
            out += _bulk_rule(a, "post function", tw, f"actions[{i}]", source)
        props = t.get("properties") if isinstance(t.get("properties"), dict) else {}
        out += [property_finding(tw, k, v, source) for k, v in props.items() if names.browse_property(k)]
    return out


def unknown_post_functions(wf: dict) -> int:
    """Post functions of a type migrate does not know (counted, not reported: they cannot block a transition)."""
    n = 0
    for t in _dicts(wf.get("transitions")):
        for a in _dicts(t.get("actions")) + _dicts((t.get("rules") or {}).get("postFunctions")
                                                   if isinstance(t.get("rules"), dict) else []):
            key = _str(a.get("ruleKey") or a.get("type"))
            if key and key not in KNOWN_RULE_KEYS and short_type(key) not in KNOWN_LEGACY_TYPES \
                    and not key.startswith(APP_RULE_PREFIXES):
                n += 1
    return n


# ---- older API ---------------------------------------------------------------------------------------------
def legacy_permission(config: Any) -> str | None:
    """The permission a legacy rule's configuration names, if it names BROWSE_PROJECTS: the key field, or the
    pre-key ``permission`` field holding a name, short name or numeric id."""
    if not isinstance(config, dict):
        return None
    key = config.get("permissionKey")
    if names.is_key_or_name(key):
        return f'permissionKey "{key}"'
    old = config.get("permission")
    if old is not None and names.is_legacy_permission_arg(_str(old)):
        return f'permission "{old}"'
    return None


def _legacy_rule(node: dict, what: str, w: Where, path: str, source: str) -> Iterator[Finding]:
    rtype = _str(node.get("type"))
    short = short_type(rtype)
    found = legacy_permission(node.get("configuration"))
    suggestion = f'make it check {names.TARGET_ISSUES}: {ISSUE_LEVEL}{NOT_YET}'
    if short in PERMISSION_CONDITIONS and what == "condition":
        if found:
            yield condition_finding(w, rtype, None, path, found, suggestion, source)
    elif short in PERMISSION_VALIDATORS and what == "validator":
        if found:
            yield validator_finding(w, rtype, None, path, found, suggestion, source)
    elif short not in KNOWN_LEGACY_TYPES and what != "post function":
        yield unknown_rule_finding(w, what, rtype or "(no type)", None, path, source)


def _legacy_tree(node: dict, w: Where, path: str, source: str) -> Iterator[Finding]:
    if node.get("nodeType") == "compound" or isinstance(node.get("conditions"), list):
        for i, sub in enumerate(_dicts(node.get("conditions"))):
            yield from _legacy_tree(sub, w, f"{path}.conditions[{i}]", source)
    else:
        yield from _legacy_rule(node, "condition", w, path, source)


def legacy_workflow(wf: dict, source: str = "workflow search API") -> list[Finding]:
    """Findings in one Workflow of the older search (expand transitions.rules, transitions.properties,
    statuses.properties)."""
    ident = wf.get("id") if isinstance(wf.get("id"), dict) else {}
    w = Where(_str(ident.get("name")) or "(unnamed)", _str(ident.get("entityId")))
    out: list[Finding] = []
    for st in _dicts(wf.get("statuses")):
        props = st.get("properties") if isinstance(st.get("properties"), dict) else {}
        sw = Where(w.workflow, w.workflow_id, status=_str(st.get("name")) or _str(st.get("id")),
                   extra={"status_id": _str(st.get("id"))})
        out += [property_finding(sw, k, v, source) for k, v in props.items() if names.browse_property(k)]
    for t in _dicts(wf.get("transitions")):
        tw = Where(w.workflow, w.workflow_id, transition=_str(t.get("name")), transition_id=_str(t.get("id")))
        rules = t.get("rules") if isinstance(t.get("rules"), dict) else {}
        if isinstance(rules.get("conditionsTree"), dict):
            out += _legacy_tree(rules["conditionsTree"], tw, "rules.conditionsTree", source)
        for i, v in enumerate(_dicts(rules.get("validators"))):
            out += _legacy_rule(v, "validator", tw, f"rules.validators[{i}]", source)
        props = t.get("properties") if isinstance(t.get("properties"), dict) else {}
        out += [property_finding(tw, k, v, source) for k, v in props.items() if names.browse_property(k)]
    return out
