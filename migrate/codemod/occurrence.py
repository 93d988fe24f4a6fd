"""The types every rule module shares: an occurrence of a key, a rule's outcome, a permission request found
in the file, and the per-file context the engine hands to the rules.

A leaf of the codemod's import graph (it imports only the syntax view, the keys and the model): the engine imports the
rules, the rules import this module, and nothing here imports back up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ast_grep_py import SgNode

from migrate.codemod.keys import NEW_OCC_RE, OCC_RE, VARIANT_HINT, VARIANT_RE  # noqa: F401 - shared with the rules
from migrate.codemod.syntax import Syntax

# Text an assertion needs (assert*, expect*, verify*, should*, Go's require.* and t.Error/t.Fatal/t.Fail).
ASSERT_HINT = re.compile(r"assert|expect|verify|should|require\.|\bt\.(?:Error|Fatal|Fail)")


@dataclass
class Occ:
    start: int
    end: int
    key: str  # BROWSE_PROJECTS | BROWSE | VIEW_PROJECTS | VIEW_ISSUES | a variant spelling as written
    leaf: SgNode
    lit: SgNode | None  # the string literal holding it, if any
    whole: bool = False  # the literal's content is exactly the key (a key literal, not text containing it)
    variant: bool = False  # another spelling (lower case, display name, short name): reported, never rewritten

    @property
    def ident(self) -> bool:
        return self.lit is None


@dataclass
class Outcome:
    rule: str
    classification: str | None  # None: recognised and already migrated (no finding)
    message: str = ""
    anchor: tuple[int, int] = (0, 0)
    edits: tuple = ()
    context: str | None = None
    # Whether the site is part of a request/response flow (requests, their reads, filters, constants, mocks,
    # assertions): such sites change together or not at all. Grants, Connect conditions and prose are not.
    flow: bool = True
    links: tuple[int, ...] = ()  # offsets of other sites this one is bound to (a read's requests)


@dataclass(frozen=True)
class RequestSite:
    """A permission request (check) found in the file, with its statically known context (or None)."""

    span: tuple[int, int]
    scope: tuple[int, int]
    context: str | None
    body: bool = False  # a POST /permissions/check style body (its response is a list of {permission, ...})
    why: str = ""  # why the context is unknown (when it is)


@dataclass
class FileCtx:
    path: str
    lang: str
    src: str
    syn: Syntax
    occs: list[Occ] = field(default_factory=list)
    new_occs: list[Occ] = field(default_factory=list)
    variants: list[Occ] = field(default_factory=list)
    # finds the permission requests of a file; the engine passes the rules' finder in (no import back up)
    find_requests: Callable[["FileCtx"], list[RequestSite]] | None = None
    _requests: list[RequestSite] | None = None
    embedded: bool = False
    # analyse(lang, source) for JSON held in a string literal; the engine passes itself in (no import back up)
    analyse_embedded: Callable[[str, str], list[Outcome]] | None = None
    _may_assert: bool | None = None

    @property
    def requests(self) -> list[RequestSite]:
        """Every permission request in the file (found on first use: most files never ask)."""
        if self._requests is None:
            self._requests = self.find_requests(self) if self.find_requests is not None else []
        return self._requests

    @property
    def may_assert(self) -> bool:
        """Whether the file can hold an assertion at all (a cheap text test before walking the tree)."""
        if self._may_assert is None:
            self._may_assert = ASSERT_HINT.search(self.src) is not None
        return self._may_assert

    @property
    def imports_dc_api(self) -> bool:
        return bool(re.search(r"^\s*import\s+(?:static\s+)?com\.atlassian\.jira\.", self.src, re.M))

    def line_of(self, offset: int) -> int:
        return self.src.count("\n", 0, offset) + 1


def find_occurrences(syn: Syntax, regex: re.Pattern) -> list[Occ]:
    out = []
    src = syn.src
    for m in regex.finditer(src):
        s, e = m.span(1)
        occ = _occ_at(syn, s, e, m.group(1))
        if occ is not None:
            out.append(occ)
    return out


def find_variants(syn: Syntax) -> list[Occ]:
    """Other spellings of BROWSE_PROJECTS inside string literals (keys are strings; an identifier such as a
    function named browse_projects is not a permission)."""
    out = []
    for m in VARIANT_RE.finditer(syn.src):
        g = 1 if m.group(1) is not None else 2
        s, e = m.span(g)
        text = m.group(g)
        if text in ("BROWSE_PROJECTS", "BROWSE"):
            continue  # the exact keys: OCC_RE's
        occ = _occ_at(syn, s, e, text)
        if occ is None or occ.lit is None:
            continue
        occ.variant = True
        out.append(occ)
    return out


def _occ_at(syn: Syntax, s: int, e: int, key: str) -> Occ | None:
    leaf = syn.node_at(s, e)
    # comments are leaves, or hold their parts one or two levels down (doc comments): no need to climb further
    p = leaf.parent()
    if syn.is_comment(leaf) or (p is not None and (syn.is_comment(p) or (p.parent() is not None and syn.is_comment(p.parent())))):
        return None
    lit = syn.literal_of(leaf)
    if lit is not None and syn.is_docstring(lit):
        return None
    occ = Occ(s, e, key, leaf, lit)
    if lit is not None:
        cs, ce = syn.content_span(lit)
        occ.whole = (cs, ce) == (s, e)
    return occ
