"""Table tests for the `grant_filter` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import grant_filter


REWRITES = [
    # widened only where the code keeps books on grants (the function's or the result's name says so)
    pytest.param(
        "javascript",
        "const auditRows = scheme.permissions.filter((g) => g.permission === 'BROWSE_PROJECTS');\n",
        "const auditRows = scheme.permissions.filter((g) => ['BROWSE_PROJECTS', 'VIEW_PROJECTS', 'VIEW_ISSUES'].includes(g.permission));\n",
        {"grant-filter"},
        id="js-audit-filter",
    ),
    pytest.param(
        "javascript",
        "function exportOtherGrants(grants) {\n  return grants.filter((g) => g.permission !== \"BROWSE_PROJECTS\");\n}\n",
        "function exportOtherGrants(grants) {\n  return grants.filter((g) => ![\"BROWSE_PROJECTS\", \"VIEW_PROJECTS\", \"VIEW_ISSUES\"].includes(g.permission));\n}\n",
        {"grant-filter"},
        id="js-export-filter-negated",
    ),
    pytest.param(
        "python",
        'def report_rows(grants):\n    return [g for g in grants if g["permission"] == "BROWSE_PROJECTS"]\n',
        'def report_rows(grants):\n    return [g for g in grants if g["permission"] in ("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES")]\n',
        {"grant-filter"},
        id="py-report-filter",
    ),
    pytest.param(
        "python",
        "inventory = [g for g in grants if g.permission != 'BROWSE_PROJECTS']\n",
        "inventory = [g for g in grants if g.permission not in ('BROWSE_PROJECTS', 'VIEW_PROJECTS', 'VIEW_ISSUES')]\n",
        {"grant-filter"},
        id="py-inventory-filter-negated-single-quotes",
    ),
    pytest.param(
        "java",
        'class C { boolean auditRow(Grant g) { return "BROWSE_PROJECTS".equals(g.getPermission()); } }\n',
        'class C { boolean auditRow(Grant g) { return java.util.Arrays.asList("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES").contains(g.getPermission()); } }\n',
        {"grant-filter"},
        id="java-equals-filter",
    ),
    pytest.param(
        "kotlin",
        'val schemesUsingBrowse = grants.filter { it.permission == "BROWSE_PROJECTS" }\n',
        'val schemesUsingBrowse = grants.filter { it.permission in setOf("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES") }\n',
        {"grant-filter"},
        id="kotlin-filter",
    ),
    pytest.param(
        "go",
        'package p\n\nfunc lintGrant(g Grant) bool { return g.Permission == "BROWSE_PROJECTS" }\n',
        'package p\n\nfunc lintGrant(g Grant) bool { return (g.Permission == "BROWSE_PROJECTS" || g.Permission == "VIEW_PROJECTS" || g.Permission == "VIEW_ISSUES") }\n',
        {"grant-filter"},
        id="go-filter",
    ),
    pytest.param(
        "php",
        "<?php\n$inReport = $g['permission'] === 'BROWSE_PROJECTS';\n",
        "<?php\n$inReport = in_array($g['permission'], ['BROWSE_PROJECTS', 'VIEW_PROJECTS', 'VIEW_ISSUES'], true);\n",
        {"grant-filter"},
        id="php-filter",
    ),
    pytest.param(
        "groovy",
        "def auditRows = scheme.permissions.findAll { it.permission == 'BROWSE_PROJECTS' }\n",
        "def auditRows = scheme.permissions.findAll { it.permission in ['BROWSE_PROJECTS', 'VIEW_PROJECTS', 'VIEW_ISSUES'] }\n",
        {"grant-filter"},
        id="groovy-filter",
    ),
    pytest.param(
        "main.tf",
        'locals {\n  audit_rows = [for g in var.grants : g if g.permission == "BROWSE_PROJECTS"]\n}\n',
        'locals {\n  audit_rows = [for g in var.grants : g if contains(["BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"], g.permission)]\n}\n',
        {"grant-filter"},
        id="tf-filter",
    ),
]

ALIAS_OF: set[str] = set()

NOT_REWRITTEN = [
    # a filter that decides access never widens: VIEW_PROJECTS alone would let holders through
    pytest.param(
        "python",
        d("""
        def viewers(grants):
            seen = set()
            for grant in grants:
                if grant.get("permission") != "BROWSE_PROJECTS":
                    continue
                seen.add(grant["holder"]["parameter"])
            return seen
        """),
        [(4, "grant-filter", NEEDS_REVIEW, "never with VIEW_PROJECTS alone")],
        id="py-access-holders-not-widened",
    ),
    pytest.param(
        "javascript",
        "const canSee = (grants, group) => grants.some((g) => g.permission === 'BROWSE_PROJECTS' && g.holder.parameter === group);\n",
        [(1, "grant-filter", NEEDS_REVIEW, "decides access")],
        id="js-access-some-not-widened",
    ),
    # purpose not told by the code: needs review
    pytest.param(
        "javascript",
        "const browse = scheme.permissions.filter((g) => g.permission === 'BROWSE_PROJECTS');\n",
        [(1, "grant-filter", NEEDS_REVIEW, "purpose the code does not tell")],
        id="js-filter-purpose-unknown",
    ),
    pytest.param(
        "python",
        "rest = [g for g in grants if g.permission != 'BROWSE_PROJECTS']\n",
        [(1, "grant-filter", NEEDS_REVIEW, "purpose the code does not tell")],
        id="py-negated-purpose-unknown",
    ),
    pytest.param(
        "go",
        'package p\n\nfunc b(g Grant) bool { return g.Permission == "BROWSE_PROJECTS" }\n',
        [(3, "grant-filter", NEEDS_REVIEW, "purpose the code does not tell")],
        id="go-purpose-unknown",
    ),
    pytest.param(
        "groovy",
        "def visible = scheme.permissions.findAll { it.permission == 'BROWSE_PROJECTS' }.collect { it.holder }\n",
        [(1, "grant-filter", NEEDS_REVIEW, "decides access")],
        id="groovy-access-not-widened",
    ),
]

NO_CHANGE = [
    pytest.param(
        "python",
        'b = [g for g in grants if g["permission"] in ("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES")]\n',
        id='already-migrated-filter',
    ),
]

globals().update(tables(grant_filter.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
