"""Authentication and authorisation: basic, bearer, anonymous, the read-only viewer."""

from __future__ import annotations

import base64

import pytest

from migrate.sandbox import Sandbox

from ._helpers import error_messages


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
