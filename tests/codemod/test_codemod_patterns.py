"""The pattern classes that made rewrites change what a program does (and the silences), each as a class.

1. a request rewritten while a read of its response still names the old key (helpers, bulk-check results,
   map getters, path strings, mocked responses);  2. access-deciding grant filters widened;  3. assertions
   rewritten;  4. fixtures expanded while the same file asserts their contents;  5. occurrences with no
   finding;  6. Data Center / Server code rewritten. (7, skipped files, is in test_codemod_scanner/_cli.)

Every case states the property, not only the output: a unit is rewritten whole or not at all; an assertion
never changes; a Data Center file never changes; every occurrence outside comments has a finding.
"""

from __future__ import annotations

import textwrap

import pytest

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN, rewrite


def d(s: str) -> str:
    return textwrap.dedent(s).lstrip("\n")


def lines(res, cls=None):
    return sorted({f.line for f in res.findings if cls is None or f.classification == cls})


# ------------------------------------------------------------------------------------------ 1. units

UNIT_CASES = [
    pytest.param(
        "sync/perms.py",
        d("""
        import requests

        def has(perms, key):
            return bool(perms.get("permissions", {}).get(key, {}).get("havePermission"))

        def can_browse(session, project_key):
            url = f"/rest/api/3/mypermissions?projectKey={project_key}&permissions=BROWSE_PROJECTS"
            perms = session.get(url).json()
            return has(perms, "BROWSE_PROJECTS")
        """),
        [7, 9],
        id="helper-in-another-function",
    ),
    pytest.param(
        "src/bulk.ts",
        d("""
        export async function visibleIssues(issueIds: number[]) {
          const res = await api.asUser().requestJira(route`/rest/api/3/permissions/check`, {
            method: "POST",
            body: JSON.stringify({ projectPermissions: [{ permissions: ["BROWSE_PROJECTS"], issues: issueIds }] }),
          });
          const data = await res.json();
          const hit = data.projectPermissions.find((p: any) => p.permission === "BROWSE_PROJECTS");
          return hit ? hit.issues : [];
        }
        """),
        [4, 7],
        id="find-over-bulk-check-result",
    ),
    pytest.param(
        "src/main/java/app/Perms.java",
        d("""
        class Perms {
            boolean canBrowse(String key) {
                String url = "/rest/api/3/mypermissions?projectKey=" + key + "&permissions=BROWSE_PROJECTS";
                Map<String, UserPermission> perms = http.get(url, MyPermissions.class).getPermissions();
                return perms.get("BROWSE_PROJECTS").isHavePermission();
            }
        }
        """),
        [3, 5],
        id="map-get-on-a-local",
    ),
    pytest.param(
        "app/Perms.php",
        d("""
        <?php
        function canSee($client, $issueKey) {
            $payload = $client->get('/rest/api/3/mypermissions?issueKey=' . $issueKey . '&permissions=BROWSE_PROJECTS')->json();
            return data_get($payload, 'permissions.BROWSE_PROJECTS.havePermission', false);
        }
        """),
        [3, 4],
        id="dotted-path-getter",
    ),
    pytest.param(
        "test/perms.test.js",
        d("""
        const nock = require("nock");
        const { canSee } = require("../src/perms");

        test("asks for the project permission", async () => {
          nock("https://x.atlassian.net")
            .get("/rest/api/3/mypermissions")
            .query({ projectKey: "OPS", permissions: "BROWSE_PROJECTS" })
            .reply(200, { permissions: { BROWSE_PROJECTS: { havePermission: true } } });
          await canSee("OPS");
        });
        """),
        [7, 8],
        id="mocked-response-next-to-a-mocked-request",
    ),
]


@pytest.mark.parametrize("path, src, unit", UNIT_CASES)
def test_a_unit_changes_whole_or_not_at_all(path, src, unit):
    res = rewrite(path, src)
    assert res.new_source == src, "a unit with an uncertain member must not change"
    assert lines(res) == unit
    for f in res.findings:
        assert f.classification == NEEDS_REVIEW
        others = [n for n in unit if n != f.line]
        assert all(f"line {n}" in f.message or f"lines {n}" in f.message or f" {n}" in f.message for n in others), f.message


# ------------------------------------------------------------------------------------------ 2. access filters


@pytest.mark.parametrize(
    "lang, src",
    [
        pytest.param(
            "python",
            d("""
            def issue_viewers(grants):
                out = set()
                for grant in grants:
                    if grant.get("permission") != "BROWSE_PROJECTS":
                        continue
                    out.add(grant["holder"]["parameter"])
                return out
            """),
            id="python-holders",
        ),
        pytest.param("javascript", "const viewers = grants.filter((g) => g.permission === 'BROWSE_PROJECTS').map((g) => g.holder);\n", id="js-holders"),
        pytest.param("kotlin", 'fun canSee(g: Grant, group: String) = g.permission == "BROWSE_PROJECTS" && g.holder.parameter == group\n', id="kotlin-can-see"),
        pytest.param("groovy", "def allowed = grants.findAll { it.permission == 'BROWSE_PROJECTS' }*.holder\n", id="groovy-allowed"),
    ],
)
def test_access_filters_never_widen(lang, src):
    res = rewrite(lang, src)
    assert res.new_source == src
    assert "VIEW_PROJECTS alone" in res.findings[0].message


# ------------------------------------------------------------------------------------------ 3. assertions

ASSERTIONS = [
    ("python", 'def test_parse():\n    assert parse("x") == "BROWSE_PROJECTS"\n'),
    ("python", 'class T(TestCase):\n    def test_k(self):\n        self.assertEqual(key(), "BROWSE_PROJECTS")\n'),
    ("typescript", 'test("k", () => {\n  expect(required()).toBe("BROWSE_PROJECTS");\n});\n'),
    ("javascript", 'it("k", () => {\n  assert.strictEqual(required(), "BROWSE_PROJECTS");\n});\n'),
    ("java", 'class T { @Test void k() { assertEquals("BROWSE_PROJECTS", Perms.required()); } }\n'),
    ("java", 'class T { @Test void k() { assertThat(Perms.required()).isEqualTo("BROWSE_PROJECTS"); } }\n'),
    ("kotlin", 'class T { @Test fun k() { required() shouldBe "BROWSE_PROJECTS" } }\n'),
    ("go", 'package p\n\nfunc TestK(t *testing.T) {\n\tif got := required(); got != "BROWSE_PROJECTS" {\n\t\tt.Errorf("got %s", got)\n\t}\n}\n'),
    ("go", 'package p\n\nfunc TestK(t *testing.T) {\n\tassert.Equal(t, "BROWSE_PROJECTS", required())\n}\n'),
    ("php", '<?php\nclass T extends TestCase { function testK() { $this->assertSame("BROWSE_PROJECTS", required()); } }\n'),
    ("groovy", 'def "k"() {\n    expect:\n    assert required() == "BROWSE_PROJECTS"\n}\n'),
]


@pytest.mark.parametrize("lang, src", ASSERTIONS, ids=[f"{lang}-{i}" for i, (lang, _) in enumerate(ASSERTIONS)])
def test_assertions_are_never_rewritten(lang, src):
    res = rewrite(lang, src)
    assert res.new_source == src
    assert [f.rule for f in res.findings] == ["assertion"]
    assert res.findings[0].classification == NEEDS_REVIEW


def test_an_assertion_holds_back_the_code_it_tests():
    src = d("""
        def query(key):
            return f"/rest/api/3/mypermissions?projectKey={key}&permissions=BROWSE_PROJECTS"

        def test_query():
            assert query("OPS").endswith("permissions=BROWSE_PROJECTS")
        """)
    res = rewrite("perms.py", src)
    assert res.new_source == src
    assert {(f.line, f.rule) for f in res.findings} == {(2, "url-query"), (5, "assertion")}


# ------------------------------------------------------------------------------------------ 4. asserted fixtures


@pytest.mark.parametrize(
    "path, src",
    [
        pytest.param(
            "tests/test_scheme.py",
            d("""
            GRANTS = [
                {"holder": {"type": "group", "parameter": "staff"}, "permission": "BROWSE_PROJECTS"},
                {"holder": {"type": "group", "parameter": "staff"}, "permission": "EDIT_ISSUES"},
            ]

            def test_two_grants():
                assert len(GRANTS) == 2
            """),
            id="python-len",
        ),
        pytest.param(
            "src/scheme.test.ts",
            d("""
            const grants = [
              { holder: { type: "group", parameter: "staff" }, permission: "BROWSE_PROJECTS" },
            ];
            it("keeps one grant", () => {
              expect(toScheme(grants).permissions.map((g) => g.permission)).toEqual(["BROWSE_PROJECTS"]);
            });
            """),
            id="ts-permission-set",
        ),
    ],
)
def test_fixtures_with_asserted_contents_are_left(path, src):
    res = rewrite(path, src)
    assert res.new_source == src
    grant = [f for f in res.findings if f.rule == "grant"]
    assert grant and grant[0].classification == NEEDS_REVIEW and "asserts" in grant[0].message


def test_a_fixture_nobody_asserts_is_still_expanded():
    src = 'SCHEME = {"permissions": [{"holder": {"type": "group", "parameter": "staff"}, "permission": "BROWSE_PROJECTS"}]}\n'
    assert "VIEW_ISSUES" in rewrite("seed.py", src).new_source


# ------------------------------------------------------------------------------------------ 5. no silence

SILENT_ON_MAIN = [
    pytest.param("javascript", 'fetch(`/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS,VIEW_ISSUES&${q}`);\n', "url-query", id="mixed-list-no-context"),
    pytest.param("python", 'params = {"permissions": "BROWSE_PROJECTS,VIEW_ISSUES"}\n', "check-body", id="mixed-param-no-context"),
    pytest.param(
        "atlassian-connect.json",
        '{"conditions": [{"condition": "has_project_permission", "params": {"permission": "browse_projects"}}]}\n',
        "key-variant",
        id="connect-lower-case",
    ),
    pytest.param(
        "atlassian-connect.json",
        '{"conditions": [{"condition": "has_issue_permission", "params": {"permission": "browse"}}]}\n',
        "key-variant",
        id="connect-short-name",
    ),
    pytest.param("python", 'jql = "project in projectsWhereUserHasPermission(\\"Browse Projects\\")"\n', "key-variant", id="jql-display-name"),
    pytest.param("typescript", "const jql = `project in projectsWhereUserHasPermission('BROWSE_PROJECTS') ORDER BY key`;\n", "unrecognised", id="jql-key"),
    pytest.param("groovy", "def jql = 'project in projectsWhereUserHasPermission(\"Browse Projects\")'\n", "key-variant", id="groovy-jql-display-name"),
]


@pytest.mark.parametrize("lang, src, rule", SILENT_ON_MAIN)
def test_every_occurrence_has_a_finding(lang, src, rule):
    res = rewrite(lang, src)
    assert res.new_source == src
    assert [f.rule for f in res.findings] == [rule]
    assert res.findings[0].classification == NEEDS_REVIEW


def test_words_that_are_not_the_key_stay_silent():
    src = 'const mode = "browse";\nfunction browse_projects() {}\nconst browser = detect();\n'
    assert rewrite("javascript", src).findings == ()


# ------------------------------------------------------------------------------------------ 6. Data Center

DC_REQUEST = "/rest/api/2/mypermissions?projectKey={key}&permissions=BROWSE_PROJECTS"


@pytest.mark.parametrize(
    "path, src",
    [
        pytest.param("sync/perms.py", f'def f(s, key, user):\n    return s.get(f"/rest/api/2/user/permission/search?username={{user}}&projectKey={{key}}&permissions=BROWSE_PROJECTS")\n', id="username-parameter"),
        pytest.param("sync/perms.py", f'BASE = "https://jira.example.com/jira"\n\ndef f(s, key):\n    return s.get(BASE + f"{DC_REQUEST}")\n', id="jira-context-path"),
        pytest.param("src/perms.js", f"const BASE = 'http://localhost:2990/jira';\nconst u = (key) => `${{BASE}}{DC_REQUEST.replace('{key}', '${key}')}`;\n", id="sdk-port"),
        pytest.param("src/perms.py", f'# REST reference: https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/\ndef f(s, key):\n    return s.get(f"{DC_REQUEST}")\n', id="server-doc-link"),
        pytest.param("connectors/JiraServerConnector.java", f'class JiraServerConnector {{ String u(String key) {{ return "/rest/api/2/mypermissions?projectKey=" + key + "&permissions=BROWSE_PROJECTS"; }} }}\n', id="dc-connector-name"),
    ],
)
def test_data_center_code_is_report_only(path, src):
    res = rewrite(path, src)
    assert res.new_source == src
    assert res.findings and all(f.classification == REPORT_ONLY for f in res.findings)
    assert "Data Center has no VIEW_PROJECTS or VIEW_ISSUES keys" in res.findings[0].message


def test_code_for_both_cloud_and_data_center_needs_review():
    src = d("""
        def cloud(s, key):
            return s.get(f"/rest/api/3/mypermissions?projectKey={key}&permissions=BROWSE_PROJECTS")

        def server(s, key, user):
            return s.get(f"/rest/api/2/user/permission/search?username={user}&projectKey={key}&permissions=BROWSE_PROJECTS")
        """)
    res = rewrite("perms.py", src)
    assert res.new_source == src
    assert {f.classification for f in res.findings} == {NEEDS_REVIEW}
    assert "Data Center" in res.findings[0].message


def test_cloud_code_is_still_rewritten():
    src = 'def f(s, key):\n    return s.get(f"https://acme.atlassian.net/rest/api/3/mypermissions?projectKey={key}&permissions=BROWSE_PROJECTS")\n'
    res = rewrite("perms.py", src)
    assert [f.classification for f in res.findings] == [REWRITTEN]
