"""`migrate scan`: every other place the site depends on BROWSE_PROJECTS (read-only)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.text import Text

from migrate.cli.common import err, flavour_option, handle_errors, make_client, out, progress_on_stderr, site_option
from migrate.errors import EXIT_CHANGES, EXIT_OK, ConfigError
from migrate.scan import save_scan, scan_site
from migrate.scan.text import full_lines

_STYLES = {"title": "bold", "where": "yellow", "detail": "", "summary": "bold"}


class WorkflowApi(str, Enum):
    auto = "auto"
    bulk = "bulk"
    legacy = "legacy"


def register(app: typer.Typer) -> None:
    @app.command("scan")
    @handle_errors
    def scan_cmd(
        site: Optional[str] = site_option(),
        flavour: str = flavour_option(),
        workflow_xml: Optional[List[Path]] = typer.Option(
            None, "--workflow-xml", help="An exported workflow XML file (Data Center). Repeat for more.",
            show_default=False),
        workflow_api: WorkflowApi = typer.Option(
            WorkflowApi.auto, "--workflow-api",
            help="Cloud: bulk (GET /workflows/search), legacy (GET /workflow/search), or auto (bulk, and legacy "
            "where the site has no bulk API)."),
        out_file: Optional[Path] = typer.Option(
            None, "--out", "-o", help="Also save the findings to this file (JSON, 0600), e.g. for `migrate report`.",
            show_default=False),
        detailed_exitcode: bool = typer.Option(
            False, "--detailed-exitcode", help=f"Exit {EXIT_CHANGES} when there are findings, 0 when there are none."),
        as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON on stdout."),
    ) -> None:
        """Find every other place the site refers to BROWSE_PROJECTS: workflow conditions, validators and
        properties, saved-filter JQL, team-managed projects, hidden VIEW_* grants (and, on Data Center,
        exported workflow XML). Read-only: each finding comes with its location and the suggested change."""
        with make_client(site, flavour) as client:
            with progress_on_stderr() as progress:
                result = scan_site(client, workflow_api=workflow_api.value, workflow_xml_files=workflow_xml or (),
                                   progress=progress)
        if out_file is not None:
            try:
                save_scan(result, out_file)
            except OSError as e:
                raise ConfigError(f"cannot write the scan to {out_file}: {e.strerror or e}") from None
        if as_json:
            typer.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        else:
            for kind, line in full_lines(result):
                out.print(Text(line, style=_STYLES.get(kind) or ""))
        if out_file is not None:
            err.print(Text(f"scan saved to {out_file} (mode 0600)"))
        raise typer.Exit(EXIT_CHANGES if detailed_exitcode and result.findings else EXIT_OK)
