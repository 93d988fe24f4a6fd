"""Fixtures for end-to-end tests: a running local Jira site and the environment the CLI reads.

    def test_x(sandbox, env, cli):          # demo seed, env pointing at it, cwd + MIGRATE_HOME in tmp
        result = cli("plan", "--json")

    def test_y(sandbox_factory, monkeypatch):
        legacy = sandbox_factory("legacy")  # any Sandbox(...) arguments; stopped after the test
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.sandbox import Sandbox

CREDENTIAL_VARS = ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_BEARER_TOKEN")


@pytest.fixture
def sandbox_factory() -> Callable[..., Sandbox]:
    """Start Sandbox(seed, **kw) on a free loopback port; every one started is stopped at teardown.

    Holders are expanded (group/role/user names in grants) as live Cloud does, unless a test says
    expand_holders=False."""
    started: list[Sandbox] = []

    def make(seed: str = "demo", **kw: Any) -> Sandbox:
        kw.setdefault("expand_holders", True)
        sb = Sandbox(seed, **kw).start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def sandbox(sandbox_factory) -> Sandbox:
    """The demo seed, started."""
    return sandbox_factory("demo")


def point_env_at(monkeypatch: pytest.MonkeyPatch, sb: Sandbox) -> dict[str, str]:
    """Credentials of `sb`'s admin in the environment (what the CLI reads); returns them."""
    for var in CREDENTIAL_VARS:
        monkeypatch.delenv(var, raising=False)
    values = {"JIRA_URL": sb.url, "JIRA_EMAIL": sb.admin.email, "JIRA_API_TOKEN": sb.admin.token}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


@pytest.fixture
def point_env(monkeypatch) -> Callable[[Sandbox], dict[str, str]]:
    """point_env(other_sandbox): switch the CLI's credentials to another running sandbox."""
    return lambda sb: point_env_at(monkeypatch, sb)


@pytest.fixture
def env(sandbox, tmp_path, monkeypatch) -> dict[str, str]:
    """JIRA_URL / JIRA_EMAIL / JIRA_API_TOKEN for the sandbox admin, MIGRATE_HOME in tmp, and cwd in an
    empty tmp dir (so default plan files land in tmp_path/work/plans)."""
    values = point_env_at(monkeypatch, sandbox)
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("MIGRATE_HOME", str(home))
    monkeypatch.chdir(work)
    for var in ("FORCE_COLOR", "MIGRATE_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    return {**values, "MIGRATE_HOME": str(home), "cwd": str(work)}


@pytest.fixture
def cli() -> Callable[..., Any]:
    """Run the real CLI in-process: cli("plan", "--json") -> Result with .exit_code, .stdout, .stderr."""
    runner = CliRunner()

    def run(*args: str, **kw: Any):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, **kw)

    return run
