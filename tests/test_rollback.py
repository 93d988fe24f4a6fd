"""Rollback against an in-memory Jira: exact restore, only our grants, resumable, idempotent, archived."""

from __future__ import annotations

import pytest

from migrate.apply import apply_plan
from migrate.executor import journal_path, rollback_journal_path
from migrate.errors import EXIT_OK, MigrateError, PlanFileError
from migrate.rollback import RESTORED, rollback
from migrate.store import Journal
from test_apply_fakes import URL, CrashAt, FakeJira, SimulatedCrash, group, make_plan_file, site_for, standard_site


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    monkeypatch.setenv("MIGRATE_HOME", str(h))
    return h


def applied(tmp_path, mode="add", fake=None):
    fake = fake or site_for(mode)
    original = fake.all_keys()
    path, plan = make_plan_file(fake, tmp_path, mode=mode)
    res = apply_plan(fake, plan, max_rps=0)
    assert res.ok
    return fake, original, path, plan, res


@pytest.mark.parametrize("mode", ["add", "finish"])
def test_rollback_restores_exact_original_grants(tmp_path, mode):
    fake, original, path, plan, res = applied(tmp_path, mode)
    rb = rollback(fake, path, max_rps=0)
    assert rb.ok and rb.exit_code == EXIT_OK
    assert fake.all_keys() == original
    assert {s.outcome for s in rb.schemes} == {RESTORED}
    assert sum(s.deleted for s in rb.schemes) == res.grants_added
    assert sum(s.recreated for s in rb.schemes) == res.grants_removed
    assert fake.duplicates() == 0 and fake.stats["http:PUT"] == 0
    # Re-created grants carry the snapshot's holders verbatim (group by id, not by name).
    if mode == "finish":
        posted = [e for e in fake.log if e[0] == "POST" and e[2] == "BROWSE_PROJECTS"]
        assert ("group", "gid-devs") in [e[3] for e in posted]
    # Rollback journaled its own writes, and the plan's journals were archived.
    assert rb.archived_to and rb.archived_to.exists()
    assert not journal_path(URL, res.plan_id).exists() and not rollback_journal_path(URL, res.plan_id).exists()
    arch = list(rb.archived_to.parent.glob("*.rollback.jsonl"))
    assert arch and any(e.get("op") for e in Journal.read(arch[0]))


def test_rollback_twice_is_a_no_op(tmp_path):
    fake, original, path, plan, res = applied(tmp_path)
    assert rollback(fake, path, max_rps=0).ok
    writes = fake.stats["http:POST"] + fake.stats["http:DELETE"]
    again = rollback(fake, path, max_rps=0)
    assert again.ok and again.schemes == [] and "already rolled back" in again.notes[0]
    assert fake.stats["http:POST"] + fake.stats["http:DELETE"] == writes


def test_apply_after_rollback_starts_afresh_and_can_roll_back_again(tmp_path):
    fake, original, path, plan, res = applied(tmp_path)
    assert rollback(fake, path, max_rps=0).ok
    again = apply_plan(fake, plan, max_rps=0)
    assert again.ok and {s.outcome for s in again.schemes} == {"applied"}
    assert rollback(fake, path, max_rps=0).ok
    assert fake.all_keys() == original


def test_rollback_from_snapshot_path(tmp_path):
    fake, original, path, plan, res = applied(tmp_path, "finish")
    rb = rollback(fake, res.snapshot_path, max_rps=0)
    assert rb.ok and fake.all_keys() == original


def test_rollback_leaves_other_peoples_changes_and_reports_them(tmp_path):
    fake, original, path, plan, res = applied(tmp_path)
    fake.edit(10001, add=("EDIT_ISSUES", group("auditors")))
    rb = rollback(fake, path, max_rps=0)
    by = {s.scheme_id: s for s in rb.schemes}
    # the plan's grants are back to the before-state: that is a restore, and the other change is reported
    assert by[10001].outcome == RESTORED and any("auditors" in n and "left alone" in n for n in by[10001].notes)
    assert by[10001].unexpected == ["EDIT_ISSUES -> group: auditors"]
    assert rb.ok and rb.archived_to is not None
    assert ("EDIT_ISSUES", group("auditors").identity) in fake.keys(10001)
    assert fake.keys(10001) - {("EDIT_ISSUES", group("auditors").identity)} == original[10001]


def test_rollback_never_deletes_a_grant_that_predates_apply(tmp_path):
    # Scheme 10002 already had VIEW_PROJECTS for devs: apply did not add it, rollback must not delete it.
    fake, original, path, plan, res = applied(tmp_path)
    assert rollback(fake, path, max_rps=0).ok
    assert ("VIEW_PROJECTS", group("devs").identity) in fake.keys(10002)


def test_rollback_undoes_the_plans_grants_whoever_created_them(tmp_path):
    fake = FakeJira({1: ("One", [("BROWSE_PROJECTS", group("devs"))])})
    fake, original, path, plan, res = applied(tmp_path, fake=fake)
    # Another admin deletes our VIEW_ISSUES grant and creates the same one again (a new id): it is still one
    # of the plan's grants, and the before-state did not have it.
    fake.edit(1, remove=("VIEW_ISSUES", group("devs")))
    fake.edit(1, add=("VIEW_ISSUES", group("devs")))
    rb = rollback(fake, path, max_rps=0)
    assert rb.ok and fake.all_keys() == original


def test_grant_whose_id_was_never_journaled_is_found_by_key(tmp_path):
    fake = FakeJira({1: ("One", [("BROWSE_PROJECTS", group("devs"))])})
    original = fake.all_keys()
    path, plan = make_plan_file(fake, tmp_path)
    # Crash right after the first POST was answered, before its "done" line: the journal has no id for it.
    with pytest.raises(SimulatedCrash):
        apply_plan(fake, plan, max_rps=0, crash_hook=CrashAt(3))  # points: snapshot, intent line, POST answered
    entries = Journal.read(journal_path(URL, plan.meta["checksum"].split(":")[1][:16]))
    assert [e.get("phase") for e in entries if e.get("op")] == ["intent"]
    assert len(fake.keys(1)) == 2
    rb = rollback(fake, path, max_rps=0)
    assert rb.ok and fake.all_keys() == original


def test_rollback_of_a_plan_applied_elsewhere_works_from_the_site(tmp_path, monkeypatch):
    fake, original, path, plan, res = applied(tmp_path)
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "other-machine"))  # no journal, no history here
    rb = rollback(fake, path, max_rps=0)
    assert rb.ok and fake.all_keys() == original
    assert sum(s.deleted for s in rb.schemes) == res.grants_added


@pytest.mark.parametrize("when", ["never applied", "killed before its snapshot"])
def test_rollback_with_nothing_of_the_plan_on_the_site_is_a_clean_no_op(tmp_path, when):
    fake = standard_site()
    original = fake.all_keys()
    path, plan = make_plan_file(fake, tmp_path)
    if when != "never applied":
        with pytest.raises(SimulatedCrash):
            apply_plan(fake, plan, max_rps=0, crash_hook=CrashAt(1))  # the first point is "snapshot written"
    posts = fake.stats["http:POST"] + fake.stats["http:DELETE"]
    rb = rollback(fake, path, max_rps=0)
    assert rb.ok and rb.exit_code == EXIT_OK and rb.schemes == [] and "nothing to roll back" in rb.notes[0]
    assert fake.all_keys() == original and fake.stats["http:POST"] + fake.stats["http:DELETE"] == posts


def test_rollback_refuses_another_sites_plan(tmp_path):
    fake, original, path, plan, res = applied(tmp_path)
    fake.url = "https://other.atlassian.net"
    with pytest.raises(PlanFileError):
        rollback(fake, path, max_rps=0)


def test_rollback_with_lost_responses_makes_no_duplicates(tmp_path):
    fake, original, path, plan, res = applied(tmp_path, "finish")
    fake.lost_after_create = 2
    fake.lost_before_create = 1
    rb = rollback(fake, path, max_rps=0, concurrency=1)
    assert rb.ok and fake.all_keys() == original and fake.duplicates() == 0


def test_rollback_crash_at_every_point_then_resume(tmp_path, monkeypatch):
    # An in-process crash cannot lose the page cache, so fsync's cost buys nothing here.
    monkeypatch.setattr("migrate.store.os.fsync", lambda fd: None)
    fake0, original, path, plan, res = applied(tmp_path, "finish")
    # Count the crash points of a clean rollback, then crash at each one on a fresh copy.
    probe = CrashAt(10**9)
    trial = fake0.clone()
    home_state = _copy_home(tmp_path)
    rollback(trial, path, max_rps=0, crash_hook=probe)
    points = probe.count
    assert points > 5
    for n in range(1, points + 1):
        _restore_home(tmp_path, home_state)
        f = fake0.clone()
        with pytest.raises(SimulatedCrash):
            rollback(f, path, max_rps=0, crash_hook=CrashAt(n), concurrency=2)
        rb = rollback(f, path, max_rps=0)
        assert rb.ok, (n, [s.reason for s in rb.schemes])
        assert f.all_keys() == original and f.duplicates() == 0, n


def _copy_home(tmp_path):
    import shutil

    dst = tmp_path / "home-copy"
    shutil.copytree(tmp_path / "home", dst)
    return dst


def _restore_home(tmp_path, saved):
    import shutil

    shutil.rmtree(tmp_path / "home")
    shutil.copytree(saved, tmp_path / "home")


def test_rollback_from_a_snapshot_whose_plan_file_is_gone_undoes_the_journaled_writes(tmp_path):
    fake, original, path, plan, res = applied(tmp_path, "finish")
    path.rename(tmp_path / "moved-away.json")
    rb = rollback(fake, res.snapshot_path, max_rps=0)
    assert rb.ok and fake.all_keys() == original
    assert any("journal" in n for n in rb.notes)


def test_rollback_from_a_snapshot_with_neither_plan_nor_journal_says_what_to_pass(tmp_path):
    fake, original, path, plan, res = applied(tmp_path)
    path.unlink()
    res.journal_path.unlink()
    with pytest.raises(MigrateError) as e:
        rollback(fake, res.snapshot_path, max_rps=0)
    assert "cannot tell which grants" in e.value.message and "pass the plan file" in e.value.hint
    assert fake.stats["http:DELETE"] == 0


@pytest.mark.parametrize(
    "current, deletes, recreates, lost",
    [
        pytest.param([("BROWSE_PROJECTS", "a"), ("VIEW_PROJECTS", "a"), ("VIEW_ISSUES", "a")], ["VIEW_PROJECTS", "VIEW_ISSUES"], [], [], id="source-still-there"),
        pytest.param([("VIEW_PROJECTS", "a"), ("VIEW_ISSUES", "a")], ["VIEW_PROJECTS", "VIEW_ISSUES"], [], ["a"], id="source-gone"),
        pytest.param([("VIEW_PROJECTS", "a"), ("VIEW_ISSUES", "a")], ["VIEW_ISSUES"], [], ["a"], id="one-target-is-enough-to-lose"),
        pytest.param([("VIEW_PROJECTS", "a"), ("VIEW_ISSUES", "a")], ["VIEW_PROJECTS", "VIEW_ISSUES"], ["BROWSE_PROJECTS"], [], id="source-recreated-first"),
        pytest.param([("VIEW_PROJECTS", "a")], ["VIEW_PROJECTS"], [], [], id="could-not-see-before"),
    ],
)
def test_visibility_lost_table(current, deletes, recreates, lost):
    from migrate.model import Grant, Scheme
    from migrate.rollback import visibility_lost
    from migrate.rules import BROWSE_SPLIT

    s = Scheme(1, "s", tuple(Grant(p, group(h), i) for i, (p, h) in enumerate(current, 1)))
    dels = [g for g in s.grants if g.permission in deletes]
    recs = [Grant(p, group("a")) for p in recreates]
    assert [h.parameter for h in visibility_lost(s, dels, recs, BROWSE_SPLIT)] == lost


def test_a_fatal_error_stops_this_rollback_without_setting_the_callers_stop_event(tmp_path):
    # as for apply: `sites rollback` shares one stop event between sites; one site's rejected
    # credentials stop that site only
    import threading

    fake, original, path, plan, res = applied(tmp_path)
    fake.writes = 0
    fake.auth_fail_after_writes = 1
    shared = threading.Event()
    rb = rollback(fake, path, max_rps=0, stop=shared)
    assert not rb.ok and not shared.is_set()
