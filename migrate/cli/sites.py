"""`migrate sites check|plan|apply|verify SITES.toml`: many sites at once, one summary table."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from migrate.cli.common import err, handle_errors, out
from migrate.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, MigrateError
from migrate.redact import redact
from migrate.rules import resolve_rule
from migrate.sites import (
    DEFAULT_PARALLEL,
    DEFAULT_PLANS_DIR,
    BulkResult,
    PreparedSite,
    SiteOutcome,
    apply_sites,
    check_sites,
    load_sites,
    plan_sites,
    prepare_sites,
    verify_sites,
)

sites_app = typer.Typer(
    name="sites",
    help=(
        "Many Jira sites from one TOML file: check the file, plan every site, apply the saved plans, verify. "
        "Sites run concurrently; a failing site never stops the others. "
        "Exit code: error (1) beats partial (4) beats changes pending (3) beats clean (0)."
    ),
    no_args_is_help=True,
)

class Mode(str, Enum):
    add = "add"
    finish = "finish"


EXIT_WORDS = {EXIT_OK: "clean", EXIT_CHANGES: "changes pending", EXIT_PARTIAL: "partial", EXIT_ERROR: "error"}
STATUS_STYLE = {
    "clean": "green",
    "applied": "green",
    "verified": "green",
    "changes": "cyan",
    "blocked": "yellow",
    "partial": "yellow",
    "mismatch": "yellow",
    "pending": "yellow",
    "error": "bold red",
}


def register(app: typer.Typer) -> None:
    app.add_typer(sites_app, name="sites")


def _sites_arg() -> typer.models.ArgumentInfo:
    return typer.Argument(..., help="The sites file (TOML). It names env vars; it never holds secrets.", show_default=False)


def _parallel_opt() -> typer.models.OptionInfo:
    return typer.Option(DEFAULT_PARALLEL, "--parallel", "-p", min=1, max=32, help="How many sites run at once.")


def _only_opt() -> typer.models.OptionInfo:
    return typer.Option(None, "--site", help="Only this site (by name); repeat for several.", show_default=False)


def _json_opt() -> typer.models.OptionInfo:
    return typer.Option(False, "--json", help="Print the summary as JSON on stdout.")


def _progress():
    """Per-site start/finish lines on stderr, so a long run shows life without cluttering stdout."""

    def emit(site: str, stage: str, detail: str) -> None:
        if stage == "start":
            line = f"  {site}: started ({detail})"
        elif stage == "error":
            line = f"  {site}: error: {redact(detail)}"
        else:
            line = f"  {site}: {stage}"
        err.print(line, markup=False, highlight=False)

    return emit


def _outcome_text(o: SiteOutcome) -> str:
    text = _outcome_head(o)
    warnings = o.details.get("warnings") or []
    scan = o.details.get("scan") or {}
    also = [f"also on this site: {scan['summary']}"] if scan.get("counts") else []
    also += [f"site scan failed: {scan['error']}"] if scan.get("error") else []
    return "; ".join([text, *warnings, *also])


def _outcome_head(o: SiteOutcome) -> str:
    if o.status == "changes":
        return "changes pending"
    if o.status == "blocked":
        return f"blocked: site lacks {', '.join(o.missing_keys)} (apply will refuse)"
    if o.status == "clean" and o.action == "plan":
        return "clean: nothing to change"
    return f"{o.status}: {o.message}" if o.message and o.message != o.status else o.status


def _table(title: str, headers: list[str], rows: list[list[str]], styles: list[str] | None = None, *, console=None) -> None:
    """A rich table on a terminal; tab-separated plain lines when piped (for grep/awk and logs)."""
    console = console or out
    if console.is_terminal:
        table = Table(title=title, title_justify="left")
        for h in headers:
            numeric = h.startswith(("Schemes", "Grants"))
            table.add_column(
                h.replace(" ", "\n", 1) if numeric else h,
                overflow="fold",
                justify="right" if numeric else "left",
                no_wrap=h == "Site" or numeric,
                min_width=24 if h in ("Outcome", "Status") else None,
            )
        for i, r in enumerate(rows):
            cells = [_escape(c) for c in r]
            style = styles[i] if styles else ""
            if style:
                cells[-1] = f"[{style}]{cells[-1]}[/]"
            table.add_row(*cells)
        console.print(table)
    else:
        # written past rich, which would expand the tabs into spaces
        f = console.file
        f.write(title + "\n" + "\t".join(headers) + "\n")
        for r in rows:
            f.write("\t".join(c.replace("\t", " ").replace("\n", " ") for c in r) + "\n")
        f.flush()


def _render(result: BulkResult, as_json: bool, exit_code: int) -> None:
    if as_json:
        doc = result.to_json()
        doc["exit_code"] = exit_code
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    rows, styles = [], []
    for o in result.outcomes:
        rows.append(
            [o.site, o.url, str(o.schemes_changed), str(o.grants_added), str(o.grants_removed), redact(_outcome_text(o))]
        )
        styles.append(STATUS_STYLE.get(o.status, ""))
    t = result.totals
    word = EXIT_WORDS.get(result.exit_code, "error")  # what the run found, whatever the exit code says
    rows.append(
        ["total", f"{t['sites']} sites, {t['sites_failed']} failed", str(t["schemes_changed"]), str(t["grants_added"]),
         str(t["grants_removed"]), word]
    )
    styles.append("bold")
    _table(
        f"migrate sites {result.action}",
        ["Site", "URL", "Schemes changed", "Grants added", "Grants removed", "Outcome"],
        rows,
        styles,
    )
    for o in result.outcomes:
        if o.status == "error" and o.hint:
            err.print(f"{o.site}: hint: {redact(o.hint)}", markup=False, highlight=False)
    if result.manifest:
        saved = sum(1 for o in result.outcomes if o.plan_path and o.status != "error")
        err.print(
            f"{saved} plan(s) saved in {result.manifest.parent}/ (one <site>.json each, listed in {result.manifest.name}); "
            f"review with `migrate report {result.manifest.parent}`",
            markup=False,
            highlight=False,
        )
    why = word if exit_code == result.exit_code else f"{word}; --detailed-exitcode exits {result.exit_code}"
    err.print(f"exit {exit_code} ({why})", markup=False, highlight=False)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@sites_app.command("check")
@handle_errors
def check_cmd(
    sites_file: Path = _sites_arg(),
    as_json: bool = _json_opt(),
) -> None:
    """Validate the sites file and that each site's env vars are set. No network.

    Exit 0 when every site is ready, 1 otherwise (a malformed file lists every problem with its line)."""
    cfg = load_sites(sites_file)
    checks = check_sites(cfg)
    ok = all(c.ok for c in checks)
    if as_json:
        typer.echo(json.dumps({"file": str(sites_file), "ok": ok, "sites": [c.to_json() for c in checks]}, indent=2))
    else:
        rows, styles = [], []
        for c in checks:
            env = ", ".join(f"{n} {'set' if v else 'MISSING'}" for n, v in c.env.items())
            status = "ok" if c.ok else "; ".join(p.split(": ", 1)[-1] for p in c.problems)
            rows.append([c.name, str(c.line or ""), c.url, c.flavour, c.mode, env, status])
            styles.append("green" if c.ok else "red")
        _table(f"{sites_file}: {len(checks)} site(s)", ["Site", "Line", "URL", "Flavour", "Mode", "Env vars", "Status"], rows, styles)
        if not ok:
            err.print("some sites cannot run: export the missing variables", markup=False)
    raise typer.Exit(EXIT_OK if ok else EXIT_ERROR)


@sites_app.command("plan")
@handle_errors
def plan_cmd(
    sites_file: Path = _sites_arg(),
    out_dir: Path = typer.Option(DEFAULT_PLANS_DIR, "--out-dir", "-o", help="Where to save one plan per site and the manifest."),
    mode: Optional[Mode] = typer.Option(
        None, "--mode", help="add or finish, for every site (default: each site's mode, else [defaults], else add).", show_default=False
    ),
    rule: Optional[str] = typer.Option(
        None, "--rule", help="A built-in rule name or a rule file (default: [defaults] rule, else browse-split).", show_default=False
    ),
    parallel: int = _parallel_opt(),
    only: Optional[List[str]] = _only_opt(),
    as_json: bool = _json_opt(),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 3 when some site has changes pending (else 0 unless a site failed)."
    ),
    no_scan: bool = typer.Option(False, "--no-scan", help="Skip each site's site-wide scan (workflows, filters...)."),
) -> None:
    """Fetch and plan every site concurrently; save <out-dir>/<site>.json per site and a manifest.

    Nothing is written to any site. Review the plans (`migrate report <out-dir>`), then `migrate sites apply`."""
    cfg = load_sites(sites_file).select(only or [])
    the_rule = resolve_rule(rule) if rule else None
    result = plan_sites(cfg, plans_dir=out_dir, rule=the_rule, mode=mode.value if mode else None, parallel=parallel,
                        on_event=_progress(), scan=not no_scan)
    code = result.exit_code
    if code == EXIT_CHANGES and not detailed_exitcode:
        code = EXIT_OK
    _render(result, as_json, code)
    raise typer.Exit(code)


def _preview(prepared: list[PreparedSite]) -> None:
    rows, styles = [], []
    for p in prepared:
        if p.plan is not None:
            t = p.plan.totals
            status = "ready"
            if p.plan.empty:
                status = "nothing to do"
            elif p.plan.missing_keys:
                status = "site lacks " + ", ".join(p.plan.missing_keys) + ": apply will refuse"
            rows.append([p.spec.name, p.spec.url, str(p.plan_path), p.plan.mode,
                         str(t["schemes_changed"]), str(t["grants_added"]), str(t["grants_removed"]), status])
            styles.append("" if status == "ready" else "yellow")
        else:
            rows.append([p.spec.name, p.spec.url, "-", "-", "-", "-", "-", redact(p.problem.message if p.problem else "no plan")])
            styles.append("red")
    _table("about to apply", ["Site", "URL", "Plan", "Mode", "Schemes", "Grants added", "Grants removed", "Status"],
           rows, styles, console=err)


@sites_app.command("apply")
@handle_errors
def apply_cmd(
    sites_file: Path = _sites_arg(),
    plans: Path = typer.Option(DEFAULT_PLANS_DIR, "--plans", help="The --out-dir of `migrate sites plan`."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    parallel: int = _parallel_opt(),
    only: Optional[List[str]] = _only_opt(),
    as_json: bool = _json_opt(),
) -> None:
    """Apply the plans `migrate sites plan` saved, one per site, concurrently.

    Each site's plan must be the one the manifest lists and must name that site; the executor then refuses
    any scheme changed since it was planned. Exit: 1 if any site failed, else 4 if any was partial, else 0."""
    cfg = load_sites(sites_file).select(only or [])
    prepared = prepare_sites(cfg, plans)
    todo = [p for p in prepared if p.ok and p.plan is not None and not p.plan.empty]
    if todo and not yes and not sys.stdin.isatty():
        raise MigrateError(
            "refusing to apply without confirmation: stdin is not a terminal",
            hint="pass --yes to confirm non-interactively (e.g. in CI)",
        )
    if todo and not yes:
        _preview(prepared)
        ready = [p for p in todo if p.plan and not p.plan.missing_keys]
        adds = sum(p.plan.totals["grants_added"] for p in ready if p.plan)
        removes = sum(p.plan.totals["grants_removed"] for p in ready if p.plan)
        others = len(prepared) - len(ready)
        try:
            go = typer.confirm(
                f"Apply {len(ready)} plan(s) to {len(ready)} site(s): +{adds} / -{removes} grants"
                + (f" ({others} other site(s) will fail or have nothing to do, as shown)" if others else "")
                + "?",
                default=False,
                err=True,
            )
        except typer.Abort:
            go = False
        if not go:
            err.print("cancelled; nothing was changed (pass --yes to skip this question in scripts)", markup=False)
            raise typer.Exit(EXIT_ERROR)
    result = apply_sites(prepared, parallel=parallel, on_event=_progress(), plans_dir=plans)
    _render(result, as_json, result.exit_code)
    raise typer.Exit(result.exit_code)


@sites_app.command("verify")
@handle_errors
def verify_cmd(
    sites_file: Path = _sites_arg(),
    plans: Path = typer.Option(DEFAULT_PLANS_DIR, "--plans", help="The --out-dir of `migrate sites plan`."),
    parallel: int = _parallel_opt(),
    only: Optional[List[str]] = _only_opt(),
    as_json: bool = _json_opt(),
) -> None:
    """Re-read every site and check each changed scheme equals its plan's after-state. Read-only.

    Exit: 1 if a site could not be checked, else 4 if some scheme differs, else 0."""
    cfg = load_sites(sites_file).select(only or [])
    prepared = prepare_sites(cfg, plans)
    result = verify_sites(prepared, parallel=parallel, on_event=_progress(), plans_dir=plans)
    _render(result, as_json, result.exit_code)
    raise typer.Exit(result.exit_code)
