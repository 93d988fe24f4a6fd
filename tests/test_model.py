"""Table tests for the domain model: every documented holder type, Cloud and Data Center shapes."""

import pytest

from migrate.errors import InvalidResponseError
from migrate.model import KNOWN_HOLDER_TYPES, Grant, Holder, Scheme, fingerprint_grants, parse_permissions

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
