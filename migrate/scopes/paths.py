"""From the URL text a call builds to the operations it can reach.

The URL text comes from the source with every run-time piece replaced by DYNAMIC (a NUL character, as the
codemod masks interpolations). Only the part from `rest/` on matters: a base URL before it (`${baseUrl}`,
`https://x.atlassian.net`, `api.atlassian.com/ex/jira/{cloudId}`) is dropped, and so is the query string.

- `/rest/api/2/`, `/rest/api/3/` and `/rest/api/latest/` are the same operations (the table's v3 paths).
- A path segment is a parameter when any part of it is run-time (`${key}`, `" + key + "`, `{key}` as in
  f-strings and Spring URI templates, `%s` in format strings, `:key`): it matches only a template
  parameter, never a literal such as `createmeta`, because the value is not known.
- Where several templates match, the one with literals in the earliest positions wins, as OpenAPI path
  matching prefers concrete paths over templated ones (`/issue/createmeta` over `/issue/{issueIdOrKey}`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migrate.scopes.operations import END, Operation, Shape, Table

DYNAMIC = "\0"
# `rest/` as a path start: after a slash, a run-time piece or the beginning of the text.
REST_RE = re.compile(r"(?:(?<=/)|(?<=\0)|^)rest/")
PLATFORM_VERSION_RE = re.compile(r"^api/(?:2|3|latest)(?=/|$)")
# A segment that is a placeholder even without a run-time piece in the source text.
PLACEHOLDER_RE = re.compile(r"\{[^{}/]*\}|%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?[sdvqxXfiu]|^:[A-Za-z_]\w*$|^\$[A-Za-z_]\w*$")
# Families of the table (first two segments after rest/); anything else under rest/ is another Jira API.
TABLE_FAMILIES = ("api/3", "atlassian-connect/1", "forge/1", "internal/api")
CONFLUENCE_BEFORE_RE = re.compile(r"(?:wiki/|/ex/confluence/[^/]*/)$")
DOCS_BEFORE_RE = re.compile(r"(?:developer|docs|confluence|support)\.atlassian\.com")
OTHER_NAME_RE = re.compile(r"^[a-z][a-z-]*$")
VERSION_RE = re.compile(r"^(?:\d+(?:\.\d+)*|latest)$")


@dataclass(frozen=True)
class ApiPath:
    """A Jira REST path as a call builds it."""

    segments: tuple[str | None, ...]  # from "rest" on; None where the value is known only at run time
    family: str  # "platform" (the table covers it) or the other API's name ("agile/1.0", "servicedeskapi"...)

    @property
    def display(self) -> str:
        return "/" + "/".join("{}" if s is None else s for s in self.segments)


def parse_url(text: str) -> ApiPath | None:
    """The Jira REST path in a URL text, or None when the text is not a Jira REST URL."""
    for m in REST_RE.finditer(text):
        before = text[: m.start()]
        if CONFLUENCE_BEFORE_RE.search(before) or DOCS_BEFORE_RE.search(before):
            return None  # Confluence's REST API (/wiki/rest/api/...), a link to documentation
        rest = text[m.end() :]
        rest = re.split(r"[?#]", rest, maxsplit=1)[0]
        if PLATFORM_VERSION_RE.match(rest):
            rest = PLATFORM_VERSION_RE.sub("api/3", rest, count=1)
        elif rest.split("/", 1)[0] == "api":
            return None  # /rest/api/content (Confluence), /rest/api/1.0 (Bitbucket Server): not Jira's
        raw = [s for s in rest.split("/") if s != ""]
        if not raw:
            continue
        segments = ("rest",) + tuple(None if (DYNAMIC in s or PLACEHOLDER_RE.search(s)) else s for s in raw)
        head = "/".join(s or "" for s in segments[1:3])
        if any(head == f or head.startswith(f + "/") for f in TABLE_FAMILIES):
            return ApiPath(segments, "platform")
        # another Jira REST API names itself and a version (/rest/agile/1.0, /rest/dev-status/latest) or is
        # the service desk's; anything else under "rest/" (documentation links, other products) is not one
        name, version = (raw + [""])[:2]
        if not (name == "servicedeskapi" or (OTHER_NAME_RE.match(name) and VERSION_RE.match(version))):
            return None
        return ApiPath(segments, _other(segments))
    return None


def _other(segments: tuple[str | None, ...]) -> str:
    if segments[1] == "servicedeskapi":
        return "servicedeskapi"
    return "/".join(s for s in segments[1:3] if s is not None)


@dataclass(frozen=True)
class Match:
    """The operations a path can reach: one shape, every method defined on it."""

    shape: Shape | None
    by_method: dict[str, Operation]

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(self.by_method[m] for m in sorted(self.by_method))


def could_match(path: ApiPath, table: Table) -> bool:
    """Whether some template fits if one run-time part is a fixed name (`/rest/api/3/${resource}/${id}`):
    then the URL is built at run time; otherwise no operation has such a path at all (a typo)."""
    shapes = table.shapes_by_length.get(len(path.segments), ())
    for s in shapes:
        if all(a is None or b is None or a == b for a, b in zip(path.segments, s)):
            if sum(1 for a, b in zip(path.segments, s) if a is None and b is not None) <= 1:
                return True
    return False


def match(path: ApiPath, table: Table) -> Match | None:
    """The best matching shape of the table, or None when no template fits (paths are case-sensitive).

    A walk of the table's trie that tries a literal before a parameter at every segment, so the first
    complete match is the one with literals in the earliest positions."""

    def walk(node: dict, i: int) -> Shape | None:
        if i == len(path.segments):
            return node.get(END)
        seg = path.segments[i]
        if seg is not None and seg in node:
            found = walk(node[seg], i + 1)
            if found is not None:
                return found
        if None in node:
            return walk(node[None], i + 1)
        return None

    best = walk(table.trie, 0)
    return Match(best, table.by_shape[best]) if best is not None else None
