"""Table tests for the `assertion` rule: assertions in every supported language are never rewritten, and
the code beside them in a test file waits for them (one change unit)."""

from __future__ import annotations

import pytest
from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REWRITTEN  # noqa: F401
from migrate.codemod.rules import assertion

REWRITES: list = []

NOT_REWRITTEN = [
    pytest.param("python", 'def test_k():\n    assert parse("browse") == "BROWSE_PROJECTS"\n', [(2, "assertion", NEEDS_REVIEW, "never rewritten")], id="python-assert"),
    pytest.param(
        "python",
        "def test_called(session):\n    session.get.assert_called_once_with(URL, params={\"permissions\": \"BROWSE_PROJECTS\"})\n",
        [(2, "assertion", NEEDS_REVIEW, "never rewritten")],
        id="python-mock-assert-called",
    ),
    pytest.param("javascript", 'it("k", () => {\n  expect(keys).toContain("BROWSE_PROJECTS");\n});\n', [(2, "assertion", NEEDS_REVIEW, "")], id="js-expect"),
    pytest.param("javascript", 'it("k", () => {\n  keys.should.include("BROWSE_PROJECTS");\n});\n', [(2, "assertion", NEEDS_REVIEW, "")], id="js-should"),
    pytest.param("java", 'class T { @Test void k() { assertEquals("BROWSE_PROJECTS", k()); } }\n', [(1, "assertion", NEEDS_REVIEW, "")], id="java-assert-equals"),
    pytest.param("kotlin", 'class T { @Test fun k() { assertEquals("BROWSE_PROJECTS", k()) } }\n', [(1, "assertion", NEEDS_REVIEW, "")], id="kotlin-assert-equals"),
    pytest.param("go", 'package p\n\nfunc TestK(t *testing.T) {\n\trequire.Equal(t, "BROWSE_PROJECTS", k())\n}\n', [(4, "assertion", NEEDS_REVIEW, "")], id="go-require"),
    pytest.param("php", '<?php\nclass T extends TestCase { function testK() { self::assertEquals("BROWSE_PROJECTS", k()); } }\n', [(2, "assertion", NEEDS_REVIEW, "")], id="php-static-assert"),
    pytest.param("groovy", 'assert perms.keySet() == ["BROWSE_PROJECTS"] as Set\n', [(1, "assertion", NEEDS_REVIEW, "")], id="groovy-power-assert"),
    pytest.param(
        "typescript",
        d("""
        const url = (k: string) => `/rest/api/3/mypermissions?projectKey=${k}&permissions=BROWSE_PROJECTS`;
        test("url", () => {
          expect(url("OPS")).toBe("/rest/api/3/mypermissions?projectKey=OPS&permissions=BROWSE_PROJECTS");
        });
        """),
        [(1, "url-query", NEEDS_REVIEW, "changes together with line 3"), (3, "assertion", NEEDS_REVIEW, "It changes together with line 1")],
        id="ts-assertion-holds-back-the-request",
    ),
]

NO_CHANGE = [
    pytest.param("python", 'def test_k():\n    assert parse("x") == "EDIT_ISSUES"\n', id="assertion-without-the-key"),
]

globals().update(tables(assertion.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE))
