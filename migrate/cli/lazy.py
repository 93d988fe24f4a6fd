"""The root group that imports a command's module only when that command is needed.

`migrate --help` lists every command from a table of (name, module, summary) without importing any command
module; running a command, or asking for its --help, imports its module and calls its `register(app)`,
which may add several commands (plan, show, rules) or a sub-app (sites, sandbox). Start-up then costs the
interpreter, typer and this package's light modules, not requests, rich or ast-grep.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple, Sequence

from typer.core import TyperCommand

from migrate.cli.common import MigrateGroup, new_app


class Command(NamedTuple):
    name: str
    module: str  # imported when the command runs; it adds its commands with register(app)
    summary: str  # the first sentence of the command's help, shown in `migrate --help`


class LazyGroup(MigrateGroup):
    """A MigrateGroup whose commands come from `table`, each module imported on first use."""

    table: Sequence[Command] = ()

    def __init__(self, **kw: Any):
        super().__init__(**kw)
        self._loaded: set[str] = set()

    def list_commands(self, ctx: Any) -> list[str]:
        names = [c.name for c in self.table]
        return names + [n for n in self.commands if n not in names]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            entry = next((c for c in self.table if c.name == cmd_name), None)
            # An unknown name is an error on its way: load every module, so typer's "Did you mean ...?"
            # chooses among all the commands.
            for c in [entry] if entry else self.table:
                self._load(c.module)
        return self.commands.get(cmd_name)

    def _load(self, module: str) -> None:
        from typer.main import get_group

        if module in self._loaded:
            return
        holder = new_app()
        importlib.import_module(module).register(holder)
        # every command the module registers (plan also registers show and rules), so it is imported once
        for name, cmd in get_group(holder).commands.items():
            self.commands.setdefault(name, cmd)
        self._loaded.add(module)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # Laid out as typer does, but a command not imported yet is shown from its table summary (a bare
        # command object, so click shortens it exactly as it would the real help).
        summaries = {c.name: c.summary for c in self.table}
        rows = []
        for name in self.list_commands(ctx):
            cmd = TyperCommand(name=name, help=summaries[name]) if name in summaries else self.commands[name]
            if not cmd.hidden:
                rows.append((name, cmd))
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])


def lazy_group(table: Sequence[Command]) -> type[LazyGroup]:
    """The group class for typer's `cls=`: typer builds the instance itself, so the table rides on the class."""
    return type("MigrateLazyGroup", (LazyGroup,), {"table": tuple(table)})
