"""The CLI's conventions, checked over every command (after sqlite-utils' tests/test_docs.py):
help present, a README entry, README's conventions table equal to what --help says, README's exit-code
table equal to migrate.errors, literal help text, honest metavars, --json everywhere, the set-up lines."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from migrate.cli import app
from migrate.errors import EXIT_CODES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ROOT_CMD = get_command(app)


def leaf_commands() -> dict[str, object]:
    """'sites plan' -> its command object, for every command a user can run."""
    out: dict[str, object] = {}

    def walk(group, prefix: str) -> None:
        ctx = group.make_context(group.name or "migrate", ["--help"], resilient_parsing=True)
        for name in group.list_commands(ctx):  # the root group imports each command's module here
            cmd = group.get_command(ctx, name)
            full = f"{prefix}{name}"
            if hasattr(cmd, "commands"):
                walk(cmd, full + " ")
            else:
                out[full] = cmd

    walk(ROOT_CMD, "")
    return out


COMMANDS = leaf_commands()


def help_of(path: str) -> str:
    result = CliRunner().invoke(app, [*path.split(), "--help"], catch_exceptions=False, terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.stdout


def options_of(path: str) -> list[str]:
    """The first column of each option line of `migrate PATH --help`: '-s, --site URL', as a user sees it."""
    text = help_of(path).split("\nOptions:\n", 1)[1]
    shown = []
    for line in text.splitlines():
        m = re.match(r"^  (-\S.*?)(?:\s{2,}|$)", line)
        if m and not m.group(1).startswith("--help"):
            shown.append(m.group(1))
    return shown


def params_of(path: str) -> list:
    cmd = ROOT_CMD if not path else COMMANDS[path]
    return [p for p in cmd.params if getattr(p, "param_type_name", "") == "option" and not p.hidden]


def readme_table(heading: str) -> list[list[str]]:
    section = README.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in section.splitlines() if ln.startswith("|")]
    cells = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", ln)[1:-1]] for ln in rows[2:]]
    return cells


def test_every_command_has_help_and_a_readme_entry():
    assert len(COMMANDS) >= 17
    for path, cmd in COMMANDS.items():
        assert (cmd.help or "").strip(), f"`migrate {path}` has no help"
        assert f"migrate {path}" in README, f"README never mentions `migrate {path}`"
        help_of(path)


def test_readme_exit_code_table_is_errors_py():
    rows = readme_table("## Exit codes")
    assert {int(code): meaning for code, meaning in rows} == EXIT_CODES


FLAG = re.compile(r"(?<![\w-])--?[a-z][\w-]*")


def test_readme_conventions_table_matches_every_help():
    """Both ways: each row's spelling is in the --help of each command it lists, and each command showing
    one of the table's options is listed in that row, spelt the same. One spelling per role."""
    rows = readme_table("## Conventions")
    where: dict[str, set[str]] = {}
    for role, option, commands in rows:
        spelling = option.strip("`")
        assert spelling not in where, f"{spelling} has two roles"
        if commands.startswith("every command"):
            paths = set(COMMANDS)
        elif commands.startswith("migrate"):
            paths = {""}
        else:
            paths = {c.strip() for c in commands.split(",")}
        where[spelling] = paths
        for path in paths:
            assert spelling in options_of(path), f"{role}: `migrate {path} --help` does not show {spelling!r}"
    for path in [*COMMANDS, ""]:
        for shown in options_of(path):
            related = [sp for sp in where if set(FLAG.findall(sp.split("<")[0])) & set(FLAG.findall(shown.split("<")[0]))]
            if related:
                assert shown in related, f"`migrate {path}`: {shown!r} is spelt {related} elsewhere"
                assert path in where[shown], f"`migrate {path}` shows {shown!r}; README's conventions table does not list it"


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_json_everywhere_and_honest_metavars(path):
    text = help_of(path)
    assert "--json" in options_of(path), f"`migrate {path}` has no --json"
    assert "format_version 1" in " ".join(text.split())
    assert "<bool>" not in text and "<int>" not in text and "<str>" not in text and "<float>" not in text, text
    assert "╭" not in text  # no rich panels: plain, literal help
    shown = dict(zip([p.name for p in params_of(path)], options_of(path)))
    for p in params_of(path):
        line = shown[p.name]
        if p.is_flag or p.count:
            # an on/off pair shows as "--x / --no-x": judge its first spelling
            flag = line.split(", ")[-1].split(" / ")[0]
            assert not re.search(r" \S+$", flag), f"`migrate {path}`: flag {line!r} shows a value"
        else:
            assert re.search(r" (<[^>]+>|[A-Z][A-Z_|.]*|cloud\|N/s)$", line), f"`migrate {path}`: {line!r} hides what it takes"


def test_root_help_and_bracketed_text():
    text = CliRunner().invoke(app, ["--help"], terminal_width=200).stdout
    assert "-v, --verbose " in text and "[default: 0]" not in text and "<int>" not in text
    # rich markup used to eat bracketed words: "(default: each site's mode, else , else add)"
    assert "else [defaults], else add" in " ".join(help_of("sites plan").split())


def test_readme_set_up_lines_are_what_ci_runs():
    """Exactly two set-up lines at the top: one installs and runs the demo, one installs and runs the tests,
    and the latter is the command .ci/run runs."""
    top = README.split("\n## ", 1)[0]
    block = re.findall(r"```sh\n(.*?)```", top, flags=re.S)[0]
    lines = [ln for ln in block.splitlines() if ln.strip()]
    assert len(lines) == 2
    demo, tests = lines
    assert demo.endswith("migrate demo") and tests.endswith("python -m pytest")
    assert shlex.split(demo)[:9] == shlex.split(tests)[:9]  # the same install
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines()
    assert "-eq 5" in ci and "no tests" in ci  # "no tests collected" stays a failure


def test_shell_completion_script_is_produced():
    result = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="migrate")
    assert result.exit_code == 0, result.output
    assert "_MIGRATE_COMPLETE" in result.stdout and "complete " in result.stdout


def test_completion_completes_sub_commands():
    env = {"_MIGRATE_COMPLETE": "complete_bash", "COMP_WORDS": "migrate sites ro", "COMP_CWORD": "2"}
    result = CliRunner().invoke(app, [], prog_name="migrate", env=env)
    assert "rollback" in result.stdout.split()
