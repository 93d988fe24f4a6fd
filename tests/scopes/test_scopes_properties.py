"""Invariants of the audit, searched by hypothesis over random apps built from the real operation table.

- A scope a resolvable call needs is never called excess (plain or possibly-needed): for Forge, removing
  them all never breaks a call that works; for Connect, whose scopes are cumulative, every excess scope is
  above the level of every resolved call (ADMIN where WRITE is the most any call needs).
- A plain excess scope is one that no unresolved call could need; with a call whose URL is unknown, every
  excess claim names it instead.
- The suggested list makes every resolved call work that any scope can make work.
- Every declared scope the table knows is exactly one of: needed, excess, possibly needed.
- Code in every language, for any operation of the table, resolves back to that operation.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.scopes import needs as N
from migrate.scopes.audit import audit_app, requirement, resolve
from migrate.scopes.calls import extract as extract_tree
from migrate.scopes.descriptors import CONNECT, FORGE, App, Declared, Place
from migrate.scopes.groovy_calls import extract as extract_groovy
from migrate.scopes.model import Call
from migrate.scopes.operations import table

T = table()
OPS = [op for op in T.operations if op.path.startswith("/rest/api/3/")]
HERE = Place(1, 1, 1, 1)


def _call(op, method, n: int, url: str | None = None) -> Call:
    url = url if url is not None else re.sub(r"\{[^}]+\}", "\0", op.path)
    return Call("src/app.ts", "typescript", n, 1, n, 2, url, method, "test", "requestJira", url)


def _app(kind: str, declared: list[str], connect_on_forge: bool = False) -> App:
    return App(kind, "manifest.yml", "/app", "app", tuple(Declared(d, HERE) for d in declared), HERE, (), connect_on_forge)


calls_st = st.lists(st.sampled_from(OPS), min_size=0, max_size=8)
unresolved_st = st.lists(st.tuples(st.sampled_from(OPS), st.booleans()), max_size=2)  # (op, bounded?)


def _satisfied(kind: str, req, declared) -> bool:
    if kind == CONNECT:
        return N.connect_satisfied(req, declared)
    return req.satisfied(frozenset(declared))


def _check(kind: str, declared: list[str], ops, unresolved) -> None:
    calls = [_call(op, op.method, i + 1) for i, op in enumerate(ops)]
    for j, (op, bounded) in enumerate(unresolved):
        calls.append(_call(op, None, 100 + j) if bounded else _call(op, op.method, 100 + j, url="\0/rest/api/3/\0"))
    rep, findings = audit_app(_app(kind, declared), calls, [], T)
    excess = set(rep.excess) | set(rep.possibly_needed)
    kept = [d for d in declared if d not in excess]
    norm = (lambda xs: [x.upper() for x in xs]) if kind == CONNECT else list
    resolved = []
    for c in calls:
        res = resolve(c, T)
        if res.kind == "call" or (res.kind == "unresolved-method" and len({str(requirement(o, kind)) for o in res.operations}) == 1):
            resolved.append(requirement(res.operations[0], kind))
    for req in resolved:
        if kind == CONNECT and req == N.INACCESSIBLE or kind == FORGE and req.empty:
            continue
        if kind == FORGE and _satisfied(kind, req, declared):
            assert _satisfied(kind, req, kept), (req, declared, excess)
        if kind == CONNECT:  # cumulative: an excess scope is one above everything a resolved call needs
            for s in excess:
                assert s.upper() != req and (N.level(s) is None or N.level(req) is None or N.level(s) > N.level(req)), (s, req)
        assert _satisfied(kind, req, norm(rep.suggested)), (req, declared, rep.suggested)
    unbounded = any(not b for _, b in unresolved)
    if unbounded:
        assert not rep.excess, "with a call whose URL is unknown no scope is plain excess"
    for f in findings:
        if f.kind == "excess" and f.classification == "needs-review":
            assert "might be needed by" in f.message
    known = [d for d in declared if (d.upper() in N.CONNECT_SCOPES if kind == CONNECT else d in T.oauth_scopes)]
    for d in known:
        if kind == CONNECT and d.upper() == "NONE":
            continue
        assert [d in rep.needed, d in rep.excess, d in rep.possibly_needed].count(True) == 1, (d, rep)


@settings(max_examples=300, deadline=None)
@given(
    calls_st,
    unresolved_st,
    st.lists(st.sampled_from(N.CONNECT_SCOPES), unique=True, max_size=5),
    st.booleans(),
)
def test_connect_audit_invariants(ops, unresolved, declared, lower):
    _check(CONNECT, [d.lower() if lower else d for d in declared], ops, unresolved)


@settings(max_examples=300, deadline=None)
@given(calls_st, unresolved_st, st.data())
def test_forge_audit_invariants(ops, unresolved, data):
    pool = sorted({s for op in ops for s in op.oauth_classic + op.oauth_granular} | {"read:jira-work", "write:jira-work", "storage:app"})
    declared = data.draw(st.lists(st.sampled_from(pool), unique=True, max_size=12))
    _check(FORGE, declared, ops, unresolved)


# ------------------------------------------------------------------------------------ code -> operation


def _params(path: str, style: str) -> str:
    """The table path with its parameters written the way `style` builds a URL."""
    names = iter(range(100))

    def sub(_m):
        i = next(names)
        return style.replace("N", f"p{i}")

    return re.sub(r"\{[^}]+\}", sub, path)


def _version(path: str, v: str) -> str:
    return path.replace("/rest/api/3/", f"/rest/api/{v}/", 1)


STYLES = {
    # language -> [(snippet template, parameter style)]; {P} is the path, {M} the method, {m} lower case, {Mc} capitalised
    "typescript": [
        ("const r = await api.asApp().requestJira(route`{P}`, { method: '{M}', headers });", "${N}"),
        ("const r = await requestJira(`{P}`, { method: \"{M}\" });", "${N}"),
        ("AP.request({ url: '{P}', type: '{M}', success: done });", "' + N + '"),
    ],
    "javascript": [("httpClient.{ace}({ url: '{P}', json: true }, cb);", "' + N + '")],
    "python": [
        ('r = session.request("{M}", f"{base}{P}", timeout=10)', "{N}"),
        ('r = requests.{m}(base + "{P}", auth=auth)', '" + N + "'),
    ],
    "java": [
        ('restTemplate.exchange("{P}", HttpMethod.{M}, entity, String.class, a, b, c);', "{N}"),
        ('Request req = new Request.Builder().url(base + "{P}").method("{M}", body).build();', '" + N + "'),
    ],
    "kotlin": [("val r = client.request(\"$base{P}\") { method = HttpMethod.{Mc} }", "${N}")],
    "go": [('req, err := http.NewRequest(http.Method{Mc}, base+"{P}", body)', '"+N+"')],
    "php": [("<?php $r = $client->request('{M}', \"{P}\");", "{$N}")],
    "groovy": [('def r = {m}("{P}").asObject(Map)', "${N}")],
}
ACE = {"GET": "get", "POST": "post", "PUT": "put", "DELETE": "del"}


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(OPS), st.sampled_from(sorted(STYLES)), st.data())
def test_code_in_every_language_resolves_to_its_operation(op, lang, data):
    template, style = data.draw(st.sampled_from(STYLES[lang]))
    version = data.draw(st.sampled_from(["3", "2", "latest"]))
    query = data.draw(st.sampled_from(["", "?expand=names", "?startAt=0&maxResults=50"]))
    path = _version(_params(op.path, style), version) + query
    if lang == "java" and "{" in style:
        path = _version(_params(op.path, "{N}"), version) + query
    src = template
    for token, value in (("{P}", path), ("{M}", op.method), ("{m}", op.method.lower()), ("{Mc}", op.method.capitalize()), ("{ace}", ACE[op.method])):
        src = src.replace(token, value)
    if lang == "go":
        src = "package x\nfunc f() {\n\t" + src + "\n}\n"
    fc = extract_groovy("x.groovy", src) if lang == "groovy" else extract_tree("x", lang, src)
    assert len(fc.calls) == 1, (src, fc.calls)
    res = resolve(fc.calls[0], T)
    assert res.kind == "call" and res.operations == (op,), (src, fc.calls[0], res)


# ------------------------------------------------------------------------------------ Connect on Forge

COF = ["read:connect-jira", "write:connect-jira", "delete:connect-jira", "project-admin:connect-jira", "admin:connect-jira",
       "act-as-user:connect-jira", "access-email-addresses:connect-jira"]
VIAS = {"forge": "api.asApp().requestJira", "connect": "addon.httpClient(req).post", "either": "jira.send"}


def _cof_ok(op, origin: str, declared) -> bool | None:
    """Whether a call works with `declared`; None when no scope could make it work."""
    from migrate.scopes.audit import connect_on_forge

    req = requirement(op, FORGE)
    grants = [connect_on_forge(d) for d in declared if connect_on_forge(d)]
    oauth_ok = req.satisfied(frozenset(declared)) if origin != "connect" else False
    connect_ok = origin != "forge" and op.connect_scope != N.INACCESSIBLE and N.connect_satisfied(op.connect_scope, grants)
    possible = (origin != "connect" and not req.empty) or (origin != "forge" and op.connect_scope != N.INACCESSIBLE)
    return (oauth_ok or connect_ok) if possible else None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(OPS), st.sampled_from(sorted(VIAS))), max_size=6), st.data())
def test_connect_on_forge_invariants(calls, data):
    pool = sorted({s for op, _ in calls for s in op.oauth_classic + op.oauth_granular} | set(COF) | {"read:jira-work"})
    declared = data.draw(st.lists(st.sampled_from(pool), unique=True, max_size=10))
    cs = [Call("src/a.js", "javascript", i + 1, 1, i + 1, 2, re.sub(r"\{[^}]+\}", "\0", op.path), op.method, "", VIAS[o], op.path)
          for i, (op, o) in enumerate(calls)]
    rep, _ = audit_app(_app(FORGE, declared, connect_on_forge=True), cs, [], T)
    excess = set(rep.excess) | set(rep.possibly_needed)
    for op, origin in calls:
        if _cof_ok(op, origin, declared) is None:
            continue
        assert _cof_ok(op, origin, rep.suggested), (op.label, origin, declared, rep.suggested)
        if _cof_ok(op, origin, declared) and origin != "connect":
            for alt in requirement(op, FORGE).satisfying(frozenset(declared)):
                assert not (alt & excess), (op.label, alt, excess)
