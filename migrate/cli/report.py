"""`migrate report PLAN... --format html|md`: a self-contained change report for change-approval review."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from migrate.cli.common import err, handle_errors
from migrate.report import load_entries, render, write_report


class ReportFormat(str, Enum):
    html = "html"
    md = "md"


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def report(
        plans: List[Path] = typer.Argument(
            ...,
            help="Plan files, or the --out-dir of `migrate sites plan` (every plan its manifest lists).",
            show_default=False,
        ),
        fmt: ReportFormat = typer.Option(ReportFormat.html, "--format", "-f", help="html (one self-contained page) or md."),
        output: Optional[Path] = typer.Option(
            None,
            "--output",
            "-o",
            help="Where to write it (default: change-report.html / .md); '-' writes to stdout.",
            show_default=False,
        ),
        title: Optional[str] = typer.Option(None, "--title", help="Heading of the report.", show_default=False),
    ) -> None:
        """Write a change report of saved plans: per site and scheme, before/after grants, projects affected,
        holders gaining only one new permission, and the rule used. Read-only: talks to no site.

        The HTML has no scripts and fetches nothing; it opens offline. The file is written 0600 (it names
        users and groups)."""
        entries = load_entries(plans)
        text = render(entries, fmt.value, title=title)
        if output is not None and str(output) == "-":
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        path = write_report(text, output or Path(f"change-report.{fmt.value}"))
        n = len(entries)
        err.print(f"wrote {path} ({n} plan{'s' if n != 1 else ''})", markup=False, highlight=False)
