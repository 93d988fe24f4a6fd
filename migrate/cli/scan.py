"""`migrate scan`: every other place the site depends on BROWSE_PROJECTS (read-only)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.text import Text

from migrate.cli.common import (
    Flavour,
    err,
    flavour_option,
    handle_errors,
    json_option,
    make_client,
    out,
    out_option,
    print_json,
    progress_on_stderr,
    site_option,
)
from migrate.errors import EXIT_CHANGES, EXIT_OK, ConfigError
from migrate.progress import retried
from migrate.scan import save_scan, scan_site
from migrate.scan.text import full_lines

_STYLES = {"title": "bold", "where": "yellow", "detail": "", "summary": "bold"}


class WorkflowApi(str, Enum):
    auto = "auto"
    bulk = "bulk"
    legacy = "legacy"


@handle_errors
def scan_cmd(
    site: Optional[str] = site_option(),
    flavour: Flavour = flavour_option(),
    workflow_xml: Optional[List[Path]] = typer.Option(
        None, "--workflow-xml", metavar="FILE", help="An exported workflow XML file (Data Center). Repeat for more.",
        show_default=False),
    workflow_api: WorkflowApi = typer.Option(
        WorkflowApi.auto, "--workflow-api",
        help="Cloud: bulk (GET /workflows/search), legacy (GET /workflow/search), or auto (bulk, and legacy "
        "where the site has no bulk API)."),
    out_file: Optional[Path] = out_option("Also save the findings to this file (JSON, 0600), e.g. for `migrate report`."),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help=f"Exit {EXIT_CHANGES} when there are findings, 0 when there are none."),
    as_json: bool = json_option("the findings"),
) -> None:
    """Find every other place the site refers to BROWSE_PROJECTS: workflow conditions, validators and
    properties, saved-filter JQL, team-managed projects, hidden VIEW_* grants (and, on Data Center,
    exported workflow XML). Read-only: each finding comes with its location and the suggested change."""
    with make_client(site, flavour) as client:
        with progress_on_stderr(retries=lambda: retried(client.stats)) as progress:
            result = scan_site(client, workflow_api=workflow_api.value, workflow_xml_files=workflow_xml or (),
                               progress=progress)
    if out_file is not None:
        try:
            save_scan(result, out_file)
        except OSError as e:
            raise ConfigError(f"cannot write the scan to {out_file}: {e.strerror or e}") from None
    code = EXIT_CHANGES if detailed_exitcode and result.findings else EXIT_OK
    if as_json:
        doc = result.to_json()
        doc.pop("format_version", None)  # the scan file's own version; stdout follows the CLI's convention
        print_json({**doc, "exit_code": code})
    else:
        for kind, line in full_lines(result):
            out.print(Text(line, style=_STYLES.get(kind) or ""))
    if out_file is not None:
        err.print(Text(f"scan saved to {out_file} (mode 0600)"))
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("scan")(scan_cmd)
