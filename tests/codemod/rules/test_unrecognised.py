"""Table tests for the `unrecognised` rule: REWRITES (source -> expected), NOT_REWRITTEN (sites reported, source kept)
and NO_CHANGE (no finding at all). The shared checks (idempotence, the rule fired, messages) are in codemod_tables."""

from __future__ import annotations

import pytest

from codemod_tables import d, tables

from migrate.codemod import NEEDS_REVIEW, REPORT_ONLY, REWRITTEN  # noqa: F401
from migrate.codemod.rules import unrecognised


REWRITES = [
]

# the deprecated alias BROWSE in the same request and read gives the same result
ALIAS_OF = set()

NOT_REWRITTEN = [
    pytest.param(
        "python",
        'log.warning("user lacks BROWSE_PROJECTS on %s", key)\n',
        [(1, "unrecognised", NEEDS_REVIEW, "Text (a message or label)")],
        id='message-text',
    ),
    pytest.param(
        "java",
        'class C { void f(String k) { switch (k) { case "BROWSE_PROJECTS": break; } } }\n',
        [(1, "unrecognised", NEEDS_REVIEW, "switch")],
        id='switch-case',
    ),
]

NO_CHANGE = [
    pytest.param(
        "javascript",
        "// BROWSE_PROJECTS\n/* permissions=BROWSE_PROJECTS */\nconst a = 1;\n",
        id='comments-js',
    ),
    pytest.param(
        "python",
        '"""Checks BROWSE_PROJECTS."""\n# BROWSE_PROJECTS\nx = 1\n',
        id='comments-python-and-docstring',
    ),
    pytest.param(
        "java",
        "/** BROWSE_PROJECTS */\nclass C { // BROWSE_PROJECTS\n}\n",
        id='comments-java',
    ),
    pytest.param(
        "go",
        "package p\n\n// BROWSE_PROJECTS\n/* BROWSE_PROJECTS */\n",
        id='comments-go',
    ),
    pytest.param(
        "php",
        "<?php\n// BROWSE_PROJECTS\n# BROWSE_PROJECTS\n/* BROWSE_PROJECTS */\n",
        id='comments-php',
    ),
    pytest.param(
        "yaml",
        "# BROWSE_PROJECTS\na: 1\n",
        id='comments-yaml',
    ),
    pytest.param(
        "hcl",
        "# BROWSE_PROJECTS\n// BROWSE_PROJECTS\n/* BROWSE_PROJECTS */\na = 1\n",
        id='comments-hcl',
    ),
    pytest.param(
        "kotlin",
        "// BROWSE_PROJECTS\n/* BROWSE_PROJECTS */\nval a = 1\n",
        id='comments-kotlin',
    ),
    pytest.param(
        "groovy",
        "// BROWSE_PROJECTS\n/* permissions=BROWSE_PROJECTS */\ndef a = 1\n",
        id='comments-groovy',
    ),
    pytest.param(
        "javascript",
        'const MY_BROWSE_PROJECTS_FLAG = "BROWSE_PROJECTS_CACHE";\n',
        id='longer-identifiers',
    ),
    pytest.param(
        "typescript",
        "export const x = 1;\n",
        id='no-key-at-all',
    ),
]

globals().update(tables(unrecognised.RULE, REWRITES, NOT_REWRITTEN, NO_CHANGE, alias_of=ALIAS_OF))
