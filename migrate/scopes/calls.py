"""Every Jira REST call in one source file: the URL it builds, and its method where the code shows it.

Tree languages (JS/TS, Java, Kotlin, Python, Go, PHP) go through the codemod's syntax trees; Groovy has
its own tokenizer (groovy_calls.py). A call is found from its URL:

1. Every string literal holding `rest/`, and every use of a same-file constant that holds one
   (`const API = "/rest/api/3"` ... `${API}/issue/${key}`), gives a URL expression: the whole template or
   concatenation around it. Its text keeps literal pieces and same-file string constants; anything else
   is a run-time piece (DYNAMIC). Comments and docstrings are never read.
2. From the URL expression up to the call that sends it, through wrappers that keep it a URL (`route`
   tags, `assumeTrustedRoute`, `URI.create`, `new URL`, `String.format`, `fmt.Sprintf`, `.format()`, `%`,
   URI builders), an options object (`{url: ...}`), or a local variable used by exactly the calls it is
   passed to.
3. The method comes from what that call shows: a verb method (`get`, `post`, `getForObject`, `http.Post`),
   a method argument (`"POST"`, `HttpMethod.PUT`, `http.MethodDelete`, `method=`), an options key
   (`method`, or `type` for `AP.request`), or a builder verb (`.post(body)`, `.PUT(...)`). `fetch`-like
   clients (`requestJira`, `fetch`, `AP.request`) default to GET when their options object is written out
   and names no method. Anything else leaves the method unknown: the audit decides whether it matters.

Calls to clients that only ever talk to the host product (`requestJira`, `AP.request`, an ACE
`httpClient`, ACSB `authenticatedAs...()` clients) are recorded even when no URL can be read, so an app
whose URLs are built elsewhere is never audited as if it made no calls.
"""

from __future__ import annotations

import re
from migrate.scopes.methods import (
    BUILDER_STARTS,
    BUILDER_VERBS,
    FETCH_LIKE,
    METHOD_KEYS,
    NOT_A_REQUEST,
    ROUTE_TAGS,
    URI_BUILDER_STEPS,
    URL_KEYS,
    URL_WRAPPERS,
    lower_name,
    method_of_value,
    verb_of_name,
)
from migrate.scopes.model import Call, FileCalls, Marker
from migrate.scopes.paths import DYNAMIC, parse_url
from migrate.scopes.source import CALL_KINDS, INTERP_KINDS, STRING_KINDS, LineIndex, Syntax, concat_root, span, valid_kind

HOST_CLIENT = re.compile(r"httpClient|authenticatedAs|asUserByAccountId", re.I)
IMPERSONATION_HINT = re.compile(r"asUserByAccountId|asUser|authenticatedAs")
HOST_CALL_HINT = r"requestJira|\bAP\s*\.\s*request|httpClient|authenticatedAs|asUserByAccountId"
HOST_CALL_WORDS = ("requestJira", "httpClient", "authenticatedAs", "asUserByAccountId")
AP_REQUEST_RE = re.compile(r"AP\s*\.\s*request")
IMPERSONATION_CALLS = {"asuserbyaccountid", "asuser", "authenticatedashostactor", "authenticatedas"}
EMAIL_RE = re.compile(r"emailAddress|email_address|EmailAddress")
JWT_BEARER = "jwt-bearer"
PREFILTER = ("rest/", "requestJira", "AP.request", "httpClient", "authenticatedAs", "asUser", "emailAddress", "onJira", JWT_BEARER)
FORGE_PROPERTIES = {"onjiraissue": "/rest/api/3/issue/\0/properties/\0", "onjiraproject": "/rest/api/3/project/\0/properties/\0"}
FORGE_PROPERTY_VERBS = {"get": "GET", "set": "PUT", "delete": "DELETE"}

INTERP_DELIMITERS = {"interpolation_identifier_start", "interpolation_expression_start", "interpolation_expression_end"}
BINDING_KINDS = (
    "variable_declarator",
    "assignment",
    "assignment_expression",
    "augmented_assignment",
    "augmented_assignment_expression",
    "const_spec",
    "var_spec",
    "short_var_declaration",
    "property_declaration",
    "const_element",
    "property_element",
)
PARAMETER_KINDS = {"default_parameter", "typed_default_parameter", "parameter", "class_parameter", "element_value_pair", "annotation_argument_list"}
IDENT_KINDS = {"identifier", "simple_identifier", "interpolated_identifier", "variable_name", "name", "property_identifier", "field_identifier", "shorthand_property_identifier"}
MEMBER_KINDS = {
    "member_expression",
    "attribute",
    "field_access",
    "navigation_expression",
    "selector_expression",
    "member_access_expression",
    "class_constant_access_expression",
    "scoped_property_access_expression",
}


def _positions(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


def worth_parsing(text: str) -> bool:
    return any(p in text for p in PREFILTER)


def extract(path: str, lang: str, text: str) -> FileCalls:
    """The calls and markers of one file in a tree language (pure)."""
    if not worth_parsing(text):
        return FileCalls([], [])
    return _Extractor(path, lang, text).run()


class _Extractor:
    def __init__(self, path: str, lang: str, text: str):
        self.path = path
        self.lang = lang
        self.src = text
        self.syn = Syntax(lang, text)
        self.strings = STRING_KINDS[self.syn.fam]  # string literal node kinds of this grammar
        self.lines = LineIndex(text)
        self.constants: dict[str, str | None] = {}  # name -> its constant string, or None (not a constant)
        self.calls: list[Call] = []
        self.markers: list[Marker] = []
        self.seen_roots: set[tuple[int, int]] = set()
        self.sent_by: set[tuple[int, int]] = set()  # spans of calls that send a recorded URL
        self.sent_calls: list = []

    # ------------------------------------------------------------------ driver
    def run(self) -> FileCalls:
        syn = self.syn
        rest_constants = []
        for lit in self._find_any(syn.root, self.strings, regex="rest/"):
            if syn.is_docstring(lit):
                continue
            name = self._constant_declared_by(lit)
            if name is not None:
                rest_constants.append(name)  # `const API = "/rest/api/3"`: its uses are the calls
                continue
            self._url_expression(self._root_of(lit))
        for use in self._uses_of(rest_constants):
            self._url_expression(self._root_of(use))
        self._forge_properties()
        self._host_client_calls()
        self._markers()
        self.calls.sort(key=lambda c: (c.line, c.column))
        return FileCalls(self.calls, self.markers)

    def _sent(self, call) -> None:
        self.sent_by.add(span(call))
        self.sent_calls.append(call)

    def _find_any(self, node, kinds, regex: str | None = None):
        """One query for nodes of any of `kinds` (those this grammar has), optionally whose text matches."""
        valid = [{"kind": k} for k in sorted(kinds) if valid_kind(self.lang, k)]
        if not valid:
            return []
        rule = {"any": valid} if len(valid) > 1 else dict(valid[0])
        if regex is not None:
            rule["regex"] = regex
        return node.find_all(**rule)

    # ------------------------------------------------------------------ constants
    def _constant(self, name: str) -> str | None:
        """The string a module- or class-level name is bound to, when it is bound exactly once in the
        file to a constant string. Locals are followed from their declaration instead (_through_variable),
        so a name reused in two functions never leaks from one into the other."""
        if name not in self.constants:
            self.constants[name] = self._find_constant(name)
        return self.constants[name]

    def _find_constant(self, name: str) -> str | None:
        syn = self.syn
        if not self._assigned(name):
            return None  # never assigned in this file (a parameter, an import): not a constant here
        found = None
        for n in self._find_any(syn.root, IDENT_KINDS, regex=rf"^\$?{re.escape(name)}$"):
            decl = n.parent()
            if decl is not None and decl.kind() in ("variable_declaration", "expression_list"):
                decl = decl.parent()
            if decl is None or decl.kind() not in BINDING_KINDS:
                continue
            node = self._decl_name_node(decl)
            if node is None or span(node) != span(n):
                continue
            if found is not None:
                return None  # declared twice
            found = decl
        if found is None or syn.scope_of(found) != syn.root:
            return None
        value = next((lit for lit in self._find_any(found, self.strings) if syn.declaration_of(lit) is not None and span(syn.declaration_of(lit)) == span(found)), None)
        text = syn.plain_value(value) if value is not None else None
        if text is None:
            return None
        # any other assignment to the name (`API = other`, `API += "/x"`) makes it a variable
        binding = re.compile(rf"(?<![\w$.>:])\$?{re.escape(name)}\s*(?:[-+*/.|&?]?=(?![=>])|:=)")
        own = 1 if binding.search(syn.text(found)) else 0
        return text if len(binding.findall(self.src)) - own == 0 else None

    def _assigned(self, name: str) -> bool:
        """Whether the text ever writes `name =` or `name: T =` (the literal first keeps the search fast)."""
        for m in re.finditer(re.escape(name) + r"\s*(?::[^=;\n]*)?=(?!=)", self.src):
            before = self.src[m.start() - 1 : m.start()]
            if not (before.isalnum() or before in ("_", ".")):
                return True
        return False

    def _constant_declared_by(self, lit) -> str | None:
        """The name, when `lit` is the whole value of a constant declaration."""
        decl = self.syn.declaration_of(lit)
        if decl is None:
            return None
        name = self._decl_name(decl)
        if name is None or self._constant(name) is None or self.syn.plain_value(lit) != self._constant(name):
            return None
        return name

    def _decl_name_node(self, decl):
        """The node naming what a declaration/assignment binds, or None."""
        node = decl.field("name") or decl.field("left")
        if node is None:
            for c in decl.named_children():
                if c.kind() in IDENT_KINDS or c.kind() in ("variable_declaration", "expression_list"):
                    node = c
                    break
        if node is None:
            return None
        if node.kind() in ("variable_declaration", "expression_list"):
            kids = node.named_children()
            if len(kids) != 1:
                return None
            node = kids[0]
        return node if node.kind() in IDENT_KINDS | MEMBER_KINDS else None

    def _decl_name(self, decl) -> str | None:
        node = self._decl_name_node(decl)
        return self._last_name(node) if node is not None else None

    def _last_name(self, node) -> str | None:
        text = self.syn.text(node)
        m = re.search(r"([A-Za-z_$][\w$]*)\s*$", text)
        return m.group(1).lstrip("$") if m else None

    def _uses_of(self, names: list[str]):
        """Every use of the given constants (not their declarations): bare names and this.X / Config.X."""
        if not names:
            return []
        syn = self.syn
        pattern = "^\\$?(?:" + "|".join(re.escape(n) for n in sorted(set(names))) + ")$"
        out = []
        for n in self._find_any(syn.root, IDENT_KINDS, regex=pattern):
            decl = n.parent()
            if decl is not None and decl.kind() in ("variable_declaration", "expression_list"):
                decl = decl.parent()
            if decl is not None and decl.kind() in BINDING_KINDS:
                node = self._decl_name_node(decl)
                if node is not None and span(node) == span(n):
                    continue  # the declaration itself
            p = n.parent()
            if p is not None and p.kind() in MEMBER_KINDS and span(p)[1] == span(n)[1]:
                n = p  # this.API / Config.API / self::API: the whole access is the use
            out.append(n)
        return out

    # ------------------------------------------------------------------ URL text
    def _root_of(self, node):
        """The URL expression around a literal or a constant use: the whole template / concatenation."""
        syn = self.syn
        cur = node
        lit = syn.literal_of(cur) if cur.kind() not in self.strings else cur
        if lit is not None and lit is not cur:
            cur = lit
        elif lit is None:
            # an identifier inside an interpolation: the enclosing literal
            for a in cur.ancestors():
                if a.kind() in self.strings:
                    cur = a
                    break
                if a.kind() in CALL_KINDS[syn.fam] or a.kind() in ("arguments", "argument_list", "value_arguments"):
                    break
        return concat_root(syn, cur)

    def url_text(self, node) -> str:
        syn = self.syn
        k = node.kind()
        if k in self.strings:
            return self._literal_text(node)
        if k in ("parenthesized_expression",):
            inner = [c for c in node.named_children() if not syn.is_comment(c)]
            return self.url_text(inner[0]) if len(inner) == 1 else DYNAMIC
        if k in ("binary_expression", "binary_operator", "concatenated_string", "additive_expression", "binary_operation"):
            ops = [syn.text(c) for c in node.children() if not c.is_named()]
            if k == "concatenated_string" or all(o in ("+", ".") for o in ops):
                return "".join(self.url_text(c) for c in node.named_children() if not syn.is_comment(c))
            return DYNAMIC
        if k in IDENT_KINDS or k in MEMBER_KINDS:
            name = self._last_name(node)
            if name is not None and (k in IDENT_KINDS or self._is_static_access(node)):
                value = self._constant(name)
                if value is not None:
                    return value
        return DYNAMIC

    def _is_static_access(self, node) -> bool:
        return self._is_static_access_text(self.syn.text(node))

    def _is_static_access_text(self, text: str) -> bool:
        return bool(re.match(r"^(?:this|self|static|[A-Z]\w*)\s*(?:\.|::|->)\s*\$?[A-Za-z_]\w*$", text))

    def _literal_text(self, lit) -> str:
        syn = self.syn
        cs, ce = syn.content_span(lit)
        groups: list[list] = []  # [start, end, nodes, has an expression, closed]
        for c in lit.named_children():
            k = c.kind()
            if k not in INTERP_KINDS:
                continue
            s, e = span(c)
            delimiter = k in INTERP_DELIMITERS
            current = groups[-1] if groups and not groups[-1][4] else None
            if k.endswith("_start") or current is None or (not delimiter and current[3]):
                groups.append([s, e, [c], not delimiter, False])
            else:
                current[1] = e
                current[2].append(c)
                current[3] = current[3] or not delimiter
            if k.endswith("_end"):
                groups[-1][4] = True
        out = []
        pos = cs
        for s, e, nodes, _, _ in groups:
            s, e = max(s, cs), min(e, ce)
            while s > cs and self.src[s - 1] in "${":
                s -= 1
            while e < ce and self.src[e] == "}":
                e += 1
            out.append(self.src[pos:s])
            out.append(self._interp_value(nodes))
            pos = e
        out.append(self.src[pos:ce])
        return "".join(out)

    def _interp_value(self, nodes) -> str:
        exprs = [n for n in nodes if n.kind() not in INTERP_DELIMITERS]
        if len(exprs) == 1:
            text = self.syn.text(exprs[0]).strip("${} ")
            last = re.search(r"([A-Za-z_]\w*)$", text)
            if last and (re.fullmatch(r"\$?[A-Za-z_]\w*", text) or self._is_static_access_text(text)):
                value = self._constant(last.group(1))
                if value is not None:
                    return value
        return DYNAMIC

    # ------------------------------------------------------------------ from URL to sending call
    def _url_expression(self, root) -> None:
        sp = span(root)
        if sp in self.seen_roots:
            return
        self.seen_roots.add(sp)
        text = self.url_text(root)
        if parse_url(text) is None:
            return
        sends = self._sending(root, follow=True)
        if sends is None:
            return  # a log line, an assertion, an error message: not a request
        method, why, via = sends
        self._record(root, text, method, why, via)

    def _record(self, node, text: str, method: str | None, why: str, via: str) -> None:
        s, e = span(node)
        l1, c1 = self.lines.pos(s)
        l2, c2 = self.lines.pos(e)
        snippet = self.src[s:e].split("\n")[0].strip()
        self.calls.append(Call(self.path, self.lang, l1, c1, l2, c2, text, method, why, via, snippet[:200]))

    def _sending(self, node, follow: bool):
        """(method, how it was read, sending call text) for a URL expression; None when it is not sent
        (a log message, an assertion); (None, why, "") when the sending call is not visible."""
        syn = self.syn
        cur = node
        for _ in range(12):
            cur = syn.climb(cur)
            p = cur.parent()
            if p is None:
                break
            pk = p.kind()
            if pk == "parenthesized_expression":
                cur = p
                continue
            if syn.fam == "js" and pk == "call_expression" and p.field("arguments") is not None and span(p.field("arguments")) == span(cur):
                tag = lower_name(syn.text(p.field("function")))
                if tag in ROUTE_TAGS:
                    cur = p
                    continue
                break
            if pk in ("binary_expression", "binary_operator", "binary_operation") and any(syn.text(c) in ("+", ".") for c in p.children() if not c.is_named()):
                cur = p  # base + url
                continue
            if pk == "binary_operator" and any(syn.text(c) == "%" for c in p.children() if not c.is_named()):
                cur = p  # "..." % (a, b)
                continue
            # "...".format(x) / "...".formatted(x) / "...".format(x) in Kotlin
            fmt = self._format_call(cur)
            if fmt is not None:
                cur = fmt
                continue
            arg = self._call_arg(cur)
            if arg is not None:
                call, keyword = arg
                name, recv, _ = syn.call_parts(call)
                low = lower_name(name)
                if NOT_A_REQUEST.match(low) or low.endswith(("error", "exception")):
                    return None
                if (low in URL_WRAPPERS or (low in ("url", "uri") and recv is None)) and keyword is None:
                    cur = self._through_uri_steps(call)  # URI.create(u), new URL(u), String.format(u, ...)
                    continue
                if low in BUILDER_STARTS:
                    return self._builder_method(call)
                self._sent(call)
                return self._method(call, cur, None)
            pair = syn.pair_of(cur)
            if pair is not None and pair.key is not None and pair.key.lower() in URL_KEYS:
                mapping = syn.mapping_of_container(pair.container)
                arg = self._call_arg(mapping)
                if arg is not None:
                    call, _ = arg
                    self._sent(call)
                    return self._method(call, None, mapping)
                break
            if follow:
                via_var = self._through_variable(cur)
                if via_var is not None:
                    return via_var
            break
        return (None, "the code does not show the call that sends this URL", "")

    def _format_call(self, cur):
        """`"...".format(x)` (Python, Kotlin) / `"...".formatted(x)` (Java): the call, else None."""
        syn = self.syn
        p = cur.parent()
        if p is None:
            return None
        if syn.fam == "java" and p.kind() == "method_invocation" and p.field("object") is not None and span(p.field("object")) == span(cur):
            name, _, _ = syn.call_parts(p)
            return p if lower_name(name) in ("format", "formatted") else None
        if p.kind() not in MEMBER_KINDS:
            return None
        kids = p.named_children()
        if not kids or span(kids[0]) != span(cur) or lower_name(self._last_name(p)) not in ("format", "formatted"):
            return None
        call = p.parent()
        return call if call is not None and call.kind() in CALL_KINDS[syn.fam] else None

    def _call_arg(self, node):
        """(call, keyword name or None) when `node` is an argument of a call."""
        syn = self.syn
        found = syn.enclosing_call_arg(node)
        if found is not None:
            call = found[0]
            p = syn.climb(node).parent()
            keyword = None
            if p is not None and p.kind() in ("value_argument", "argument") and len(p.named_children()) > 1:
                keyword = self._last_name(p.named_children()[0])
            return call, keyword
        p = syn.climb(node).parent()
        if p is not None and p.kind() == "keyword_argument":  # Python url=...
            name = syn.text(p.field("name")) if p.field("name") is not None else ""
            args = p.parent()
            call = args.parent() if args is not None else None
            if call is not None and call.kind() in CALL_KINDS[syn.fam]:
                return call, (None if name.lower() in URL_KEYS else name)
        return None

    def _through_uri_steps(self, call):
        """UriComponentsBuilder.fromHttpUrl(u).queryParam(...).toUriString(): the end of the chain."""
        syn = self.syn
        cur = call
        while True:
            acc = syn.postfix_parent(cur)
            if acc is None:
                return cur
            outer = syn.postfix_parent(acc) if acc.kind() not in CALL_KINDS[syn.fam] else acc
            if outer is None or outer.kind() not in CALL_KINDS[syn.fam]:
                return cur
            name, _, _ = syn.call_parts(outer)
            if lower_name(name) not in URI_BUILDER_STEPS:
                return cur
            cur = outer

    def _builder_method(self, call):
        """Request.Builder().url(u).post(body).build() / HttpRequest.newBuilder(uri).PUT(p): the chain's verb."""
        syn = self.syn
        cur = call
        names = []
        while True:
            acc = syn.postfix_parent(cur)
            if acc is None:
                break
            outer = acc if acc.kind() in CALL_KINDS[syn.fam] else syn.postfix_parent(acc)
            if outer is None or outer.kind() not in CALL_KINDS[syn.fam]:
                break
            name, _, args = syn.call_parts(outer)
            names.append(name or "")
            low = lower_name(name)
            if low in BUILDER_VERBS:
                self._sent(outer)
                return (BUILDER_VERBS[low], f"request builder `.{name}(...)`", self._callee(outer))
            if low == "method" and args:
                m = method_of_value(syn.text(args[0]))
                if m:
                    self._sent(outer)
                    return (m, f"request builder `.method({syn.text(args[0])})`", self._callee(outer))
            cur = outer
        via = self._callee(call)
        if any(lower_name(n) == "build" for n in names):
            return ("GET", "request builder without a verb (builders default to GET)", via)
        return (None, "a request builder whose verb is not in the same expression", via)

    def _through_variable(self, node):
        """`url = "/rest/..."` then sent by calls that pass `url`: their method if they agree."""
        syn = self.syn
        decl = syn.declaration_of(node)
        if decl is None:
            return None
        name_node = decl.field("name") or decl.field("left")
        if name_node is None:
            for c in decl.named_children():
                if c.kind() in ("variable_declaration", "expression_list"):
                    name_node = c
                    break
        if name_node is None:
            return None
        name = syn.text(name_node).strip()
        if not re.fullmatch(r"\$?[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?", name):
            return None
        scope = syn.scope_of(decl)
        end = span(decl)[1]
        uses = [n for n in self._find_any(scope, IDENT_KINDS | MEMBER_KINDS, regex=rf"^{re.escape(name)}$") if span(n)[0] >= end]
        results = []
        for u in uses:
            r = self._sending(u, follow=False)
            if r is not None and r[2]:
                results.append(r)
        if not results:
            return (None, f"stored in `{name}`, which no call in the same {'function' if scope != syn.root else 'file'} sends", "")
        methods = {r[0] for r in results}
        if len(methods) == 1 and None not in methods:
            r = results[0]
            return (r[0], f"{r[1]} (through `{name}`)", r[2])
        if None in methods:
            return (None, f"stored in `{name}`; " + next(r[1] for r in results if r[0] is None), results[0][2])
        return (None, f"stored in `{name}` and sent with different methods ({', '.join(sorted(methods))})", results[0][2])

    # ------------------------------------------------------------------ the method of a sending call
    def _args(self, call):
        """[(keyword or None, node)] of a call's arguments."""
        syn = self.syn
        _, _, args = syn.call_parts(call)
        out = []
        for a in args:
            p = a.parent()
            kw = None
            if p is not None and p.kind() == "keyword_argument":
                kw = syn.text(p.field("name")) if p.field("name") is not None else None
                if p.field("value") is not None:
                    a = p.field("value")
            elif a.kind() == "keyword_argument":
                kw = syn.text(a.field("name")) if a.field("name") is not None else None
                a = a.field("value") or a
            elif p is not None and p.kind() in ("value_argument", "argument") and len(p.named_children()) > 1:
                kw = self._last_name(p.named_children()[0])
            out.append((kw, a))
        return out

    def _method(self, call, url_node, options):
        syn = self.syn
        name, recv, _ = syn.call_parts(call)
        via = self._callee(call)
        low = lower_name(name)
        args = self._args(call)
        objects = [options] if options is not None else []
        for kw, a in args:
            if url_node is not None and span(a) == span(syn.down(url_node)):
                continue
            if kw is not None:
                if kw.lower() in ("method", "httpmethod"):
                    m = method_of_value(syn.text(a))
                    if m:
                        return (m, f"`{kw}=` argument of `{via}`", via)
                    return (None, f"`{via}` takes its method from `{syn.text(a)}` at run time", via)
                continue
            if a.kind() in self.strings or a.kind() in MEMBER_KINDS:
                m = method_of_value(syn.text(a)) if len(syn.text(a)) < 40 else None
                if m and (a.kind() in MEMBER_KINDS or syn.plain_value(a) is not None):
                    return (m, f"method argument `{syn.text(a)}` of `{via}`", via)
            if self._is_mapping(a):
                objects.append(a)
        for obj in objects:
            entries, unknown = syn.entries(obj)
            for e in entries:
                if e.key is not None and e.key.lower() in METHOD_KEYS:
                    m = method_of_value(syn.text(e.value))
                    if m:
                        return (m, f"`{e.key}` option of `{via}`", via)
                    return (None, f"`{via}` takes its method from `{syn.text(e.value)}` at run time", via)
        lam = self._kotlin_method_block(call)
        if lam is not None:
            return (lam, f"`method = ...` in the block of `{via}`", via)
        verb = verb_of_name(name)
        if verb:
            return (verb, f"`{via}`", via)
        if low in FETCH_LIKE or (low == "request" and recv is not None and syn.text(recv).split(".")[-1] == "AP"):
            if not objects and not any(kw is None and url_node is not None and span(a) != span(syn.down(url_node)) for kw, a in args):
                return ("GET", f"`{via}` without options (GET)", via)
            if objects and not any(syn.entries(o)[1] for o in objects):
                return ("GET", f"`{via}` options name no method (GET)", via)
            return (None, f"`{via}` options are not written out here", via)
        if low in ("request", "exchange", "execute", "newrequest", "newrequestwithcontext", "send", "call", "do", "invoke"):
            return (None, f"`{via}` does not show its method here", via)
        return (None, f"sent through `{via}`, which does not show the method", via)

    def _arguments_start(self, call) -> int:
        for c in call.children():
            if c.kind() in ("arguments", "argument_list", "value_arguments", "call_suffix", "template_string"):
                return span(c)[0]
        return span(call)[1]

    def _callee(self, call) -> str:
        """The called expression as written, without its arguments: `api.asApp().requestJira`."""
        cs = span(call)[0]
        end = self._arguments_start(call)
        text = re.sub(r"\s*\.\s*", ".", re.sub(r"\s+", " ", self.src[cs:end].strip()))
        while re.search(r"\([^()]+\)", text):
            text = re.sub(r"\([^()]+\)", "()", text)
        return text[:80]

    def _is_mapping(self, node) -> bool:
        return node.kind() in ("object", "dictionary", "array_creation_expression", "map_literal")

    def _kotlin_method_block(self, call) -> str | None:
        if self.syn.fam != "kotlin":
            return None
        for lam in self._find_any(call, {"lambda_literal"}):
            m = re.search(r"\bmethod\s*=\s*([\w.]+)", self.syn.text(lam))
            if m:
                return method_of_value(m.group(1))
        return None

    # ------------------------------------------------------------------ host-product clients, Forge properties, markers
    def _host_client_calls(self) -> None:
        """requestJira / AP.request / ACE httpClient / ACSB clients whose URL was not read: still calls."""
        syn = self.syn
        hints = [i for word in HOST_CALL_WORDS for i in _positions(self.src, word)]
        hints += [m.start() for m in AP_REQUEST_RE.finditer(self.src)]
        if not hints:
            return
        callees = [(span(c)[0], self._arguments_start(c)) for c in self.sent_calls]
        if all(any(a <= h < b for a, b in callees) for h in hints):
            return  # every host-client call in the file was reached from its URL already
        for call in self._find_any(syn.root, CALL_KINDS[syn.fam], regex=HOST_CALL_HINT):
            if span(call) in self.sent_by:
                continue
            name, recv, args = syn.call_parts(call)
            low = lower_name(name)
            recv_text = syn.text(recv) if recv is not None else ""
            host = low == "requestjira" or (low == "request" and recv_text.split(".")[-1] == "AP")
            host = host or (verb_of_name(name) is not None and HOST_CLIENT.search(recv_text) is not None)
            host = host or (low in ("exchange", "getforobject", "getforentity", "postforobject", "postforentity", "put", "delete") and "authenticatedAs" in recv_text)
            if not host or not args:
                continue
            url = args[0]
            while url.kind() in CALL_KINDS[syn.fam]:  # route`...` / assumeTrustedRoute(x): the URL inside
                inner_name, _, inner_args = syn.call_parts(url)
                tmpl = url.field("arguments") if syn.fam == "js" else None
                if tmpl is not None and tmpl.kind() == "template_string":
                    url = tmpl
                elif lower_name(inner_name) in URL_WRAPPERS and inner_args:
                    url = inner_args[0]
                else:
                    break
            if self._is_mapping(url):
                entries, _ = syn.entries(url)
                url = next((e.value for e in entries if e.key and e.key.lower() in URL_KEYS), url)
            root = concat_root(syn, url) if url.kind() in self.strings else url
            if span(root) in self.seen_roots:
                continue
            self.seen_roots.add(span(root))
            self._sent(call)
            first = args[0]
            method, why, via = self._method(call, None if self._is_mapping(first) else first, first if self._is_mapping(first) else None)
            self._record(root, self.url_text(root), method, why, via)

    def _forge_properties(self) -> None:
        """@forge/api `properties.onJiraIssue(key).get/set/delete(...)`: issue and project property calls."""
        if "onJira" not in self.src:
            return
        syn = self.syn
        for call in self._find_any(syn.root, CALL_KINDS[syn.fam], regex=r"^[\w.$\s]*onJira"):
            name, recv, _ = syn.call_parts(call)
            low = lower_name(name)
            if low not in FORGE_PROPERTIES:
                continue
            acc = syn.postfix_parent(call)
            outer = syn.postfix_parent(acc) if acc is not None else None
            method, why = None, "the Forge properties API object is stored and used elsewhere"
            if outer is not None and outer.kind() in CALL_KINDS[syn.fam]:
                verb, _, _ = syn.call_parts(outer)
                if lower_name(verb) in FORGE_PROPERTY_VERBS:
                    method = FORGE_PROPERTY_VERBS[lower_name(verb)]
                    why = f"Forge properties API `.{verb}()`"
            self._record(call, FORGE_PROPERTIES[low], method, why, f"properties.{name}")

    def _markers(self) -> None:
        syn = self.syn
        if IMPERSONATION_HINT.search(self.src):
            for call in self._find_any(syn.root, CALL_KINDS[syn.fam], regex=IMPERSONATION_HINT.pattern):
                name, _, _ = syn.call_parts(call)
                if lower_name(name) in IMPERSONATION_CALLS:
                    at = syn.text(call).rfind(name.split(".")[-1], 0, len(self._callee(call)) + 40)
                    self._marker("impersonation", call, f"{name.split('.')[-1]}(...)", max(at, 0))
        if JWT_BEARER in self.src:
            for lit in self._find_any(syn.root, self.strings, regex=JWT_BEARER):
                self._marker("impersonation", lit, "OAuth 2.0 JWT bearer token grant")
        for m in EMAIL_RE.finditer(self.src):
            node = syn.node_at(m.start(), m.end())
            if syn.is_comment(node) or any(syn.is_comment(a) for a in node.ancestors()):
                continue
            self._marker("email-address", node, m.group(0))
            break

    def _marker(self, kind: str, node, text: str, offset: int = 0) -> None:
        line, col = self.lines.pos(span(node)[0] + offset)
        self.markers.append(Marker(kind, self.path, line, col, text))
