"""The root of the command line: every command, the root options, and the typer app (see migrate.cli)."""

from __future__ import annotations

import typer

from migrate.cli.common import new_app
from migrate.cli.lazy import Command, lazy_group

# Every command, in the order of `migrate --help`: (name, module, the first sentence of its help). The module
# is imported only when the command runs or its help is asked for, and adds its commands with
# `register(app)`; a module holding several commands has one line for each. tests/test_cli_docs.py checks
# each line against the command's own help.
COMMANDS = (
    Command("demo", "migrate.cli.demo", "Run the whole job against a local Jira site started for the occasion: doctor, plan (the diff), apply, verify, rollback, printing each command as you would type it."),
    Command("doctor", "migrate.cli.doctor", "Preflight a site: server, who you are, Administer Jira, and whether it knows VIEW_PROJECTS / VIEW_ISSUES."),
    Command("plan", "migrate.cli.plan", "Dry run: read the site, plan the migration, print the diff and save the plan for `migrate apply`."),
    Command("show", "migrate.cli.plan", "Show a saved plan again, offline: checks the file (version, checksum, content), then prints its diff (and the site-wide scan saved beside it, if any)."),
    Command("rules", "migrate.cli.plan", "Explain a rule: source, targets, and what each kind of permission holder gets."),
    Command("apply", "migrate.cli.apply", "Apply exactly a saved plan: lock, preflight, snapshot, journaled grant writes, verify."),
    Command("verify", "migrate.cli.apply", "Re-read the site and report each scheme of a plan: applied, pending or drifted."),
    Command("rollback", "migrate.cli.apply", "Undo an applied plan from the site, whichever machine applied it: back to its before-state."),
    Command("history", "migrate.cli.history", "List the plans applied to a site from this machine's data folder, oldest first."),
    Command("scan", "migrate.cli.scan", "Find every other place the site refers to BROWSE_PROJECTS: workflow conditions, validators and properties, saved-filter JQL, team-managed projects, hidden VIEW_* grants (and, on Data Center, exported workflow XML)."),
    Command("report", "migrate.cli.report", "Write a change report of saved plans: per site and scheme, before/after grants, projects affected, holders gaining only one new permission, and the rule used."),
    Command("codemod", "migrate.cli.codemod", "Rewrite BROWSE_PROJECTS permission checks in app code for the VIEW_PROJECTS / VIEW_ISSUES split."),
    Command("scopes", "migrate.cli.scopes", "Audit an app's declared scopes (Connect atlassian-connect.json, Forge manifest.yml) against the Jira REST calls in its source: the operation and scopes of every call, missing scopes (calls Jira will refuse), excess scopes (declared, needed by no call), calls app access rules can block, inaccessible and deprecated operations, and calls it cannot resolve (needs-review)."),
    Command("sites", "migrate.cli.sites", "Many Jira sites from one TOML file: check the file, plan every site, apply the saved plans, verify, roll back."),
    Command("sandbox", "migrate.cli.sandbox", "A local Jira site (Cloud or Data Center) to try migrate on, with faults and rate limits on demand."),
)

app = new_app(
    name="migrate",
    help="Migrate Jira permission schemes from BROWSE_PROJECTS to VIEW_PROJECTS + VIEW_ISSUES, safely.\n\n"
    "New here? `migrate demo` runs the whole job against a local Jira site in a few seconds.",
    cls=lazy_group(COMMANDS),
    add_completion=True,
)


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
