"""Weekly audit: which permission schemes still grant the browse permission family."""

from __future__ import annotations

SCHEMES = [
    {"name": "Default", "permissions": [{"holder": {"type": "anyone"}, "permission": "BROWSE_PROJECTS"}]},
    {"name": "Locked", "permissions": [{"holder": {"type": "group", "parameter": "admins"}, "permission": "ADMINISTER_PROJECTS"}]},
]


def report_schemes_using_browse(schemes: list[dict]) -> list[str]:
    return [s["name"] for s in schemes if any(g["permission"] == "BROWSE_PROJECTS" for g in s["permissions"])]


def test_report_names_the_default_scheme():
    assert report_schemes_using_browse(SCHEMES) == ["Default"]
