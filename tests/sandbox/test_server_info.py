"""Site identity, flavours (Cloud answers /rest/api/2 too; Data Center only that), and HTTP hygiene."""

from __future__ import annotations


ADDON_ROLE = "10003"


def test_server_info(api, site, make_site, make_api):
    info = api.get("/serverInfo", as_=None).json()
    assert info["baseUrl"] == site.url and info["deploymentType"] == "Cloud"
    assert info["serverTitle"] == "Acme (sandbox demo)"
    assert info["versionNumbers"][0] == 1001 and isinstance(info["buildNumber"], int)
    dc = make_api(make_site("dc"))
    dinfo = dc.get("/serverInfo", as_=None).json()
    assert dinfo["deploymentType"] == "DataCenter" and dinfo["version"].startswith("10.")


def test_unknown_paths_methods_and_bodies(api, site):
    r = api.get("/nope")
    assert r.status_code == 404 and r.json()["errorMessages"][0].startswith("null for uri:")
    assert api.get("/permissionscheme/abc").status_code == 404
    assert api.get(site.url + "/rest/api/9/serverInfo").status_code == 404
    assert api.request("PATCH", "/permissionscheme/10000").status_code == 405
    r = api.post("/permissionscheme/10000/permission", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and set(r.json()) >= {"errorMessages", "errors"}
    r = api.post("/permissionscheme/10000/permission", data='{"permission": "VIEW_ISSUES"}',
                 headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    assert api.post("/permissionscheme/10000/permission").status_code == 400  # no body
    assert api.post("/permissionscheme/10000/permission", json=["a list"]).status_code == 400


def test_cloud_also_answers_v2(api, site):
    r = api.get(site.url + "/rest/api/2/permissionscheme/10000")
    assert r.status_code == 200 and r.json()["id"] == 10000
    assert site.request_counts()[("GET", "/rest/api/2/permissionscheme/{schemeId}")] == 1


def test_dc_flavour(make_site, make_api):
    sb = make_site("dc")
    api = make_api(sb)
    assert sb.api_url.endswith("/rest/api/2")
    assert api.get(sb.url + "/rest/api/3/permissionscheme").status_code == 404
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
    no_key = api.post("/permissionscheme/10000/permission",
                      json={"permission": "VIEW_ISSUES", "holder": {"type": "group", "parameter": "jira-users"}})
    assert no_key.status_code == 400  # Data Center has no new keys
    sid = api.post("/permissionscheme", json={"name": "DC holders"}).json()["id"]
    r = api.post(f"/permissionscheme/{sid}/permission",
                 json={"permission": "EDIT_ISSUES", "holder": {"type": "group", "parameter": "jira-users"}})
    assert r.status_code == 201 and r.json()["holder"]["group"]["name"] == "jira-users"
    assert "value" not in r.json()["holder"]
    user = next(u for u in sb.state.users.values() if u.name == "user0001")
    r = api.post(f"/permissionscheme/{sid}/permission",
                 json={"permission": "EDIT_ISSUES", "holder": {"type": "user", "parameter": user.name}})
    assert r.status_code == 201 and r.json()["holder"]["parameter"] == user.key  # usernames resolve to keys
    projects = api.get("/project").json()
    assert projects and all(p["archived"] is False for p in projects)
    assert len(api.get("/project", params={"includeArchived": "true"}).json()) == len(projects) + 1
