"""Jira REST calls in Groovy (ScriptRunner for Jira Cloud, Grails/Micronaut Connect apps), from the codemod's
Groovy tokenizer (ast-grep has no Groovy grammar).

    get("/rest/api/3/issue/${issueKey}").header(...).asObject(Map)     GET, through its verb
    post('/rest/api/2/issue/' + key + '/comment').body(...).asString()  POST
    Unirest.delete("${base}/rest/api/3/issue/${key}").asEmpty()          DELETE
    def url = "/rest/api/3/project/${key}"; ... get(url)                 GET, through the variable

A URL is a string token holding `rest/` with the `+` pieces around it; `${...}` / `$name` and other pieces
are run-time, except names bound once in the file to a constant string (`final String API = '/rest/api/3'`).
The method is the verb of the call whose first argument the URL is; anything else leaves it unknown.
"""

from __future__ import annotations

import re

from migrate.scopes.calls import EMAIL_RE, worth_parsing
from migrate.scopes.methods import NOT_A_REQUEST, verb_of_name
from migrate.scopes.model import Call, FileCalls, Marker
from migrate.scopes.paths import DYNAMIC, parse_url
from migrate.scopes.source import LineIndex, Tok, tokenize

DECL_WORDS = {"def", "final", "static", "String", "var", "private", "public", "protected"}


def extract(path: str, text: str) -> FileCalls:
    if not worth_parsing(text):
        return FileCalls([], [])
    toks = [t for t in tokenize(text) if t.kind != "nl"]
    lines = LineIndex(text)
    constants = _constants(toks, text)
    calls: list[Call] = []
    markers: list[Marker] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "str" and ("rest/" in _content(text, t, constants) or _uses_rest_constant(text, t, constants)):
            if _is_constant_decl(toks, i, constants):
                i += 1
                continue
            a, b = _extent(toks, i)
            url = "".join(_piece(text, toks[k], constants) for k in range(a, b + 1) if toks[k].text != "+")
            if parse_url(url) is not None:
                method, why, via = _sending(toks, a, b, text)
                if via is not None:
                    l1, c1 = lines.pos(toks[a].start)
                    l2, c2 = lines.pos(toks[b].end)
                    snippet = text[toks[a].start : toks[b].end].split("\n")[0].strip()[:200]
                    calls.append(Call(path, "groovy", l1, c1, l2, c2, url, method, why, via, snippet))
            i = b + 1
            continue
        i += 1
    for m in EMAIL_RE.finditer(text):
        if any(t.start <= m.start() < t.end for t in toks):
            line, col = lines.pos(m.start())
            markers.append(Marker("email-address", path, line, col, m.group(0)))
            break
    return FileCalls(calls, markers)


def _content(src: str, t: Tok, constants: dict[str, str]) -> str:
    """A string token's text, interpolations of constants substituted and the rest DYNAMIC."""
    out = []
    pos = t.cs
    for a, b in t.interps:
        out.append(src[pos:a])
        inner = src[a:b].strip("${}")
        out.append(constants.get(inner, DYNAMIC))
        pos = b
    out.append(src[pos : t.ce])
    return "".join(out)


def _uses_rest_constant(src: str, t: Tok, constants: dict[str, str]) -> bool:
    return any("rest/" in constants.get(src[a:b].strip("${}"), "") for a, b in t.interps)


def _piece(src: str, t: Tok, constants: dict[str, str]) -> str:
    if t.kind == "str":
        return _content(src, t, constants)
    if t.kind == "ident" and t.text in constants:
        return constants[t.text]
    return DYNAMIC


def _constants(toks: list[Tok], src: str) -> dict[str, str]:
    """`NAME = 'text'` bound once, the string alone on the right."""
    seen: dict[str, list[str | None]] = {}
    for k in range(1, len(toks) - 1):
        if toks[k].text != "=" or toks[k - 1].kind != "ident":
            continue
        name = toks[k - 1].text
        value = None
        nxt = toks[k + 1]
        after = toks[k + 2] if k + 2 < len(toks) else None
        if nxt.kind == "str" and not nxt.interps and (after is None or after.text not in ("+", ".", "(", "[")):
            value = src[nxt.cs : nxt.ce]
        seen.setdefault(name, []).append(value)
    return {n: v[0] for n, v in seen.items() if len(v) == 1 and v[0] is not None}


def _is_constant_decl(toks: list[Tok], i: int, constants: dict[str, str]) -> bool:
    return i >= 2 and toks[i - 1].text == "=" and toks[i - 2].kind == "ident" and toks[i - 2].text in constants


def _extent(toks: list[Tok], i: int) -> tuple[int, int]:
    """The `+` chain around token i: (first, last) token index."""
    a = b = i
    while a >= 2 and toks[a - 1].text == "+" and toks[a - 2].kind in ("str", "ident"):
        a -= 2
    while b + 2 < len(toks) and toks[b + 1].text == "+" and toks[b + 2].kind in ("str", "ident"):
        b += 2
    return a, b


def _sending(toks: list[Tok], a: int, b: int, src: str) -> tuple[str | None, str, str | None]:
    """(method, why, via); via None when the URL is not sent (a log line)."""
    if a >= 2 and toks[a - 1].text == "(" and toks[a - 2].kind == "ident":
        name = toks[a - 2].text
        via = name
        if a >= 4 and toks[a - 3].text in (".", "?."):
            via = f"{toks[a - 4].text}.{name}"
        if NOT_A_REQUEST.match(name) or name.lower().endswith(("error", "exception")):
            return None, "", None
        verb = verb_of_name(name)
        if verb:
            return verb, f"`{via}`", via
        return None, f"sent through `{via}`, which does not show the method", via
    if a >= 2 and toks[a - 1].text == "=" and toks[a - 2].kind == "ident":
        var = toks[a - 2].text
        methods = set()
        via = ""
        for k in range(b + 1, len(toks) - 1):
            if toks[k].kind == "ident" and toks[k].text == var and toks[k - 1].text == "(" and toks[k - 2].kind == "ident":
                verb = verb_of_name(toks[k - 2].text)
                methods.add(verb)
                via = toks[k - 2].text
        if len(methods) == 1 and None not in methods:
            m = methods.pop()
            return m, f"`{via}` (through `{var}`)", via
        if not methods:
            return None, f"stored in `{var}`, which no call in this file sends", ""
        return None, f"stored in `{var}` and sent by calls that do not agree on a method", via
    return None, "the code does not show the call that sends this URL", ""
