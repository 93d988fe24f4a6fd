"""`migrate scopes`: audit an app's declared Connect / Forge scopes against the Jira REST calls in its source.

Thin: parses options, calls migrate.scopes.run, renders. Exit codes (the codemod's convention, for CI and
pre-commit): 0 nothing missing, 1 `--check` found missing scopes (with `--strict`, excess scopes too),
2 error (bad path, no or unreadable descriptor, unreadable file, usage).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from migrate.cli.common import err, json_option, out, print_error, print_json, progress_on_stderr, write_sarif
from migrate.errors import MigrateError

if TYPE_CHECKING:
    from migrate.scopes import AuditReport

EXIT_CLEAN = 0
EXIT_FAILED_CHECK = 1
EXIT_ERROR = 2
STYLE = {"missing": "red", "excess": "magenta", "needs-review": "yellow", "warning": "cyan", "ok": "green"}

HELP = """Audit an app's declared scopes (Connect atlassian-connect.json, Forge manifest.yml) against the Jira REST
calls in its source: the operation and scopes of every call, missing scopes (calls Jira will refuse),
excess scopes (declared, needed by no call), calls app access rules can block, inaccessible and deprecated
operations, and calls it cannot resolve (needs-review). Ends with the scope list to paste.

Exit codes: 0 nothing missing, 1 --check found missing scopes (--strict: or excess ones), 2 error."""


def register(app: typer.Typer) -> None:
    @app.command("scopes", help=HELP, no_args_is_help=True)
    def scopes(
        paths: List[Path] = typer.Argument(..., metavar="PATH...", help="The app's directory (or files, with its descriptor in or above them).", show_default=False),
        check: bool = typer.Option(False, "--check", help="Exit 1 when a scope is missing (CI, pre-commit)."),
        strict: bool = typer.Option(False, "--strict", help="With --check: excess scopes also make it exit 1."),
        json_out: bool = json_option("the summary, apps with every call, and findings"),
        sarif: Optional[Path] = typer.Option(None, "--sarif", metavar="FILE", help="Also write SARIF 2.1.0 results to FILE."),
        include_vendored: bool = typer.Option(
            False, "--include-vendored", help="Also scan node_modules, vendor, dist, build and similar trees."
        ),
        include_tests: bool = typer.Option(False, "--include-tests", help="Also read test sources (__tests__, *.test.ts, src/test, test_*.py...)."),
    ) -> None:
        if strict and not check:
            raise typer.BadParameter("--strict only applies to --check")
        from migrate.scopes import run, to_json, to_sarif

        try:
            with progress_on_stderr(enabled=not json_out) as bar:
                report = run(
                    [str(p) for p in paths],
                    include_vendored=include_vendored,
                    include_tests=include_tests,
                    progress=lambda done, total: bar("scanning", done, total),
                )
        except FileNotFoundError as e:
            err.print(f"[bold red]error:[/] no such file or directory: {escape(str(e))}")
            raise typer.Exit(EXIT_ERROR)
        except MigrateError as e:
            print_error(e)
            raise typer.Exit(EXIT_ERROR)
        except (typer.Exit, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - report, never a traceback
            print_error(e)
            raise typer.Exit(EXIT_ERROR)
        write_sarif(sarif, lambda: to_sarif(report), report.errors)
        if json_out:
            print_json({**to_json(report), "exit_code": exit_code(report, check, strict)})
        else:
            _render(report)
        for path, message in report.errors:
            err.print(f"[bold red]error:[/] {escape(_display(path))}: {escape(message)}")
        raise typer.Exit(exit_code(report, check, strict))


def exit_code(report: AuditReport, check: bool, strict: bool) -> int:
    from migrate.scopes import failing

    if report.errors:
        return EXIT_ERROR
    if check and failing(report, strict):
        return EXIT_FAILED_CHECK
    return EXIT_CLEAN


def _display(path: str) -> str:
    from migrate.scopes.source import display_path

    return display_path(path)


def _render(report: AuditReport) -> None:
    from migrate.scopes import app_block, line

    if report.findings:
        if out.is_terminal:
            table = Table(title="Calls and scopes", title_justify="left")
            for h in ("Location", "Class", "Kind", "Message"):
                table.add_column(h, overflow="fold")
            for f in report.findings:
                table.add_row(
                    Text(f"{_display(f.file)}:{f.line}:{f.column}"),
                    Text(f.classification, style=STYLE[f.classification]),
                    Text(f.kind),
                    Text(f.message),
                )
            out.print(table)
        else:  # one greppable line per finding
            for f in report.findings:
                out.print(line(f), markup=False, emoji=False)
    for app in report.apps:
        out.print("")
        for text in app_block(app):
            out.print(text, markup=False, emoji=False)
    counts = report.counts()
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(report.skipped.items())) or "none"
    table = Table(title="Summary", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, value in (
        ("apps", len(report.apps)),
        ("files scanned", report.files_scanned),
        ("files with Jira calls", report.files_with_calls),
        ("calls", report.calls),
        ("missing", f"[red]{counts['missing']}[/]" if counts["missing"] else "0"),
        ("excess", f"[magenta]{counts['excess']}[/]" if counts["excess"] else "0"),
        ("needs-review", f"[yellow]{counts['needs-review']}[/]" if counts["needs-review"] else "0"),
        ("warnings", counts["warning"]),
        ("errors", f"[red]{len(report.errors)}[/]" if report.errors else "0"),
        ("skipped", escape(skipped)),
        ("seconds", f"{report.seconds:.2f}"),
    ):
        table.add_row(label, str(value))
    out.print(table)
