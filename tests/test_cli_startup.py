"""Start-up: `migrate --help` lists every command without importing any command module, and a command's
module is imported only when that command runs or its help is asked for. Measured as imports (what a
process loads), never as wall-clock time; README's Performance section has the timings."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.core import TyperCommand
from typer.main import get_command
from typer.testing import CliRunner

from migrate.cli import COMMANDS, app
from migrate.cli.lazy import LazyGroup

# What a `--help` must not pay for: the HTTP stack, rich's rendering, the codemod's parser, the planner,
# the local site, the scan, and pydantic (which typer 0.29 imports to coerce every option value).
HEAVY = (
    "requests", "urllib3", "rich.console", "rich.table", "ast_grep_py", "migrate.codemod", "migrate.plan",
    "migrate.sandbox", "migrate.scan", "migrate.jira", "migrate.apply", "migrate.sites", "pydantic", "werkzeug",
)

PROBE = r"""
import json, sys
from migrate.cli import main
sys.argv = ["migrate", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
print("\0" + json.dumps(sorted(sys.modules)))
"""


def imported_by(*argv: str) -> set[str]:
    p = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True, timeout=120)
    assert "\0" in p.stdout, p.stderr
    return set(json.loads(p.stdout.rsplit("\0", 1)[1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["codemod", "--help"], []])
def test_help_and_version_import_nothing_heavy(argv):
    modules = imported_by(*argv)
    assert heavy(modules) == []
    loaded = {c.module for c in COMMANDS} & modules
    assert loaded <= ({"migrate.cli.codemod"} if argv[:1] == ["codemod"] else set())


def test_a_command_imports_its_own_module_only():
    modules = imported_by("rules", "--help")
    assert {c.module for c in COMMANDS} & modules == {"migrate.cli.plan"}


def root_group() -> LazyGroup:
    group = get_command(app)
    assert isinstance(group, LazyGroup)
    return group


def test_the_table_is_every_command_and_each_summary_is_its_help():
    group = root_group()
    for c in COMMANDS:
        cmd = group.get_command(None, c.name)
        assert cmd is not None, f"{c.module} does not register {c.name!r}"
        # what --help shows for the table line, at any width, is what it would show for the command itself
        assert TyperCommand(name=c.name, help=c.summary).get_short_help_str(10_000) == cmd.get_short_help_str(10_000), c.name
    # no module registers a command the table does not list (it would be missing from --help)
    assert list(group.commands) and set(group.commands) == {c.name for c in COMMANDS}
    assert len({c.name for c in COMMANDS}) == len(COMMANDS)


def listing(group: LazyGroup, width: int) -> str:
    ctx = typer.Context(group, info_name="migrate", terminal_width=width)
    formatter = ctx.make_formatter()
    group.format_commands(ctx, formatter)
    return formatter.getvalue()


@pytest.mark.parametrize("width", [60, 80, 200])
def test_help_listing_from_the_table_equals_the_listing_from_the_commands(width):
    lazy = root_group()
    eager = root_group()
    for c in COMMANDS:
        eager.get_command(None, c.name)
    eager.table = ()  # typer's own listing, from the loaded commands
    assert not lazy.commands and "codemod" in listing(lazy, width)
    assert listing(lazy, width) == listing(eager, width)


def test_a_mistyped_command_is_suggested_from_every_command():
    result = CliRunner().invoke(app, ["rollbak"])
    assert result.exit_code == 2
    assert "Did you mean 'rollback'" in result.output
