"""`migrate demo`: the whole job against a local site it starts itself, through the same commands a user
types; nothing left running, nothing in the user's data folder, every variable put back."""

from __future__ import annotations

import json
import os
import re
import socket
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def user_env(tmp_path, monkeypatch):
    """A user's own settings, which the demo must neither use nor touch."""
    home = tmp_path / "my-data"
    values = {"MIGRATE_HOME": str(home), "JIRA_URL": "https://acme.atlassian.net", "JIRA_EMAIL": "me@acme.test",
              "JIRA_API_TOKEN": "my-real-token-123", "JIRA_BEARER_TOKEN": "my-pat-456"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)
    return values


def _closed(url: str) -> bool:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) != 0


def test_demo_runs_the_main_job_and_leaves_nothing_behind(cli, user_env):
    threads_before = {t.ident for t in threading.enumerate()}
    r = cli("demo")
    assert r.exit_code == 0, r.output
    out = r.stdout
    url = re.search(r"local Jira Cloud site on (http://127\.0\.0\.1:\d+)", out).group(1)
    folder = re.search(r"Plans, snapshot and journals go to (\S+) \(removed", out).group(1)
    assert f"$ export JIRA_URL={url} JIRA_EMAIL=admin@sandbox.test JIRA_API_TOKEN=sandbox-admin-token" in out
    commands = re.findall(r"^\$ (migrate .*)$", out, flags=re.M)
    assert [c.split()[1] for c in commands] == ["doctor", "plan", "apply", "verify", "rollback"]
    assert commands[2].endswith(" --yes") and commands[4].endswith(" --yes")
    assert "Plan: 8 schemes to change" in out  # the diff is shown
    assert "8 applied" in r.stderr and "8 restored" in r.stderr
    assert "demo done in" in out
    # nothing running, nothing left on disk, the user's folder and variables untouched
    assert _closed(url)
    assert not Path(folder).exists()
    assert not Path(user_env["MIGRATE_HOME"]).exists()
    assert {k: os.environ.get(k) for k in user_env} == user_env
    assert {t.ident for t in threading.enumerate() if t.is_alive()} <= threads_before
    assert user_env["JIRA_API_TOKEN"] not in r.output


def test_demo_json_and_keep(cli, user_env):
    r = cli("demo", "--json", "--keep")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["format_version"] == "1" and doc["ok"] and doc["exit_code"] == 0 and doc["kept"]
    assert [s["command"].split()[1] for s in doc["steps"]] == ["doctor", "plan", "apply", "verify", "rollback"]
    assert all(s["exit_code"] == s["expected"] == 0 for s in doc["steps"])
    apply = doc["steps"][2]["output"]
    assert apply["format_version"] == "1" and apply["grants_added"] == 82
    folder = Path(doc["folder"])
    assert (folder / "plans" / "demo.json").exists() and (folder / "data").is_dir()
    assert not Path(user_env["MIGRATE_HOME"]).exists()
