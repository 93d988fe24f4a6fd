"""Properties over random mixes of snippets: comments are never touched, a second run changes nothing,
and a file changes only when some site is classified rewritten."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from migrate.codemod import REWRITTEN, rewrite

JS = [
    "const a = await get(`/rest/api/3/mypermissions?issueKey=${k}&permissions=BROWSE_PROJECTS`);",
    "const b = await get('/rest/api/3/mypermissions?projectKey=' + p + '&permissions=BROWSE_PROJECTS%2CEDIT_ISSUES');",
    "const ok = a.permissions.BROWSE_PROJECTS.havePermission;",
    "const body = {projectPermissions: [{permissions: ['BROWSE_PROJECTS'], issues: ids}]};",
    "const g = grants.filter((x) => x.permission === 'BROWSE_PROJECTS');",
    "const K = 'BROWSE_PROJECTS';",
    "log('missing BROWSE_PROJECTS');",
    "const grants = [{holder: h, permission: 'BROWSE_PROJECTS'}];",
    "const c = await get(`/rest/api/3/mypermissions?projectKey=${p}&permissions=BROWSE`);",
    "const ok2 = c.permissions.BROWSE.havePermission;",
    'const seen = has(a, "BROWSE_PROJECTS");',
    "expect(keys).toContain('BROWSE_PROJECTS');",
    "const reply = {permissions: {BROWSE_PROJECTS: {havePermission: true}}};",
]
PY = [
    'a = s.get(f"/rest/api/3/mypermissions?issueKey={k}&permissions=BROWSE_PROJECTS").json()',
    'ok = a["permissions"]["BROWSE_PROJECTS"]["havePermission"]',
    'b = s.get(URL, params={"projectKey": p, "permissions": "BROWSE_PROJECTS"})',
    'g = [x for x in grants if x["permission"] == "BROWSE_PROJECTS"]',
    'K = "BROWSE_PROJECTS"',
    'grants = [{"holder": h, "permission": "BROWSE_PROJECTS"}]',
    'c = s.get(URL, params={"issueKey": k, "permissions": "BROWSE"}).json()',
    'ok2 = c["permissions"]["BROWSE"]["havePermission"]',
    'seen = has(a, "BROWSE_PROJECTS")',
    'assert parse(k) == "BROWSE_PROJECTS"',
]
GROOVY = [  # its own tokenizer and rules, so it gets its own mix
    'def a = get("/rest/api/3/mypermissions?issueKey=${k}&permissions=BROWSE_PROJECTS").asObject(Map)',
    "def ok = a.body.permissions.BROWSE_PROJECTS.havePermission",
    "def body = [projectPermissions: [[permissions: ['BROWSE_PROJECTS'], issues: ids]]]",
    "def g = grants.findAll { it.permission == 'BROWSE_PROJECTS' }",
    "def K = 'BROWSE_PROJECTS'",
    "log.warn('missing BROWSE_PROJECTS')",
    "def grants = [[holder: h, permission: 'BROWSE_PROJECTS']]",
    'def c = get("/rest/api/3/mypermissions").queryString("projectKey", p).queryString("permissions", "BROWSE").asObject(Map)',
    "def ok2 = c.body.permissions['BROWSE'].havePermission",
]
# Sites of a request/response flow (grants and prose messages stand on their own).
FLOW = {"url-query", "check-body", "response-read", "grant-filter", "indirect", "assertion", "key-variant"}
POOLS = {"javascript": JS, "python": PY, "groovy": GROOVY}
COMMENT = {
    "javascript": "// note: BROWSE_PROJECTS permissions=BROWSE_PROJECTS",
    "python": "# note: BROWSE_PROJECTS permissions=BROWSE_PROJECTS",
    "groovy": "// note: BROWSE_PROJECTS permissions=BROWSE_PROJECTS",
}


def program(lang: str, lines: list[str], in_function: bool) -> str:
    body = []
    for i, line in enumerate(lines):
        body.append(COMMENT[lang])
        body.append(line)
    if not in_function:
        return "\n".join(body) + "\n"
    if lang == "python":
        return "def f(s, k, p):\n" + "".join(f"    {b}\n" for b in body)
    if lang == "groovy":
        return "def f(k, p) {\n" + "".join(f"    {b}\n" for b in body) + "}\n"
    return "async function f(k, p) {\n" + "".join(f"  {b}\n" for b in body) + "}\n"


@settings(max_examples=60, deadline=None)
@given(
    lang=st.sampled_from(["javascript", "python", "groovy"]),
    picks=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=6),
    in_function=st.booleans(),
)
# a rewritten check body must still count as a request on the second run, or the filter beside it flips
@example(lang="javascript", picks=[3, 4], in_function=False)
def test_mixed_snippets(lang, picks, in_function):
    pool = POOLS[lang]
    src = program(lang, [pool[i % len(pool)] for i in picks], in_function)
    res = rewrite(lang, src)
    # comments are byte-identical
    assert [line for line in res.new_source.splitlines() if COMMENT[lang] in line] == [line for line in src.splitlines() if COMMENT[lang] in line]
    # changed iff something was rewritten; every finding says why
    assert (res.new_source != src) == any(f.classification == REWRITTEN for f in res.findings)
    assert all(f.message for f in res.findings)
    # one function is one change unit: its request/response sites are all rewritten or none is
    if in_function:
        flow = {f.classification for f in res.findings if f.rule in FLOW}
        assert not (REWRITTEN in flow and len(flow) > 1), [(f.line, f.rule, f.classification) for f in res.findings]
    # idempotent
    again = rewrite(lang, res.new_source)
    assert again.new_source == res.new_source
    assert not any(f.classification == REWRITTEN for f in again.findings)
