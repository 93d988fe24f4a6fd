"""Property tests for the planner: over random schemes, the plan preserves access, touches only the rule's
keys, never duplicates a grant, is idempotent, and survives the plan file."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.model import ADDON_ROLE_NAME, Grant, Holder, PermissionInfo, Scheme, SiteInfo, fingerprint_grants
from migrate.plan import Plan, SchemeChange, _plan_scheme, kept_sources, make_plan, plan_scheme
from migrate.planfile import encode_plan, encode_plan_doc, load_plan, plan_from_json, plan_to_json, save_plan
from migrate.rules import BROWSE_SPLIT, ISSUE_SCOPED, Rule

B, VP, VI = "BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"
OTHER = ("CREATE_ISSUES", "ADMINISTER_PROJECTS", "ADD_COMMENTS")
PERMS = (B, VP, VI) + OTHER

SETTINGS = settings(max_examples=150, deadline=None)

# Holders of every type; small value pools so that identities collide (same group twice, with a renamed
# parameter; the same role as addon role; DC holders with no value).
_ids = st.sampled_from(["1", "2", "3"])
HOLDERS = st.one_of(
    st.sampled_from(
        [
            Holder("anyone"),
            Holder("applicationRole"),
            Holder("assignee"),
            Holder("reporter"),
            Holder("projectLead"),
            Holder("sd.customer.portal.only"),
            Holder("projectRole", "10003", "10003", extra={"projectRole": {"name": ADDON_ROLE_NAME}}),
        ]
    ),
    st.builds(lambda i: Holder("applicationRole", f"jira-{i}", f"jira-{i}"), _ids),
    st.builds(lambda i, n: Holder("group", f"group-{n}", f"uuid-{i}"), _ids, _ids),  # renamed groups
    st.builds(lambda i: Holder("group", f"dc-group-{i}"), _ids),  # Data Center: no value
    st.builds(lambda i: Holder("projectRole", f"1000{i}", f"1000{i}"), _ids),
    st.builds(lambda i: Holder("user", f"acc-{i}", f"acc-{i}"), _ids),
    st.builds(lambda i: Holder("userCustomField", f"customfield_1{i}", f"customfield_1{i}"), _ids),
    st.builds(lambda i: Holder("groupCustomField", f"customfield_2{i}", f"customfield_2{i}"), _ids),
    st.builds(lambda i: Holder("com.example.app", f"x-{i}", f"x-{i}"), _ids),
)


@st.composite
def schemes(draw, sid: int = 10000) -> Scheme:
    pairs = draw(st.lists(st.tuples(st.sampled_from(PERMS), HOLDERS), max_size=25))
    ids = draw(st.permutations(range(1, len(pairs) + 1)))  # a site lists grants in no particular id order
    return Scheme(id=sid, name=f"scheme {sid}", grants=tuple(Grant(p, h, id=i) for i, (p, h) in zip(ids, pairs)))


# The built-in rule, and policies that limit some holder types to one target (every type is limited by
# at least one of them), so that a planner removing the source too eagerly is found quickly.
RULES = st.sampled_from(
    [
        BROWSE_SPLIT,
        Rule("issue-scoped-view-issues", B, (VP, VI), policy={ISSUE_SCOPED: (VI,)}),
        Rule("people-view-projects", B, (VP, VI), policy={"user": (VP,), "group": (VP,), "anyone": (VP,)}),
        Rule(
            "mixed",
            B,
            (VP, VI),
            policy={
                "projectRole": (VI,),
                "applicationRole": (VP,),
                "projectLead": (VI,),
                "sd.customer.portal.only": (VI,),
                "reporter": (VP, VI),
                ISSUE_SCOPED: (VP,),
            },
        ),
    ]
)


def apply_change(s: Scheme, c: SchemeChange | None) -> Scheme:
    """What Jira would hold after the plan ran: DELETE by grant id, POST new grants with fresh ids."""
    if c is None:
        return s
    removed = {o.grant_id for o in c.removes}
    kept = [g for g in s.grants if g.id not in removed]
    next_id = max([g.id for g in s.grants] + [0]) + 1
    added = [Grant(o.permission, o.holder, id=next_id + i) for i, o in enumerate(c.adds)]
    return Scheme(id=s.id, name=s.name, grants=tuple(kept + added))


def can_see(grants) -> set:
    by = {}
    for g in grants:
        by.setdefault(g.holder.identity, set()).add(g.permission)
    return {h for h, perms in by.items() if B in perms or {VP, VI} <= perms}


def perms_of(grants, ident) -> set:
    return {g.permission for g in grants if g.holder.identity == ident}


@SETTINGS
@given(schemes(), st.sampled_from(["add", "finish"]))
def test_access_is_preserved_and_every_viewer_ends_with_both(s, mode):
    after = apply_change(s, plan_scheme(s, BROWSE_SPLIT, mode)).grants
    assert can_see(after) == can_see(s.grants)
    if mode == "add":
        for ident in can_see(after):
            assert {VP, VI} <= perms_of(after, ident)


@SETTINGS
@given(schemes(), st.sampled_from(["add", "finish"]), RULES)
def test_access_is_preserved_under_any_policy(s, mode, rule):
    c = plan_scheme(s, rule, mode)
    after = apply_change(s, c).grants
    assert can_see(after) == can_see(s.grants)
    if mode == "finish":
        # a finish plan never adds, and the source goes only where both targets were already held
        assert c is None or not c.adds
        for ident in {g.holder.identity for g in s.grants if g.permission == B} - {g.holder.identity for g in after if g.permission == B}:
            assert {VP, VI} <= perms_of(s.grants, ident)


@SETTINGS
@given(schemes(), st.sampled_from(["add", "finish"]), RULES)
def test_only_the_rules_keys_are_touched(s, mode, rule):
    c = plan_scheme(s, rule, mode)
    if c is None:
        return
    assert all(o.permission in rule.targets for o in c.adds)
    assert all(o.permission == rule.source for o in c.removes)
    # removes name a real source grant of that holder
    by_id = {g.id: g for g in s.grants}
    for o in c.removes:
        assert by_id[o.grant_id].key == o.key
    untouched = Counter(g.key for g in s.grants if g.permission not in (B, VP, VI))
    after = apply_change(s, c).grants
    assert Counter(g.key for g in after if g.permission not in (B, VP, VI)) == untouched
    # every target grant that existed is still there
    assert Counter(g.key for g in s.grants if g.permission in (VP, VI)) <= Counter(g.key for g in after)
    if mode == "add":
        assert not c.removes


@SETTINGS
@given(schemes(), st.sampled_from(["add", "finish"]), RULES)
def test_no_add_duplicates_a_grant(s, mode, rule):
    c = plan_scheme(s, rule, mode)
    if c is None:
        return
    existing = {g.key for g in s.grants}
    keys = [o.key for o in c.adds]
    assert len(keys) == len(set(keys))
    assert not set(keys) & existing


@SETTINGS
@given(schemes(), st.sampled_from(["add", "finish"]))
def test_idempotent(s, mode):
    once = apply_change(s, plan_scheme(s, BROWSE_SPLIT, mode))
    assert plan_scheme(once, BROWSE_SPLIT, mode) is None
    if mode == "add":  # and finish after add only removes, and leaves no source behind
        fin = plan_scheme(once, BROWSE_SPLIT, "finish")
        assert fin is None or not fin.adds
        done = apply_change(once, fin)
        assert plan_scheme(done, BROWSE_SPLIT, "finish") is None
        assert not [g for g in done.grants if g.permission == B and g.id is not None]


@SETTINGS
@given(schemes(), st.sampled_from(["add", "finish"]), RULES)
def test_idempotent_under_any_policy(s, mode, rule):
    once = apply_change(s, plan_scheme(s, rule, mode))
    assert plan_scheme(once, rule, mode) is None


SITE = SiteInfo(
    url="https://acme.atlassian.net",
    base_url="https://acme.atlassian.net",
    deployment_type="Cloud",
    version="1001.0.0",
    server_title="Acme ☕",
    api_version="3",
    permissions={k: PermissionInfo(k, k, "PROJECT") for k in PERMS},
)


@st.composite
def plans(draw) -> Plan:
    n = draw(st.integers(min_value=0, max_value=4))
    ss = [draw(schemes(sid=10000 + i)) for i in range(n)]
    projects = draw(st.one_of(st.none(), st.just({10000 + i: [f"P{i}", "SHARED"] for i in range(n)})))
    return make_plan(
        ss,
        draw(RULES),
        SITE,
        mode=draw(st.sampled_from(["add", "finish"])),
        projects_by_scheme=projects,
        created_at="2025-06-01T12:00:00+00:00",
        tool_version="0.1.0",
    )


@settings(max_examples=60, deadline=None)
@given(plans())
def test_plan_file_round_trip(plan):
    doc = json.loads(json.dumps(plan_to_json(plan)))
    assert plan_from_json(doc) == plan
    with tempfile.TemporaryDirectory() as d:
        path = save_plan(plan, directory=Path(d))
        loaded = load_plan(path)
        written = path.read_bytes()
    assert loaded == plan
    # the file is the same bytes whether laid out from the plan, from its JSON document or from the loaded plan
    assert written == encode_plan(plan) == encode_plan_doc(plan_to_json(plan)) == encode_plan(loaded)
    assert loaded.meta.get("projects_mapped") == plan.meta["projects_mapped"]
    # what a loaded plan would write back is byte-for-byte what was saved: same checksum, same plan id
    assert plan_to_json(loaded) == doc
    # holders keep what the site expanded (names for display, the add-on role's identity)
    for c_in, c_out in zip(plan.changes, loaded.changes):
        assert [o.holder.is_addon_role for o in c_in.operations] == [o.holder.is_addon_role for o in c_out.operations]


@SETTINGS
@given(st.lists(schemes(), max_size=4), st.sampled_from(["add", "finish"]), RULES)
def test_fingerprints_are_those_of_the_before_and_after_states(ss, mode, rule):
    """The planner makes both fingerprints from the key texts it compares (shared across the plan's schemes):
    they are what fingerprint_grants gives for the before-state and for after()."""
    ss = [Scheme(id=10000 + i, name=s.name, grants=s.grants) for i, s in enumerate(ss)]
    plan = make_plan(ss, rule, SITE, mode=mode)
    for c in plan.changes:
        assert c.fingerprint == fingerprint_grants(c.before)
        assert c.after_fingerprint == c.derived_after_fingerprint() == fingerprint_grants(c.after())


@SETTINGS
@given(schemes(), st.sampled_from(["add", "finish"]), RULES)
def test_without_fingerprints_the_same_operations_and_notes(s, mode, rule):
    """Re-deriving compares keys as tuples instead of texts: it must plan exactly what the planner planned."""
    full, bare = plan_scheme(s, rule, mode), plan_scheme(s, rule, mode, fingerprints=False)
    assert (full is None) == (bare is None)
    if full is not None:
        assert (bare.operations, bare.notes) == (full.operations, full.notes)
        assert bare.fingerprint == ""


@SETTINGS
@given(schemes(), RULES, st.booleans())
def test_a_finish_plan_names_the_holders_kept_sources_names(s, rule, fingerprints):
    """make_plan takes the holders a finish plan leaves their source (for its notes) from the comparison
    that plans each scheme: they are what kept_sources, which compares on its own, gives."""
    waiting: list[str] = []
    by_rule: list[str] = []
    _plan_scheme(s, rule, "finish", (), None, fingerprints, (waiting, by_rule))
    assert (sorted(waiting), sorted(by_rule)) == kept_sources(s, rule)


def test_a_kept_holder_is_named_as_its_first_grant_in_the_scheme_shows_it():
    """A group renamed between two grants of one scheme (same id, two names): the note names it as the
    scheme's first grant does, whatever the grant ids' order."""
    s = Scheme(1, "s", (Grant(B, Holder("group", "new", "uuid-1"), 9), Grant(B, Holder("group", "old", "uuid-1"), 3)))
    waiting: list[str] = []
    by_rule: list[str] = []
    _plan_scheme(s, BROWSE_SPLIT, "finish", (), None, True, (waiting, by_rule))
    assert (waiting, by_rule) == (["group: new"], []) and kept_sources(s, BROWSE_SPLIT) == (["group: new"], [])
