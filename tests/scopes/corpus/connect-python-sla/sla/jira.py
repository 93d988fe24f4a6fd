"""Talks to the Jira site an installation belongs to (JWT-signed requests, see auth.py)."""

from __future__ import annotations

import requests

from sla.auth import signed_session

API = "/rest/api/3"


class Jira:
    def __init__(self, installation):
        self.base_url = installation.base_url
        self.session = signed_session(installation)

    def breaching(self, project_key: str) -> list[dict]:
        jql = f'project = "{project_key}" AND "Time to resolution" = breached()'
        r = self.session.get(f"{self.base_url}/rest/api/3/search/jql", params={"jql": jql, "fields": "summary,assignee"})
        r.raise_for_status()
        return r.json()["issues"]

    def assignee_email(self, account_id: str) -> str | None:
        r = self.session.get(self.base_url + API + "/user/email", params={"accountId": account_id})
        return r.json().get("email") if r.ok else None

    def drop_reminder(self, issue_key: str, comment_id: str) -> None:
        url = f"{self.base_url}/rest/api/3/issue/{issue_key}/comment/{comment_id}"
        requests.delete(url, auth=self.session.auth, timeout=10)

    def touch(self, method: str, issue_key: str, **kwargs):
        """GET, PUT or DELETE the issue, whatever the rule asks for."""
        return self._call(method, f"{self.base_url}/rest/api/3/issue/{issue_key}", **kwargs)

    def _call(self, method, url, **kwargs):
        return self.session.request(method, url, timeout=10, **kwargs)
