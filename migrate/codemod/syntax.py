"""A language-neutral view of an ast-grep syntax tree.

The rules ask questions such as "is this literal the value of a key in a mapping, and what are the other
keys?", "is it an element of a list?", "is it compared with `==`?", "is it the key of a member/subscript/
getter access?". Each question is answered here once per language family, from tree-sitter node kinds, so
the rule modules stay language-agnostic. Offsets are character offsets into the source (what ast-grep's
`Pos.index` gives).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ast_grep_py import SgNode, SgRoot

from migrate.codemod.model import Edit

FAMILY = {
    "javascript": "js",
    "typescript": "js",
    "tsx": "js",
    "python": "python",
    "java": "java",
    "kotlin": "kotlin",
    "go": "go",
    "php": "php",
    "json": "json",
    "yaml": "yaml",
    "hcl": "hcl",
}

# Literal nodes (the whole literal, delimiters included).
STRING_KINDS = {
    "js": {"string", "template_string"},
    "python": {"string"},
    "java": {"string_literal"},  # text blocks are string_literal too
    "kotlin": {"string_literal"},
    "go": {"interpreted_string_literal", "raw_string_literal"},
    "php": {"string", "encapsed_string", "heredoc", "nowdoc"},
    "json": {"string"},
    "yaml": {"plain_scalar", "double_quote_scalar", "single_quote_scalar", "block_scalar"},
    "hcl": {"string_lit", "heredoc_template"},
}
# Interpolations inside a literal: masked when the literal's text is read as data.
INTERP_KINDS = {
    "template_substitution",
    "interpolation",
    "interpolated_identifier",
    "interpolated_expression",
    "interpolation_identifier_start",
    "interpolation_expression_start",
    "interpolation_expression_end",
    "variable_name",
    "member_access_expression",
    "subscript_expression",
    "template_interpolation",
    "template_directive",
}
# Single-child wrappers that do not change what an expression means.
TRANSPARENT = {
    "js": {"as_expression", "satisfies_expression", "non_null_expression"},
    "python": set(),
    "java": set(),
    "kotlin": set(),
    "go": {"literal_element", "expression_list"},
    "php": set(),
    "json": set(),
    "yaml": {"flow_node", "block_node"},
    "hcl": {"expression", "literal_value", "collection_value", "operation"},
}
FUNCTION_KINDS = {
    "js": {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "generator_function",
    },
    "python": {"function_definition", "lambda"},
    "java": {"method_declaration", "constructor_declaration", "lambda_expression"},
    "kotlin": {"function_declaration", "lambda_literal", "anonymous_function", "getter", "setter"},
    "go": {"function_declaration", "method_declaration", "func_literal"},
    "php": {"function_definition", "method_declaration", "anonymous_function", "anonymous_function_creation_expression", "arrow_function"},
    "json": set(),
    "yaml": set(),
    "hcl": {"block"},
}
# Postfix chain nodes: an access, index or call whose receiver is its first child.
POSTFIX_KINDS = {
    "js": {"member_expression", "subscript_expression", "call_expression", "non_null_expression"},
    "python": {"attribute", "subscript", "call"},
    "java": {"method_invocation", "field_access", "array_access"},
    "kotlin": {"navigation_expression", "indexing_expression", "call_expression", "postfix_expression"},
    "go": {"selector_expression", "index_expression", "call_expression", "type_assertion_expression"},
    "php": {
        "member_access_expression",
        "nullsafe_member_access_expression",
        "subscript_expression",
        "member_call_expression",
        "nullsafe_member_call_expression",
    },
    "json": set(),
    "yaml": set(),
    "hcl": set(),
}
CALL_KINDS = {
    "js": {"call_expression", "new_expression"},
    "python": {"call"},
    "java": {"method_invocation", "object_creation_expression"},
    "kotlin": {"call_expression"},
    "go": {"call_expression"},
    "php": {
        "function_call_expression",
        "member_call_expression",
        "nullsafe_member_call_expression",
        "scoped_call_expression",
        "object_creation_expression",
    },
    "json": set(),
    "yaml": set(),
    "hcl": {"function_call"},
}
STATEMENT_HINT = re.compile(r"(statement|declaration|_definition|^block$|^body$|^document$|^program$|^module$|^source_file$)")
OPEN_QUOTE = re.compile(r"^(?:[rRbBuUfF]{1,2}|@)?(\"\"\"|'''|\"|'|`)")
# The callee of an assertion call: assert*/expect*/verify*/should* (self.assertEqual, $this->assertSame,
# assertThat(x).isEqualTo, expect(x).toBe, assert.equal, mock.assert_called_with, verify(mock).get...).
ASSERT_CALLEE = re.compile(r"^\s*(?:[\w$]+\s*(?:\.|->|::)\s*)*(?:assert\w*|expect\w*|verify\w*|should\w*)\b|(?:^|\.)should\s*[.(]")
GO_TEST_FAIL = re.compile(r"\bt\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\b")
EQ_OPS = {"==": "==", "===": "==", "!=": "!=", "!==": "!=", "<>": "!="}

JAVA_SEQ_FACTORIES = {"of", "asList", "copyOf", "newArrayList", "newHashSet", "ofNullable"}
KOTLIN_SEQ_FACTORIES = {
    "listOf",
    "setOf",
    "arrayOf",
    "mutableListOf",
    "mutableSetOf",
    "arrayListOf",
    "hashSetOf",
    "linkedSetOf",
    "sortedSetOf",
    "listOfNotNull",
}
KOTLIN_MAP_FACTORIES = {"mapOf", "mutableMapOf", "hashMapOf", "linkedMapOf", "sortedMapOf"}
# Methods that read a child by name: obj.get("X"), json.getJSONObject("X"), node.path("X")...
GETTERS = {
    "get",
    "getvalue",
    "getjsonobject",
    "optjsonobject",
    "getasjsonobject",
    "getjsonobjectornull",
    "path",
    "at",
    "getobject",
    "getmap",
    "getordefault",
    "getornull",
    "jsonobject",
    "getboolean",
    "optboolean",
}


@dataclass(frozen=True)
class Pair:
    """`key: value` in a mapping-like container (object, dict, map literal, keyed element, attribute...)."""

    key: str | None  # None when the key is computed
    key_node: SgNode | None
    value: SgNode
    entry: SgNode  # the whole entry (for copying/removing)
    container: SgNode


@dataclass(frozen=True)
class Seq:
    container: SgNode
    elements: tuple[SgNode, ...]  # element nodes as they sit in the container (items for YAML block lists)
    index: int  # which element holds the node asked about
    unknown: bool  # a spread/splat element: the list is not fully known


@dataclass(frozen=True)
class Comparison:
    node: SgNode  # the whole comparison
    op: str  # "==" or "!="
    strict: bool  # JS/PHP === / !==
    other: tuple[int, int]  # span of the other operand
    method: str | None = None  # "equals" for x.equals("K") / "K".equals(x)


@dataclass(frozen=True)
class Access:
    node: SgNode  # obj.KEY / obj["KEY"] / obj.get("KEY")
    obj: SgNode | None


_VALID: dict[tuple[str, str], bool] = {}


def valid_kind(lang: str, kind: str) -> bool:
    """Whether ast-grep knows `kind` in `lang` (find_all raises on unknown kinds)."""
    key = (lang, kind)
    if key not in _VALID:
        try:
            SgRoot("", lang).root().find(kind=kind)
            _VALID[key] = True
        except Exception:  # noqa: BLE001 - ast-grep raises RuntimeError for an unknown kind
            _VALID[key] = False
    return _VALID[key]


def span(n: SgNode) -> tuple[int, int]:
    r = n.range()
    return r.start.index, r.end.index


class Syntax:
    """An ast-grep tree plus the neutral queries the rules use."""

    def __init__(self, lang: str, source: str):
        self.lang = lang
        self.fam = FAMILY[lang]
        self.src = source
        self.root = SgRoot(source, lang).root()
        self._strings = STRING_KINDS[self.fam]
        self._transparent = TRANSPARENT[self.fam]
        self._assertions: list[SgNode] | None = None

    # ---------------------------------------------------------------- basics
    def text(self, n: SgNode) -> str:
        s, e = span(n)
        return self.src[s:e]

    def node_at(self, start: int, end: int) -> SgNode:
        """The deepest node whose span contains [start, end)."""
        node = self.root
        while True:
            for c in node.children():
                s, e = span(c)
                if s <= start and end <= e and (s < e):
                    node = c
                    break
            else:
                return node

    def is_comment(self, n: SgNode) -> bool:
        return "comment" in n.kind()

    def in_error(self, n: SgNode) -> bool:
        return any(a.kind() == "ERROR" for a in n.ancestors()) or n.kind() == "ERROR"

    def literal_of(self, n: SgNode) -> SgNode | None:
        """The string literal node containing `n` (itself included), or None."""
        cur: SgNode | None = n
        best = None
        while cur is not None:
            if best is None and cur != n and cur.kind() in INTERP_KINDS and self._inside_string(cur):
                return None  # code inside an interpolation (`${Perm.BROWSE_PROJECTS}`), not literal text
            if cur.kind() in self._strings:
                best = cur
                if self.fam != "php":  # PHP strings nest (encapsed parts); others stop at the first
                    break
            if best is not None and cur.kind() not in self._strings:
                break
            cur = cur.parent()
        if best is not None and self.fam == "python" and best.parent() is not None and best.parent().kind() == "concatenated_string":
            return best
        return best

    def _inside_string(self, n: SgNode) -> bool:
        return any(a.kind() in self._strings for a in n.ancestors())

    def is_docstring(self, lit: SgNode) -> bool:
        if self.fam != "python":
            return False
        p = lit.parent()
        return p is not None and p.kind() == "expression_statement" and len(p.named_children()) == 1

    def content_span(self, lit: SgNode) -> tuple[int, int]:
        """The span of a literal between its delimiters."""
        s, e = span(lit)
        for k in lit.children():
            if k.kind().endswith("_body"):  # heredocs
                return span(k)
        txt = self.src[s:e]
        m = OPEN_QUOTE.match(txt)
        if m:
            q = m.group(1)
            if len(txt) >= m.end() + len(q) and txt.endswith(q):
                return s + m.end(), e - len(q)
        return s, e

    def masked_content(self, lit: SgNode) -> tuple[int, str]:
        """(start offset, content) of a literal with interpolations replaced by NUL characters."""
        s, e = self.content_span(lit)
        chars = list(self.src[s:e])
        for k in lit.named_children():
            if k.kind() in INTERP_KINDS:
                ks, ke = span(k)
                for i in range(max(ks, s), min(ke, e)):
                    chars[i - s] = "\0"
        # `${`/`{` `}` around an interpolation: mask the delimiters too
        text = "".join(chars)
        text = re.sub(r"\$?\{\0+\}|\$\0+", lambda m: "\0" * len(m.group(0)), text)
        return s, text

    def plain_value(self, n: SgNode | None) -> str | None:
        """The text of a literal without interpolations (a constant string), else None."""
        if n is None:
            return None
        n = self.down(n)
        if n.kind() not in self._strings:
            return None
        _, content = self.masked_content(n)
        return None if "\0" in content else content

    def name_of(self, n: SgNode | None) -> str | None:
        """A key's name: identifier text or constant string value."""
        if n is None:
            return None
        n = self.down(n)
        v = self.plain_value(n)
        if v is not None:
            return v
        k = n.kind()
        if "identifier" in k or k in ("name", "variable_expr", "string_scalar", "shorthand_property_identifier"):
            return self.text(n)
        if self.fam == "php" and k == "variable_name":
            return None
        return None

    # ---------------------------------------------------------------- tree walking
    def climb(self, n: SgNode) -> SgNode:
        """The outermost single-child transparent wrapper around `n` (or n)."""
        while True:
            p = n.parent()
            if p is None or p.kind() not in self._transparent:
                return n
            named = [c for c in p.named_children() if not self.is_comment(c)]
            if len(named) != 1 and not (p.kind() in ("as_expression", "satisfies_expression", "non_null_expression") and named and named[0] == n):
                return n
            n = p

    def down(self, n: SgNode) -> SgNode:
        """Unwrap transparent wrappers downwards."""
        while n.kind() in self._transparent:
            named = [c for c in n.named_children() if not self.is_comment(c)]
            if not named:
                break
            n = named[0]
        return n

    def scope_of(self, n: SgNode) -> SgNode:
        kinds = FUNCTION_KINDS[self.fam]
        if self.fam == "hcl":
            # the top-level block
            top = None
            for a in n.ancestors():
                if a.kind() == "block":
                    top = a
            return top or self.root
        for a in n.ancestors():
            if a.kind() in kinds:
                return a
        return self.root

    def literals_in(self, n: SgNode):
        for k in self._strings:
            if valid_kind(self.lang, k):
                yield from n.find_all(kind=k)

    # ---------------------------------------------------------------- calls and arguments
    def call_parts(self, call: SgNode) -> tuple[str | None, SgNode | None, list[SgNode]]:
        """(method or function name, receiver, argument expressions) of a call node."""
        fam = self.fam
        k = call.kind()
        name: str | None = None
        recv: SgNode | None = None
        args_node: SgNode | None = None
        if fam == "js":
            fn = call.field("function") if k == "call_expression" else call.field("constructor")
            args_node = call.field("arguments")
            if fn is not None:
                if fn.kind() == "member_expression":
                    recv = fn.field("object")
                    prop = fn.field("property")
                    name = self.text(prop) if prop else None
                else:
                    name = self.text(fn)
        elif fam == "python":
            fn = call.field("function")
            args_node = call.field("arguments")
            if fn is not None:
                if fn.kind() == "attribute":
                    recv = fn.field("object")
                    name = self.text(fn.field("attribute"))
                else:
                    name = self.text(fn)
        elif fam == "java":
            if k == "method_invocation":
                recv = call.field("object")
                nm = call.field("name")
                name = self.text(nm) if nm else None
            else:
                t = call.field("type")
                name = self.text(t) if t else None
            args_node = call.field("arguments")
        elif fam == "kotlin":
            kids = call.named_children()
            if kids:
                fn = kids[0]
                if fn.kind() == "navigation_expression":
                    parts = fn.named_children()
                    recv = parts[0] if parts else None
                    suffix = parts[-1] if len(parts) > 1 else None
                    if suffix is not None:
                        ids = [c for c in suffix.named_children() if c.kind() == "simple_identifier"]
                        name = self.text(ids[-1]) if ids else None
                elif fn.kind() == "simple_identifier":
                    name = self.text(fn)
                for c in kids[1:]:
                    if c.kind() == "call_suffix":
                        for cc in c.named_children():
                            if cc.kind() == "value_arguments":
                                args_node = cc
        elif fam == "go":
            fn = call.field("function")
            args_node = call.field("arguments")
            if fn is not None:
                if fn.kind() == "selector_expression":
                    recv = fn.field("operand")
                    name = self.text(fn.field("field"))
                else:
                    name = self.text(fn)
        elif fam == "php":
            nm = call.field("name") or call.field("function")
            name = self.text(nm) if nm else None
            recv = call.field("object") or call.field("scope")
            args_node = call.field("arguments")
        elif fam == "hcl":
            kids = call.named_children()
            name = self.text(kids[0]) if kids else None
            for c in kids:
                if c.kind() == "function_arguments":
                    args_node = c
        args: list[SgNode] = []
        if args_node is not None:
            for c in args_node.named_children():
                if self.is_comment(c):
                    continue
                if c.kind() in ("value_argument", "argument") and c.named_children():
                    inner = [x for x in c.named_children() if not self.is_comment(x)]
                    if len(inner) == 1:
                        c = inner[0]
                    else:  # named argument (name = value)
                        c = inner[-1]
                args.append(self.down(c))
        return name, recv, args

    def enclosing_call_arg(self, n: SgNode) -> tuple[SgNode, int, list[SgNode]] | None:
        """If `n` is a direct argument of a call: (call, index, args)."""
        n = self.climb(n)
        p = n.parent()
        if p is None:
            return None
        if p.kind() in ("value_argument", "argument"):
            p = p.parent()
        if p is None or p.kind() not in ("arguments", "argument_list", "value_arguments", "function_arguments"):
            return None
        call = p.parent()
        if call is not None and call.kind() == "call_suffix":
            call = call.parent()
        if call is None or call.kind() not in CALL_KINDS[self.fam]:
            return None
        _, _, args = self.call_parts(call)
        for i, a in enumerate(args):
            if span(a) == span(self.down(n)) or span(a) == span(n):
                return call, i, args
        return None

    # ---------------------------------------------------------------- mappings
    def pair_of(self, value: SgNode) -> Pair | None:
        """If `value` is the value of a `key: value` entry: that entry."""
        value = self.climb(value)
        p = value.parent()
        if p is None:
            return None
        fam, k = self.fam, p.kind()
        if fam in ("js", "json") and k == "pair" and p.field("value") == value:
            return Pair(self.name_of(p.field("key")), p.field("key"), value, p, p.parent())
        if fam == "python":
            if k == "pair" and p.field("value") == value:
                return Pair(self.name_of(p.field("key")), p.field("key"), value, p, p.parent())
            if k == "keyword_argument" and p.field("value") == value:
                return Pair(self.text(p.field("name")), p.field("name"), value, p, p.parent())
        if fam == "yaml" and k in ("block_mapping_pair", "flow_pair") and p.field("value") == value:
            return Pair(self.name_of(p.field("key")), p.field("key"), value, p, p.parent())
        if fam == "go" and k == "keyed_element":
            kids = p.named_children()
            if len(kids) == 2 and kids[1] == value:
                return Pair(self.name_of(kids[0]), kids[0], value, p, p.parent())
        if fam == "php" and k == "array_element_initializer":
            kids = [c for c in p.named_children() if not self.is_comment(c)]
            if len(kids) == 2 and kids[1] == value and any(c.kind() == "=>" for c in p.children()):
                return Pair(self.name_of(kids[0]), kids[0], value, p, p.parent())
        if fam == "hcl" and k in ("attribute", "object_elem"):
            kids = [c for c in p.named_children() if not self.is_comment(c)]
            if len(kids) == 2 and kids[1] == value:
                return Pair(self.name_of(kids[0]), kids[0], value, p, p.parent())
        if fam == "kotlin" and k == "infix_expression":
            kids = p.named_children()
            if len(kids) == 3 and kids[1].kind() == "simple_identifier" and self.text(kids[1]) == "to" and kids[2] == value:
                container = self._kotlin_map_call(p)
                if container is not None:
                    return Pair(self.name_of(kids[0]), kids[0], value, p, container)
        if fam == "java":
            found = self.enclosing_call_arg(value)
            if found is not None:
                call, i, args = found
                name, recv, _ = self.call_parts(call)
                if name in ("of", "ofEntries") and recv is not None and self.text(recv).endswith("Map") and i % 2 == 1:
                    return Pair(self.name_of(args[i - 1]), args[i - 1], value, value, call)
        return None

    def _kotlin_map_call(self, infix: SgNode) -> SgNode | None:
        va = infix.parent()
        if va is None or va.kind() != "value_argument":
            return None
        found = self.enclosing_call_arg(infix)
        if found is None:
            return None
        call = found[0]
        name, _, _ = self.call_parts(call)
        return call if name in KOTLIN_MAP_FACTORIES else None

    def entries(self, container: SgNode) -> tuple[list[Pair], bool]:
        """The entries of a mapping container, and whether some entry is unknown (spread, splat...)."""
        fam, k = self.fam, container.kind()
        out: list[Pair] = []
        unknown = False
        if fam == "java" and k == "method_invocation":
            _, _, args = self.call_parts(container)
            for i in range(0, len(args) - 1, 2):
                out.append(Pair(self.name_of(args[i]), args[i], args[i + 1], args[i + 1], container))
            return out, False
        if fam == "kotlin" and k == "call_expression":
            _, _, args = self.call_parts(container)
            for a in args:
                kids = a.named_children() if a.kind() == "infix_expression" else []
                if len(kids) == 3 and self.text(kids[1]) == "to":
                    out.append(Pair(self.name_of(kids[0]), kids[0], kids[2], a, container))
                else:
                    unknown = True
            return out, unknown
        for c in container.named_children():
            ck = c.kind()
            if self.is_comment(c):
                continue
            if ck in ("pair", "block_mapping_pair", "flow_pair"):
                key = c.field("key")
                out.append(Pair(self.name_of(key), key, c.field("value"), c, container))
            elif ck == "keyword_argument":
                out.append(Pair(self.text(c.field("name")), c.field("name"), c.field("value"), c, container))
            elif ck in ("shorthand_property_identifier",):
                out.append(Pair(self.text(c), c, c, c, container))
            elif ck in ("keyed_element", "array_element_initializer", "attribute", "object_elem"):
                kids = [x for x in c.named_children() if not self.is_comment(x)]
                if len(kids) == 2 and (ck != "array_element_initializer" or any(x.kind() == "=>" for x in c.children())):
                    out.append(Pair(self.name_of(kids[0]), kids[0], kids[1], c, container))
                elif ck == "array_element_initializer":
                    unknown = True
            elif ck in ("spread_element", "dictionary_splat", "list_splat", "variadic_unpacking", "variadic_argument"):
                unknown = True
            elif ck == "block":  # HCL nested blocks are entries too (name = block type)
                kids = c.named_children()
                out.append(Pair(self.text(kids[0]) if kids else None, kids[0] if kids else None, c, c, container))
        return out, unknown

    def mapping_of_container(self, container: SgNode) -> SgNode:
        """The expression node of a mapping, given its entries container (inverse of mapping_node)."""
        if self.fam == "go" and container.kind() == "literal_value":
            p = container.parent()
            if p is not None and p.kind() == "composite_literal":
                return p
        if self.fam == "hcl" and container.kind() == "body":
            p = container.parent()
            if p is not None and p.kind() == "block":
                return p
        return container

    # ---------------------------------------------------------------- sequences
    def seq_of(self, value: SgNode) -> Seq | None:
        """If `value` is an element of a list-like literal: the list."""
        value = self.climb(value)
        p = value.parent()
        if p is None:
            return None
        fam, k = self.fam, p.kind()
        container = None
        if fam in ("js", "json") and k == "array":
            container = p
        elif fam == "python" and k in ("list", "tuple", "set"):
            container = p
        elif fam == "java" and k == "array_initializer":
            container = p
        elif fam == "yaml" and k == "flow_sequence":
            container = p
        elif fam == "yaml" and k == "block_sequence_item":
            value, container = p, p.parent()
        elif fam == "hcl" and k == "tuple":
            container = p
        elif fam == "go" and k == "literal_value" and not any(c.kind() == "keyed_element" for c in p.named_children()):
            container = p
        elif fam == "php" and k == "array_element_initializer" and not any(c.kind() == "=>" for c in p.children()):
            value, container = p, p.parent()
        if container is None and fam in ("java", "kotlin"):
            found = self.enclosing_call_arg(value)
            if found is not None:
                call, _, _ = found
                name, recv, _ = self.call_parts(call)
                if fam == "java" and name in JAVA_SEQ_FACTORIES and recv is not None and re.search(r"(List|Set|Arrays|Lists|Sets|Stream)$", self.text(recv)):
                    container = call
                elif fam == "kotlin" and name in KOTLIN_SEQ_FACTORIES and recv is None:
                    container = call
                if container is not None and fam == "kotlin":
                    va = value.parent()
                    value = va if va is not None and va.kind() == "value_argument" else value
        if container is None:
            return None
        elements = self._elements(container)
        idx = next((i for i, el in enumerate(elements) if span(el) == span(value)), -1)
        if idx < 0:
            return None
        unknown = any(el.kind() in ("spread_element", "list_splat", "variadic_argument") for el in elements)
        return Seq(container, tuple(elements), idx, unknown)

    def _elements(self, container: SgNode) -> list[SgNode]:
        k = container.kind()
        if k in ("method_invocation", "call_expression") and self.fam in ("java", "kotlin"):
            if self.fam == "kotlin":
                for c in container.named_children():
                    if c.kind() == "call_suffix":
                        for cc in c.named_children():
                            if cc.kind() == "value_arguments":
                                return [x for x in cc.named_children() if x.kind() == "value_argument"]
                return []
            args = container.field("arguments")
            return [x for x in args.named_children() if not self.is_comment(x)] if args else []
        kids = [c for c in container.named_children() if not self.is_comment(c)]
        if self.fam == "hcl":
            kids = [c for c in kids if c.kind() not in ("tuple_start", "tuple_end")]
        return kids

    def element_value(self, el: SgNode) -> SgNode:
        """The expression inside an element node (YAML item, PHP initializer, Kotlin value_argument...)."""
        while el.kind() in ("block_sequence_item", "array_element_initializer", "value_argument", "literal_element") or el.kind() in self._transparent:
            named = [c for c in el.named_children() if not self.is_comment(c)]
            if len(named) != 1:
                break
            el = named[0]
        return el

    def element_strings(self, seq: Seq) -> list[str | None]:
        return [self.plain_value(self.element_value(el)) for el in seq.elements]

    def insertion_after(self, seq: Seq, i: int, copies: list[str]) -> Edit:
        """An insertion after element i of a list-like container, in the container's own layout."""
        elements = seq.elements
        el = elements[i]
        s, e = span(el)
        if len(elements) >= 2:
            a, b = (elements[i], elements[i + 1]) if i + 1 < len(elements) else (elements[i - 1], elements[i])
            sep = self.src[span(a)[1] : span(b)[0]]
            if "\n" in sep:  # keep only the comma and the line break + indentation of the next element
                sep = sep[: sep.find("\n")].rstrip() + "\n" + self._indent_at(span(el)[0])
                if self.fam != "yaml" and "," not in sep:
                    sep = "," + sep
        else:
            indent = self._indent_at(s)
            own_line = self.src[self.src.rfind("\n", 0, s) + 1 : s].strip() == ""
            if el.kind() == "block_sequence_item":
                sep = "\n" + indent
            elif own_line:
                sep = ",\n" + indent
            else:
                sep = ", "
        if el.kind() == "block_sequence_item":
            sep = "\n" + self._indent_at(s)
            # the last item of a file can span its trailing line breaks: insert after its text instead
            e = s + len(self.src[s:e].rstrip())
            copies = [c.rstrip() for c in copies]  # copies of such an item carry those line breaks too
        return Edit(e, e, "".join(sep + c for c in copies))

    def _indent_at(self, offset: int) -> str:
        line_start = self.src.rfind("\n", 0, offset) + 1
        m = re.match(r"[ \t]*", self.src[line_start:offset])
        return m.group(0) if m else ""

    def indent_of_line(self, offset: int) -> str:
        line_start = self.src.rfind("\n", 0, offset) + 1
        m = re.match(r"[ \t]*", self.src[line_start:])
        return m.group(0) if m else ""

    # ---------------------------------------------------------------- assertions
    def assertion_of(self, n: SgNode) -> SgNode | None:
        """The assertion (statement or call) that `n` is part of, in any supported language, or None."""
        calls = CALL_KINDS[self.fam]
        prev = n
        for a in n.ancestors():
            k = a.kind()
            if k == "assert_statement":
                return a
            if k in calls:
                fn = self._callee_text(a)
                if fn is not None and (ASSERT_CALLEE.search(fn) or self.fam == "go" and fn.startswith("require.")):
                    return a
            if self.fam == "kotlin" and k == "infix_expression":
                kids = a.named_children()
                if len(kids) == 3 and kids[1].kind() == "simple_identifier" and re.match(r"should\w*$", self.text(kids[1])):
                    return a
            if self.fam == "go" and k == "if_statement" and a.field("condition") is not None:
                cond, cons = a.field("condition"), a.field("consequence")
                cs, ce = span(cond)
                if cs <= span(prev)[0] < ce and cons is not None and GO_TEST_FAIL.search(self.text(cons)):
                    return a
            prev = a
        return None

    def assertions(self) -> list[SgNode]:
        """Every assertion statement or call in the file, outermost first."""
        if self._assertions is None:
            self._assertions = self._find_assertions()
        return self._assertions

    def _find_assertions(self) -> list[SgNode]:
        out: list[SgNode] = []
        # the kinds each grammar has (asking ast-grep about a kind it lacks costs tens of MB once)
        extra = {"python": ("assert_statement",), "kotlin": ("infix_expression",)}.get(self.fam, ())
        for kind in (*extra, *CALL_KINDS[self.fam]):
            for n in self.root.find_all(kind=kind):
                if kind == "assert_statement":
                    out.append(n)
                elif kind == "infix_expression":
                    kids = n.named_children()
                    if len(kids) == 3 and re.match(r"should\w*$", self.text(kids[1])):
                        out.append(n)
                else:
                    fn = self._callee_text(n)
                    if fn is not None and (ASSERT_CALLEE.search(fn) or self.fam == "go" and fn.startswith("require.")):
                        out.append(n)
        return out

    def _callee_text(self, call: SgNode) -> str | None:
        """The text of a call before its argument list (`expect(x).toBe`, `self.assertEqual`)."""
        args = call.field("arguments")
        if args is None and self.fam == "kotlin":
            for c in call.named_children():
                if c.kind() == "call_suffix":
                    args = c
                    break
        if args is None:
            return None
        s, _ = span(call)
        return self.src[s : span(args)[0]]

    # ---------------------------------------------------------------- comparisons
    def comparison_of(self, value: SgNode) -> Comparison | None:
        value = self.climb(value)
        p = value.parent()
        if p is None:
            return None
        fam, k = self.fam, p.kind()
        if k in ("binary_expression", "comparison_operator", "equality_expression", "binary_operation"):
            kids = p.children()
            ops = [c for c in kids if self.text(c) in EQ_OPS]
            if len(ops) != 1:
                return None
            op = ops[0]
            os_, oe = span(op)
            named = [c for c in kids if c.is_named() and not self.is_comment(c)]
            left = [c for c in named if span(c)[1] <= os_]
            right = [c for c in named if span(c)[0] >= oe]
            if not left or not right:
                return None
            vs, ve = span(value)
            if span(left[0])[0] == vs and span(left[-1])[1] == ve:
                other = (span(right[0])[0], span(right[-1])[1])
            elif span(right[0])[0] == vs and span(right[-1])[1] == ve:
                other = (span(left[0])[0], span(left[-1])[1])
            else:
                return None
            t = self.text(op)
            return Comparison(p, EQ_OPS[t], t in ("===", "!=="), other)
        if fam in ("java", "kotlin", "js"):
            # "K".equals(x) / x.equals("K")
            found = self.enclosing_call_arg(value)
            if found is not None:
                call, i, args = found
                name, recv, _ = self.call_parts(call)
                if name in ("equals", "equalsIgnoreCase") and recv is not None and len(args) == 1:
                    return Comparison(call, "==", True, span(recv), method=name)
            # receiver: value.equals(x)
            pp = p
            if fam == "java" and pp.kind() == "method_invocation" and pp.field("object") == value:
                name, recv, args = self.call_parts(pp)
                if name in ("equals", "equalsIgnoreCase") and len(args) == 1:
                    return Comparison(pp, "==", True, span(args[0]), method=name)
            if fam == "kotlin" and pp.kind() == "navigation_expression":
                call = pp.parent()
                if call is not None and call.kind() == "call_expression":
                    name, recv, args = self.call_parts(call)
                    if name in ("equals",) and recv == value and len(args) == 1:
                        return Comparison(call, "==", True, span(args[0]), method=name)
        return None

    def logical_group(self, n: SgNode, op: str) -> SgNode:
        """The largest chain of `op` (|| / or) expressions containing n, through parentheses."""
        cur = n
        while True:
            p = cur.parent()
            if p is None:
                return cur
            if p.kind() in ("parenthesized_expression",):
                cur = p
                continue
            if p.kind() in ("binary_expression", "boolean_operator", "disjunction_expression", "binary_operation", "operation") and any(
                self.text(c) == op for c in p.children() if not c.is_named() or c.kind() == op
            ):
                cur = p
                continue
            return cur

    # ---------------------------------------------------------------- accesses (response reads)
    def key_access(self, n: SgNode) -> Access | None:
        """If `n` (a key literal or identifier) names the member read by an access: that access."""
        fam = self.fam
        lit = n if n.kind() in self._strings else None
        target = self.climb(n)
        p = target.parent()
        if p is None:
            return None
        k = p.kind()
        if lit is None:  # identifier member
            if fam == "js" and k == "member_expression" and p.field("property") == n:
                return Access(p, p.field("object"))
            if fam == "python" and k == "attribute" and p.field("attribute") == n:
                return Access(p, p.field("object"))
            if fam == "java" and k == "field_access" and p.field("field") == n:
                return Access(p, p.field("object"))
            if fam == "go" and k == "selector_expression" and p.field("field") == n:
                return Access(p, p.field("operand"))
            if fam == "php" and k in ("member_access_expression", "nullsafe_member_access_expression") and p.field("name") == n:
                return Access(p, p.field("object"))
            if fam == "php" and k == "class_constant_access_expression":
                kids = p.named_children()
                return Access(p, kids[0] if kids else None)
            if fam == "kotlin" and k == "navigation_suffix":
                nav = p.parent()
                if nav is not None and nav.kind() == "navigation_expression":
                    kids = nav.named_children()
                    return Access(nav, kids[0] if kids else None)
            return None
        if fam == "js" and k == "subscript_expression" and p.field("index") == target:
            return Access(p, p.field("object"))
        if fam == "python" and k == "subscript" and p.field("subscript") == target:
            return Access(p, p.field("value"))
        if fam == "go" and k == "index_expression" and p.field("index") == target:
            return Access(p, p.field("operand"))
        if fam == "php" and k == "subscript_expression":
            kids = p.named_children()
            if len(kids) == 2 and kids[1] == target:
                return Access(p, kids[0])
        if fam == "kotlin" and k == "indexing_suffix":
            ix = p.parent()
            if ix is not None and ix.kind() == "indexing_expression":
                return Access(ix, ix.named_children()[0])
        if fam == "hcl" and k == "index":
            pass
        found = self.enclosing_call_arg(target)
        if found is not None:
            call, i, args = found
            name, recv, _ = self.call_parts(call)
            if i == 0 and name is not None and name.lower() in GETTERS and recv is not None:
                return Access(call, recv)
        return None

    def access_name(self, n: SgNode | None) -> str | None:
        """The last name an expression reads: `r.permissions` -> permissions, `getPermissions()` -> Permissions."""
        if n is None:
            return None
        n = self.down(n)
        k = n.kind()
        if k in ("identifier", "simple_identifier", "variable_name", "name", "field_identifier", "property_identifier"):
            return self.text(n).lstrip("$")
        if k in ("parenthesized_expression", "non_null_expression", "postfix_expression"):
            inner = n.named_children()
            return self.access_name(inner[0]) if inner else None
        acc_key = self._access_key(n)
        if acc_key is not None:
            return acc_key
        if k in CALL_KINDS[self.fam]:
            name, recv, args = self.call_parts(n)
            if args:
                v = self.plain_value(args[0])
                if v is not None and name and name.lower() in GETTERS:
                    return v
            if name and not args:
                return re.sub(r"^get", "", name)
            return name
        return None

    def _access_key(self, n: SgNode) -> str | None:
        fam, k = self.fam, n.kind()
        if fam == "js" and k == "member_expression":
            return self.text(n.field("property"))
        if fam == "js" and k == "subscript_expression":
            return self.plain_value(n.field("index"))
        if fam == "python" and k == "attribute":
            return self.text(n.field("attribute"))
        if fam == "python" and k == "subscript":
            return self.plain_value(n.field("subscript"))
        if fam == "java" and k == "field_access":
            return self.text(n.field("field"))
        if fam == "go" and k == "selector_expression":
            return self.text(n.field("field"))
        if fam == "go" and k == "index_expression":
            return self.plain_value(n.field("index"))
        if fam == "php" and k in ("member_access_expression", "nullsafe_member_access_expression"):
            return self.text(n.field("name"))
        if fam == "php" and k == "subscript_expression":
            kids = n.named_children()
            return self.plain_value(kids[1]) if len(kids) == 2 else None
        if fam == "kotlin" and k == "navigation_expression":
            kids = n.named_children()
            if len(kids) >= 2:
                ids = [c for c in kids[-1].named_children() if c.kind() == "simple_identifier"]
                return self.text(ids[-1]) if ids else None
        if fam == "kotlin" and k == "indexing_expression":
            kids = n.named_children()
            if len(kids) >= 2:
                inner = [c for c in kids[-1].named_children()]
                return self.plain_value(inner[0]) if inner else None
        return None

    def postfix_parent(self, n: SgNode) -> SgNode | None:
        """The access/call whose receiver is `n`, if any."""
        p = n.parent()
        if p is None:
            return None
        if self.fam == "kotlin" and p.kind() in ("navigation_suffix", "call_suffix", "indexing_suffix"):
            return None
        if p.kind() in POSTFIX_KINDS[self.fam]:
            kids = p.named_children()
            if kids and kids[0] == n:
                return p
        return None

    def is_assignment_target(self, n: SgNode) -> bool:
        p = n.parent()
        while p is not None and p.kind() in ("parenthesized_expression",):
            n, p = p, p.parent()
        if p is None:
            return False
        if p.kind() in ("assignment_expression", "augmented_assignment_expression", "assignment", "augmented_assignment", "assignment_statement"):
            left = p.field("left")
            if left is not None:
                return span(left)[0] <= span(n)[0] and span(n)[1] <= span(left)[1]
            kids = p.named_children()
            return bool(kids) and kids[0] == n
        if self.fam == "kotlin" and p.kind() == "directly_assignable_expression":
            return True
        return False

    def is_parenthesized(self, n: SgNode) -> bool:
        p = n.parent()
        if p is None:
            return False
        if p.kind() in ("parenthesized_expression", "condition", "if_expression") and self.src[span(n)[0] - 1 : span(n)[0]] == "(":
            return True
        return False

    # ---------------------------------------------------------------- declarations
    def declaration_of(self, value: SgNode) -> SgNode | None:
        """If `value` is the initial value of a constant/variable/enum member/type: that declaration."""
        value = self.climb(value)
        p = value.parent()
        if p is None:
            return None
        k = p.kind()
        decl_kinds = {
            "js": {
                "variable_declarator",
                "enum_assignment",
                "public_field_definition",
                "field_definition",
                "assignment_expression",
                "literal_type",
                "property_signature",
                "enum_body",
            },
            "python": {"assignment", "augmented_assignment", "default_parameter", "typed_default_parameter"},
            "java": {"variable_declarator", "element_value_pair", "annotation_argument_list"},
            "kotlin": {"property_declaration", "parameter", "class_parameter"},
            "go": {"const_spec", "var_spec", "short_var_declaration", "assignment_statement"},
            "php": {"const_element", "property_element", "assignment_expression", "enum_case", "property_initializer"},
            "hcl": set(),
        }.get(self.fam, set())
        if k in decl_kinds:
            return p
        if self.fam == "go" and k == "expression_list":
            pp = p.parent()
            if pp is not None and pp.kind() in decl_kinds:
                return pp
        if self.fam == "java" and k == "argument_list":
            pp = p.parent()
            if pp is not None and pp.kind() in ("enum_constant",):
                return pp
        if self.fam == "kotlin":
            found = self.enclosing_call_arg(value)
            if found is not None:
                call = found[0]
                if call.parent() is not None and call.parent().kind() == "enum_entry":
                    return call.parent()
            if k == "value_argument":
                pp = p.parent()
                if pp is not None and pp.kind() == "value_arguments" and pp.parent() is not None and pp.parent().kind() == "enum_entry":
                    return pp.parent()
        if self.fam == "js" and k == "union_type":
            return p
        if self.fam == "hcl" and k == "attribute":
            blk = p.parent().parent() if p.parent() is not None else None
            if blk is not None and blk.kind() == "block":
                kind = self.text(blk.named_children()[0])
                if kind in ("locals", "variable"):
                    return p
        return None

    def is_declared_name(self, ident: SgNode) -> bool:
        p = ident.parent()
        if p is None:
            return False
        k = p.kind()
        if k in ("variable_declarator", "enum_assignment", "const_spec", "var_spec", "const_element", "enum_case", "enum_constant", "enum_entry", "variable_declaration", "property_element"):
            return True
        if k in ("enum_body",):
            return True
        if k in ("assignment",) and p.field("left") == ident:
            return True
        if k == "pair" and p.field("key") == ident:
            return True
        if k in ("public_field_definition", "property_signature", "field_definition"):
            return True
        return False
