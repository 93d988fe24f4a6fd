"""Mirror of Jira's browse grants into the wiki's group ACL: who may read the project's issue pages."""

from __future__ import annotations


def issue_reader_groups(scheme: dict) -> set[str]:
    groups: set[str] = set()
    for grant in scheme.get("permissions", []):
        if grant.get("permission") != "BROWSE_PROJECTS":
            continue
        holder = grant.get("holder") or {}
        if holder.get("type") == "group":
            groups.add(holder.get("value") or holder.get("parameter"))
    return groups


def sync(scheme: dict, acl) -> None:
    acl.replace("issue-readers", sorted(issue_reader_groups(scheme)))


class FakeAcl:
    def __init__(self):
        self.entries = {}

    def replace(self, name, groups):
        self.entries[name] = groups


def test_sync_writes_the_groups():
    scheme = {"permissions": [{"permission": "ADMINISTER_PROJECTS", "holder": {"type": "group", "parameter": "admins"}}]}
    acl = FakeAcl()
    sync(scheme, acl)
    assert acl.entries == {"issue-readers": []}
