"""The dry-run view: per holder gains and losses, totals, JSON, plain text; cross-checked with deepdiff."""

from __future__ import annotations

import json

from deepdiff import DeepDiff
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.diff import ADD, REMOVE, WARN, diff_change, diff_lines, diff_plan, diff_to_json, render_text
from migrate.model import ADDON_ROLE_NAME, Grant, Holder, PermissionInfo, Scheme, SiteInfo
from migrate.plan import make_plan, plan_scheme
from migrate.planfile import load_plan, save_plan
from migrate.rules import BROWSE_SPLIT, ISSUE_SCOPED, Rule

B, VP, VI = "BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"
GROUP = Holder("group", "jira-users", "uuid-1", extra={"group": {"name": "jira-users"}})
ADDON = Holder("projectRole", "10003", "10003", extra={"projectRole": {"name": ADDON_ROLE_NAME}})
REPORTER = Holder("reporter")
ANY_USER = Holder("applicationRole")


def site(known=(B, VP, VI)) -> SiteInfo:
    return SiteInfo(
        url="http://127.0.0.1:8080",
        base_url="http://127.0.0.1:8080",
        deployment_type="Cloud",
        version="1001.0.0",
        server_title="Acme (sandbox demo)",
        api_version="3",
        permissions={k: PermissionInfo(k, k, "PROJECT") for k in known},
    )


def grants(*pairs):
    return tuple(Grant(p, h, id=i + 1) for i, (p, h) in enumerate(pairs))


DEFAULT = Scheme(
    10000,
    "Default Permission Scheme",
    grants((B, GROUP), ("CREATE_ISSUES", GROUP), ("ADD_COMMENTS", GROUP), (B, ADDON), (B, REPORTER), (VI, REPORTER), (B, ANY_USER), (VP, ANY_USER), (VI, ANY_USER)),
)
UNUSED = Scheme(10001, "Unused", grants(("CREATE_ISSUES", GROUP)))


def added(s: Scheme, rule=BROWSE_SPLIT) -> Scheme:
    """The scheme as the add plan leaves it: a finish plan is made from there."""
    adds = plan_scheme(s, rule, "add").adds
    n = max(g.id for g in s.grants)
    return Scheme(s.id, s.name, s.grants + tuple(Grant(o.permission, o.holder, id=n + i) for i, o in enumerate(adds, 1)))


DEFAULT_ADDED = added(DEFAULT)


def plan_of(*schemes, mode="add", rule=BROWSE_SPLIT, projects={10000: ["ABC", "DEF"]}, known=(B, VP, VI)):
    return make_plan(schemes, rule, site(known), mode=mode, projects_by_scheme=projects, created_at="2025-06-01T12:00:00+00:00", tool_version="0.1.0")


def holders_by_display(sd):
    return {h.holder.display: h for h in sd.holders}


def test_add_mode_per_holder():
    d = diff_plan(plan_of(DEFAULT, UNUSED))
    (s,) = d.schemes
    h = holders_by_display(s)
    assert set(h) == {"group: jira-users", f"projectRole: {ADDON_ROLE_NAME}", "reporter"}  # any-user needs nothing
    assert h["group: jira-users"].gains == (VP, VI) and h["group: jira-users"].loses == ()
    assert h["group: jira-users"].kept == (B,) and h["group: jira-users"].other_unchanged == 2
    assert h[f"projectRole: {ADDON_ROLE_NAME}"].gains == (VP, VI)
    assert h["reporter"].gains == (VP,) and h["reporter"].kept == (VI, B) and h["reporter"].gains_one_target
    assert s.unchanged_holders == 1 and s.projects == ("ABC", "DEF")
    assert (s.grants_added, s.grants_removed, s.grants_before, s.grants_after) == (5, 0, 9, 14)
    assert d.totals == {
        "schemes_changed": 1,
        "schemes_unchanged": 1,
        "grants_added": 5,
        "grants_removed": 0,
        "projects_affected": 2,
        "holders_changed": 3,
        "holders_gaining_one_target": 1,
        "holders_without_all_targets": 0,
    }
    assert d.applicable and not d.empty


def test_finish_mode_per_holder():
    d = diff_plan(plan_of(DEFAULT_ADDED, mode="finish"))
    h = holders_by_display(d.schemes[0])
    assert h["group: jira-users"].gains == () and h["group: jira-users"].loses == (B,)
    assert h["group: jira-users"].kept == (VP, VI)
    assert h["applicationRole: any logged-in user"].gains == () and h["applicationRole: any logged-in user"].loses == (B,)
    assert d.totals["grants_removed"] == 4


def test_policy_holders_without_all_targets():
    rule = Rule("r", B, (VP, VI), policy={ISSUE_SCOPED: (VI,)})
    s = Scheme(1, "s", grants((B, Holder("assignee")), (B, GROUP)))
    d = diff_plan(plan_of(s, mode="add", rule=rule))
    h = holders_by_display(d.schemes[0])
    assert h["assignee"].gains == (VI,) and h["assignee"].loses == ()
    assert h["assignee"].without_all_targets and h["assignee"].gains_one_target
    assert not h["group: jira-users"].without_all_targets
    assert d.totals["holders_without_all_targets"] == 1
    text = render_text(d)
    assert "! ends without VIEW_PROJECTS" in text and "keep BROWSE_PROJECTS" in text
    # and the finish plan made after it leaves the assignee's BROWSE_PROJECTS, saying why
    fin = diff_plan(plan_of(added(s, rule), mode="finish", rule=rule))
    assert [x.holder.display for x in fin.schemes[0].holders] == ["group: jira-users"]
    assert "keep BROWSE_PROJECTS for good" in render_text(fin)


def test_duplicate_source_grants_are_counted():
    s = Scheme(1, "dup", grants((B, GROUP), (B, GROUP), (VP, GROUP), (VI, GROUP)))
    d = diff_plan(plan_of(s, mode="finish"))
    (h,) = d.schemes[0].holders
    assert h.loses == (B,) and h.removed_grants == 2
    assert d.totals["grants_removed"] == 2
    assert "- BROWSE_PROJECTS (2 grants)" in render_text(d)


def test_removing_one_of_two_duplicates_is_shown():
    # a grant without an id cannot be deleted, so only its twin goes: the holder keeps the permission
    s = Scheme(1, "dup", (Grant(B, GROUP, id=1), Grant(B, GROUP), Grant(VP, GROUP, id=2), Grant(VI, GROUP, id=3)))
    d = diff_plan(plan_of(s, mode="finish"))
    (h,) = d.schemes[0].holders
    assert h.loses == () and h.duplicates_removed == (B,) and h.removed_grants == 1
    assert "- BROWSE_PROJECTS (a duplicate grant; the permission stays)" in render_text(d)
    assert diff_to_json(d)["schemes"][0]["holders"][0]["duplicates_removed"] == [B]


def test_projects_not_mapped():
    d = diff_plan(plan_of(DEFAULT, projects=None))
    assert d.totals["projects_affected"] is None and d.projects_mapped is False
    text = render_text(d)
    assert "~ scheme 10000 'Default Permission Scheme'\n" in text and "projects affected" not in text
    assert diff_to_json(d)["totals"]["projects_affected"] is None


def test_scheme_used_by_no_project():
    d = diff_plan(plan_of(DEFAULT, projects={}))
    assert "(no project uses it)" in render_text(d)


def test_site_without_new_keys():
    d = diff_plan(plan_of(DEFAULT, known=(B,)))
    assert not d.applicable and d.missing_keys == (VP, VI)
    j = diff_to_json(d)
    assert j["applicable"] is False and "apply is not possible" in j["apply_blocked_reason"]
    assert j["changes_pending"] is True
    assert (WARN, "! apply is not possible on this site: it does not know VIEW_PROJECTS, VIEW_ISSUES") in diff_lines(d)


def test_empty_plan():
    done = Scheme(1, "done", grants((VP, GROUP), (VI, GROUP)))
    d = diff_plan(plan_of(done))
    assert d.empty and d.totals["schemes_changed"] == 0
    assert "No changes" in render_text(d)
    assert diff_to_json(d)["changes_pending"] is False


def test_text_rendering():
    text = render_text(diff_plan(plan_of(DEFAULT_ADDED, UNUSED, mode="finish")))
    assert text.endswith("\n") and "\x1b" not in text
    assert text.splitlines()[0] == "migrate plan: rule browse-split (BROWSE_PROJECTS -> VIEW_PROJECTS + VIEW_ISSUES), mode finish"
    block = text[text.index("~ scheme 10000") :]
    assert block.startswith("~ scheme 10000 'Default Permission Scheme' (used by 2 projects: ABC, DEF)\n")
    assert "    group: jira-users\n      - BROWSE_PROJECTS\n        = VIEW_PROJECTS, VIEW_ISSUES, 2 other permissions unchanged\n" in block
    assert "= 1 scheme needs no change" in text
    assert "Plan: 1 scheme to change, 2 projects affected: 0 grants to add, 4 grants to remove (4 holders)." in text


def test_lines_carry_kinds_for_colouring():
    lines = diff_lines(diff_plan(plan_of(DEFAULT, mode="add"))) + diff_lines(diff_plan(plan_of(DEFAULT_ADDED, mode="finish")))
    assert {k for k, _ in lines} >= {ADD, REMOVE}
    assert all(t.lstrip().startswith("+") for k, t in lines if k == ADD)
    assert all(t.lstrip().startswith("-") for k, t in lines if k == REMOVE)


def test_json_shape():
    j = diff_to_json(diff_plan(plan_of(DEFAULT_ADDED, mode="finish")))
    json.dumps(j)  # serialisable as is
    assert j["kind"] == "migrate-diff" and j["mode"] == "finish"
    assert j["rule"] == {"name": "browse-split", "source": B, "targets": [VP, VI]}
    s = j["schemes"][0]
    assert s["id"] == 10000 and s["projects"] == ["ABC", "DEF"]
    addon = next(h for h in s["holders"] if h["addon_role"])
    assert addon["holder"] == {"type": "projectRole", "parameter": "10003", "value": "10003"}
    assert addon["gains"] == [] and addon["loses"] == [B] and addon["targets_after"] == [VP, VI]


def test_show_of_a_saved_plan_renders_the_same(tmp_path):
    p = plan_of(DEFAULT_ADDED, UNUSED, mode="finish")
    loaded = load_plan(save_plan(p, directory=tmp_path))
    assert render_text(diff_plan(loaded)) == render_text(diff_plan(p))
    assert diff_to_json(diff_plan(loaded)) == diff_to_json(diff_plan(p))


# ------------------------------------------------------------------- deepdiff as an independent oracle

PERMS = (B, VP, VI, "CREATE_ISSUES")
HOLDERS = (GROUP, ADDON, REPORTER, ANY_USER, Holder("group", "devs", "uuid-2"), Holder("user", "acc-1", "acc-1"))


@st.composite
def schemes(draw):
    pairs = draw(st.lists(st.tuples(st.sampled_from(PERMS), st.sampled_from(HOLDERS)), max_size=20))
    return Scheme(1, "s", grants(*pairs))


@settings(max_examples=100, deadline=None)
@given(schemes(), st.sampled_from(["add", "finish"]))
def test_diff_agrees_with_deepdiff(s, mode):
    p = plan_of(s, mode=mode)
    if p.empty:
        return
    change = p.changes[0]
    sd = diff_change(change, BROWSE_SPLIT)
    dd = DeepDiff({g.key for g in change.before}, {g.key for g in change.after()}, view="tree")
    added = {lvl.t2 for lvl in dd.get("set_item_added", [])}
    removed = {lvl.t1 for lvl in dd.get("set_item_removed", [])}
    assert added == {(perm, h.holder.identity) for h in sd.holders for perm in h.gains}
    assert removed == {(perm, h.holder.identity) for h in sd.holders for perm in h.loses}
    assert sd.grants_added == len(change.adds) and sd.grants_removed == len(change.removes)


# ------------------------------------------------- any change, not only the planner's: the outcomes' cache

from collections import Counter  # noqa: E402

from migrate.diff import _OUTCOME_FIELDS, _holder_outcome, _HolderFacts, _perm_order  # noqa: E402
from migrate.plan import Operation, Plan, SchemeChange  # noqa: E402

ANY_PERMS = PERMS + ("ADD_COMMENTS", "EDIT_ISSUES")


@st.composite
def any_changes(draw, sid: int):
    """A scheme change with any operations: adds of any permission, removes of any before grant (duplicates
    included), so that permissions outside the rule change too."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(ANY_PERMS), st.sampled_from(HOLDERS)), max_size=16))
    before = grants(*pairs)
    removed = draw(st.lists(st.sampled_from(before), unique=True)) if before else []
    adds = draw(st.lists(st.tuples(st.sampled_from(ANY_PERMS), st.sampled_from(HOLDERS)), max_size=6))
    ops = tuple(Operation("add", p, h) for p, h in adds) + tuple(
        Operation("remove", g.permission, g.holder, grant_id=g.id) for g in removed
    )
    return SchemeChange(scheme_id=sid, scheme_name=f"s{sid}", fingerprint="", before=before, operations=ops)


def _counts(grants_) -> dict:
    out: dict = {}
    for g in grants_:
        out.setdefault(g.holder.identity, Counter())[g.permission] += 1
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=5).flatmap(lambda ns: st.tuples(*(any_changes(i) for i in range(len(ns))))),
       st.sampled_from([BROWSE_SPLIT, Rule("issues-only", B, (VI,))]))
def test_each_holders_outcome_is_worked_out_from_its_own_before_and_after(changes, rule):
    """What diff_change says of a holder is what its whole before and after give (_holder_outcome), even
    though it reuses outcomes across holders and schemes by a smaller pattern."""
    facts = _HolderFacts()  # shared, as diff_plan shares it
    for c in changes:
        sd = diff_change(c, rule, facts)
        before, after = _counts(c.before), _counts(c.after())
        expected = {}
        for ident in before.keys() | after.keys():
            b, a = dict(before.get(ident, {})), dict(after.get(ident, {}))
            if a != b:
                expected[ident] = _holder_outcome(b, a, rule, _perm_order(rule), set(rule.targets) | {rule.source})
        got = {h.holder.identity: tuple(getattr(h, f) for f in _OUTCOME_FIELDS) for h in sd.holders}
        assert got == expected
        assert sd.grants_after == len(c.after()) and sd.grants_before == len(c.before)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=0, max_size=4).flatmap(lambda ns: st.tuples(*(any_changes(i) for i in range(len(ns))))),
       st.sampled_from(["add", "finish"]))
def test_plain_text_is_the_lines_joined(changes, mode):
    """render_text makes each outcome's lines once; it gives exactly the text of diff_lines."""
    plan = Plan(site=site().identity, rule=BROWSE_SPLIT, mode=mode, changes=tuple(changes), unchanged=(7,),
                created_at="2025-06-01T12:00:00+00:00", tool_version="0.1.0", meta={"projects_mapped": False})
    d = diff_plan(plan)
    assert render_text(d) == "\n".join(text for _, text in diff_lines(d)) + "\n"


def test_holders_that_differ_only_in_what_they_keep_get_their_own_outcome():
    """Same gains and losses, but one keeps a rule permission and the other a permission outside the rule:
    the outcomes' cache must tell them apart."""
    dev = Holder("group", "devs", "uuid-2")
    before = grants((B, GROUP), (VP, GROUP), (B, dev), ("CREATE_ISSUES", dev))
    ops = (Operation("add", VI, GROUP), Operation("add", VI, dev),
           Operation("remove", B, GROUP, grant_id=1), Operation("remove", B, dev, grant_id=3))
    sd = diff_change(SchemeChange(1, "s", "", before, ops), BROWSE_SPLIT)
    by = {h.holder.identity: h for h in sd.holders}
    assert (by[GROUP.identity].kept, by[GROUP.identity].other_unchanged) == ((VP,), 0)
    assert (by[dev.identity].kept, by[dev.identity].other_unchanged) == ((), 1)
