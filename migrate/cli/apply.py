"""`migrate apply`, `migrate verify` and `migrate rollback`: thin wrappers over migrate.apply / verify / rollback."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer
from rich.table import Table

from migrate.apply import OUT_ALREADY, OUT_APPLIED, OUT_DRIFTED, OUT_FAILED, OUT_STALE, OUT_UNSUPPORTED, Preflight, apply_plan
from migrate.cli.common import err, flavour_option, handle_errors, literal, make_client, out, progress_on_stderr, site_option
from migrate.credentials import site_url_from_env
from migrate.errors import EXIT_CHANGES, EXIT_OK, EXIT_PARTIAL, MigrateError
from migrate.executor import crash_hook_from_env
from migrate.jira.throttle import DEFAULT_CONCURRENCY, DEFAULT_WRITES_PER_SECOND
from migrate.planfile import load_plan
from migrate.rollback import ALREADY, FAILED, RESTORED, rollback
from migrate.verify import APPLIED, PENDING, check_access, summarise, verify_plan
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

YES_HELP = "Do not ask for confirmation (required when stdin is not a terminal, e.g. in CI)."
CONCURRENCY_HELP = "Schemes written in parallel (never two writers on one scheme)."
RPS_HELP = "At most this many grant POSTs per second across all workers, DELETEs at half that (0 = no client-side limit)."
JSON_HELP = "Print the result as JSON on stdout."


def _require_confirmation_possible(yes: bool, what: str) -> None:
    if not yes and not sys.stdin.isatty():
        raise MigrateError(
            f"refusing to {what} without confirmation: stdin is not a terminal",
            hint="pass --yes to confirm non-interactively (e.g. in CI)",
        )


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
    if out.is_terminal:
        table = Table(title=literal(title), title_justify="left")
        for h in headers:
            table.add_column(h, overflow="fold")
        for r in rows:
            cells = [literal(c) for c in r]
            if colour_col is not None:
                cells[colour_col] = literal(r[colour_col], COLOURS.get(r[colour_col]))
            table.add_row(*cells)
        out.print(table)
    else:
        out.print(title, markup=False)
        out.print("\t".join(headers), markup=False)
        for r in rows:
            out.print("\t".join(r), markup=False)


class _LazyProgress:
    """The progress bar starts on the first update, not before: the confirmation prompt comes first and
    must not be drawn over."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._stack = contextlib.ExitStack()
        self._cb: Callable[[str, int, int], None] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._cb is None:
            self._cb = self._stack.enter_context(progress_on_stderr(self.enabled))
        self._cb(stage, done, total)

    def __enter__(self) -> "_LazyProgress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()


def _interrupted(command: str, target: Path) -> typer.Exit:
    err.print(
        f"interrupted: every write so far is journaled. Re-run `migrate {command} {target}` to finish"
        + (f", or `migrate rollback {target}` to undo." if command == "apply" else "."),
        markup=False,
    )
    return typer.Exit(130)


def register(app: typer.Typer) -> None:
    @app.command("apply")
    @handle_errors
    def apply_cmd(
        plan_file: Path = typer.Argument(..., help="A plan file written by `migrate plan`.", show_default=False),
        yes: bool = typer.Option(False, "--yes", "-y", help=YES_HELP),
        concurrency: int = typer.Option(DEFAULT_CONCURRENCY, "--concurrency", "-c", min=1, max=32, help=CONCURRENCY_HELP),
        force: bool = typer.Option(
            False,
            "--force",
            help="Apply to schemes changed since the plan was made: only the plan's grants are touched, never a target "
            "for a holder whose source grant is gone; such schemes end 'drifted', as verify reports them.",
        ),
        snapshot_dir: Optional[Path] = typer.Option(
            None, "--snapshot-dir", help="Where to write the pre-apply snapshot (default: the site's data folder).",
            file_okay=False,
        ),
        max_rps: float = typer.Option(DEFAULT_WRITES_PER_SECOND, "--max-rps", min=0.0, help=RPS_HELP),
        as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
        site: str = site_option(),
        flavour: str = flavour_option(),
    ) -> None:
        """Apply exactly a saved plan: lock, preflight, snapshot, journaled grant writes, verify.

        Re-running after a crash resumes; re-running after success changes nothing.
        Exit 0 when every scheme is applied, 4 when some were skipped or failed, 1 on error."""
        _require_confirmation_possible(yes, "apply")
        plan = load_plan(plan_file)

        def confirm(p: Preflight) -> bool:
            if not p.rule.builtin:
                # a rule file travels inside the plan: what it grants is shown by name and digest, even with --yes
                err.print(literal(f"rule: {p.rule.describe()}", "bold yellow"))
            if yes:
                return True
            err.print(
                literal(
                    f"Plan {p.plan_id} ({p.mode} mode, {p.rule.describe()}) on {p.site.url} "
                    f"({p.site.server_title or p.site.deployment_type}): "
                    f"{p.schemes} scheme(s), +{p.adds} grant(s), -{p.removes} grant(s)."
                    + (" --force: schemes changed since the plan will be written too." if force else "")
                )
            )
            return typer.confirm("Apply these changes?", default=False, err=True)

        with make_client(_named_site(site, plan.site.get("url")), flavour) as client:
            try:
                with _LazyProgress(not as_json) as progress:
                    result = apply_plan(
                        client,
                        plan,
                        concurrency=concurrency,
                        force=force,
                        progress=progress,
                        crash_hook=crash_hook_from_env(),
                        snapshot_dir=snapshot_dir,
                        max_rps=max_rps,
                        confirm=confirm,
                        plan_path=plan_file,
                    )
            except KeyboardInterrupt:
                raise _interrupted("apply", plan_file) from None
        if as_json:
            out.print_json(json.dumps(result.to_json()))
            raise typer.Exit(result.exit_code)
        if not result.schemes:
            for n in result.notes:
                out.print(n, markup=False)
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
        err.print(
            f"{summary}; {result.grants_added} grant(s) added, {result.grants_removed} removed",
            markup=False,
        )
        for n in result.notes:
            err.print(f"note: {n}", markup=False)
        if result.snapshot_path:
            err.print(f"snapshot: {result.snapshot_path}", markup=False)
        if result.journal_path:
            err.print(f"journal:  {result.journal_path}", markup=False)
        if result.history_state:
            err.print(f"history:  plan {result.plan_id} is {result.history_state} (`migrate history`)", markup=False)
        if not result.ok:
            hints = []
            if c.get(OUT_STALE):
                hints.append("run `migrate plan` again for stale schemes (or apply with --force)")
            if c.get(OUT_FAILED):
                hints.append(f"re-run `migrate apply {plan_file}` to retry failed schemes")
            if c.get(OUT_DRIFTED):
                hints.append("drifted schemes were changed outside the plan (`migrate verify` shows the same)")
            hints.append(f"`migrate rollback {plan_file}` undoes everything this plan changed")
            err.print("hint: " + "; ".join(hints), markup=False)
        raise typer.Exit(result.exit_code)

    @app.command("verify")
    @handle_errors
    def verify_cmd(
        plan_file: Path = typer.Argument(..., help="A plan file written by `migrate plan`.", show_default=False),
        check_access_ids: Optional[List[str]] = typer.Option(
            None,
            "--check-access",
            help="Spot-check effective access of these account ids with POST /permissions/check "
            "(repeat the option or separate ids with commas).",
            show_default=False,
        ),
        as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
        site: str = site_option(),
        flavour: str = flavour_option(),
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
        bad_access = [a for a in access if not a.ok]
        if counts[V_DRIFTED] or bad_access:
            code = EXIT_PARTIAL
        elif counts[PENDING]:
            code = EXIT_CHANGES
        else:
            code = EXIT_OK
        if as_json:
            out.print_json(
                json.dumps(
                    {
                        "counts": counts,
                        "exit_code": code,
                        "schemes": [s.to_json() for s in statuses],
                        "access": [a.to_json() for a in access],
                    }
                )
            )
            raise typer.Exit(code)
        if not statuses:
            out.print("the plan has no changes: nothing to verify", markup=False)
        else:
            rows = [[str(s.scheme_id), s.scheme_name, s.status, s.detail] for s in statuses]
            _print_rows(f"verify {plan_file} on {client.url}", ["id", "scheme", "status", "detail"], rows, 2)
        if access:
            arows = [
                [a.account_id, a.project_key, "ok" if a.ok else "MISMATCH", " ".join(f"{k}={'y' if v else 'n'}" for k, v in a.held.items()), a.detail]
                for a in access
            ]
            _print_rows("effective access (POST /permissions/check)", ["account", "project", "check", "held", "detail"], arows, None)
        err.print(", ".join(f"{v} {k}" for k, v in counts.items() if v) or "nothing to verify", markup=False)
        raise typer.Exit(code)

    @app.command("rollback")
    @handle_errors
    def rollback_cmd(
        target: Path = typer.Argument(..., help="The plan file that was applied, or its snapshot file.", show_default=False),
        yes: bool = typer.Option(False, "--yes", "-y", help=YES_HELP),
        concurrency: int = typer.Option(DEFAULT_CONCURRENCY, "--concurrency", "-c", min=1, max=32, help=CONCURRENCY_HELP),
        max_rps: float = typer.Option(DEFAULT_WRITES_PER_SECOND, "--max-rps", min=0.0, help=RPS_HELP),
        as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
        site: str = site_option(),
        flavour: str = flavour_option(),
    ) -> None:
        """Undo an applied plan from the site, whichever machine applied it: back to its before-state.

        Deletes the grants the plan adds that are on the site and re-creates those it removes that are missing;
        nothing outside the plan is touched. Refuses before writing when a later plan is still applied on the
        same schemes, or when a holder would lose issue visibility. Resumable; a second run changes nothing.

        Exit 0 when every scheme is restored (or there was nothing to undo), 4 when some are not, 1 on error
        or refusal (nothing written)."""
        _require_confirmation_possible(yes, "roll back")

        def confirm(info: dict[str, Any]) -> bool:
            if yes:
                return True
            err.print(
                literal(
                    f"Roll back plan {info['plan_id']} on {info['site']}: {info['schemes']} scheme(s), "
                    f"-{info['deletes']} grant(s), +{info['recreates']} grant(s) back to the plan's before-state."
                )
            )
            return typer.confirm("Roll back?", default=False, err=True)

        with make_client(_named_site(site, _file_site(target)), flavour) as client:
            try:
                with _LazyProgress(not as_json) as progress:
                    result = rollback(
                        client,
                        target,
                        concurrency=concurrency,
                        progress=progress,
                        crash_hook=crash_hook_from_env(),
                        max_rps=max_rps,
                        confirm=confirm,
                    )
            except KeyboardInterrupt:
                raise _interrupted("rollback", target) from None
        if as_json:
            out.print_json(json.dumps(result.to_json()))
            raise typer.Exit(result.exit_code)
        if result.schemes:
            rows = []
            for s in result.schemes:
                why = "; ".join(x for x in [s.reason, *s.notes] if x)
                rows.append([str(s.scheme_id), s.scheme_name, s.outcome, f"-{s.deleted} +{s.recreated}", why])
            _print_rows(f"rollback {result.plan_id} on {result.site_url}", ["id", "scheme", "outcome", "writes", "detail"], rows, 2)
            err.print(", ".join(f"{v} {k}" for k, v in result.counts.items() if v), markup=False)
        for n in result.notes:
            (out if not result.schemes else err).print(n if not result.schemes else f"note: {n}", markup=False)
        if result.archived_to:
            err.print(f"journal archived: {result.archived_to}", markup=False)
        if result.history_state:
            err.print(f"history: plan {result.plan_id} is {result.history_state} (`migrate history`)", markup=False)
        raise typer.Exit(result.exit_code)
