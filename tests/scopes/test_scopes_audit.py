"""The audit of one app, pure: (declared scopes, calls, hooks, markers) -> missing, excess, possibly needed,
suggested, findings. Calls are (method, URL text) with "\0" for run-time pieces."""

from __future__ import annotations

import pytest

from migrate.scopes.audit import audit_app
from migrate.scopes.descriptors import CONNECT, FORGE, App, Declared, Hook, Place
from migrate.scopes.model import Call, Marker
from migrate.scopes.operations import table

D = "\0"
HERE = Place(1, 1, 1, 1)
GET_ISSUE = ("GET", "/rest/api/3/issue/" + D)
EDIT_ISSUE = ("PUT", "/rest/api/3/issue/" + D)
ADD_COMMENT = ("POST", "/rest/api/3/issue/" + D + "/comment")
DELETE_COMMENT = ("DELETE", "/rest/api/3/issue/" + D + "/comment/" + D)
SOME_ISSUE_METHOD = (None, "/rest/api/3/issue/" + D)  # GET READ, PUT WRITE, DELETE DELETE
ANYTHING = ("GET", D)  # URL built at run time
CREATE_PRIORITY = ("POST", "/rest/api/3/priority")  # INACCESSIBLE to Connect
SERVER_INFO = ("GET", "/rest/api/3/serverInfo")  # no OAuth scope listed
MY_PREFERENCES = ("GET", "/rest/api/3/mypreferences")  # Connect: ACT_AS_USER
USER_EMAIL = ("GET", "/rest/api/3/user/email")  # Connect: ACCESS_EMAIL_ADDRESSES
TASK = ("GET", "/rest/api/3/task/" + D)  # Connect: NONE
WEBHOOK = Hook("webhook", "jira:issue_created", HERE)
TRIGGER = Hook("trigger", "avi:jira:created:issue", HERE)
IMPERSONATION = Marker("impersonation", "src/a.js", 3, 5, "asUserByAccountId(...)")
EMAIL = Marker("email-address", "src/a.js", 9, 5, "emailAddress")


def audit(kind, declared, calls=(), hooks=(), markers=(), shared=()):
    app = App(kind, "app/descriptor", "app", "app", tuple(Declared(d, HERE) for d in declared), HERE, tuple(hooks))

    def mk(i, c):
        return Call("src/a.js", "javascript", i, 1, i, 2, c[1], c[0], "the method is not shown", "x", c[1])

    rep, findings = audit_app(app, [mk(i + 1, c) for i, c in enumerate(calls)], list(markers), table(),
                              shared=[mk(100 + i, c) for i, c in enumerate(shared)])
    return rep, findings


CONNECT_CASES = [
    # (declared, calls, hooks, markers) -> (missing, excess, possibly needed, suggested)
    pytest.param(["READ", "WRITE", "ADMIN"], [GET_ISSUE, ADD_COMMENT], [], [], [], ["ADMIN"], [], ["READ", "WRITE"], id="broader-than-needed"),
    pytest.param(["ADMIN"], [GET_ISSUE], [], [], [], ["ADMIN"], [], ["READ"], id="replace-by-the-level-needed"),
    pytest.param(["read"], [ADD_COMMENT], [], [], ["WRITE"], [], [], ["read", "write"], id="missing-keeps-the-case-style"),
    pytest.param(["READ", "WRITE"], [GET_ISSUE], [], [], [], ["WRITE"], [], ["READ"], id="write-unused"),
    pytest.param(["READ"], [], [WEBHOOK], [], [], [], [], ["READ"], id="webhooks-need-read"),
    pytest.param([], [], [WEBHOOK], [], ["READ"], [], [], ["READ"], id="webhook-without-read"),
    pytest.param(["READ", "ACT_AS_USER"], [GET_ISSUE], [], [], [], ["ACT_AS_USER"], [], ["READ"], id="act-as-user-unused"),
    pytest.param(["READ", "ACT_AS_USER"], [GET_ISSUE], [], [IMPERSONATION], [], [], [], ["READ", "ACT_AS_USER"], id="act-as-user-used"),
    pytest.param(["READ"], [GET_ISSUE], [], [IMPERSONATION], ["ACT_AS_USER"], [], [], ["READ", "ACT_AS_USER"], id="impersonation-needs-it"),
    pytest.param(["READ"], [MY_PREFERENCES], [], [], ["ACT_AS_USER"], ["READ"], [], ["ACT_AS_USER"], id="operation-needs-act-as-user"),
    pytest.param(["READ", "ACCESS_EMAIL_ADDRESSES"], [GET_ISSUE], [], [EMAIL], [], [], [], ["READ", "ACCESS_EMAIL_ADDRESSES"], id="email-read-uses-it"),
    pytest.param(["READ", "ACCESS_EMAIL_ADDRESSES"], [GET_ISSUE], [], [], [], ["ACCESS_EMAIL_ADDRESSES"], [], ["READ"], id="email-scope-unused"),
    pytest.param(["READ"], [USER_EMAIL], [], [], ["ACCESS_EMAIL_ADDRESSES"], ["READ"], [], ["ACCESS_EMAIL_ADDRESSES"], id="email-operation-alone"),
    pytest.param([], [TASK], [], [], [], [], [], [], id="none-needs-nothing"),
    pytest.param(["READ", "DELETE"], [GET_ISSUE, SOME_ISSUE_METHOD], [], [], [], [], ["DELETE"], ["READ", "DELETE"], id="bounded-unresolved-hedges"),
    pytest.param(["READ", "ADMIN"], [GET_ISSUE, SOME_ISSUE_METHOD], [], [], [], ["ADMIN"], [], ["READ", "DELETE"], id="above-every-possibility-is-plain-excess"),
    pytest.param(["READ", "WRITE", "ADMIN"], [GET_ISSUE, ANYTHING], [], [], [], [], ["WRITE", "ADMIN"], ["READ", "WRITE", "ADMIN"], id="unknown-url-hedges-all"),
    pytest.param(["READ", "WIRTE"], [GET_ISSUE], [], [], [], [], [], ["READ", "WIRTE"], id="unknown-name-kept-and-flagged"),
    pytest.param(["READ", "ADMIN"], [GET_ISSUE], [], [], [], [], ["ADMIN"], ["READ", "ADMIN"], id="shared-code-hedges"),
]


@pytest.mark.parametrize("declared, calls, hooks, markers, missing, excess, possibly, suggested", CONNECT_CASES)
def test_connect(declared, calls, hooks, markers, missing, excess, possibly, suggested, request):
    shared = [DELETE_COMMENT, ANYTHING] if request.node.callspec.id == "shared-code-hedges" else []
    rep, _ = audit(CONNECT, declared, calls, hooks, markers, shared)
    assert (rep.missing, rep.excess, list(rep.possibly_needed), rep.suggested) == (missing, excess, possibly, suggested)


FORGE_CASES = [
    pytest.param(["read:jira-work", "manage:jira-configuration"], [GET_ISSUE], [], [], ["manage:jira-configuration"], [], ["read:jira-work"], id="classic-excess"),
    pytest.param(["read:jira-work"], [EDIT_ISSUE], [], ["write:jira-work"], ["read:jira-work"], [], ["write:jira-work"], id="classic-style-missing"),
    pytest.param(["read:issue:jira"], [EDIT_ISSUE], [], ["write:issue:jira"], ["read:issue:jira"], [], ["write:issue:jira"], id="granular-style-missing"),
    pytest.param(["write:jira-work", "write:issue:jira"], [EDIT_ISSUE], [], [], [], [], ["write:jira-work", "write:issue:jira"], id="both-alternatives-held"),
    pytest.param(["read:jira-work", "read:issue:jira"], [GET_ISSUE], [], [], ["read:issue:jira"], [], ["read:jira-work"], id="half-a-granular-set-is-excess"),
    pytest.param(["read:jira-work", "write:jira-work"], [], [TRIGGER], [], ["write:jira-work"], ["read:jira-work"], ["read:jira-work"], id="trigger-hedges-read"),
    pytest.param(["read:jira-work"], [SERVER_INFO], [], [], ["read:jira-work"], [], [], id="no-oauth-scope-needs-nothing"),
    pytest.param(["read:jira-work", "storage:app", "read:jira-wrok"], [GET_ISSUE], [], [], [], [], ["read:jira-work", "storage:app", "read:jira-wrok"], id="not-audited-kept"),
    pytest.param(["read:jira-work", "write:jira-work"], [GET_ISSUE, ANYTHING], [], [], [], ["write:jira-work"], ["read:jira-work", "write:jira-work"], id="unknown-url-hedges"),
    pytest.param(["write:jira-work"], [CREATE_PRIORITY], [], [], ["write:jira-work"], [], [], id="connect-inaccessible-is-not-a-forge-problem"),
]


@pytest.mark.parametrize("declared, calls, hooks, missing, excess, possibly, suggested", FORGE_CASES)
def test_forge(declared, calls, hooks, missing, excess, possibly, suggested):
    rep, _ = audit(FORGE, declared, calls, hooks)
    assert (rep.missing, rep.excess, list(rep.possibly_needed), rep.suggested) == (missing, excess, possibly, suggested)


def kinds(findings):
    return sorted((f.classification, f.kind) for f in findings)


def test_connect_inaccessible_call_is_refused_whatever_is_declared():
    rep, findings = audit(CONNECT, ["ADMIN", "ACT_AS_USER"], [CREATE_PRIORITY])
    assert ("missing", "inaccessible") in kinds(findings)
    assert rep.missing == [] and rep.calls[0].status == "missing"


def test_warnings_follow_the_operation():
    _, findings = audit(FORGE, ["read:jira-work", "manage:jira-project"], [GET_ISSUE, ("GET", "/rest/api/3/workflow/search"), SERVER_INFO])
    assert kinds(findings) == [
        ("ok", "call"), ("ok", "call"), ("warning", "app-access-rule"), ("warning", "deprecated"), ("warning", "no-oauth-scope"),
    ]


def test_hedged_excess_names_what_might_need_it():
    _, findings = audit(CONNECT, ["READ", "WRITE"], [GET_ISSUE, ANYTHING])
    (f,) = [f for f in findings if f.kind == "excess"]
    assert f.classification == "needs-review" and "might be needed by 1 unresolved use: the call at src/a.js:2:1" in f.message


def test_unresolved_method_lists_what_each_candidate_needs():
    _, findings = audit(CONNECT, ["READ"], [SOME_ISSUE_METHOD])
    (f,) = [f for f in findings if f.kind != "excess"]
    assert (f.classification, f.kind) == ("needs-review", "unresolved-method")
    assert "DELETE needs DELETE; GET needs READ; PUT needs WRITE" in f.message


def test_unknown_method_with_one_requirement_is_resolved():
    rep, findings = audit(FORGE, ["read:jira-user"], [(None, "/rest/api/3/myself")])  # getCurrentUser, the only one
    assert kinds(findings) == [("ok", "call")] and rep.needed == ["read:jira-user"]
    rep, findings = audit(CONNECT, ["READ"], [(None, "/rest/api/3/issue/" + D + "/properties/" + D)])
    assert kinds(findings) == [("needs-review", "excess"), ("needs-review", "unresolved-method")]  # READ, WRITE, DELETE


def test_unknown_scope_findings():
    _, findings = audit(CONNECT, ["READ", "WIRTE"], [GET_ISSUE])
    assert ("needs-review", "unknown-scope") in kinds(findings)
    _, findings = audit(FORGE, ["read:jira-work", "read:jira-wrok", "storage:app"], [GET_ISSUE])
    assert [f.scopes for f in findings if f.kind == "unknown-scope"] == [("read:jira-wrok",)]


def cof_call(method, url, via, n=1):
    return Call("src/a.js", "javascript", n, 1, n, 2, url, method, "", via, url)


def cof_audit(declared, calls, hooks=()):
    app = App(FORGE, "app/manifest.yml", "app", "app", tuple(Declared(d, HERE) for d in declared), HERE, tuple(hooks))
    return audit_app(app, calls, [], table())


COF_CASES = [
    # (declared, (method, url, via)) -> (status of the call, missing, excess)
    pytest.param(["write:connect-jira"], ADD_COMMENT + ("addon.httpClient(req).post",), "ok", [], [], id="remote-call-on-connect-scope"),
    pytest.param(["write:connect-jira"], ADD_COMMENT + ("api.asApp().requestJira",), "missing", ["write:jira-work"], ["write:connect-jira"], id="forge-call-needs-oauth"),
    pytest.param(["read:connect-jira"], ADD_COMMENT + ("addon.httpClient(req).post",), "missing", ["write:connect-jira"], [], id="remote-call-missing-connect-scope"),
    pytest.param(["write:jira-work", "write:connect-jira"], ADD_COMMENT + ("jira.send",), "ok", [], [], id="either-origin-both-used"),
    pytest.param(["admin:connect-jira"], GET_ISSUE + ("AP.request",), "ok", [], ["admin:connect-jira"], id="broader-connect-on-forge-scope"),
]


@pytest.mark.parametrize("declared, call, status, missing, excess", COF_CASES)
def test_connect_on_forge(declared, call, status, missing, excess):
    rep, _ = cof_audit(declared, [cof_call(*call)])
    assert (rep.calls[0].status, rep.missing, rep.excess) == (status, missing, excess)


def test_connect_on_forge_suggestion_replaces_a_broader_connect_scope():
    rep, _ = cof_audit(["admin:connect-jira"], [cof_call(*GET_ISSUE, "AP.request")])
    assert rep.suggested == ["read:connect-jira"]


def test_connect_on_forge_webhook_needs_read_connect_jira():
    rep, findings = cof_audit(["read:jira-work"], [], hooks=[WEBHOOK])
    assert rep.missing == ["read:connect-jira"] and ("missing", "webhook") in kinds(findings)


def test_a_url_no_call_sends_is_never_missing():
    """`<a href={`/rest/api/3/attachment/content/${id}`}>` or a URL builder's return value: not proven to be
    a request of the app, so it needs review (and keeps scopes from being plain excess) but is never missing."""
    link = Call("src/a.jsx", "javascript", 1, 1, 1, 2, "/rest/api/3/attachment/content/" + D, None, "the code does not show the call that sends this URL", "", "")
    rep, findings = audit_app(App(FORGE, "m.yml", "app", "app", (Declared("read:jira-work", HERE),), HERE, ()), [link], [], table())
    assert kinds(findings) == [("needs-review", "excess"), ("needs-review", "unresolved-method")]
    assert rep.missing == []
