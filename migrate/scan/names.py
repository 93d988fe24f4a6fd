"""How BROWSE_PROJECTS is named in each place a site can refer to it, and nothing else.

Precision first: a spelling counts only when it can mean nothing but Browse Projects. The key and the
display name in any case, with spaces, underscores or hyphens (``BROWSE_PROJECTS``, ``Browse Projects``,
`` browse_projects``); the short name ``browse`` where Jira uses short names (workflow properties, older
Data Center conditions, REFERENCE.md §10); the legacy numeric id 10 only in an older Data Center
``permission`` argument, where ids were stored.
"""

from __future__ import annotations

import re

SOURCE = "BROWSE_PROJECTS"
TARGET_ISSUES = "VIEW_ISSUES"
TARGET_PROJECTS = "VIEW_PROJECTS"
DISPLAY = "Browse Projects"

_SEPARATORS = re.compile(r"[\s_\-]+")


def _norm(value: str) -> str:
    return _SEPARATORS.sub("", value.strip().lower())


def is_key_or_name(value: object) -> bool:
    """The key or the display name, however spaced or cased."""
    return isinstance(value, str) and _norm(value) == "browseprojects"


def is_short_name(value: object) -> bool:
    """The key, the display name, or Jira's short name ``browse``."""
    return isinstance(value, str) and _norm(value) in ("browseprojects", "browse")


def is_legacy_permission_arg(value: object) -> bool:
    """An older Data Center ``<arg name="permission">``: a name, a short name, or the numeric id 10."""
    return is_short_name(value) or (isinstance(value, str) and value.strip() == "10")


def mentions(text: object) -> bool:
    """Free text (an app rule's configuration) naming the key or display name anywhere."""
    return isinstance(text, str) and re.search(r"browse[\s_\-]*projects", text, re.IGNORECASE) is not None


PROPERTY = re.compile(r"^jira\.permission\.(?P<subtasks>subtasks\.)?(?P<perm>[^.]+)\.(?P<grant>[^.]+)(?:\.(?P<suffix>.+))?$",
                      re.IGNORECASE)


def browse_property(key: object) -> re.Match | None:
    """``jira.permission[.subtasks].browse.{grantType}[.suffix]`` (REFERENCE.md §10), else None."""
    if not isinstance(key, str):
        return None
    m = PROPERTY.match(key.strip())
    return m if m and is_short_name(m.group("perm")) else None


def replace_in_list(csv: str) -> str:
    """A comma-separated key list with BROWSE_PROJECTS replaced by VIEW_ISSUES, order kept, no duplicates."""
    out: list[str] = []
    for part in csv.split(","):
        key = TARGET_ISSUES if is_key_or_name(part) else part.strip()
        if key and key not in out:
            out.append(key)
    return ",".join(out)
