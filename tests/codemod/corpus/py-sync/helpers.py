"""A helper that reads one key from any mypermissions payload, used by the checks below."""

from __future__ import annotations


def has(perms: dict, key: str) -> bool:
    return bool(perms.get("permissions", {}).get(key, {}).get("havePermission"))


def can_browse(session, project_key: str) -> bool:
    url = f"/rest/api/3/mypermissions?projectKey={project_key}&permissions=BROWSE_PROJECTS"
    perms = session.get(url).json()
    return has(perms, "BROWSE_PROJECTS")


def test_has_reads_a_missing_key_as_false():
    assert has({"permissions": {}}, "ADMINISTER_PROJECTS") is False
