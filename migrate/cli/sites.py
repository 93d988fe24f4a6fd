"""`migrate sites check|plan|apply|verify|rollback SITES.toml`: many sites at once, one summary table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer
from rich.text import Text

from migrate.cli.common import (
    Mode,
    err,
    handle_errors,
    json_option,
    new_app,
    only_option,
    parallel_option,
    plans_dir_option,
    print_json,
    print_table,
    progress_on_stderr,
    renamed,
    yes_option,
)
from migrate.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, MigrateError
from migrate.redact import redact
from migrate.rules import resolve_rule
from migrate.sites import (
    SiteClients,
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
    rollback_sites,
    verify_sites,
)

HELP = (
    "Many Jira sites from one TOML file: check the file, plan every site, apply the saved plans, verify, "
    "roll back. Sites run concurrently; a failing site never stops the others. "
    "Exit code: 1 when no site got done, 4 when some did and others failed, were refused or are partial, "
    "3 when changes are pending, 0 when clean."
)

EXIT_WORDS = {EXIT_OK: "clean", EXIT_CHANGES: "changes pending", EXIT_PARTIAL: "partial", EXIT_ERROR: "error"}
STATUS_STYLE = {
    "clean": "green",
    "applied": "green",
    "verified": "green",
    "rolled-back": "green",
    "changes": "cyan",
    "blocked": "yellow",
    "partial": "yellow",
    "drifted": "yellow",
    "pending": "yellow",
    "skipped": "yellow",
    "error": "bold red",
}
NUMERIC = ("Schemes changed", "Grants added", "Grants removed")

# Old spellings, accepted for one release (README, "Conventions").
PLAN_ALIASES = {"--out-dir": "--plans-dir", "-o": "--plans-dir", "--site": "--only", "-p": "--parallel"}
RUN_ALIASES = {"--plans": "--plans-dir", "--site": "--only", "-p": "--parallel"}


def _sites_arg() -> Any:
    return typer.Argument(
        ..., metavar="SITES_FILE", help="The sites file (TOML). It names env vars; it never holds secrets.", show_default=False
    )


def _plans_dir(help: str = "The folder `migrate sites plan` saved the plans in (--plans-dir there).") -> Any:
    return plans_dir_option(DEFAULT_PLANS_DIR, help)


def _events() -> Callable[[str, str, str], None]:
    """Per-site start/finish lines on stderr, so a long run shows life without cluttering stdout."""

    def emit(site: str, stage: str, detail: str) -> None:
        if stage == "start":
            line = f"  {site}: started ({detail})"
        elif stage == "error":
            line = f"  {site}: error: {redact(detail)}"
        else:
            line = f"  {site}: {stage}"
        err.print(Text(line))

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


def _render(result: BulkResult, as_json: bool, exit_code: int, sites_file: Path) -> None:
    if result.interrupted:
        exit_code = EXIT_INTERRUPTED
    if as_json:
        print_json({**result.to_json(), "exit_code": exit_code})
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
    print_table(
        f"migrate sites {result.action}",
        ["Site", "URL", "Schemes changed", "Grants added", "Grants removed", "Outcome"],
        rows,
        styles=styles,
        numeric=NUMERIC,
    )
    for o in result.outcomes:
        if o.hint:
            err.print(Text(f"{o.site}: hint: {redact(o.hint)}"))
    if result.manifest:
        saved = sum(1 for o in result.outcomes if o.plan_path and o.status != "error")
        err.print(
            Text(
                f"{saved} plan(s) saved in {result.manifest.parent}/ (one <site>.json each, listed in {result.manifest.name}); "
                f"review with `migrate report {result.manifest.parent}`"
            )
        )
    states = ", ".join(f"{n} {st}" for st, n in t["states"].items() if n)
    if result.interrupted:
        done = result.sites_in("done")
        err.print(
            Text(
                f"interrupted ({states}): every write so far is journaled. Re-run `migrate sites {result.action} "
                f"{sites_file} --yes` to finish (sites already done do nothing)"
                + (f", or `migrate sites rollback {sites_file} --yes` to undo." if result.action == "apply" else ".")
                + (f" Done: {', '.join(done)}." if done else "")
            )
        )
    why = word if exit_code == result.exit_code else f"{word}; --detailed-exitcode exits {result.exit_code}"
    if result.interrupted:
        why = "interrupted"
    err.print(Text(f"exit {exit_code} ({why}; sites: {states})"))


@handle_errors
def check_cmd(
    sites_file: Path = _sites_arg(),
    only: Optional[List[str]] = only_option(),
    as_json: bool = json_option("the checks"),
) -> None:
    """Validate the sites file and that each site's env vars are set. No network.

    Exit 0 when every site is ready, 1 otherwise (a malformed file lists every problem with its line)."""
    cfg = load_sites(sites_file).select(only or [])
    checks = check_sites(cfg)
    ok = all(c.ok for c in checks)
    code = EXIT_OK if ok else EXIT_ERROR
    if as_json:
        print_json({"file": str(sites_file), "ok": ok, "exit_code": code, "sites": [c.to_json() for c in checks]})
    else:
        rows, styles = [], []
        for c in checks:
            env = ", ".join(f"{n} {'set' if v else 'MISSING'}" for n, v in c.env.items())
            status = "ok" if c.ok else "; ".join(p.split(": ", 1)[-1] for p in c.problems)
            rows.append([c.name, str(c.line or ""), c.url, c.flavour, c.mode, env, status])
            styles.append("green" if c.ok else "red")
        print_table(f"{sites_file}: {len(checks)} site(s)", ["Site", "Line", "URL", "Flavour", "Mode", "Env vars", "Status"],
                    rows, styles=styles)
        if not ok:
            err.print(Text("some sites cannot run: export the missing variables"))
    raise typer.Exit(code)


@handle_errors
def plan_cmd(
    sites_file: Path = _sites_arg(),
    plans_dir: Path = _plans_dir("Where to save one plan per site and the manifest."),
    mode: Optional[Mode] = typer.Option(
        None, "--mode", help="add or finish, for every site (default: each site's mode, else [defaults], else add).", show_default=False
    ),
    rule: Optional[str] = typer.Option(
        None, "--rule", metavar="RULE", help="A built-in rule name or a rule file (default: [defaults] rule, else browse-split).",
        show_default=False,
    ),
    parallel: int = parallel_option(DEFAULT_PARALLEL),
    only: Optional[List[str]] = only_option(),
    as_json: bool = json_option("the summary"),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 3 when some site has changes pending (else 0 unless a site failed)."
    ),
    no_scan: bool = typer.Option(False, "--no-scan", help="Skip each site's site-wide scan (workflows, filters...)."),
) -> None:
    """Fetch and plan every site concurrently; save <plans-dir>/<site>.json per site and a manifest.

    Nothing is written to any site. Review the plans (`migrate report <plans-dir>`), then `migrate sites apply`."""
    cfg = load_sites(sites_file).select(only or [])
    the_rule = resolve_rule(rule) if rule else None
    clients = SiteClients()
    with progress_on_stderr(retries=clients.retried) as progress:
        result = plan_sites(
            cfg, plans_dir=plans_dir, rule=the_rule, mode=mode.value if mode else None, parallel=parallel,
            on_event=_events(), client_factory=clients, progress=progress, scan=not no_scan,
        )
    code = result.exit_code
    if code == EXIT_CHANGES and not detailed_exitcode:
        code = EXIT_OK
    _render(result, as_json, code, sites_file)
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
            styles.append(None if status == "ready" else "yellow")
        else:
            rows.append([p.spec.name, p.spec.url, "-", "-", "-", "-", "-", redact(p.problem.message if p.problem else "no plan")])
            styles.append("red")
    print_table("about to apply", ["Site", "URL", "Plan", "Mode", "Schemes", "Grants added", "Grants removed", "Status"],
                rows, styles=styles, console=err)


def _require_tty(yes: bool, what: str, todo: list[PreparedSite]) -> None:
    if todo and not yes and not sys.stdin.isatty():
        raise MigrateError(
            f"refusing to {what} without confirmation: stdin is not a terminal",
            hint="pass --yes to confirm non-interactively (e.g. in CI)",
        )


def _confirm(question: str) -> None:
    try:
        go = typer.confirm(question, default=False, err=True)
    except typer.Abort:
        go = False
    if not go:
        err.print(Text("cancelled; nothing was changed (pass --yes to skip this question in scripts)"))
        raise typer.Exit(EXIT_ERROR)


@handle_errors
def apply_cmd(
    sites_file: Path = _sites_arg(),
    plans_dir: Path = _plans_dir(),
    yes: bool = yes_option(),
    parallel: int = parallel_option(DEFAULT_PARALLEL),
    only: Optional[List[str]] = only_option(),
    as_json: bool = json_option("the summary"),
) -> None:
    """Apply the plans `migrate sites plan` saved, one per site, concurrently.

    Each site's plan must be the one the manifest lists and must name that site; the executor then refuses
    any scheme changed since it was planned. Ctrl-C stops every site before its next write and prints the
    summary so far. Exit: 0 all done, 4 some sites done and others partial, failed or refused, 1 none done,
    130 interrupted."""
    cfg = load_sites(sites_file).select(only or [])
    prepared = prepare_sites(cfg, plans_dir, action="apply")
    todo = [p for p in prepared if p.ok and p.plan is not None and not p.plan.empty]
    _require_tty(yes, "apply", todo)
    if todo and not yes:
        _preview(prepared)
        ready = [p for p in todo if p.plan and not p.plan.missing_keys]
        adds = sum(p.plan.totals["grants_added"] for p in ready if p.plan)
        removes = sum(p.plan.totals["grants_removed"] for p in ready if p.plan)
        others = len(prepared) - len(ready)
        if removes:
            sources = sorted({p.plan.rule.source for p in ready if p.plan and p.plan.totals["grants_removed"]})
            err.print(
                Text(
                    f"These plans REMOVE {removes} {', '.join(sources)} grant(s). Each is removed only after a fresh read "
                    "shows its holder holds every target; `migrate sites rollback` re-creates them.",
                    style="bold yellow",
                )
            )
        _confirm(
            f"Apply {len(ready)} plan(s) to {len(ready)} site(s): +{adds} / -{removes} grants"
            + (f" ({others} other site(s) will fail or have nothing to do, as shown)" if others else "")
            + "?"
        )
    clients = SiteClients()
    with progress_on_stderr(retries=clients.retried) as progress:
        result = apply_sites(
            prepared, parallel=parallel, on_event=_events(), plans_dir=plans_dir, client_factory=clients, progress=progress
        )
    _render(result, as_json, result.exit_code, sites_file)
    raise typer.Exit(EXIT_INTERRUPTED if result.interrupted else result.exit_code)


@handle_errors
def verify_cmd(
    sites_file: Path = _sites_arg(),
    plans_dir: Path = _plans_dir(),
    parallel: int = parallel_option(DEFAULT_PARALLEL),
    only: Optional[List[str]] = only_option(),
    as_json: bool = json_option("the summary"),
) -> None:
    """Re-read every site and check each changed scheme equals its plan's after-state. Read-only.

    Exit as `migrate verify` per site (3 pending, 4 drifted), combined: 1 when no site could be checked,
    4 when some drifted or some could not be checked, else 3 when some are pending, else 0."""
    cfg = load_sites(sites_file).select(only or [])
    prepared = prepare_sites(cfg, plans_dir, action="verify")
    clients = SiteClients()
    with progress_on_stderr(retries=clients.retried) as progress:
        result = verify_sites(
            prepared, parallel=parallel, on_event=_events(), plans_dir=plans_dir, client_factory=clients, progress=progress
        )
    _render(result, as_json, result.exit_code, sites_file)
    raise typer.Exit(result.exit_code)


@handle_errors
def rollback_cmd(
    sites_file: Path = _sites_arg(),
    plans_dir: Path = _plans_dir(),
    yes: bool = yes_option(),
    parallel: int = parallel_option(DEFAULT_PARALLEL),
    only: Optional[List[str]] = only_option(),
    as_json: bool = json_option("the summary"),
) -> None:
    """Roll back each site's plan, concurrently, from the site as it is now (whichever machine applied it):
    journaled, resumable, back to the plan's before-state.

    A site none of whose plan's changes is on the site is a no-op with a note; a rollback that would break
    the chain of applied plans or take access away is refused before any write. Exit codes as `sites apply`."""
    cfg = load_sites(sites_file).select(only or [])
    prepared = prepare_sites(cfg, plans_dir, action="roll back")
    todo = [p for p in prepared if p.ok and p.plan is not None and not p.plan.empty]
    _require_tty(yes, "roll back", todo)
    if todo and not yes:
        _confirm(f"Roll back the applied plans of {len(todo)} site(s) ({', '.join(p.spec.name for p in todo)})?")
    clients = SiteClients()
    with progress_on_stderr(retries=clients.retried) as progress:
        result = rollback_sites(
            prepared, parallel=parallel, on_event=_events(), plans_dir=plans_dir, client_factory=clients, progress=progress
        )
    _render(result, as_json, result.exit_code, sites_file)
    raise typer.Exit(EXIT_INTERRUPTED if result.interrupted else result.exit_code)


def register(app: typer.Typer) -> None:
    sites_app = new_app(name="sites", help=HELP)
    sites_app.command("check", cls=renamed({"--site": "--only"}))(check_cmd)
    sites_app.command("plan", cls=renamed(PLAN_ALIASES))(plan_cmd)
    sites_app.command("apply", cls=renamed(RUN_ALIASES))(apply_cmd)
    sites_app.command("verify", cls=renamed(RUN_ALIASES))(verify_cmd)
    sites_app.command("rollback", cls=renamed(RUN_ALIASES))(rollback_cmd)
    app.add_typer(sites_app, name="sites")
