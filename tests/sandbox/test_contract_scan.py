"""Contract tests of the site-wide scan endpoints (workflows in both APIs, workflow schemes, filters): every
response the scan relies on validates against the official subset, cloud-openapi-scan-subset.json."""

from __future__ import annotations

import json

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from ._helpers import Resp
from .test_contract import SPECS

OLD_EXPAND = "transitions.rules,transitions.properties,statuses.properties,projects,schemes,default,operations"


@pytest.fixture
def scan(make_site, make_api):
    sb = make_site("demo")
    spec = json.loads((SPECS / "cloud-openapi-scan-subset.json").read_text())
    spec["servers"] = [{"url": sb.url}]
    # The official WorkflowCondition is a oneOf (simple | compound) that also says additionalProperties: false
    # with no properties of its own, which rejects every node, the spec's own example included. The two node
    # schemas it points to are checked as written.
    del spec["components"]["schemas"]["WorkflowCondition"]["additionalProperties"]
    return make_api(sb), OpenAPI.from_dict(spec)


def check(oa: OpenAPI, resp: Resp, status: int) -> Resp:
    assert resp.status_code == status, (resp.request.method, resp.request.url, resp.status_code, resp.text[:300])
    oa.validate_response(WerkzeugOpenAPIRequest(resp.request), WerkzeugOpenAPIResponse(resp.raw))
    return resp


def test_workflow_endpoints_validate(scan):
    api, oa = scan
    for params in ({}, {"expand": "values.transitions"}, {"expand": "values.transitions", "maxResults": 2},
                   {"scope": "PROJECT"}, {"queryString": "acme", "orderBy": "-name"}, {"isActive": "false"}):
        check(oa, api.get("/workflows/search", params=params), 200)
    check(oa, api.get("/workflows/search", params={"orderBy": "colour"}), 400)
    check(oa, api.get("/workflows/search", as_="viewer"), 401)
    check(oa, api.get("/workflows/search", as_=None), 401)
    names = [w.name for w in api.sb.state.workflows.values()]
    check(oa, api.post("/workflows", json={"workflowNames": names[:2]}), 200)
    check(oa, api.post("/workflows", json={"workflowIds": [next(iter(api.sb.state.workflows))]}), 200)
    check(oa, api.post("/workflows", json=["not", "a", "request"]), 400)
    check(oa, api.get("/workflows/capabilities"), 200)
    check(oa, api.get("/workflows/capabilities", params={"workflowId": next(iter(api.sb.state.workflows))}), 200)
    for params in ({}, {"expand": OLD_EXPAND}, {"expand": OLD_EXPAND, "maxResults": 1, "startAt": 2},
                   {"workflowName": ["jira", "Acme Software Workflow"], "expand": "transitions"}):
        check(oa, api.get("/workflow/search", params=params), 200)
    check(oa, api.get("/workflow/search", as_="viewer"), 403)


def test_workflow_scheme_and_filter_endpoints_validate(scan):
    api, oa = scan
    check(oa, api.get("/workflowscheme"), 200)
    check(oa, api.get("/workflowscheme", params={"maxResults": 1}), 200)
    check(oa, api.get("/workflowscheme", as_="viewer"), 403)
    pids = [p.id for p in api.sb.state.projects.values()]
    check(oa, api.get("/workflowscheme/project", params={"projectId": pids}), 200)
    check(oa, api.get("/workflowscheme/project"), 400)
    check(oa, api.get("/workflowscheme/project", params={"projectId": pids}, as_="viewer"), 403)
    full = "jql,owner,sharePermissions,description,viewUrl,favouritedCount,editPermissions"
    for params in ({}, {"expand": full, "overrideSharePermissions": "true"}, {"expand": "jql", "maxResults": 3},
                   {"filterName": "browse", "orderBy": "-id"}):
        check(oa, api.get("/filter/search", params=params), 200)
    check(oa, api.get("/filter/search", params={"expand": full}, as_="viewer"), 200)
    check(oa, api.get("/filter/search", params={"expand": "everything"}), 400)
    check(oa, api.get("/filter/search", params={"orderBy": "colour"}), 400)
