"""The README's quick start, run as a user would: each command of its code block in a subprocess
(`python -m migrate ...`) against a local Jira site over HTTP. If the README drifts from the tool, this fails.
"""

from __future__ import annotations

import os
import pty
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from migrate.sandbox import Sandbox

README = Path(__file__).resolve().parents[2] / "README.md"


def quickstart_block() -> list[str]:
    """The shell block of the quick start that starts with the `export` line."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        if block.lstrip().startswith("export "):
            return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]
    raise AssertionError("README quick start has no block starting with `export`")


def run_cli(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A write without --yes asks for confirmation and needs a terminal: give it a pseudo-terminal and
    answer "y", as the person following the README would."""
    cmd = [sys.executable, "-m", "migrate", *args]
    if args[0] not in ("apply", "rollback") or "--yes" in args:
        return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
    master, slave = pty.openpty()
    try:
        os.write(master, b"y\n")
        return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, stdin=slave)
    finally:
        os.close(slave)
        os.close(master)


def test_readme_quickstart_runs_as_written(tmp_path):
    lines = quickstart_block()
    assert lines[0].startswith("export ") and len(lines) >= 5
    exported = dict(item.split("=", 1) for item in shlex.split(lines[0])[1:])
    with Sandbox("demo", expand_holders=True) as site:
        before = site.dump()
        env = dict(os.environ, **exported, MIGRATE_HOME=str(tmp_path / "home"), NO_COLOR="1")
        assert env["JIRA_URL"] == "http://127.0.0.1:8990"  # the default port of `migrate sandbox serve`
        env["JIRA_URL"] = site.url  # this test's site listens on a free port instead
        codes = []
        for line in lines[1:]:
            argv = shlex.split(line)
            assert argv[0] == "migrate", line
            proc = run_cli(argv[1:], cwd=tmp_path, env=env)
            codes.append((line, proc.returncode))
            assert proc.returncode == 0, f"{line!r} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
            assert exported["JIRA_API_TOKEN"] not in proc.stdout + proc.stderr
        after = site.dump()
        puts = site.request_counts().get("PUT", 0)
    # the block ends with a rollback: every scheme is back to its original grants (ids of re-created aside)
    def keys(dump):
        return {s["id"]: sorted((g["permission"], g["holder"]["type"], g["holder"].get("parameter"))
                                for g in s.get("permissions", [])) for s in dump["schemes"]}

    assert [c for _, c in codes] == [0] * len(codes)
    assert any(line.startswith("migrate apply") for line, _ in codes)
    assert keys(after) == keys(before)
    assert puts == 0


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_console_script_entry_point(args):
    """The `migrate` console script the set-up command installs (next to this Python)."""
    script = Path(sys.executable).with_name("migrate")
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    proc = subprocess.run([str(script), *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "migrate" in proc.stdout
