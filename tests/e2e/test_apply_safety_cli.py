"""Apply and rollback across plans, machines and untrusted plan files, through the real CLI against the
local Jira site over HTTP: the scenarios a user ran into, and the smaller findings next to them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from migrate.apply import apply_plan
from migrate.credentials import Credentials
from migrate.jira.client import JiraClient
from migrate.model import Grant, fingerprint_grants
from migrate.planfile import encode_plan_doc, load_plan, plan_to_json
from migrate.rollback import rollback
from test_apply_cli import apply_json, duplicates, make_plan, no_puts, planned, site_grants_verbatim, site_keys

pytestmark = pytest.mark.e2e

B, VP, VI = "BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"


def counts(sb) -> tuple[int, int, int]:
    """How many grants of BROWSE_PROJECTS / VIEW_PROJECTS / VIEW_ISSUES the whole site holds."""
    c = Counter(g["permission"] for s in sb.dump()["schemes"] for g in s["permissions"])
    return c[B], c[VP], c[VI]


def writes(sb) -> int:
    return sum(n for (method, _), n in sb.request_counts().items() if method in ("POST", "DELETE", "PUT"))


def requests_seen(sb) -> int:
    return sum(sb.request_counts().values())


def can_see_issues(sb) -> set[tuple[int, tuple]]:
    out = set()
    for s in sb.dump()["schemes"]:
        perms: dict[tuple, set] = {}
        for g in s["permissions"]:
            perms.setdefault(Grant.from_json(g).holder.identity, set()).add(g["permission"])
        out |= {(s["id"], h) for h, p in perms.items() if B in p or {VP, VI} <= p}
    return out


# ----------------------------------------------------------------------------- 1. add, finish, rollback add


def test_rolling_back_the_add_plan_after_the_finish_plan_is_refused_before_any_write(sandbox, env, cli, tmp_path):
    original = site_grants_verbatim(sandbox)
    viewers = can_see_issues(sandbox)
    add = make_plan(cli, tmp_path, "add", "a.json")
    assert apply_json(cli, add)[0] == 0
    fin = make_plan(cli, tmp_path, "finish", "f.json")
    code, doc = apply_json(cli, fin)
    assert code == 0 and doc["grants_removed"] > 0
    migrated = counts(sandbox)
    assert migrated[0] < migrated[1] == migrated[2]
    before = writes(sandbox)

    r = cli("rollback", add, "--yes", "--max-rps", "0")
    assert r.exit_code == 1, r.stdout + r.stderr
    assert f"finish plan {fin.resolve()}" in r.stderr and "roll it back first" in r.stderr
    assert f"migrate rollback {fin.resolve()}" in r.stderr and "nothing was written" in r.stderr
    assert writes(sandbox) == before and counts(sandbox) == migrated
    assert viewers <= can_see_issues(sandbox)

    # the order the history gives: finish first, then add, and everything is back
    for p in (fin, add):
        r = cli("rollback", p, "--yes", "--max-rps", "0")
        assert r.exit_code == 0, r.stdout + r.stderr
    assert site_grants_verbatim(sandbox) == original and no_puts(sandbox) and duplicates(sandbox) == 0

    table = cli("history")
    assert table.exit_code == 0
    rows = [line.split("\t") for line in table.stdout.splitlines()[2:]]
    assert len(rows) == 2, table.stdout
    assert [(r[1], r[2]) for r in rows] == [("add", "rolled back"), ("finish", "rolled back")]
    assert rows[1][5].endswith("(add, built on)") and rows[1][7] == str(fin.resolve())
    h = json.loads(cli("history", "--json").stdout)
    assert [(e["mode"], e["state"]) for e in h["entries"]] == [("add", "rolled back"), ("finish", "rolled back")]
    fin_entry = h["entries"][1]
    assert fin_entry["builds_on"] == [h["entries"][0]["plan_id"]] and fin_entry["applied_by"]["display_name"]


def test_the_site_side_check_protects_what_this_machines_history_does_not_know(sandbox, env, cli, tmp_path, monkeypatch):
    add = make_plan(cli, tmp_path, "add", "a.json")
    assert apply_json(cli, add)[0] == 0
    fin = make_plan(cli, tmp_path, "finish", "f.json")
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "machine-2"))
    assert apply_json(cli, fin)[0] == 0  # the finish plan, from another machine
    monkeypatch.setenv("MIGRATE_HOME", env["MIGRATE_HOME"])
    migrated, before = counts(sandbox), writes(sandbox)
    r = cli("rollback", add, "--yes", "--max-rps", "0")
    assert r.exit_code == 1
    assert "would lose issue visibility on scheme" in r.stderr and "no longer holds BROWSE_PROJECTS" in r.stderr
    assert writes(sandbox) == before and counts(sandbox) == migrated


# ----------------------------------------------------------------------------- 2. two machines, one plan


def test_two_machines_one_plan_rollback_from_either_machine_restores_every_scheme(sandbox, env, cli, tmp_path, monkeypatch):
    original = site_grants_verbatim(sandbox)
    plan = make_plan(cli, tmp_path)
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "machine-1"))
    assert apply_json(cli, plan)[0] == 0
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "machine-2"))
    code, doc = apply_json(cli, plan)
    assert code == 0 and doc["grants_added"] == 0 and {s["outcome"] for s in doc["schemes"]} == {"already-applied"}
    assert sandbox.stats()["duplicate_grant_400s"] == 0
    r = cli("rollback", plan, "--yes", "--max-rps", "0", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert site_grants_verbatim(sandbox) == original  # not half migrated: every planned grant is gone
    # and machine 1, whose journal still lists the writes, finds nothing left to undo
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "machine-1"))
    r = cli("rollback", plan, "--yes", "--max-rps", "0")
    assert r.exit_code == 0 and "nothing to roll back" in r.stdout
    assert site_grants_verbatim(sandbox) == original


def test_two_machines_applying_at_the_same_time_meet_without_a_400_storm(sandbox_factory, tmp_path, cli, env):
    sb = sandbox_factory("small", schemes=40, random_seed=7, latency_ms=2)
    original = site_keys(sb)
    os.environ["JIRA_URL"] = sb.url
    try:
        r = cli("plan", "--out", tmp_path / "p.json", "--no-projects", "--site", sb.url)
    finally:
        os.environ["JIRA_URL"] = env["JIRA_URL"]
    assert r.exit_code == 0, r.stderr
    plan = load_plan(tmp_path / "p.json")
    results: dict[str, object] = {}

    def machine(name: str) -> None:
        with JiraClient(sb.url, Credentials.basic(sb.admin.email, sb.admin.token)) as client:
            results[name] = apply_plan(client, plan, max_rps=0, concurrency=4, store_root=tmp_path / name)

    threads = [threading.Thread(target=machine, args=(n,)) for n in ("m1", "m2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(results[n].ok for n in ("m1", "m2")), {n: results[n].counts for n in results}
    st = sb.stats()
    assert {sid: site_keys(sb)[sid] for sid in planned(tmp_path / "p.json")} == planned(tmp_path / "p.json")
    assert duplicates(sb) == 0 and st["grants_created"] == plan.totals["grants_added"]
    # a duplicate 400 happens where the two meet (at most 3 per scheme: the first race, and each side of the
    # meeting point), never one per grant (a storm is about one per grant: ~10 per scheme here). How many
    # schemes they meet on depends on when each turns its queue (a coin toss), so only the bound is held.
    assert plan.totals["grants_added"] > 6 * len(plan.changes)  # the bound below is well under a storm
    assert st["duplicate_grant_400s"] <= 3 * len(plan.changes), st["duplicate_grant_400s"]
    with JiraClient(sb.url, Credentials.basic(sb.admin.email, sb.admin.token)) as client:
        assert rollback(client, tmp_path / "p.json", max_rps=0, store_root=tmp_path / "m2").ok
    assert site_keys(sb) == original


# ----------------------------------------------------------------------------- 3. untrusted plan files


def _reseal(path: Path, mutate) -> None:
    doc = plan_to_json(load_plan(path))  # each grant and operation with its holder written out in full
    mutate(doc)
    for c in doc["changes"]:
        c["fingerprint"] = fingerprint_grants(Grant.from_json(g) for g in c["before"])
        c.pop("after_fingerprint", None)  # left out, the loader derives it
    path.write_bytes(encode_plan_doc(doc))  # the checksum recomputed, as anyone can


def test_an_operation_slipped_into_a_resealed_plan_is_refused_by_apply_verify_and_rollback(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    big = {"type": "group", "parameter": "jira-users", "value": "everyone"}
    _reseal(plan, lambda d: d["changes"][0]["operations"].append({"action": "add", "permission": "ADMINISTER_PROJECTS", "holder": big}))
    assert cli("show", plan).exit_code == 0  # the file is intact as far as the checksum can tell
    seen = requests_seen(sandbox)
    for args in (("apply", plan, "--yes"), ("verify", plan), ("rollback", plan, "--yes")):
        r = cli(*args)
        assert r.exit_code == 1, (args, r.stdout, r.stderr)
        assert "does not follow its own rule" in r.stderr and "+ADMINISTER_PROJECTS" in r.stderr
    assert requests_seen(sandbox) == seen  # refused before any request
    assert not any(g["permission"] == "ADMINISTER_PROJECTS" and g["holder"].get("value") == "everyone"
                   for s in sandbox.dump()["schemes"] for g in s["permissions"])


def test_without_a_named_site_credentials_go_nowhere(sandbox, env, cli, tmp_path, monkeypatch):
    plan = make_plan(cli, tmp_path)
    snapshot_target = plan
    monkeypatch.delenv("JIRA_URL")
    seen = requests_seen(sandbox)
    for args in (("apply", plan, "--yes"), ("verify", plan), ("rollback", snapshot_target, "--yes")):
        r = cli(*args)
        assert r.exit_code == 1, (args, r.stdout, r.stderr)
        assert "no Jira site given" in r.stderr and sandbox.url in r.stderr and "--site" in r.stderr
    assert requests_seen(sandbox) == seen  # the plan's URL got nothing, credentials least of all


def test_a_plan_for_another_site_is_refused_before_any_request_there(sandbox_factory, sandbox, env, cli, tmp_path, monkeypatch):
    plan = make_plan(cli, tmp_path)
    other = sandbox_factory("demo")
    monkeypatch.setenv("JIRA_URL", other.url)
    for args in (("apply", plan, "--yes"), ("verify", plan), ("rollback", plan, "--yes")):
        r = cli(*args)
        assert r.exit_code == 1 and "made for" in r.stderr and "nothing was sent" in r.stderr
    assert requests_seen(other) == 0


def test_a_custom_rule_is_shown_by_name_and_digest_even_with_yes(sandbox, env, cli, tmp_path):
    Path("rule.toml").write_text('name = "my-split"\nsource = "BROWSE_PROJECTS"\ntargets = ["VIEW_PROJECTS", "VIEW_ISSUES"]\n')
    r = cli("plan", "--rule", "rule.toml", "--out", "p.json", "--no-projects")
    assert r.exit_code == 0, r.stderr
    r = cli("apply", "p.json", "--yes", "--max-rps", "0")
    assert r.exit_code == 0, r.stderr
    assert "rule: custom rule 'my-split', digest sha256:" in r.stderr


# ----------------------------------------------------------------------------- the other findings


def test_force_adds_nothing_for_a_holder_whose_source_is_gone_and_apply_agrees_with_verify(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    change = load_plan(plan).changes[0]
    victim = next(o.holder for o in change.adds if not o.holder.is_addon_role)
    sandbox.edit_as_other_admin(change.scheme_id, remove={"permission": B, "holder": victim.to_request()})
    code, doc = apply_json(cli, plan, "--force")
    held = {g.key for s in sandbox.dump()["schemes"] if s["id"] == change.scheme_id for g in map(Grant.from_json, s["permissions"])}
    assert (VP, victim.identity) not in held and (VI, victim.identity) not in held
    by = {s["scheme_id"]: s for s in doc["schemes"]}
    assert code == 4 and by[change.scheme_id]["outcome"] == "drifted"
    assert any("gone from the site" in n for n in by[change.scheme_id]["notes"])
    r = cli("verify", plan, "--json")
    v = {s["scheme_id"]: s["status"] for s in json.loads(r.stdout)["schemes"]}
    assert r.exit_code == 4
    for sid, s in by.items():
        assert (s["outcome"] in ("applied", "already-applied")) == (v[sid] == "applied"), (sid, s, v[sid])


def test_text_from_files_and_jira_is_printed_literally(sandbox, env, cli, tmp_path):
    # a rule file naming a key the site does not know: the refusal quotes it, markup-looking text and all
    Path("rule.toml").write_text(
        'name = "odd"\nsource = "BROWSE_PROJECTS"\ntargets = ["VIEW_PROJECTS", "VIEW[/]ISSUES[red]x[/red]:warning:"]\n'
    )
    r = cli("plan", "--rule", "rule.toml", "--out", "p.json", "--no-projects")
    assert r.exit_code == 1, r.stdout + r.stderr  # refused at plan time, against the site's permission list
    assert "VIEW[/]ISSUES[red]x[/red]:warning:" in r.stderr and "internal error" not in r.stderr


class _ProxyTrap:
    """A listening socket standing in for a proxy: records every connection, answers nothing."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.seen: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.seen.append(conn.recv(65536))
                except OSError:
                    self.seen.append(b"")

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


def test_loopback_sites_are_reached_directly_never_through_a_proxy(sandbox, env, cli, tmp_path, monkeypatch):
    trap = _ProxyTrap()
    try:
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.setenv(var, trap.url)
        for var in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(var, raising=False)
        plan = make_plan(cli, tmp_path)
        assert apply_json(cli, plan)[0] == 0
    finally:
        trap.close()
    assert trap.seen == []  # no request, so no Authorization header, went to the proxy


def test_data_folders_are_private_and_a_writable_one_is_refused(sandbox, env, cli, tmp_path, monkeypatch):
    plan = make_plan(cli, tmp_path)
    home = tmp_path / "new" / "migrate-home"  # created by apply, whatever the umask
    monkeypatch.setenv("MIGRATE_HOME", str(home))
    old = os.umask(0)
    try:
        assert apply_json(cli, plan)[0] == 0
    finally:
        os.umask(old)
    for d in [home, *(p for p in home.rglob("*") if p.is_dir())]:
        assert d.stat().st_mode & 0o777 == 0o700, d
    sites = home / "sites"
    sites.chmod(0o777)
    created = sandbox.stats()["grants_created"]
    r = cli("rollback", plan, "--yes")
    assert r.exit_code == 1 and "can be written by other users" in r.stderr and "chmod 700" in r.stderr
    assert sandbox.stats()["grants_created"] == created and sandbox.stats()["grants_deleted"] == 0


@pytest.mark.parametrize("crash_after", [None, 1], ids=["before-the-snapshot", "right-after-the-snapshot"])
def test_rollback_after_an_apply_killed_before_writing_is_nothing_to_do(sandbox, env, cli, tmp_path, crash_after):
    original = site_grants_verbatim(sandbox)
    plan = make_plan(cli, tmp_path)
    if crash_after is not None:
        e = {k: v for k, v in os.environ.items() if not k.startswith("MIGRATE_CRASH")}
        e["MIGRATE_CRASH_AFTER"] = str(crash_after)
        p = subprocess.run([sys.executable, "-m", "migrate", "apply", str(plan), "--yes"], env=e, capture_output=True, timeout=120)
        assert p.returncode == -9  # SIGKILL at the first crash point: the snapshot is written, nothing else
        assert list(Path(env["MIGRATE_HOME"]).rglob("snapshots/*.json"))
    r = cli("rollback", plan, "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "nothing to roll back" in r.stdout
    assert site_grants_verbatim(sandbox) == original and sandbox.stats()["grants_deleted"] == 0
