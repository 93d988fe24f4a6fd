"""`migrate codemod`: rewrite BROWSE_PROJECTS permission checks in app source code.

Thin: parses options, calls migrate.codemod.run, renders. Exit codes (this command's own contract, the
black/ruff convention for CI and pre-commit): 0 nothing pending / done, 1 `--check` found pending rewrites
(with `--strict`, needs-review sites too), 2 error (bad path, unreadable or unwritable file, usage).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from migrate.cli import common
from migrate.cli.common import json_option, print_error, print_json, progress_on_stderr, write_sarif

if TYPE_CHECKING:
    from migrate.codemod import RunReport

# `migrate codemod --help` imports only this module's top: the codemod library (ast-grep) and rich are
# imported when the command runs.
REWRITTEN, NEEDS_REVIEW, REPORT_ONLY = "rewritten", "needs-review", "report-only"

EXIT_CLEAN = 0
EXIT_PENDING = 1
EXIT_FAILED = 2
STYLE = {REWRITTEN: "green", NEEDS_REVIEW: "yellow", REPORT_ONLY: "cyan"}

HELP = """Rewrite BROWSE_PROJECTS permission checks in app code for the VIEW_PROJECTS / VIEW_ISSUES split.

Project-context checks become VIEW_PROJECTS; issue-context checks need VIEW_PROJECTS and VIEW_ISSUES;
grant code gets the new keys added next to the old one; Data Center APIs are reported only; anything
whose context is not known statically is reported as needs-review (never guessed).

Exit codes: 0 clean/done, 1 --check found pending rewrites (--strict: or needs-review sites), 2 error."""


def register(app: typer.Typer) -> None:
    @app.command("codemod", help=HELP, no_args_is_help=True)
    def codemod(
        paths: List[Path] = typer.Argument(..., metavar="PATH...", help="Files or directories to scan.", show_default=False),
        diff: bool = typer.Option(False, "--diff", help="Print a unified diff and write nothing (the default)."),
        write: bool = typer.Option(False, "--write", help="Rewrite files in place (atomically, keeping file modes)."),
        check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 when rewrites are pending (CI, pre-commit)."),
        strict: bool = typer.Option(False, "--strict", help="With --check: needs-review sites also make it exit 1."),
        json_out: bool = json_option("the summary, findings and diffs"),
        sarif: Optional[Path] = typer.Option(None, "--sarif", metavar="FILE", help="Also write SARIF 2.1.0 results to FILE."),
        include_vendored: bool = typer.Option(
            False, "--include-vendored", help="Also scan node_modules, vendor, dist, build and similar trees."
        ),
        jobs: int = typer.Option(0, "--jobs", "-j", min=0, metavar="N", help="Worker processes for big trees (0 = one per CPU)."),
    ) -> None:
        modes = [name for name, on in (("diff", diff), ("write", write), ("check", check)) if on]
        if len(modes) > 1:
            raise typer.BadParameter(f"choose one of --diff, --write, --check (got {', '.join('--' + m for m in modes)})")
        if strict and "check" not in modes:
            raise typer.BadParameter("--strict only applies to --check")
        mode = modes[0] if modes else "diff"
        _no_collection_at_exit()
        from migrate.codemod import run, to_json, to_sarif

        try:
            with progress_on_stderr(enabled=not json_out) as bar:
                report = run(
                    [str(p) for p in paths],
                    mode=mode,
                    include_vendored=include_vendored,
                    jobs=jobs or None,
                    progress=lambda done, total: bar("scanning", done, total),
                )
        except FileNotFoundError as e:
            _error(f"no such file or directory: {e}")
            raise typer.Exit(EXIT_FAILED)
        except (typer.Exit, KeyboardInterrupt):
            raise
        except Exception as e:  # noqa: BLE001 - report, never a traceback
            print_error(e)
            raise typer.Exit(EXIT_FAILED)
        write_sarif(sarif, lambda: to_sarif(report), report.errors)
        if json_out:
            print_json({**to_json(report), "exit_code": exit_code(report, mode, strict)})
        else:
            _render(report, mode)
        from migrate.codemod.output import error_sentence

        for path, message in report.errors:
            _error(error_sentence(path, message))
        raise typer.Exit(exit_code(report, mode, strict))


def _no_collection_at_exit() -> None:
    """At exit, the interpreter's last garbage collection frees every class, function and module of typer,
    click, ast-grep and the codemod one by one (a tenth of a run over a 50,000-file tree), though the
    process is ending: frozen, they are left to the operating system. Nothing here is flushed by a
    collection (files are written and closed, stdout is flushed after the atexit hooks)."""
    import atexit
    import gc

    atexit.unregister(gc.freeze)  # once, however many runs one process makes
    atexit.register(gc.freeze)


def _error(text: str) -> None:
    from rich.markup import escape

    common.err.print(f"[bold red]error:[/] {escape(text)}")


def exit_code(report: RunReport, mode: str, strict: bool) -> int:
    if report.errors:
        return EXIT_FAILED
    if mode == "check":
        counts = report.counts()
        if report.changed_files or (strict and counts[NEEDS_REVIEW]):
            return EXIT_PENDING
    return EXIT_CLEAN


def _render(report: RunReport, mode: str) -> None:
    from rich.markup import escape
    from rich.table import Table

    from migrate.codemod import unified_diff

    out = common.out
    if mode == "diff":
        for r in report.changed_files:
            _print_diff(unified_diff(r))
    elif mode == "check":
        for r in report.changed_files:
            out.print(f"would rewrite {escape(display_path(r.path))}")
    else:
        for p in report.written:
            out.print(f"rewrote {escape(display_path(p))}")
    findings = report.findings
    if findings:
        if out.is_terminal:
            table = Table(title="Sites", title_justify="left")
            for h in ("Location", "Class", "Rule", "Why"):
                table.add_column(h, overflow="fold")
            for f in findings:
                table.add_row(
                    escape(f"{display_path(f.file)}:{f.line}:{f.column}"),
                    f"[{STYLE[f.classification]}]{f.classification}[/]",
                    f.rule,
                    escape(f.message),
                )
            out.print(table)
        else:  # one greppable line per site
            for f in findings:
                out.print(f"{display_path(f.file)}:{f.line}:{f.column}: {f.classification} [{f.rule}] {f.message}", markup=False)
    if report.skipped_files:
        from migrate.codemod.output import skip_sentence

        for path, reason in report.skipped_files:
            out.print(f"skipped: {skip_sentence(path, reason)}", markup=False)
    counts = report.counts()
    changed = len(report.written) if mode == "write" else len(report.changed_files)
    verb = {"write": "files rewritten", "check": "files that would change", "diff": "files with changes"}[mode]
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(report.skipped.items())) or "none"
    table = Table(title="Summary", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, value in (
        ("files scanned", report.files_scanned),
        ("files mentioning BROWSE", report.files_matched),
        (verb, changed),
        ("rewritten sites", f"[green]{counts[REWRITTEN]}[/]"),
        ("needs-review sites", f"[yellow]{counts[NEEDS_REVIEW]}[/]"),
        ("report-only sites", f"[cyan]{counts[REPORT_ONLY]}[/]"),
        ("errors", f"[red]{len(report.errors)}[/]" if report.errors else "0"),
        ("skipped", escape(skipped)),
        ("seconds", f"{report.seconds:.2f}"),
    ):
        table.add_row(label, str(value))
    out.print(table)


def display_path(path: str) -> str:
    from migrate.codemod.output import display_path as _dp

    return _dp(path)


def _print_diff(text: str) -> None:
    from rich.markup import escape

    out = common.out
    if not out.is_terminal:
        out.file.write(text)
        out.file.flush()
        return
    for line in text.splitlines():
        style = "bold" if line.startswith(("---", "+++")) else "green" if line.startswith("+") else "red" if line.startswith("-") else "cyan" if line.startswith("@@") else None
        out.print(escape(line), style=style, highlight=False)
