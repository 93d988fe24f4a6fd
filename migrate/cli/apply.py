"""`migrate apply`, `migrate verify` and `migrate rollback`: thin wrappers over migrate.apply / verify / rollback."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, List, Optional

import typer
from rich.text import Text

from migrate.apply import OUT_ALREADY, OUT_APPLIED, OUT_DRIFTED, OUT_FAILED, OUT_STALE, OUT_UNSUPPORTED, Preflight, apply_plan
from migrate.cli.common import (
    Flavour,
    LazyProgress,
    concurrency_option,
    err,
    flavour_option,
    handle_errors,
    json_option,
    literal,
    make_client,
    max_rps_option,
    out,
    print_json,
    print_table,
    require_confirmation_possible,
    run_interruptible,
    site_option,
    yes_option,
)
from migrate.credentials import site_url_from_env
from migrate.errors import EXIT_INTERRUPTED, EXIT_OK, MigrateError
from migrate.executor import crash_hook_from_env
from migrate.planfile import load_plan
from migrate.progress import retried
from migrate.rollback import ALREADY, FAILED, RESTORED, rollback
from migrate.verify import APPLIED, PENDING, check_access, summarise, verify_exit_code, verify_plan
from migrate.verify import DRIFTED as V_DRIFTED

COLOURS = {
    OUT_APPLIED: "green",
    OUT_ALREADY: "green",
    APPLIED: "green",
    RESTORED: "green",
    ALREADY: "green",
    OUT_STALE: "yellow",
    OUT_UNSUPPORTED: "yellow",
    PENDING: "yellow",
    OUT_FAILED: "red",
    OUT_DRIFTED: "red",
    V_DRIFTED: "red",
    FAILED: "red",
}

def _named_site(site: str | None, file_site: str | None) -> str:
    """The site credentials go to: --site or JIRA_URL, never a URL read from a plan or snapshot file (a file
    passed around through CI artefacts and tickets must not decide where the credentials are sent)."""
    url = site or site_url_from_env()
    if url:
        return url
    named = f" (the file is for {file_site})" if file_site else ""
    raise MigrateError(
        f"no Jira site given{named}",
        hint="pass --site URL or export JIRA_URL: credentials are only sent to a site you name, never to one read from a file",
    )


def _file_site(path: Path) -> str | None:
    """The site a plan or snapshot names, for the message when no site is given (never to connect to)."""
    try:
        doc = json.loads(Path(path).read_text("utf-8"))
        return doc["site"]["url"] if isinstance(doc.get("site", {}).get("url"), str) else None
    except Exception:  # the library reports unreadable files properly
        return None


def _print_rows(title: str, headers: list[str], rows: list[list[str]], colour_col: int | None) -> None:
    styles = [COLOURS.get(r[colour_col]) for r in rows] if colour_col is not None else None
    print_table(title, headers, rows, styles=styles, style_col=colour_col or 0)


def _interrupted(command: str, target: Path) -> typer.Exit:
    err.print(
        Text(
            f"interrupted: every write so far is journaled (the table above shows where each scheme stopped). "
            f"Re-run `migrate {command} {target}` to finish"
            + (f", or `migrate rollback {target}` to undo." if command == "apply" else ".")
        )
    )
    return typer.Exit(EXIT_INTERRUPTED)


def _until(stop: threading.Event, progress: Any) -> Any:
    # after Ctrl-C the executor settles the schemes it will not write as "done" for its counter: a line
    # saying 100% then would be false
    return lambda stage, done, total: None if stop.is_set() else progress(stage, done, total)


def register(app: typer.Typer) -> None:
    @app.command("apply")
    @handle_errors
    def apply_cmd(
        plan_file: Path = typer.Argument(..., metavar="PLAN", help="A plan file written by `migrate plan`.", show_default=False),
        yes: bool = yes_option(),
        concurrency: int = concurrency_option(),
        force: bool = typer.Option(
            False,
            "--force",
            help="Apply to schemes changed since the plan was made: only the plan's grants are touched, never a target "
            "for a holder whose source grant is gone; such schemes end 'drifted', as verify reports them.",
        ),
        snapshot_dir: Optional[Path] = typer.Option(
            None, "--snapshot-dir", metavar="DIR", help="Where to write the pre-apply snapshot (default: the site's data folder).",
            file_okay=False,
        ),
        max_rps: float = max_rps_option(),
        as_json: bool = json_option(),
        site: Optional[str] = site_option(),
        flavour: Flavour = flavour_option(),
    ) -> None:
        """Apply exactly a saved plan: lock, preflight, snapshot, journaled grant writes, verify.

        Re-running after a crash resumes; re-running after success changes nothing. Ctrl-C stops before
        the next write and prints what was done.
        Exit 0 when every scheme is applied, 4 when some were skipped or failed, 1 on error, 130 when interrupted."""
        require_confirmation_possible(yes, "apply")
        plan = load_plan(plan_file)
        started = threading.Event()

        def confirm(p: Preflight) -> bool:
            if not p.rule.builtin:
                # a rule file travels inside the plan: what it grants is shown by name and digest, even with --yes
                err.print(literal(f"rule: {p.rule.describe()}", "bold yellow"))
            if not yes:
                err.print(
                    literal(
                        f"Plan {p.plan_id} ({p.mode} mode, {p.rule.describe()}) on {p.site.url} "
                        f"({p.site.server_title or p.site.deployment_type}): "
                        f"{p.schemes} scheme(s), +{p.adds} grant(s), -{p.removes} grant(s)."
                        + (" --force: schemes changed since the plan will be written too." if force else "")
                    )
                )
                if p.removes:
                    err.print(
                        literal(
                            f"This plan REMOVES {p.removes} {plan.rule.source} grant(s). Each is removed only after a fresh "
                            f"read shows its holder holds {' + '.join(plan.rule.targets)}; rollback re-creates them.",
                            "bold yellow",
                        )
                    )
                if not typer.confirm("Apply these changes?", default=False, err=True):
                    return False
            started.set()
            return True

        stop = threading.Event()
        with make_client(_named_site(site, plan.site.get("url")), flavour) as client:
            with LazyProgress(True, retries=lambda: retried(client.stats)) as progress:
                result, interrupted = run_interruptible(
                    lambda: apply_plan(
                        client,
                        plan,
                        concurrency=concurrency,
                        force=force,
                        progress=_until(stop, progress),
                        crash_hook=crash_hook_from_env(),
                        snapshot_dir=snapshot_dir,
                        max_rps=max_rps,
                        confirm=confirm,
                        plan_path=plan_file,
                        stop=stop,
                    ),
                    stop,
                    until_started=started,
                )
        code = EXIT_INTERRUPTED if interrupted else result.exit_code
        if as_json:
            print_json({**result.to_json(), "exit_code": code, "interrupted": interrupted})
            raise typer.Exit(code)
        if not result.schemes:
            for n in result.notes:
                out.print(Text(n))
            raise typer.Exit(EXIT_OK)
        rows = []
        for s in result.schemes:
            why = s.reason or "; ".join(s.notes)
            if s.reason and s.notes:
                why += " | " + "; ".join(s.notes)
            rows.append([str(s.scheme_id), s.scheme_name, s.outcome, f"+{s.added} -{s.removed}", why])
        _print_rows(f"apply {result.plan_id} on {result.site_url}", ["id", "scheme", "outcome", "writes", "detail"], rows, 2)
        c = result.counts
        summary = ", ".join(f"{v} {k}" for k, v in c.items() if v)
        err.print(Text(f"{summary}; {result.grants_added} grant(s) added, {result.grants_removed} removed"))
        for n in result.notes:
            err.print(Text(f"note: {n}"))
        if result.snapshot_path:
            err.print(Text(f"snapshot: {result.snapshot_path}"))
        if result.journal_path:
            err.print(Text(f"journal:  {result.journal_path}"))
        if result.history_state:
            err.print(Text(f"history:  plan {result.plan_id} is {result.history_state} (`migrate history`)"))
        if interrupted:
            raise _interrupted("apply", plan_file)
        if not result.ok:
            hints = []
            if c.get(OUT_STALE):
                hints.append("run `migrate plan` again for stale schemes (or apply with --force)")
            if c.get(OUT_FAILED):
                hints.append(f"re-run `migrate apply {plan_file}` to retry failed schemes")
            if c.get(OUT_DRIFTED):
                hints.append("drifted schemes were changed outside the plan (`migrate verify` shows the same)")
            hints.append(f"`migrate rollback {plan_file}` undoes everything this plan changed")
            err.print(Text("hint: " + "; ".join(hints)))
        raise typer.Exit(result.exit_code)

    @app.command("verify")
    @handle_errors
    def verify_cmd(
        plan_file: Path = typer.Argument(..., metavar="PLAN", help="A plan file written by `migrate plan`.", show_default=False),
        check_access_ids: Optional[List[str]] = typer.Option(
            None,
            "--check-access",
            metavar="ACCOUNT_ID",
            help="Spot-check effective access of these account ids with POST /permissions/check "
            "(repeat the option or separate ids with commas).",
            show_default=False,
        ),
        as_json: bool = json_option(),
        site: Optional[str] = site_option(),
        flavour: Flavour = flavour_option(),
    ) -> None:
        """Re-read the site and report each scheme of a plan: applied, pending or drifted.

        Exit 0 when every scheme is applied (and every access check agrees), 3 when some are only pending,
        4 when some drifted or an access check disagrees, 1 on error."""
        plan = load_plan(plan_file)
        accounts = [a.strip() for raw in (check_access_ids or []) for a in raw.split(",") if a.strip()]
        with make_client(_named_site(site, plan.site.get("url")), flavour) as client:
            statuses = verify_plan(client, plan, source=f"plan {plan_file}")
            access = check_access(client, plan, accounts) if accounts else []
        counts = summarise(statuses)
        code = verify_exit_code(statuses, access)
        if as_json:
            print_json(
                {
                    "counts": counts,
                    "exit_code": code,
                    "schemes": [s.to_json() for s in statuses],
                    "access": [a.to_json() for a in access],
                }
            )
            raise typer.Exit(code)
        if not statuses:
            out.print(Text("the plan has no changes: nothing to verify"))
        else:
            rows = [[str(s.scheme_id), s.scheme_name, s.status, s.detail] for s in statuses]
            _print_rows(f"verify {plan_file} on {client.url}", ["id", "scheme", "status", "detail"], rows, 2)
        if access:
            arows = [
                [a.account_id, a.project_key, "ok" if a.ok else "MISMATCH", " ".join(f"{k}={'y' if v else 'n'}" for k, v in a.held.items()), a.detail]
                for a in access
            ]
            _print_rows("effective access (POST /permissions/check)", ["account", "project", "check", "held", "detail"], arows, None)
        err.print(Text(", ".join(f"{v} {k}" for k, v in counts.items() if v) or "nothing to verify"))
        raise typer.Exit(code)

    @app.command("rollback")
    @handle_errors
    def rollback_cmd(
        target: Path = typer.Argument(..., metavar="PLAN", help="The plan file that was applied, or its snapshot file.", show_default=False),
        yes: bool = yes_option(),
        concurrency: int = concurrency_option(),
        max_rps: float = max_rps_option(),
        as_json: bool = json_option(),
        site: Optional[str] = site_option(),
        flavour: Flavour = flavour_option(),
    ) -> None:
        """Undo an applied plan from the site, whichever machine applied it: back to its before-state.

        Deletes the grants the plan adds that are on the site and re-creates those it removes that are missing;
        nothing outside the plan is touched. Refuses before writing when a later plan is still applied on the
        same schemes, or when a holder would lose issue visibility. Resumable; a second run changes nothing.
        Ctrl-C stops before the next write and prints what was done.

        Exit 0 when every scheme is restored (or there was nothing to undo), 4 when some are not, 1 on error
        or refusal (nothing written), 130 when interrupted."""
        require_confirmation_possible(yes, "roll back")
        started = threading.Event()

        def confirm(info: dict[str, Any]) -> bool:
            if not yes:
                err.print(
                    literal(
                        f"Roll back plan {info['plan_id']} on {info['site']}: {info['schemes']} scheme(s), "
                        f"-{info['deletes']} grant(s), +{info['recreates']} grant(s) back to the plan's before-state."
                    )
                )
                if not typer.confirm("Roll back?", default=False, err=True):
                    return False
            started.set()
            return True

        stop = threading.Event()
        with make_client(_named_site(site, _file_site(target)), flavour) as client:
            with LazyProgress(True, retries=lambda: retried(client.stats)) as progress:
                result, interrupted = run_interruptible(
                    lambda: rollback(
                        client,
                        target,
                        concurrency=concurrency,
                        progress=_until(stop, progress),
                        crash_hook=crash_hook_from_env(),
                        max_rps=max_rps,
                        confirm=confirm,
                        stop=stop,
                    ),
                    stop,
                    until_started=started,
                )
        code = EXIT_INTERRUPTED if interrupted else result.exit_code
        if as_json:
            print_json({**result.to_json(), "exit_code": code, "interrupted": interrupted})
            raise typer.Exit(code)
        if result.schemes:
            rows = []
            for s in result.schemes:
                why = "; ".join(x for x in [s.reason, *s.notes] if x)
                rows.append([str(s.scheme_id), s.scheme_name, s.outcome, f"-{s.deleted} +{s.recreated}", why])
            _print_rows(f"rollback {result.plan_id} on {result.site_url}", ["id", "scheme", "outcome", "writes", "detail"], rows, 2)
            err.print(Text(", ".join(f"{v} {k}" for k, v in result.counts.items() if v)))
        for n in result.notes:
            (out if not result.schemes else err).print(Text(n if not result.schemes else f"note: {n}"))
        if result.archived_to:
            err.print(Text(f"journal archived: {result.archived_to}"))
        if result.history_state:
            err.print(Text(f"history: plan {result.plan_id} is {result.history_state} (`migrate history`)"))
        if interrupted:
            raise _interrupted("rollback", target)
        raise typer.Exit(result.exit_code)
