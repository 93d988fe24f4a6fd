"""`migrate demo`: a one-command tour of the main job against a local Jira site (see migrate.demo)."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import time
from typing import Any

import typer
from rich.text import Text

from migrate.cli.common import handle_errors, json_option, out, print_json
from migrate.demo import demo_site, environment, steps
from migrate.errors import EXIT_ERROR, EXIT_OK

# Variables a user may have exported that would steer the demo's commands away from the demo site.
DROPPED = ("JIRA_BEARER_TOKEN", "MIGRATE_CRASH_AFTER")


def _invoke(argv: list[str]) -> int:
    """Run one command line through the real CLI, in this process; its exit code."""
    from typer.main import get_command

    from migrate.cli import app

    # each run sets logging up again: carry `migrate -v demo` over to the steps
    level = logging.getLogger("migrate").level
    verbose = ["-v"] * (2 if level and level <= logging.DEBUG else 1 if level and level <= logging.INFO else 0)
    code = get_command(app).main(args=verbose + argv, prog_name="migrate", standalone_mode=False)
    return code if isinstance(code, int) else EXIT_OK


@handle_errors
def demo(
    keep: bool = typer.Option(False, "--keep", help="Keep the temporary folder (plan, snapshot, journals) and say where."),
    as_json: bool = json_option("each step's command, exit code and JSON output"),
) -> None:
    """Run the whole job against a local Jira site started for the occasion: doctor, plan (the diff),
    apply, verify, rollback, printing each command as you would type it. Takes a few seconds; leaves nothing
    running and nothing in your data folder.

    Exit 0 when every step did what it should, else the exit code of the first step that did not."""
    started = time.monotonic()
    done: list[dict[str, Any]] = []
    failed: dict[str, Any] | None = None
    with demo_site(keep=keep) as site, environment({**site.env, "MIGRATE_HOME": str(site.home)}, drop=DROPPED):
        if not as_json:
            for line in (
                f"migrate demo: a local Jira Cloud site on {site.url} ({site.schemes} permission schemes, "
                f"{site.projects} projects), started for this demo and stopped at its end.",
                f"Plans, snapshot and journals go to {site.folder}"
                + (" (kept: --keep)." if keep else " (removed at the end; --keep keeps it)."),
                "Each step prints the command you would type; point them at the site first (sandbox credentials, not secrets):",
                f"$ {site.export_line}",
            ):
                out.print(Text(line))
        all_steps = steps(site.plan_path)
        for i, step in enumerate(all_steps, 1):
            argv = list(step.argv) + (["--json"] if as_json else [])
            if as_json:
                buf_out, buf_err = io.StringIO(), io.StringIO()
                with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
                    code = _invoke(argv)
                try:
                    output: Any = json.loads(buf_out.getvalue())
                except ValueError:
                    output = buf_out.getvalue()
                row = {"step": i, "title": step.title, "command": "migrate " + " ".join(argv), "exit_code": code,
                       "expected": step.expect, "output": output}
            else:
                out.print()
                out.print(Text(f"== {i}/{len(all_steps)} {step.title}", style="bold"))
                out.print(Text(f"$ {step.shell}", style="bold cyan"))
                code = _invoke(argv)
                row = {"step": i, "title": step.title, "command": step.shell, "exit_code": code, "expected": step.expect}
            done.append(row)
            if code != step.expect:
                failed = row
                break
    seconds = time.monotonic() - started
    code = EXIT_OK if failed is None else (failed["exit_code"] or EXIT_ERROR)
    if as_json:
        print_json({"ok": failed is None, "exit_code": code, "seconds": round(seconds, 2), "site": site.url,
                    "folder": str(site.folder), "kept": keep, "steps": done})
        raise typer.Exit(code)
    out.print()
    if failed is None:
        out.print(Text(f"demo done in {seconds:.1f} s: every step exited as expected, and the rollback put every "
                       "grant back as it was.", style="bold green"))
    else:
        out.print(Text(f"demo stopped: `{failed['command']}` exited {failed['exit_code']}, expected {failed['expected']}",
                       style="bold red"))
    out.print(Text(f"The local site is stopped; {site.folder} " + ("is kept." if keep else "is removed.")))
    out.print(Text("Next: `migrate sandbox serve` keeps a site running to try things by hand; README, "
                   "'Against a real site', says what a real site needs."))
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
