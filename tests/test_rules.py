"""The migration rule: what each holder type gets, in both modes, and how rule files fail."""

from __future__ import annotations

import json

import pytest

from migrate.errors import ConfigError
from migrate.model import ADDON_ROLE_NAME, KNOWN_HOLDER_TYPES, Grant, Holder, PermissionInfo, Scheme, SiteInfo
from migrate.plan import make_plan, plan_scheme
from migrate.rules import BROWSE_SPLIT, ISSUE_SCOPED, Rule, load_rule, resolve_rule

BOTH = ("VIEW_PROJECTS", "VIEW_ISSUES")
ISSUES = ("VIEW_ISSUES",)

# One holder of each of the 11 documented types (Cloud spelling), plus what the spec does not list.
HOLDERS: dict[str, Holder] = {
    "anyone": Holder("anyone"),
    "applicationRole": Holder("applicationRole", "jira-software", "jira-software"),
    "applicationRole (any logged-in user)": Holder("applicationRole"),
    "assignee": Holder("assignee"),
    "group": Holder("group", "jira-users", "5b10ac8d-82e4-4f5a-bf3e-2b7d3d2c6e01", extra={"group": {"name": "jira-users"}}),
    "groupCustomField": Holder("groupCustomField", "customfield_10051", "customfield_10051"),
    "projectLead": Holder("projectLead"),
    "projectRole": Holder("projectRole", "10002", "10002", extra={"projectRole": {"name": "Administrators"}}),
    "reporter": Holder("reporter"),
    "sd.customer.portal.only": Holder("sd.customer.portal.only"),
    "user": Holder("user", "5b10a2844c20165700ede21g", "5b10a2844c20165700ede21g"),
    "userCustomField": Holder("userCustomField", "customfield_10050", "customfield_10050"),
    "unknown app type": Holder("com.example.approvers", "approver-group-10400", "approver-group-10400"),
    "addon role": Holder("projectRole", "10003", "10003", extra={"projectRole": {"name": ADDON_ROLE_NAME}}),
}
ISSUE_SCOPED_NAMES = {"assignee", "reporter", "userCustomField", "groupCustomField"}

# A rule that keeps issue-scoped holders out of the project directory; still valid, still access-safe.
ISSUES_ONLY = Rule(
    name="issues-only-for-issue-scoped",
    source="BROWSE_PROJECTS",
    targets=BOTH,
    policy={ISSUE_SCOPED: ISSUES, "projectRole": ISSUES},
)


def test_table_covers_every_documented_type():
    assert {h.type for h in HOLDERS.values()} >= KNOWN_HOLDER_TYPES
    assert HOLDERS["addon role"].is_addon_role and not HOLDERS["projectRole"].is_addon_role
    assert not HOLDERS["unknown app type"].known_type


@pytest.mark.parametrize("name", sorted(HOLDERS))
def test_builtin_rule_gives_every_holder_both(name):
    assert BROWSE_SPLIT.targets_for(HOLDERS[name]) == BOTH


@pytest.mark.parametrize("name", sorted(HOLDERS))
def test_policy_rule_per_holder(name):
    if name in ISSUE_SCOPED_NAMES or name == "projectRole":
        expected = ISSUES
    else:
        expected = BOTH  # incl. the add-on role although the policy names projectRole, and unknown types
    assert ISSUES_ONLY.targets_for(HOLDERS[name]) == expected


def _one_grant_scheme(holder: Holder) -> Scheme:
    return Scheme(id=10000, name="s", grants=(Grant("BROWSE_PROJECTS", holder, id=1),))


def _ops(change):
    return sorted((o.action, o.permission) for o in change.operations)


SITE = SiteInfo(
    "https://acme.atlassian.net", "https://acme.atlassian.net", "Cloud", "1001.0.0", "Acme", "3",
    {k: PermissionInfo(k, k, "PROJECT") for k in ("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES")},
)


def _after_add(holder: Holder, rule) -> Scheme:
    """The one-grant scheme as the add plan leaves it."""
    s = _one_grant_scheme(holder)
    return Scheme(s.id, s.name, s.grants + tuple(Grant(o.permission, o.holder, id=i) for i, o in enumerate(plan_scheme(s, rule, "add").adds, 2)))


@pytest.mark.parametrize("name", sorted(HOLDERS))
def test_builtin_rule_in_both_modes(name):
    holder = HOLDERS[name]
    change = plan_scheme(_one_grant_scheme(holder), BROWSE_SPLIT, "add")
    assert _ops(change) == [("add", "VIEW_ISSUES"), ("add", "VIEW_PROJECTS")]
    # holders are copied verbatim, never rebuilt from names
    assert all(o.holder.to_request() == holder.to_request() for o in change.operations)
    # finish: nothing before the add plan, only the removal after it
    assert plan_scheme(_one_grant_scheme(holder), BROWSE_SPLIT, "finish") is None
    fin = plan_scheme(_after_add(holder, BROWSE_SPLIT), BROWSE_SPLIT, "finish")
    assert _ops(fin) == [("remove", "BROWSE_PROJECTS")] and [o.grant_id for o in fin.removes] == [1]
    assert fin.removes[0].holder.to_request() == holder.to_request()


@pytest.mark.parametrize("name", sorted(HOLDERS))
def test_policy_rule_in_both_modes(name):
    change = plan_scheme(_one_grant_scheme(HOLDERS[name]), ISSUES_ONLY, "add")
    limited = name in ISSUE_SCOPED_NAMES or name == "projectRole"
    expected = [("add", "VIEW_ISSUES")] if limited else [("add", "VIEW_ISSUES"), ("add", "VIEW_PROJECTS")]
    assert _ops(change) == sorted(expected)
    after = _after_add(HOLDERS[name], ISSUES_ONLY)
    fin = plan_scheme(after, ISSUES_ONLY, "finish")
    if limited:
        # it never holds VIEW_PROJECTS under this rule, so it keeps BROWSE_PROJECTS, and the plan says so
        assert fin is None
        notes = make_plan([after], ISSUES_ONLY, SITE, mode="finish").notes
        assert len(notes) == 1 and "keep BROWSE_PROJECTS for good: rule issues-only" in notes[0]
    else:
        assert _ops(fin) == [("remove", "BROWSE_PROJECTS")]


def test_unknown_holder_type_is_noted():
    change = plan_scheme(_one_grant_scheme(HOLDERS["unknown app type"]), BROWSE_SPLIT)
    assert any("not one Jira documents" in n for n in change.notes)


def test_holder_policy_table():
    rows = {r["holder"]: r for r in ISSUES_ONLY.holder_policy()}
    assert rows["reporter"]["targets"] == ["VIEW_ISSUES"] and "issue-scoped" in rows["reporter"]["why"]
    assert rows["projectRole"]["targets"] == ["VIEW_ISSUES"]
    assert rows["group"]["targets"] == list(BOTH)
    assert rows[f"projectRole {ADDON_ROLE_NAME}"]["targets"] == list(BOTH)
    assert all(r["targets"] == list(BOTH) for r in BROWSE_SPLIT.holder_policy())
    assert len(rows) == len(KNOWN_HOLDER_TYPES) + 2


def test_rule_json_round_trip():
    assert Rule.from_json(ISSUES_ONLY.to_json()) == ISSUES_ONLY
    assert Rule.from_json(BROWSE_SPLIT.to_json()) == BROWSE_SPLIT


# ------------------------------------------------------------------------------------- rule files

GOOD_TOML = """
name = "issues-only"
source = "BROWSE_PROJECTS"
targets = ["VIEW_PROJECTS", "VIEW_ISSUES"]
description = "issue-scoped holders only see issues"
[policy]
issue-scoped = ["VIEW_ISSUES"]
"""


def test_load_good_toml_and_json(tmp_path):
    t = tmp_path / "r.toml"
    t.write_text(GOOD_TOML)
    rule = load_rule(t)
    assert rule.policy == {ISSUE_SCOPED: ISSUES} and rule.targets == BOTH
    j = tmp_path / "r.json"
    j.write_text(json.dumps(rule.to_json()))
    assert load_rule(j) == rule
    assert resolve_rule(str(t)) == rule


def test_policy_as_single_string(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text(GOOD_TOML.replace('["VIEW_ISSUES"]', '"VIEW_ISSUES"'))
    assert load_rule(p).policy[ISSUE_SCOPED] == ISSUES


def test_empty_policy_table_is_fine(tmp_path):
    p = tmp_path / "r.toml"
    p.write_text('name = "x"\nsource = "A"\ntargets = ["B", "C"]\n[policy]\n')
    assert load_rule(p).targets_for(Holder("reporter")) == ("B", "C")


BAD_RULES = [
    ("bad.toml", 'name = "x\nsource = "A"', "not valid TOML"),
    ("bad.json", '{"name": "x", ', "not valid JSON"),
    ("list.json", '["x"]', "must be a table/object"),
    ("unknown.toml", 'colour = "red"\n' + GOOD_TOML, "unknown field(s) colour"),
    ("missing-name.toml", 'source = "A"\ntargets = ["B"]', "missing required field 'name'"),
    ("missing-targets.toml", 'name = "x"\nsource = "A"', "missing required field 'targets'"),
    ("targets-string.toml", 'name = "x"\nsource = "A"\ntargets = "B"', "'targets' must be a list"),
    ("empty-targets.toml", 'name = "x"\nsource = "A"\ntargets = []', "non-empty list"),
    ("dup-targets.toml", 'name = "x"\nsource = "A"\ntargets = ["B", "B"]', "lists a key twice"),
    ("source-target.toml", 'name = "x"\nsource = "A"\ntargets = ["A", "B"]', "cannot also be a target"),
    ("non-target.toml", 'name = "x"\nsource = "A"\ntargets = ["B"]\n[policy]\nreporter = ["C"]', "C, which is not a target"),
    ("source-in-policy.toml", 'name = "x"\nsource = "A"\ntargets = ["B"]\n[policy]\nreporter = ["A"]', "not a target"),
    ("empty-policy.toml", 'name = "x"\nsource = "A"\ntargets = ["B"]\n[policy]\nreporter = []', "grants nothing"),
    ("policy-type.toml", 'name = "x"\nsource = "A"\ntargets = ["B"]\n[policy]\nreporters = ["B"]', "does not document"),
    ("policy-not-table.toml", 'name = "x"\nsource = "A"\ntargets = ["B"]\npolicy = 3', "'policy' must be a table"),
    ("policy-ints.toml", 'name = "x"\nsource = "A"\ntargets = ["B"]\n[policy]\nreporter = [1]', "list of permission keys"),
    ("desc.toml", 'name = "x"\nsource = "A"\ntargets = ["B"]\ndescription = 3', "'description' must be a string"),
    ("name-empty.toml", 'name = ""\nsource = "A"\ntargets = ["B"]', "non-empty 'name'"),
    ("empty.toml", "", "missing required field 'name'"),
]


@pytest.mark.parametrize("filename,text,message", BAD_RULES, ids=[b[0] for b in BAD_RULES])
def test_bad_rule_files(tmp_path, filename, text, message):
    p = tmp_path / filename
    p.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_rule(p)
    assert message in e.value.message
    assert str(p) in e.value.message  # the user is told which file


def test_rule_file_not_utf8(tmp_path):
    p = tmp_path / "r.toml"
    p.write_bytes(b"name = \"\xff\"")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_rule(p)


def test_missing_rule_file_and_unknown_name(tmp_path):
    with pytest.raises(ConfigError, match="rule file .*nope.toml does not exist"):
        resolve_rule(str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match="cannot read rule file"):
        resolve_rule(str(tmp_path))  # a directory
    with pytest.raises(ConfigError, match="unknown rule 'nope'") as e:
        resolve_rule("nope")
    assert "browse-split" in e.value.hint


def test_resolve_default_and_builtin():
    assert resolve_rule(None) is BROWSE_SPLIT
    assert resolve_rule("browse-split") is BROWSE_SPLIT
