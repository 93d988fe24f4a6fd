"""How JiraClient puts a request on the wire: what it sends is what Session.request would have sent (URL,
headers, body, proxies, TLS settings, cookies, hooks), for a fraction of the CPU; and the adapter's pool
and response shortcuts hold against a real local site."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
import responses
from hypothesis import given, strategies as st

from migrate.credentials import Credentials
from migrate.errors import ConfigError
from migrate.jira.client import JiraClient
from migrate.jira.transport import SiteAdapter, with_params
from migrate.jira.retry import RetryPolicy
from migrate.model import Holder
from migrate.sandbox import Sandbox

SITE = "https://acme.atlassian.net"
API = SITE + "/rest/api/3"
CREDS = Credentials.basic("me@acme.test", "tok-123456")


def make(url: str = SITE, **kw) -> JiraClient:
    return JiraClient(url, CREDS, flavour="cloud", retry=RetryPolicy(sleep=lambda s: None), **kw)


def requests_url(url: str, params) -> str:
    return requests.Request("GET", url, params=params).prepare().url


# --------------------------------------------------------------------------- the URL


@pytest.mark.parametrize(
    "path, params",
    [
        ("/rest/api/3/permissionscheme", {"expand": "permissions,user,group,projectRole,field"}),
        ("/rest/api/3/project/search", {"startAt": 0, "maxResults": 100, "status": "live,archived"}),
        ("/rest/api/3/mypermissions", {"permissions": "ADMINISTER", "projectKey": "ABC"}),
        ("/rest/api/3/permissionscheme/10000/permission/7", None),
        ("/rest/api/3/project/A B/permissionscheme", None),
        ("/rest/api/3/project/10001/permissionscheme", {"x": None}),
        ("/rest/api/3/search", {"jql": "project = \"ÄÖ\" & x=1"}),
    ],
)
def test_the_url_is_the_one_requests_would_prepare(path, params):
    assert with_params(SITE + path, params) == requests_url(SITE + path, params)


@given(
    key=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(lambda k: k not in (".", "..")),
    params=st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.text(max_size=12), st.integers()), max_size=4),
)
def test_any_params_and_project_key_encode_as_requests_would(key, params):
    """The client quotes a project key into its path segment; requests would also have removed a "." or
    ".." segment (which would have read another resource), where the client sends it as it is."""
    url = f"{SITE}/rest/api/3/project/{quote(key, safe='')}/permissionscheme"
    assert with_params(url, params) == requests_url(url, params)


@pytest.mark.parametrize("key, path", [("ABC", "/project/ABC/permissionscheme"), ("10001", "/project/10001/permissionscheme"),
                                       ("A/B?c#d", "/project/A%2FB%3Fc%23d/permissionscheme"), ("..", "/project/../permissionscheme")])
def test_a_project_key_stays_one_path_segment(key, path):
    client = make()
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, API + path, json={"id": 7})
        assert client.project_scheme_id(key) == 7
        assert rsps.calls[0].request.url == API + path


# --------------------------------------------------------------------------- what goes out


def sent_by_session_request(method: str, url: str, **kw) -> requests.PreparedRequest:
    """The request a default-configured Session.request makes of the same call (the old way)."""
    with responses.RequestsMock() as rsps:
        rsps.add(method, url.split("?", 1)[0], json={})
        s = requests.Session()
        s.headers.update(kw.pop("session_headers", {}))
        s.request(method, url, allow_redirects=False, **kw)
        return rsps.calls[0].request


@pytest.mark.parametrize("with_body", [False, True])
def test_headers_and_body_are_those_session_request_sends(with_body):
    client = make()
    body = {"permission": "VIEW_ISSUES", "holder": {"type": "group", "value": "g-1"}}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, API + "/permissionscheme/5/permission", json={"id": 1, **body})
        rsps.add(responses.GET, API + "/permissionscheme/5", json={"id": 5, "name": "S"})
        if with_body:
            client.create_grant(5, "VIEW_ISSUES", Holder("group", value="g-1"))
        else:
            client.request("GET", "/permissionscheme/5")
        ours = rsps.calls[0].request
    expected_headers = {"Authorization": client._auth_header, **({"Content-Type": "application/json"} if with_body else {})}
    theirs = sent_by_session_request(
        ours.method, ours.url, headers=expected_headers, data=ours.body,
        session_headers={k: v for k, v in client._session.headers.items()},
    )
    assert (ours.method, ours.url) == (theirs.method, theirs.url)
    assert {k.lower(): v for k, v in ours.headers.items()} == {k.lower(): v for k, v in theirs.headers.items()}
    assert ours.body == theirs.body
    if with_body:
        assert ours.body == b'{"permission": "VIEW_ISSUES", "holder": {"type": "group", "value": "g-1"}}'


def test_timeout_verify_and_proxies_reach_the_adapter(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = make(timeout=(3.0, 40.0))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, API + "/myself", json={"accountId": "a"})
        client.myself()
        kw = rsps.calls[0].request.req_kwargs
    assert kw["timeout"] == (3.0, 40.0)
    assert kw["verify"] == client._session.verify and kw["verify"] and kw["stream"] is False
    assert kw["proxies"]["https"] == "http://proxy.example:3128"


def test_a_loopback_site_gets_no_proxy_even_from_a_callers_session(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    client = make("http://127.0.0.1:8990", session=requests.Session())
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "http://127.0.0.1:8990/rest/api/3/myself", json={"accountId": "a"})
        client.myself()
        assert not rsps.calls[0].request.req_kwargs["proxies"]


def test_a_callers_session_with_trust_env_has_its_environment_read_per_request(monkeypatch):
    client = make(session=requests.Session())
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, API + "/myself", json={"accountId": "a"})
        client.myself()
        monkeypatch.setenv("HTTPS_PROXY", "http://later.example:3128")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client.myself()
        first, second = (c.request.req_kwargs["proxies"] for c in rsps.calls)
    assert "https" not in first and second["https"] == "http://later.example:3128"


def test_a_session_header_of_another_case_is_replaced_not_doubled():
    s = requests.Session()
    s.headers["authorization"] = "Basic someone-else"
    client = make(session=s)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, API + "/myself", json={"accountId": "a"})
        client.myself()
        sent = rsps.calls[0].request.headers
    assert [v for k, v in sent.items() if k.lower() == "authorization"] == [client._auth_header]


def test_cookies_the_site_sets_are_sent_back_as_a_session_would():
    client = make()
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, API + "/myself", json={"accountId": "a"}, headers={"Set-Cookie": "JSESSIONID=abc; Path=/"})
        rsps.add(responses.GET, API + "/myself", json={"accountId": "a"})
        client.myself()
        client.myself()
        assert "Cookie" not in rsps.calls[0].request.headers
        assert rsps.calls[1].request.headers["Cookie"] == "JSESSIONID=abc"


def test_the_sessions_response_hooks_see_every_answer():
    client = make()
    seen = []
    client._session.hooks["response"].append(lambda r, *a, **kw: seen.append(r.status_code))
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, API + "/myself", status=429, headers={"Retry-After": "0"})
        rsps.add(responses.GET, API + "/myself", json={"accountId": "a"})
        client.myself()
    assert seen == [429, 200]


# --------------------------------------------------------------------------- the adapter, for real


@pytest.fixture
def site():
    sb = Sandbox("demo").start()
    yield sb
    sb.stop()


def test_one_pool_per_origin_and_a_new_one_once_it_was_closed(site):
    client = JiraClient(site.url, Credentials.basic(site.admin.email, site.admin.token))
    adapter = client._session.get_adapter(site.url)
    assert isinstance(adapter, SiteAdapter)
    client.myself()
    client.server_info()
    pools = set(map(id, adapter._pools.values()))
    assert len(pools) == 1 and len(adapter._pools) == 1
    (pool,) = adapter._pools.values()
    assert pool.num_connections == 1  # the connection was kept alive and reused
    client.close()
    assert client.myself()["emailAddress"] == site.admin.email  # a closed adapter opens a new pool
    assert adapter._pools and next(iter(adapter._pools.values())) is not pool


def test_request_url_and_pool_through_a_proxy_are_requests_own():
    adapter = SiteAdapter()
    req = requests.Request("GET", "http://jira.example/rest/api/2/myself?x=1").prepare()
    proxies = {"http": "http://proxy.example:3128"}
    assert adapter.request_url(req, proxies) == requests.adapters.HTTPAdapter().request_url(req, proxies)
    assert adapter.request_url(req, {}) == "/rest/api/2/myself?x=1"
    assert adapter.get_connection_with_tls_context(req, True, proxies=proxies).proxy is not None
    assert not adapter._pools


def test_an_error_status_from_a_real_site_is_read_whole(site):
    client = JiraClient(site.url, Credentials.basic(site.admin.email, site.admin.token))
    with pytest.raises(Exception) as e:
        client.get_scheme(987654)
    assert "404" in str(e.value)
    assert client.request_count == 2  # serverInfo (flavour auto), then the scheme; no retry of a 404


@pytest.mark.parametrize("token", ["abc\ndef-secret", "abc\r\nX-Evil: 1", "tök-secret", "abc\x00def", " padded-secret"])
def test_a_bearer_token_that_cannot_be_a_header_is_refused_without_showing_it(token):
    with pytest.raises(ConfigError) as e:
        JiraClient(SITE, Credentials.bearer_token(token), flavour="cloud")
    assert "secret" not in e.value.message and "def" not in e.value.message and "X-Evil" not in e.value.message
