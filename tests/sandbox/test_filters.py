"""Saved filters: visibility follows ownership and shares, administrators may override it, JQL only on expand."""

from __future__ import annotations


def test_admin_override_sees_every_filter_with_jql_owner_and_shares(api, site):
    r = api.get("/filter/search", params={"expand": "jql,owner,sharePermissions", "overrideSharePermissions": "true",
                                          "maxResults": 100}).json()
    assert r["total"] == len(site.state.filters)
    assert all({"jql", "owner", "sharePermissions"} <= set(f) for f in r["values"])
    assert [f["name"].lower() for f in r["values"]] == sorted(f["name"].lower() for f in r["values"])
    bare = api.get("/filter/search", params={"overrideSharePermissions": "true"}).json()["values"]
    assert all("jql" not in f and "owner" not in f for f in bare)


def test_visibility_without_override(api, site):
    st = site.state
    viewer = st.users_by_email["viewer@sandbox.test"]
    seen = {f["id"] for f in api.get("/filter/search", as_="viewer",
                                     params={"overrideSharePermissions": "true", "maxResults": 100}).json()["values"]}
    assert seen and len(seen) < len(st.filters)  # a viewer cannot override
    for f in st.filters.values():
        kinds = {s.type for s in f.shares}
        if kinds & {"global", "loggedin"}:
            assert str(f.id) in seen
        if not f.shares and f.owner != viewer.account_id:
            assert str(f.id) not in seen  # private filters stay private
    anon = api.get("/filter/search", as_=None).json()["values"]
    assert {f["id"] for f in anon} == {str(f.id) for f in st.filters.values() if any(s.type == "global" for s in f.shares)}


def test_share_shapes(api, site):
    r = api.get("/filter/search", params={"expand": "sharePermissions", "overrideSharePermissions": "true",
                                          "maxResults": 100}).json()["values"]
    shares = [s for f in r for s in f["sharePermissions"]]
    assert {s["type"] for s in shares} >= {"group", "project", "loggedin", "global", "user"}
    role = [s for s in shares if "role" in s]
    assert role and role[0]["type"] == "project" and role[0]["project"]["key"]
