"""Parsing the permission named in a config line, and its test."""

from __future__ import annotations

ALIASES = {"browse": "BROWSE_PROJECTS", "edit": "EDIT_ISSUES"}


def parse(line: str) -> str:
    name = line.split("=", 1)[1].strip().lower()
    return ALIASES.get(name, name.upper())


def test_parse_maps_the_short_name():
    assert parse("require = browse") == "BROWSE_PROJECTS"
    assert parse("require = edit") == "EDIT_ISSUES"
