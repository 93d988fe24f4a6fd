"""Permission keys and effective access: discovery of the new keys, /mypermissions, /permissions/check."""

from __future__ import annotations

import pytest

from ._helpers import error_messages


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
