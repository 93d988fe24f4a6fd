"""JiraClient against `responses`: every endpoint, every error mapping, retries and the no-blind-POST rule."""

from __future__ import annotations

import logging
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest
import requests
import responses
from responses import matchers

from migrate.credentials import Credentials, EnvNames
from migrate.errors import (
    AmbiguousWriteError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    InvalidResponseError,
    JiraError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from migrate.jira.client import JiraClient, normalise_site_url
from migrate.jira.retry import RetryPolicy
from migrate.model import Holder

SITE = "https://acme.atlassian.net"
API = SITE + "/rest/api/3"


class Sleeps(list):
    def __call__(self, s):
        self.append(s)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(sleeps):
    c = JiraClient(SITE, Credentials.basic("me@acme.test", "tok-123456"), flavour="cloud", retry=RetryPolicy(sleep=sleeps))
    yield c
    c.close()


SCHEME = {
    "id": 10000,
    "name": "Default",
    "permissions": [
        {"id": 1, "permission": "BROWSE_PROJECTS", "holder": {"type": "group", "parameter": "jira-users", "value": "g-1"}},
        {"id": 2, "permission": "BROWSE_PROJECTS", "holder": {"type": "reporter"}},
    ],
}


# ---------------------------------------------------------------- endpoints


@responses.activate
def test_basic_auth_header_and_server_info(client):
    responses.get(API + "/serverInfo", json={"baseUrl": SITE, "deploymentType": "Cloud", "version": "1001.0.0-SNAPSHOT"})
    info = client.server_info()
    assert info["deploymentType"] == "Cloud"
    sent = responses.calls[0].request
    assert sent.headers["Authorization"].startswith("Basic ")
    assert sent.headers["Accept"] == "application/json"


@responses.activate
def test_bearer_auth():
    c = JiraClient(SITE, Credentials.bearer_token("bearer-abcdef"), flavour="cloud")
    responses.get(API + "/myself", json={"accountId": "x"})
    c.myself()
    assert responses.calls[0].request.headers["Authorization"] == "Bearer bearer-abcdef"


@responses.activate
def test_site_info_discovers_keys(client):
    responses.get(API + "/serverInfo", json={"baseUrl": SITE, "deploymentType": "Cloud", "serverTitle": "Acme"})
    responses.get(
        API + "/permissions",
        json={"permissions": {"BROWSE_PROJECTS": {"key": "BROWSE_PROJECTS", "name": "Browse Projects", "type": "PROJECT"},
                              "VIEW_ISSUES": {"key": "VIEW_ISSUES", "name": "View Issues", "type": "PROJECT"}}},
    )
    site = client.site_info()
    assert site.knows("VIEW_ISSUES") and not site.knows("VIEW_PROJECTS")
    assert site.missing(["VIEW_PROJECTS", "VIEW_ISSUES"]) == ("VIEW_PROJECTS",)
    assert site.identity == {"url": SITE, "base_url": SITE, "deployment_type": "Cloud", "server_title": "Acme"}
    assert client.request_count == 2


@responses.activate
def test_list_schemes_sends_expand(client):
    responses.get(
        API + "/permissionscheme",
        match=[matchers.query_param_matcher({"expand": "permissions,user,group,projectRole,field"})],
        json={"permissionSchemes": [SCHEME]},
    )
    schemes = client.list_schemes()
    assert len(schemes) == 1 and len(schemes[0].grants) == 2


@responses.activate
def test_get_scheme(client):
    responses.get(API + "/permissionscheme/10000", json=SCHEME)
    assert client.get_scheme(10000).name == "Default"
    assert "expand=permissions" in responses.calls[0].request.url


@responses.activate
def test_create_grant_posts_holder_verbatim(client):
    h = Holder.from_json({"type": "group", "parameter": "jira-users", "value": "g-1", "expand": "group"})
    responses.post(
        API + "/permissionscheme/10000/permission",
        match=[matchers.json_params_matcher({"permission": "VIEW_ISSUES", "holder": {"type": "group", "parameter": "jira-users", "value": "g-1"}})],
        status=201,
        json={"id": 99, "permission": "VIEW_ISSUES", "holder": {"type": "group", "parameter": "jira-users", "value": "g-1"}},
    )
    g = client.create_grant(10000, "VIEW_ISSUES", h)
    assert g.id == 99 and g.holder.identity == h.identity


@responses.activate
def test_delete_grant_and_missing_grant_is_400_not_404(client):
    responses.delete(API + "/permissionscheme/10000/permission/5", status=204)
    responses.delete(API + "/permissionscheme/10000/permission/6", status=400, json={"errorMessages": ["not found"], "errors": {}})
    assert client.delete_grant(10000, 5) is True
    assert client.delete_grant(10000, 6) is False


@responses.activate
def test_my_permissions_and_is_admin(client):
    responses.get(
        API + "/mypermissions",
        match=[matchers.query_param_matcher({"permissions": "ADMINISTER"})],
        json={"permissions": {"ADMINISTER": {"key": "ADMINISTER", "havePermission": True}}},
    )
    assert client.is_admin() is True


@responses.activate
def test_search_projects_follows_pages_and_project_scheme(client):
    responses.get(
        API + "/project/search",
        match=[matchers.query_param_matcher({"startAt": "0", "maxResults": "100", "status": "live,archived"})],
        json={"startAt": 0, "maxResults": 100, "total": 101, "isLast": False, "values": [{"id": str(i), "key": f"P{i}", "name": "p"} for i in range(100)]},
    )
    responses.get(
        API + "/project/search",
        match=[matchers.query_param_matcher({"startAt": "100", "maxResults": "100", "status": "live,archived"})],
        json={"startAt": 100, "maxResults": 100, "total": 101, "isLast": True, "values": [{"id": "100", "key": "LAST", "name": "l", "simplified": True}]},
    )
    projects = client.search_projects()
    assert len(projects) == 101 and projects[-1].simplified
    responses.get(API + "/project/LAST/permissionscheme", json={"id": 10000, "name": "Default"})
    assert client.project_scheme_id("LAST") == 10000


@responses.activate
def test_check_permissions(client):
    body = {"accountId": "u1", "projectPermissions": [{"permissions": ["VIEW_ISSUES"], "issues": [1]}]}
    responses.post(API + "/permissions/check", match=[matchers.json_params_matcher(body)],
                   json={"globalPermissions": [], "projectPermissions": [{"permission": "VIEW_ISSUES", "issues": [1], "projects": []}]})
    out = client.check_permissions(account_id="u1", project_permissions=[{"permissions": ["VIEW_ISSUES"], "issues": [1]}])
    assert out["projectPermissions"][0]["issues"] == [1]


@responses.activate
def test_auto_flavour_falls_back_to_data_center():
    c = JiraClient("http://127.0.0.1:8080/jira", Credentials.basic("admin", "dc-pass-word"))
    responses.get("http://127.0.0.1:8080/jira/rest/api/3/serverInfo", status=404)
    responses.get("http://127.0.0.1:8080/jira/rest/api/2/serverInfo", json={"baseUrl": "http://x", "deploymentType": "DataCenter"})
    responses.get("http://127.0.0.1:8080/jira/rest/api/2/permissionscheme", json={"permissionSchemes": []})
    assert c.api_version == "2"
    assert c.list_schemes() == []


def test_client_has_no_method_that_puts_a_grant_list():
    assert not [m for m in dir(JiraClient) if "put" in m.lower() or "update_scheme" in m.lower()]


# ---------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("acme.atlassian.net", "https://acme.atlassian.net"),
        ("https://ACME.atlassian.net/", "https://acme.atlassian.net"),
        ("https://acme.atlassian.net/rest/api/3", "https://acme.atlassian.net"),
        ("https://api.atlassian.com/ex/jira/1234-abcd", "https://api.atlassian.com/ex/jira/1234-abcd"),
        ("http://127.0.0.1:8990", "http://127.0.0.1:8990"),
        ("http://localhost:8990/", "http://localhost:8990"),
        ("http://[::1]:8990", "http://[::1]:8990"),
    ],
)
def test_normalise_site_url(raw, expected):
    assert normalise_site_url(raw) == expected


@pytest.mark.parametrize("raw", ["http://acme.atlassian.net", "ftp://x", "", "https://user:pw@acme.atlassian.net", "http://10.0.0.1",
                                 "http://[::1", "http://localhost:99999", "https://acme.atlassian.net:abc"])
def test_bad_site_urls(raw):
    with pytest.raises(ConfigError):
        normalise_site_url(raw)


# ---------------------------------------------------------------- error mapping


@responses.activate
def test_401_explains_tokens_and_gateway(client):
    responses.get(API + "/myself", status=401, body="Client must be authenticated")
    with pytest.raises(AuthenticationError) as e:
        client.myself()
    assert "401" in str(e.value) and "api.atlassian.com/ex/jira" in str(e.value)
    assert len(responses.calls) == 1  # never retried: repeated 401s trigger a CAPTCHA lock


@responses.activate
def test_403_names_permission_and_scope(client):
    responses.post(API + "/permissionscheme/1/permission", status=403,
                   json={"errorMessages": ["Only Jira administrators can perform this operation."], "errors": {}})
    with pytest.raises(PermissionDeniedError) as e:
        client.create_grant(1, "VIEW_ISSUES", Holder("anyone"))
    text = str(e.value)
    assert "Administer Jira" in text and "manage:jira-configuration" in text and "Only Jira administrators" in text


@responses.activate
def test_403_on_read_names_read_scope(client):
    responses.get(API + "/permissionscheme", status=403, json={"errorMessages": [], "errors": {}})
    with pytest.raises(PermissionDeniedError) as e:
        client.list_schemes()
    assert "read:jira-work" in str(e.value)


@responses.activate
def test_404_and_400_show_jira_messages(client):
    responses.get(API + "/permissionscheme/7", status=404, json={"errorMessages": ["No permission scheme with id 7"], "errors": {}})
    with pytest.raises(NotFoundError, match="No permission scheme with id 7"):
        client.get_scheme(7)
    responses.post(API + "/permissionscheme/7/permission", status=400,
                   json={"errorMessages": [], "errors": {"permission": "Unrecognized permission"}})
    with pytest.raises(BadRequestError, match="permission: Unrecognized permission"):
        client.create_grant(7, "VIEW_ISSUES", Holder("anyone"))


@responses.activate
def test_html_proxy_page_is_reported_as_such(client):
    responses.get(API + "/permissionscheme", status=200, body="<html><body>Sign in to your proxy</body></html>",
                  content_type="text/html")
    with pytest.raises(InvalidResponseError) as e:
        client.list_schemes()
    assert "text/html" in str(e.value) and "proxy" in str(e.value)


@responses.activate
def test_json_of_the_wrong_shape_is_invalid_response(client):
    responses.get(API + "/permissionscheme", json={"schemes": []})
    with pytest.raises(InvalidResponseError):
        client.list_schemes()


# ---------------------------------------------------------------- retries


@responses.activate
def test_retry_after_seconds_is_honoured(client, sleeps):
    responses.get(API + "/myself", status=429, headers={"Retry-After": "7", "RateLimit-Reason": "jira-burst-based"})
    responses.get(API + "/myself", json={"accountId": "x"})
    assert client.myself()["accountId"] == "x"
    assert len(sleeps) == 1 and 7 <= sleeps[0] <= 7 * 1.3


@responses.activate
def test_retry_after_http_date_is_honoured(client, sleeps):
    when = datetime.now(timezone.utc) + timedelta(seconds=20)
    responses.get(API + "/myself", status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    responses.get(API + "/myself", json={"accountId": "x"})
    client.myself()
    assert 17 <= sleeps[0] <= 20 * 1.3


@responses.activate
def test_x_ratelimit_reset_is_honoured(client, sleeps):
    reset = (datetime.now(timezone.utc) + timedelta(seconds=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    responses.get(API + "/myself", status=429, headers={"X-RateLimit-Reset": reset})
    responses.get(API + "/myself", json={"accountId": "x"})
    client.myself()
    assert 37 <= sleeps[0] <= 40 * 1.3


@responses.activate
def test_backoff_without_hint_is_exponential_and_bounded(client, sleeps):
    for _ in range(5):
        responses.get(API + "/myself", status=502)
    with pytest.raises(ServerError):
        client.myself()
    assert len(responses.calls) == 5  # 1 + 4 retries
    bases = [5, 10, 20, 30]
    assert all(b <= s <= b * 1.3 for s, b in zip(sleeps, bases))


@responses.activate
def test_rate_limit_gives_up_after_budget(client, sleeps):
    for _ in range(5):
        responses.get(API + "/myself", status=429, headers={"Retry-After": "1"})
    with pytest.raises(RateLimitedError):
        client.myself()


@responses.activate
def test_retry_after_longer_than_cap_fails_instead_of_hanging(client, sleeps):
    responses.get(API + "/myself", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(RateLimitedError):
        client.myself()
    assert sleeps == []


@responses.activate
def test_post_5xx_is_never_resent(client, sleeps):
    responses.post(API + "/permissionscheme/1/permission", status=500)
    with pytest.raises(AmbiguousWriteError):
        client.create_grant(1, "VIEW_ISSUES", Holder("anyone"))
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_post_connection_reset_is_ambiguous_not_resent(client, sleeps):
    responses.post(API + "/permissionscheme/1/permission", body=requests.exceptions.ConnectionError("Connection aborted: reset by peer"))
    with pytest.raises(AmbiguousWriteError):
        client.create_grant(1, "VIEW_ISSUES", Holder("anyone"))
    assert len(responses.calls) == 1


@responses.activate
def test_post_read_timeout_is_ambiguous(client):
    responses.post(API + "/permissionscheme/1/permission", body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(AmbiguousWriteError):
        client.create_grant(1, "VIEW_ISSUES", Holder("anyone"))
    assert len(responses.calls) == 1


@responses.activate
def test_post_429_is_retried_because_nothing_landed(client, sleeps):
    responses.post(API + "/permissionscheme/1/permission", status=429, headers={"Retry-After": "2"})
    responses.post(API + "/permissionscheme/1/permission", status=201, json={"id": 5, "permission": "VIEW_ISSUES", "holder": {"type": "anyone"}})
    assert client.create_grant(1, "VIEW_ISSUES", Holder("anyone")).id == 5
    assert len(responses.calls) == 2 and 2 <= sleeps[0]


@responses.activate
def test_get_reset_and_delete_5xx_are_retried(client, sleeps):
    responses.get(API + "/permissionscheme/1", body=requests.exceptions.ConnectionError("reset"))
    responses.get(API + "/permissionscheme/1", json=SCHEME)
    assert client.get_scheme(1).id == 10000
    responses.delete(API + "/permissionscheme/1/permission/2", status=503)
    responses.delete(API + "/permissionscheme/1/permission/2", status=204)
    assert client.delete_grant(1, 2) is True


@responses.activate
def test_connection_refused_fails_fast(client, sleeps):
    responses.get(API + "/myself", body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
    with pytest.raises(TransportError):
        client.myself()
    assert sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_connection_refused_after_the_site_answered_is_retried(client, sleeps):
    # a site that answered before and now refuses is restarting or overloaded, not a wrong URL
    responses.get(API + "/myself", json={"accountId": "a-1"})
    responses.get(API + "/permissionscheme/1", body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
    responses.get(API + "/permissionscheme/1", json=SCHEME)
    client.myself()
    assert client.get_scheme(1).id == 10000
    assert len(sleeps) == 1 and len(responses.calls) == 3


# ---------------------------------------------------------------- secrets


CANARY = "CANARY-tok-8c1f2e9d"


@responses.activate
def test_canary_token_never_leaks(caplog, capsys):
    caplog.set_level(logging.DEBUG)
    c = JiraClient(SITE, Credentials.basic("me@acme.test", CANARY), flavour="cloud", retry=RetryPolicy(sleep=lambda s: None))
    responses.get(API + "/myself", status=401, body=f"bad token {CANARY}")
    responses.get(API + "/permissionscheme", status=200, body=f"<html>{CANARY}</html>", content_type="text/html")
    responses.post(API + "/permissionscheme/1/permission", status=500, json={"errorMessages": [CANARY], "errors": {}})
    responses.get(API + "/serverInfo", status=400, json={"errorMessages": [f"echo {CANARY}"], "errors": {"x": CANARY}})
    seen = [repr(c), str(c.credentials), repr(c.credentials)]
    for call in (c.myself, c.list_schemes, lambda: c.create_grant(1, "X", Holder("anyone")), c.server_info):
        with pytest.raises(Exception) as e:
            call()
        seen += [str(e.value), repr(e.value), e.value.hint or ""]
    seen += [caplog.text, capsys.readouterr().out, capsys.readouterr().err]
    blob = "\n".join(seen)
    assert CANARY not in blob
    import base64
    assert base64.b64encode(f"me@acme.test:{CANARY}".encode()).decode() not in blob


# ---------------------------------------------------------------- diagnostics (what a message says, and why)


@responses.activate
def test_redirect_names_its_target_and_the_url_to_use(client):
    responses.get(API + "/myself", status=302, headers={"Location": "https://acme-new.atlassian.net/rest/api/3/myself?x=1"})
    with pytest.raises(JiraError) as e:
        client.myself()
    assert "redirects (302) to https://acme-new.atlassian.net/rest/api/3/myself" in e.value.message
    assert "use https://acme-new.atlassian.net as the site URL" in e.value.hint
    assert "does not follow redirects" in e.value.hint and len(responses.calls) == 1


@responses.activate
def test_relative_redirect_is_resolved_against_the_site():
    c = JiraClient("http://127.0.0.1:8990", Credentials.basic("a@b.c", "tok-1"), flavour="cloud", retry=RetryPolicy(sleep=lambda s: None))
    responses.get("http://127.0.0.1:8990/rest/api/3/myself", status=301, headers={"Location": "/login.jsp"})
    with pytest.raises(JiraError, match=r"redirects \(301\) to http://127.0.0.1:8990/login.jsp"):
        c.myself()


@responses.activate
def test_a_site_url_with_a_path_that_is_not_jira_says_so():
    c = JiraClient("http://127.0.0.1:8990/jira", Credentials.basic("a@b.c", "tok-1"), retry=RetryPolicy(sleep=lambda s: None))
    for v in ("3", "2"):
        responses.get(f"http://127.0.0.1:8990/jira/rest/api/{v}/serverInfo", status=404, json={"errorMessages": ["null for uri"]})
    with pytest.raises(NotFoundError) as e:
        c.server_info()
    assert "no Jira REST API at http://127.0.0.1:8990/jira" in e.value.message
    assert "has a path (/jira)" in e.value.hint and "Jira Cloud site URLs have none" in e.value.hint
    assert "may not see it" not in e.value.hint  # the old hint blamed the account's rights


@responses.activate
def test_401_names_the_variables_the_credentials_came_from():
    names = EnvNames(url="", email="ACME_EMAIL", token="ACME_TOKEN", bearer="")
    creds = Credentials.from_env({"ACME_EMAIL": "a@b.c", "ACME_TOKEN": "tok-acme-1"}, names)
    c = JiraClient(SITE, creds, flavour="cloud")
    responses.get(API + "/myself", status=401)
    with pytest.raises(AuthenticationError) as e:
        c.myself()
    assert "check ACME_EMAIL and ACME_TOKEN" in e.value.hint and "JIRA_" not in e.value.hint
    bearer = JiraClient(SITE, Credentials.from_env({"PAT": "p-1"}, EnvNames(email="", token="", bearer="PAT")), flavour="cloud")
    with pytest.raises(AuthenticationError) as e:
        bearer.myself()
    assert e.value.hint.startswith("check PAT")


@pytest.mark.parametrize(
    "url,assumed,hint",
    [
        ("127.0.0.1:8990", True, "write the scheme: http://127.0.0.1:8990"),
        ("https://127.0.0.1:8990", False, "write the scheme: http://127.0.0.1:8990"),
        ("jira.acme.internal", True, "use its https URL"),
    ],
)
@responses.activate
def test_https_to_a_plain_http_server_is_named(url, assumed, hint):
    c = JiraClient(url, Credentials.basic("a@b.c", "tok-1"), flavour="cloud", retry=RetryPolicy(sleep=lambda s: None))
    responses.get(c.url + "/rest/api/3/myself", body=requests.exceptions.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number"))
    with pytest.raises(TransportError) as e:
        c.myself()
    assert "answered plain HTTP to an https request" in e.value.message
    assert ("the URL had no scheme, so https:// was assumed" in e.value.message) is assumed
    assert hint in e.value.hint and "TLS verification failed" not in e.value.message


@responses.activate
def test_unreachable_and_unknown_hosts_get_a_hint(client, sleeps):
    responses.get(API + "/myself", body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
    with pytest.raises(TransportError) as e:
        client.myself()
    assert "nothing answers at https://acme.atlassian.net" in e.value.hint
    responses.get(API + "/serverInfo", body=requests.exceptions.ConnectionError("Failed to resolve: [Errno -2] Name or service not known"))
    with pytest.raises(TransportError) as e:
        client.server_info()
    assert "does not resolve" in e.value.message and "check the site URL" in e.value.hint
    assert client.stats["transport:ConnectionError"] == 2


@pytest.mark.parametrize(
    "url, direct",
    [
        ("http://127.0.0.1:8990", True),
        ("http://localhost:8990", True),
        ("http://[::1]:8990", True),
        ("https://acme.atlassian.net", False),
        ("https://jira.acme.internal", False),
    ],
)
def test_proxy_variables_apply_to_real_sites_never_to_loopback(url, direct, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = JiraClient(url, Credentials.basic("a@b.c", "secret-token-123"))
    session = client._session
    # read once when the client is made, not looked up again for every request
    assert session.trust_env is False
    settings = session.merge_environment_settings(client.url + "/rest/api/3/myself", {}, None, None, None)
    assert bool(settings["proxies"]) is (not direct)
    if not direct:
        assert settings["proxies"]["https"] == "http://proxy.example:3128"


def test_no_proxy_is_honoured_once_too(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "acme.atlassian.net")
    client = JiraClient("https://acme.atlassian.net", Credentials.basic("a@b.c", "secret-token-123"))
    settings = client._session.merge_environment_settings(client.url + "/rest/api/3/myself", {}, None, None, None)
    assert not settings["proxies"] or "https" not in settings["proxies"]


def test_a_ca_bundle_variable_is_kept(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    client = JiraClient("https://jira.acme.internal", Credentials.basic("a@b.c", "secret-token-123"))
    assert client._session.verify == str(bundle)


def test_a_403_names_the_permission_it_needed():
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, API + "/permissionscheme/5/permission", status=403, json={"errorMessages": ["Forbidden [/] here"]})
        client = JiraClient(SITE, Credentials.basic("a@b.c", "secret-token-123"), flavour="cloud", retry=RetryPolicy(sleep=lambda s: None))
        with pytest.raises(PermissionDeniedError) as e:
            client.create_grant(5, "VIEW_ISSUES", Holder("group", "g", "g"))
    assert e.value.needs == "the global permission 'Administer Jira' (scope manage:jira-configuration for OAuth or scoped tokens)"
    assert "Forbidden [/] here" in e.value.message
