"""The Cloud operation table: every Jira Cloud platform REST operation and the scopes it needs.

`cloud-operation-scopes.json` beside this module is a vendored copy of the shared API notes' table
(extracted from the official OpenAPI document: `x-atlassian-connect-scope`, `x-atlassian-oauth2-scopes`
with state Current = classic and Beta = granular, `x-atlassian-data-security-policy`, `deprecated`). A test
fails when the shared original changes and this copy was not refreshed.

The table is read on first use and cached: one `json.loads` of ~200 kB and an index by path shape.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

DATA_FILE = "cloud-operation-scopes.json"
PARAM_RE = re.compile(r"^\{[^{}/]+\}$")
END = ""  # trie key of a complete shape (no path segment is empty)


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str  # the table's template: /rest/api/3/issue/{issueIdOrKey}
    operation_id: str
    connect_scope: str  # NONE READ WRITE DELETE PROJECT_ADMIN ADMIN ACT_AS_USER ACCESS_EMAIL_ADDRESSES INACCESSIBLE
    oauth_classic: tuple[str, ...]  # all of these (one alternative)...
    oauth_granular: tuple[str, ...]  # ...or all of these (the other)
    app_access_rule_exempt: bool
    deprecated: bool

    @property
    def label(self) -> str:
        return f"{self.method} {self.path} ({self.operation_id})"


Shape = tuple[str | None, ...]  # path segments; None where the template has a parameter


def shape_of(path: str) -> Shape:
    return tuple(None if PARAM_RE.match(s) else s for s in path.strip("/").split("/"))


@dataclass(frozen=True)
class Table:
    source: str  # which OpenAPI document the table was extracted from
    operations: tuple[Operation, ...]
    by_shape: dict[Shape, dict[str, Operation]]  # shape -> method -> operation
    shapes_by_length: dict[int, tuple[Shape, ...]]
    trie: dict  # segment (None = parameter) -> subtrie; the key END holds the shape ending there
    classic_scopes: frozenset[str]
    granular_scopes: frozenset[str]

    @property
    def oauth_scopes(self) -> frozenset[str]:
        return self.classic_scopes | self.granular_scopes


def parse(doc: dict) -> Table:
    ops = tuple(
        Operation(
            method=o["method"].upper(),
            path=o["path"],
            operation_id=o["operationId"],
            connect_scope=o["connect_scope"].upper(),
            oauth_classic=tuple(o["oauth_classic"]),
            oauth_granular=tuple(o["oauth_granular"]),
            app_access_rule_exempt=bool(o["app_access_rule_exempt"]),
            deprecated=bool(o["deprecated"]),
        )
        for o in doc["operations"]
    )
    by_shape: dict[Shape, dict[str, Operation]] = {}
    for op in ops:
        methods = by_shape.setdefault(shape_of(op.path), {})
        if op.method in methods:  # two templates that differ only in parameter names, same method
            raise ValueError(f"operation table: {op.method} {op.path} duplicates {methods[op.method].path}")
        methods[op.method] = op
    lengths: dict[int, list[Shape]] = {}
    trie: dict = {}
    for shape in by_shape:
        lengths.setdefault(len(shape), []).append(shape)
        node = trie
        for seg in shape:
            node = node.setdefault(seg, {})
        node[END] = shape
    return Table(
        source=doc.get("source", ""),
        operations=ops,
        by_shape=by_shape,
        shapes_by_length={n: tuple(v) for n, v in lengths.items()},
        trie=trie,
        classic_scopes=frozenset(s for op in ops for s in op.oauth_classic),
        granular_scopes=frozenset(s for op in ops for s in op.oauth_granular),
    )


@functools.cache
def table() -> Table:
    """The vendored table, parsed once per process."""
    raw = resources.files("migrate.scopes").joinpath(DATA_FILE).read_bytes()
    return parse(json.loads(raw))
