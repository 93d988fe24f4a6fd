"""``migrate sandbox``: run the local Jira site, list its seeds."""

from __future__ import annotations

import json
import signal
import sys
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from migrate.sandbox.seeds import SEEDS

_err = Console(stderr=True, highlight=False, soft_wrap=True)


def _serve(
    port: int = typer.Option(8990, "--port", "-p", help="Port to listen on (0 picks a free one)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Loopback address to listen on (127.0.0.1, ::1, localhost)."),
    seed: str = typer.Option("demo", "--seed", help=f"Named site to serve: {', '.join(SEEDS)}."),
    schemes: Optional[int] = typer.Option(None, "--schemes", min=1, help="Generate this many permission schemes."),
    random_seed: Optional[int] = typer.Option(None, "--random-seed", help="Seed for the generator (default 0)."),
    flavour: Optional[str] = typer.Option(None, "--flavour", help="cloud (/rest/api/3) or dc (Data Center, /rest/api/2)."),
    new_keys: Optional[bool] = typer.Option(
        None, "--new-keys/--no-new-keys", show_default=False,
        help="Whether the site knows VIEW_PROJECTS / VIEW_ISSUES (default: the seed's; dc and legacy do not)."),
    faults: Optional[str] = typer.Option(None, "--faults", help="Fault spec, e.g. '429=0.1,reset=0.02,seed=7' (see README)."),
    latency: float = typer.Option(0, "--latency", min=0, help="Extra latency per request, in milliseconds."),
    rate_limit: Optional[str] = typer.Option(None, "--rate-limit", help="'cloud' (GET/POST 100/s, PUT/DELETE 50/s) or N/s."),
) -> None:
    """Serve a local Jira site on loopback until Ctrl-C. Prints the URL and the (non-secret) credentials."""
    from migrate.sandbox import FaultSpecError, Sandbox, SandboxError, is_loopback, parse_faults, parse_rate_limit

    if not is_loopback(host):
        _err.print(f"[red]error:[/] the sandbox only listens on loopback addresses (127.0.0.1, ::1, localhost); "
                   f"{host!r} is not one. It is a test site with well-known credentials.")
        raise typer.Exit(2)
    if seed not in SEEDS:
        _err.print(f"[red]error:[/] unknown seed {seed!r}; try one of: {', '.join(SEEDS)} (see 'migrate sandbox seeds')")
        raise typer.Exit(2)
    if flavour is not None and flavour not in ("cloud", "dc"):
        _err.print("[red]error:[/] --flavour must be 'cloud' or 'dc'")
        raise typer.Exit(2)
    try:
        parse_faults(faults)
        parse_rate_limit(rate_limit)
    except (FaultSpecError, ValueError) as e:
        _err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2)
    try:
        sandbox = Sandbox(seed, schemes=schemes, random_seed=random_seed, flavour=flavour,
                          new_keys=new_keys, faults=faults, latency_ms=latency,
                          rate_limit=rate_limit, host=host, port=port,
                          # live Cloud embeds role/group/user names when `expand` asks: the diff reads better
                          expand_holders=True)
        sandbox.start()
    except SandboxError as e:
        _err.print(f"[red]error:[/] {e}")
        raise typer.Exit(1)

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
    _err.print(f"Local Jira site listening on {sandbox.url}", markup=False)
    _err.print(f"  {spec.flavour} ({sandbox.api_path}), seed {spec.name}: {n_schemes} permission schemes, "
               f"{n_projects} projects, new keys {'on' if spec.new_keys else 'off'}", markup=False)
    _err.print("  Use it (sandbox credentials, not secrets):", markup=False)
    _err.print(f"    export JIRA_URL={sandbox.url}", markup=False)
    _err.print(f"    export JIRA_EMAIL={c.admin_email}", markup=False)
    _err.print(f"    export JIRA_API_TOKEN={c.admin_token}", markup=False)
    _err.print(f"  Read-only user: {c.viewer_email} / {c.viewer_token}; bearer token (admin): {c.bearer_token}",
               markup=False)
    if sandbox.faults.spec or rate_limit:
        _err.print(f"  Faults: {sandbox.faults.spec or 'none'}; rate limit: {rate_limit or 'none'}", markup=False)
    _err.print(f"  Control API: {sandbox.url}/_sandbox/ (state, requests, counts, stats, faults, reset, edit)",
               markup=False)
    _err.print("Press Ctrl-C to stop.", markup=False)
    try:
        sandbox.serve_forever()
    finally:
        sandbox.stop()
    _err.print("Sandbox stopped.", markup=False)


def _seeds(as_json: bool = typer.Option(False, "--json", help="Machine-readable output on stdout.")) -> None:
    """List the named seeds (sites) the sandbox can serve."""
    rows = [{"name": s.name, "schemes": s.schemes, "flavour": s.flavour, "new_keys": s.new_keys,
             "random_seed": s.random_seed, "description": s.description} for s in SEEDS.values()]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title="Sandbox seeds", title_justify="left")
    for col in ("name", "schemes", "flavour", "new keys", "description"):
        table.add_column(col, justify="right" if col == "schemes" else "left")
    for r in rows:
        table.add_row(r["name"], str(r["schemes"]), r["flavour"], "yes" if r["new_keys"] else "no", r["description"])
    Console().print(table)
    Console().print("Any size: migrate sandbox serve --schemes N --random-seed N", highlight=False)


def register(app: typer.Typer) -> None:
    sandbox_app = typer.Typer(
        name="sandbox",
        help="A local Jira site (Cloud or Data Center) to try migrate on, with faults and rate limits on demand.",
        no_args_is_help=True,
    )
    sandbox_app.command("serve")(_serve)
    sandbox_app.command("seeds")(_seeds)
    app.add_typer(sandbox_app, name="sandbox")
