"""Grants one at a time: 201 with a new id, 400 on a duplicate or an unknown key, 400 deleting a missing grant."""

from __future__ import annotations

import pytest

from ._helpers import error_messages, group_holder

ADDON_ROLE = "10003"


def _browse_grants(body: dict) -> list[dict]:
    return [g for g in body["permissions"] if g["permission"] == "BROWSE_PROJECTS"]


def test_create_grant_returns_201_with_id_and_self(api, site):
    holder = group_holder(site, "jira-software-users")
    r = api.post("/permissionscheme/10000/permission", json={"permission": "VIEW_ISSUES", "holder": holder})
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["permission"] == "VIEW_ISSUES" and g["holder"]["value"] == holder["value"]
    assert g["self"] == f"{site.api_url}/permissionscheme/10000/permission/{g['id']}"
    assert api.get(f"/permissionscheme/10000/permission/{g['id']}").json() == g


def test_grant_ids_are_unique_and_increasing(api, site):
    existing = {gid for s in site.state.schemes.values() for gid in s.grants}
    made = []
    for name in ("jira-software-users", "jira-servicemanagement-users", "jira-users"):
        for sid in (0, 10000):
            r = api.post(f"/permissionscheme/{sid}/permission",
                         json={"permission": "VIEW_PROJECTS", "holder": group_holder(site, name)})
            assert r.status_code == 201, r.text
            made.append(r.json()["id"])
    assert made == sorted(made) and len(set(made)) == len(made)
    assert min(made) > max(existing)


def test_duplicate_grant_is_400_error_collection(api, site):
    existing = _browse_grants(api.get("/permissionscheme/10000", params={"expand": "permissions"}).json())[0]
    before = site.stats()["duplicate_grant_400s"]
    r = api.post("/permissionscheme/10000/permission",
                 json={"permission": "BROWSE_PROJECTS", "holder": existing["holder"]})
    assert r.status_code == 400
    assert "same permission grant is present" in error_messages(r)
    assert site.stats()["duplicate_grant_400s"] == before + 1


def test_duplicate_detection_uses_value_then_parameter(api, site):
    g = site.state.groups_by_name["jira-users"]
    r = api.post("/permissionscheme/10001/permission",
                 json={"permission": "VIEW_ISSUES", "holder": {"type": "group", "parameter": g.name}})
    assert r.status_code == 201
    assert r.json()["holder"] == {"type": "group", "parameter": g.name, "value": g.id, "expand": "group"}
    by_value = api.post("/permissionscheme/10001/permission",
                        json={"permission": "VIEW_ISSUES", "holder": {"type": "group", "value": g.id}})
    assert by_value.status_code == 400  # the same group, named by id this time
    role = api.post("/permissionscheme/10001/permission",
                    json={"permission": "VIEW_ISSUES", "holder": {"type": "projectRole", "value": "10101"}})
    assert role.status_code == 201 and role.json()["holder"]["parameter"] == "10101"
    again = api.post("/permissionscheme/10001/permission",
                     json={"permission": "VIEW_ISSUES", "holder": {"type": "projectRole", "parameter": "10101"}})
    assert again.status_code == 400


@pytest.mark.parametrize("key", ["BROWSE", "VIEW_ISSUE", "ADMINISTER", ""])
def test_unrecognized_permission_key_is_400(api, site, key):
    r = api.post("/permissionscheme/10000/permission",
                 json={"permission": key, "holder": {"type": "anyone"}})
    assert r.status_code == 400
    if key:
        assert "Unrecognized permission" in error_messages(r)


@pytest.mark.parametrize("holder,fragment", [
    ({"type": "groupp", "parameter": "x"}, "holder type"),
    ({"type": "group", "parameter": "no-such-group"}, "does not exist"),
    ({"type": "projectRole", "parameter": "99999"}, "does not exist"),
    ({"type": "user", "parameter": "nobody"}, "does not exist"),
    ({"type": "userCustomField", "parameter": "customfield_10060"}, "not a user picker"),
    ({"type": "applicationRole", "parameter": "jira-nope"}, "does not exist"),
    ({"parameter": "x"}, "type is required"),
    (None, "holder is required"),
])
def test_bad_holders_are_400(api, holder, fragment):
    body = {"permission": "VIEW_ISSUES"}
    if holder is not None:
        body["holder"] = holder
    r = api.post("/permissionscheme/10000/permission", json=body)
    assert r.status_code == 400 and fragment in error_messages(r)


def test_every_documented_holder_type_can_be_granted(api, site):
    st = site.state
    user = next(u for u in st.users.values() if u.email.startswith("user0"))
    holders = [
        {"type": "anyone"}, {"type": "applicationRole"}, {"type": "applicationRole", "parameter": "jira-software"},
        {"type": "assignee"}, group_holder(site, "jira-users"),
        {"type": "groupCustomField", "parameter": "customfield_10060"}, {"type": "projectLead"},
        {"type": "projectRole", "parameter": ADDON_ROLE}, {"type": "reporter"}, {"type": "sd.customer.portal.only"},
        {"type": "user", "parameter": user.account_id}, {"type": "userCustomField", "value": "customfield_10051"},
        {"type": "com.acme.approvals:approver-group", "parameter": "approver-group-10400"},
    ]
    r = api.post("/permissionscheme", json={"name": "every holder"})
    sid = r.json()["id"]
    for h in holders:
        r = api.post(f"/permissionscheme/{sid}/permission", json={"permission": "VIEW_ISSUES", "holder": h})
        assert r.status_code == 201, (h, r.text)
    types = [g["holder"]["type"] for g in api.get(f"/permissionscheme/{sid}/permission").json()["permissions"]]
    assert len(types) == len(holders)


def test_delete_grant_204_then_missing_is_400(api, site):
    gid = next(iter(site.state.schemes[10000].grants))
    assert api.delete(f"/permissionscheme/10000/permission/{gid}").status_code == 204
    r = api.delete(f"/permissionscheme/10000/permission/{gid}")
    assert r.status_code == 400 and "not found" in error_messages(r)
    assert api.get(f"/permissionscheme/10000/permission/{gid}").status_code == 404
    other = next(iter(site.state.schemes[10001].grants))  # a real grant, but of another scheme
    assert api.delete(f"/permissionscheme/10000/permission/{other}").status_code == 400
    assert api.delete(f"/permissionscheme/777/permission/{other}").status_code == 404
    assert site.stats()["delete_missing_400s"] == 2
