"""Data Center: read exported workflow XML (OSWorkflow) for checks of BROWSE_PROJECTS, since no REST endpoint
returns a workflow's rules there (Administration › Workflows › View as XML, or the export to a file).

Conditions (``<restrict-to><conditions>``, nested ``AND``/``OR``) and validators whose ``class.name`` is
``...PermissionCondition`` / ``...PermissionValidator`` with ``<arg name="permissionKey">``, or the older
``<arg name="permission">`` holding a name (``browse``, ``Browse Projects``) or the numeric id; ``<meta>``
properties ``jira.permission[.subtasks].browse.*`` on steps (statuses) and actions (transitions). Every
location carries the file and line. A class outside Jira's own packages is reported for review.

Parsed with the standard library's SAX reader, which does not fetch external entities; a malformed file is a
clear error naming it, never a traceback.
"""

from __future__ import annotations

import io
import xml.sax
import xml.sax.xmlreader
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from migrate.errors import ConfigError
from migrate.scan import names
from migrate.scan.findings import Finding
from migrate.scan.rules import (
    ISSUE_LEVEL,
    KNOWN_LEGACY_TYPES,
    NOT_YET,
    PERMISSION_CONDITIONS,
    PERMISSION_VALIDATORS,
    Where,
    condition_finding,
    property_finding,
    short_type,
    unknown_rule_finding,
    validator_finding,
)
from migrate.store import read_user_text

JIRA_PACKAGES = ("com.atlassian.jira.workflow.", "com.opensymphony.workflow.")
MAX_BYTES = 50 * 1024 * 1024


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list["Node"] = field(default_factory=list)
    text: str = ""

    def kids(self, tag: str) -> list["Node"]:
        return [c for c in self.children if c.tag == tag]

    def args(self) -> dict[str, str]:
        return {a.attrs.get("name", ""): a.text.strip() for a in self.kids("arg")}

    def metas(self) -> list["Node"]:
        return self.kids("meta")


class _Builder(xml.sax.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.root: Node | None = None
        self.stack: list[Node] = []
        self.locator: xml.sax.xmlreader.Locator | None = None

    def setDocumentLocator(self, locator):  # noqa: N802 - SAX's name
        self.locator = locator

    def startElement(self, name, attrs):  # noqa: N802
        node = Node(name, dict(attrs), self.locator.getLineNumber() if self.locator else 0)
        if self.stack:
            self.stack[-1].children.append(node)
        else:
            self.root = node
        self.stack.append(node)

    def endElement(self, name):  # noqa: N802
        self.stack.pop()

    def characters(self, content):
        if self.stack:
            self.stack[-1].text += content


def parse(text: str, source: str) -> Node:
    handler = _Builder()
    parser = xml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setFeature(xml.sax.handler.feature_external_pes, False)
    parser.setContentHandler(handler)
    src = xml.sax.xmlreader.InputSource(source)
    src.setByteStream(io.BytesIO(text.encode("utf-8")))
    try:
        parser.parse(src)
    except xml.sax.SAXParseException as e:
        raise ConfigError(f"{source}: not a workflow XML file: {e.getMessage()} at line {e.getLineNumber()}") from None
    if handler.root is None or handler.root.tag != "workflow":
        raise ConfigError(f"{source}: not a workflow XML file (the root element is not <workflow>)",
                          hint="export it from Administration › Workflows › View as XML")
    return handler.root


def _class_of(node: Node) -> str:
    return node.args().get("class.name", "") or node.attrs.get("type", "")


def _permission_found(args: dict[str, str]) -> str | None:
    if names.is_key_or_name(args.get("permissionKey")):
        return f'<arg name="permissionKey">{args["permissionKey"]}</arg>'
    if "permission" in args and names.is_legacy_permission_arg(args["permission"]):
        return f'<arg name="permission">{args["permission"]}</arg>'
    return None


def _known(cls: str) -> bool:
    return cls.startswith(JIRA_PACKAGES) or short_type(cls) in KNOWN_LEGACY_TYPES


def _at(f: Finding, source: str, line: int) -> Finding:
    """Prefix the file and line: in an export, that is the exact location."""
    return Finding(f.category, f.kind, f"{source}:{line} › {f.where}", f.found, f.suggestion,
                   {**f.location, "file": source, "line": line}, f.projects, f.source)


def _rule(node: Node, what: str, w: Where, source: str) -> Iterator[Finding]:
    for f in _rule_findings(node, what, w, source):
        yield _at(f, source, node.line)


def _rule_findings(node: Node, what: str, w: Where, source: str) -> Iterator[Finding]:
    cls = _class_of(node)
    at = f"line {node.line}"
    found = _permission_found(node.args())
    suggestion = f'set <arg name="permissionKey">{names.TARGET_ISSUES}</arg>: {ISSUE_LEVEL}{NOT_YET}'
    short = short_type(cls)
    if what == "condition" and short in PERMISSION_CONDITIONS:
        if found:
            yield condition_finding(w, cls, None, at, found, suggestion, source)
    elif what == "validator" and short in PERMISSION_VALIDATORS:
        if found:
            yield validator_finding(w, cls, None, at, found, suggestion, source)
    elif not _known(cls):
        yield unknown_rule_finding(w, what, cls or "(no class)", None, at, source)


def _conditions(node: Node, w: Where, source: str) -> Iterator[Finding]:
    for c in node.children:
        if c.tag == "conditions":
            yield from _conditions(c, w, source)
        elif c.tag == "condition":
            yield from _rule(c, "condition", w, source)


def _properties(node: Node, w: Where, source: str) -> Iterator[Finding]:
    for m in node.metas():
        key = m.attrs.get("name", "")
        if names.browse_property(key):
            yield _at(property_finding(w, key, m.text.strip(), source), source, m.line)


def _action(action: Node, workflow: str, status: str | None, source: str) -> Iterator[Finding]:
    w = Where(workflow, transition=action.attrs.get("name", ""), transition_id=action.attrs.get("id"),
              extra={"from_status": status} if status else {})
    for r in action.kids("restrict-to"):
        yield from _conditions(r, w, source)
    for vs in action.kids("validators"):
        for v in vs.kids("validator"):
            yield from _rule(v, "validator", w, source)
    yield from _properties(action, w, source)


def workflow_findings(root: Node, workflow: str, source: str) -> list[Finding]:
    out: list[Finding] = []
    for group in ("initial-actions", "global-actions", "common-actions"):
        for g in root.kids(group):
            for a in g.kids("action"):
                out += _action(a, workflow, None, source)
    for steps in root.kids("steps"):
        for step in steps.kids("step"):
            name = step.attrs.get("name", step.attrs.get("id", ""))
            sw = Where(workflow, status=name, extra={"step_id": step.attrs.get("id")})
            out += _properties(step, sw, source)
            for actions in step.kids("actions"):
                for a in actions.kids("action"):
                    out += _action(a, workflow, name, source)
    return out


def scan_file(path: Path | str) -> list[Finding]:
    """Findings in one exported workflow; the workflow is named after the file (the XML holds no name)."""
    p = Path(path)
    if p.is_file() and p.stat().st_size > MAX_BYTES:
        raise ConfigError(f"{p}: larger than {MAX_BYTES // (1024 * 1024)} MB; is it a workflow export?")
    text = read_user_text(p, "workflow XML file", ConfigError)
    return workflow_findings(parse(text, str(p)), p.stem, str(p))
