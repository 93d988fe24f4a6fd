"""Bulk runs spread over worker processes (migrate.sites.pool): more sites at once than one interpreter
serves well. The rows, exit codes, files and what each site ends with are the same as on threads; Ctrl-C
still stops every site before its next write."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from migrate.cli import app
from migrate.model import Grant, grant_keys
from migrate.sites import SiteClients, apply_sites, load_sites, prepare_sites, worker_count

pytestmark = pytest.mark.e2e

NAMES = [f"s{i}" for i in range(9)]  # one more than a process runs on its own


def keys(sb) -> dict[int, frozenset]:
    return {s["id"]: grant_keys(Grant.from_json(g) for g in s["permissions"]) for s in sb.dump()["schemes"]}


@pytest.fixture
def nine(sandbox_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    for var in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_BEARER_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    boxes = {n: sandbox_factory("demo") for n in NAMES}
    text = "[defaults]\nmax_rps = 0\n"
    for n, sb in boxes.items():
        up = n.upper()
        text += f'\n[[site]]\nname = "{n}"\nurl = "{sb.url}"\nemail_env = "{up}_EMAIL"\ntoken_env = "{up}_TOKEN"\n'
        monkeypatch.setenv(f"{up}_EMAIL", sb.admin.email)
        monkeypatch.setenv(f"{up}_TOKEN", sb.admin.token)
    f = tmp_path / "sites.toml"
    f.write_text(text)
    return boxes, f


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_worker_count():
    assert worker_count(4, 100, cpus=2) == 1  # 4 at once: one interpreter is enough
    assert worker_count(9, 9, cpus=2) == 2
    assert worker_count(100, 100, cpus=2) == 2  # never more than the CPUs
    assert worker_count(100, 100, cpus=16) == 13
    assert worker_count(100, 3, cpus=16) == 1  # the sites, not --parallel, bound it


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one CPU: the sites run on threads")
def test_nine_sites_in_worker_processes_end_as_on_threads(nine):
    boxes, f = nine
    before = {n: keys(sb) for n, sb in boxes.items()}
    r = run("sites", "plan", f, "--no-scan", "--parallel", "9", "--json")
    assert r.exit_code == 0, r.stderr
    assert {row["status"] for row in json.loads(r.stdout)["sites"]} == {"changes"}
    r = run("sites", "apply", f, "--yes", "--parallel", "9", "--json")
    doc = json.loads(r.stdout)
    assert r.exit_code == 0, r.stderr
    assert [row["site"] for row in doc["sites"]] == NAMES  # file order
    assert {row["state"] for row in doc["sites"]} == {"done"} and doc["totals"]["grants_added"] == 9 * 82
    assert "sites apply (grant writes):" in r.stderr or "s0:" in r.stderr  # progress and events came through
    for n, sb in boxes.items():
        assert keys(sb) != before[n] and sb.stats()["scheme_puts"] == 0
        journals = list((Path(os.environ["MIGRATE_HOME"])).glob("sites/*/journals/*.jsonl"))
        assert journals
    r = run("sites", "verify", f, "--parallel", "9", "--json")
    assert r.exit_code == 0 and {row["status"] for row in json.loads(r.stdout)["sites"]} == {"verified"}
    r = run("sites", "rollback", f, "--yes", "--parallel", "9", "--json")
    assert r.exit_code == 0, r.stderr
    assert {n: keys(sb) for n, sb in boxes.items()} == before


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one CPU: the sites run on threads")
def test_ctrl_c_stops_every_worker_before_its_next_write(nine, sandbox_factory):
    boxes, f = nine
    assert run("sites", "plan", f, "--no-scan").exit_code == 0
    for sb in boxes.values():  # slow sites, so the run is still writing when Ctrl-C comes
        sb.set_faults("latency=200")
    prepared = prepare_sites(load_sites(f), Path("plans/sites"))
    # as a terminal's Ctrl-C reaches it, even when this test run inherited an ignored SIGINT (a background job)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(1.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        result = apply_sites(prepared, parallel=9, client_factory=SiteClients(), processes=2)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert result.interrupted
    states = {o.state for o in result.outcomes}
    assert states <= {"partial", "skipped", "done"} and states & {"partial", "skipped"}
    # every write that started is journaled as finished: a second run finishes the job
    for sb in boxes.values():
        sb.set_faults("")
    again = apply_sites(prepare_sites(load_sites(f), Path("plans/sites")), parallel=9, client_factory=SiteClients(), processes=2)
    assert again.exit_code == 0, [(o.site, o.state, o.message) for o in again.outcomes]
    assert all(sb.stats()["duplicate_grant_400s"] == 0 for sb in boxes.values())


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one CPU: the sites run on threads")
def test_ctrl_c_while_the_worker_processes_start(nine, monkeypatch):
    """Ctrl-C before every worker process is running (it can take seconds on a loaded machine): the started
    worker winds down and reports, the other worker's sites are `skipped`, nothing escapes as a traceback,
    and a second run finishes the job."""
    import multiprocessing.context as mpc

    boxes, f = nine
    assert run("sites", "plan", f, "--no-scan").exit_code == 0
    real_start = mpc.ForkServerProcess.start
    started = []

    def start(self):
        if started:
            raise KeyboardInterrupt  # the second worker: as if Ctrl-C came while it was being started
        started.append(self)
        real_start(self)

    with monkeypatch.context() as m:
        m.setattr(mpc.ForkServerProcess, "start", start)
        result = apply_sites(prepare_sites(load_sites(f), Path("plans/sites")), parallel=9,
                             client_factory=SiteClients(), processes=2)
    assert result.interrupted and len(started) == 1
    states = {o.site: o.state for o in result.outcomes}
    assert set(states) == set(NAMES) and set(states.values()) <= {"partial", "skipped", "done"}
    assert "skipped" in states.values()
    again = apply_sites(prepare_sites(load_sites(f), Path("plans/sites")), parallel=9, client_factory=SiteClients(),
                        processes=2)
    assert again.exit_code == 0, [(o.site, o.state, o.message) for o in again.outcomes]
    assert all(sb.stats()["duplicate_grant_400s"] == 0 and sb.stats()["scheme_puts"] == 0 for sb in boxes.values())
