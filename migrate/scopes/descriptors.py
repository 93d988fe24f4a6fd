"""Reading what an app declares: a Connect descriptor's `scopes` or a Forge manifest's `permissions.scopes`,
each scope with its line and column, plus the descriptor entries that need scopes without a REST call
(Connect webhooks need READ; Forge product-event triggers need read scopes listed per event).

Both files are read through their syntax trees (ast-grep's JSON and YAML grammars), so every finding can
point at the exact entry. A file that is not valid JSON/YAML, or whose scope list is not a list of
strings, is a DescriptorError: the audit cannot say anything true about an app it cannot read.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from dataclasses import dataclass

from migrate.scopes.source import LineIndex, Syntax, is_forge_manifest, span

CONNECT = "connect"
FORGE = "forge"


class DescriptorError(Exception):
    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Located:
    """A JSON/YAML value and where it is: dicts hold Located values, lists Located items."""

    value: object
    start: int
    end: int


@dataclass(frozen=True)
class Place:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Declared:
    name: str  # as written
    place: Place


@dataclass(frozen=True)
class Hook:
    """A descriptor entry that needs scopes without a REST call in the source."""

    kind: str  # "webhook" (Connect) | "trigger" (Forge product event)
    event: str
    place: Place


@dataclass(frozen=True)
class App:
    kind: str  # CONNECT | FORGE
    descriptor: str  # path of atlassian-connect.json / manifest.yml
    root: str  # the directory whose files are this app's source
    name: str  # Connect key, or the Forge app id
    declared: tuple[Declared, ...]
    scopes_place: Place | None  # the scope list (or the file start when there is none)
    hooks: tuple[Hook, ...]
    connect_on_forge: bool = False  # a Forge manifest with a Connect remote (app.connect, connectModules)


def is_connect_descriptor(path: str) -> bool:
    return fnmatch.fnmatch(os.path.basename(path), "atlassian-connect*.json")


def is_descriptor(path: str) -> bool:
    return is_connect_descriptor(path) or is_forge_manifest(path)


def app_root(descriptor: str) -> str:
    """Where an app's source lives: the descriptor's directory, or the project above a Spring Boot /
    Maven resources folder (src/main/resources/atlassian-connect.json serves src/main/java too)."""
    d = os.path.dirname(os.path.abspath(descriptor))
    parts = d.replace(os.sep, "/").split("/")
    if parts[-3:] == ["src", "main", "resources"]:
        d = os.path.dirname(os.path.dirname(os.path.dirname(d)))
    return d


def read(path: str, text: str) -> App | None:
    """The app a descriptor declares; None for a manifest.yml that is not a Forge manifest."""
    if is_connect_descriptor(path):
        return _connect(path, text)
    return _forge(path, text)


# ----------------------------------------------------------------------------- trees


def tree(lang: str, text: str) -> Located:
    syn = Syntax(lang, text)
    if syn.root.find(kind="ERROR") is not None:
        raise ValueError("syntax error")
    docs = [c for c in syn.root.children() if c.is_named() and not syn.is_comment(c)]
    if lang == "yaml":
        docs = [c for c in docs if c.kind() == "document"]
        if len(docs) != 1:
            raise ValueError("expected exactly one YAML document")
        inner = [c for c in docs[0].named_children() if not syn.is_comment(c)]
        if len(inner) != 1:
            raise ValueError("empty document")
        return _value(syn, inner[0])
    if len(docs) != 1:
        raise ValueError("expected one JSON value")
    return _value(syn, docs[0])


def _value(syn: Syntax, n) -> Located:
    k = n.kind()
    s, e = span(n)
    if k in ("block_node", "flow_node", "document"):
        inner = [c for c in n.named_children() if not syn.is_comment(c) and c.kind() not in ("anchor", "tag")]
        return _value(syn, inner[0]) if inner else Located(None, s, e)
    if k in ("object", "block_mapping", "flow_mapping"):
        out: dict[str, Located] = {}
        for c in n.named_children():
            if c.kind() not in ("pair", "block_mapping_pair", "flow_pair"):
                continue
            key, value = c.field("key"), c.field("value")
            if key is None:
                continue
            name = _value(syn, key).value
            out[str(name)] = _value(syn, value) if value is not None else Located(None, *span(c))
        return Located(out, s, e)
    if k in ("array", "block_sequence", "flow_sequence"):
        items = []
        for c in n.named_children():
            if syn.is_comment(c):
                continue
            if c.kind() == "block_sequence_item":
                inner = [x for x in c.named_children() if not syn.is_comment(x)]
                items.append(_value(syn, inner[0]) if inner else Located(None, *span(c)))
            else:
                items.append(_value(syn, c))
        return Located(items, s, e)
    text = syn.text(n)
    if k == "string" and syn.fam == "json":
        return Located(json.loads(text), s, e)
    if k == "double_quote_scalar":
        try:
            return Located(json.loads(text), s, e)
        except ValueError:
            return Located(text[1:-1], s, e)
    if k == "single_quote_scalar":
        return Located(text[1:-1].replace("''", "'"), s, e)
    if k == "number":
        return Located(json.loads(text), s, e)
    if k in ("true", "false", "null"):
        return Located(json.loads(k), s, e)
    return Located(text, s, e)  # plain scalars (kept as text), block scalars


def _place(lines: LineIndex, loc: Located) -> Place:
    l1, c1 = lines.pos(loc.start)
    l2, c2 = lines.pos(loc.end)
    return Place(l1, c1, l2, c2)


def _get(loc: Located | None, key: str) -> Located | None:
    if loc is None or not isinstance(loc.value, dict):
        return None
    return loc.value.get(key)


def _scope_list(path: str, lines: LineIndex, loc: Located | None, where: str) -> tuple[tuple[Declared, ...], Place | None]:
    if loc is None or loc.value is None:
        return (), None
    if not isinstance(loc.value, list):
        raise DescriptorError(path, f"`{where}` must be a list of scope names")
    out = []
    for item in loc.value:
        if not isinstance(item.value, str) or not item.value.strip():
            raise DescriptorError(path, f"`{where}` holds an entry that is not a scope name (line {lines.pos(item.start)[0]})")
        out.append(Declared(item.value.strip(), _place(lines, item)))
    return tuple(out), _place(lines, loc)


# ----------------------------------------------------------------------------- Connect


def _connect(path: str, text: str) -> App:
    try:
        json.loads(text)
        doc = tree("json", text)
    except ValueError as e:
        raise DescriptorError(path, f"not valid JSON ({e})") from None
    if not isinstance(doc.value, dict):
        raise DescriptorError(path, "a Connect descriptor must be a JSON object")
    lines = LineIndex(text)
    declared, place = _scope_list(path, lines, _get(doc, "scopes"), "scopes")
    hooks = []
    webhooks = _get(_get(doc, "modules"), "webhooks")
    if webhooks is not None and isinstance(webhooks.value, list):
        for w in webhooks.value:
            event = _get(w, "event")
            hooks.append(Hook("webhook", str(event.value) if event is not None else "?", _place(lines, w)))
    key = _get(doc, "key")
    return App(
        kind=CONNECT,
        descriptor=path,
        root=app_root(path),
        # a templated key (`${addon.key}`, `{{key}}`) says nothing: the project's directory does
        name=str(key.value) if key is not None and isinstance(key.value, str) and not re.search(r"\$\{|\{\{", key.value) else os.path.basename(app_root(path)),
        declared=declared,
        scopes_place=place or _place(lines, Located(None, 0, 0)),
        hooks=tuple(hooks),
    )


# ----------------------------------------------------------------------------- Forge


def _forge(path: str, text: str) -> App | None:
    try:
        doc = tree("yaml", text)
    except ValueError as e:
        # a manifest.yml of another tool is not ours to judge; a broken Forge manifest is
        if "app:" in text and ("modules:" in text or "permissions:" in text):
            raise DescriptorError(path, f"not valid YAML ({e})") from None
        return None
    if not isinstance(doc.value, dict) or not isinstance(_get(doc, "app") and _get(doc, "app").value, dict):
        return None  # not a Forge manifest (Cloud Foundry, Kubernetes... also use manifest.yml)
    if "modules" not in doc.value and "permissions" not in doc.value:
        return None
    lines = LineIndex(text)
    declared, place = _scope_list(path, lines, _get(_get(doc, "permissions"), "scopes"), "permissions.scopes")
    hooks = []
    triggers = _get(_get(doc, "modules"), "trigger")
    if triggers is not None and isinstance(triggers.value, list):
        for t in triggers.value:
            events = _get(t, "events")
            if events is not None and isinstance(events.value, list):
                for ev in events.value:
                    if isinstance(ev.value, str) and ev.value.startswith("avi:jira"):
                        hooks.append(Hook("trigger", ev.value, _place(lines, ev)))
    # Connect on Forge: webhooks declared as Connect modules need the Connect READ scope (read:connect-jira)
    connect_modules = _get(doc, "connectModules")
    if connect_modules is not None and isinstance(connect_modules.value, dict):
        for key, mods in connect_modules.value.items():
            if key.endswith(":webhooks") and isinstance(mods.value, list):
                for w in mods.value:
                    event = _get(w, "event")
                    hooks.append(Hook("webhook", str(event.value) if event is not None else "?", _place(lines, w)))
    return App(
        kind=FORGE,
        descriptor=path,
        root=app_root(path),
        name=os.path.basename(os.path.dirname(os.path.abspath(path))),  # the manifest holds no name, only an ARI
        declared=declared,
        scopes_place=place or _place(lines, Located(None, 0, 0)),
        hooks=tuple(hooks),
        connect_on_forge=_get(_get(doc, "app"), "connect") is not None or connect_modules is not None,
    )
