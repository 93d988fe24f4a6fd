"""`migrate history`: the plans applied to a site from this data folder, in order, and where each stands."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from migrate.cli.common import err, handle_errors, literal, out, resolve_site, site_option
from migrate.errors import EXIT_OK
from migrate.history import APPLIED, PARTIAL, ROLLED_BACK, Entry, Ledger
from migrate.jira.client import normalise_site_url

STATE_STYLE = {APPLIED: "green", PARTIAL: "yellow", ROLLED_BACK: "dim"}


def _who(d: dict[str, str]) -> str:
    return d.get("display_name") or d.get("account_id") or ""


def _row(e: Entry, by_id: dict[str, Entry]) -> list[str]:
    parents = []
    for p in sorted({p for p in e.parents.values() if p}):
        mode = by_id[p].mode if p in by_id else "?"
        parents.append(f"{p} ({mode}{', built on' if p in e.builds_on else ''})")
    state = e.state + (" (interrupted)" if e.open_runs and e.state != APPLIED else "")
    when = e.applied_at[:19].replace("T", " ")
    if e.rolled_back_at:
        when += f" / rolled back {e.rolled_back_at[:19].replace('T', ' ')}"
    rule = e.rule.get("name", "")
    if rule and not e.rule.get("builtin", True):
        rule += f" (custom, {e.rule.get('digest', '')})"
    return [e.plan_id, e.mode, state, when, _who(e.applied_by or e.rolled_back_by), "; ".join(parents) or "-", rule, e.plan_path or ""]


def register(app: typer.Typer) -> None:
    @app.command("history")
    @handle_errors
    def history_cmd(
        as_json: bool = typer.Option(False, "--json", help="Print the entries as JSON on stdout."),
        site: str = site_option(),
    ) -> None:
        """List the plans applied to a site from this machine's data folder, oldest first.

        Per plan: mode, state (applied, partially applied, rolled back), when and by whom, and the plan it
        built on per scheme (a finish plan builds on the add plan whose after-state it was made from).

        Reads local files only: no credentials needed, nothing is sent to Jira. Exit 0."""
        url = normalise_site_url(resolve_site(site))
        ledger = Ledger(url)
        entries = ledger.entries()
        if as_json:
            out.print_json(json.dumps({"site": url, "history": str(ledger.path), "entries": [e.to_json() for e in entries]}))
            raise typer.Exit(EXIT_OK)
        if not entries:
            out.print(literal(f"no plan has been applied to {url} from this data folder ({ledger.path})"))
            raise typer.Exit(EXIT_OK)
        latest = {e.plan_id: e for e in entries}
        headers = ["plan id", "mode", "state", "applied", "by", "parent (per scheme)", "rule", "plan file"]
        rows = [_row(e, latest) for e in entries]
        if out.is_terminal:
            table = Table(title=literal(f"history of {url}"), title_justify="left")
            for h in headers:
                table.add_column(h, overflow="fold")
            for e, r in zip(entries, rows):
                cells = [literal(c) for c in r]
                cells[2] = literal(r[2], STATE_STYLE.get(e.state))
                table.add_row(*cells)
            out.print(table)
        else:  # piped: tab-separated lines as they are (a console would expand the tabs)
            lines = [f"history of {url}", "\t".join(headers), *("\t".join(r) for r in rows)]
            out.file.write("".join(line + "\n" for line in lines))
            out.file.flush()
        err.print(literal(f"history file: {ledger.path}"))
        raise typer.Exit(EXIT_OK)
