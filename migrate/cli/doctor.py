from __future__ import annotations

import json

import typer
from rich.table import Table

from migrate.cli.common import err, flavour_option, handle_errors, literal, make_client, out, site_option
from migrate.doctor import run_doctor
from migrate.errors import EXIT_ERROR, EXIT_OK


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def doctor(
        site: str = site_option(),
        flavour: str = flavour_option(),
        as_json: bool = typer.Option(False, "--json", help="Print the checks as JSON on stdout."),
    ) -> None:
        """Preflight a site: server, who you are, Administer Jira, and whether it knows VIEW_PROJECTS / VIEW_ISSUES.

        Exit 0 when apply can run, 1 when a check fails."""
        with make_client(site, flavour) as client:
            report = run_doctor(client)
        if as_json:
            out.print_json(json.dumps(report.to_json()))
        else:
            table = Table(title=literal(f"migrate doctor: {report.url}"), show_header=False)
            for c in report.checks:
                mark = literal("ok", "green") if c.ok else (literal("FAIL", "red") if c.blocking else literal("warn", "yellow"))
                table.add_row(mark, literal(c.name), literal(c.detail))  # details quote Jira (names, titles)
            out.print(table)
            if not report.ready:
                err.print("not ready: fix the failed checks above before `migrate apply`", markup=False)
        raise typer.Exit(EXIT_OK if report.ready else EXIT_ERROR)
