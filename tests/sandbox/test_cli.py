"""`migrate sandbox ...` and the library's import hygiene."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
import typer
from typer.testing import CliRunner

from migrate.cli.sandbox import register

ROOT = Path(__file__).resolve().parents[2]
# The sandbox commands on their own (other command modules may be mid-construction).
SOLO = "import typer; from migrate.cli.sandbox import register; app = typer.Typer(); register(app); app()"


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:  # keep "sandbox" a sub-command even with one group
        pass

    return app


def test_seeds_lists_every_preset():
    result = CliRunner().invoke(_app(), ["sandbox", "seeds", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows][:6] == ["demo", "small", "medium", "large", "legacy", "dc"]
    assert {r["name"]: r["new_keys"] for r in rows}["dc"] is False  # Data Center has no new keys
    table = CliRunner().invoke(_app(), ["sandbox", "seeds"])
    assert table.exit_code == 0 and "legacy" in table.stdout


def test_serve_refuses_non_loopback_hosts_and_bad_options():
    runner = CliRunner()
    for args in (["--host", "0.0.0.0"], ["--host", "10.1.2.3"], ["--seed", "nope"], ["--flavour", "server"],
                 ["--faults", "boom=1"], ["--rate-limit", "fast"]):
        result = runner.invoke(_app(), ["sandbox", "serve", "--port", "0", *args])
        assert result.exit_code == 2, (args, result.output)
    result = runner.invoke(_app(), ["sandbox", "serve", "--host", "0.0.0.0"])
    assert "loopback" in result.output


def test_serve_runs_until_terminated():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SOLO, "sandbox", "serve", "--port", "0", "--seed", "legacy", "--new-keys", "--faults",
         "latency=0", "--rate-limit", "cloud"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT, env=env)
    try:
        lines = []
        deadline = time.monotonic() + 30
        url = None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(lines)
        m = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text)
        assert m, text
        url = m.group(1)
        assert f"export JIRA_URL={url}" in text and "JIRA_API_TOKEN=sandbox-admin-token" in text
        assert "viewer@sandbox.test" in text and "sandbox-bearer-token" in text
        info = requests.get(url + "/rest/api/3/serverInfo", timeout=10)
        assert info.status_code == 200 and info.json()["baseUrl"] == url
        assert "X-RateLimit-Limit" in info.headers
        perms = requests.get(url + "/rest/api/3/permissions", timeout=10).json()["permissions"]
        assert "VIEW_ISSUES" in perms  # --new-keys overrides the legacy seed's default
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stderr.close()
    assert proc.returncode == 0


def test_library_imports_neither_typer_nor_rich_nor_the_rest_of_migrate():
    code = ("import sys, migrate.sandbox, migrate.sandbox.server, migrate.sandbox.app; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich') or "
            "(m.startswith('migrate.') and not m.startswith('migrate.sandbox'))); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
