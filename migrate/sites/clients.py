"""One client per site: its own credentials, retry budget and connection pool."""

from __future__ import annotations

from typing import Callable

from migrate.credentials import Credentials
from migrate.jira.client import JiraClient
from migrate.jira.retry import RetryPolicy
from migrate.jira.throttle import DEFAULT_CONCURRENCY
from migrate.sites.config import SiteSpec

def retry_policy_for(spec: SiteSpec) -> RetryPolicy:
    """Each site gets its own retry policy (and so its own budget). Tests replace this to inject a clock."""
    return RetryPolicy()


def make_site_client(spec: SiteSpec, credentials: Credentials) -> JiraClient:
    pool = max(16, 2 * (spec.concurrency or DEFAULT_CONCURRENCY))  # fetch maps projects with 8 threads; apply adds its workers
    return JiraClient(spec.url, credentials, flavour=spec.flavour, retry=retry_policy_for(spec), pool_size=pool)


ClientFactory = Callable[[SiteSpec, Credentials], JiraClient]

