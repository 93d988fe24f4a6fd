"""The collector pause is scoped: it nests, spans threads, survives errors, and leaves a disabled GC alone."""

from __future__ import annotations

import gc
import threading

import pytest

from migrate.gcpause import paused_gc


@pytest.fixture(autouse=True)
def gc_restored():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_nested_pauses_resume_the_collector_once_the_outermost_ends():
    gc.enable()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_resumes_it():
    gc.enable()
    with pytest.raises(ValueError):
        with paused_gc():
            raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_disabled_by_the_caller_stays_disabled():
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads_resume_it_when_the_last_ends():
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def other():
        with paused_gc():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    with paused_gc():
        pass
    assert not gc.isenabled()  # the other thread's pause is still on
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_what_a_pause_built_is_promoted_to_the_oldest_generation_without_a_collection():
    gc.enable()
    gc.collect()
    collections = [s["collections"] for s in gc.get_stats()]
    with paused_gc():
        made = [[i] for i in range(5000)]  # far past the youngest generation's threshold
    assert gc.get_count()[0] < gc.get_threshold()[0]  # no collection is due at the next allocation
    assert [s["collections"] for s in gc.get_stats()] == collections
    assert any(x is made for x in gc.get_objects(generation=2))
    gc.collect()  # and a full collection still looks at them: nothing is kept from it
    assert gc.get_freeze_count() == 0


def test_objects_the_caller_froze_stay_frozen():
    gc.enable()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            _ = [[i] for i in range(100)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
