"""The control plane and records: dump, reset, determinism, request log and counts, another admin's edits."""

from __future__ import annotations

import pytest

from ._helpers import group_holder


def test_dump_reset_and_determinism(make_server, make_site, make_api):
    a, b = make_server("demo"), make_server("demo")
    da, db = a.dump(), b.dump()
    assert da["site"].pop("url") != db["site"].pop("url")
    assert da == db
    in_process = make_site("demo").dump()
    in_process["site"].pop("url")
    assert in_process == da
    assert {"schemes", "projects", "project_schemes", "groups", "users", "roles", "issues"} <= set(da)
    assert da["project_schemes"]["DATI"] == 0
    make_api(a).delete(f"/permissionscheme/10000/permission/{da['schemes'][1]['permissions'][0]['id']}")
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
    api.control("GET", "/stats")
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


def test_control_api(api, site):
    info = api.control("GET", "/info").json()
    assert info["url"] == site.url and info["credentials"]["admin"]["token"] == "sandbox-admin-token"
    assert api.control("GET", "/health").json() == {"ok": True}
    api.get("/permissionscheme")
    assert api.control("GET", "/requests").json()["requests"][0]["status"] == 200
    assert api.control("GET", "/counts").json()["counts"] == [
        {"method": "GET", "template": "/rest/api/3/permissionscheme", "count": 1}]
    assert api.control("GET", "/stats").json()["requests"] == 1
    state = api.control("GET", "/state").json()
    assert len(state["schemes"]) == 8
    f = api.control("PUT", "/faults", json={"spec": "503=1x,retry-after=0"}).json()
    assert f["spec"] == "503=1x,retry-after=0" and site.faults.spec == f["spec"]
    assert api.get("/serverInfo").status_code == 503
    assert api.get("/serverInfo").status_code == 200
    assert api.control("DELETE", "/faults").json()["spec"] == ""
    edit = api.control("POST", "/edit", json={"scheme": 10000, "add": {"permission": "VIEW_ISSUES",
                                                                      "holder": {"type": "reporter"}}})
    assert edit.status_code == 200 and edit.json()["action"] == "add"
    assert api.control("POST", "/edit", json={"scheme": 10000, "add": {"permission": "VIEW_ISSUES",
                                                                      "holder": {"type": "reporter"}}}).status_code == 400
    assert api.control("POST", "/reset", json={}).json() == {"reset": True}
    assert api.control("GET", "/stats").json()["requests"] == 0
    assert api.control("GET", "/nope").status_code == 404
