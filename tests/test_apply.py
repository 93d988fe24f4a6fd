"""The executor against an in-memory Jira: outcomes, journal, snapshot, lost writes, order, preflight, lock."""

from __future__ import annotations

import json
import os
import stat
import threading
import time

import pytest

from migrate.apply import (
    OUT_ALREADY,
    OUT_APPLIED,
    OUT_DRIFTED,
    OUT_FAILED,
    OUT_STALE,
    ApplyCancelled,
    apply_plan,
    plan_key,
)
from migrate.errors import EXIT_OK, EXIT_PARTIAL, LockHeldError, PermissionDeniedError, PlanFileError, UnsupportedSiteError
from migrate.lock import site_lock
from migrate.planfile import plan_id, plan_to_json
from migrate.snapshot import default_snapshot_path, load_snapshot
from migrate.model import Holder
from migrate.store import Journal
from migrate.verify import APPLIED, DRIFTED, verify_plan
from test_apply_fakes import URL, FakeJira, group, make_plan_file, planned_keys, role, standard_site


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    monkeypatch.setenv("MIGRATE_HOME", str(h))
    return h


def run(fake, plan, **kw):
    kw.setdefault("max_rps", 0)
    return apply_plan(fake, plan, **kw)


def test_plan_key_is_the_id_plan_printed(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    assert plan_key(plan) == plan_id(plan_to_json(plan)) == plan_id(plan)


def test_happy_path_add_mode(tmp_path):
    fake = standard_site()
    original = fake.all_keys()
    _, plan = make_plan_file(fake, tmp_path)
    res = run(fake, plan)

    assert res.ok and res.exit_code == EXIT_OK
    assert {s.scheme_id: s.outcome for s in res.schemes} == {10000: OUT_APPLIED, 10001: OUT_APPLIED, 10002: OUT_APPLIED}
    for sid, keys in planned_keys(plan).items():
        assert fake.keys(sid) == keys
    assert fake.keys(10003) == original[10003]
    assert fake.duplicates() == 0
    assert all(s.status and s.status.ok for s in res.schemes)
    assert res.grants_added == 3 * 2 + 2 * 2 + 1  # scheme 10002 already had VIEW_PROJECTS
    assert fake.stats["http:PUT"] == 0 and fake.stats["http:DELETE"] == 0

    # Snapshot: pre-apply state, 0600, with plan id, site identity and time.
    snap = load_snapshot(res.snapshot_path)
    assert res.snapshot_path == default_snapshot_path(URL, res.plan_id)
    assert stat.S_IMODE(os.stat(res.snapshot_path).st_mode) == 0o600
    assert snap.plan_id == res.plan_id and snap.site["url"] == URL and snap.taken_at
    assert {sid: frozenset(g.key for g in s.grants) for sid, s in snap.schemes.items()} == {
        sid: original[sid] for sid in (10000, 10001, 10002)
    }

    # Journal: a begin line, then intent + done (with the created id) for every add, then end.
    entries = Journal.read(res.journal_path)
    assert stat.S_IMODE(os.stat(res.journal_path).st_mode) == 0o600
    assert entries[0]["event"] == "begin" and entries[0]["snapshot"] == str(res.snapshot_path)
    assert entries[-1]["event"] == "end"
    writes = [e for e in entries if e.get("op")]
    assert sum(1 for e in writes if e["phase"] == "intent") == res.grants_added
    done = [e for e in writes if e["phase"] == "done"]
    assert len(done) == res.grants_added and all(isinstance(e["grant_id"], int) for e in done)
    for e in done:
        assert any(g.id == e["grant_id"] for g in fake.grants[e["scheme"]])


def test_rerun_after_success_writes_nothing(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    first = run(fake, plan)
    lines = len(Journal.read(first.journal_path))
    snap_bytes = first.snapshot_path.read_bytes()
    posts = fake.stats["http:POST"]

    again = run(fake, plan)
    assert again.ok and {s.outcome for s in again.schemes} == {OUT_ALREADY}
    assert fake.stats["http:POST"] == posts and fake.stats["http:DELETE"] == 0
    assert len(Journal.read(first.journal_path)) == lines  # nothing journaled for a run that wrote nothing
    assert first.snapshot_path.read_bytes() == snap_bytes  # the pre-apply snapshot is kept


def test_empty_plan_is_nothing_to_do(tmp_path):
    fake = FakeJira({1: ("Done", [("EDIT_ISSUES", group("devs"))])})
    _, plan = make_plan_file(fake, tmp_path)
    res = run(fake, plan)
    assert res.ok and res.schemes == [] and "nothing to do" in res.notes[0]
    assert fake.stats["http:POST"] == 0


def test_stale_scheme_refused_others_applied(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    fake.edit(10001, add=("BROWSE_PROJECTS", group("contractors")))  # another admin, after the plan
    res = run(fake, plan)
    by = {s.scheme_id: s for s in res.schemes}
    assert by[10001].outcome == OUT_STALE
    assert "contractors" in by[10001].reason and "--force" in by[10001].reason
    assert by[10000].outcome == by[10002].outcome == OUT_APPLIED
    assert res.exit_code == EXIT_PARTIAL
    assert not any(e[1] == 10001 for e in fake.log)  # nothing was written to the stale scheme


def test_removed_grant_outside_plan_is_stale_too(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    fake.edit(10000, remove=("EDIT_ISSUES", group("devs")))
    res = run(fake, plan)
    s = next(s for s in res.schemes if s.scheme_id == 10000)
    assert s.outcome == OUT_STALE and "-EDIT_ISSUES" in s.reason


def test_force_applies_over_foreign_change_and_keeps_it_and_says_drifted_as_verify_does(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    fake.edit(10001, add=("BROWSE_PROJECTS", group("contractors")))
    res = run(fake, plan, force=True)
    s = next(s for s in res.schemes if s.scheme_id == 10001)
    assert s.added == 4 and any("--force" in n for n in s.notes)
    assert ("BROWSE_PROJECTS", group("contractors").identity) in fake.keys(10001)
    assert fake.keys(10001) >= planned_keys(plan)[10001]
    # the scheme is not the plan's after-state (contractors were added outside it): apply says what verify says
    assert s.outcome == OUT_DRIFTED and "contractors" in s.reason and "--force" in s.reason
    assert res.exit_code == EXIT_PARTIAL
    assert_apply_and_verify_agree(fake, plan, res)


def test_force_never_adds_targets_for_a_holder_whose_source_is_gone(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    fake.edit(10001, remove=("BROWSE_PROJECTS", group("agents")))  # another admin, after the plan
    res = run(fake, plan, force=True)
    s = next(s for s in res.schemes if s.scheme_id == 10001)
    assert ("VIEW_PROJECTS", group("agents").identity) not in fake.keys(10001)
    assert ("VIEW_ISSUES", group("agents").identity) not in fake.keys(10001)
    assert ("VIEW_ISSUES", Holder("reporter").identity) in fake.keys(10001)  # the reporter's source is still there
    assert any("agents" in n and "gone from the site" in n for n in s.notes)
    assert s.outcome == OUT_DRIFTED and res.exit_code == EXIT_PARTIAL
    assert_apply_and_verify_agree(fake, plan, res)
    # a second forced run adds nothing for them either
    again = run(fake, plan, force=True)
    assert next(x for x in again.schemes if x.scheme_id == 10001).added == 0
    assert_apply_and_verify_agree(fake, plan, again)


def assert_apply_and_verify_agree(fake, plan, res):
    statuses = {v.scheme_id: v for v in verify_plan(fake, plan)}
    for s in res.schemes:
        assert (s.outcome in (OUT_APPLIED, OUT_ALREADY)) == (statuses[s.scheme_id].status == APPLIED), (s, statuses[s.scheme_id])
        if s.outcome == OUT_DRIFTED:
            assert statuses[s.scheme_id].status == DRIFTED


def test_addon_role_readded_by_jira_is_tolerated(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    fake.edit(10001, add=("EDIT_ISSUES", role("10003", "atlassian-addons-project-access")))
    res = run(fake, plan)
    s = next(s for s in res.schemes if s.scheme_id == 10001)
    assert s.outcome == OUT_APPLIED and any("add-on role" in n for n in s.notes)


def test_deleted_scheme_is_skipped_stale(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    del fake.grants[10001]
    res = run(fake, plan)
    s = next(s for s in res.schemes if s.scheme_id == 10001)
    assert s.outcome == OUT_STALE and "no longer exists" in s.reason


def test_lost_post_that_landed_is_resolved_by_reread_not_resent(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    fake.lost_after_create = 3
    res = run(fake, plan, concurrency=1)
    assert res.ok and fake.duplicates() == 0
    assert sum(s.resolved for s in res.schemes) == 3
    # one POST per grant, none resent; the 3 found on a re-read count as added too: this run created them
    assert fake.stats["http:POST"] == res.grants_added
    resolved = [e for e in Journal.read(res.journal_path) if e.get("resolved")]
    assert len(resolved) == 3 and all(isinstance(e["grant_id"], int) for e in resolved)


def test_lost_post_that_did_not_land_is_resent_after_reread(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    fake.lost_before_create = 2
    res = run(fake, plan, concurrency=1)
    assert res.ok and fake.duplicates() == 0
    for sid, keys in planned_keys(plan).items():
        assert fake.keys(sid) == keys


def test_post_lost_every_time_fails_the_scheme_without_duplicates(tmp_path):
    fake = FakeJira({1: ("One", [("BROWSE_PROJECTS", group("devs"))])})
    _, plan = make_plan_file(fake, tmp_path)
    fake.lost_before_create = 99
    res = run(fake, plan)
    s = res.schemes[0]
    assert s.outcome == OUT_FAILED and "attempts" in s.reason and res.exit_code == EXIT_PARTIAL
    assert fake.duplicates() == 0
    fake.lost_before_create = 0
    assert run(fake, plan).ok  # and a re-run finishes it


def test_duplicate_400_because_someone_added_it_meanwhile(tmp_path):
    fake = FakeJira({1: ("One", [("BROWSE_PROJECTS", group("devs"))])})
    _, plan = make_plan_file(fake, tmp_path)
    added = []

    def meanwhile(method, sid):
        if not added:
            added.append(1)
            fake.edit(sid, add=("VIEW_PROJECTS", group("devs")))

    fake.before_write = meanwhile
    res = run(fake, plan)
    assert res.ok and res.schemes[0].resolved == 1 and fake.duplicates() == 0


def test_non_duplicate_400_fails_the_scheme_with_jiras_message(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    fake.reject = {"VIEW_ISSUES"}
    res = run(fake, plan)
    assert res.exit_code == EXIT_PARTIAL
    for s in res.schemes:
        assert s.outcome == OUT_FAILED
        assert "Unrecognized permission VIEW_ISSUES" in s.reason


def test_finish_after_add_only_removes(tmp_path):
    fake = standard_site()
    _, add = make_plan_file(fake, tmp_path)
    assert run(fake, add).ok
    _, plan = make_plan_file(fake, tmp_path, mode="finish")
    assert plan.totals["grants_added"] == 0 and plan.totals["grants_removed"] > 0
    res = run(fake, plan, concurrency=3)
    assert res.ok
    for sid, keys in planned_keys(plan).items():
        assert fake.keys(sid) == keys
    assert not [e for e in fake.log[-res.grants_removed :] if e[0] != "DELETE"]
    removed = [e for e in Journal.read(res.journal_path) if e.get("op") == "remove" and e["phase"] == "done"]
    assert len(removed) == res.grants_removed > 0


def test_finish_refuses_removal_when_a_target_is_gone_even_forced(tmp_path):
    fake = FakeJira({1: ("One", [("BROWSE_PROJECTS", group("devs")), ("VIEW_PROJECTS", group("devs")), ("VIEW_ISSUES", group("devs"))])})
    _, plan = make_plan_file(fake, tmp_path, mode="finish")
    fake.edit(1, remove=("VIEW_ISSUES", group("devs")))  # another admin, after the plan
    assert run(fake, plan).schemes[0].outcome == OUT_STALE
    res = run(fake, plan, force=True)
    s = res.schemes[0]
    assert s.outcome == OUT_FAILED and "refusing to remove" in s.reason and "VIEW_ISSUES" in s.reason
    assert ("BROWSE_PROJECTS", group("devs").identity) in fake.keys(1)
    assert fake.stats["http:DELETE"] == 0


def test_never_two_writers_on_one_scheme_and_concurrency_bounded(tmp_path):
    schemes = {
        i: (f"S{i}", [("BROWSE_PROJECTS", group(f"g{j}")) for j in range(4)]) for i in range(1, 13)
    }
    fake = FakeJira(schemes)
    _, plan = make_plan_file(fake, tmp_path)
    res = run(fake, plan, concurrency=4)
    assert res.ok
    assert fake.max_inflight_per_scheme == 1
    assert 1 <= fake.max_inflight <= 4


def test_auth_failure_mid_run_stops_the_run(tmp_path):
    schemes = {i: (f"S{i}", [("BROWSE_PROJECTS", group("devs"))]) for i in range(1, 9)}
    fake = FakeJira(schemes)
    _, plan = make_plan_file(fake, tmp_path)
    fake.auth_fail_after_writes = 2
    res = run(fake, plan, concurrency=1)
    assert res.exit_code == EXIT_PARTIAL
    assert sum(1 for s in res.schemes if s.outcome == OUT_APPLIED) == 1
    assert any("not attempted" in s.reason for s in res.schemes)
    assert fake.stats["http:POST"] == 3  # the failed one, then nothing more
    assert any("stopped early" in n for n in res.notes)


@pytest.mark.parametrize(
    "breakage, error",
    [
        ("admin", PermissionDeniedError),
        ("site", PlanFileError),
        ("keys", UnsupportedSiteError),
    ],
)
def test_preflight_failure_writes_nothing(tmp_path, home, breakage, error):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    if breakage == "admin":
        fake.admin = False
    elif breakage == "site":
        fake.url = "https://other.atlassian.net"
    else:
        fake.known.discard("VIEW_ISSUES")
    with pytest.raises(error) as e:
        run(fake, plan)
    if breakage == "admin":
        assert "Administer Jira" in e.value.message and "manage:jira-configuration" in e.value.hint
    assert fake.stats["http:POST"] == fake.stats["http:DELETE"] == 0
    assert not list(home.rglob("*.json*"))  # no snapshot, no journal


def test_confirmation_declined_writes_nothing(tmp_path, home):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    seen = []
    with pytest.raises(ApplyCancelled):
        run(fake, plan, confirm=lambda p: seen.append(p) or False)
    assert seen[0].schemes == 3 and seen[0].adds == 11 and seen[0].removes == 0
    assert fake.stats["http:POST"] == 0 and not list(home.rglob("*.jsonl"))
    assert not list(home.rglob("snapshots/*"))


def test_lock_held_is_refused_with_holder_and_release_hint(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    holding, release = threading.Event(), threading.Event()
    requests_before = fake.request_count

    def other():
        with site_lock(URL, command="migrate apply other.json"):
            holding.set()
            release.wait(5)

    t = threading.Thread(target=other)
    t.start()
    holding.wait(5)
    try:
        with pytest.raises(LockHeldError) as e:
            run(fake, plan)
    finally:
        release.set()
        t.join()
    msg = str(e.value)
    assert f"pid {os.getpid()}" in msg and "migrate apply other.json" in msg and "delete" in e.value.hint
    assert fake.request_count == requests_before  # refused before any request
    assert run(fake, plan).ok  # released: the next run goes ahead


def test_snapshot_dir_option_and_resume_keeps_first_snapshot(tmp_path):
    from test_apply_fakes import CrashAt, SimulatedCrash

    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    original = fake.all_keys()
    with pytest.raises(SimulatedCrash):
        run(fake, plan, snapshot_dir=tmp_path / "snaps", crash_hook=CrashAt(6), concurrency=1)
    spath = tmp_path / "snaps" / f"{plan_key(plan)}.json"
    assert spath.exists()
    # Resumed without --snapshot-dir: the journal points at the first snapshot, which is kept as it was.
    res = run(fake, plan)
    assert res.ok and res.snapshot_path == spath
    snap = load_snapshot(spath)
    assert {sid: frozenset(g.key for g in s.grants) for sid, s in snap.schemes.items()} == {
        sid: original[sid] for sid in (10000, 10001, 10002)
    }


def test_json_result_is_serialisable(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    doc = run(fake, plan).to_json()
    json.dumps(doc)
    assert doc["counts"]["applied"] == 3 and doc["exit_code"] == 0


def test_a_403_on_one_scheme_fails_that_scheme_naming_the_permission_and_the_others_proceed(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)

    def forbidden(method, sid):
        if sid == 10001:
            raise PermissionDeniedError(
                f"Jira refused POST /rest/api/3/permissionscheme/{sid}/permission (403)",
                status=403,
                hint="this needs the global permission 'Administer Jira'",
            )

    fake.before_write = forbidden
    res = run(fake, plan, concurrency=1)
    by = {s.scheme_id: s for s in res.schemes}
    assert by[10001].outcome == OUT_FAILED and "403" in by[10001].reason and "Administer Jira" in by[10001].reason
    assert by[10000].outcome == by[10002].outcome == OUT_APPLIED
    assert res.exit_code == EXIT_PARTIAL and not any("stopped early" in n for n in res.notes)


def test_another_writer_on_the_same_scheme_costs_one_duplicate_400_not_one_per_grant(tmp_path):
    # Another machine applies the same plan at the same moment: it wins the race for the first grant and
    # then keeps going. The re-read after the first 400 adopts what it made and takes the rest in reverse.
    holders = [group(f"g{i}") for i in range(10)]
    fake = FakeJira({1: ("One", [("BROWSE_PROJECTS", h) for h in holders])})
    _, plan = make_plan_file(fake, tmp_path)
    others = [(o.permission, o.holder) for o in plan.changes[0].adds]
    rejected = []

    def other_machine(method, sid):
        # before each of our POSTs, the other machine has created its next grant
        if others:
            fake.edit(sid, add=others.pop(0))

    orig_create = fake.create_grant

    def counting_create(sid, permission, holder):
        try:
            return orig_create(sid, permission, holder)
        except Exception as e:
            rejected.append(e)
            raise

    fake.before_write = other_machine
    fake.create_grant = counting_create
    res = run(fake, plan)
    assert res.ok and fake.duplicates() == 0
    assert fake.keys(1) == planned_keys(plan)[1]
    assert len(rejected) <= 2, len(rejected)
    assert res.schemes[0].added + res.schemes[0].resolved == len(plan.changes[0].adds)


def test_once_another_writer_is_met_each_scheme_is_read_on_its_own_so_its_finished_schemes_cost_no_400(tmp_path):
    # The other machine finishes every scheme right after our list read. Our first POST meets it (one
    # duplicate 400); from then on each scheme is read just before its writes, so the schemes it finished
    # are seen as done, not written again into a 400 each.
    fake = FakeJira({sid: (f"S{sid}", [("BROWSE_PROJECTS", group(f"g{sid}-{i}")) for i in range(3)]) for sid in (1, 2, 3, 4)})
    _, plan = make_plan_file(fake, tmp_path)
    rejected = []

    def other_machine(method, sid):
        if fake.before_write is other_machine:
            fake.before_write = None
            for c in plan.changes:
                for o in c.adds:
                    fake.edit(c.scheme_id, add=(o.permission, o.holder))

    orig_create = fake.create_grant

    def counting_create(sid, permission, holder):
        try:
            return orig_create(sid, permission, holder)
        except Exception as e:
            rejected.append(e)
            raise

    fake.before_write = other_machine
    fake.create_grant = counting_create
    res = run(fake, plan, concurrency=1)
    assert res.ok and fake.duplicates() == 0 and len(rejected) == 1, rejected
    assert fake.keys(1) == planned_keys(plan)[1] and fake.keys(4) == planned_keys(plan)[4]


def _edit_the_second_scheme_once_the_first_is_written(fake):
    done = []

    def meanwhile(method, sid):
        if sid != 10000 and not done:
            done.append(sid)
        if sid == 10000 and not done:
            done.append(sid)
            fake.edit(10001, add=("ADMINISTER_PROJECTS", group("agents")))

    fake.before_write = meanwhile


def test_each_scheme_is_judged_from_one_list_read_not_a_read_per_scheme(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    gets = fake.stats["http:GET"]
    res = run(fake, plan)
    # preflight (2 for the site's identity and keys, admin, account), the list read every scheme is
    # judged from, the writes, and the list read that verifies them: no GET per scheme
    assert fake.stats["http:GET"] - gets == 2 + 1 + 1 + 1 + 1 and fake.stats["http:POST"] == res.grants_added


def test_a_change_within_the_read_window_is_written_around_and_shown_as_drift(tmp_path):
    # the stale-plan check judges each scheme from a list read at most STALE_READ_MAX_AGE old: another
    # admin's edit after that read is not refused, but never lost either (grant-level writes), and the
    # verification read that follows reports the scheme as drifted (exit 4)
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    _edit_the_second_scheme_once_the_first_is_written(fake)
    res = run(fake, plan, concurrency=1)
    by_id = {s.scheme_id: s for s in res.schemes}
    assert by_id[10000].outcome == OUT_APPLIED and by_id[10001].outcome == OUT_DRIFTED
    assert ("ADMINISTER_PROJECTS", group("agents").identity) in fake.keys(10001)
    assert res.exit_code == EXIT_PARTIAL


def test_a_read_older_than_the_window_is_taken_again_and_the_stale_scheme_refused(tmp_path):
    # with a window of 0 every scheme is judged from a read taken just before its writes (as when each
    # scheme was re-read on its own): the edit is seen and the scheme refused, nothing written to it
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    before = fake.keys(10001)
    _edit_the_second_scheme_once_the_first_is_written(fake)
    res = run(fake, plan, concurrency=1, stale_read_max_age=0)
    by_id = {s.scheme_id: s for s in res.schemes}
    assert by_id[10000].outcome == OUT_APPLIED and by_id[10001].outcome == OUT_STALE
    assert fake.keys(10001) == before | {("ADMINISTER_PROJECTS", group("agents").identity)}


def test_journal_lines_are_on_disk_before_their_writer_goes_on_and_share_fsyncs(tmp_path, monkeypatch):
    # group commit: each append returns only once its line is synced; lines written while an fsync runs
    # ride on the next one, so 8 threads x 50 lines need far fewer than 400 fsyncs, and none is lost
    synced_lines: list[int] = []
    journal = Journal(tmp_path / "j.jsonl")
    real_fsync = os.fsync

    def slow_fsync(fd):
        time.sleep(0.002)
        real_fsync(fd)
        synced_lines.append(journal._written)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    seen_unsynced = []

    def writer(k):
        for i in range(50):
            n = journal.write({"w": k, "i": i})
            journal.sync(n)
            if journal._synced < n:
                seen_unsynced.append(n)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    journal.close()
    entries = Journal.read(tmp_path / "j.jsonl")
    assert len(entries) == 400 and not seen_unsynced
    assert {(e["w"], e["i"]) for e in entries} == {(k, i) for k in range(8) for i in range(50)}
    assert journal.syncs < 400 and synced_lines[-1] == 400


def test_a_fatal_error_stops_this_run_without_setting_the_callers_stop_event(tmp_path):
    # A bulk run hands every site the same stop event (Ctrl-C sets it). One site's rejected credentials
    # stop that site's run; they must not set the shared event, which would stop every other site too.
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    fake.auth_fail_after_writes = 1
    shared = threading.Event()
    lines: list[tuple[str, int, int]] = []
    res = run(fake, plan, concurrency=2, stop=shared, progress=lambda *a: lines.append(a))
    assert not res.ok and any("credentials" in (s.reason or "") for s in res.schemes)
    assert not shared.is_set()
    # the schemes left are settled as not attempted, which the progress line must not show as done
    assert lines and not any(stage == "apply" and done == total for stage, done, total in lines)


def test_the_callers_stop_event_still_stops_the_run_before_its_first_write(tmp_path):
    fake = standard_site()
    _, plan = make_plan_file(fake, tmp_path)
    shared = threading.Event()
    shared.set()
    res = run(fake, plan, stop=shared)
    assert fake.writes == 0 and all(s.outcome == "failed" for s in res.schemes)
