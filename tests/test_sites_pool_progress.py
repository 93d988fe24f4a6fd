"""What a worker process of a bulk run tells its parent about progress (migrate.sites.pool): the latest
count of every site and stage that moved, batched; a site's end at once."""

from __future__ import annotations

import queue

import pytest

from migrate.sites.pool import _RemoteProgress


class Clients:
    def __init__(self) -> None:
        self.n = 0

    def retried(self) -> int:
        return self.n


def drain(q: queue.Queue) -> list:
    out = []
    while not q.empty():
        out.append(q.get_nowait())
    return out


# (reports as (site, stage, done, total) or ("finish", site), the counts the one batch sends)
BATCHES = [
    pytest.param([("a", "apply", i, 100) for i in range(1, 101)], [("a", "apply", 100, 100)], id="latest-count-only"),
    pytest.param(
        [("a", "apply", 1, 10), ("b", "snapshot", 1, 1), ("b", "apply", 3, 50), ("a", "apply", 2, 10)],
        [("a", "apply", 2, 10), ("b", "snapshot", 1, 1), ("b", "apply", 3, 50)],
        id="every-site-and-stage",
    ),
    pytest.param(
        [("a", "apply", 10, 10), ("a", "verify", 0, 5)],
        [("a", "apply", 10, 10), ("a", "verify", 0, 5)],
        id="a-stage-change-keeps-the-last-count-of-the-stage-before",
    ),
    pytest.param([("a", "apply", 5, 10), ("finish", "a"), ("b", "apply", 1, 2)], [("b", "apply", 1, 2)], id="an-ended-site-is-not-sent"),
    pytest.param([], None, id="nothing-moved-nothing-sent"),
]


@pytest.mark.parametrize("reports, batch", BATCHES)
def test_a_worker_sends_what_moved_in_one_message(reports, batch):
    out: queue.Queue = queue.Queue()
    clients = Clients()
    progress = _RemoteProgress(out, 3, clients)  # not started: nothing goes before close
    for r in reports:
        if r[0] == "finish":
            progress.finish(r[1])
        else:
            progress.for_site(r[0])(*r[1:])
    clients.n = 7
    progress.close()
    sent = [m for m in drain(out) if m[0] == "progress"]
    assert sent == ([] if batch is None else [("progress", 3, 7, batch)])


def test_a_sites_end_goes_at_once_with_the_retried_count():
    out: queue.Queue = queue.Queue()
    clients = Clients()
    progress = _RemoteProgress(out, 1, clients)
    clients.n = 2
    progress.finish("a")
    assert drain(out) == [("finish", "a", 1, 2)]


def test_the_sending_thread_sends_while_the_sites_run():
    out: queue.Queue = queue.Queue()
    progress = _RemoteProgress(out, 0, Clients())
    progress.start()
    try:
        progress.for_site("a")("apply", 4, 8)
        assert out.get(timeout=30) == ("progress", 0, 0, [("a", "apply", 4, 8)])
    finally:
        progress.close()


def test_an_older_retried_count_arriving_late_does_not_lower_the_sum():
    # a worker's progress thread and its sites' ends both send its count; the queue can deliver them out of order
    from migrate.sites.clients import SiteClients

    clients = SiteClients()
    clients.note(0, 5)
    clients.note(1, 2)
    clients.note(0, 3)  # sent before the 5, delivered after it
    assert clients.retried() == 7
