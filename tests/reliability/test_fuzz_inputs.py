"""Bad input: fuzz the plan-file, sites-file and rule loaders and the REST response parser.

Every input either loads or ends in the loader's own MigrateError (PlanFileError, ConfigError,
InvalidResponseError/JiraError) with a message: never another exception (a traceback, or "internal
error" at the CLI), and never a file written (cwd and MIGRATE_HOME are empty tmp dirs, checked after
every example).

The `quick-*` variants run in the default test run with few, derandomised examples; the `full-*`
variants are marked `reliability` (pytest -m reliability tests/reliability).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from reliability_support import files_under, reliability_sizes
from reliability_fuzz import (
    dump_json,
    json_values,
    mutated,
    mutated_text,
    outcome,
    reseal,
    sealed,
    run_examples,
    sample_schemes_json,
    toml_value,
    valid_plan_doc,
)
from migrate.credentials import Credentials
from migrate.errors import ConfigError, InvalidResponseError, JiraError, PlanFileError
from migrate.jira.client import JiraClient
from migrate.jira.retry import RetryPolicy
from migrate.model import Grant, Holder, Project, Scheme, parse_permissions
from migrate.planfile import load_plan
from migrate.rules import load_rule, resolve_rule
from migrate.sites import load_sites

QUICK, FULL = 60, 1500


class NoWrites:
    """Writes the input under tmp/in, runs the loader with cwd=tmp/work and MIGRATE_HOME=tmp/home, then
    checks neither gained a file."""

    def __init__(self, root: Path):
        self.root = root
        self.inp = root / "in"
        self.inp.mkdir(exist_ok=True)

    def file(self, name: str, data: bytes | str) -> Path:
        p = self.inp / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
        return p

    def check(self) -> None:
        written = files_under(self.root / "work") | files_under(self.root / "home")
        assert not written, f"a loader wrote files: {sorted(written)}"
        extra = files_under(self.inp) - {p.name for p in self.inp.iterdir() if p.is_file()}
        assert not extra, f"a loader wrote next to its input: {sorted(extra)}"


# ------------------------------------------------------------------------------------------- plan files

PLAN_DOC = None


def _plan_doc() -> dict:
    global PLAN_DOC
    if PLAN_DOC is None:
        PLAN_DOC = valid_plan_doc()
    return PLAN_DOC


def plan_inputs():
    base = _plan_doc()
    return st.one_of(
        st.binary(max_size=200),
        json_values.map(dump_json),
        mutated(base).map(sealed),  # past the checksum gate
        mutated(base, 2).map(dump_json),  # stale checksum
        mutated(base["changes"][0]).map(lambda c: sealed({**base, "changes": [c]})),
    )


@reliability_sizes(QUICK, FULL)
def test_fuzz_plan_loader(size, sandboxed_cwd):
    nw = NoWrites(sandboxed_cwd)

    def check(data: bytes):
        p = nw.file("plan.json", data)
        outcome(lambda: load_plan(p), PlanFileError)
        nw.check()

    run_examples(size, plan_inputs(), check, quick=size == QUICK)


def test_valid_plan_still_loads(sandboxed_cwd):
    """The fuzz base is a real plan: if it did not load, every mutation would be rejected trivially."""
    p = NoWrites(sandboxed_cwd).file("plan.json", sealed(_plan_doc()))
    plan = load_plan(p)
    assert plan.changes and any(c.removes for c in plan.changes)


def _hostile_plans() -> dict[str, bytes]:
    base = _plan_doc()
    lone = reseal(json.loads(json.dumps(base)))
    lone["changes"][0]["scheme_name"] = "\ud800"
    lone["checksum"] = base["checksum"]  # cannot be re-sealed: the loader must still refuse it cleanly
    big_id = reseal({**json.loads(json.dumps(base)), "unchanged": [10**5000 // 10**4990]})
    return {
        "empty": b"",
        "bom": b"\xef\xbb\xbf" + dump_json(base),
        "utf16": json.dumps(base).encode("utf-16"),
        "nested-100k": b"[" * 100_000,
        "nested-obj-100k": b'{"a":' * 100_000,
        "int-5000-digits": b'{"kind": "migrate-plan", "format_version": "1.0", "n": ' + b"1" * 5000 + b"}",
        "version-5000-digits": b'{"kind": "migrate-plan", "format_version": "' + b"9" * 5000 + b'.0"}',
        "lone-surrogate-with-checksum": dump_json(lone),
        "nan": b'{"kind": "migrate-plan", "format_version": NaN}',
        "big-but-ok-int": sealed(big_id),
        "null": b"null",
        "a-list": b"[]",
        "dup-keys": b'{"kind": "x", "kind": "migrate-plan", "format_version": "1.0"}',
        "nul-bytes": b"\x00" * 64,
        "huge-string": b'"' + b"a" * 5_000_000 + b'"',
    }


@pytest.mark.parametrize("name", sorted(_hostile_plans()))
def test_hostile_plan_files(name, sandboxed_cwd):
    nw = NoWrites(sandboxed_cwd)
    p = nw.file("plan.json", _hostile_plans()[name])
    outcome(lambda: load_plan(p), PlanFileError)
    nw.check()


def test_plan_loader_refuses_directories_and_missing_files(sandboxed_cwd):
    nw = NoWrites(sandboxed_cwd)
    for target in (nw.inp, nw.inp / "missing.json", Path("/dev/null")):
        kind, _ = outcome(lambda: load_plan(target), PlanFileError)
        assert kind == "error"
    nw.check()


# ------------------------------------------------------------------------------------------- rule files

VALID_RULE_TOML = """\
name = "split"
source = "BROWSE_PROJECTS"
targets = ["VIEW_PROJECTS", "VIEW_ISSUES"]
description = "test"

[policy]
issue-scoped = ["VIEW_ISSUES"]
reporter = ["VIEW_ISSUES", "VIEW_PROJECTS"]
"""
VALID_RULE = {"name": "split", "source": "BROWSE_PROJECTS", "targets": ["VIEW_PROJECTS", "VIEW_ISSUES"],
              "policy": {"issue-scoped": ["VIEW_ISSUES"]}, "description": "x"}
RULE_KEYS = ("name", "source", "targets", "policy", "description", "extra", "issue-scoped", "reporter")


@st.composite
def toml_rule_docs(draw):
    lines = []
    for key in ("name", "source", "targets", "description"):
        if draw(st.integers(0, 9)):
            lines.append(f"{key} = {draw(toml_value) if not draw(st.integers(0, 2)) else _ok(key)}")
    if draw(st.booleans()):
        lines.append(f"{draw(st.sampled_from(RULE_KEYS))} = {draw(toml_value)}")
    if draw(st.booleans()):
        lines.append("[policy]")
        for _ in range(draw(st.integers(0, 3))):
            lines.append(f"{draw(st.sampled_from(RULE_KEYS + ('group', 'nope')))} = {draw(toml_value)}")
    return "\n".join(lines) + "\n"


def _ok(key: str) -> str:
    return {"name": '"r"', "source": '"BROWSE_PROJECTS"', "targets": '["VIEW_PROJECTS", "VIEW_ISSUES"]',
            "description": '"d"'}[key]


def rule_inputs():
    return st.one_of(
        st.tuples(st.just("rule.toml"), st.binary(max_size=100)),
        st.tuples(st.just("rule.toml"), mutated_text(VALID_RULE_TOML).map(str.encode)),
        st.tuples(st.just("rule.toml"), toml_rule_docs().map(str.encode)),
        st.tuples(st.just("rule.json"), json_values.map(dump_json)),
        st.tuples(st.just("rule.json"), mutated(VALID_RULE).map(dump_json)),
    )


@reliability_sizes(QUICK, FULL)
def test_fuzz_rule_loader(size, sandboxed_cwd):
    nw = NoWrites(sandboxed_cwd)

    def check(item):
        name, data = item
        p = nw.file(name, data)
        outcome(lambda: load_rule(p), ConfigError)
        outcome(lambda: resolve_rule(str(p)), ConfigError)
        nw.check()

    run_examples(size, rule_inputs(), check, quick=size == QUICK)


HOSTILE_RULES = {
    "json-nested-100k": ("rule.json", b"[" * 100_000),
    "toml-nested-100k": ("rule.toml", b"a = " + b"[" * 100_000),
    "json-int-5000-digits": ("rule.json", b'{"name": ' + b"1" * 5000 + b"}"),
    "toml-int-5000-digits": ("rule.toml", b"name = " + b"1" * 5000),
    "not-utf8": ("rule.toml", b"\xff\xfe\x00"),
    "utf16-json": ("rule.json", json.dumps(VALID_RULE).encode("utf-16")),
    "lone-surrogate": ("rule.json", b'{"name": "\\ud800", "source": "A", "targets": ["B"]}'),
    "policy-names-nothing": ("rule.toml", VALID_RULE_TOML.replace('["VIEW_ISSUES"]\n', "[]\n", 1).encode()),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_RULES))
def test_hostile_rule_files(case, sandboxed_cwd):
    nw = NoWrites(sandboxed_cwd)
    name, data = HOSTILE_RULES[case]
    p = nw.file(name, data)
    outcome(lambda: load_rule(p), ConfigError)
    nw.check()


# ------------------------------------------------------------------------------------------- sites files

VALID_SITES = """\
[defaults]
mode = "add"
concurrency = 4

[[site]]
name = "acme"
url = "https://acme.atlassian.net"
email_env = "ACME_EMAIL"
token_env = "ACME_TOKEN"
include = [10000, "Default*"]

[[site]]
name = "dc-prod"
url = "https://jira.example.com"
flavour = "dc"
bearer_env = "DC_PAT"
"""
SITE_KEYS = ("name", "url", "flavour", "email_env", "token_env", "bearer_env", "mode", "concurrency", "include",
             "exclude", "token", "password", "api_token")


@st.composite
def sites_docs(draw):
    lines = []
    if draw(st.booleans()):
        lines.append("[defaults]")
        for _ in range(draw(st.integers(0, 3))):
            lines.append(f"{draw(st.sampled_from(('mode', 'flavour', 'concurrency', 'rule', 'other')))} = {draw(toml_value)}")
    for i in range(draw(st.integers(0, 3))):
        lines.append("[[site]]")
        fields = {"name": f'"s{i}"', "url": f'"https://s{i}.example.com"', "bearer_env": f'"S{i}_PAT"'}
        for _ in range(draw(st.integers(0, 3))):
            fields[draw(st.sampled_from(SITE_KEYS))] = draw(toml_value)
        for k, v in fields.items():
            if draw(st.integers(0, 9)):
                lines.append(f"{k} = {v}")
    return "\n".join(lines) + "\n"


def sites_inputs():
    return st.one_of(
        st.binary(max_size=100),
        mutated_text(VALID_SITES).map(lambda s: s.encode("utf-8", "surrogatepass")),
        sites_docs().map(str.encode),
    )


@reliability_sizes(QUICK, FULL)
def test_fuzz_sites_loader(size, sandboxed_cwd):
    nw = NoWrites(sandboxed_cwd)

    def check(data: bytes):
        p = nw.file("sites.toml", data)
        outcome(lambda: load_sites(p), ConfigError)
        nw.check()

    run_examples(size, sites_inputs(), check, quick=size == QUICK)


def _site(extra: str) -> bytes:
    return f'[[site]]\nname = "a"\nurl = "https://a.example.com"\nbearer_env = "A_PAT"\n{extra}\n'.encode()


HOSTILE_SITES = {
    "nested-100k": b"a = " + b"[" * 100_000,
    "int-5000-digits": _site("concurrency = " + "1" * 5000),
    "url-bad-ipv6": _site("").replace(b"https://a.example.com", b"http://[::1"),
    "url-port-out-of-range": _site("").replace(b"https://a.example.com", b"http://localhost:99999"),
    "url-port-not-a-number": _site("").replace(b"https://a.example.com", b"https://a.example.com:b"),
    "include-superscript-digit": _site('include = ["\u00b2"]'.replace("\u00b2", "²")),
    "include-huge-id": _site("include = [" + "9" * 4000 + "]"),
    "token-in-file": _site('api_token = "ATATT3xFfGF0secret"'),
    "not-utf8": b"\xff\xfe",
    "empty": b"",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SITES))
def test_hostile_sites_files(case, sandboxed_cwd):
    nw = NoWrites(sandboxed_cwd)
    p = nw.file("sites.toml", HOSTILE_SITES[case])
    outcome(lambda: load_sites(p), ConfigError)
    nw.check()


# ------------------------------------------------------------------------------------------- REST bodies

SCHEME_BASE = sample_schemes_json(1)[0]


@reliability_sizes(QUICK * 2, FULL * 2)
def test_fuzz_model_parsers(size):
    """Scheme / Grant / Holder / Project / GET /permissions parsing: a model object or InvalidResponseError."""
    parsers = {
        "scheme": Scheme.from_json,
        "grant": Grant.from_json,
        "holder": Holder.from_json,
        "project": Project.from_json,
        "permissions": parse_permissions,
    }
    strategy = st.tuples(
        st.sampled_from(sorted(parsers)),
        st.one_of(json_values, mutated(SCHEME_BASE), mutated(SCHEME_BASE["permissions"][0]),
                  mutated({"permissions": {"BROWSE_PROJECTS": {"key": "BROWSE_PROJECTS", "name": "B", "type": "PROJECT"}}}),
                  mutated({"id": "10000", "key": "ABC", "name": "x", "simplified": False})),
    )

    def check(item):
        which, doc = item
        outcome(lambda: parsers[which](doc), InvalidResponseError)

    run_examples(size, strategy, check, quick=size == QUICK * 2)


def test_scheme_id_strings():
    """Ids arrive as strings on some endpoints; odd ones are an InvalidResponseError, never a ValueError."""
    bad = []
    for value in ("²", "--1", "-", "1.5", "١٢", " 12 ", "0x1f", "1" * 5000):
        for parse in (lambda: Scheme.from_json({"id": value, "name": "x"}),
                      lambda: Grant.from_json({"id": value, "permission": "P", "holder": {"type": "anyone"}})):
            try:
                outcome(parse, InvalidResponseError)
            except Exception as e:  # noqa: BLE001
                bad.append(f"{value[:10]!r}: {type(e).__name__}: {str(e)[:80]}")
    assert not bad, "model._int_id crashes on: " + "; ".join(bad)


class Stop(Exception):
    """Raised by the fake transport when a single client call sends too many requests."""


class FakeTransport(requests.adapters.BaseAdapter):
    """Answers every request from a list of canned (status, headers, body) or exceptions; the last repeats."""

    def __init__(self, answers, limit: int = 60):
        super().__init__()
        self.answers = list(answers)
        self.sent: list[tuple[str, str]] = []
        self.limit = limit

    def send(self, request, **kw):
        self.sent.append((request.method, request.url))
        if len(self.sent) > self.limit:
            raise Stop(f"{len(self.sent)} requests for one call: {self.sent[:3]}...")
        a = self.answers[min(len(self.sent) - 1, len(self.answers) - 1)]
        if isinstance(a, BaseException):
            raise a
        status, headers, body = a
        r = requests.Response()
        r.status_code = status
        r.headers = CaseInsensitiveDict(headers)
        r._content = body
        r.url = request.url
        r.request = request
        r.reason = "fuzz"
        return r

    def close(self):
        pass


VALID_BODIES = {
    "list_schemes": {"permissionSchemes": sample_schemes_json(2)},
    "get_scheme": SCHEME_BASE,
    "create_grant": SCHEME_BASE["permissions"][0],
    "all_permissions": {"permissions": {"BROWSE_PROJECTS": {"key": "BROWSE_PROJECTS", "name": "B", "type": "PROJECT"}}},
    "my_permissions": {"permissions": {"ADMINISTER": {"key": "ADMINISTER", "havePermission": True}}},
    "search_projects": {"values": [{"id": "1", "key": "A", "name": "A"}], "isLast": True, "startAt": 0},
    "project_scheme_id": {"id": 10000, "name": "x"},
    "server_info": {"baseUrl": "https://x", "deploymentType": "Cloud", "version": "1001"},
    "delete_grant": None,
    "check_permissions": {"projectPermissions": []},
}
CALLS = {
    "list_schemes": lambda c: c.list_schemes(),
    "get_scheme": lambda c: c.get_scheme(10000),
    "create_grant": lambda c: c.create_grant(10000, "VIEW_ISSUES", Holder("group", "g", "g")),
    "all_permissions": lambda c: c.all_permissions(),
    "my_permissions": lambda c: c.my_permissions(["ADMINISTER"]),
    "search_projects": lambda c: c.search_projects(),
    "project_scheme_id": lambda c: c.project_scheme_id("ABC"),
    "server_info": lambda c: c.server_info(),
    "delete_grant": lambda c: c.delete_grant(10000, 10001),
    "check_permissions": lambda c: c.check_permissions(account_id="x", global_permissions=["ADMINISTER"]),
    "site_info": lambda c: c.site_info(),
}
STATUSES = [200, 200, 200, 201, 204, 301, 400, 401, 403, 404, 405, 409, 429, 500, 502, 503, 504, 599]
RETRY_AFTERS = ["0", "1", "-1", "1e400", "nan", "inf", "soon", "", "Wed, 21 Oct 2015 07:28:00 GMT",
                "Mon, 01 Jan 0001 00:00:00 +0100", "Fri, 31 Dec 9999 23:59:59 GMT", "99999999999999999999"]
RESETS = ["2026-01-01T00:00Z", "garbage", "0001-01-01T00:00-01:00", "9999-12-31T23:59+14:00", ""]


@st.composite
def answers(draw, call: str):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from([
                requests.exceptions.ConnectionError("Connection reset by peer"),
                requests.exceptions.ReadTimeout("read timed out"),
                requests.exceptions.ChunkedEncodingError("chunked"),
                requests.exceptions.ContentDecodingError("gzip"),
                requests.exceptions.TooManyRedirects("loop"),
            ])))
            continue
        status = draw(st.sampled_from(STATUSES))
        headers = {"Content-Type": draw(st.sampled_from(["application/json", "application/json;charset=UTF-8",
                                                         "text/html", "", "application/json; charset=utf-16"]))}
        if draw(st.booleans()):
            headers["Retry-After"] = draw(st.sampled_from(RETRY_AFTERS))
        if draw(st.integers(0, 3)) == 0:
            headers["X-RateLimit-Reset"] = draw(st.sampled_from(RESETS))
        base = VALID_BODIES.get(call if call != "site_info" else "server_info")
        body = draw(st.one_of(
            st.binary(max_size=60),
            json_values.map(dump_json),
            (mutated(base) if base is not None else json_values).map(dump_json),
            st.sampled_from([b"", b"null", b"<html>login</html>",
                             b'{"errorMessages": ["x"], "errors": {"a": "b"}}', b'{"errorMessages": "x", "errors": []}',
                             b"\xef\xbb\xbf{}", b"NaN"]),
        ))
        out.append((status, headers, body))
    if call == "site_info":  # serverInfo first, then GET /permissions
        out = [(200, {"Content-Type": "application/json"}, dump_json(VALID_BODIES["server_info"]))] + out
    return out


def make_fuzz_client(transport: FakeTransport) -> JiraClient:
    s = requests.Session()
    client = JiraClient("https://fuzz.example.com", Credentials.basic("fuzz@example.com", "fuzz-token-000"),
                        flavour="cloud", retry=RetryPolicy(max_retries=2, sleep=lambda s: None), session=s)
    s.mount("https://fuzz.example.com/", transport)  # longer prefix than the client's own adapters: wins
    return client


@reliability_sizes(QUICK * 2, FULL * 2)
def test_fuzz_client_responses(size, sandboxed_cwd):
    """Any status, headers and body: the client returns data or raises a JiraError subclass, and a single
    call never turns into an unbounded stream of requests."""
    nw = NoWrites(sandboxed_cwd)
    strategy = st.sampled_from(sorted(CALLS)).flatmap(lambda call: st.tuples(st.just(call), answers(call)))

    def check(item):
        call, ans = item
        transport = FakeTransport(ans)
        client = make_fuzz_client(transport)
        outcome(lambda: CALLS[call](client), JiraError)
        nw.check()

    run_examples(size, strategy, check, quick=size == QUICK * 2)


@pytest.mark.parametrize("status,expected", [
    (400, "BadRequestError"), (401, "AuthenticationError"), (403, "PermissionDeniedError"),
    (404, "NotFoundError"), (429, "RateLimitedError"), (500, "ServerError"), (503, "ServerError"),
    (409, "JiraError"), (302, "JiraError"),
])
@pytest.mark.parametrize("body", [b"", b"<html>proxy</html>", b'{"errorMessages": ["nope"]}', b"[]"])
def test_error_mapping_with_odd_bodies(status, expected, body):
    """The status decides the error class, whatever the body (HTML, empty, deeply nested)."""
    transport = FakeTransport([(status, {"Content-Type": "text/html", "Retry-After": "0"}, body)])
    client = make_fuzz_client(transport)
    with pytest.raises(JiraError) as ei:
        client.get_scheme(10000)
    assert type(ei.value).__name__ == expected
    assert ei.value.status == status


@pytest.mark.parametrize("status", [200, 404, 500])
def test_deeply_nested_body(status):
    """A body nested 50,000 deep (a hostile or broken proxy): a JiraError, not a RecursionError."""
    transport = FakeTransport([(status, {"Content-Type": "application/json"}, b"[" * 50_000)])
    outcome(lambda: make_fuzz_client(transport).get_scheme(10000), JiraError)


def test_project_scheme_id_odd_ids():
    bad = []
    for body in (b'{"id": "abc"}', b'{"id": [1]}', b'{"id": 1e400}', b'{"id": "\\u00b2"}', b'{"id": null}'):
        transport = FakeTransport([(200, {"Content-Type": "application/json"}, body)])
        try:
            outcome(lambda: make_fuzz_client(transport).project_scheme_id("ABC"), InvalidResponseError)
        except Exception as e:  # noqa: BLE001 - collect every odd id that crashes
            bad.append(f"{body!r}: {type(e).__name__}: {e}")
    assert not bad, "project_scheme_id crashes on: " + "; ".join(bad)


def test_endless_pagination_is_bounded():
    """A server that always says isLast=false must not keep the client paging forever."""
    page = dump_json({"values": [{"id": "1", "key": "A", "name": "A"}], "isLast": False, "startAt": 0})
    transport = FakeTransport([(200, {"Content-Type": "application/json"}, page)], limit=2_000)
    outcome(lambda: make_fuzz_client(transport).search_projects(), JiraError)


# ------------------------------------------------------------------------------------------- through the CLI

CLI_CASES = ["empty", "nested-100k", "null", "nul-bytes", "int-5000-digits", "lone-surrogate-with-checksum",
             "version-5000-digits", "tampered", "other-site", "remove-foreign-grant"]


def _cli_plan(case: str, site_url: str) -> bytes:
    if case in _hostile_plans():
        return _hostile_plans()[case]
    doc = json.loads(json.dumps(_plan_doc()))
    doc["site"]["url"] = doc["site"]["base_url"] = site_url
    if case == "tampered":
        doc["changes"][0]["operations"].append({"action": "add", "permission": "ADMINISTER_PROJECTS",
                                                "holder": {"type": "anyone"}})
        return dump_json(doc)  # checksum not recomputed
    if case == "other-site":
        doc["site"]["url"] = doc["site"]["base_url"] = "https://other.atlassian.net"
        return sealed(doc)
    if case == "remove-foreign-grant":
        doc["changes"][0]["operations"].append({"action": "remove", "permission": "BROWSE_PROJECTS",
                                                "holder": {"type": "anyone"}, "grant_id": 1})
        return sealed(doc)
    raise KeyError(case)


@pytest.mark.e2e
@pytest.mark.parametrize("case", CLI_CASES)
def test_hostile_plans_through_cli(case, sandboxed_cwd):
    """`migrate show` and `migrate apply --yes` on a hostile plan: exit 1, a clear message, no traceback,
    no "internal error", and not one write request reaches the site."""
    from typer.testing import CliRunner

    from migrate.cli import app
    from migrate.sandbox import Sandbox

    nw = NoWrites(sandboxed_cwd)
    runner = CliRunner()
    with Sandbox("demo") as sb:
        p = nw.file("plan.json", _cli_plan(case, sb.url))
        env = {"JIRA_URL": sb.url, "JIRA_EMAIL": sb.admin.email, "JIRA_API_TOKEN": sb.admin.token}
        for args in (["show", str(p)], ["apply", str(p), "--yes"]):
            if case == "other-site" and args[0] == "show":
                continue  # a well-formed plan for another site: showing it is fine, applying it is not
            r = runner.invoke(app, args, env=env)
            text = (r.stdout or "") + (r.stderr or "")
            assert r.exit_code == 1, f"{args[0]} {case}: exit {r.exit_code}: {text[-800:]} {r.exception!r}"
            assert "Traceback" not in text and "internal error" not in text, f"{args[0]} {case}: {text[-800:]}"
            assert "error" in text.lower()
        writes = {k: v for k, v in sb.request_counts().items() if k[0] in ("POST", "PUT", "DELETE")}
    assert not writes, f"{case}: a hostile plan caused writes: {writes}"
    if case != "other-site":  # well-formed: apply takes the per-site lock (a lock file) before it checks the site
        nw.check()
