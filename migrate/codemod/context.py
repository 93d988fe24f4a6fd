"""Deciding the context (project or issue) of a permission check from what the code says statically.

Never a guess: a context comes from a parameter name the code writes (`issueKey=` in a URL, an `issues`
key beside `permissions` in a check body, an `issue_key=` keyword argument...). Anything else is unknown,
and an unknown context makes the site needs-review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from migrate.codemod.model import ISSUE, PROJECT

ISSUE_NAMES = frozenset({"issuekey", "issueid", "issues", "issueids", "issue_key", "issue_id", "issue_ids", "issueidorkey", "issue_id_or_key"})
PROJECT_NAMES = frozenset(
    {
        "projectkey",
        "projectid",
        "projects",
        "projectids",
        "project_key",
        "project_id",
        "project_ids",
        "projectkeyorid",
        "project_key_or_id",
        "projectidorkey",
    }
)
URL_PARAM = re.compile(r"(?:^|[?&\0])(issueKey|issueId|projectKey|projectId)=", re.I)
# Endpoints whose body holds only `permissions`: the context is the endpoint's.
PROJECT_ENDPOINTS = re.compile(r"/permissions/project\b")
# A project-level check that guards issue data: issue endpoints or JQL in the same function.
ISSUE_DATA = re.compile(r"/rest/(?:api/(?:2|3|latest)/(?:search|issue(?![a-z])|jql)|agile/[^\s'\"`]*/issue)|\bjql\b", re.I)


@dataclass(frozen=True)
class Context:
    value: str | None  # PROJECT | ISSUE | None (unknown)
    why: str  # how it was decided, or why it is unknown


def from_names(names: Iterable[str | None], where: str) -> Context | None:
    """Context from parameter/key names; None when no name says anything."""
    given = sorted({n for n in names if n})
    issue = [n for n in given if n.lower() in ISSUE_NAMES]
    project = [n for n in given if n.lower() in PROJECT_NAMES]
    if issue and project:
        # e.g. {projects: [...], issues: [...]} in one check: issue context covers both
        if {n.lower() for n in issue} <= {"issues", "issueids", "issue_ids"} and {n.lower() for n in project} <= {"projects", "projectids", "project_ids"}:
            return Context(ISSUE, f"{where} checks issues ({', '.join(issue)})")
        return Context(None, f"{where} names both project ({', '.join(project)}) and issue ({', '.join(issue)}) parameters")
    if issue:
        return Context(ISSUE, f"{where} names {', '.join(issue)}")
    if project:
        return Context(PROJECT, f"{where} names {', '.join(project)}")
    return None


def from_url_text(text: str, where: str = "the URL") -> Context | None:
    return from_names((m.group(1) for m in URL_PARAM.finditer(text)), where)


def from_endpoint(text: str) -> Context | None:
    if PROJECT_ENDPOINTS.search(text):
        return Context(PROJECT, "POST /permissions/project lists projects (project context)")
    return None


def issue_data_hint(texts: Iterable[str]) -> str | None:
    for t in texts:
        m = ISSUE_DATA.search(t)
        if m:
            return m.group(0)
    return None
