"""Permission schemes: grants only with expand, unpaginated lists, spec-shaped holders, PUT replacing every
grant (counted, so tests can prove a client never sends one)."""

from __future__ import annotations


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
