"""Data Center workflow XML: every reference with its file and line, unknown classes for review, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate.errors import ConfigError
from migrate.scan.workflow_xml import scan_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "dc-workflows"


def test_the_example_exports():
    found = {(f.category, f.kind, Path(f.location["file"]).name, f.location["line"])
             for p in sorted(EXAMPLES.glob("*.xml")) for f in scan_file(p)}
    assert found == {
        ("reference", "workflow-condition", "Acme Software Workflow.xml", 34),  # permissionKey, under OR
        ("reference", "workflow-condition", "Acme Software Workflow.xml", 62),  # <arg name="permission">browse, nested
        ("reference", "workflow-validator", "Acme Software Workflow.xml", 81),  # "Browse Projects", the older form
        ("review", "workflow-rule-unknown", "Acme Software Workflow.xml", 85),  # an app's validator class
        ("reference", "workflow-property", "Acme Software Workflow.xml", 102),  # step property
        ("reference", "workflow-property", "Acme Service Desk Workflow.xml", 33),  # subtasks step property
        ("reference", "workflow-property", "Acme Service Desk Workflow.xml", 36),  # action property
    }


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "wf.xml"
    p.write_text(body, encoding="utf-8")
    return p


@pytest.mark.parametrize("body,fragment", [
    ("<workflow><steps>", "not a workflow XML file"),
    ("<notaworkflow/>", "root element"),
    ("", "not a workflow XML file"),
])
def test_bad_files_are_clear_errors(tmp_path, body, fragment):
    with pytest.raises(ConfigError, match=fragment):
        scan_file(_write(tmp_path, body))


def test_missing_file_and_no_external_entities(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        scan_file(tmp_path / "nope.xml")
    secret = tmp_path / "secret.txt"
    secret.write_text("BROWSE_PROJECTS")
    body = (f'<!DOCTYPE workflow [<!ENTITY x SYSTEM "file://{secret}">]><workflow><steps><step id="1" name="s">'
            '<meta name="jira.permission.browse.group">&x;</meta></step></steps></workflow>')
    found = scan_file(_write(tmp_path, body))
    assert [f.location["value"] for f in found] == [""]  # the external entity was not read
