"""`migrate plan` (the dry run: fetch, plan, show the diff, save the plan), `migrate show PLAN` (re-render a
saved plan offline) and `migrate rules` (what a rule gives each kind of holder)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

import typer
from rich.text import Text

from migrate import __version__
from migrate.cli.common import (
    Flavour,
    Mode,
    err,
    flavour_option,
    handle_errors,
    json_option,
    make_client,
    out,
    out_option,
    print_json,
    progress_on_stderr,
    site_option,
)
from migrate.diff import ADD, HOLDER, KEEP, NOTE, REMOVE, SCHEME, SUMMARY, TITLE, WARN, PlanDiff, diff_lines, diff_plan, diff_to_json, render_text
from migrate.errors import EXIT_CHANGES, EXIT_OK, ConfigError, MigrateError
from migrate.fetch import fetch_site
from migrate.plan import FINISH_WAITING, Plan, make_plan, select_schemes
from migrate.planfile import DEFAULT_DIR, load_plan, plan_id, save_plan
from migrate.progress import retried
from migrate.rules import BUILTIN_RULES, check_rule_against_site, check_rule_offline, resolve_rule
from migrate.scan import ScanResult, load_scan, save_scan, scan_path_for, scan_site
from migrate.scan.text import short_lines

RULE_HELP = f"Built-in rule name ({', '.join(BUILTIN_RULES)}) or a .toml/.json rule file. Default: browse-split."

_STYLES = {
    TITLE: "bold",
    SCHEME: "bold yellow",
    HOLDER: "cyan",
    ADD: "green",
    REMOVE: "red",
    KEEP: "dim",
    NOTE: "",
    WARN: "bold red",
    SUMMARY: "bold",
}


def print_diff(d: PlanDiff) -> None:
    """Coloured in a terminal, plain render_text when piped (the same characters).
    One Text for the whole diff: a rich print per line costs seconds on a 10,000-line plan."""
    if not out.is_terminal:  # piped: the plain text as is, without rich's per-line rendering cost
        out.file.write(render_text(d))
        out.file.flush()
        return
    text = Text()
    for kind, line in diff_lines(d):
        text.append(line + "\n", style=_STYLES.get(kind) or None)
    out.print(text, end="")


def _warn_if_blocked(d: PlanDiff) -> None:
    if not d.applicable:
        err.print(Text(f"warning: {d.apply_blocked_reason}", style="bold yellow"))


def _emit(plan: Plan, path: Path, pid: str, as_json: bool, code: int, scan: ScanResult | None = None) -> PlanDiff:
    d = diff_plan(plan)
    if as_json:
        doc = diff_to_json(d)
        doc["plan_file"] = str(path)
        doc["plan_id"] = pid
        doc["scan"] = scan.to_json() if scan is not None else None
        doc["exit_code"] = code
        print_json(doc)
    else:
        print_diff(d)
        if scan is not None:
            out.print(Text("\n" + "\n".join(short_lines(scan)), style="yellow" if scan.findings else "dim"))
    return d


def scan_for_plan(client, data) -> ScanResult | None:
    """The site-wide scan, reusing what the plan read; a scan that fails never fails the plan."""
    try:
        return scan_site(client, site=data.site, schemes=data.schemes, projects=data.projects)
    except MigrateError as e:
        err.print(Text(f"warning: site-wide scan skipped: {e.message} (`migrate scan` to retry)", style="yellow"))
        return None


def _save(plan: Plan, out_file: Path | None) -> Path:
    """--out FILE, or --out DIR (default file name inside it), or the default plans/ directory."""
    try:
        if out_file is not None and out_file.is_dir():
            return save_plan(plan, directory=out_file)
        return save_plan(plan, out_file)
    except OSError as e:
        where = out_file or DEFAULT_DIR
        raise ConfigError(
            f"cannot write the plan to {where}: {e.strerror or e}",
            hint="pass -o/--out with a writable path; nothing was changed on the site",
        ) from None


@handle_errors
def plan_cmd(
    site: Optional[str] = site_option(),
    flavour: Flavour = flavour_option(),
    mode: Mode = typer.Option(
        Mode("add"),
        "--mode",
        help="add: grant the targets next to the source (safe first step). "
        "finish: remove the source only where the holder already holds every target (adds nothing; run after add is applied).",
    ),
    rule: Optional[str] = typer.Option(None, "--rule", metavar="RULE", help=RULE_HELP, show_default=False),
    out_file: Optional[Path] = out_option(f"Where to save the plan: a file, or a folder for a new file in it (default: {DEFAULT_DIR}/)."),
    no_projects: bool = typer.Option(
        False, "--no-projects", help="Skip the project -> scheme map (one request per project): faster, no project counts."
    ),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help=f"Exit {EXIT_CHANGES} when changes are pending, 0 when there is nothing to do."
    ),
    as_json: bool = json_option("the diff and the plan file path"),
    schemes: Optional[List[str]] = typer.Option(
        None, "--scheme", metavar="ID|NAME", help="Only plan this scheme (id or name). Repeat for more.", show_default=False
    ),
    no_scan: bool = typer.Option(
        False, "--no-scan", help="Skip the site-wide scan (workflows, filters...: a few paginated requests)."
    ),
) -> None:
    """Dry run: read the site, plan the migration, print the diff and save the plan for `migrate apply`.

    Changes nothing on the site. Exit 0; with --detailed-exitcode, 3 when changes are pending."""
    chosen_rule = resolve_rule(rule)  # a bad rule file fails before any request
    with make_client(site, flavour) as client:
        with progress_on_stderr(retries=lambda: retried(client.stats)) as progress:
            data = fetch_site(client, with_projects=not no_projects, progress=progress)
        requests_made = client.request_count
        scan = None if no_scan else scan_for_plan(client, data)
    check_rule_against_site(chosen_rule, data.site.permissions)  # a mistyped key is refused, not "not enabled yet"
    n_projects = sum(len(v) for v in data.projects_by_scheme.values())
    err.print(
        Text(
            f"read {len(data.schemes)} permission schemes"
            + (f" and {n_projects} projects" if data.projects_fetched else "")
            + f" from {data.site.url} in {requests_made} requests"
        )
    )
    picked = select_schemes(data.schemes, schemes) if schemes else list(data.schemes)
    plan = make_plan(
        picked,
        chosen_rule,
        data.site,
        mode=mode.value,
        projects_by_scheme=data.projects_by_scheme if data.projects_fetched else None,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        tool_version=__version__,
    )
    if schemes:
        note = f"limited by --scheme to {len(picked)} of {len(data.schemes)} schemes"
        plan = dataclasses.replace(plan, notes=plan.notes + (note,))
    path = _save(plan, out_file)
    pid = plan_id(plan)
    code = EXIT_CHANGES if detailed_exitcode and not plan.empty else EXIT_OK
    d = _emit(plan, path, pid, as_json, code, scan)
    err.print(Text(f"plan saved to {path} (mode 0600, plan id {pid})"))
    if scan is not None:
        save_scan(scan, scan_path_for(path))
        err.print(Text(f"site scan saved to {scan_path_for(path)} ({scan.requests} requests)"))
    if plan.mode == "finish" and d.totals["grants_removed"]:
        err.print(
            Text(
                f"this finish plan REMOVES {d.totals['grants_removed']} {chosen_rule.source} grant(s); "
                "apply removes a grant only after re-reading that its holder holds every target",
                style="bold yellow",
            )
        )
    if plan.mode == "finish" and any(FINISH_WAITING in n for n in plan.notes):
        err.print(
            Text(
                "note: some holders do not hold every target yet, so this finish plan leaves their "
                f"{plan.rule.source} alone; the safe order is `--mode add`, apply, verify, then finish",
                style="yellow",
            )
        )
    _warn_if_blocked(d)
    if not plan.empty and plan.applicable:
        err.print(Text(f"review it, then run: migrate apply {path}", style="dim"))
    raise typer.Exit(code)


@handle_errors
def show_cmd(
    plan_file: Path = typer.Argument(..., metavar="PLAN", help="A plan file written by `migrate plan`.", show_default=False),
    as_json: bool = json_option("the diff"),
) -> None:
    """Show a saved plan again, offline: checks the file (version, checksum, content), then prints its diff
    (and the site-wide scan saved beside it, if any)."""
    plan = load_plan(plan_file)
    pid = plan_id({"checksum": plan.meta["checksum"]})  # the id of the file as written, without re-hashing it
    beside = scan_path_for(plan_file)
    scan = load_scan(beside) if beside.exists() else None
    d = _emit(plan, plan_file, pid, as_json, EXIT_OK, scan)
    err.print(Text(f"plan {pid} for {plan.site.get('url')}: checksum ok"))
    _warn_if_blocked(d)
    raise typer.Exit(EXIT_OK)


@handle_errors
def rules_cmd(
    rule: Optional[str] = typer.Option(None, "--rule", metavar="RULE", help=RULE_HELP, show_default=False),
    as_json: bool = json_option("the rule and its holder policy"),
) -> None:
    """Explain a rule: source, targets, and what each kind of permission holder gets.

    A key that looks like a typo of a Jira permission key is an error (exit 1); a key Jira does not
    document (an app's own permission) is a warning."""
    r = resolve_rule(rule)
    warnings = check_rule_offline(r)
    rows = r.holder_policy()
    if as_json:
        print_json({**r.to_json(), "holder_policy": rows, "warnings": warnings, "exit_code": EXIT_OK})
        raise typer.Exit(EXIT_OK)
    out.print(Text(f"rule {r.name}: {r.source} -> {' + '.join(r.targets)}", style="bold"))
    if r.description:
        out.print(Text(r.description))
    out.print(Text("holder policy:", style="bold"))
    names = [row["holder"] + (" (issue-scoped)" if row["issue_scoped"] else "") for row in rows]
    width = max(map(len, names))
    for name, row in zip(names, rows):
        line = Text(f"  {name:<{width}}  ")
        line.append(" + ".join(row["targets"]), style="green")
        line.append(f"   {row['why']}", style="dim")
        out.print(line)
    for w in warnings:
        err.print(Text(f"warning: {w}", style="yellow"))
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_cmd)
    app.command("show")(show_cmd)
    app.command("rules")(rules_cmd)
