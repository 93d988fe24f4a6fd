"""Table tests for the domain model: every documented holder type, Cloud and Data Center shapes."""

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.errors import InvalidResponseError
from migrate.model import KNOWN_HOLDER_TYPES, Grant, Holder, KeyTexts, Scheme, fingerprint_grants, key_line, parse_permissions

GROUP_ID = "ca85fac0-d974-40ca-a615-7af99c48d24f"

# (holder JSON as Jira sends it, expected identity, expected issue_scoped)
HOLDERS = [
    ({"type": "anyone"}, ("anyone", None), False),
    ({"type": "applicationRole"}, ("applicationRole", None), False),
    ({"type": "applicationRole", "parameter": "jira-software", "value": "jira-software"}, ("applicationRole", "jira-software"), False),
    ({"type": "assignee"}, ("assignee", None), True),
    ({"type": "group", "parameter": "jira-users", "value": GROUP_ID}, ("group", GROUP_ID), False),
    ({"type": "groupCustomField", "parameter": "customfield_10010", "value": "customfield_10010"}, ("groupCustomField", "customfield_10010"), True),
    ({"type": "projectLead"}, ("projectLead", None), False),
    ({"type": "projectRole", "parameter": "10002", "value": "10002"}, ("projectRole", "10002"), False),
    ({"type": "reporter"}, ("reporter", None), True),
    ({"type": "sd.customer.portal.only"}, ("sd.customer.portal.only", None), False),
    ({"type": "user", "parameter": "5b10ac8d82e05b22cc7d4ef5", "value": "5b10ac8d82e05b22cc7d4ef5"}, ("user", "5b10ac8d82e05b22cc7d4ef5"), False),
    ({"type": "userCustomField", "parameter": "customfield_10020", "value": "customfield_10020"}, ("userCustomField", "customfield_10020"), True),
    # Data Center: groups by name, no value, expanded objects alongside
    ({"type": "group", "parameter": "jira-users", "group": {"name": "jira-users"}}, ("group", "jira-users"), False),
    # an undocumented type is kept, not dropped
    ({"type": "sd.customer.portal.only.v2", "parameter": "x"}, ("sd.customer.portal.only.v2", "x"), False),
]


@pytest.mark.parametrize("raw,identity,issue_scoped", HOLDERS)
def test_holder_identity_and_round_trip(raw, identity, issue_scoped):
    h = Holder.from_json(raw)
    assert h.identity == identity
    assert h.issue_scoped is issue_scoped
    assert Holder.from_json(h.to_json()).identity == identity
    assert h.to_json() == raw  # lenient parse keeps every field verbatim


def test_every_documented_holder_type_is_in_the_table():
    assert {raw["type"] for raw, _, _ in HOLDERS} >= KNOWN_HOLDER_TYPES
    assert len(KNOWN_HOLDER_TYPES) == 11


def test_group_identity_uses_id_not_renamable_name():
    a = Holder.from_json({"type": "group", "parameter": "old-name", "value": GROUP_ID})
    b = Holder.from_json({"type": "group", "parameter": "new-name", "value": GROUP_ID})
    assert a.identity == b.identity


def test_holder_to_request_is_verbatim_and_drops_expansions():
    h = Holder.from_json({"type": "group", "parameter": "g", "value": GROUP_ID, "expand": "group"})
    assert h.to_request() == {"type": "group", "parameter": "g", "value": GROUP_ID}


def test_addon_role_is_recognised_by_expanded_name():
    h = Holder.from_json(
        {"type": "projectRole", "parameter": "10003", "value": "10003", "projectRole": {"id": 10003, "name": "atlassian-addons-project-access"}}
    )
    assert h.is_addon_role
    assert not Holder.from_json({"type": "projectRole", "parameter": "10003", "value": "10003"}).is_addon_role


def test_scheme_keeps_extra_fields_and_scope():
    raw = {
        "id": "10000",
        "name": "Default",
        "self": "https://x/rest/api/3/permissionscheme/10000",
        "expand": "permissions",
        "scope": {"type": "PROJECT", "project": {"id": "10001"}},
        "permissions": [{"id": 1, "permission": "BROWSE_PROJECTS", "holder": {"type": "anyone"}, "self": "s"}],
    }
    s = Scheme.from_json(raw)
    assert s.id == 10000 and s.project_scoped
    assert s.to_json()["self"] == raw["self"]
    assert s.grants[0].extra["self"] == "s"


def _fingerprint_as_defined(grants) -> str:
    """What a fingerprint is, as plan files since the first version store it: sha256 of the sorted
    json.dumps([permission, holder type, holder identity], ensure_ascii=False) of each grant key, once each."""
    lines = {json.dumps([g.permission, g.holder.type, g.holder.value or g.holder.parameter or None], ensure_ascii=False) for g in grants}
    return "sha256:" + hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


# (grants, fingerprint): pinned, so that a faster way of making the texts cannot change what a stored
# fingerprint means
PINNED_FINGERPRINTS = [
    ((), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (
        (Grant("BROWSE_PROJECTS", Holder("group", "jira-users", "uuid-1"), id=1), Grant("BROWSE_PROJECTS", Holder("anyone"), id=2)),
        "sha256:92bb9a2421c826efdde7df4b372d46ac51336a0c62eb19377b924a03e04b0b64",
    ),
    (
        (Grant("ÉDIT \"quoted\" \\ \t", Holder("user", None, "acc\u0001"), id=3),),
        "sha256:e7cd733e9d8eaec0ab633cef27c9ed9423850260d572980cb86e7282cc324339",
    ),
]


@pytest.mark.parametrize("grants, pinned", PINNED_FINGERPRINTS)
def test_fingerprint_is_the_json_text_of_each_key(grants, pinned):
    assert fingerprint_grants(grants) == _fingerprint_as_defined(grants) == pinned


_TEXT = st.text(st.characters(codec="utf-8"), max_size=6) | st.sampled_from(["", "a", '"', "\\", "\n", "é", "\x7f"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_TEXT.filter(bool), _TEXT.filter(bool), st.none() | _TEXT, st.none() | _TEXT), max_size=8))
def test_fingerprint_texts_are_json_dumps_for_any_text(rows):
    """The fast path writes plain strings itself and leaves the rest to json.dumps: the same text either way."""
    gs = [Grant(p, Holder(t, param, value), id=i) for i, (p, t, param, value) in enumerate(rows)]
    assert fingerprint_grants(gs) == _fingerprint_as_defined(gs)
    texts = KeyTexts()
    assert texts.lines(gs) == [key_line(g.key) for g in gs]
    assert texts.lines(gs) == [json.dumps([g.permission, *g.holder.identity], ensure_ascii=False) for g in gs]


def test_fingerprint_ignores_ids_and_order_but_not_holders():
    g1 = Grant("BROWSE_PROJECTS", Holder("group", "a", "1"), id=1)
    g2 = Grant("BROWSE_PROJECTS", Holder("anyone"), id=2)
    assert fingerprint_grants([g1, g2]) == fingerprint_grants([Grant("BROWSE_PROJECTS", Holder("anyone"), id=9), g1])
    assert fingerprint_grants([g1]) != fingerprint_grants([g2])


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "scheme",
        {"name": "x"},  # no id
        {"id": "abc", "name": "x"},
        {"id": True, "name": "x"},
        {"id": 1},  # no name
        {"id": 1, "name": "x", "permissions": {}},
        {"id": 1, "name": "x", "permissions": [{"holder": {"type": "anyone"}}]},
        {"id": 1, "name": "x", "permissions": [{"permission": "P", "holder": {}}]},
        {"id": 1, "name": "x", "permissions": [{"permission": "P", "holder": {"type": "user", "value": {"x": 1}}}]},
    ],
)
def test_garbage_is_a_clear_error(raw):
    with pytest.raises(InvalidResponseError):
        Scheme.from_json(raw)


def test_parse_permissions_is_a_map_keyed_by_key():
    perms = parse_permissions({"permissions": {"VIEW_ISSUES": {"key": "VIEW_ISSUES", "name": "View Issues", "type": "PROJECT"}}})
    assert perms["VIEW_ISSUES"].name == "View Issues"
    with pytest.raises(InvalidResponseError):
        parse_permissions({"permissions": []})


# --------------------------------------------------------------------------- the scheme list's parser
#
# parse_scheme_list decodes a body in the documented shape in one typed pass, and falls back scheme by
# scheme (then to the lenient parser) for anything else. Whatever the path, the schemes must be the ones
# Scheme.from_json gives, field for field.

_HOLDER_JSON = st.sampled_from([raw for raw, _, _ in HOLDERS]) | st.fixed_dictionaries(
    {"type": st.sampled_from(["group", "user", "projectRole"]), "parameter": _TEXT, "value": _TEXT}
)
# shapes that are not the documented one: each sends its scheme (or the whole body) down a slower path
_ODD_GRANT = st.sampled_from([
    {"holder": {"type": "anyone", "+extra": {"x": 1}}},  # a field named like the model's spare slot
    {"holder": {"type": "anyone", "note": "undocumented"}},
    {"holder": {"type": "group", "parameter": "g", "value": "g", "group": {"name": "g"}}, "undocumented": True},
    {"holder": {"type": "anyone"}, "id": "10001"},  # an id sent as a string
])
_GRANT = st.builds(
    lambda perm, holder, gid: {"id": gid, "self": f"https://x/permission/{gid}", "permission": perm, "holder": holder},
    st.sampled_from(["BROWSE_PROJECTS", "VIEW_ISSUES", "ADMINISTER_PROJECTS", "É \"odd\" key"]),
    _HOLDER_JSON,
    st.integers(1, 10**6),
)


@st.composite
def _scheme_json(draw, sid: int) -> dict:
    grants = draw(st.lists(_GRANT, max_size=5))
    if draw(st.booleans()) and draw(st.booleans()):
        odd = dict(draw(_ODD_GRANT))
        odd.setdefault("permission", "BROWSE_PROJECTS")
        odd.setdefault("id", sid * 100)
        grants.append(odd)
    out = {"id": sid, "self": f"https://x/permissionscheme/{sid}", "name": draw(_TEXT), "permissions": grants}
    extra = draw(st.sampled_from([{}, {"description": "d"}, {"expand": "permissions"}, {"scope": {"type": "PROJECT"}},
                                  {"undocumented": 1}, {"id": str(sid)}]))
    return out | extra


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 6).flatmap(lambda n: st.tuples(*[_scheme_json(10000 + i) for i in range(n)])))
def test_scheme_list_parser_gives_what_the_lenient_parser_gives(schemes):
    from migrate.model import parse_scheme_list

    body = json.dumps({"permissionSchemes": list(schemes)}).encode()
    got = parse_scheme_list(body)
    want = [Scheme.from_json(s) for s in schemes]
    assert got == want
    assert [s.to_json() for s in got] == [s.to_json() for s in want]
    # the same holder JSON is one holder object, and each permission key one string, across the schemes
    by_text: dict[str, object] = {}
    keys: dict[str, object] = {}
    for s, raw in zip(got, schemes):
        documented = all(set(g) <= {"id", "self", "permission", "holder"} and isinstance(g.get("id"), int)
                         and set(g["holder"]) <= {"type", "parameter", "value", "group"} for g in raw["permissions"])
        if not documented or set(raw) - {"id", "self", "name", "permissions", "description", "expand", "scope"} \
                or not isinstance(raw["id"], int):
            continue
        for g, rg in zip(s.grants, raw["permissions"]):
            assert by_text.setdefault(json.dumps(rg["holder"]), g.holder) is g.holder
            assert keys.setdefault(g.permission, g.permission) is g.permission
