"""Projects and roles: paginated search, statuses, visibility, team-managed projects, the add-on role."""

from __future__ import annotations


ADDON_ROLE = "10003"


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
        nxt = api.get(page["nextPage"]).json()
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


def test_roles_include_the_addon_role(api):
    roles = api.get("/role").json()
    names = {r["name"]: r["id"] for r in roles}
    assert names["atlassian-addons-project-access"] == int(ADDON_ROLE)
    assert {"Administrators", "Member", "Viewer"} <= set(names)
    assert api.get(f"/role/{ADDON_ROLE}").json()["name"] == "atlassian-addons-project-access"
    assert api.get("/role/4242").status_code == 404
