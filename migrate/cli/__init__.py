"""The command line: a thin typer app over the library. Only migrate.cli.* imports typer or rich."""

from __future__ import annotations

import typer

from migrate.cli.common import MigrateGroup, new_app

app = new_app(
    name="migrate",
    help="Migrate Jira permission schemes from BROWSE_PROJECTS to VIEW_PROJECTS + VIEW_ISSUES, safely.\n\n"
    "New here? `migrate demo` runs the whole job against a local Jira site in a few seconds.",
    cls=MigrateGroup,
    add_completion=True,
)

# Each module adds its commands through register(app); the order here is the order in --help.
from migrate.cli import apply, codemod, demo, doctor, history, plan, report, sandbox, scan, scopes, sites  # noqa: E402

for _mod in (demo, doctor, plan, apply, history, scan, sites, report, codemod, scopes, sandbox):
    _mod.register(app)


def _print_version(value: bool) -> None:
    # an eager option callback runs while parsing, before click insists on a sub-command
    if value:
        from migrate import __version__

        typer.echo(f"migrate {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
    ),
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, show_default=False,
        help="Log requests to stderr; -vv for debug. Anywhere on the line."
    ),
) -> None:
    from migrate.cli.common import setup_logging

    setup_logging(verbose)


def main() -> None:
    app()
