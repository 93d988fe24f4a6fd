"""One client per site: its own credentials, retry budget and connection pool."""

from __future__ import annotations

import threading
from typing import Callable

from migrate.credentials import Credentials
from migrate.jira.client import JiraClient
from migrate.jira.retry import RetryPolicy
from migrate.jira.throttle import DEFAULT_CONCURRENCY
from migrate.progress import retried
from migrate.sites.config import SiteSpec


def retry_policy_for(spec: SiteSpec) -> RetryPolicy:
    """Each site gets its own retry policy (and so its own budget). Tests replace this to inject a clock."""
    return RetryPolicy()


def make_site_client(spec: SiteSpec, credentials: Credentials) -> JiraClient:
    pool = max(16, 2 * (spec.concurrency or DEFAULT_CONCURRENCY))  # fetch maps projects with 8 threads; apply adds its workers
    return JiraClient(spec.url, credentials, flavour=spec.flavour, retry=retry_policy_for(spec), pool_size=pool)


ClientFactory = Callable[[SiteSpec, Credentials], JiraClient]


class SiteClients:
    """The client factory of a bulk run that keeps every client it made, to count the answers that were
    retried (429s, 5xx, lost connections) across the sites for the progress line; the counts of sites run
    in worker processes are reported to it (`note`)."""

    def __init__(self) -> None:
        self.clients: list[JiraClient] = []
        self._remote: dict[int, int] = {}
        self._lock = threading.Lock()

    def __call__(self, spec: SiteSpec, credentials: Credentials) -> JiraClient:
        client = make_site_client(spec, credentials)
        with self._lock:
            self.clients.append(client)
        return client

    def note(self, worker: int, count: int) -> None:
        # A worker's count only grows, but its progress and its sites' ends are sent from two threads, so an
        # older count can arrive after a newer one.
        with self._lock:
            self._remote[worker] = max(count, self._remote.get(worker, 0))

    def retried(self) -> int:
        with self._lock:
            clients, remote = list(self.clients), sum(self._remote.values())
        return remote + sum(retried(c.stats) for c in clients)
