"""Issue visibility before the bot comments on an issue."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse


def can_view_issue(session, issue_key: str) -> bool:
    url = f"/rest/api/3/mypermissions?issueKey={issue_key}&permissions=BROWSE_PROJECTS"
    payload = session.get(url).json()
    return payload["permissions"]["BROWSE_PROJECTS"]["havePermission"]


def comment_if_visible(session, issue_key: str, body: str) -> bool:
    if not can_view_issue(session, issue_key):
        return False
    session.post(f"/rest/api/3/issue/{issue_key}/comment", json={"body": body})
    return True


class _Resp:
    def __init__(self, payload):
        self._payload = payload

    def json(self):
        return self._payload


class FakeJira:
    def __init__(self, held: set[str]):
        self.held = held
        self.posted = []

    def get(self, url):
        keys = parse_qs(urlparse(url).query)["permissions"][0].split(",")
        return _Resp({"permissions": {k: {"havePermission": k in self.held} for k in keys}})

    def post(self, url, json):
        self.posted.append((url, json))


def everything():
    """Every permission key a site can answer, held."""
    return _AllKeys()


class _AllKeys(set):
    def __contains__(self, item):
        return True


def test_visible_issue_gets_the_comment():
    jira = FakeJira(everything())
    assert comment_if_visible(jira, "OPS-1", "hello") is True
    assert jira.posted == [("/rest/api/3/issue/OPS-1/comment", {"body": "hello"})]


def test_hidden_issue_gets_nothing():
    jira = FakeJira(set())
    assert comment_if_visible(jira, "OPS-1", "hello") is False
    assert jira.posted == []
