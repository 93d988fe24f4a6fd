"""`migrate plan` (the dry run: fetch, plan, show the diff, save the plan), `migrate show PLAN` (re-render a
saved plan offline) and `migrate rules` (what a rule gives each kind of holder)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.text import Text

from migrate import __version__
from migrate.cli.common import err, flavour_option, handle_errors, make_client, out, progress_on_stderr, site_option
from migrate.diff import ADD, HOLDER, KEEP, NOTE, REMOVE, SCHEME, SUMMARY, TITLE, WARN, PlanDiff, diff_lines, diff_plan, diff_to_json, render_text
from migrate.errors import EXIT_CHANGES, EXIT_OK, ConfigError
from migrate.fetch import fetch_site
from migrate.plan import FINISH_WAITING, Plan, make_plan, select_schemes
from migrate.planfile import DEFAULT_DIR, load_plan, plan_id, save_plan
from migrate.rules import BUILTIN_RULES, resolve_rule


class Mode(str, Enum):
    add = "add"
    finish = "finish"


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


def print_json(doc: dict[str, Any]) -> None:
    typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))


def _warn_if_blocked(d: PlanDiff) -> None:
    if not d.applicable:
        err.print(Text(f"warning: {d.apply_blocked_reason}", style="bold yellow"))


def _emit(plan: Plan, path: Path, pid: str, as_json: bool) -> PlanDiff:
    d = diff_plan(plan)
    if as_json:
        doc = diff_to_json(d)
        doc["plan_file"] = str(path)
        doc["plan_id"] = pid
        print_json(doc)
    else:
        print_diff(d)
    return d


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
            hint="pass --out with a writable path; nothing was changed on the site",
        ) from None


def register(app: typer.Typer) -> None:
    @app.command("plan")
    @handle_errors
    def plan_cmd(
        site: Optional[str] = site_option(),
        flavour: str = flavour_option(),
        mode: Mode = typer.Option(
            Mode.add,
            "--mode",
            help="add: grant the targets next to the source (safe first step). "
            "finish: remove the source only where the holder already holds every target (adds nothing).",
        ),
        rule: Optional[str] = typer.Option(None, "--rule", help=RULE_HELP, show_default=False),
        out_file: Optional[Path] = typer.Option(
            None, "--out", "-o", help=f"Where to save the plan (default: a new file in {DEFAULT_DIR}/).", show_default=False
        ),
        no_projects: bool = typer.Option(
            False, "--no-projects", help="Skip the project -> scheme map (one request per project): faster, no project counts."
        ),
        detailed_exitcode: bool = typer.Option(
            False, "--detailed-exitcode", help=f"Exit {EXIT_CHANGES} when changes are pending, 0 when there is nothing to do."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the diff and the plan file path as JSON on stdout."),
        schemes: Optional[List[str]] = typer.Option(
            None, "--scheme", help="Only plan this scheme (id or name). Repeat for more.", show_default=False
        ),
    ) -> None:
        """Dry run: read the site, plan the migration, print the diff and save the plan for `migrate apply`.

        Changes nothing on the site. Exit 0; with --detailed-exitcode, 3 when changes are pending."""
        chosen_rule = resolve_rule(rule)  # a bad rule file fails before any request
        with make_client(site, flavour) as client:
            with progress_on_stderr() as progress:
                data = fetch_site(client, with_projects=not no_projects, progress=progress)
            requests_made = client.request_count
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
        d = _emit(plan, path, pid, as_json)
        err.print(Text(f"plan saved to {path} (mode 0600, plan id {pid})"))
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
        raise typer.Exit(EXIT_CHANGES if detailed_exitcode and not plan.empty else EXIT_OK)

    @app.command("show")
    @handle_errors
    def show_cmd(
        plan_file: Path = typer.Argument(..., help="A plan file written by `migrate plan`.", show_default=False),
        as_json: bool = typer.Option(False, "--json", help="Print the diff as JSON on stdout."),
    ) -> None:
        """Show a saved plan again, offline: checks the file (version, checksum, content), then prints its diff."""
        plan = load_plan(plan_file)
        pid = plan_id({"checksum": plan.meta["checksum"]})  # the id of the file as written, without re-hashing it
        d = _emit(plan, plan_file, pid, as_json)
        err.print(Text(f"plan {pid} for {plan.site.get('url')}: checksum ok"))
        _warn_if_blocked(d)
        raise typer.Exit(EXIT_OK)

    @app.command("rules")
    @handle_errors
    def rules_cmd(
        rule: Optional[str] = typer.Option(None, "--rule", help=RULE_HELP, show_default=False),
        as_json: bool = typer.Option(False, "--json", help="Print the rule and its holder policy as JSON."),
    ) -> None:
        """Explain a rule: source, targets, and what each kind of permission holder gets."""
        r = resolve_rule(rule)
        rows = r.holder_policy()
        if as_json:
            print_json({**r.to_json(), "holder_policy": rows})
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
        raise typer.Exit(EXIT_OK)
