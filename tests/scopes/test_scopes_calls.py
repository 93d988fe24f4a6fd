"""Call extraction per language: (source, expected calls) tables. A call is (line, method, path as built);
the path is what paths.parse_url makes of the URL text ("{}" where the code has a run-time piece), None
when the URL cannot be read."""

from __future__ import annotations

import pytest

from migrate.scopes.calls import extract
from migrate.scopes.groovy_calls import extract as extract_groovy
from migrate.scopes.paths import parse_url


def calls(lang: str, src: str):
    fc = extract_groovy("x.groovy", src) if lang == "groovy" else extract("x", lang, src)
    out = []
    for c in fc.calls:
        p = parse_url(c.url)
        out.append((c.line, c.method, p.display if p else None))
    return out


CALLS = [
    # ---------------------------------------------------------------- Forge
    pytest.param("typescript", "await api.asApp().requestJira(route`/rest/api/3/issue/${key}`);",
                 [(1, "GET", "/rest/api/3/issue/{}")], id="forge-route-default-get"),
    pytest.param("typescript", "await api.asUser().requestJira(route`/rest/api/3/issue/${k}`, { method: 'PUT', body });",
                 [(1, "PUT", "/rest/api/3/issue/{}")], id="forge-options-method"),
    pytest.param("typescript", "await api.asUser().requestJira(route`/rest/api/3/issue/${k}`, opts);",
                 [(1, None, "/rest/api/3/issue/{}")], id="forge-options-elsewhere"),
    pytest.param("typescript", "await api.asUser().requestJira(route`/rest/api/3/issue/${k}`, { ...base, headers });",
                 [(1, None, "/rest/api/3/issue/{}")], id="forge-options-spread-may-hold-method"),
    pytest.param("typescript", "await api.asApp().requestJira(route`/rest/api/3/issue/${k}`, { method });",
                 [(1, None, "/rest/api/3/issue/{}")], id="forge-method-variable"),
    pytest.param("javascript", "const r = await requestJira(`/rest/api/3/project/${key}/versions`, { headers: {} });",
                 [(1, "GET", "/rest/api/3/project/{}/versions")], id="forge-bridge-options-without-method"),
    pytest.param("typescript", "await api.asApp().requestJira(assumeTrustedRoute(path));",
                 [(1, "GET", None)], id="forge-dynamic-route-is-still-a-call"),
    pytest.param("typescript", "await api.asApp().requestJira(route`${API_BASE}/issue/${k}`);",
                 [(1, "GET", None)], id="forge-base-from-another-file"),
    pytest.param("typescript", "await properties.onJiraIssue(key).set('x', v);\nconst p = await properties.onJiraProject(k).get('y');",
                 [(1, "PUT", "/rest/api/3/issue/{}/properties/{}"), (2, "GET", "/rest/api/3/project/{}/properties/{}")], id="forge-properties-api"),
    pytest.param("typescript", "const props = properties.onJiraIssue(key);\nawait props.delete('x');",
                 [(1, None, "/rest/api/3/issue/{}/properties/{}")], id="forge-properties-through-a-variable"),
    # ---------------------------------------------------------------- Connect JS
    pytest.param("javascript", "AP.request({ url: '/rest/api/3/issue/' + key, type: 'DELETE' });",
                 [(1, "DELETE", "/rest/api/3/issue/{}")], id="ap-request-type"),
    pytest.param("javascript", "AP.request('/rest/api/3/myself', { success: cb });",
                 [(1, "GET", "/rest/api/3/myself")], id="ap-request-url-first"),
    pytest.param("javascript", "httpClient.del({ url: `/rest/api/3/issue/${k}/comment/${id}` }, cb);",
                 [(1, "DELETE", "/rest/api/3/issue/{}/comment/{}")], id="ace-del"),
    pytest.param("javascript", "addon.httpClient(req).asUserByAccountId(id).post({ url: '/rest/api/3/issue', json: b }, cb);",
                 [(1, "POST", "/rest/api/3/issue")], id="ace-as-user"),
    pytest.param("javascript", "httpClient.get(someUrl, cb);", [(1, "GET", None)], id="ace-url-elsewhere"),
    pytest.param("javascript", "const url = `/rest/api/3/search/jql?jql=${q}`;\nconst r = await fetch(url, { method: 'POST' });",
                 [(1, "POST", "/rest/api/3/search/jql")], id="through-a-local-variable"),
    pytest.param("javascript", "const url = `/rest/api/3/issue/${k}`;\nawait fetch(url);\nawait fetch(url, { method: 'DELETE' });",
                 [(1, None, "/rest/api/3/issue/{}")], id="variable-sent-with-two-methods"),
    pytest.param("javascript", "const API = '/rest/api/3';\nasync function f(k) { return fetch(`${API}/issue/${k}`, { method: 'PUT' }); }",
                 [(2, "PUT", "/rest/api/3/issue/{}")], id="file-constant-base"),
    pytest.param("javascript", "const ISSUE = '/rest/api/3/issue';\nawait jira.post(ISSUE, body);",
                 [(2, "POST", "/rest/api/3/issue")], id="file-constant-whole-url"),
    pytest.param("javascript", "export function issueUrl(k) { return '/rest/api/3/issue/' + k; }",
                 [(1, None, "/rest/api/3/issue/{}")], id="url-builder-function"),
    pytest.param("javascript", "await jiraGet('/rest/api/3/field');\nawait getUrl('/rest/api/3/field');",
                 [(1, "GET", "/rest/api/3/field"), (2, None, "/rest/api/3/field")], id="helper-names"),
    # ---------------------------------------------------------------- Python
    pytest.param("python", 'r = session.request("POST", f"{base}/rest/api/3/issue/{key}/comment", json=b)',
                 [(1, "POST", "/rest/api/3/issue/{}/comment")], id="py-request-method"),
    pytest.param("python", 'r = requests.request(method="PUT", url=BASE + "/rest/api/3/issue/" + key)',
                 [(1, "PUT", "/rest/api/3/issue/{}")], id="py-keywords"),
    pytest.param("python", 'u = "/rest/api/2/issue/{}".format(key)\nrequests.delete(u)',
                 [(1, "DELETE", "/rest/api/3/issue/{}")], id="py-format-then-variable"),
    pytest.param("python", 'r = jira.get("rest/api/2/search", params={"method": "POST"})',
                 [(1, "GET", "/rest/api/3/search")], id="py-params-dict-is-not-options"),
    pytest.param("python", 'r = requests.post("/rest/api/3/issue/%s/comment" % key, json=b)',
                 [(1, "POST", "/rest/api/3/issue/{}/comment")], id="py-percent-format"),
    pytest.param("python", 'API = "/rest/api/3"\n\ndef f(s, k):\n    return s.get(s.base + API + "/issue/" + k)',
                 [(4, "GET", "/rest/api/3/issue/{}")], id="py-module-constant"),
    # ---------------------------------------------------------------- Java / Kotlin
    pytest.param("java", 'class A { void f() { restTemplate.exchange("/rest/api/3/issue/" + k, HttpMethod.PUT, e, String.class); } }',
                 [(1, "PUT", "/rest/api/3/issue/{}")], id="java-exchange"),
    pytest.param("java", 'class A { Object f() { return rest.authenticatedAsAddon().getForObject("/rest/api/2/issue/{key}", Map.class, k); } }',
                 [(1, "GET", "/rest/api/3/issue/{}")], id="java-acsb-uri-template"),
    pytest.param("java", 'class A { void f() { new Request.Builder().url(base + "/rest/api/3/issue").post(body).build(); } }',
                 [(1, "POST", "/rest/api/3/issue")], id="java-okhttp-builder"),
    pytest.param("java", 'class A { void f() { HttpRequest.newBuilder(URI.create(base + "/rest/api/3/project")).build(); } }',
                 [(1, "GET", "/rest/api/3/project")], id="java-http-client-default-get"),
    pytest.param("java", 'class A { void f() { String u = String.format("/rest/api/3/issue/%s/transitions", k);\n  client.postJson(u, b); } }',
                 [(1, "POST", "/rest/api/3/issue/{}/transitions")], id="java-format-variable-verb-helper"),
    pytest.param("java", 'class A { static final String API = "/rest/api/2";\n void f() { rest.getForObject(API + "/myself", Map.class); } }',
                 [(2, "GET", "/rest/api/3/myself")], id="java-static-final-base"),
    pytest.param("kotlin", 'suspend fun f() = client.request("$base/rest/api/3/version/${id}") { method = HttpMethod.Put }',
                 [(1, "PUT", "/rest/api/3/version/{}")], id="kotlin-ktor-block"),
    pytest.param("kotlin", 'const val API = "/rest/api/3"\nsuspend fun f() = client.delete("$base$API/issue/$key")',
                 [(2, "DELETE", "/rest/api/3/issue/{}")], id="kotlin-const-in-template"),
    # ---------------------------------------------------------------- Go / PHP
    pytest.param("go", 'package x\nfunc f() { http.NewRequestWithContext(ctx, http.MethodPut, base+"/rest/api/3/issue/"+k, b) }',
                 [(2, "PUT", "/rest/api/3/issue/{}")], id="go-method-constant"),
    pytest.param("go", 'package x\nfunc f() { c.http.Get(fmt.Sprintf("%s/rest/api/3/issue/%s", base, k)) }',
                 [(2, "GET", "/rest/api/3/issue/{}")], id="go-sprintf"),
    pytest.param("go", 'package x\nconst apiBase = "/rest/api/3"\nfunc f() { http.NewRequest("DELETE", base+apiBase+"/issue/"+k, nil) }',
                 [(3, "DELETE", "/rest/api/3/issue/{}")], id="go-const-base"),
    pytest.param("go", 'package x\nfunc f() { c.do(method, base+"/rest/api/3/issue/"+k) }',
                 [(2, None, "/rest/api/3/issue/{}")], id="go-method-at-run-time"),
    pytest.param("php", "<?php $r = $client->request('POST', \"/rest/api/3/issue/{$key}/comment\", ['json' => $b]);",
                 [(1, "POST", "/rest/api/3/issue/{}/comment")], id="php-guzzle-request"),
    pytest.param("php", "<?php class J { const API = '/rest/api/3';\n function f($k) { return $this->c->get(self::API . '/project/' . $k); } }",
                 [(2, "GET", "/rest/api/3/project/{}")], id="php-class-constant"),
    pytest.param("php", "<?php $r = Http::withToken($t)->delete(\"{$this->base}/rest/api/3/issue/$key\");",
                 [(1, "DELETE", "/rest/api/3/issue/{}")], id="php-laravel"),
    # ---------------------------------------------------------------- Groovy
    pytest.param("groovy", 'def issue = get("/rest/api/3/issue/${issueKey}").asObject(Map)',
                 [(1, "GET", "/rest/api/3/issue/{}")], id="groovy-scriptrunner-get"),
    pytest.param("groovy", "post('/rest/api/2/issue/' + key + '/comment').body(b).asString()",
                 [(1, "POST", "/rest/api/3/issue/{}/comment")], id="groovy-concat"),
    pytest.param("groovy", "final String API = '/rest/api/3'\nUnirest.delete(\"${base}${API}/issue/${key}\").asEmpty()",
                 [(2, "DELETE", "/rest/api/3/issue/{}")], id="groovy-constant"),
    pytest.param("groovy", 'def url = "/rest/api/3/project/${key}"\ndef p = get(url).asObject(Map)',
                 [(1, "GET", "/rest/api/3/project/{}")], id="groovy-variable"),
]


@pytest.mark.parametrize("lang, src, expected", CALLS)
def test_calls(lang, src, expected):
    assert calls(lang, src) == expected


NOT_CALLS = [
    pytest.param("typescript", "// await api.asApp().requestJira(route`/rest/api/3/issue/${k}`);", id="comment"),
    pytest.param("typescript", "throw new Error(`Jira answered ${s} for /rest/api/3/issue/${k}`);", id="error-message"),
    pytest.param("javascript", "console.log('calling /rest/api/3/issue/' + k);", id="log-line"),
    pytest.param("javascript", "expect(url).toEqual('/rest/api/3/issue/X-1');", id="assertion"),
    pytest.param("typescript", "await api.asApp().requestConfluence(route`/wiki/rest/api/content/${id}`);", id="confluence"),
    pytest.param("python", 'def f():\n    """GET /rest/api/3/issue/{key} returns the issue."""\n    return 1', id="docstring"),
    pytest.param("python", 'log.info("GET /rest/api/3/issue/%s", key)', id="py-log"),
    pytest.param("go", 'package x\nfunc f() error { return fmt.Errorf("GET /rest/api/3/myself: %w", err) }', id="go-errorf"),
    pytest.param("java", 'class A { void f() { throw new IllegalStateException("cannot call /rest/api/3/myself"); } }', id="java-exception"),
    pytest.param("groovy", 'log.warn("GET /rest/api/3/myself failed")', id="groovy-log"),
    pytest.param("groovy", "// get('/rest/api/3/myself')", id="groovy-comment"),
]


@pytest.mark.parametrize("lang, src", NOT_CALLS)
def test_not_calls(lang, src):
    assert calls(lang, src) == []


MARKERS = [
    pytest.param("javascript", "addon.httpClient(req).asUserByAccountId(id).get('/x', cb);", ("impersonation", 1, 23), id="ace-as-user"),
    pytest.param("java", "class A { void f() { rest.authenticatedAsHostActor().delete(u); } }", ("impersonation", 1, 27), id="acsb-host-actor"),
    pytest.param("python", 'd = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}', ("impersonation", 1, 20), id="jwt-bearer-grant"),
    pytest.param("javascript", "// emailAddress\nconst e = user.emailAddress;", ("email-address", 2, 16), id="email-read-not-comment"),
]


@pytest.mark.parametrize("lang, src, expected", MARKERS)
def test_markers(lang, src, expected):
    fc = extract("x", lang, src)
    assert [(m.kind, m.line, m.column) for m in fc.markers][:1] == [expected]


def test_method_source_is_explained():
    fc = extract("x", "typescript", "await api.asUser().requestJira(route`/rest/api/3/issue/${k}`, { method: 'PUT' });")
    c = fc.calls[0]
    assert c.via == "api.asUser().requestJira" and "`method` option" in c.method_from
    assert c.snippet == "`/rest/api/3/issue/${k}`" and (c.line, c.column) == (1, 37)
