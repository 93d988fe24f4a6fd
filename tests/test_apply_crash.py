"""Crash at every crash point of an apply (in-process stand-in for kill -9), then resume and roll back.

A crash point is every journal line and every write whose answer has arrived but is not yet journaled,
so this covers: before a POST, after a POST landed but before its "done" line, after "done", between
adds and removes, before the final verify. The subprocess kill -9 tests live in tests/e2e.
"""

from __future__ import annotations

import shutil

import pytest

from migrate.apply import OUT_ALREADY, OUT_APPLIED, apply_plan
from migrate.rollback import rollback
from test_apply_fakes import CrashAt, SimulatedCrash, make_plan_file, planned_keys, site_for


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    monkeypatch.setenv("MIGRATE_HOME", str(h))
    # fsync guards against the OS losing the page cache; an in-process crash cannot, so skip its cost here
    # (the subprocess kill -9 tests keep it).
    monkeypatch.setattr("migrate.store.os.fsync", lambda fd: None)
    return h


@pytest.mark.parametrize("mode", ["add", "finish"])
@pytest.mark.parametrize("lost", [False, True])
def test_crash_anywhere_then_resume_then_rollback(tmp_path, home, mode, lost):
    base = site_for(mode)
    original = base.all_keys()
    path, plan = make_plan_file(base, tmp_path, mode=mode)
    want = planned_keys(plan)

    probe = CrashAt(10**9)
    apply_plan(base.clone(), plan, max_rps=0, crash_hook=probe, concurrency=1)
    shutil.rmtree(home)
    assert probe.count > 10

    for n in range(1, probe.count + 1):
        fake = base.clone()
        if lost:
            fake.lost_after_create = 2
            fake.lost_after_delete = 1
        with pytest.raises(SimulatedCrash):
            apply_plan(fake, plan, max_rps=0, crash_hook=CrashAt(n), concurrency=2)

        res = apply_plan(fake, plan, max_rps=0)
        assert res.ok, (n, [(s.scheme_id, s.outcome, s.reason) for s in res.schemes])
        assert {s.outcome for s in res.schemes} <= {OUT_APPLIED, OUT_ALREADY}
        assert {sid: fake.keys(sid) for sid in want} == want, n
        assert fake.duplicates() == 0, n

        # Idempotent from here on.
        writes = fake.stats["http:POST"] + fake.stats["http:DELETE"]
        assert {s.outcome for s in apply_plan(fake, plan, max_rps=0).schemes} == {OUT_ALREADY}
        assert fake.stats["http:POST"] + fake.stats["http:DELETE"] == writes

        rb = rollback(fake, path, max_rps=0)
        assert rb.ok, (n, [(s.scheme_id, s.outcome, s.reason) for s in rb.schemes])
        assert fake.all_keys() == original, n
        shutil.rmtree(home)


def test_crash_then_rollback_without_resuming(tmp_path, home):
    """Undo a half-applied plan directly: only what the journal says apply (may have) added goes."""
    base = site_for("finish")
    original = base.all_keys()
    path, plan = make_plan_file(base, tmp_path, mode="finish")
    probe = CrashAt(10**9)
    apply_plan(base.clone(), plan, max_rps=0, crash_hook=probe, concurrency=1)
    shutil.rmtree(home)
    for n in range(2, probe.count, 3):
        fake = base.clone()
        with pytest.raises(SimulatedCrash):
            apply_plan(fake, plan, max_rps=0, crash_hook=CrashAt(n), concurrency=1)
        rb = rollback(fake, path, max_rps=0)
        assert rb.ok and fake.all_keys() == original and fake.duplicates() == 0, n
        shutil.rmtree(home)
