"""README's scope-audit section stays true: its output excerpt is what the command prints today, and it
documents every option of the command and every kind of finding."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from migrate.cli import app
from migrate.scopes import KINDS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
SECTION = README[README.index("## Scope audit: `migrate scopes`") : README.index("## The local Jira site")]


def test_output_excerpt_is_real(monkeypatch):
    m = re.search(r"<!-- scopes-excerpt: migrate scopes (\S+) -->\n```text\n(.*?)```", SECTION, re.S)
    assert m, "the excerpt marker is missing"
    monkeypatch.chdir(ROOT)
    r = CliRunner().invoke(app, ["scopes", m.group(1)])
    assert r.exit_code == 0, r.output
    printed = r.stdout[: r.stdout.index("Summary\n")]
    assert printed == m.group(2)


def test_every_option_and_kind_is_documented():
    r = CliRunner().invoke(app, ["scopes", "--help"], env={"COLUMNS": "200"})
    options = set(re.findall(r"--[a-z][a-z-]+", r.stdout)) - {"--help"}
    assert options == {"--check", "--strict", "--json", "--sarif", "--include-vendored", "--include-tests"}
    for opt in options:
        assert f"`{opt}" in SECTION, opt
    for kind in KINDS:
        assert f"`{kind}`" in SECTION, kind
