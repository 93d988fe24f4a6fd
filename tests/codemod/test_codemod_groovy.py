"""The Groovy tokenizer: strings and comments are recognised exactly, so keys in comments are never touched."""

from __future__ import annotations

import pytest

from migrate.codemod import rewrite
from migrate.codemod.groovy import masked, tokenize


def strings(src: str) -> list[str]:
    return [t.text for t in tokenize(src) if t.kind == "str"]


@pytest.mark.parametrize(
    "src, expected",
    [
        ("def a = 'x' + \"y\"", ["'x'", '"y"']),
        ("def a = '''multi\nline'''", ["'''multi\nline'''"]),
        ('def a = """G${x + "in"}string"""', ['"""G${x + "in"}string"""']),
        ("def r = /slashy ${x}/", ["/slashy ${x}/"]),
        ("def d = a / b / c", []),  # divisions, not slashy strings
        ("def r = $/dollar slashy/$", ["$/dollar slashy/$"]),
        ("// 'not a string'\ndef a = 1 /* \"nor this\" */", []),
        ("def e = 'it\\'s'", ["'it\\'s'"]),
        ('def g = "a${m["k"]}b"', ['"a${m["k"]}b"']),
    ],
)
def test_tokenizer_strings(src, expected):
    assert strings(src) == expected


def test_masked_interpolations():
    src = 'def u = "/x?issueKey=${k}&permissions=BROWSE_PROJECTS&n=$name.x"'
    t = [t for t in tokenize(src) if t.kind == "str"][0]
    m = masked(src, t)
    assert "issueKey=\0\0\0\0&permissions=BROWSE_PROJECTS" in m
    assert "k" not in m.split("issueKey=")[1][:4]


def test_keys_in_comments_and_slashy_division_are_left_alone():
    src = "// permissions=BROWSE_PROJECTS\ndef ratio = total / count / 2\n/* BROWSE_PROJECTS */\n"
    res = rewrite("groovy", src)
    assert res.new_source == src and res.findings == ()


def test_unterminated_string_does_not_swallow_the_file():
    src = "def a = 'oops\ndef b = ProjectPermissions.BROWSE_PROJECTS\n"
    res = rewrite("groovy", src)
    assert [f.rule for f in res.findings] == ["server-api"]


def test_read_that_repeats_a_call_blocks_the_request():
    src = (
        'def r = get("/rest/api/3/mypermissions?issueKey=${k}&permissions=BROWSE_PROJECTS")\n'
        "def ok = r.asObject(Map).body.permissions.BROWSE_PROJECTS.havePermission\n"
    )
    res = rewrite("groovy", src)
    assert res.new_source == src
    assert [(f.rule, f.classification) for f in res.findings] == [("url-query", "needs-review"), ("response-read", "needs-review")]
