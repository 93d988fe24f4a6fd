"""The planner on hand-written schemes: the cases a real site has."""

from __future__ import annotations

import pytest

from migrate.model import ADDON_ROLE_NAME, Grant, Holder, PermissionInfo, Scheme, SiteInfo
from migrate.plan import Operation, SchemeChange, make_plan, plan_scheme
from migrate.rules import BROWSE_SPLIT, ISSUE_SCOPED, Rule

B, VP, VI = "BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"

GROUP = Holder("group", "jira-users", "0f1e2d3c-aaaa-bbbb-cccc-000000000001")
DEVS = Holder("group", "developers", "0f1e2d3c-aaaa-bbbb-cccc-000000000002")
REPORTER = Holder("reporter")
ADDON = Holder("projectRole", "10003", "10003", extra={"projectRole": {"name": ADDON_ROLE_NAME}})
ANY_USER = Holder("applicationRole")
SOFTWARE = Holder("applicationRole", "jira-software", "jira-software")


def scheme(*grants: tuple[str, Holder], sid: int = 10000, name: str = "Scheme") -> Scheme:
    return Scheme(id=sid, name=name, grants=tuple(Grant(p, h, id=i + 1) for i, (p, h) in enumerate(grants)))


def site(known=(B, VP, VI)) -> SiteInfo:
    return SiteInfo(
        url="https://acme.atlassian.net",
        base_url="https://acme.atlassian.net",
        deployment_type="Cloud",
        version="1001.0.0",
        server_title="Acme",
        api_version="3",
        permissions={k: PermissionInfo(k, k.title(), "PROJECT") for k in known},
    )


def ops(change: SchemeChange | None) -> list[tuple]:
    if change is None:
        return []
    return [(o.action, o.permission, o.holder.identity, o.grant_id) for o in change.operations]


def test_plain_scheme_add_mode():
    s = scheme((B, GROUP), ("CREATE_ISSUES", GROUP), (B, ADDON))
    c = plan_scheme(s, BROWSE_SPLIT, "add", projects=["ZED", "ABC"])
    assert ops(c) == [
        ("add", VP, GROUP.identity, None),
        ("add", VI, GROUP.identity, None),
        ("add", VP, ADDON.identity, None),
        ("add", VI, ADDON.identity, None),
    ]
    assert c.projects == ("ABC", "ZED")
    assert c.fingerprint == s.fingerprint and c.before == s.grants
    assert len(c.after()) == 7 and c.after()[:3] == s.grants


@pytest.mark.parametrize("mode", ["add", "finish"])
def test_already_migrated_scheme_needs_nothing(mode):
    done = scheme((VP, GROUP), (VI, GROUP), ("CREATE_ISSUES", GROUP))
    assert plan_scheme(done, BROWSE_SPLIT, mode) is None
    if mode == "add":  # add mode leaves the source in place once both targets exist
        assert plan_scheme(scheme((B, GROUP), (VP, GROUP), (VI, GROUP)), BROWSE_SPLIT, mode) is None


def test_finish_on_added_scheme_only_removes():
    s = scheme((B, GROUP), (VP, GROUP), (VI, GROUP))
    assert ops(plan_scheme(s, BROWSE_SPLIT, "finish")) == [("remove", B, GROUP.identity, 1)]


@pytest.mark.parametrize("present,missing", [(VP, VI), (VI, VP)])
def test_partial_targets_only_add_the_missing_one(present, missing):
    s = scheme((B, GROUP), (present, GROUP))
    assert ops(plan_scheme(s, BROWSE_SPLIT, "add")) == [("add", missing, GROUP.identity, None)]


def test_targets_of_another_holder_do_not_count():
    s = scheme((B, GROUP), (VP, DEVS), (VI, DEVS))
    assert [o[1] for o in ops(plan_scheme(s, BROWSE_SPLIT))] == [VP, VI]


def test_duplicate_source_grants():
    s = scheme((B, GROUP), (B, GROUP), (B, REPORTER))
    add = plan_scheme(s, BROWSE_SPLIT, "add")
    assert len(add.adds) == 4 and len({o.key for o in add.adds}) == 4  # no duplicate adds
    # once the targets are there, each source grant is its own DELETE
    done = scheme((B, GROUP), (B, GROUP), (B, REPORTER), (VP, GROUP), (VI, GROUP), (VP, REPORTER), (VI, REPORTER))
    fin = plan_scheme(done, BROWSE_SPLIT, "finish")
    assert sorted(o.grant_id for o in fin.removes) == [1, 2, 3]
    assert not any(g.permission == B for g in fin.after())


def test_finish_removes_only_for_holders_holding_both():
    issues_only = Rule("r", B, (VP, VI), policy={ISSUE_SCOPED: (VI,)})
    s = scheme((B, GROUP), (B, REPORTER), (B, ADDON), (VP, GROUP), (VI, GROUP), (VP, ADDON), (VI, ADDON), (VI, REPORTER), sid=1)
    c = plan_scheme(s, issues_only, "finish")
    assert not c.adds
    removed = {o.holder.identity for o in c.removes}
    assert removed == {GROUP.identity, ADDON.identity}
    assert (B, REPORTER.identity) in c.after_keys()
    assert any("reporter keeps BROWSE_PROJECTS: it would not hold VIEW_PROJECTS" in n for n in c.notes)


@pytest.mark.parametrize("rule", [BROWSE_SPLIT, Rule("r", B, (VP, VI), policy={ISSUE_SCOPED: (VI,)})])
def test_finish_never_adds_and_leaves_holders_waiting_for_the_add_plan(rule):
    # the reporter holds VIEW_PROJECTS only: finish neither adds VIEW_ISSUES nor removes its source
    s = scheme((B, REPORTER), (VP, REPORTER), (B, GROUP), (VP, GROUP), (VI, GROUP))
    c = plan_scheme(s, rule, "finish")
    assert ops(c) == [("remove", B, GROUP.identity, 3)]
    assert c.notes == ("reporter keeps BROWSE_PROJECTS: it does not hold VIEW_ISSUES yet (run the add plan first)",)
    # nothing to remove at all: no change, but the plan says why
    waiting = scheme((B, REPORTER), (B, GROUP), sid=2, name="Waiting")
    assert plan_scheme(waiting, rule, "finish") is None
    p = make_plan([s, waiting], rule, site(), mode="finish")
    assert [c.scheme_id for c in p.changes] == [10000] and p.unchanged == (2,)
    assert len(p.notes) == 1 and "run the add plan first" in p.notes[0]
    assert "scheme 2 'Waiting': group: jira-users, reporter" in p.notes[0]
    assert "3 holder(s) on 2 scheme(s)" in p.notes[0]
    assert not make_plan([s, waiting], rule, site(), mode="add").notes


def test_dc_holders_without_value():
    dc_group = Holder("group", "jira-software-users", None, extra={"group": {"name": "jira-software-users"}})
    dc_role = Holder("projectRole", "10002", None)
    dc_user = Holder("user", "JIRAUSER10001", None)
    s = scheme((B, dc_group), (B, dc_role), (B, dc_user), (VP, Holder("group", "jira-software-users")))
    c = plan_scheme(s, BROWSE_SPLIT, "add")
    # identity falls back to the parameter: the existing VIEW_PROJECTS grant for the group counts
    assert dc_group.identity == ("group", "jira-software-users")
    assert sorted((o.permission, o.holder.identity) for o in c.adds) == sorted(
        [(VI, dc_group.identity), (VP, dc_role.identity), (VI, dc_role.identity), (VP, dc_user.identity), (VI, dc_user.identity)]
    )
    # and the holder is sent back as it came: no invented value
    assert all("value" not in o.holder.to_request() for o in c.adds)


def test_application_role_with_and_without_parameter():
    # identity (applicationRole, None) next to (applicationRole, "jira-software") must not break sorting
    s = scheme((B, SOFTWARE), (B, ANY_USER), (B, SOFTWARE))
    c = plan_scheme(s, BROWSE_SPLIT, "add")
    assert len(c.adds) == 4
    assert {o.holder.identity for o in c.adds} == {ANY_USER.identity, SOFTWARE.identity}
    done = scheme((B, SOFTWARE), (B, ANY_USER), (B, SOFTWARE), (VP, SOFTWARE), (VI, SOFTWARE), (VP, ANY_USER), (VI, ANY_USER))
    assert len(plan_scheme(done, BROWSE_SPLIT, "finish").removes) == 3


@pytest.mark.parametrize("mode", ["add", "finish"])
def test_scheme_without_source(mode):
    assert plan_scheme(scheme(("CREATE_ISSUES", GROUP), (VP, REPORTER)), BROWSE_SPLIT, mode) is None
    assert plan_scheme(Scheme(id=1, name="empty"), BROWSE_SPLIT, mode) is None


def test_source_grant_without_id_is_not_removed():
    s = Scheme(id=1, name="s", grants=(Grant(B, GROUP), Grant(VP, GROUP, id=2), Grant(VI, GROUP, id=3)))
    # a DELETE needs the grant's id; without one the grant stays (and nothing else is left to do)
    assert plan_scheme(s, BROWSE_SPLIT, "finish") is None


def test_add_mode_never_removes_and_finish_mode_never_adds():
    s = scheme((B, GROUP), (B, DEVS), (VP, DEVS), (VI, DEVS))
    assert {o.action for o in plan_scheme(s, BROWSE_SPLIT, "add").operations} == {"add"}
    assert {o.action for o in plan_scheme(s, BROWSE_SPLIT, "finish").operations} == {"remove"}


def test_unknown_mode():
    with pytest.raises(ValueError, match="unknown mode"):
        plan_scheme(scheme((B, GROUP)), BROWSE_SPLIT, "delete")
    with pytest.raises(ValueError, match="unknown mode"):
        make_plan([], BROWSE_SPLIT, site(), mode="delete")


def test_make_plan_totals_and_projects():
    schemes = [
        scheme((B, GROUP), sid=3, name="c"),
        scheme((VP, GROUP), sid=1, name="a"),
        scheme((B, GROUP), (B, ADDON), sid=2, name="b"),
    ]
    p = make_plan(schemes, BROWSE_SPLIT, site(), projects_by_scheme={2: ["P1", "P2"], 3: ["P2", "P3"], 1: ["P9"]})
    assert [c.scheme_id for c in p.changes] == [2, 3]
    assert p.unchanged == (1,)
    assert p.totals == {
        "schemes_changed": 2,
        "schemes_unchanged": 1,
        "grants_added": 6,
        "grants_removed": 0,
        "projects_affected": 3,
    }
    assert p.applicable and not p.empty and p.meta["projects_mapped"] is True
    assert p.change_for(3).projects == ("P2", "P3") and p.change_for(1) is None
    assert make_plan(schemes, BROWSE_SPLIT, site()).meta["projects_mapped"] is False


def test_make_plan_on_a_site_without_the_new_keys():
    p = make_plan([scheme((B, GROUP))], BROWSE_SPLIT, site(known=(B,)))
    assert p.missing_keys == (VP, VI) and not p.applicable
    assert p.changes and "apply is not possible" in p.notes[0]


def test_select_schemes():
    from migrate.errors import ConfigError
    from migrate.plan import select_schemes

    ss = [scheme(sid=3, name="Équipe Montréal"), scheme(sid=1, name="Default"), scheme(sid=2, name="1")]
    assert [s.id for s in select_schemes(ss, ["1"])] == [1]  # an id wins over a name made of digits
    assert [s.id for s in select_schemes(ss, ["2", "Default"])] == [1, 2]  # in the site's order, by id
    assert [s.id for s in select_schemes(ss, [" équipe montréal ", "3"])] == [3]
    for bad in ("²", "--1", "9" * 5000, "Defaul"):
        with pytest.raises(ConfigError, match="no permission scheme"):
            select_schemes(ss, [bad])


def test_after_state():
    c = plan_scheme(scheme((B, GROUP), ("EDIT_ISSUES", GROUP), (VP, GROUP), (VI, GROUP)), BROWSE_SPLIT, "finish")
    assert sorted(g.permission for g in c.after()) == sorted(["EDIT_ISSUES", VP, VI])
    assert c.after_fingerprint != c.fingerprint


def test_operation_json_round_trip_and_validation():
    o = Operation("remove", B, GROUP, grant_id=5)
    assert Operation.from_json(o.to_json()) == o
    with pytest.raises(ValueError, match="needs the grant_id"):
        Operation.from_json({"action": "remove", "permission": B, "holder": {"type": "anyone"}})
    with pytest.raises(ValueError):
        Operation.from_json({"action": "put", "permission": B, "holder": {"type": "anyone"}})
