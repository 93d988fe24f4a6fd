"""The engine and the package's structure: change units across functions, merging of edits, line endings,
the rule order (every rule module is asked, or is a helper), and no import cycle inside the codemod."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import pytest

import migrate.codemod
from migrate.codemod import NEEDS_REVIEW, REWRITTEN, RULES, rewrite
from migrate.codemod import rules as rules_pkg
from migrate.codemod.languages import is_test_file

PKG = Path(migrate.codemod.__file__).parent


def test_partial_grant_twins_only_add_the_missing_one():
    src = '[{"holder": {"type": "anyone"}, "permission": "BROWSE_PROJECTS"}, {"holder": {"type": "anyone"}, "permission": "VIEW_PROJECTS"}]\n'
    res = rewrite("scheme.json", src)
    assert res.new_source.count("VIEW_PROJECTS") == 1
    assert res.new_source.count("VIEW_ISSUES") == 1


def test_unsupported_language_is_an_error():
    with pytest.raises(ValueError):
        rewrite("README.md", "BROWSE_PROJECTS")


def test_crlf_and_non_ascii_are_preserved():
    src = 'const é = "ü";\r\nfetch(`/x?issueKey=${k}&permissions=BROWSE_PROJECTS`);\r\n'
    res = rewrite("javascript", src)
    assert res.new_source == src.replace("BROWSE_PROJECTS", "VIEW_PROJECTS,VIEW_ISSUES")
    assert res.findings[0].line == 2 and res.findings[0].column == 7


# ------------------------------------------------------------------------------------------ structure


def test_every_rule_module_is_asked_or_a_helper():
    """A rule module that is in none of the lists would never run: each is asked in one place, once."""
    listed = rules_pkg.FIRST + rules_pkg.ORDER + rules_pkg.VARIANTS + rules_pkg.LATE + rules_pkg.FALLBACK + rules_pkg.HELPERS
    names = [m.__name__.rsplit(".", 1)[1] for m in listed]
    on_disk = sorted(m.name for m in pkgutil.iter_modules(rules_pkg.__path__))
    assert sorted(names) == on_disk
    assert len(set(names)) == len(names)
    ids = [m.RULE for m in listed if m not in rules_pkg.HELPERS]
    assert len(set(ids)) == len(ids), ids
    assert set(ids) <= set(RULES), set(ids) - set(RULES)


def _imports(path: Path) -> set[str]:
    """Every migrate.codemod module a file imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("migrate.codemod"):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if (PKG.parent.parent / (full.replace(".", "/") + ".py")).exists() or (PKG.parent.parent / full.replace(".", "/")).is_dir():
                    out.add(full)  # `from pkg import submodule` imports the submodule
                else:
                    out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("migrate.codemod"))
    return out


def test_no_import_cycle_inside_the_codemod():
    graph = {}
    for f in PKG.rglob("*.py"):
        mod = ".".join(f.relative_to(PKG.parent.parent).with_suffix("").parts)
        mod = mod.removesuffix(".__init__")
        graph[mod] = {m for m in _imports(f) if m != mod}
    # a package's __init__ is imported with each of its modules: an edge from a submodule to its own
    # package is not a cycle unless the package imports back (checked as any other edge)
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph.get(m, ())):
            if state.get(n) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(n):] + [m, n]) if n in stack else f"{m} -> {n}")
            if n not in state:
                visit(n, stack + [m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert "migrate.codemod.engine" not in set().union(*(graph[m] for m in graph if m.startswith("migrate.codemod.rules")))


@pytest.mark.parametrize(
    "path, src, expected",
    [
        ("tests/test_perms.py", "", True),
        ("src/perms.test.ts", "", True),
        ("src/test/java/PermTest.java", "", True),
        ("pkg/perm_test.go", "", True),
        ("src/perms.py", "def test_it():\n    pass\n", True),
        ("src/perms.py", "def check():\n    pass\n", False),
        ("src/latest.ts", "const contest = 1;\n", False),
    ],
)
def test_test_files_are_recognised(path, src, expected):
    assert is_test_file(path, src) is expected


# ------------------------------------------------------------------------------------------ units


def test_a_unit_spans_a_helper_in_another_function():
    src = (
        "function has(perms, key) {\n"
        "  return perms.permissions[key].havePermission;\n"
        "}\n"
        "async function canSee(projectKey) {\n"
        "  const perms = await get(`/rest/api/3/mypermissions?projectKey=${projectKey}&permissions=BROWSE_PROJECTS`);\n"
        '  return has(perms, "BROWSE_PROJECTS");\n'
        "}\n"
        "async function canEdit(issueKey) {\n"
        "  const r = await get(`/rest/api/3/mypermissions?issueKey=${issueKey}&permissions=BROWSE_PROJECTS`);\n"
        "  return r.permissions.BROWSE_PROJECTS.havePermission;\n"
        "}\n"
    )
    res = rewrite("javascript", src)
    by_line = {f.line: f for f in res.findings}
    # canSee's request and the helper call are one unit with has(): not rewritten, each naming the other
    assert by_line[5].classification == NEEDS_REVIEW and "line 6" in by_line[5].message
    assert by_line[6].classification == NEEDS_REVIEW and "line 5" in by_line[6].message
    # canEdit calls nothing of the others: its own unit, rewritten
    assert by_line[9].classification == REWRITTEN and by_line[10].classification == REWRITTEN
    assert "permissions=BROWSE_PROJECTS`);\n  return has(" in res.new_source


def test_constants_and_exports_do_not_join_units():
    src = (
        'const BASE = "https://example.atlassian.net";\n'
        'const KEY = "BROWSE_PROJECTS";\n'
        "async function a(p) {\n"
        "  const r = await get(`${BASE}/rest/api/3/mypermissions?projectKey=${p}&permissions=BROWSE_PROJECTS`);\n"
        "  return r.permissions.BROWSE_PROJECTS.havePermission;\n"
        "}\n"
        "async function b(q) {\n"
        "  return get(`${BASE}/rest/api/3/mypermissions?permissions=BROWSE_PROJECTS&${q}`);\n"
        "}\n"
        "module.exports = { a, b, KEY };\n"
    )
    res = rewrite("javascript", src)
    got = {(f.line, f.classification) for f in res.findings}
    assert got == {(2, NEEDS_REVIEW), (4, REWRITTEN), (5, REWRITTEN), (8, NEEDS_REVIEW)}


def test_every_message_is_a_sentence_naming_the_unit():
    src = (
        "def f(s, k):\n"
        '    r = s.get(f"/rest/api/3/mypermissions?issueKey={k}&permissions=BROWSE_PROJECTS")\n'
        '    return r.json()["permissions"]["BROWSE_PROJECTS"]["havePermission"]\n'
    )
    res = rewrite("python", src)
    assert [f.classification for f in res.findings] == [NEEDS_REVIEW, NEEDS_REVIEW]
    for f, other in zip(res.findings, ("line 3", "line 2")):
        assert f.message[0].isupper() and f.message.endswith(".")
        assert other in f.message


def test_a_read_in_another_method_is_in_its_request_s_unit():
    """A field set in one method and read in another: the read pairs with the request file-wide, and the
    unit follows the pairing, so an issue-context object read there holds the request back."""
    src = (
        "class Gate {\n"
        "  async load(issueKey) {\n"
        "    this.perms = await get(`/rest/api/3/mypermissions?issueKey=${issueKey}&permissions=BROWSE_PROJECTS`);\n"
        "  }\n"
        "  entry() {\n"
        "    return this.perms.permissions.BROWSE_PROJECTS;\n"
        "  }\n"
        "}\n"
    )
    res = rewrite("javascript", src)
    assert res.new_source == src
    assert [(f.line, f.classification) for f in res.findings] == [(3, NEEDS_REVIEW), (6, NEEDS_REVIEW)]
