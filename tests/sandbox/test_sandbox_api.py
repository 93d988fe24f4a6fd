"""Behaviour of the sandbox's Jira endpoints: the rules a migration tool must live with."""

from __future__ import annotations

import base64
import threading

import pytest
import requests

from migrate.sandbox import Sandbox, SandboxError

from ._helpers import error_messages, group_holder

ADDON_ROLE = "10003"


def _browse_grants(body: dict) -> list[dict]:
    return [g for g in body["permissions"] if g["permission"] == "BROWSE_PROJECTS"]


# ---- expand rule --------------------------------------------------------------------------------------
def test_grants_only_with_expand(api):
    bare = api.get("/permissionscheme").json()["permissionSchemes"]
    assert bare and all("permissions" not in s for s in bare)
    for value in ("permissions", "all", "group", "anything-at-all"):
        listed = api.get("/permissionscheme", params={"expand": value}).json()["permissionSchemes"]
        assert all(s["permissions"] for s in listed), value
    assert "permissions" not in api.get("/permissionscheme/10000").json()
    assert api.get("/permissionscheme/10000", params={"expand": "permissions"}).json()["permissions"]
    assert "permissions" not in api.get("/project/DATI/permissionscheme").json()
    assert api.get("/project/DATI/permissionscheme", params={"expand": "all"}).json()["permissions"]
    # the grants sub-resource always lists grants
    assert api.get("/permissionscheme/10000/permission").json()["permissions"]


def test_listing_is_not_paginated_and_matches_single_reads(api, site):
    listed = api.get("/permissionscheme", params={"expand": "permissions"}).json()["permissionSchemes"]
    assert [s["id"] for s in listed] == list(site.state.schemes)
    for s in listed:
        one = api.get(f"/permissionscheme/{s['id']}", params={"expand": "permissions"}).json()
        assert one == s


def test_cloud_holders_have_only_spec_fields(api):
    body = api.get("/permissionscheme/10002", params={"expand": "all"}).json()
    for g in body["permissions"]:
        assert set(g) == {"id", "self", "holder", "permission"}
        assert set(g["holder"]) <= {"type", "parameter", "value", "expand"}
        if g["holder"]["type"] == "group":
            assert g["holder"]["value"] != g["holder"]["parameter"]  # value = group id, parameter = name
        if g["holder"]["type"] in ("projectRole", "userCustomField", "user"):
            assert g["holder"]["value"] == g["holder"]["parameter"]
    assert body["self"].startswith(api.sb.url + "/rest/api/3/permissionscheme/")


def test_expand_holders_embeds_objects_like_live_cloud(make_site, make_api):
    sb = make_site("demo", expand_holders=True)
    api = make_api(sb)
    plain = api.get("/permissionscheme/10000", params={"expand": "permissions"}).json()
    assert all(set(g["holder"]) <= {"type", "parameter", "value", "expand"} for g in plain["permissions"])
    full = api.get("/permissionscheme/10000", params={"expand": "all"}).json()
    roles = [g["holder"]["projectRole"] for g in full["permissions"] if g["holder"]["type"] == "projectRole"]
    assert {"name": "atlassian-addons-project-access", "id": 10003}.items() <= roles[0].items() or any(
        r["name"] == "atlassian-addons-project-access" for r in roles)
    only_groups = api.get("/permissionscheme/10000", params={"expand": "group"}).json()
    assert not any("projectRole" in g["holder"] for g in only_groups["permissions"])


# ---- grants -------------------------------------------------------------------------------------------
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


def test_put_with_permissions_replaces_every_grant_and_is_counted(api, site):
    before = api.get("/permissionscheme/10000", params={"expand": "permissions"}).json()
    keep = before["permissions"][:3]
    body = {"name": before["name"], "permissions": [{"permission": g["permission"], "holder": g["holder"]}
                                                    for g in keep]}
    r = api.put("/permissionscheme/10000", json=body, params={"expand": "permissions"})
    assert r.status_code == 200
    after = r.json()["permissions"]
    assert [(g["permission"], g["holder"]) for g in after] == [(g["permission"], g["holder"]) for g in keep]
    assert not {g["id"] for g in after} & {g["id"] for g in before["permissions"]}  # new ids: grants re-created
    stats = site.stats()
    assert stats["scheme_puts"] == 1 and stats["scheme_puts_replacing_grants"] == 1
    assert stats["scheme_puts_by_scheme"] == {"10000": 1}
    assert stats["grants_destroyed_by_put"] == len(before["permissions"])
    # an empty list wipes the scheme
    api.put("/permissionscheme/10000", json={"name": before["name"], "permissions": []})
    assert site.state.schemes[10000].grants == {}
    assert site.request_counts()[("PUT", "/rest/api/3/permissionscheme/{schemeId}")] == 2


def test_put_without_permissions_only_renames(api, site):
    n = len(site.state.schemes[10000].grants)
    r = api.put("/permissionscheme/10000", json={"name": "Renamed ✓", "description": "new"})
    assert r.status_code == 200 and r.json()["name"] == "Renamed ✓"
    assert len(site.state.schemes[10000].grants) == n
    assert api.put("/permissionscheme/10000", json={"description": "no name"}).status_code == 400
    taken = site.state.schemes[10001].name
    assert api.put("/permissionscheme/10000", json={"name": taken}).status_code == 400


def test_create_and_delete_scheme_projects_fall_back_to_default(api, site):
    r = api.post("/permissionscheme", json={"name": "Temp", "permissions": [
        {"permission": "BROWSE_PROJECTS", "holder": {"type": "anyone"}}]})
    assert r.status_code == 201 and len(r.json()["permissions"]) == 1
    sid = r.json()["id"]
    assert api.put("/project/GROA/permissionscheme", json={"id": sid}).json()["id"] == sid
    assert api.get("/project/GROA/permissionscheme").json()["id"] == sid
    assert api.delete(f"/permissionscheme/{sid}").status_code == 204
    assert api.get("/project/GROA/permissionscheme").json()["id"] == 0
    assert api.delete("/permissionscheme/0").status_code == 400
    assert api.post("/permissionscheme", json={"name": "Temp2", "permissions": [
        {"permission": "NOPE", "holder": {"type": "anyone"}}]}).status_code == 400


# ---- auth ---------------------------------------------------------------------------------------------
def test_auth_rules(api, site):
    assert api.get("/permissionscheme", as_=None).status_code == 401
    assert api.get("/myself", as_=None).status_code == 401
    assert api.get("/serverInfo", as_=None).status_code == 200
    assert api.get("/permissions", as_=None).status_code == 200
    bad = ("admin@sandbox.test", "not-the-token")
    for path in ("/serverInfo", "/permissions", "/permissionscheme"):
        r = api.get(path, as_=bad)
        assert r.status_code == 401, path
    assert api.get("/myself", as_="bearer").json()["emailAddress"] == "admin@sandbox.test"
    assert api.get("/permissionscheme", headers={"Authorization": "Bearer nope"}, as_=None).status_code == 401
    assert api.get("/permissionscheme", headers={"Authorization": "Basic !!!"}, as_=None).status_code == 401
    assert api.get("/myself", as_=("ADMIN@sandbox.test", site.admin.token)).status_code == 200


def test_viewer_reads_but_cannot_write(api, site):
    assert api.get("/permissionscheme", as_="viewer", params={"expand": "permissions"}).status_code == 200
    assert api.get("/permissions", as_="viewer").status_code == 200
    for method, path, body in [
        ("POST", "/permissionscheme/10000/permission", {"permission": "VIEW_ISSUES", "holder": {"type": "anyone"}}),
        ("DELETE", f"/permissionscheme/10000/permission/{next(iter(site.state.schemes[10000].grants))}", None),
        ("PUT", "/permissionscheme/10000", {"name": "x"}),
        ("POST", "/permissionscheme", {"name": "x"}),
        ("DELETE", "/permissionscheme/10000", None),
        ("GET", "/role", None),
    ]:
        r = api.request(method, path, json=body, as_="viewer")
        assert r.status_code == 403, (method, path)
        assert "Only Jira administrators" in error_messages(r)
    assert site.stats()["grants_created"] == 0


def test_custom_credentials_for_canary_tokens(make_site, make_api):
    sb = make_site("demo", users={"admin_token": "canary-7f3a", "bearer_token": "canary-bearer"})
    api = make_api(sb)
    assert sb.admin.token == "canary-7f3a"
    assert api.get("/myself").status_code == 200
    assert api.get("/myself", as_=("admin@sandbox.test", "sandbox-admin-token")).status_code == 401
    assert api.get("/myself", as_="bearer").status_code == 200
    assert sb.admin.headers["Authorization"] == "Basic " + base64.b64encode(b"admin@sandbox.test:canary-7f3a").decode()
    with pytest.raises(ValueError):
        Sandbox("demo", users={"admin_password": "x"})


# ---- discovery: site info, permissions, new keys -----------------------------------------------------
def test_server_info(api, site, make_site, make_api):
    info = api.get("/serverInfo", as_=None).json()
    assert info["baseUrl"] == site.url and info["deploymentType"] == "Cloud"
    assert info["serverTitle"] == "Acme (sandbox demo)"
    assert info["versionNumbers"][0] == 1001 and isinstance(info["buildNumber"], int)
    dc = make_api(make_site("dc"))
    dinfo = dc.get("/serverInfo", as_=None).json()
    assert dinfo["deploymentType"] == "DataCenter" and dinfo["version"].startswith("10.")


@pytest.mark.parametrize("seed,present", [("demo", True), ("legacy", False)])
def test_new_keys_discovery(make_site, make_api, seed, present):
    api = make_api(make_site(seed))
    perms = api.get("/permissions", as_=None).json()["permissions"]
    assert "BROWSE_PROJECTS" in perms and perms["ADMINISTER"]["type"] == "GLOBAL"
    assert ("VIEW_PROJECTS" in perms) is present and ("VIEW_ISSUES" in perms) is present
    if present:
        assert perms["VIEW_PROJECTS"] | {} == {**perms["VIEW_PROJECTS"], "key": "VIEW_PROJECTS",
                                               "name": "View Projects", "type": "PROJECT"}
        assert perms["VIEW_ISSUES"]["name"] == "View Issues" and perms["VIEW_ISSUES"]["type"] == "PROJECT"
    for key, perm in perms.items():
        assert perm["key"] == key
    r = api.post("/permissionscheme/10000/permission", json={"permission": "VIEW_ISSUES",
                                                              "holder": {"type": "projectRole", "parameter": "10002"}})
    assert r.status_code == (201 if present else 400)


def test_no_new_keys_flag_overrides_preset(make_site, make_api):
    api = make_api(make_site("demo", new_keys=False))
    assert "VIEW_ISSUES" not in api.get("/permissions").json()["permissions"]


def test_mypermissions(api, site):
    assert api.get("/mypermissions").status_code == 400
    r = api.get("/mypermissions", params={"permissions": "BROWSE_PROJECTS,ADMINISTER,VIEW_ISSUES"})
    perms = r.json()["permissions"]
    assert perms["ADMINISTER"]["havePermission"] is True and perms["BROWSE_PROJECTS"]["havePermission"] is True
    v = api.get("/mypermissions", as_="viewer", params={"permissions": "ADMINISTER,BROWSE_PROJECTS",
                                                        "projectKey": "PLAC"}).json()["permissions"]
    assert v["ADMINISTER"]["havePermission"] is False and v["BROWSE_PROJECTS"]["havePermission"] is False
    assert api.get("/mypermissions", params={"permissions": "NOPE"}).status_code == 400
    assert api.get("/mypermissions", params={"permissions": "EDIT_ISSUES", "issueKey": "NOPE-1"}).status_code == 404
    anon = api.get("/mypermissions", as_=None, params={"permissions": "BROWSE_PROJECTS"}).json()
    assert anon["permissions"]["BROWSE_PROJECTS"]["havePermission"] is True  # the public scheme grants anyone


def test_roles_include_the_addon_role(api):
    roles = api.get("/role").json()
    names = {r["name"]: r["id"] for r in roles}
    assert names["atlassian-addons-project-access"] == int(ADDON_ROLE)
    assert {"Administrators", "Member", "Viewer"} <= set(names)
    assert api.get(f"/role/{ADDON_ROLE}").json()["name"] == "atlassian-addons-project-access"
    assert api.get("/role/4242").status_code == 404


# ---- projects -----------------------------------------------------------------------------------------
def test_project_search_pagination(make_site, make_api):
    sb = make_site("small", schemes=60)
    api = make_api(sb)
    live = sorted(p.key for p in sb.state.projects.values() if p.status == "live")
    assert len(live) > 30
    seen, start, pages = [], 0, 0
    while True:
        page = api.get("/project/search", params={"startAt": start, "maxResults": 7}).json()
        assert page["startAt"] == start and page["maxResults"] == 7 and page["total"] == len(live)
        seen += [p["key"] for p in page["values"]]
        pages += 1
        if page["isLast"]:
            assert "nextPage" not in page
            break
        assert page["nextPage"].startswith(sb.url + "/rest/api/3/project/search?") and "startAt=" in page["nextPage"]
        nxt = requests.get(page["nextPage"], auth=sb.admin.auth).json()
        assert nxt["startAt"] == start + 7
        start += 7
    assert seen == live and pages == -(-len(live) // 7)
    capped = api.get("/project/search", params={"maxResults": 1000}).json()
    assert capped["maxResults"] == 100
    default = api.get("/project/search").json()
    assert default["maxResults"] == 50
    beyond = api.get("/project/search", params={"startAt": 10_000}).json()
    assert beyond["values"] == [] and beyond["isLast"] is True
    assert api.get("/project/search", params={"startAt": -1}).status_code == 400
    assert api.get("/project/search", params={"maxResults": "x"}).status_code == 400


def test_project_search_status_and_filters(api, site):
    by_status = {}
    for p in site.state.projects.values():
        by_status.setdefault(p.status, []).append(p.key)
    assert by_status["archived"] and by_status["deleted"]
    keys = lambda params: sorted(p["key"] for p in api.get("/project/search", params=params).json()["values"])  # noqa: E731
    assert keys({}) == sorted(by_status["live"])
    assert keys({"status": "archived"}) == sorted(by_status["archived"])
    assert keys({"status": ["live", "archived", "deleted"]}) == sorted(p.key for p in site.state.projects.values())
    archived = api.get("/project/search", params={"status": "archived"}).json()["values"][0]
    assert archived["archived"] is True
    deleted = api.get("/project/search", params={"status": "deleted"}).json()["values"][0]
    assert deleted["deleted"] is True
    assert keys({"keys": ["PLAC", "DATI"]}) == ["DATI", "PLAC"]
    assert api.get("/project/search", params={"status": "gone"}).status_code == 400
    tm = [p for p in api.get("/project/search").json()["values"] if p["simplified"]]
    assert tm and tm[0]["style"] == "next-gen"
    scheme = api.get(f"/project/{tm[0]['key']}/permissionscheme").json()
    assert scheme["scope"] == {"type": "PROJECT", "project": {"id": tm[0]["id"]}}


def test_project_visibility_follows_permissions(api, site):
    admin_total = api.get("/project/search").json()["total"]
    viewer_keys = {p["key"] for p in api.get("/project/search", as_="viewer", params={"maxResults": 100}).json()["values"]}
    assert "PLAC" not in viewer_keys and len(viewer_keys) < admin_total
    anon = api.get("/project/search", as_=None).json()
    assert 0 < anon["total"] < admin_total  # only the public scheme's projects
    assert api.get("/project/PLAC", as_="viewer").status_code == 404
    assert api.get("/project/PLAC").json()["key"] == "PLAC"


# ---- effective access ----------------------------------------------------------------------------------
def test_permissions_check_computes_real_access(api, site):
    st = site.state
    viewer = st.users_by_email["viewer@sandbox.test"]
    pids = [p.id for p in st.projects.values()]
    body = {"accountId": viewer.account_id, "globalPermissions": ["ADMINISTER", "USER_PICKER"],
            "projectPermissions": [{"permissions": ["BROWSE_PROJECTS", "ADMINISTER_PROJECTS"], "projects": pids}]}
    r = api.post("/permissions/check", json=body).json()
    assert r["globalPermissions"] == ["USER_PICKER"]
    got = {e["permission"]: set(e["projects"]) for e in r["projectPermissions"]}
    expected = {p.id for p in st.projects.values() if p.status != "deleted"
                and st.has_permission(viewer, "BROWSE_PROJECTS", p)}
    assert got["BROWSE_PROJECTS"] == expected and st.projects_by_key["PLAC"].id not in expected
    assert got["ADMINISTER_PROJECTS"] == set()


def test_permissions_check_issue_level_holders(api, site):
    """Reporter / assignee / user-picker holders grant access per issue (the reporter-only scheme)."""
    st = site.state
    project = next(p for p in st.projects.values() if p.scheme_id == 10004)
    issue = st.issues[project.issue_ids[0]]
    reporter = st.users[issue.reporter]
    other = next(st.issues[i] for p in st.projects.values() if p.scheme_id != 10004 for i in p.issue_ids
                 if st.issues[i].reporter != reporter.account_id)
    body = {"accountId": reporter.account_id, "projectPermissions": [
        {"permissions": ["BROWSE_PROJECTS"], "issues": [issue.id] + [i for i in project.issue_ids[1:]]}]}
    r = api.post("/permissions/check", json=body).json()
    assert issue.id in r["projectPermissions"][0]["issues"]
    assert other.id not in r["projectPermissions"][0]["issues"]


def test_permissions_check_validation(api, site):
    assert api.post("/permissions/check", json={"globalPermissions": ["NOPE"]}).status_code == 400
    r = api.post("/permissions/check", json={"projectPermissions": [{"permissions": ["PERMISSION_123"]}]})
    assert r.status_code == 400 and r.json()["errors"] == {"PERMISSION_123": "Unrecognized permission"}
    assert api.post("/permissions/check", json={"projectPermissions": [{"permissions": []}]}).status_code == 400
    assert api.post("/permissions/check", json={"accountId": "no-such-account"}).status_code == 400
    ids = list(site.state.issues)
    ok = api.post("/permissions/check", json={"projectPermissions": [
        {"permissions": ["VIEW_ISSUES"], "issues": ids + list(range(900_000, 902_000))}]})
    assert ok.status_code == 200  # invalid ids are ignored, not counted
    too_many = [{"permissions": ["VIEW_ISSUES"], "projects": list(site.state.projects)}] * 2
    assert api.post("/permissions/check", json={"projectPermissions": too_many}).status_code == 200
    # anonymous callers may ask about themselves only
    assert api.post("/permissions/check", as_=None, json={"globalPermissions": ["ADMINISTER"]}).json() == {
        "globalPermissions": [], "projectPermissions": []}


def test_permissions_check_1000_limit(make_site, make_api):
    sb = make_site("medium")
    api = make_api(sb)
    iids = list(sb.state.issues)
    assert len(iids) > 1000
    r = api.post("/permissions/check", json={"projectPermissions": [{"permissions": ["VIEW_ISSUES"],
                                                                     "issues": iids[:1001]}]})
    assert r.status_code == 400 and "1000" in error_messages(r)
    r = api.post("/permissions/check", json={"projectPermissions": [
        {"permissions": ["VIEW_ISSUES"], "issues": iids[:600]}, {"permissions": ["BROWSE_PROJECTS"],
                                                                 "issues": iids[400:1000]}]})
    assert r.status_code == 200  # 1000 distinct ids across entries is still within the limit


def test_permitted_projects(api, site):
    r = api.post("/permissions/project", as_="viewer", json={"permissions": ["BROWSE_PROJECTS"]}).json()
    keys = {p["key"] for p in r["projects"]}
    assert "PLAC" not in keys and "DATI" in keys
    assert all(isinstance(p["id"], int) for p in r["projects"])


# ---- HTTP hygiene -------------------------------------------------------------------------------------
def test_unknown_paths_methods_and_bodies(api, site):
    r = api.get("/nope")
    assert r.status_code == 404 and r.json()["errorMessages"][0].startswith("null for uri:")
    assert api.get("/permissionscheme/abc").status_code == 404
    assert requests.get(site.url + "/rest/api/9/serverInfo").status_code == 404
    assert api.request("PATCH", "/permissionscheme/10000").status_code == 405
    r = api.post("/permissionscheme/10000/permission", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and set(r.json()) >= {"errorMessages", "errors"}
    r = api.post("/permissionscheme/10000/permission", data='{"permission": "VIEW_ISSUES"}',
                 headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert api.post("/permissionscheme/10000/permission").status_code == 400  # no body
    assert api.post("/permissionscheme/10000/permission", json=["a list"]).status_code == 400


def test_cloud_also_answers_v2(site):
    r = requests.get(site.url + "/rest/api/2/permissionscheme/10000", auth=site.admin.auth)
    assert r.status_code == 200 and r.json()["id"] == 10000
    assert site.request_counts()[("GET", "/rest/api/2/permissionscheme/{schemeId}")] == 1


# ---- Data Center -------------------------------------------------------------------------------------
def test_dc_flavour(make_site, make_api):
    sb = make_site("dc")
    api = make_api(sb)
    assert sb.api_url.endswith("/rest/api/2")
    assert requests.get(sb.url + "/rest/api/3/permissionscheme", auth=sb.admin.auth).status_code == 404
    assert api.get("/project/search").status_code == 404
    scheme = api.get("/permissionscheme/10000", params={"expand": "permissions"}).json()
    holders = [g["holder"] for g in scheme["permissions"]]
    assert holders and all("value" not in h for h in holders)
    groups = [h for h in holders if h["type"] == "group"]
    assert groups and all(h["group"]["name"] == h["parameter"] for h in groups)
    roles = [h for h in holders if h["type"] == "projectRole"]
    assert roles and all(h["projectRole"]["id"] == int(h["parameter"]) for h in roles)
    users = [h for h in holders if h["type"] == "user"]
    assert all(h["user"]["key"] == h["parameter"] for h in users)
    assert not any(h["parameter"] == ADDON_ROLE for h in roles)  # no Connect add-on role on Data Center
    r = api.post("/permissionscheme/10000/permission", json={"permission": "VIEW_ISSUES",
                                                              "holder": {"type": "group", "parameter": "jira-users"}})
    assert r.status_code == 201 and r.json()["holder"]["group"]["name"] == "jira-users"
    assert "value" not in r.json()["holder"]
    user = next(u for u in sb.state.users.values() if u.name == "user0001")
    r = api.post("/permissionscheme/10000/permission", json={"permission": "VIEW_ISSUES",
                                                              "holder": {"type": "user", "parameter": user.name}})
    assert r.status_code == 201 and r.json()["holder"]["parameter"] == user.key  # usernames resolve to keys
    projects = api.get("/project").json()
    assert projects and all(p["archived"] is False for p in projects)
    assert len(api.get("/project", params={"includeArchived": "true"}).json()) == len(projects) + 1


# ---- control: dump, reset, counts, other admin --------------------------------------------------------
def test_dump_reset_and_determinism(make_site):
    a, b = make_site("demo"), make_site("demo")
    da, db = a.dump(), b.dump()
    assert da["site"].pop("url") != db["site"].pop("url")
    assert da == db
    assert {"schemes", "projects", "project_schemes", "groups", "users", "roles", "issues"} <= set(da)
    assert da["project_schemes"]["DATI"] == 0
    requests.delete(f"{a.api_url}/permissionscheme/10000/permission/{da['schemes'][1]['permissions'][0]['id']}",
                    auth=a.admin.auth)
    assert a.dump()["schemes"][1] != da["schemes"][1]
    a.reset()
    again = a.dump()
    again["site"].pop("url")
    assert again == da and a.requests() == [] and a.stats()["requests"] == 0


def test_request_log_and_counts(api, site):
    api.get("/permissionscheme")
    api.get("/permissionscheme/10000")
    api.get("/permissionscheme/10001", as_="viewer")
    api.get("/permissionscheme/10002", as_=None)
    log = site.requests()
    assert [e["template"] for e in log] == ["/rest/api/3/permissionscheme"] + ["/rest/api/3/permissionscheme/{schemeId}"] * 3
    assert [e["status"] for e in log] == [200, 200, 200, 401]
    assert [e["identity"] for e in log] == ["admin@sandbox.test", "admin@sandbox.test", "viewer@sandbox.test",
                                            "anonymous"]
    assert log[1]["path"] == "/rest/api/3/permissionscheme/10000" and log[0]["seq"] == 1
    assert site.requests(since=3) == log[3:]
    assert site.request_counts() == {("GET", "/rest/api/3/permissionscheme"): 1,
                                     ("GET", "/rest/api/3/permissionscheme/{schemeId}"): 3}
    requests.get(site.url + "/_sandbox/stats")
    assert site.stats()["requests"] == 4  # control calls are not logged


def test_edit_as_other_admin(api, site):
    holder = group_holder(site, "jira-users")
    before = api.get("/permissionscheme/10000/permission").json()["permissions"]
    done = site.edit_as_other_admin(10000, add={"permission": "VIEW_ISSUES", "holder": holder})
    assert done["action"] == "add" and done["grant"]["permission"] == "VIEW_ISSUES"
    r = api.post("/permissionscheme/10000/permission", json={"permission": "VIEW_ISSUES", "holder": holder})
    assert r.status_code == 400  # the tool's planned grant now collides with the other admin's
    site.edit_as_other_admin(10000, remove=before[0]["id"])
    assert api.delete(f"/permissionscheme/10000/permission/{before[0]['id']}").status_code == 400
    site.edit_as_other_admin(10000, remove={"permission": "VIEW_ISSUES", "holder": holder})
    rand = site.edit_as_other_admin(10000)
    assert rand["action"] in ("add", "remove") and rand["kind"] in ("add-browse", "remove-browse", "add-view")
    assert site.stats()["admin_edits"] == 4 and len(site.stats()["admin_edit_log"]) == 4
    with pytest.raises(KeyError):
        site.edit_as_other_admin(424242)


def test_control_api_over_http(site):
    c = site.url + "/_sandbox"
    info = requests.get(c + "/info").json()
    assert info["url"] == site.url and info["credentials"]["admin"]["token"] == "sandbox-admin-token"
    assert requests.get(c + "/health").json() == {"ok": True}
    requests.get(site.api_url + "/permissionscheme", auth=site.admin.auth)
    assert requests.get(c + "/requests").json()["requests"][0]["status"] == 200
    assert requests.get(c + "/counts").json()["counts"] == [
        {"method": "GET", "template": "/rest/api/3/permissionscheme", "count": 1}]
    assert requests.get(c + "/stats").json()["requests"] == 1
    state = requests.get(c + "/state").json()
    assert len(state["schemes"]) == 8
    f = requests.put(c + "/faults", json={"spec": "503=1x,retry-after=0"}).json()
    assert f["spec"] == "503=1x,retry-after=0" and site.faults.spec == f["spec"]
    assert requests.get(site.api_url + "/serverInfo").status_code == 503
    assert requests.get(site.api_url + "/serverInfo").status_code == 200
    assert requests.delete(c + "/faults").json()["spec"] == ""
    edit = requests.post(c + "/edit", json={"scheme": 10000, "add": {"permission": "VIEW_ISSUES",
                                                                      "holder": {"type": "reporter"}}})
    assert edit.status_code == 200 and edit.json()["action"] == "add"
    assert requests.post(c + "/edit", json={"scheme": 10000, "add": {"permission": "VIEW_ISSUES",
                                                                      "holder": {"type": "reporter"}}}).status_code == 400
    assert requests.post(c + "/reset", json={}).json() == {"reset": True}
    assert requests.get(c + "/stats").json()["requests"] == 0
    assert requests.get(c + "/nope").status_code == 404


# ---- lifecycle ---------------------------------------------------------------------------------------
def test_start_stop_leaves_no_threads_or_sockets(clock):
    before = {t.ident for t in threading.enumerate()}
    sb = Sandbox("demo", clock=clock, sleep=clock.sleep).start()
    url = sb.url
    sess = requests.Session()
    for _ in range(5):
        sess.get(url + "/rest/api/3/serverInfo")
    sess.close()
    sb.stop()
    leftover = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert leftover == []
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/rest/api/3/serverInfo", timeout=2)
    sb.stop()  # idempotent


def test_only_loopback():
    with pytest.raises(SandboxError, match="loopback"):
        Sandbox("demo", host="0.0.0.0")
    with pytest.raises(SandboxError):
        Sandbox("demo", host="192.168.1.10")
    with pytest.raises(ValueError):
        Sandbox("nope")


def test_port_in_use_is_a_clear_error(site):
    with pytest.raises(SandboxError, match="cannot listen"):
        Sandbox("demo", port=site.port).start()


def test_parallel_writers_keep_the_state_consistent(make_site, make_api):
    from concurrent.futures import ThreadPoolExecutor

    sb = make_site("small", faults="lost-post=0.1,reset@GET=0.05,retry-after=0,seed=4")
    people = [u for u in sb.state.users.values() if u.email.startswith("user")]

    def work(i):
        s = requests.Session()
        out = []
        for j, u in enumerate(people[i::4]):
            sid = list(sb.state.schemes)[j % 5]
            try:
                r = s.post(f"{sb.api_url}/permissionscheme/{sid}/permission", auth=sb.admin.auth,
                           json={"permission": "VIEW_ISSUES", "holder": {"type": "user", "value": u.account_id}})
                out.append(r.status_code)
            except requests.ConnectionError:
                out.append("reset")
            try:
                s.get(f"{sb.api_url}/permissionscheme/{sid}", params={"expand": "permissions"}, auth=sb.admin.auth)
            except requests.ConnectionError:
                pass
        s.close()
        return out

    with ThreadPoolExecutor(4) as pool:
        results = [x for xs in pool.map(work, range(4)) for x in xs]
    assert set(results) <= {201, 502, "reset"} and len(results) == len(people)
    with sb.lock:
        for s in sb.state.schemes.values():
            assert len(s.index) == len(s.grants)
            assert all(s.index[g.key] == gid for gid, g in s.grants.items())
    created = sum(1 for s in sb.state.schemes.values() for g in s.grants.values() if g.permission == "VIEW_ISSUES"
                  and g.holder.type == "user")
    assert created == len(people)  # lost POSTs committed too
