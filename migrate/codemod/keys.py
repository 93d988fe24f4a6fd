"""The spellings of the key the codemod reports, and the cheap test every file passes before the regexes.

A leaf module (the standard library only), so the walk and its prefilter can ask "could this file hold the
key?" without importing the parser.
"""

from __future__ import annotations

import re

from typing import Any

# The regexes below are compiled on first use (see __getattr__): the walk and its prefilter import this
# module to start ripgrep as early as they can, and need only LITERALS until a file holds one.
_PATTERNS = {
    # An occurrence of a key: not inside a longer identifier; `%2C` before it still counts (encoded comma lists).
    "OCC_RE": (r"(?:(?<![A-Za-z0-9_$])|(?<=%2[cC]))(BROWSE_PROJECTS|BROWSE)(?![A-Za-z0-9_])", 0),
    "NEW_OCC_RE": (r"(?:(?<![A-Za-z0-9_$])|(?<=%2[cC]))(VIEW_PROJECTS|VIEW_ISSUES)(?![A-Za-z0-9_])", 0),
    # Other spellings of the same permission, never rewritten but always reported: lower or mixed case keys
    # (Connect accepts them), the display name (JQL's projectsWhereUserHasPermission takes it), and the short
    # name `browse` where a permission is named (older Connect descriptors). The exact upper-case forms are OCC_RE's.
    "VARIANT_RE": (
        r"(?:(?<![A-Za-z0-9_$])|(?<=%2[cC]))(browse_projects|browse\s+projects)(?![A-Za-z0-9_])"
        r"|permissions?[\"']?\s*[:=]>?\s*[\"']?(browse)(?![A-Za-z0-9_])",
        re.I,
    ),
}
# Text that must be in a file for VARIANT_RE to be tried (a cheap test before the regex).
VARIANT_HINT = "rowse"
# Every file the codemod reports anything in holds one of these (mentions_key below asks for one of them
# first), so a plain substring search for them never misses such a file: the walk's prefilter uses them.
LITERALS = ("BROWSE", VARIANT_HINT)


def __getattr__(name: str) -> Any:
    if name not in _PATTERNS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    rx = globals()[name] = re.compile(*_PATTERNS[name])
    return rx


def mentions_key(source: str) -> bool:
    """Could this source hold any spelling of the key? The engine analyses only sources that pass."""
    if "BROWSE" in source:
        return True
    return VARIANT_HINT in source and (globals().get("VARIANT_RE") or __getattr__("VARIANT_RE")).search(source) is not None
