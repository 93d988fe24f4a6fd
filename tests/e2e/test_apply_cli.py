"""apply / verify / rollback through the real CLI against the local Jira site over HTTP."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from migrate.cli import common
from migrate.jira.retry import RetryPolicy
from migrate.lock import site_lock
from migrate.model import Grant, grant_keys
from migrate.planfile import load_plan
from migrate.sandbox import FakeClock

pytestmark = pytest.mark.e2e


# ----------------------------------------------------------------------------- helpers


def site_keys(sb) -> dict[int, frozenset]:
    return {s["id"]: grant_keys(Grant.from_json(g) for g in s["permissions"]) for s in sb.dump()["schemes"]}


def site_grants_verbatim(sb) -> dict[int, list]:
    """Permission + holder exactly as Jira holds it (type, parameter, value), ids left out."""
    out = {}
    for s in sb.dump()["schemes"]:
        gs = [(g["permission"], g["holder"].get("type"), g["holder"].get("parameter"), g["holder"].get("value"))
              for g in s["permissions"]]
        out[s["id"]] = sorted(gs, key=repr)
    return out


def duplicates(sb) -> int:
    n = 0
    for s in sb.dump()["schemes"]:
        gs = [Grant.from_json(g) for g in s["permissions"]]
        n += len(gs) - len(grant_keys(gs))
    return n


def no_puts(sb) -> bool:
    return not any(method == "PUT" for method, _ in sb.request_counts())


def make_plan(cli, tmp_path: Path, mode: str = "add", name: str | None = None) -> Path:
    path = tmp_path / (name or f"plan-{mode}.json")
    r = cli("plan", "--mode", mode, "--out", path)
    assert r.exit_code == 0, r.stderr
    return path


def apply_json(cli, plan: Path, *extra: str) -> tuple[int, dict]:
    r = cli("apply", plan, "--yes", "--max-rps", "0", "--json", *extra)
    try:
        return r.exit_code, json.loads(r.stdout)
    except ValueError:
        raise AssertionError(f"exit {r.exit_code}; stdout={r.stdout!r}; stderr={r.stderr!r}") from None


def planned(plan_path: Path) -> dict[int, frozenset]:
    return {c.scheme_id: c.after_keys() for c in load_plan(plan_path).changes}


# ----------------------------------------------------------------------------- happy path


def test_apply_happy_path_verify_and_idempotent_rerun(sandbox, env, cli, tmp_path):
    before = site_keys(sandbox)
    plan = make_plan(cli, tmp_path)
    want = planned(plan)
    assert want

    code, doc = apply_json(cli, plan)
    assert code == 0 and doc["ok"]
    assert doc["counts"]["applied"] == len(want)
    now = site_keys(sandbox)
    for sid, keys in want.items():
        assert now[sid] == keys
    for sid in set(before) - set(want):
        assert now[sid] == before[sid]
    st = sandbox.stats()
    assert st["grants_created"] == doc["grants_added"] == sum(len(k - before[s]) for s, k in want.items())
    assert st["scheme_puts"] == 0 and no_puts(sandbox)
    assert st["max_concurrent_writes_per_scheme"] == 1
    assert duplicates(sandbox) == 0
    snapshot = Path(doc["snapshot"])
    assert snapshot.is_file() and snapshot.stat().st_mode & 0o777 == 0o600
    assert str(snapshot).startswith(env["MIGRATE_HOME"])

    # Again: nothing to do, nothing written.
    code, again = apply_json(cli, plan)
    assert code == 0 and set(s["outcome"] for s in again["schemes"]) == {"already-applied"}
    assert sandbox.stats()["grants_created"] == st["grants_created"]
    assert sandbox.stats()["grants_deleted"] == 0

    r = cli("verify", plan)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "applied" in r.stdout and "drifted" not in r.stdout


def test_apply_table_output_and_progress_are_plain_when_piped(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    r = cli("apply", plan, "--yes", "--max-rps", "0")
    assert r.exit_code == 0, r.stderr
    assert "applied" in r.stdout and "\x1b[" not in r.stdout
    assert "snapshot:" in r.stderr and "journal:" in r.stderr


def test_apply_refuses_without_tty_unless_yes(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    r = cli("apply", plan)
    assert r.exit_code == 1
    assert "stdin is not a terminal" in r.stderr and "--yes" in r.stderr
    assert sandbox.stats()["grants_created"] == 0
    assert not list(Path(env["MIGRATE_HOME"]).rglob("snapshots/*"))


def test_verify_before_apply_is_pending_exit_3(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    r = cli("verify", plan, "--json")
    assert r.exit_code == 3
    doc = json.loads(r.stdout)
    assert doc["counts"]["pending"] == len(planned(plan)) and doc["counts"]["drifted"] == 0


def test_verify_check_access_spot_check(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    users = [u["accountId"] for u in sandbox.dump()["users"] if u["accountType"] == "atlassian"][:2]
    assert apply_json(cli, plan)[0] == 0
    r = cli("verify", plan, "--check-access", ",".join(users), "--json")
    doc = json.loads(r.stdout)
    assert doc["access"], r.stderr
    assert {a["account_id"] for a in doc["access"]} == set(users)
    bad = [a for a in doc["access"] if not a["ok"]]
    assert r.exit_code == (4 if bad else 0)
    assert not bad, bad


# ----------------------------------------------------------------------------- stale / force


def test_stale_scheme_refused_others_applied_then_forced(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    want = planned(plan)
    target = sorted(want)[1]
    sandbox.edit_as_other_admin(
        target, add={"permission": "EDIT_ISSUES", "holder": {"type": "projectLead"}}
    )
    code, doc = apply_json(cli, plan)
    assert code == 4 and not doc["ok"]
    by = {s["scheme_id"]: s for s in doc["schemes"]}
    assert by[target]["outcome"] == "skipped-stale"
    assert "projectLead" in by[target]["reason"] and "--force" in by[target]["reason"]
    assert all(s["outcome"] == "applied" for sid, s in by.items() if sid != target)
    lead = ("EDIT_ISSUES", ("projectLead", None))
    before_target = load_plan(plan).change_for(target)
    assert site_keys(sandbox)[target] == grant_keys(before_target.before) | {lead}  # no write reached it
    assert not any(
        e["method"] != "GET" and e["path"].endswith(f"/permissionscheme/{target}/permission") for e in sandbox.requests()
    )

    code, forced = apply_json(cli, plan, "--force")
    assert site_keys(sandbox)[target] == want[target] | {lead}
    # written, but the scheme is not the plan's after-state (the project lead grant is extra): apply says
    # "drifted" for it, exactly as verify does, and exits 4
    by = {s["scheme_id"]: s for s in forced["schemes"]}
    assert code == 4 and by[target]["outcome"] == "drifted" and "projectLead" in by[target]["reason"]
    r = cli("verify", plan, "--json")
    statuses = {s["scheme_id"]: s["status"] for s in json.loads(r.stdout)["schemes"]}
    assert r.exit_code == 4 and statuses[target] == "drifted"
    assert {sid for sid, st in statuses.items() if st == "applied"} == {
        s["scheme_id"] for s in forced["schemes"] if s["outcome"] in ("applied", "already-applied")
    }


# ----------------------------------------------------------------------------- faults


@pytest.fixture
def site_on_fake_clock(sandbox_factory, tmp_path, monkeypatch):
    """A demo site on a fake clock shared with the CLI's retry policy: Retry-After and backoff waits are
    instant, yet the site still sees time pass, so it can tell a request sent too early."""
    clock = FakeClock()
    sb = sandbox_factory("demo", clock=clock, sleep=clock.sleep)
    for k, v in {"JIRA_URL": sb.url, "JIRA_EMAIL": sb.admin.email, "JIRA_API_TOKEN": sb.admin.token}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("JIRA_BEARER_TOKEN", raising=False)
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(
        "migrate.cli.apply.make_client",
        functools.partial(common.make_client, retry=RetryPolicy(sleep=clock.sleep, clock=clock)),
    )
    return sb, clock


def _apply_until_done(cli, plan, *extra) -> list[dict]:
    docs = []
    for _ in range(3):  # a scheme may exhaust its retries under heavy faults; a re-run resumes it
        code, doc = apply_json(cli, plan, *extra)
        docs.append(doc)
        if code == 0:
            return docs
        assert code == 4, doc
    raise AssertionError(docs)


@pytest.mark.parametrize("mode", ["add", "finish"])
def test_faults_zero_duplicates_zero_lost_zero_puts(site_on_fake_clock, cli, tmp_path, mode):
    sb, clock = site_on_fake_clock
    if mode == "finish":  # a finish plan is made once the add plan is applied
        assert apply_json(cli, make_plan(cli, tmp_path, "add"))[0] == 0
        sb.reset(state=False)  # count only what the finish run does
    original = site_keys(sb)
    plan = make_plan(cli, tmp_path, mode)
    want = planned(plan)
    sb.set_faults("429=0.08,5xx=0.05,reset=0.05,lost-post=0.2,lost-delete=0.2,retry-after=1,seed=11")
    docs = _apply_until_done(cli, plan, "--concurrency", "4")

    st = sb.stats()
    fired = st["faults"]
    lost = "lost-post" if mode == "add" else "lost-delete"  # a finish plan only deletes
    assert fired.get(lost, 0) > 0 and fired.get("reset", 0) > 0 and fired.get("429", 0) > 0, fired
    now = site_keys(sb)
    for sid, keys in want.items():
        assert now[sid] == keys, sid  # every planned grant there, nothing else lost
    for sid in set(original) - set(want):
        assert now[sid] == original[sid]
    adds = sum(len(k - original[s]) for s, k in want.items())
    removes = sum(len(original[s] - k) for s, k in want.items())
    assert st["grants_created"] == adds, "a grant was created twice"  # exactly one landed POST per planned grant
    assert st["grants_deleted"] == removes
    assert duplicates(sb) == 0 and no_puts(sb) and st["scheme_puts"] == 0
    assert sum(s["resolved"] for d in docs for s in d["schemes"]) >= 1  # lost answers were settled by re-reading

    sb.set_faults(None)
    r = cli("rollback", plan, "--yes", "--max-rps", "0")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert site_keys(sb) == original


def test_no_request_before_retry_after_elapsed(site_on_fake_clock, cli, tmp_path):
    sb, clock = site_on_fake_clock
    plan = make_plan(cli, tmp_path, "add")
    sb.set_faults("429=0.15,503=0.05,retry-after=2,retry-after-503=1,seed=5")
    _apply_until_done(cli, plan, "--concurrency", "1")
    st = sb.stats()
    assert st["fault_429s"] + st["faults"].get("503", 0) > 0
    assert st["early_retries"] == 0, st["early_retries_by_identity"]
    assert any(s >= 2 for s in clock.sleeps)


def test_concurrent_workers_wait_out_a_retry_after_together(site_on_fake_clock, cli, tmp_path):
    sb, clock = site_on_fake_clock
    plan = make_plan(cli, tmp_path, "add")
    n0 = len(sb.requests())
    sb.set_faults("429@POST=3x,retry-after=5,seed=1")
    docs = _apply_until_done(cli, plan, "--concurrency", "4")
    st = sb.stats()
    assert docs[-1]["ok"] and st["fault_429s"] == 3 and duplicates(sb) == 0
    # Requests already in flight when a 429 is sent cannot be recalled (at most concurrency - 1 of them);
    # after it, every worker waits the pause out and one request goes first, so the worker that was told
    # to wait never comes back early, and nobody else piles on.
    log = sb.requests()[n0:]
    early = [e for e in log if e["fault"] == "early-retry"]
    assert len(early) <= 3 * st["fault_429s"]
    for e in early:
        told = [x for x in log if x["seq"] < e["seq"] and x["fault"] == "429"][-1]
        assert e["path"] != told["path"], (told, e)


# ----------------------------------------------------------------------------- rollback


def test_rollback_restores_exact_original_grants(sandbox, env, cli, tmp_path):
    original = site_grants_verbatim(sandbox)
    add = make_plan(cli, tmp_path, "add", "add.json")
    assert apply_json(cli, add)[0] == 0
    finish = make_plan(cli, tmp_path, "finish", "finish.json")
    code, doc = apply_json(cli, finish)
    assert code == 0 and doc["grants_removed"] > 0

    # Undo in reverse order, like migrations: finish first (re-creates BROWSE_PROJECTS), then add.
    r = cli("rollback", finish, "--yes", "--max-rps", "0", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["counts"]["restored"] > 0
    r = cli("rollback", add, "--yes", "--max-rps", "0")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert site_grants_verbatim(sandbox) == original  # holders and permissions exactly; ids may differ
    assert no_puts(sandbox) and duplicates(sandbox) == 0

    r = cli("rollback", add, "--yes")
    assert r.exit_code == 0 and "already rolled back" in r.stdout


def test_rollback_from_the_snapshot_file(sandbox, env, cli, tmp_path):
    original = site_grants_verbatim(sandbox)
    plan = make_plan(cli, tmp_path, "add")
    code, doc = apply_json(cli, plan)
    assert code == 0
    r = cli("rollback", doc["snapshot"], "--yes", "--max-rps", "0")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert site_grants_verbatim(sandbox) == original


def test_rollback_refuses_without_tty_unless_yes(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    assert apply_json(cli, plan)[0] == 0
    r = cli("rollback", plan)
    assert r.exit_code == 1 and "--yes" in r.stderr


# ----------------------------------------------------------------------------- refusals


def test_lock_held_names_holder_and_how_to_release(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    with site_lock(sandbox.url, command="migrate apply someone-elses-plan.json"):
        r = cli("apply", plan, "--yes")
    assert r.exit_code == 1
    assert "holds the lock" in r.stderr and "someone-elses-plan.json" in r.stderr
    assert "apply.lock" in r.stderr and "delete" in r.stderr
    assert sandbox.stats()["grants_created"] == 0


def test_site_without_new_keys_is_refused_before_any_write(sandbox_factory, tmp_path, monkeypatch, cli):
    sb = sandbox_factory("legacy")
    for k, v in {"JIRA_URL": sb.url, "JIRA_EMAIL": sb.admin.email, "JIRA_API_TOKEN": sb.admin.token}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    plan = make_plan(cli, tmp_path)
    r = cli("apply", plan, "--yes")
    assert r.exit_code == 1 and "VIEW_" in r.stderr
    assert sb.stats()["grants_created"] == 0
    assert not list((tmp_path / "home").rglob("snapshots/*"))


def test_non_admin_is_refused_naming_the_permission(sandbox, env, cli, tmp_path, monkeypatch):
    plan = make_plan(cli, tmp_path)
    monkeypatch.setenv("JIRA_EMAIL", sandbox.viewer.email)
    monkeypatch.setenv("JIRA_API_TOKEN", sandbox.viewer.token)
    r = cli("apply", plan, "--yes")
    assert r.exit_code == 1
    assert "Administer Jira" in r.stderr
    assert sandbox.stats()["grants_created"] == 0


def test_plan_for_another_site_is_refused(sandbox_factory, sandbox, env, cli, tmp_path, monkeypatch):
    plan = make_plan(cli, tmp_path)
    other = sandbox_factory("demo")
    monkeypatch.setenv("JIRA_URL", other.url)
    r = cli("apply", plan, "--yes")
    assert r.exit_code == 1 and "made for" in r.stderr
    assert other.stats()["grants_created"] == 0 and sandbox.stats()["grants_created"] == 0


def test_tampered_plan_is_refused(sandbox, env, cli, tmp_path):
    plan = make_plan(cli, tmp_path)
    doc = json.loads(plan.read_text())
    doc["changes"][0]["operations"][0][1] = "ADMINISTER_PROJECTS"  # [action, permission, holder index]
    plan.write_text(json.dumps(doc))
    r = cli("apply", plan, "--yes")
    assert r.exit_code == 1 and "checksum" in r.stderr


def test_data_center_site(sandbox_factory, tmp_path, monkeypatch, cli):
    sb = sandbox_factory("dc", new_keys=True)  # Data Center has no new keys; this one has, to apply the DC shapes
    for k, v in {"JIRA_URL": sb.url, "JIRA_EMAIL": sb.admin.email, "JIRA_API_TOKEN": sb.admin.token}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    original = site_grants_verbatim(sb)
    add = make_plan(cli, tmp_path, "add", "add.json")
    assert apply_json(cli, add)[0] == 0
    plan = make_plan(cli, tmp_path, "finish")
    code, doc = apply_json(cli, plan)
    assert code == 0 and doc["grants_removed"] > 0, doc
    assert all(site_keys(sb)[sid] == k for sid, k in planned(plan).items())
    for p in (plan, add):
        r = cli("rollback", p, "--yes", "--max-rps", "0")
        assert r.exit_code == 0, r.stdout + r.stderr
    assert site_grants_verbatim(sb) == original


def test_apply_sends_the_minimum_plus_its_preflight_whatever_the_size(sandbox_factory, tmp_path, monkeypatch, cli):
    # add mode on a 60-scheme site: one list read judges every scheme (no re-read per scheme) and one
    # more verifies them; what else apply sends is its preflight: key discovery, the admin check and the
    # account the history records
    sb = sandbox_factory("medium", schemes=60)
    for k, v in {"JIRA_URL": sb.url, "JIRA_EMAIL": sb.admin.email, "JIRA_API_TOKEN": sb.admin.token}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("JIRA_BEARER_TOKEN", raising=False)
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    plan = tmp_path / "p.json"
    assert cli("plan", "--out", plan, "--no-projects", "--no-scan").exit_code == 0
    doc = json.loads(plan.read_text())
    before = dict(sb.request_counts())
    code, out = apply_json(cli, plan)
    assert code == 0, out
    sent = {k: v - before.get(k, 0) for k, v in sb.request_counts().items() if v - before.get(k, 0)}
    writes = doc["totals"]["grants_added"]
    by_method: dict[str, int] = {}
    for (method, template), n in sent.items():
        by_method[f"{method} {template.split('/rest/api/3', 1)[-1]}"] = n
    assert by_method.pop("POST /permissionscheme/{schemeId}/permission") == writes
    assert by_method.pop("GET /permissionscheme") == 2  # the snapshot's list read, and verification
    assert by_method == {"GET /serverInfo": 1, "GET /permissions": 1, "GET /mypermissions": 1, "GET /myself": 1}
    assert {k: v for k, v in out["requests"].items() if k.startswith("http:")} == {"http:GET": 6, "http:POST": writes}
