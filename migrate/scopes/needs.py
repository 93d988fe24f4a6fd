"""What a declared scope list grants, and what an operation needs of it.

Connect (official "Scopes for Connect apps"): scope names are case-insensitive; READ, WRITE, DELETE,
PROJECT_ADMIN and ADMIN are cumulative (each implies the ones before it, and all imply NONE, which never
needs declaring); ACT_AS_USER and ACCESS_EMAIL_ADDRESSES stand alone. INACCESSIBLE in the operation table
means no Connect scope reaches the operation.

Forge / OAuth 2.0: the table lists, per operation, its classic scopes and its granular scopes. The
OpenAPI document gives them as two entries of `x-atlassian-oauth2-scopes` (state Current = classic, Beta =
granular), and the official operation pages print them as "Classic: ..." and "Granular: ...". Our reading:
each entry is one alternative that needs *all* of its scopes, and an app holding *either* alternative in
full may call the operation. An empty entry is no alternative. When both are empty the document names no
OAuth scope for the operation, and the audit says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

CHAIN = ("NONE", "READ", "WRITE", "DELETE", "PROJECT_ADMIN", "ADMIN")
STANDALONE = ("ACT_AS_USER", "ACCESS_EMAIL_ADDRESSES")
CONNECT_SCOPES = CHAIN + STANDALONE
INACCESSIBLE = "INACCESSIBLE"
ACT_AS_USER, ACCESS_EMAIL_ADDRESSES = STANDALONE


def level(scope: str) -> int | None:
    """The position of a cumulative Connect scope (NONE = 0 ... ADMIN = 5), None for the others."""
    s = scope.upper()
    return CHAIN.index(s) if s in CHAIN else None


def connect_grants(declared: Iterable[str]) -> frozenset[str]:
    """Every Connect scope a declared list grants (upper case), implied ones included."""
    out = {"NONE"}
    for d in declared:
        s = d.upper()
        lv = level(s)
        if lv is not None:
            out.update(CHAIN[: lv + 1])
        elif s in STANDALONE:
            out.add(s)
    return frozenset(out)


def connect_satisfied(required: str, declared: Iterable[str]) -> bool:
    req = required.upper()
    return req != INACCESSIBLE and req in connect_grants(declared)


@dataclass(frozen=True)
class ForgeNeed:
    """An operation's OAuth 2.0 scopes: all of `classic`, or all of `granular`."""

    classic: frozenset[str]
    granular: frozenset[str]

    @property
    def alternatives(self) -> tuple[frozenset[str], ...]:
        return tuple(a for a in (self.classic, self.granular) if a)

    @property
    def empty(self) -> bool:
        return not self.classic and not self.granular

    @property
    def scopes(self) -> frozenset[str]:
        return self.classic | self.granular

    def satisfying(self, declared: frozenset[str]) -> tuple[frozenset[str], ...]:
        """The alternatives the declared scopes hold in full."""
        return tuple(a for a in self.alternatives if a <= declared)

    def satisfied(self, declared: frozenset[str]) -> bool:
        return bool(self.satisfying(declared))

    def to_add(self, declared: frozenset[str], granular_style: bool) -> frozenset[str]:
        """The alternative to complete when none is held: the manifest's own style (classic unless it
        declares only granular Jira scopes), or the only alternative there is."""
        first, second = (self.granular, self.classic) if granular_style else (self.classic, self.granular)
        return first if first else second
