"""Find the JQL calls that name BROWSE_PROJECTS: ``projectsWhereUserHasPermission(<permission>)`` whose one
argument is the key or the name, in any case, quoted or not.

A real tokenizer, not a text search: JQL string literals (``"..."`` or ``'...'`` with backslash escapes) are
skipped as values, so ``text ~ "projectsWhereUserHasPermission(\\"Browse Projects\\")"`` or
``summary ~ "BROWSE_PROJECTS"`` name nothing; neither does another function (``projectsWhereUserHasRole``)
or another permission. JQL function names are case-insensitive. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrate.scan import names

FUNCTION = "projectswhereuserhaspermission"
_PUNCT = "(),"
_OPERATOR_CHARS = "=!~<>"
_WORD_STOP = set(" \t\r\n\"'") | set(_PUNCT) | set(_OPERATOR_CHARS)


class JqlSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Token:
    kind: str  # word | string | punct | op
    value: str  # the unquoted value for strings
    start: int
    end: int  # offsets into the JQL text, end exclusive


def tokenize(jql: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(jql)
    while i < n:
        c = jql[i]
        if c.isspace():
            i += 1
        elif c in "\"'":
            j, buf = i + 1, []
            while j < n and jql[j] != c:
                if jql[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(jql[j])
                j += 1
            if j >= n:
                raise JqlSyntaxError(f"unterminated string starting at {i}")
            out.append(Token("string", "".join(buf), i, j + 1))
            i = j + 1
        elif c in _PUNCT:
            out.append(Token("punct", c, i, i + 1))
            i += 1
        elif c in _OPERATOR_CHARS:
            j = i
            while j < n and jql[j] in _OPERATOR_CHARS:
                j += 1
            out.append(Token("op", jql[i:j], i, j))
            i = j
        else:
            j = i
            while j < n and jql[j] not in _WORD_STOP:
                j += 1
            out.append(Token("word", jql[i:j], i, j))
            i = j
    return out


@dataclass(frozen=True)
class Call:
    """One call naming BROWSE_PROJECTS: the argument as written and where it sits in the JQL."""

    argument: str
    start: int  # the argument's span, for a precise rewrite
    end: int


def browse_calls(jql: str) -> list[Call]:
    """Every ``projectsWhereUserHasPermission`` call whose argument is BROWSE_PROJECTS. Raises JqlSyntaxError."""
    toks = tokenize(jql)
    found: list[Call] = []
    for i, t in enumerate(toks):
        if t.kind != "word" or t.value.lower() != FUNCTION:
            continue
        if i + 1 >= len(toks) or toks[i + 1].value != "(" or toks[i + 1].kind != "punct":
            continue
        j, args = i + 2, []
        while j < len(toks) and not (toks[j].kind == "punct" and toks[j].value == ")"):
            args.append(toks[j])
            j += 1
        if j >= len(toks):
            raise JqlSyntaxError(f"unclosed call at {t.start}")
        if not args or any(a.kind == "punct" for a in args):  # no argument, or several
            continue
        # an unquoted argument may be several words (Browse Projects): take them as one
        text = " ".join(a.value for a in args)
        if names.is_short_name(text):
            found.append(Call(jql[args[0].start:args[-1].end], args[0].start, args[-1].end))
    return found


def rewrite(jql: str, calls: list[Call], target_name: str) -> str:
    """The JQL with each call's argument replaced by ``"target_name"``, everything else byte for byte."""
    out, last = [], 0
    for c in sorted(calls, key=lambda c: c.start):
        out += [jql[last:c.start], f'"{target_name}"']
        last = c.end
    return "".join(out) + jql[last:]
