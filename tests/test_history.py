"""The per-site history (ledger) and the order rollback keeps: tables of (applied sequence, rollback
target, allowed or the refusal), against an in-memory Jira with one or two machines (data folders)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.apply import apply_plan, journaled_schemes
from migrate.errors import MigrateError
from migrate.executor import journal_path, plan_key
from migrate.history import APPLIED, PARTIAL, ROLLED_BACK, Ledger, fold
from migrate.rollback import RollbackRefused, can_see_issues, rollback
from migrate.rules import BROWSE_SPLIT
from migrate.store import Journal
from test_apply_fakes import URL, CrashAt, FakeJira, SimulatedCrash, group, make_plan_file, standard_site


class World:
    """One fake site, plans made on demand from its state at the time, and machines by name."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.fake = standard_site()
        self.original = self.fake.all_keys()
        self.plans: dict[str, tuple[Path, object]] = {}

    def home(self, machine: str) -> Path:
        return self.tmp / f"home-{machine}"

    def plan(self, name: str):
        if name not in self.plans:
            mode = name.rstrip("0123456789")
            self.plans[name] = make_plan_file(self.fake, self.tmp, mode=mode, name=f"{name}.json")
        return self.plans[name]

    def apply(self, name: str, machine: str = "m1"):
        path, plan = self.plan(name)
        return apply_plan(self.fake, plan, max_rps=0, store_root=self.home(machine), plan_path=path)

    def rollback(self, name: str, machine: str = "m1"):
        path, _ = self.plan(name)
        return rollback(self.fake, path, max_rps=0, store_root=self.home(machine))

    def viewers(self) -> dict[int, set]:
        return {sid: can_see_issues(gs, BROWSE_SPLIT) for sid, gs in self.fake.grants.items()}


def run_steps(w: World, steps: str) -> None:
    for step in filter(None, (s.strip() for s in steps.split(";"))):
        action, name, *rest = step.split()
        machine = rest[0] if rest else "m1"
        res = getattr(w, action)(name, machine)
        assert res.ok, (step, [(s.scheme_id, s.outcome, s.reason) for s in res.schemes])


# (applied sequence, rollback target and machine, None = allowed, else a piece of the refusal)
ROLLBACK_ORDER = [
    pytest.param("apply add", "add m1", None, id="add-then-rollback-add"),
    pytest.param("apply add; apply finish", "add m1", "finish plan", id="add-finish-then-rollback-add-refused"),
    pytest.param("apply add; apply finish", "finish m1", None, id="add-finish-then-rollback-finish"),
    pytest.param("apply add; apply finish; rollback finish", "add m1", None, id="finish-rolled-back-first"),
    pytest.param("apply add; apply finish m2", "add m1", "would lose issue visibility", id="finish-from-another-machine"),
    pytest.param("apply add m2; apply finish m2", "add m1", "would lose issue visibility", id="both-elsewhere"),
    pytest.param("apply add; apply add m2", "add m2", None, id="same-plan-two-machines"),
    pytest.param("apply add; apply finish; rollback finish m2", "add m1", "finish plan", id="ledger-stale-but-safe"),
]


@pytest.mark.parametrize("steps, target, refusal", ROLLBACK_ORDER)
def test_rollback_order(tmp_path, steps, target, refusal):
    w = World(tmp_path)
    viewers = w.viewers()
    run_steps(w, steps)
    before = w.fake.all_keys()
    writes = w.fake.stats["http:POST"] + w.fake.stats["http:DELETE"]
    name, machine = target.split()
    if refusal is None:
        rb = w.rollback(name, machine)
        assert rb.ok, [(s.scheme_id, s.outcome, s.reason) for s in rb.schemes]
        # that plan's before-state is back on its grants
        _, plan = w.plan(name)
        for c in plan.changes:
            keys = {o.key for o in c.operations}
            assert {k for k in w.fake.keys(c.scheme_id) if k in keys} == {g.key for g in c.before if g.key in keys}
    else:
        with pytest.raises(RollbackRefused) as e:
            w.rollback(name, machine)
        assert refusal in e.value.message and "nothing was written" in e.value.message
        assert w.fake.all_keys() == before and w.fake.stats["http:POST"] + w.fake.stats["http:DELETE"] == writes
    # whatever happened, nobody who could see issues at the start lost it
    for sid, holders in viewers.items():
        assert holders <= w.viewers()[sid], sid


def test_refusal_names_the_finish_plan_and_how_to_proceed(tmp_path):
    w = World(tmp_path)
    run_steps(w, "apply add; apply finish")
    with pytest.raises(RollbackRefused) as e:
        w.rollback("add", "m1")
    fin_path, fin = w.plan("finish")
    assert f"finish plan {fin_path.resolve()} (id {plan_key(fin)}) is applied" in e.value.message
    assert "roll it back first" in e.value.message
    assert f"migrate rollback {fin_path.resolve()}" in e.value.hint
    run_steps(w, "rollback finish; rollback add")
    assert w.fake.all_keys() == w.original


def test_site_check_names_holder_scheme_and_why(tmp_path):
    w = World(tmp_path)
    run_steps(w, "apply add")
    w.fake.edit(10001, remove=("BROWSE_PROJECTS", group("agents")))  # another admin, after the add plan
    with pytest.raises(RollbackRefused) as e:
        w.rollback("add", "m1")
    msg = e.value.message
    assert "group: agents would lose issue visibility on scheme 10001 'Service'" in msg
    assert "no longer holds BROWSE_PROJECTS" in msg


def test_history_records_chain_states_accounts_and_paths(tmp_path):
    w = World(tmp_path)
    run_steps(w, "apply add; apply finish")
    ledger = Ledger(URL, w.home("m1"))
    entries = ledger.entries()
    add, fin = entries
    add_path, add_plan = w.plan("add")
    fin_path, fin_plan = w.plan("finish")
    assert (add.plan_id, add.mode, add.state) == (plan_key(add_plan), "add", APPLIED)
    assert (fin.plan_id, fin.mode, fin.state) == (plan_key(fin_plan), "finish", APPLIED)
    assert add.plan_path == str(add_path.resolve()) and fin.plan_path == str(fin_path.resolve())
    assert add.applied_by == {"account_id": "acc-admin", "display_name": "Ada Admin"}
    assert add.rule == {"name": "browse-split", "digest": add.rule["digest"], "builtin": True}
    assert set(add.parents.values()) == {None}
    # the finish plan builds on the add plan on every scheme it changes (made from its after-state)
    assert set(fin.parents.values()) == {add.plan_id} and fin.builds_on == [add.plan_id]
    assert add.snapshot and add.journal and Path(add.snapshot).exists()
    # a second apply that writes nothing adds no line: the chain's order cannot change
    lines = len(ledger.events())
    assert w.apply("add").exit_code == 4  # drifted: the finish plan removed BROWSE_PROJECTS since
    assert len(ledger.events()) == lines
    run_steps(w, "rollback finish; rollback add")
    assert [e.state for e in ledger.entries()] == [ROLLED_BACK, ROLLED_BACK]
    # applying again starts a new entry
    run_steps(w, "apply add")
    assert [e.state for e in ledger.entries()] == [ROLLED_BACK, ROLLED_BACK, APPLIED]
    # the file is JSONL with no secret in it, 0600 in a 0700 folder
    raw = ledger.path.read_text()
    assert all(json.loads(line)["v"] == 1 for line in raw.splitlines())
    assert ledger.path.stat().st_mode & 0o777 == 0o600 and ledger.path.parent.stat().st_mode & 0o777 == 0o700


def test_an_apply_killed_midway_is_partially_applied_and_blocks_what_came_before(tmp_path):
    w = World(tmp_path)
    run_steps(w, "apply add")
    w.plan("finish")
    with pytest.raises(SimulatedCrash):
        fin_path, fin = w.plan("finish")
        apply_plan(w.fake, fin, max_rps=0, store_root=w.home("m1"), plan_path=fin_path, crash_hook=CrashAt(4), concurrency=1)
    entries = {e.mode: e for e in Ledger(URL, w.home("m1")).entries()}
    assert entries["finish"].state == PARTIAL and entries["finish"].open_runs
    with pytest.raises(RollbackRefused, match="finish plan .* is partially applied"):
        w.rollback("add", "m1")
    run_steps(w, "apply finish")  # resumed: now applied
    assert {e.mode: e.state for e in Ledger(URL, w.home("m1")).entries()} == {"add": APPLIED, "finish": APPLIED}
    run_steps(w, "rollback finish; rollback add")
    assert w.fake.all_keys() == w.original


def test_fold_ignores_torn_and_foreign_lines():
    events = [
        {"event": "apply-start", "plan_id": "a", "mode": "add", "run": "r1", "schemes": [1, 2]},
        {"event": "nonsense", "plan_id": "a"},
        {"event": "apply", "plan_id": 7},
        {"event": "apply", "plan_id": "a", "run": "r1", "state": "applied", "schemes": [1], "after": {"1": "ff"}},
        {"event": "rollback", "plan_id": "b", "mode": "finish", "state": "rolled back"},
    ]
    a, b = fold(events)
    assert a.state == APPLIED and a.touched == {1} and a.after == {1: "ff"}
    assert b.state == ROLLED_BACK and not b.live


def test_history_is_per_site_and_per_data_folder(tmp_path):
    w = World(tmp_path)
    run_steps(w, "apply add")
    assert Ledger(URL, w.home("m2")).entries() == []
    assert Ledger("https://other.atlassian.net", w.home("m1")).entries() == []


def test_a_world_writable_data_folder_is_refused(tmp_path):
    w = World(tmp_path)
    home = w.home("m1")
    home.mkdir(mode=0o700)
    home.chmod(0o777)
    with pytest.raises(MigrateError, match="can be written by other users") as e:
        w.apply("add")
    assert "chmod 700" in e.value.hint
    assert w.fake.stats["http:POST"] == 0


def test_data_folders_are_created_0700_whatever_the_umask(tmp_path):
    import os

    old = os.umask(0)
    try:
        w = World(tmp_path)
        run_steps(w, "apply add")
    finally:
        os.umask(old)
    home = w.home("m1")
    for d in [home, *[p for p in home.rglob("*") if p.is_dir()]]:
        assert d.stat().st_mode & 0o777 == 0o700, d
    for f in [p for p in home.rglob("*") if p.is_file()]:
        assert f.stat().st_mode & 0o777 == 0o600, f


def test_fake_single_scheme_world_for_the_simplest_refusal(tmp_path):
    fake = FakeJira({1: ("One", [("BROWSE_PROJECTS", group("devs"))])})
    add_path, add = make_plan_file(fake, tmp_path)
    assert apply_plan(fake, add, max_rps=0, plan_path=add_path, store_root=tmp_path / "h").ok
    fin_path, fin = make_plan_file(fake, tmp_path, mode="finish")
    assert apply_plan(fake, fin, max_rps=0, plan_path=fin_path, store_root=tmp_path / "h").ok
    assert fake.keys(1) == {("VIEW_PROJECTS", group("devs").identity), ("VIEW_ISSUES", group("devs").identity)}
    with pytest.raises(RollbackRefused):
        rollback(fake, add_path, max_rps=0, store_root=tmp_path / "h")
    assert fake.keys(1) == {("VIEW_PROJECTS", group("devs").identity), ("VIEW_ISSUES", group("devs").identity)}


def test_a_plan_found_applied_without_writing_still_gets_its_parents(tmp_path):
    w = World(tmp_path)
    # the finish plan is applied from machine 2; machine 1 applies it too, finds it done and writes nothing
    run_steps(w, "apply add; apply finish m2")
    writes = w.fake.stats["http:POST"] + w.fake.stats["http:DELETE"]
    run_steps(w, "apply finish")
    assert w.fake.stats["http:POST"] + w.fake.stats["http:DELETE"] == writes
    add, fin = Ledger(URL, w.home("m1")).entries()
    assert fin.state == APPLIED and set(fin.parents.values()) == {add.plan_id} and fin.builds_on == [add.plan_id]
    with pytest.raises(RollbackRefused, match="finish plan"):
        w.rollback("add", "m1")


def test_the_chain_uses_fingerprints_derived_from_the_before_state(tmp_path):
    # a finish plan whose file states a forged before fingerprint still builds on the add plan (and one
    # forged to look as if it did, while made from another state, would not)
    from migrate.planfile import encode_plan_doc, load_plan, plan_to_json

    w = World(tmp_path)
    run_steps(w, "apply add")
    path, plan = w.plan("finish")
    doc = plan_to_json(plan)
    for c in doc["changes"]:
        c["fingerprint"] = "sha256:" + "0" * 64
    path.write_bytes(encode_plan_doc(doc))
    w.plans["finish"] = (path, load_plan(path))
    run_steps(w, "apply finish")
    add, fin = Ledger(URL, w.home("m1")).entries()
    assert fin.builds_on == [add.plan_id]


# (what happens to the plan's runs): the last "apply" event names every scheme done, and every scheme the
# journal shows a write was sent to, by this run or an earlier one
HISTORY_SCHEMES = [
    pytest.param(["apply"], id="clean-run"),
    pytest.param(["refuse VIEW_ISSUES", "apply"], id="writes-refused"),
    pytest.param(["crash", "edit written scheme", "apply"], id="killed-then-a-written-scheme-edited-by-someone-else"),
]


@pytest.mark.parametrize("runs", HISTORY_SCHEMES)
def test_the_apply_event_names_every_scheme_written_or_done(tmp_path, runs):
    w = World(tmp_path)
    path, plan = w.plan("add")
    home = w.home("m1")
    jpath = journal_path(URL, plan_key(plan), home)
    result = None
    for step in runs:
        if step == "crash":
            with pytest.raises(SimulatedCrash):
                apply_plan(w.fake, plan, max_rps=0, store_root=home, plan_path=path, crash_hook=CrashAt(4), concurrency=1)
        elif step == "edit written scheme":
            (sid,) = journaled_schemes(Journal.read(jpath))
            w.fake.edit(sid, add=("ADMINISTER_PROJECTS", group("someone-else")))
        elif step.startswith("refuse"):
            w.fake.reject = {step.split()[1]}
        else:
            result = apply_plan(w.fake, plan, max_rps=0, store_root=home, plan_path=path)
    done = {o.scheme_id for o in result.schemes if o.done}
    event = [e for e in Ledger(URL, home).events() if e["event"] == "apply"][-1]
    assert set(event["schemes"]) == done | journaled_schemes(Journal.read(jpath))
    assert (event["state"] == APPLIED) == (len(done) == len(plan.changes))
