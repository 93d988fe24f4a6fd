"""A typed view of the mypermissions answer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Permission:
    have: bool


def parse_permissions(payload: dict) -> dict[str, Permission]:
    return {key: Permission(value["havePermission"]) for key, value in payload["permissions"].items()}


BROWSE_KEY = "BROWSE_PROJECTS"


def can_browse(session, project_key: str) -> bool:
    payload = session.get(f"/rest/api/3/mypermissions?projectKey={project_key}&permissions=BROWSE_PROJECTS").json()
    return parse_permissions(payload)[BROWSE_KEY].have
