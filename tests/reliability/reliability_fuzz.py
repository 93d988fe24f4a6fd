"""Strategies and oracles for fuzzing the tool's inputs (plan files, sites files, rule files, REST bodies).

The oracle is the same everywhere: an input either loads, or raises the loader's MigrateError subclass
with a non-empty message. Any other exception is a crash the user would see as "internal error" (or a
traceback from the library), and is a bug.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from typing import Any, Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from migrate.errors import MigrateError
from migrate.model import Grant, PermissionInfo, Scheme, SiteInfo
from migrate.plan import make_plan
from migrate.planfile import checksum_of, encode_plan_doc, plan_to_json
from migrate.rules import BROWSE_SPLIT

# ------------------------------------------------------------------------------------------- running


def run_examples(size: int, strategy, check: Callable[[Any], None], *, quick: bool) -> None:
    """Run `check` over `size` examples of `strategy`. The quick (always-on) variant is derandomised so the
    default test run is reproducible; the long variant explores new inputs every time."""

    @settings(
        max_examples=size,
        deadline=None,
        database=None,  # no .hypothesis/ directory: these tests assert that nothing is written
        derandomize=quick,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    def inner(x):
        check(x)

    from hypothesis import given

    TALLY.clear()
    given(strategy)(inner)()
    import inspect

    caller = inspect.stack()[1].function
    print(f"\nFUZZ {caller} examples={size} loaded={TALLY['loaded']} clear_errors={TALLY['clear_error']} crashes=0 writes=0")


TALLY: Counter = Counter()  # outcomes of every fuzz example, printed by the tests as FUZZ lines


def outcome(fn: Callable[[], Any], expected: type[MigrateError]) -> tuple[str, Any]:
    """("ok", value) or ("error", exc) for the expected error class; anything else propagates."""
    try:
        v = fn()
        TALLY["loaded"] += 1
        return "ok", v
    except expected as e:
        TALLY["clear_error"] += 1
        assert isinstance(e.message, str) and e.message.strip(), f"empty error message from {type(e).__name__}"
        assert "Traceback (most recent call last)" not in str(e)
        return "error", e
    except MigrateError as e:  # a clear error, but not the class this loader promises
        raise AssertionError(f"{type(e).__name__} (expected {expected.__name__}): {e}") from e


# ------------------------------------------------------------------------------------------- values

# Values that broke parsers elsewhere: unicode digits int() refuses, more digits than int() converts,
# lone surrogates that cannot be encoded, NUL, path traversal, huge and non-finite numbers.
HOSTILE_SCALARS = [
    None, True, False, 0, -1, 2**63, -(2**63) - 1, 10**30, 1e308, -0.0, float("inf"), float("-inf"),
    "", " ", "0", "-1", "--1", "²", "١٢", "1e5", "0x10", "\ud800", "\x00", "\u202e", "../../etc/passwd",
    "a" * 300, "null", "[]", "{}", "sha256:", "migrate-plan", "add", "remove", "finish",
]
KEYS = [
    "kind", "format_version", "checksum", "site", "url", "base_url", "rule", "name", "source", "targets",
    "policy", "mode", "changes", "scheme_id", "scheme_name", "fingerprint", "before", "operations", "action",
    "permission", "holder", "type", "parameter", "value", "grant_id", "id", "permissions", "unchanged",
    "missing_keys", "notes", "projects", "projects_mapped", "permissionSchemes", "values", "isLast",
    "havePermission", "key", "errorMessages", "errors", "scope", "expand", "self",
]

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12),
    st.sampled_from(HOSTILE_SCALARS),
)
json_values = st.recursive(
    json_scalars,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), c, max_size=4),
    max_leaves=12,
)


def _containers(doc: Any, out: list) -> list:
    if isinstance(doc, dict):
        for k in list(doc):
            out.append((doc, k))
            _containers(doc[k], out)
    elif isinstance(doc, list):
        for i in range(len(doc)):
            out.append((doc, i))
            _containers(doc[i], out)
    return out


@st.composite
def mutated(draw, base: Any, max_mutations: int = 3):
    """`base` (a JSON document) with 1..max_mutations structural edits: replace a node with any JSON value,
    delete a key / item, add a key, swap two nodes' values, or duplicate a list item."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_mutations))):
        spots = _containers(doc, [])
        if not spots:
            return draw(json_values)
        parent, key = draw(st.sampled_from(spots))
        op = draw(st.sampled_from(("replace", "replace", "delete", "add", "swap", "dup")))
        if op == "replace":
            parent[key] = draw(json_values)
        elif op == "delete":
            del parent[key]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS) | st.text(max_size=6))] = draw(json_values)
        elif op == "swap":
            p2, k2 = draw(st.sampled_from(spots))
            try:
                parent[key], p2[k2] = copy.deepcopy(p2[k2]), copy.deepcopy(parent[key])
            except (KeyError, IndexError):
                pass
        elif op == "dup" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return doc


# ------------------------------------------------------------------------------------------- valid bases


def sample_schemes_json(n: int = 3, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    out = []
    gid = 10000
    for s in range(n):
        grants = []
        holders = [
            {"type": "group", "parameter": "jira-users", "value": f"grp-{s}",
             "group": {"name": "jira-users", "groupId": f"grp-{s}"}},
            {"type": "projectRole", "parameter": "10003", "value": "10003",
             "projectRole": {"id": 10003, "name": "atlassian-addons-project-access"}},
            {"type": "reporter"},
            {"type": "applicationRole"},
            {"type": "user", "parameter": f"acc-{s}", "value": f"acc-{s}"},
        ]
        for h in holders:
            grants.append({"id": gid, "permission": "BROWSE_PROJECTS", "holder": h})
            gid += 1
        for perm in ("CREATE_ISSUES", "EDIT_ISSUES") + (("VIEW_ISSUES",) if rng.random() < 0.5 else ()):
            grants.append({"id": gid, "permission": perm, "holder": holders[0]})
            gid += 1
        out.append({"id": 10000 + s, "name": f"Scheme {s} — é", "description": "d", "permissions": grants})
    return out


def sample_site_info() -> SiteInfo:
    keys = ("BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES", "CREATE_ISSUES", "EDIT_ISSUES")
    return SiteInfo(url="http://127.0.0.1:9", base_url="http://127.0.0.1:9", deployment_type="Cloud",
                    version="1001.0.0", server_title="Fuzz", api_version="3",
                    permissions={k: PermissionInfo(k, k, "PROJECT") for k in keys})


def valid_plan_doc(mode: str = "finish") -> dict:
    schemes = [Scheme.from_json(d) for d in sample_schemes_json()]
    if mode == "finish":  # made once the add plan is applied: its after-state is what the site holds
        add = make_plan(schemes, BROWSE_SPLIT, sample_site_info(), mode="add")
        ids = iter(range(900_000, 10**7))
        after = {c.scheme_id: tuple(g if g.id is not None else Grant(g.permission, g.holder, next(ids)) for g in c.after()) for c in add.changes}
        schemes = [Scheme(s.id, s.name, after.get(s.id, s.grants)) for s in schemes]
    plan = make_plan(schemes, BROWSE_SPLIT, sample_site_info(), mode=mode, created_at="2026-01-01T00:00:00+00:00")
    return plan_to_json(plan)


def reseal(doc: Any) -> Any:
    """Recompute a mutated plan's checksum, so the mutation reaches the checks behind the checksum gate
    (anyone can recompute a sha256: the checksum catches accidents, not attackers)."""
    if isinstance(doc, dict):
        try:
            doc["checksum"] = checksum_of(doc)
        except Exception:  # noqa: BLE001 - an unencodable doc keeps its old checksum; load_plan must still cope
            pass
    return doc


def sealed(doc: Any) -> bytes:
    """A mutated plan document written as `migrate plan` lays a file out, with a fresh checksum over its
    bytes, so the mutation reaches the checks behind the checksum gate; what cannot be laid out (not an
    object, unencodable text) is written as plain JSON and must be refused cleanly all the same."""
    if isinstance(doc, dict) and str(doc.get("format_version", "")).startswith("2"):
        try:
            return encode_plan_doc(doc)
        except Exception:  # noqa: BLE001 - unencodable: the plain JSON below still has to be refused cleanly
            pass
    return dump_json(reseal(doc))


def dump_json(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=True, allow_nan=True).encode("ascii")


# ------------------------------------------------------------------------------------------- TOML text

TOML_TOKENS = [
    "[", "]", "[[", "]]", "=", '"', "'", '"""', "\n", ",", "{", "}", ".", "#", "true", "1", "-1", "1e400",
    "nan", "inf", "site", "defaults", "name", "url", "rule", "include", "exclude", "concurrency", "mode",
    "flavour", "email_env", "token_env", "bearer_env", "policy", "targets", "source", "http://", "https://",
    "localhost", "\\u0000", "\\ud800", "é", " ", "[::1", ":99999", "²", "1979-05-27T07:32:00Z",
]


@st.composite
def mutated_text(draw, base: str, max_edits: int = 4):
    s = base
    for _ in range(draw(st.integers(1, max_edits))):
        i = draw(st.integers(0, len(s)))
        j = min(len(s), i + draw(st.integers(0, 12)))
        tok = draw(st.sampled_from(TOML_TOKENS) | st.text(max_size=5))
        op = draw(st.sampled_from(("insert", "delete", "replace")))
        if op == "insert":
            s = s[:i] + tok + s[i:]
        elif op == "delete":
            s = s[:i] + s[j:]
        else:
            s = s[:i] + tok + s[j:]
    return s


toml_scalar = st.one_of(
    st.integers().map(str),
    st.text(max_size=15).map(json.dumps),  # JSON string escapes are valid TOML basic strings
    st.sampled_from(['"²"', '"--1"', '"http://[::1"', '"http://localhost:99999"', '"https://a:b"', "1" * 5000,
                     "nan", "inf", "-0", "true", "false", '""', "1979-05-27T07:32:00Z", "07:32:00", "1e400",
                     '"cloud"', '"dc"', '"add"', '"finish"', '"https://acme.atlassian.net"', '"JIRA_TOKEN"',
                     '"ATATT3xFfGF0abcdefghijklmnop"', '"a@b.c"', '"VIEW_ISSUES"', '"BROWSE_PROJECTS"',
                     '"browse-split"', '"./rule.toml"', '"."', '"/"', '"reporter"', '"issue-scoped"']),
)
toml_value = st.recursive(
    toml_scalar,
    lambda c: st.lists(c, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]")
    | st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), c, max_size=3).map(
        lambda d: "{" + ", ".join(f"{k} = {v}" for k, v in d.items()) + "}"
    ),
    max_leaves=6,
)
