"""URL text -> Jira REST path -> operation: (input, expected) tables."""

from __future__ import annotations

import pytest

from migrate.scopes.audit import resolve
from migrate.scopes.model import Call
from migrate.scopes.operations import table
from migrate.scopes.paths import parse_url

D = "\0"  # a run-time piece

PARSED = [
    pytest.param("/rest/api/3/issue/" + D, "/rest/api/3/issue/{}", "platform", id="v3"),
    pytest.param("/rest/api/2/issue/" + D + "/comment", "/rest/api/3/issue/{}/comment", "platform", id="v2-is-v3"),
    pytest.param("/rest/api/latest/myself", "/rest/api/3/myself", "platform", id="latest-is-v3"),
    pytest.param(D + "/rest/api/3/myself?expand=groups", "/rest/api/3/myself", "platform", id="base-and-query-dropped"),
    pytest.param("https://acme.atlassian.net/rest/api/3/field#x", "/rest/api/3/field", "platform", id="host-and-fragment"),
    pytest.param("https://api.atlassian.com/ex/jira/" + D + "/rest/api/3/issue/X-1", "/rest/api/3/issue/X-1", "platform", id="oauth-gateway"),
    pytest.param("rest/api/2/search", "/rest/api/3/search", "platform", id="no-leading-slash"),
    pytest.param("/rest/api/3/issue/{issueKey}/transitions", "/rest/api/3/issue/{}/transitions", "platform", id="uri-template-braces"),
    pytest.param("/rest/api/3/issue/%s/worklog/%d", "/rest/api/3/issue/{}/worklog/{}", "platform", id="format-specifiers"),
    pytest.param("/rest/api/3/issue/:key", "/rest/api/3/issue/{}", "platform", id="colon-parameter"),
    pytest.param("/rest/api/3/issue/PROJ-" + D, "/rest/api/3/issue/{}", "platform", id="partly-run-time-segment"),
    pytest.param("/rest/api/3//issue/", "/rest/api/3/issue", "platform", id="empty-segments"),
    pytest.param("/rest/atlassian-connect/1/addons/" + D + "/properties", "/rest/atlassian-connect/1/addons/{}/properties", "platform", id="connect-api"),
    pytest.param("/rest/agile/1.0/board/" + D + "/sprint", "/rest/agile/1.0/board/{}/sprint", "agile/1.0", id="agile"),
    pytest.param("/rest/servicedeskapi/request", "/rest/servicedeskapi/request", "servicedeskapi", id="jsm"),
    pytest.param("/rest/dev-status/latest/issue/detail", "/rest/dev-status/latest/issue/detail", "dev-status/latest", id="dev-status"),
]


@pytest.mark.parametrize("text, display, family", PARSED)
def test_parse_url(text, display, family):
    p = parse_url(text)
    assert p is not None and p.display == display and p.family == family


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("/wiki/rest/api/content/" + D, id="confluence-cloud"),
        pytest.param("https://api.atlassian.com/ex/confluence/" + D + "/rest/api/space", id="confluence-gateway"),
        pytest.param("/rest/api/content", id="confluence-dc"),
        pytest.param("/rest/api/1.0/projects", id="bitbucket-server"),
        pytest.param("/api/3/issue", id="no-rest"),
        pytest.param("https://example.com/interest/api/3/issue", id="rest-inside-a-word"),
        pytest.param("/rest/", id="nothing-after-rest"),
        pytest.param("https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/", id="documentation-link"),
        pytest.param("https://developer.atlassian.com/cloud/jira/platform/rest/api/3/issue", id="documentation-host"),
        pytest.param("/rest/v3/issue", id="not-a-jira-api-name"),
    ],
)
def test_not_a_jira_rest_url(text):
    assert parse_url(text) is None


def _resolve(text: str, method: str | None):
    return resolve(Call("f", "typescript", 1, 1, 1, 1, text, method, "the method is not shown", "x", text), table())


RESOLVED = [
    pytest.param("/rest/api/3/issue/createmeta", "GET", "getCreateIssueMeta", id="literal-beats-parameter"),
    pytest.param("/rest/api/3/issue/PROJ-1", "GET", "getIssue", id="literal-into-parameter"),
    pytest.param("/rest/api/3/issue/" + D, "PUT", "editIssue", id="method-picks"),
    pytest.param("/rest/api/2/issue/" + D + "/properties/" + D, "DELETE", "deleteIssueProperty", id="v2"),
    pytest.param("/rest/api/3/myself", None, "getCurrentUser", id="only-operation-on-path"),
]


@pytest.mark.parametrize("text, method, operation_id", RESOLVED)
def test_resolved(text, method, operation_id):
    res = _resolve(text, method)
    if method is None:
        assert res.kind == "unresolved-method" and [o.operation_id for o in res.operations] == [operation_id]
    else:
        assert res.kind == "call" and res.operations[0].operation_id == operation_id


UNRESOLVED = [
    pytest.param("/rest/api/3/" + D, "GET", "unresolved-url", id="resource-at-run-time"),
    pytest.param("/rest/api/3/" + D + "/" + D, "GET", "unresolved-url", id="resource-and-id-at-run-time"),
    pytest.param(D, "GET", "unresolved-url", id="whole-url-at-run-time"),
    pytest.param("/rest/api/3/issue/" + D + "/watchers/" + D, "DELETE", "unknown-operation", id="no-such-path"),
    pytest.param("/rest/api/3/Issue/X-1", "GET", "unknown-operation", id="paths-are-case-sensitive"),
    pytest.param("/rest/api/3/myself", "DELETE", "unknown-operation", id="no-such-method"),
    pytest.param("/rest/agile/1.0/board", "GET", "other-api", id="agile"),
    pytest.param("/rest/api/3/issue/" + D, None, "unresolved-method", id="method-unknown"),
]


@pytest.mark.parametrize("text, method, kind", UNRESOLVED)
def test_unresolved(text, method, kind):
    assert _resolve(text, method).kind == kind


def test_method_unknown_keeps_every_candidate():
    res = _resolve("/rest/api/3/issue/" + D, None)
    assert sorted(o.method for o in res.operations) == ["DELETE", "GET", "PUT"]
