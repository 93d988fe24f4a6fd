"""`migrate history`: the plans applied to a site from this data folder, in order, and where each stands."""

from __future__ import annotations

from typing import Optional

import typer

from migrate.cli.common import err, handle_errors, json_option, literal, out, print_json, print_table, resolve_site, site_option
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


@handle_errors
def history_cmd(
    as_json: bool = json_option("the entries"),
    site: Optional[str] = site_option(),
) -> None:
    """List the plans applied to a site from this machine's data folder, oldest first.

    Per plan: mode, state (applied, partially applied, rolled back), when and by whom, and the plan it
    built on per scheme (a finish plan builds on the add plan whose after-state it was made from).

    Reads local files only: no credentials needed, nothing is sent to Jira. Exit 0."""
    url = normalise_site_url(resolve_site(site))
    ledger = Ledger(url)
    entries = ledger.entries()
    if as_json:
        print_json({"site": url, "history": str(ledger.path), "entries": [e.to_json() for e in entries], "exit_code": EXIT_OK})
        raise typer.Exit(EXIT_OK)
    if not entries:
        out.print(literal(f"no plan has been applied to {url} from this data folder ({ledger.path})"))
        raise typer.Exit(EXIT_OK)
    latest = {e.plan_id: e for e in entries}
    headers = ["plan id", "mode", "state", "applied", "by", "parent (per scheme)", "rule", "plan file"]
    print_table(
        f"history of {url}", headers, [_row(e, latest) for e in entries],
        styles=[STATE_STYLE.get(e.state) for e in entries], style_col=2,
    )
    err.print(literal(f"history file: {ledger.path}"))
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("history")(history_cmd)
