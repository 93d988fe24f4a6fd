"""Groovy (ScriptRunner scripts, Jenkinsfiles, Gradle): ast-grep has no Groovy grammar, so a tokenizer.

The tokenizer knows Groovy's comments and every string form ('...', "..." GStrings with ${} and $name,
'''...''', \"\"\"...\"\"\", /slashy/, $/dollar slashy/$), so keys inside comments are never touched and keys inside
strings are edited in place. On the tokens it recognises the same families as the tree-based rules:

    get("/rest/api/3/mypermissions?issueKey=${k}&permissions=BROWSE_PROJECTS")      url-query
    .queryString("issueKey", k).queryString("permissions", "BROWSE_PROJECTS")       check-body (setter)
    [projectPermissions: [[permissions: ["BROWSE_PROJECTS"], issues: [id]]]]       check-body
    resp.body.permissions.BROWSE_PROJECTS.havePermission / ['BROWSE_PROJECTS']     response-read
    g.permission == "BROWSE_PROJECTS"                                              grant-filter (-> in [...])
    ProjectPermissions.BROWSE_PROJECTS / Permissions.BROWSE                        server-api (report-only)

Anything else is needs-review, as in the other languages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from migrate.codemod import context as C
from migrate.codemod.occurrence import ASSERT_HINT, OCC_RE, VARIANT_RE, Outcome
from migrate.codemod.model import ISSUE, NEEDS_REVIEW, NEW_KEYS, OLD_ALIAS, OLD_KEY, PROJECT, REPORT_ONLY, REWRITTEN, VIEW_ISSUES, VIEW_PROJECTS, Edit, keys_for
from migrate.codemod.rules.common import QUERY_LIST_RE, is_prose, parse_list, rewrite_list
from migrate.codemod.rules.grant_filter import ACCESS_MSG, UNKNOWN_MSG, membership, purpose

IDENT_RE = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
NUM_RE = re.compile(r"\d[\w.]*")
OPS = ("?.", "*.", "==", "!=", "<=", ">=", "&&", "||", "->", "?:", "+=", "-=", "<<", "..", "=~", "==~")
# after these tokens a `/` starts a slashy string, not a division
SLASHY_AFTER = {"(", "[", "{", ",", "=", ":", "?", "!", "&&", "||", "==", "!=", "return", "->", "+", ";", "~", "=~", "==~"}
CONTINUES = {"+", "-", "*", "&&", "||", ".", "?.", ",", "(", "[", "=", "==", "!=", ":", "?", "->", "<<", "?:"}


@dataclass
class Tok:
    kind: str  # str | ident | num | op | nl
    text: str
    start: int
    end: int
    # for strings: content span and interpolation spans (masked when read as data)
    cs: int = 0
    ce: int = 0
    interps: list[tuple[int, int]] = field(default_factory=list)


def tokenize(src: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(src)
    if src.startswith("#!"):
        i = src.find("\n") if "\n" in src else n
    while i < n:
        c = src[i]
        if c == "\n":
            toks.append(Tok("nl", "\n", i, i + 1))
            i += 1
            continue
        if c in " \t\r\f\\":
            i += 1
            continue
        if src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
            continue
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        prev = next((t for t in reversed(toks) if t.kind != "nl"), None)
        slashy_ok = prev is None or prev.text in SLASHY_AFTER or prev.kind == "nl"
        if src.startswith("$/", i):
            j = src.find("/$", i + 2)
            j = n if j < 0 else j
            toks.append(_string(src, i, j + 2, i + 2, j, interp=True))
            i = j + 2
            continue
        if c in "'\"" or (c == "/" and slashy_ok and not src.startswith("//", i) and not src.startswith("/*", i)):
            q = src[i : i + 3] if src[i : i + 3] in ("'''", '"""') else c
            j = _string_end(src, i + len(q), q, interp=(c != "'"))
            toks.append(_string(src, i, j, i + len(q), j - len(q), interp=(c != "'")))
            i = j
            continue
        m = IDENT_RE.match(src, i)
        if m:
            toks.append(Tok("ident", m.group(0), i, m.end()))
            i = m.end()
            continue
        m = NUM_RE.match(src, i)
        if m:
            toks.append(Tok("num", m.group(0), i, m.end()))
            i = m.end()
            continue
        op = next((o for o in sorted(OPS, key=len, reverse=True) if src.startswith(o, i)), c)
        toks.append(Tok("op", op, i, i + len(op)))
        i += len(op)
    return toks


def _string_end(src: str, i: int, q: str, interp: bool) -> int:
    n = len(src)
    while i < n:
        if src[i] == "\\":
            i += 2
            continue
        if interp and src.startswith("${", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if src[i] in "'\"":  # a string inside the interpolation
                    i = _string_end(src, i + 1, src[i], src[i] == '"')
                    continue
                depth += {"{": 1, "}": -1}.get(src[i], 0)
                i += 1
            continue
        if src.startswith(q, i):
            return i + len(q)
        if len(q) == 1 and q != "/" and src[i] == "\n":
            return i  # unterminated single-line string: stop at the line end
        i += 1
    return n


def _string(src: str, s: int, e: int, cs: int, ce: int, interp: bool) -> Tok:
    t = Tok("str", src[s:e], s, e, cs, max(cs, ce))
    if interp:
        for m in re.finditer(r"\$\{|\$[A-Za-z_][\w.]*", src[cs:ce]):
            a = cs + m.start()
            if m.group(0) == "${":
                b = _brace_end(src, a + 2)
            else:
                b = cs + m.end()
            t.interps.append((a, min(b, ce)))
    return t


def _brace_end(src: str, i: int) -> int:
    depth = 1
    while i < len(src) and depth:
        depth += {"{": 1, "}": -1}.get(src[i], 0)
        i += 1
    return i


def masked(src: str, t: Tok) -> str:
    chars = list(src[t.cs : t.ce])
    for a, b in t.interps:
        for k in range(max(a, t.cs), min(b, t.ce)):
            chars[k - t.cs] = "\0"
    return "".join(chars)


# --------------------------------------------------------------------------------------------- analysis


class GFile:
    def __init__(self, path: str, src: str):
        self.path = path
        self.src = src
        self.toks = [t for t in tokenize(src)]
        self.code = [t for t in self.toks if t.kind != "nl"]  # tokens without newlines
        self.match = self._brackets()

    def _brackets(self) -> dict[int, int]:
        pairs, stack = {}, []
        for i, t in enumerate(self.code):
            if t.kind != "op":
                continue
            if t.text in "([{":
                stack.append(i)
            elif t.text in ")]}" and stack:
                j = stack.pop()
                pairs[i], pairs[j] = j, i
        return pairs

    def tok(self, i: int) -> Tok | None:
        return self.code[i] if 0 <= i < len(self.code) else None

    def text(self, i: int) -> str:
        t = self.tok(i)
        return t.text if t else ""

    def value(self, i: int) -> str | None:
        t = self.tok(i)
        if t is None or t.kind != "str" or t.interps:
            return None
        return self.src[t.cs : t.ce]

    def enclosing(self, i: int, opener: str) -> int | None:
        """Index of the innermost bracket `opener` enclosing token i."""
        depth = 0
        for j in range(i - 1, -1, -1):
            t = self.code[j]
            if t.kind != "op":
                continue
            if t.text in ")]}":
                depth += 1
            elif t.text in "([{":
                if depth == 0:
                    return j if t.text == opener else None
                depth -= 1
        return None

    def label_before(self, i: int) -> str | None:
        """`label:` or `'label':` right before token i (a Groovy map entry)."""
        if self.text(i - 1) == ":":
            t = self.tok(i - 2)
            if t is not None and t.kind == "ident":
                return t.text
            v = self.value(i - 2)
            if v is not None:
                return v
        return None

    def map_labels(self, open_i: int) -> list[str]:
        """Labels of the entries of the map literal `[a: ..., b: ...]` opened at open_i (depth 1 only)."""
        close = self.match.get(open_i, len(self.code))
        out, depth = [], 0
        for j in range(open_i + 1, close):
            t = self.code[j]
            if t.kind == "op" and t.text in "([{":
                depth += 1
            elif t.kind == "op" and t.text in ")]}":
                depth -= 1
            elif depth == 0 and self.text(j + 1) == ":" and (t.kind == "ident" or t.kind == "str"):
                out.append(t.text if t.kind == "ident" else (self.value(j) or ""))
        return out

    def statement_bounds(self, i: int) -> tuple[int, int]:
        """Token index range of the statement holding token i (newlines end statements unless continued)."""
        # work on the full token list to see newlines
        full = self.toks
        pos = full.index(self.code[i])
        a = pos
        depth = 0
        while a > 0:
            t = full[a - 1]
            if t.kind == "op" and t.text in ")]}":
                depth += 1
            elif t.kind == "op" and t.text in "([{":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and (t.text == ";" or (t.kind == "nl" and not self._continued(full, a - 1))):
                break
            a -= 1
        b = pos
        depth = 0
        while b < len(full) - 1:
            t = full[b + 1]
            if t.kind == "op" and t.text in "([{":
                depth += 1
            elif t.kind == "op" and t.text in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and (t.text == ";" or (t.kind == "nl" and not self._continued(full, b + 1))):
                break
            b += 1
        code_ids = {id(t): k for k, t in enumerate(self.code)}
        lo = next((code_ids[id(full[k])] for k in range(a, b + 1) if id(full[k]) in code_ids), i)
        hi = next((code_ids[id(full[k])] for k in range(b, a - 1, -1) if id(full[k]) in code_ids), i)
        return lo, hi

    @staticmethod
    def _continued(full: list[Tok], nl: int) -> bool:
        before = next((t for t in reversed(full[:nl]) if t.kind != "nl"), None)
        after = next((t for t in full[nl + 1 :] if t.kind != "nl"), None)
        if before is not None and before.kind == "op" and before.text in CONTINUES:
            return True
        return after is not None and after.kind == "op" and after.text in (".", "?.", "+", "&&", "||", "?", ":", "?:")

    def requests(self) -> list[str | None]:
        if not hasattr(self, "_requests"):
            self._requests = []
            for t_i, t in enumerate(self.code):
                if t.kind != "str":
                    continue
                for key_text in re.finditer(r"BROWSE_PROJECTS|BROWSE|VIEW_PROJECTS|VIEW_ISSUES", self.src[t.cs : t.ce]):
                    site = self.request_at(t_i, t.cs + key_text.start())
                    if site is not None:
                        self._requests.append(site)
                        break
        return self._requests

    # -------------------------------------------------------------------------------- request shapes
    def url_list(self, i: int, occ_start: int):
        """A permissions= list in the string concatenation around token i: (KeyList, joined text, span)."""
        # extend over `str + str + x + str` runs
        lo = hi = i
        while self.text(lo - 1) == "+" and self.tok(lo - 2) is not None:
            lo -= 2
        while self.text(hi + 1) == "+" and self.tok(hi + 2) is not None:
            hi += 2
        parts, segs, pos = [], [], 0
        for k in range(lo, hi + 1, 2):
            t = self.code[k]
            if t.kind == "str":
                text = masked(self.src, t)
                segs.append((pos, pos + len(text), t.cs))
                parts.append(text)
                pos += len(text)
            else:
                parts.append("\0")
                pos += 1
        joined = "".join(parts)
        where = (self.code[lo].start, self.code[hi].end)
        for m in QUERY_LIST_RE.finditer(joined):
            kl = parse_list(joined, m.start(1), m.end(1), segs, where)
            if any(it.start == occ_start for it in kl.items):
                return kl, joined, where
        return None

    def scope_context(self) -> C.Context | None:
        names = []
        for k, t in enumerate(self.code):
            if t.kind == "str":
                v = self.value(k)
                if v and (v.lower() in C.ISSUE_NAMES or v.lower() in C.PROJECT_NAMES):
                    names.append(v)
                ctx = C.from_url_text(masked(self.src, t))
                if ctx is not None and ctx.value:
                    names.append("issueKey" if ctx.value == ISSUE else "projectKey")
            elif t.kind == "ident" and self.text(k + 1) == ":" and (t.text.lower() in C.ISSUE_NAMES or t.text.lower() in C.PROJECT_NAMES):
                names.append(t.text)
        return C.from_names(names, "the script (parameters set one by one)")

    def body_site(self, i: int):
        """[permissions: ['KEY'], issues: [...]] / [permissions: 'KEY', issueKey: k] / ('permissions', 'KEY')."""
        lst = self.enclosing(i, "[")
        if lst is not None and self.label_before(lst) == "permissions":
            owner = self.enclosing(lst, "[") or self.enclosing(lst, "(")
            labels = self.map_labels(owner) if owner is not None else []
            return "list", lst, C.from_names([x for x in labels if x != "permissions"], "the request")
        if self.label_before(i) == "permissions":
            owner = self.enclosing(i, "[") or self.enclosing(i, "(")
            labels = self.map_labels(owner) if owner is not None else []
            return "value", owner, C.from_names([x for x in labels if x != "permissions"], "the request") or self.scope_context()
        if self.text(i - 1) == "," and self.value(i - 2) == "permissions" and self.text(i - 3) == "(" and self.text(i + 1) == ")":
            return "setter", i - 3, self.scope_context()
        return None

    def request_at(self, i: int, occ_start: int):
        found = self.url_list(i, occ_start)
        if found is not None:
            kl, joined, _ = found
            keys = kl.keys()
            if any(k in NEW_KEYS for k in keys):
                return ISSUE if VIEW_ISSUES in keys else PROJECT
            ctx = C.from_url_text(joined)
            return ctx.value if ctx else None
        site = self.body_site(i)
        alias = self.src.startswith(OLD_ALIAS, occ_start) and not self.src.startswith(OLD_KEY, occ_start)
        if site is not None and (not alias or _alias_parameter(site)):
            shape, _, ctx = site
            t = self.code[i]
            content = self.src[t.cs : t.ce]
            if VIEW_ISSUES in content:
                return ISSUE
            if VIEW_PROJECTS in content:
                return PROJECT
            return ctx.value if ctx else None
        return None

    # -------------------------------------------------------------------------------- chains
    def chain_start(self, i: int) -> int:
        """First token of the postfix chain ending at token i (a.b?.c['d'].e())."""
        j = i
        while True:
            t = self.tok(j)
            if t is None:
                return j + 1
            if t.kind == "op" and t.text in ")]" and j in self.match:
                j = self.match[j] - 1
                continue
            if t.kind in ("ident", "str") or (t.kind == "op" and t.text in (".", "?.", "*.")):
                prev = self.tok(j - 1)
                if t.kind in ("ident", "str") and (prev is None or prev.text not in (".", "?.", "*.") and not (prev.text in ")]")):
                    return j
                j -= 1
                continue
            return j + 1

    def chain_after(self, i: int) -> tuple[int, bool, bool]:
        """Extend a read after token i up to havePermission: (last token index, boolean read, nullable)."""
        j, boolean, nullable = i, False, False
        while True:
            nxt = self.tok(j + 1)
            if nxt is None:
                break
            if nxt.text in (".", "?.") and self.tok(j + 2) is not None and self.tok(j + 2).kind == "ident":
                nullable |= nxt.text == "?."
                j += 2
                if re.fullmatch(r"(get)?[Hh]avePermission", self.code[j].text):
                    boolean = True
                    if self.text(j + 1) == "(" and self.text(j + 2) == ")":
                        j += 2
                    break
                continue
            if nxt.text == "[" and j + 1 in self.match:
                v = self.value(j + 2)
                j = self.match[j + 1]
                if v == "havePermission":
                    boolean = True
                    break
                continue
            if nxt.text == "(" and j + 1 in self.match:
                j = self.match[j + 1]
                continue
            break
        return j, boolean, nullable


def analyse(path: str, src: str) -> list[Outcome]:
    """Outcomes for a script. The engine treats a script as one change unit: every read pairs with every
    request, so one site that cannot be rewritten keeps all of them as they are."""
    g = GFile(path, src)
    code_by_start = {t.start: k for k, t in enumerate(g.code)}
    outcomes = []
    may_assert = ASSERT_HINT.search(src) is not None
    for m in OCC_RE.finditer(src):
        s, e = m.span(1)
        key = m.group(1)
        k = _token_index(g, s, e, code_by_start)
        if k is None:
            continue  # in a comment (comments are not tokens)
        out = (_assertion(g, k, key) if may_assert else None) or _classify(g, k, key, s, e)
        if out is not None:
            outcomes.append(out)
    if "rowse" in src:
        for m in VARIANT_RE.finditer(src):
            grp = 1 if m.group(1) is not None else 2
            s, e = m.span(grp)
            text = m.group(grp)
            k = _token_index(g, s, e, code_by_start)
            if text in (OLD_KEY, OLD_ALIAS) or k is None or g.code[k].kind != "str":
                continue
            t = g.code[k]
            content = masked(src, t)
            if is_prose(content, s - t.cs, e - t.cs):
                outcomes.append(Outcome("key-variant", NEEDS_REVIEW, f"text names the permission as {text!r}: update it if it describes the permission", (t.start, t.end), flow=False))
            else:
                outcomes.append(_review("key-variant", f"the permission is named {text!r} (another spelling of BROWSE_PROJECTS): use VIEW_PROJECTS for a project check, VIEW_PROJECTS and VIEW_ISSUES for an issue check; change it by hand", (t.start, t.end)))
    return outcomes


def _assertion(g: GFile, k: int, key: str) -> Outcome | None:
    """`assert ...` (Groovy's power assert, Spock) and assert*/expect*/verify* calls: never rewritten."""
    if key != OLD_KEY:
        return None
    lo, hi = g.statement_bounds(k)
    while g.text(lo - 1) in ("(", "[") and g.tok(lo - 1) is not None:  # out of brackets to the whole statement
        lo, hi = g.statement_bounds(lo - 1)
    for j in range(lo, k):
        t = g.code[j]
        if t.kind == "ident" and (t.text == "assert" or re.match(r"(assert\w*|expect\w*|verify\w*)$", t.text) and g.text(j + 1) == "("):
            if j == lo or g.text(j - 1) in (":", ";", "{", ")"):
                return _review("assertion", f"a test assertion names {key}: assertions are never rewritten. Update it by hand to what the code under test does after the split", (t.start, g.code[hi].end))
    return None


def _token_index(g: GFile, s: int, e: int, by_start: dict[int, int]) -> int | None:
    if s in by_start and g.code[by_start[s]].end == e:
        return by_start[s]
    for k, t in enumerate(g.code):  # inside a string
        if t.kind == "str" and t.cs <= s and e <= t.ce and not any(a <= s < b for a, b in t.interps):
            return k
        if t.start > s:
            break
    return None


def _review(rule: str, msg: str, anchor) -> Outcome:
    return Outcome(rule, NEEDS_REVIEW, msg, anchor)


def _classify(g: GFile, k: int, key: str, s: int, e: int) -> Outcome | None:
    t = g.code[k]
    src = g.src
    dc = bool(re.search(r"^\s*import\s+(?:static\s+)?com\.atlassian\.jira\.", src, re.M))
    # ------------------------------------------------------------------ identifiers
    if t.kind == "ident":
        stmt_lo, _ = g.statement_bounds(k)
        if g.text(stmt_lo) == "import":
            return Outcome("server-api", REPORT_ONLY, "Jira Data Center plugin API (static import): Data Center has no new keys. Reported only", (g.code[stmt_lo].start, e)) if "com.atlassian" in src[g.code[stmt_lo].start : e] else None
        owner = g.text(k - 2) if g.text(k - 1) in (".", "?.") else None
        if key == OLD_ALIAS:
            if owner in ("Permissions", "ProjectPermissions"):
                return Outcome("server-api", REPORT_ONLY, f"Jira Data Center plugin API ({owner}.BROWSE): Data Center has no new keys. Reported only", (g.code[k - 2].start, e))
            if owner is not None and owner.lower() == "permissions":
                return _read(g, k, s, e)  # a request for BROWSE is answered under BROWSE
            return None
        if owner == "ProjectPermissions":
            return Outcome("server-api", REPORT_ONLY, "Jira Data Center plugin API (ProjectPermissions.BROWSE_PROJECTS): Data Center has no VIEW_PROJECTS/VIEW_ISSUES keys. Reported only", (g.code[k - 2].start, e))
        if owner is not None and owner.lower() == "permissions":
            return _read(g, k, s, e)
        if dc:
            return Outcome("server-api", REPORT_ONLY, "BROWSE_PROJECTS in a script that imports com.atlassian.jira.* (Data Center). Reported only", (s, e))
        if owner is not None:
            return _review("indirect", f"`{owner}.BROWSE_PROJECTS` names the key through a constant or enum: check what it is used for", (g.code[k - 2].start, e))
        return _review("indirect", "BROWSE_PROJECTS used as a name (constant, variable): check what it is used for", (s, e))
    # ------------------------------------------------------------------ strings
    found = g.url_list(k, s)
    if found is not None:
        kl, joined, where = found
        ctx = C.from_url_text(joined)
        if ctx is None or ctx.value is None:
            if all(x in kl.keys() for x in NEW_KEYS):
                return None
            why = ctx.why if ctx else "no projectKey/projectId/issueKey/issueId in the same URL expression"
            return _review("url-query", f"the permissions= query parameter with {key}: {why} (set elsewhere, at run time, or global context)", where)
        out = _guard(g, ctx, "url-query", where, "the permissions= query parameter")
        return out or _none_if_skip(rewrite_list("url-query", kl, ctx, where, "the permissions= query parameter"))
    whole = (t.cs, t.ce) == (s, e)
    # response read by subscript: x.permissions['BROWSE_PROJECTS'] (or the alias 'BROWSE')
    if whole and g.text(k - 1) == "[" and g.text(k + 1) == "]":
        prev = g.tok(k - 2)
        if prev is not None and (prev.text.lower() == "permissions" or (prev.text == "]" and (g.value(g.match.get(k - 2, 0) + 1) or "").lower() == "permissions")):
            return _read(g, k + 1, s, e, key_tok=k)
    if key != OLD_KEY and not (whole and _alias_parameter(g.body_site(k))):
        return None
    if not whole:
        if dc:
            return Outcome("server-api", REPORT_ONLY, "BROWSE_PROJECTS in a script that imports com.atlassian.jira.* (Data Center). Reported only", (t.start, t.end), flow=False)
        content = masked(src, t)
        if is_prose(content, s - t.cs, e - t.cs):
            return Outcome("unrecognised", NEEDS_REVIEW, "text (a message or label) names BROWSE_PROJECTS: update it if it describes the permission", (t.start, t.end), flow=False)
        return _review("unrecognised", "text or an expression inside a string names BROWSE_PROJECTS: update it if it checks the permission", (t.start, t.end))
    lst = g.enclosing(k, "[")
    if lst is not None and lst in g.match:
        inside = {g.value(j) for j in range(lst + 1, g.match[lst])}
        if VIEW_PROJECTS in inside and VIEW_ISSUES in inside:
            return None  # a list that already names both new keys (e.g. an extended filter)
    if g.text(k - 1) == "(" and g.text(k - 2) == "ProjectPermissionKey":
        return Outcome("server-api", REPORT_ONLY, 'Jira Data Center plugin API (new ProjectPermissionKey("BROWSE_PROJECTS")). Reported only', (g.code[k - 3].start if g.text(k - 3) == "new" else g.code[k - 2].start, g.code[g.match.get(k - 1, k)].end))
    site = g.body_site(k)
    if site is not None:
        shape, owner, ctx = site
        anchor = (t.start, t.end) if shape != "setter" else (g.code[owner].start, g.code[g.match.get(owner, k)].end)
        content_keys = []
        if shape == "list":
            lst_open = g.enclosing(k, "[")
            content_keys = [g.value(j) for j in range(lst_open + 1, g.match.get(lst_open, lst_open + 1))]
        if ctx is None or ctx.value is None:
            if all(x in content_keys for x in NEW_KEYS):
                return None
            why = ctx.why if ctx else "no issues/issueKey or projects/projectKey beside it"
            return _review("check-body", f"the permissions request names {key} but its context is not known statically: {why}", anchor)
        out = _guard(g, ctx, "check-body", anchor, "the permissions request")
        if out is not None:
            return out
        if shape == "list":
            needed = keys_for(ctx.value)
            if any(x in NEW_KEYS for x in content_keys):
                return None if all(x in content_keys for x in needed) else _review("check-body", "the permission list already names some new keys: finish it by hand", anchor)
            q = src[t.start : t.cs]
            new = f"{q}{VIEW_PROJECTS}{q}" + ("" if ctx.value == PROJECT else f", {q}{VIEW_ISSUES}{q}")
            return Outcome("check-body", REWRITTEN, f"the permission check body in {ctx.value} context ({ctx.why}): BROWSE_PROJECTS -> {' + '.join(needed)}", anchor, (Edit(t.start, t.end, new),), ctx.value)
        content = masked(src, t)
        kl = parse_list(content, 0, len(content), [(0, len(content), t.cs)], (t.start, t.end))
        return _none_if_skip(rewrite_list("check-body", kl, ctx, anchor, "the permissions parameter"))
    # comparisons
    op_before = g.text(k - 1) in ("==", "!=")
    op_after = g.text(k + 1) in ("==", "!=")
    if op_before or op_after:
        return _filter(g, k, op_before)
    if g.text(k - 1) == "=" and g.tok(k - 2) is not None and g.tok(k - 2).kind == "ident":
        if dc:
            return Outcome("server-api", REPORT_ONLY, "BROWSE_PROJECTS in a script that imports com.atlassian.jira.* (Data Center). Reported only", (t.start, t.end))
        return _review("indirect", f"BROWSE_PROJECTS is held in `{g.text(k - 2)}`: its use sites decide between VIEW_PROJECTS and VIEW_PROJECTS + VIEW_ISSUES", (g.code[k - 2].start, t.end))
    if dc:
        return Outcome("server-api", REPORT_ONLY, "BROWSE_PROJECTS in a script that imports com.atlassian.jira.* (Data Center). Reported only", (t.start, t.end))
    return _review("unrecognised", "the key BROWSE_PROJECTS in a position the codemod does not recognise: check what it is used for", (t.start, t.end))


def _alias_parameter(site) -> bool:
    """The alias BROWSE counts as a permission key only as a `permissions` query parameter value, which
    mypermissions accepts (and answers under that key); a check body list naming it is not a Jira form."""
    return site is not None and site[0] != "list"


def _none_if_skip(out: Outcome) -> Outcome | None:
    return None if out.classification is None else out


def _guard(g: GFile, ctx: C.Context, rule: str, anchor, what: str) -> Outcome | None:
    if ctx.value != PROJECT:
        return None
    hint = C.issue_data_hint(masked(g.src, t) for t in g.code if t.kind == "str")
    if hint is None:
        return None
    return _review(rule, f"{what} is a project-context check ({ctx.why}), but the script reads issue data ({hint!r}): after the split VIEW_PROJECTS no longer implies seeing issues; decide whether it should require VIEW_ISSUES", anchor)


def _read(g: GFile, k: int, s: int, e: int, key_tok: int | None = None) -> Outcome:
    """A response read; k is the token that ends the key access (the ident, or `]`)."""
    start = g.chain_start(k if key_tok is None else k)
    last, boolean, nullable = g.chain_after(k)
    a, b = g.code[start].start, g.code[last].end
    anchor = (a, b)
    reqs = g.requests()
    key = g.src[s:e]
    if g.text(last + 1) == "=":
        return _review("response-read", f"{key} is written to, not read, in a permissions object: change by hand", anchor)
    if not reqs:
        return _review("response-read", f"this code reads {key} from a permissions response, but no permission request in the same script to pair it with", anchor)
    ctxs = set(reqs)
    if None in ctxs or len(ctxs) > 1:
        why = "a permission request in the script has no static context" if None in ctxs else "the script makes both project- and issue-context requests"
        return _review("response-read", f"this code reads {key} from a permissions response, but {why}", anchor)
    ctx = ctxs.pop()
    if ctx == PROJECT:
        return Outcome("response-read", REWRITTEN, f"permissions response read in project context (paired with the request in the same script): {key} -> VIEW_PROJECTS", anchor, (Edit(s, e, VIEW_PROJECTS),), ctx)
    if not boolean:
        return _review("response-read", f"this code reads the {key} object (not havePermission) in issue context: both VIEW_PROJECTS and VIEW_ISSUES must hold; combine by hand", anchor)
    for j in range(start, last + 1):
        if g.text(j) == "(" and g.tok(j - 1) is not None and g.tok(j - 1).kind == "ident" and not re.match(r"(get|opt|is|has)([A-Z_]|$)|get$", g.text(j - 1)):
            return _review("response-read", f"issue context needs VIEW_PROJECTS and VIEW_ISSUES, but combining them would repeat the call `{g.text(j - 1)}(...)`: store the response in a variable first, then run the codemod again", anchor)
    text = g.src[a:b]
    x = text[: s - a] + VIEW_PROJECTS + text[e - a :]
    y = text[: s - a] + VIEW_ISSUES + text[e - a :]
    new = f"{x} && {y}"
    if not (g.text(start - 1) == "(" and g.text(last + 1) == ")"):
        new = f"({new})"
    return Outcome("response-read", REWRITTEN, "permissions response read in issue context (paired with the request in the same script): both VIEW_PROJECTS and VIEW_ISSUES must be true", anchor, (Edit(a, b, new),), ISSUE)


def _filter(g: GFile, k: int, op_before: bool) -> Outcome | None:
    t = g.code[k]
    if op_before:
        op_i, other_hi = k - 1, k - 2
        other_lo = g.chain_start(other_hi)
        o_a, o_b = g.code[other_lo].start, g.code[other_hi].end
        a, b = o_a, t.end
    else:
        op_i, other_lo = k + 1, k + 2
        j = other_lo
        last, _, _ = g.chain_after(j) if g.tok(j) is not None else (j, False, False)
        o_a, o_b = g.code[other_lo].start, g.code[last].end
        a, b = t.start, o_b
    anchor = (a, b)
    line_lo = g.src.rfind("\n", 0, a) + 1
    line_hi = g.src.find("\n", b)
    line = g.src[line_lo : line_hi if line_hi >= 0 else len(g.src)]
    if VIEW_PROJECTS in line and VIEW_ISSUES in line:
        return None
    if "projectPermissions" in g.src:
        return _review("grant-filter", "this code compares with BROWSE_PROJECTS in a script that sends permission check bodies: if this reads a check result it must follow the request; if it filters grants, match VIEW_PROJECTS and VIEW_ISSUES too", anchor)
    kind, why = purpose(g.src, _script_names(g, k))
    if kind == "access":
        return _review("grant-filter", ACCESS_MSG.format(why=why), anchor)
    if kind == "unknown":
        return _review("grant-filter", UNKNOWN_MSG, anchor)
    other = g.src[o_a:o_b]
    q = g.src[t.start : t.cs]
    keys = ", ".join(f"{q}{x}{q}" for x in (OLD_KEY, VIEW_PROJECTS, VIEW_ISSUES))
    new = membership("groovy", other, keys, g.code[op_i].text == "!=")
    return Outcome("grant-filter", REWRITTEN, f"filter on BROWSE_PROJECTS now also matches VIEW_PROJECTS and VIEW_ISSUES ({why}; grants are added, not replaced)", anchor, (Edit(a, b, new),))


def _script_names(g: GFile, k: int) -> list[str]:
    """The name the statement assigns (`def auditRows = ...`) and the method around it."""
    t = g.code[k]
    line_start = g.src.rfind("\n", 0, t.start) + 1
    out = re.findall(r"\b(\w+)\s*=(?![=~])", g.src[line_start : t.start])[:1]
    m = list(re.finditer(r"\bdef\s+(\w+)\s*\(", g.src[: t.start]))
    if m:
        out.append(m[-1].group(1))
    return out
