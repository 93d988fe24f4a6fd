"""`migrate report PLAN... --format html|md`: a self-contained change report for change-approval review."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.text import Text

from migrate.cli.common import err, handle_errors, json_option, out_option, print_json, renamed
from migrate.errors import EXIT_OK, UsageError
from migrate.report import load_entries, render, write_report


class ReportFormat(str, Enum):
    html = "html"
    md = "md"


@handle_errors
def report(
    plans: List[Path] = typer.Argument(
        ...,
        metavar="PLAN...",
        help="Plan files, or the --plans-dir of `migrate sites plan` (every plan its manifest lists).",
        show_default=False,
    ),
    fmt: ReportFormat = typer.Option(ReportFormat.html, "--format", "-f", help="html (one self-contained page) or md."),
    output: Optional[Path] = out_option("Where to write it (default: change-report.html / .md); '-' writes to stdout."),
    title: Optional[str] = typer.Option(None, "--title", metavar="TEXT", help="Heading of the report.", show_default=False),
    as_json: bool = json_option("where the report was written"),
) -> None:
    """Write a change report of saved plans: per site and scheme, before/after grants, projects affected,
    holders gaining only one new permission, and the rule used. Read-only: talks to no site.

    The HTML has no scripts and fetches nothing; it opens offline. The file is written 0600 (it names
    users and groups)."""
    to_stdout = output is not None and str(output) == "-"
    if to_stdout and as_json:
        raise UsageError("--json and -o - both want stdout", hint="write the report to a file with -o FILE")
    entries = load_entries(plans)
    text = render(entries, fmt.value, title=title)
    if to_stdout:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = write_report(text, output or Path(f"change-report.{fmt.value}"))
    n = len(entries)
    if as_json:
        print_json({"report": str(path), "format": fmt.value, "plans": n, "exit_code": EXIT_OK})
        return
    err.print(Text(f"wrote {path} ({n} plan{'s' if n != 1 else ''})"))


def register(app: typer.Typer) -> None:
    app.command("report", cls=renamed({"--output": "--out"}))(report)
