"""`migrate doctor`: can this tool migrate this site, with these credentials, today?"""

from __future__ import annotations

from typing import Optional

import typer
from rich.text import Text

from migrate.cli.common import Flavour, err, flavour_option, handle_errors, json_option, make_client, print_json, print_table, site_option
from migrate.doctor import run_doctor
from migrate.errors import EXIT_ERROR, EXIT_OK


@handle_errors
def doctor(
    site: Optional[str] = site_option(),
    flavour: Flavour = flavour_option(),
    as_json: bool = json_option("the checks"),
) -> None:
    """Preflight a site: server, who you are, Administer Jira, and whether it knows VIEW_PROJECTS / VIEW_ISSUES.

    Exit 0 when apply can run, 1 when a check fails."""
    with make_client(site, flavour) as client:
        report = run_doctor(client)
    code = EXIT_OK if report.ready else EXIT_ERROR
    if as_json:
        print_json({**report.to_json(), "exit_code": code})
        raise typer.Exit(code)
    rows = [["ok" if c.ok else ("FAIL" if c.blocking else "warn"), c.name, c.detail] for c in report.checks]
    styles = ["green" if c.ok else ("red" if c.blocking else "yellow") for c in report.checks]
    print_table(f"migrate doctor: {report.url}", ["check", "what", "detail"], rows, styles=styles, style_col=0)
    if not report.ready:
        err.print(Text("not ready: fix the failed checks above before `migrate apply`"))
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
