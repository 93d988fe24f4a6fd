"""When two site URLs name the same Jira site.

`localhost`, `127.0.0.1` and `[::1]` all name this machine: a plan made through one and applied through
another is the same site, and keeps the same data folder (journal, snapshot, lock). Everything else is
compared exactly, after normalisation (migrate.jira.client.normalise_site_url).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
CANONICAL_LOOPBACK = "127.0.0.1"


def site_key(url: str) -> str:
    """The URL with a loopback host spelled one way; any other URL unchanged."""
    if not isinstance(url, str) or "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return url
    if host not in LOOPBACK_NAMES:
        return url
    netloc = CANONICAL_LOOPBACK + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))


def same_site(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a == b
    return site_key(a.rstrip("/")) == site_key(b.rstrip("/"))
