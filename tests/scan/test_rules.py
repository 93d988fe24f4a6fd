"""Workflow rule walking in both Cloud APIs' shapes: (workflow JSON, expected findings) tables, and no
exception for any JSON at all."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.scan import rules


def bulk(transition: dict | None = None, statuses: list | None = None) -> dict:
    return {"id": "wf-1", "name": "WF", "statuses": statuses or [],
            "transitions": [{"id": "21", "name": "Go", **(transition or {})}]}


def rule(key: str, **params: str) -> dict:
    return {"id": "r1", "ruleKey": key, "parameters": params}


def kinds(findings) -> list[tuple[str, str]]:
    return [(f.category, f.kind) for f in findings]


BULK = [
    pytest.param({"conditions": {"operation": "ALL", "conditions": [rule(rules.RESTRICT, permissionKeys="BROWSE_PROJECTS")]}},
                 [("reference", "workflow-condition")], id="restrict"),
    pytest.param({"conditions": {"operation": "ALL", "conditions": [], "conditionGroups": [
        {"operation": "ANY", "conditions": [], "conditionGroups": [
            {"operation": "ALL", "conditions": [rule(rules.RESTRICT, permissionKeys="EDIT_ISSUES,BROWSE_PROJECTS")]}]}]}},
                 [("reference", "workflow-condition")], id="nested-twice-comma-list"),
    pytest.param({"validators": [rule(rules.CHECK_PERMISSION, permissionKey="BROWSE_PROJECTS")]},
                 [("reference", "workflow-validator")], id="validator"),
    pytest.param({"validators": [rule(rules.CHECK_PERMISSION, permissionKey="Browse Projects")]},
                 [("reference", "workflow-validator")], id="validator-display-name"),
    pytest.param({"properties": {"jira.permission.browse.group": "devs"}}, [("reference", "workflow-property")],
                 id="transition-property"),
    pytest.param({"conditions": {"conditions": [rule("com.acme:quorum", quorum="2")]}},
                 [("review", "workflow-rule-unknown")], id="unknown-condition"),
    pytest.param({"validators": [rule("forge:expression-validator", config='{"expr":"BROWSE_PROJECTS"}')]},
                 [("review", "workflow-app-rule")], id="app-rule-mentioning-the-key"),
]
NOTHING = [
    pytest.param({"conditions": {"conditions": [rule(rules.RESTRICT, permissionKeys="EDIT_ISSUES", roleIds="10002")]}},
                 id="other-permission"),
    pytest.param({"conditions": {"conditions": [rule(rules.RESTRICT)]}}, id="restrict-without-parameters"),
    pytest.param({"validators": [rule(rules.CHECK_PERMISSION, permissionKey="BROWSE_PROJECTS_ARCHIVE")]}, id="lookalike"),
    pytest.param({"actions": [rule("system:update-field", field="x", value="BROWSE_PROJECTS")]}, id="post-function-text"),
    pytest.param({"actions": [rule("com.acme:notify")]}, id="unknown-post-function-is-only-counted"),
    pytest.param({"validators": [rule("forge:expression-validator", config='{"expr":"issue.isEditable"}')]},
                 id="app-rule-not-mentioning"),
    pytest.param({"description": "needs BROWSE_PROJECTS", "properties": {"jira.permission.edit.group": "x"}},
                 id="prose-and-other-property"),
]


@pytest.mark.parametrize("transition,expected", BULK)
def test_bulk_finds(transition, expected):
    assert kinds(rules.bulk_workflow(bulk(transition), {})) == expected


@pytest.mark.parametrize("transition", NOTHING)
def test_bulk_finds_nothing(transition):
    assert rules.bulk_workflow(bulk(transition), {}) == []


def test_bulk_locations_and_suggestions():
    wf = bulk({"conditions": {"conditions": [], "conditionGroups": [
        {"conditions": [rule(rules.RESTRICT, permissionKeys="ADMINISTER_PROJECTS,BROWSE_PROJECTS")]}]}},
        statuses=[{"statusReference": "3", "properties": {"jira.permission.subtasks.browse.projectrole": "10002"}}])
    status, cond = rules.bulk_workflow(wf, {"3": "In Review"})
    assert status.where == "workflow 'WF' › status 'In Review' › property jira.permission.subtasks.browse.projectrole"
    assert cond.location == {"workflow": "WF", "workflow_id": "wf-1", "transition": "Go", "transition_id": "21",
                             "rule": rules.RESTRICT, "rule_id": "r1", "path": "conditions.conditionGroups[0].conditions[0]"}
    assert 'permissionKeys to "ADMINISTER_PROJECTS,VIEW_ISSUES"' in cond.suggestion
    assert rules.unknown_post_functions(bulk({"actions": [rule("com.acme:notify"), rule("system:update-field")]})) == 1


def legacy(rules_: dict | None = None, properties: dict | None = None) -> dict:
    return {"id": {"name": "WF", "entityId": "e1"}, "description": "",
            "transitions": [{"id": "21", "name": "Go", "from": [], "to": "3", "type": "directed",
                             "rules": rules_ or {}, "properties": properties or {}}]}


def simple(t: str, **config) -> dict:
    return {"nodeType": "simple", "type": t, "configuration": config}


LEGACY = [
    pytest.param({"conditionsTree": simple("PermissionCondition", permissionKey="BROWSE_PROJECTS")},
                 [("reference", "workflow-condition")], id="condition"),
    pytest.param({"conditionsTree": {"nodeType": "compound", "operator": "AND", "conditions": [
        simple("InProjectRoleCondition", projectRoleId="10002"),
        {"nodeType": "compound", "operator": "OR", "conditions": [simple("PermissionCondition", permission="Browse Projects")]}]}},
                 [("reference", "workflow-condition")], id="nested-old-name-form"),
    pytest.param({"validators": [{"type": "PermissionValidator", "configuration": {"permissionKey": "BROWSE_PROJECTS"}}]},
                 [("reference", "workflow-validator")], id="validator"),
    pytest.param({"validators": [{"type": "com.acme.jira.CustomValidator"}]}, [("review", "workflow-rule-unknown")],
                 id="unknown-validator"),
    pytest.param({"conditionsTree": simple("PermissionCondition")}, [], id="condition-without-configuration"),
    pytest.param({"postFunctions": [{"type": "UpdateIssueFieldFunction", "configuration": {"fieldValue": "BROWSE_PROJECTS"}}]},
                 [], id="post-function-text"),
]


@pytest.mark.parametrize("rules_,expected", LEGACY)
def test_legacy(rules_, expected):
    assert kinds(rules.legacy_workflow(legacy(rules_))) == expected


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
                           max_leaves=30)
shaped = st.fixed_dictionaries({}, optional={
    "name": json_values, "id": json_values, "statuses": json_values, "transitions": st.lists(
        st.fixed_dictionaries({}, optional={k: json_values for k in ("conditions", "validators", "actions", "rules",
                                                                      "properties", "name", "id")}), max_size=3)})


@settings(max_examples=300)
@given(wf=st.one_of(shaped, json_values))
def test_any_json_is_walked_without_an_exception(wf):
    if isinstance(wf, dict):
        rules.bulk_workflow(wf, {})
        rules.legacy_workflow(wf)
        rules.unknown_post_functions(wf)
