"""Workflows and workflow schemes: both workflow APIs read the same rules, pages are honest, only admins read."""

from __future__ import annotations


def _pages(api, path, params, key="values"):
    out, start = [], 0
    while True:
        page = api.get(path, params={**params, "startAt": start}).json()
        assert page["startAt"] == start
        out += page[key]
        if page["isLast"]:
            assert "nextPage" not in page
            return out
        assert page["nextPage"].startswith(api.sb.api_url + path + "?")
        start += len(page[key])


def test_bulk_search_pages_and_expand(make_site, make_api):
    sb = make_site("medium")
    api = make_api(sb)
    every = _pages(api, "/workflows/search", {"maxResults": 7, "expand": "values.transitions"})
    assert sorted(w["id"] for w in every) == sorted(sb.state.workflows)
    assert all("transitions" in w for w in every)
    bare = api.get("/workflows/search", params={"maxResults": 500}).json()
    assert bare["maxResults"] == 200 and all("transitions" not in w for w in bare["values"])  # capped silently
    page = api.get("/workflows/search", params={"maxResults": 3}).json()
    refs = {s["statusReference"] for w in page["values"] for s in w["statuses"]}
    assert {s["id"] for s in page["statuses"]} == refs  # the page names the statuses its workflows use
    team = api.get("/workflows/search", params={"scope": "PROJECT", "maxResults": 200}).json()["values"]
    assert team and all(w["scope"]["type"] == "PROJECT" and w["scope"]["project"]["id"] for w in team)


def test_both_apis_carry_the_same_permission_rules(api, site):
    bulk = {w["name"]: w for w in api.get("/workflows/search", params={"expand": "values.transitions"}).json()["values"]}
    old = {w["id"]["name"]: w for w in api.get("/workflow/search", params={
        "expand": "transitions.rules,transitions.properties,statuses.properties,projects"}).json()["values"]}
    assert set(old) == {n for n, w in bulk.items() if w["scope"]["type"] == "GLOBAL"}  # no team-managed ones
    done_bulk = next(t for t in bulk["Acme Software Workflow"]["transitions"] if t["name"] == "Done")
    assert done_bulk["conditions"]["conditions"][0]["parameters"] == {"permissionKeys": "ADMINISTER_PROJECTS,BROWSE_PROJECTS"}
    done_old = next(t for t in old["Acme Software Workflow"]["transitions"] if t["name"] == "Done")
    tree = done_old["rules"]["conditionsTree"]
    assert tree["operator"] == "OR" and [c["configuration"]["permissionKey"] for c in tree["conditions"]] == [
        "ADMINISTER_PROJECTS", "BROWSE_PROJECTS"]  # one bulk rule, two older conditions
    start = next(t for t in old["Acme Software Workflow"]["transitions"] if t["name"] == "Start Progress")
    nested = start["rules"]["conditionsTree"]["conditions"][1]
    assert nested["nodeType"] == "compound" and nested["operator"] == "OR"
    assert {p["key"] for p in old["Acme Software Workflow"]["projects"]} >= {"DATI", "SEAO"}
    assert old["Legacy Approval Workflow"]["projects"] == []  # its scheme is used by no project
    assert not any(p["simplified"] for w in old.values() for p in w["projects"])


def test_only_admins_read_workflows(api):
    assert api.get("/workflows/search", as_="viewer").status_code == 401  # the bulk API's documented answer
    assert api.get("/workflow/search", as_="viewer").status_code == 403
    assert api.post("/workflows", json={"workflowNames": ["jira"]}, as_="viewer").status_code == 401
    assert api.get("/workflowscheme", as_="viewer").status_code == 403


def test_workflow_scheme_associations(api, site):
    st = site.state
    pids = sorted(st.projects)
    body = api.get("/workflowscheme/project", params={"projectId": pids + [999999]}).json()
    listed = {pid for v in body["values"] for pid in v["projectIds"]}
    expected = {str(p.id) for p in st.projects.values() if not p.simplified and p.status != "deleted"}
    assert listed == expected  # team-managed, deleted and unknown projects are left out silently
    default = [v["workflowScheme"] for v in body["values"] if "id" not in v["workflowScheme"]]
    assert all(d["name"] == "Default Workflow Scheme" for d in default)
    assert api.get("/workflowscheme/project", params={"projectId": list(range(1, 102))}).status_code == 400
    assert api.get("/workflowscheme/project", params={"projectId": "abc"}).status_code == 400
    listed_schemes = api.get("/workflowscheme").json()["values"]
    assert all("id" in s for s in listed_schemes)  # the default scheme has no id and is not listed


def test_dc_serves_no_workflow_or_filter_endpoints(make_site, make_api):
    api = make_api(make_site("dc"))
    for path in ("/workflows/search", "/workflow/search", "/workflowscheme", "/filter/search"):
        assert api.get(path).status_code == 404, path
