"""Text from Jira and from files reaches the terminal exactly as it is: markup-looking brackets and emoji
codes are neither interpreted nor dropped, in error messages, hints and tables."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from migrate.cli import apply as cli_apply
from migrate.cli import common
from migrate.errors import BadRequestError, MigrateError

NASTY = "Jira said: [/] [red]x[/red] [bold]y :warning: [link=http://e.test]z[/link] \\[escaped] \\"


def console() -> Console:
    return Console(file=io.StringIO(), force_terminal=True, width=400, highlight=False, emoji=False, color_system=None)


@pytest.mark.parametrize("error", [MigrateError(NASTY, hint=NASTY), BadRequestError(NASTY, status=400, hint=NASTY)])
def test_errors_and_hints_are_printed_literally(monkeypatch, error):
    c = console()
    monkeypatch.setattr(common, "err", c)
    common.print_error(error)
    text = c.file.getvalue()
    assert text.count(NASTY) == 2 and text.startswith("error: ") and "  hint: " in text


def test_internal_errors_too(monkeypatch):
    c = console()
    monkeypatch.setattr(common, "err", c)
    common.print_error(RuntimeError(NASTY))
    assert NASTY in c.file.getvalue()


@pytest.mark.parametrize("terminal", [True, False])
def test_table_cells_and_titles_are_literal(monkeypatch, terminal):
    c = console() if terminal else Console(file=io.StringIO(), width=400, highlight=False, emoji=False)
    monkeypatch.setattr(cli_apply, "out", c)
    monkeypatch.setattr(common, "out", c)  # the one table renderer, print_table, lives in cli/common.py
    cli_apply._print_rows(f"apply {NASTY}", ["id", "scheme", "outcome", "detail"], [["1", NASTY, "failed", NASTY]], 2)
    text = c.file.getvalue()
    if terminal:
        # the table folds long cells over lines; every piece is still there, literally
        flat = "".join(line.strip("│ ") for line in text.splitlines())
        for piece in ("[/]", "[red]x[/red]", ":warning:", "[link=http://e.test]z[/link]", "\\[escaped]"):
            assert piece in flat, piece
    else:
        assert text.count(NASTY) == 3


def test_the_cli_consoles_do_not_turn_codes_into_emoji():
    c = Console(file=io.StringIO(), emoji=common.out._emoji, highlight=False)
    c.print(":warning: :smile:", markup=False)
    assert c.file.getvalue().strip() == ":warning: :smile:"
