"""`migrate demo`: the main job, end to end, against a local Jira site started in this process.

The tour is a list of real command lines (doctor -> plan -> apply -> verify -> rollback); the CLI runs each
one through the same command functions a user types, against a sandbox on a free loopback port, with a
temporary data folder (MIGRATE_HOME) and plans folder, so nothing is left running and nothing lands in
the user's real data folder.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from migrate.errors import EXIT_OK


@dataclass(frozen=True)
class Step:
    title: str
    argv: tuple[str, ...]  # after `migrate`
    expect: int = EXIT_OK

    @property
    def shell(self) -> str:
        return "migrate " + shlex.join(self.argv)


def steps(plan_path: Path) -> list[Step]:
    p = str(plan_path)
    return [
        Step("Preflight: server, account, Administer Jira, the new keys", ("doctor",)),
        Step("Dry run: read every scheme, print the diff, save the plan (nothing written)", ("plan", "--out", p)),
        Step("Apply exactly that plan: lock, snapshot, journaled grant writes, verify (--yes: no question)",
             ("apply", p, "--yes")),
        Step("Verify: every scheme of the plan is applied", ("verify", p)),
        Step("Roll back: delete what apply added, check every scheme equals the snapshot", ("rollback", p, "--yes")),
    ]


@dataclass(frozen=True)
class DemoSite:
    url: str
    env: Mapping[str, str]  # JIRA_URL / JIRA_EMAIL / JIRA_API_TOKEN of the sandbox admin (public test values)
    folder: Path  # the temporary folder: data/ (MIGRATE_HOME) and plans/
    schemes: int
    projects: int

    @property
    def home(self) -> Path:
        return self.folder / "data"

    @property
    def plan_path(self) -> Path:
        return self.folder / "plans" / "demo.json"

    @property
    def export_line(self) -> str:
        return "export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())


@contextlib.contextmanager
def demo_site(*, keep: bool = False, seed: str = "demo") -> Iterator[DemoSite]:
    """Start the sandbox on a free port and a temporary folder; stop and remove both afterwards
    (the folder stays when `keep`)."""
    from migrate.sandbox import Sandbox  # the server is only imported when the demo runs

    folder = Path(tempfile.mkdtemp(prefix="migrate-demo-"))
    try:
        (folder / "plans").mkdir(mode=0o700)
        with Sandbox(seed, expand_holders=True) as site:
            with site.lock:
                schemes, projects = len(site.state.schemes), len(site.state.projects)
            yield DemoSite(url=site.url, env=dict(site.env), folder=folder, schemes=schemes, projects=projects)
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def environment(values: Mapping[str, str], drop: tuple[str, ...] = ()) -> Iterator[None]:
    """Set (and drop) environment variables for the duration, then put every one back as it was."""
    names = set(values) | set(drop)
    saved = {k: os.environ.get(k) for k in names}
    try:
        for k in drop:
            os.environ.pop(k, None)
        os.environ.update(values)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
