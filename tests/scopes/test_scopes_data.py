"""The vendored operation table: identical to the shared original, parsed lazily, and every operation in it
reachable from its own path."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from migrate.scopes.audit import resolve
from migrate.scopes.model import Call
from migrate.scopes.operations import DATA_FILE, parse, table

VENDORED = Path(__file__).resolve().parents[2] / "migrate" / "scopes" / DATA_FILE
SHARED = Path(__file__).resolve().parents[3] / "shared" / "jira-api" / DATA_FILE
ROOT = Path(__file__).resolve().parents[2]


def test_vendored_table_matches_the_shared_one():
    if not SHARED.exists():
        pytest.skip("../shared/jira-api not beside this clone")
    assert VENDORED.read_bytes() == SHARED.read_bytes()


def test_table_shape():
    t = table()
    assert len(t.operations) == len(json.loads(VENDORED.read_text())["operations"]) > 600
    assert "read:jira-work" in t.classic_scopes and "read:issue:jira" in t.granular_scopes
    assert t.source.startswith("Jira Cloud platform REST API")
    assert table() is t  # parsed once


def test_two_templates_with_the_same_shape_and_method_are_refused():
    doc = {"operations": [
        {"method": "GET", "path": "/rest/api/3/x/{a}", "operationId": "a", "connect_scope": "READ", "oauth_classic": [],
         "oauth_granular": [], "app_access_rule_exempt": True, "deprecated": False},
        {"method": "GET", "path": "/rest/api/3/x/{b}", "operationId": "b", "connect_scope": "READ", "oauth_classic": [],
         "oauth_granular": [], "app_access_rule_exempt": True, "deprecated": False},
    ]}
    with pytest.raises(ValueError, match="duplicates"):
        parse(doc)


@pytest.mark.parametrize("style", ["\0", "{key}", "10001"])
def test_every_operation_resolves_from_its_own_path(style):
    t = table()
    for op in t.operations:
        url = re.sub(r"\{[^}]+\}", lambda m: style, op.path)
        call = Call("f", "typescript", 1, 1, 1, 1, url, op.method, "", "requestJira", url)
        res = resolve(call, t)
        assert res.kind == "call" and res.operations == (op,), (op.label, res)


def test_the_cli_starts_without_reading_the_table():
    code = "import migrate.cli, migrate.scopes.operations as o; print(o.table.cache_info().currsize)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "0"
