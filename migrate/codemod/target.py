"""Which Jira a file's code talks to: Cloud, Data Center / Server, or both, from what the file itself says.

Data Center has no VIEW_PROJECTS / VIEW_ISSUES keys, so code that talks to Data Center is reported, never
rewritten. The signals are the ones Server-era code carries: the Server-only `username=` parameter, a base
URL with the `/jira` context path or the plugin SDK's port 2990, links to Server documentation, and file or
folder names that say Data Center / Server (a `JiraServerConnector`, a `jira_dc` client). Cloud signals are
the v3 REST path, `*.atlassian.net`, Forge's `requestJira`/`@forge/*` and account ids.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

DC_TEXT = [
    (re.compile(r"[?&]username="), "the Server-only username= parameter"),
    (re.compile(r"https?://[^\s'\"`]*:2990\b"), "the plugin SDK's local port 2990"),
    (re.compile(r"/jira/rest/(?:api|agile)/"), "a /jira context path in a REST URL"),
    (re.compile(r"https?://[^\s'\"`/]+(?::\d+)?/jira['\"`/]?(?=['\"`]|$)", re.M), "a base URL with the /jira context path"),
    (re.compile(r"developer\.atlassian\.com/server/jira|docs\.atlassian\.com/(?:software/)?jira(?:/|-)|confluence\.atlassian\.com/(?:adminjiraserver|jiraserver)"), "a link to Jira Server / Data Center documentation"),
]
CLOUD_TEXT = re.compile(r"/rest/api/3/|\.atlassian\.net\b|requestJira|@forge/|\baccountId\b|api\.asUser\(|api\.asApp\(")
WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@dataclass(frozen=True)
class Target:
    dc: str | None  # why the file talks to Data Center / Server, or None
    cloud: str | None  # why it talks to Cloud, or None


def _name_words(path: str) -> str:
    """The words of a file name and its folder, lower case, space separated (JiraServerClient -> jira server client)."""
    parts = re.split(r"[\\/]", path)[-2:]
    parts[-1] = os.path.splitext(parts[-1])[0]
    words = [w.lower() for p in parts for chunk in re.split(r"[^A-Za-z0-9]+", p) for w in WORD_RE.findall(chunk)]
    return " " + " ".join(words) + " "


def dc_name(path: str) -> str | None:
    """A file or folder name that says Data Center / Server (JiraServerClient.java, jira_dc_sync.py...)."""
    w = _name_words(path)
    if re.search(r" (datacenter|data center|onprem|on prem|on premise) ", w):
        return f"its name says it is for Data Center ({path})"
    if " jira server " in w:
        return f"its name says it is for Jira Server ({path})"
    if re.search(r" dc (connector|client|adapter|plugin|sync|api) | jira dc ", w):
        return f"its name says it is a Data Center connector ({path})"
    return None


def of_file(path: str, src: str) -> Target:
    dc = None
    for rx, what in DC_TEXT:
        if rx.search(src):
            dc = f"the file uses {what}"
            break
    if dc is None and not path.startswith("<"):
        dc = dc_name(path)
    m = CLOUD_TEXT.search(src)
    return Target(dc, f"it also calls Jira Cloud ({m.group(0).strip('/')})" if m else None)
