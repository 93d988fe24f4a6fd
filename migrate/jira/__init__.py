"""The Jira REST client and its retry policy."""

from migrate.jira.client import JiraClient, normalise_site_url
from migrate.jira.retry import RetryPolicy

__all__ = ["JiraClient", "RetryPolicy", "normalise_site_url"]
