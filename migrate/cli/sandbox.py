"""``migrate sandbox``: run the local Jira site, list its seeds."""

from __future__ import annotations

import signal
import sys
from enum import Enum
from typing import Optional

import typer
from rich.text import Text

from migrate.cli.common import err, handle_errors, json_option, new_app, out, print_json, print_table
from migrate.errors import EXIT_OK, MigrateError, UsageError
from migrate.sandbox.seeds import SEEDS

# Choices as types: a bad --seed or --flavour is a usage error (exit 2) before anything starts.
Seed = Enum("Seed", {name: name for name in SEEDS}, type=str)  # type: ignore[misc]


class SiteFlavour(str, Enum):
    cloud = "cloud"
    dc = "dc"


@handle_errors
def serve(
    port: int = typer.Option(8990, "--port", "-p", metavar="PORT", help="Port to listen on (0 picks a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", metavar="HOST", help="Loopback address to listen on (127.0.0.1, ::1, localhost)."),
    seed: Seed = typer.Option(Seed("demo"), "--seed", help="Named site to serve (see `migrate sandbox seeds`)."),
    schemes: Optional[int] = typer.Option(None, "--schemes", min=1, metavar="N", help="Generate this many permission schemes."),
    random_seed: Optional[int] = typer.Option(None, "--random-seed", metavar="N", help="Seed for the generator (default 0)."),
    flavour: Optional[SiteFlavour] = typer.Option(None, "--flavour", help="cloud (/rest/api/3) or dc (Data Center, /rest/api/2)."),
    new_keys: Optional[bool] = typer.Option(
        None, "--new-keys/--no-new-keys", show_default=False,
        help="Whether the site knows VIEW_PROJECTS / VIEW_ISSUES (default: the seed's; dc and legacy do not)."),
    faults: Optional[str] = typer.Option(None, "--faults", metavar="SPEC", help="Fault spec, e.g. '429=0.1,reset=0.02,seed=7' (see README)."),
    latency: float = typer.Option(0, "--latency", min=0, metavar="MS", help="Extra latency per request, in milliseconds."),
    rate_limit: Optional[str] = typer.Option(None, "--rate-limit", metavar="cloud|N/s", help="'cloud' (GET/POST 100/s, PUT/DELETE 50/s) or N/s."),
    as_json: bool = json_option("the URL and the (non-secret) credentials, once listening,"),
) -> None:
    """Serve a local Jira site on loopback until Ctrl-C. Prints the URL and the (non-secret) credentials."""
    from migrate.sandbox import FaultSpecError, Sandbox, SandboxError, is_loopback, parse_faults, parse_rate_limit

    if not is_loopback(host):
        raise UsageError(
            f"the sandbox only listens on loopback addresses (127.0.0.1, ::1, localhost); {host!r} is not one",
            hint="it is a test site with well-known credentials",
        )
    try:
        parse_faults(faults)
        parse_rate_limit(rate_limit)
    except (FaultSpecError, ValueError) as e:
        raise UsageError(str(e)) from None
    try:
        sandbox = Sandbox(seed.value, schemes=schemes, random_seed=random_seed, flavour=flavour.value if flavour else None,
                          new_keys=new_keys, faults=faults, latency_ms=latency,
                          rate_limit=rate_limit, host=host, port=port,
                          # live Cloud embeds role/group/user names when `expand` asks: the diff reads better
                          expand_holders=True)
        sandbox.start()
    except SandboxError as e:
        raise MigrateError(str(e)) from None

    def _terminate(signum, frame):  # SIGTERM stops cleanly, like Ctrl-C
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (tests calling the command in a thread)
        pass
    spec = sandbox.spec
    with sandbox.lock:
        n_schemes, n_projects = len(sandbox.state.schemes), len(sandbox.state.projects)
    c = sandbox.credentials
    if as_json:
        print_json(
            {
                "url": sandbox.url,
                "flavour": spec.flavour,
                "seed": spec.name,
                "schemes": n_schemes,
                "projects": n_projects,
                "new_keys": spec.new_keys,
                "env": {"JIRA_URL": sandbox.url, "JIRA_EMAIL": c.admin_email, "JIRA_API_TOKEN": c.admin_token},
                "control": f"{sandbox.url}/_sandbox/",
            }
        )
        sys.stdout.flush()
    lines = [
        f"Local Jira site listening on {sandbox.url}",
        f"  {spec.flavour} ({sandbox.api_path}), seed {spec.name}: {n_schemes} permission schemes, "
        f"{n_projects} projects, new keys {'on' if spec.new_keys else 'off'}",
        "  Use it (sandbox credentials, not secrets):",
        f"    export JIRA_URL={sandbox.url}",
        f"    export JIRA_EMAIL={c.admin_email}",
        f"    export JIRA_API_TOKEN={c.admin_token}",
        f"  Read-only user: {c.viewer_email} / {c.viewer_token}; bearer token (admin): {c.bearer_token}",
    ]
    if sandbox.faults.spec or rate_limit:
        lines.append(f"  Faults: {sandbox.faults.spec or 'none'}; rate limit: {rate_limit or 'none'}")
    lines += [
        f"  Control API: {sandbox.url}/_sandbox/ (state, requests, counts, stats, faults, reset, edit)",
        "Press Ctrl-C to stop.",
    ]
    for line in lines:
        err.print(Text(line))
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass  # the way to stop it
    finally:
        sandbox.stop()
    err.print(Text("Sandbox stopped."))
    raise typer.Exit(EXIT_OK)


@handle_errors
def seeds(as_json: bool = json_option("the seeds")) -> None:
    """List the named seeds (sites) the sandbox can serve."""
    rows = [{"name": s.name, "schemes": s.schemes, "flavour": s.flavour, "new_keys": s.new_keys,
             "random_seed": s.random_seed, "description": s.description} for s in SEEDS.values()]
    if as_json:
        print_json({"seeds": rows, "exit_code": EXIT_OK})
        return
    print_table(
        "Sandbox seeds",
        ["name", "schemes", "flavour", "new keys", "description"],
        [[r["name"], str(r["schemes"]), r["flavour"], "yes" if r["new_keys"] else "no", r["description"]] for r in rows],
        numeric=("schemes",),
    )
    out.print(Text("Any size: migrate sandbox serve --schemes N --random-seed N"))


def register(app: typer.Typer) -> None:
    sandbox_app = new_app(
        name="sandbox",
        help="A local Jira site (Cloud or Data Center) to try migrate on, with faults and rate limits on demand.",
    )
    sandbox_app.command("serve")(serve)
    sandbox_app.command("seeds")(seeds)
    app.add_typer(sandbox_app, name="sandbox")
