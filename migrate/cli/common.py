"""Shared CLI plumbing: the conventions every command follows, defined once.

- Options: one factory per role (README, "Conventions"): `--site URL`, `--only NAME`, `-o/--out FILE`,
  `--plans-dir DIR`, `-y/--yes`, `--json`, `-c/--concurrency N`, `--max-rps N`, `--parallel N`,
  `--flavour`. Choices are Enums, so a bad value is a usage error (exit 2) at parse time.
- Old spellings stay for one release as hidden aliases with a note on stderr (`renamed`).
- Help text is literal (no rich markup), so `[[site]]` and `[defaults]` show as written.
- One JSON printer (every document carries `format_version`), one table renderer (a rich table on a
  terminal, tab-separated lines when piped), one error boundary (`handle_errors`).
- Progress on stderr: a bar on a terminal, plain lines otherwise (migrate.progress), and a runner that
  turns Ctrl-C into "stop before the next write, then report what was done" (`run_interruptible`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import re
import sys
import threading
import traceback
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TypeVar

import typer
from typer.core import TyperCommand, TyperGroup

from migrate.credentials import Credentials, EnvNames, site_url_from_env
from migrate.errors import EXIT_ERROR, EXIT_INTERRUPTED, MigrateError
from migrate.progress import Heartbeat, ProgressLines
from migrate.redact import install_logging_filter, redact

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from migrate.jira.client import JiraClient

# Start-up: `migrate --help` and a command's --help import this module, so it imports only typer and the
# standard library. rich, the Jira client and the planner are imported by the functions that use them, and
# the consoles and `Mode` are made on first use (module __getattr__ below).
F = TypeVar("F", bound=Callable[..., object])
T = TypeVar("T")

# Bumped (major) only when a field is removed or changes meaning; new fields may appear in any release.
JSON_FORMAT_VERSION = "1"

SITE_HELP = "Jira site URL (default: $JIRA_URL). Credentials come from JIRA_EMAIL + JIRA_API_TOKEN or JIRA_BEARER_TOKEN."
FLAVOUR_HELP = "cloud (/rest/api/3), dc (Data Center, /rest/api/2) or auto (ask the server)."
YES_HELP = "Do not ask for confirmation (required when stdin is not a terminal, e.g. in CI)."
CONCURRENCY_HELP = "Schemes written in parallel (never two writers on one scheme)."
RPS_HELP = (
    "At most this many requests per second to each endpoint (grant POSTs, reads), DELETEs at half that, slower "
    "whenever the site's rate-limit headers say it is near its limit (0 = no client-side limit)."
)
PARALLEL_HELP = "How many sites run at once (more than 8 are spread over worker processes, one per CPU)."
ONLY_HELP = "Only this site (by name in the sites file); repeat for several."


class Flavour(str, Enum):
    auto = "auto"
    cloud = "cloud"
    dc = "dc"


def __getattr__(name: str) -> Any:
    """`out` and `err` (rich consoles on stdout and stderr) and `Mode` (the planner's modes as an Enum),
    made when first imported or used, then kept as ordinary module attributes."""
    if name in ("out", "err"):
        from rich.console import Console

        # No emoji codes: text from Jira and from files is printed as it is (":warning:" stays ":warning:").
        value: Any = Console(stderr=name == "err", highlight=False, soft_wrap=True, emoji=False)
    elif name == "Mode":
        from migrate.plan import MODES

        # Defined from the planner's own list, so a new mode cannot be forgotten here.
        value = Enum("Mode", {m: m for m in MODES}, type=str)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def _console(name: str) -> Console:
    # this module's own functions read the consoles here: a global lookup does not go through __getattr__
    return globals().get(name) or __getattr__(name)


# --------------------------------------------------------------------------------------------- apps


class MigrateGroup(TyperGroup):
    """The root group: `-v`/`-vv` count verbosity wherever they appear on the line, and `--verbose 2`
    (a number after a counting flag, which click would take for a command) is read as `-vv`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_verbosity(args))


def hoist_verbosity(args: Sequence[str]) -> list[str]:
    """Move every -v/-vv/--verbose to the front (the root option), reading `--verbose N` / `-v N` as N
    times -v when N sits where a command name would be. Tokens after `--` are left alone."""
    front: list[str] = []
    rest: list[str] = []
    seen_command = False
    i = 0
    args = list(args)
    while i < len(args):
        a = args[i]
        if a == "--":
            rest.extend(args[i:])
            break
        n = 0
        if a == "--verbose":
            n = 1
        elif re.fullmatch(r"-v+", a):
            n = len(a) - 1
        elif a.startswith("--verbose=") and a.split("=", 1)[1].isdecimal():
            n = int(a.split("=", 1)[1])
            _note(f"--verbose counts and takes no value: read `{a}` as {'-' + 'v' * max(n, 1)}")
        if n:
            nxt = args[i + 1] if i + 1 < len(args) else ""
            if not seen_command and nxt.isdecimal() and not a.startswith("--verbose="):
                n = int(nxt)
                _note(f"--verbose counts and takes no value: read `{a} {nxt}` as {'-' + 'v' * max(n, 1)}")
                i += 1
            front.extend(["-v"] * min(n, 2))
            i += 1
            continue
        if not a.startswith("-"):
            seen_command = True
        rest.append(a)
        i += 1
    return front + rest


def _note(text: str) -> None:
    from rich.text import Text

    _console("err").print(Text(f"note: {text}"))


def new_app(**kw: Any) -> typer.Typer:
    """Every typer app of the CLI (root and sub-apps): literal help, no rich tracebacks."""
    kw.setdefault("no_args_is_help", True)
    return typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False, **kw)


def renamed(aliases: dict[str, str]) -> type[TyperCommand]:
    """A command class accepting old option spellings for one release: `{"--output": "--out"}`.

    The old spelling is rewritten before parsing (so it is not in --help) with a note on stderr."""

    class Renamed(TyperCommand):
        def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
            return super().parse_args(ctx, rewrite_aliases(args, aliases))

    return Renamed


def rewrite_aliases(args: Sequence[str], aliases: dict[str, str]) -> list[str]:
    new: list[str] = []
    args = list(args)
    for i, a in enumerate(args):
        if a == "--":
            new.extend(args[i:])
            break
        name, eq, value = a.partition("=") if a.startswith("--") else (a, "", "")
        target = aliases.get(name)
        if target is None and not a.startswith("--") and len(a) > 2 and a[:2] in aliases:
            name, eq, value, target = a[:2], "=", a[2:], aliases[a[:2]]  # -p5
        if target is None:
            new.append(a)
            continue
        _note(f"{name} is deprecated and goes away in the next release; use {target}")
        new.append(f"{target}={value}" if eq else target)
    return new


# --------------------------------------------------------------------------------------------- options


def site_option() -> Any:
    return typer.Option(None, "--site", "-s", metavar="URL", help=SITE_HELP, show_default=False)


def flavour_option() -> Any:
    return typer.Option(Flavour.auto, "--flavour", help=FLAVOUR_HELP)


def yes_option() -> Any:
    return typer.Option(False, "--yes", "-y", help=YES_HELP)


def json_option(what: str = "the result") -> Any:
    return typer.Option(
        False, "--json", help=f"Print {what} as one JSON document on stdout (format_version {JSON_FORMAT_VERSION})."
    )


def concurrency_option() -> Any:
    from migrate.jira.throttle import DEFAULT_CONCURRENCY

    return typer.Option(DEFAULT_CONCURRENCY, "--concurrency", "-c", min=1, max=32, metavar="N", help=CONCURRENCY_HELP)


def max_rps_option() -> Any:
    from migrate.jira.throttle import DEFAULT_WRITES_PER_SECOND

    return typer.Option(DEFAULT_WRITES_PER_SECOND, "--max-rps", min=0.0, metavar="N", help=RPS_HELP)


def out_option(help: str) -> Any:
    return typer.Option(None, "--out", "-o", metavar="FILE", help=help, show_default=False)


def plans_dir_option(default: Any, help: str) -> Any:
    return typer.Option(default, "--plans-dir", metavar="DIR", help=help)


def only_option() -> Any:
    return typer.Option(None, "--only", metavar="NAME", help=ONLY_HELP, show_default=False)


def parallel_option(default: int) -> Any:
    # no short form: -p is the sandbox's --port and -j the codemod's --jobs (one meaning per letter)
    return typer.Option(default, "--parallel", min=1, metavar="N", help=PARALLEL_HELP)


# --------------------------------------------------------------------------------------------- site


def resolve_site(site: str | None) -> str:
    url = site or site_url_from_env()
    if not url:
        raise MigrateError("no Jira site given", hint="pass --site URL or export JIRA_URL")
    return url


def make_client(site: str | None, flavour: Flavour | str = "auto", *, env_names: EnvNames = EnvNames(), **kw) -> JiraClient:
    from migrate.jira.client import JiraClient

    value = flavour.value if isinstance(flavour, Flavour) else flavour
    return JiraClient(resolve_site(site), Credentials.from_env(names=env_names), flavour=value, **kw)


def require_confirmation_possible(yes: bool, what: str) -> None:
    if not yes and not sys.stdin.isatty():
        raise MigrateError(
            f"refusing to {what} without confirmation: stdin is not a terminal",
            hint="pass --yes to confirm non-interactively (e.g. in CI)",
        )


# --------------------------------------------------------------------------------------------- output


def write_sarif(path: Any, make: Callable[[], dict], errors: list) -> None:
    """Write the run's SARIF report to `path` (when asked), atomically: a code-scanning upload never reads
    half a file. A failure to write is one of the run's errors (`errors`: (path, message) pairs), so the
    command still prints its findings and exits with its error code."""
    if path is None:
        return
    doc = make()
    target = os.fspath(path)
    tmp = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(json.dumps(doc, indent=2) + "\n")
        os.replace(tmp, target)
    except OSError as e:
        errors.append((target, f"cannot write SARIF: {e.strerror or e}"))


def print_json(doc: dict[str, Any]) -> None:
    """The one JSON printer: `format_version` first, then the document, on stdout."""
    typer.echo(json_text({"format_version": JSON_FORMAT_VERSION, **doc}))


def json_text(doc: Any) -> str:
    """json.dumps(doc, indent=2, ensure_ascii=False), the same text. With an indent, json encodes in Python
    (30 ms for a 50-site `sites apply --json`); a big document is encoded by json's C encoder in one line
    and indented by msgspec, which changes only the whitespace (10 ms)."""
    try:
        compact = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    except ValueError:  # NaN or infinity: written as json.dumps writes them
        compact = ""
    if len(compact) < BIG_JSON:  # small, or not plain JSON: not worth importing msgspec for
        return json.dumps(doc, indent=2, ensure_ascii=False)
    import msgspec

    try:
        return msgspec.json.format(compact, indent=2)
    except (ValueError, msgspec.DecodeError):  # a lone surrogate, which only json writes
        return json.dumps(doc, indent=2, ensure_ascii=False)


BIG_JSON = 64 * 1024  # characters of compact JSON from which json_text indents with msgspec


def print_table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    styles: Sequence[str | None] | None = None,
    style_col: int = -1,
    numeric: Sequence[str] = (),
    console: Console | None = None,
) -> None:
    """A rich table on a terminal; tab-separated plain lines when piped (for grep/awk and logs).

    `styles[i]` colours column `style_col` of row i; cells are literal text (never markup)."""
    console = console or _console("out")
    if console.is_terminal:
        from rich.markup import escape
        from rich.table import Table
        from rich.text import Text

        table = Table(title=escape(title), title_justify="left")
        for h in headers:
            num = h in numeric
            table.add_column(
                h.replace(" ", "\n", 1) if num else h,
                overflow="fold",
                justify="right" if num else "left",
                no_wrap=num,
            )
        for i, r in enumerate(rows):
            cells: list[Any] = [Text(c) for c in r]
            style = styles[i] if styles else None
            if style:
                cells[style_col] = Text(r[style_col], style=style)
            table.add_row(*cells)
        console.print(table)
        return
    # written past rich, which would expand the tabs into spaces
    f = console.file
    f.write(title + "\n" + "\t".join(headers) + "\n")
    for r in rows:
        f.write("\t".join(c.replace("\t", " ").replace("\n", " ") for c in r) + "\n")
    f.flush()


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
    from rich.text import Text

    return Text(text, style=style or "")


def labelled(label: str, text: str, style: str) -> Text:
    line = literal(label, style)
    line.append(text)
    return line


def print_error(e: BaseException) -> None:
    # Text, not markup: messages quote files and keys such as [[site]] or [defaults], which markup would eat.
    from rich.text import Text

    err = _console("err")
    if isinstance(e, MigrateError):
        err.print(labelled("error: ", redact(e.message), "bold red"))
        if e.hint:
            err.print(labelled("  hint: ", redact(e.hint), "dim"))
    else:
        err.print(labelled("internal error: ", f"{type(e).__name__}: {redact(str(e))[:500]}", "bold red"))
        if os.environ.get("MIGRATE_DEBUG"):
            err.print(Text(redact("".join(traceback.format_exception(e)))))
        else:
            err.print(Text("  set MIGRATE_DEBUG=1 for a (redacted) traceback"))


def handle_errors(fn: F) -> F:
    """Every command goes through this: MigrateError -> message + its exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            from rich.text import Text

            _console("err").print(Text("interrupted"))
            raise typer.Exit(EXIT_INTERRUPTED)
        except MigrateError as e:
            print_error(e)
            raise typer.Exit(e.exit_code)
        except Exception as e:  # the last line of defence: a clear message, a redacted trace on request
            print_error(e)
            raise typer.Exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------------------------------- progress


@contextlib.contextmanager
def progress_on_stderr(
    enabled: bool = True, *, retries: Callable[[], int] = lambda: 0, label: str = ""
) -> Iterator[Callable[[str, int, int], None]]:
    """A (stage, done, total) callback: a bar on a terminal; without one (CI, `2> log`), plain lines at
    each 10% and at least every 5 seconds, with rate, retries and ETA."""
    if not enabled:
        yield lambda stage, done, total: None
        return
    err = _console("err")
    if not err.is_terminal:
        from rich.text import Text

        lines = ProgressLines(lambda line: err.print(Text(line)), retries=retries, label=label)
        with Heartbeat(lines.tick):
            yield lines
        return
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as prog:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = prog.add_task(escape(label + stage), total=total or None)
            prog.update(tasks[stage], completed=done, total=total or None)

        yield update


class LazyProgress:
    """The progress display starts on the first update, not before: a confirmation prompt comes first
    and must not be drawn over."""

    def __init__(self, enabled: bool, **kw: Any):
        self.enabled = enabled
        self.kw = kw
        self._stack = contextlib.ExitStack()
        self._cb: Callable[[str, int, int], None] | None = None
        self._lock = threading.Lock()

    def __call__(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            if self._cb is None:
                self._cb = self._stack.enter_context(progress_on_stderr(self.enabled, **self.kw))
            cb = self._cb
        cb(stage, done, total)

    def __enter__(self) -> "LazyProgress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()


def run_interruptible(work: Callable[[], T], stop: threading.Event, *, until_started: threading.Event | None = None) -> tuple[T, bool]:
    """Run `work` on a helper thread; Ctrl-C sets `stop` (the executors check it before each write) and
    waits for `work` to return what it did. Returns (result, interrupted). A second Ctrl-C gives up waiting.

    Before `until_started` is set (e.g. while a confirmation prompt waits), Ctrl-C ends the command at
    once: nothing has been written yet."""
    box: dict[str, Any] = {}
    finished = threading.Event()

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as e:  # noqa: BLE001 - handed to the main thread as is
            box["error"] = e
        finally:
            finished.set()

    t = threading.Thread(target=target, name="migrate-run", daemon=True)
    t.start()
    interrupted = False
    # An Event, not Thread.join: a join interrupted by Ctrl-C can leave the thread looking finished early.
    while not finished.is_set():
        try:
            finished.wait(0.5)
        except KeyboardInterrupt:
            if interrupted or (until_started is not None and not until_started.is_set()):
                raise
            interrupted = True
            stop.set()
            from rich.text import Text

            _console("err").print(Text("interrupted: finishing the writes in flight (Ctrl-C again to quit at once)", style="yellow"))
    if "error" in box:
        raise box["error"]
    return box["result"], interrupted
