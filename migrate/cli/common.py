"""Shared CLI plumbing: consoles, site/credential options, error rendering and exit codes."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import sys
import traceback
from typing import Callable, Iterator, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from migrate.credentials import Credentials, EnvNames, site_url_from_env
from migrate.errors import EXIT_ERROR, MigrateError
from migrate.jira.client import JiraClient
from migrate.redact import install_logging_filter, redact

# No emoji codes: text from Jira and from files is printed as it is (":warning:" stays ":warning:").
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

F = TypeVar("F", bound=Callable[..., object])

SITE_HELP = "Jira site URL (default: $JIRA_URL). Credentials come from JIRA_EMAIL + JIRA_API_TOKEN or JIRA_BEARER_TOKEN."
FLAVOUR_HELP = "cloud (/rest/api/3), dc (Data Center, /rest/api/2) or auto (ask the server)."


def site_option() -> typer.models.OptionInfo:
    return typer.Option(None, "--site", "-s", help=SITE_HELP, show_default=False)


def flavour_option() -> typer.models.OptionInfo:
    return typer.Option("auto", "--flavour", help=FLAVOUR_HELP)


def resolve_site(site: str | None) -> str:
    url = site or site_url_from_env()
    if not url:
        raise MigrateError("no Jira site given", hint="pass --site URL or export JIRA_URL")
    return url


def make_client(site: str | None, flavour: str = "auto", *, env_names: EnvNames = EnvNames(), **kw) -> JiraClient:
    return JiraClient(resolve_site(site), Credentials.from_env(names=env_names), flavour=flavour, **kw)


def setup_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("migrate")
    root.handlers[:] = [handler]
    root.setLevel(level)
    install_logging_filter(root)
    install_logging_filter()


def literal(text: str, style: str | None = None) -> Text:
    """Text shown exactly as it is: messages from Jira and names from files may contain "[/]" or "[red]",
    which must neither style the output nor crash it."""
    return Text(text, style=style or "")


def labelled(label: str, text: str, style: str) -> Text:
    line = literal(label, style)
    line.append(text)
    return line


def print_error(e: BaseException) -> None:
    if isinstance(e, MigrateError):
        err.print(labelled("error: ", redact(e.message), "bold red"))
        if e.hint:
            err.print(labelled("  hint: ", redact(e.hint), "dim"))
    else:
        err.print(labelled("internal error: ", f"{type(e).__name__}: {redact(str(e))[:500]}", "bold red"))
        if os.environ.get("MIGRATE_DEBUG"):
            err.print(redact("".join(traceback.format_exception(e))), markup=False)
        else:
            err.print("  set MIGRATE_DEBUG=1 for a (redacted) traceback", markup=False)


def handle_errors(fn: F) -> F:
    """Every command goes through this: MigrateError -> message + its exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            err.print("interrupted", markup=False)
            raise typer.Exit(130)
        except MigrateError as e:
            print_error(e)
            raise typer.Exit(e.exit_code)
        except Exception as e:  # the last line of defence: a clear message, a redacted trace on request
            print_error(e)
            raise typer.Exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def progress_on_stderr(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A (stage, done, total) callback drawing a progress bar on stderr; silent when stderr is not a TTY."""
    if not enabled or not err.is_terminal:
        yield lambda stage, done, total: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as prog:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = prog.add_task(stage, total=total or None)
            prog.update(tasks[stage], completed=done, total=total or None)

        yield update
