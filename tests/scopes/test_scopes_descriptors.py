"""Reading Connect descriptors and Forge manifests: scopes with their positions, hooks, errors."""

from __future__ import annotations

import os

import pytest

from migrate.scopes.descriptors import CONNECT, FORGE, DescriptorError, app_root, read

FORGE_MANIFEST = """\
app:
  id: ari:cloud:ecosystem::app/abc   # the app's ARI
modules:
  trigger:
    - key: t
      function: main
      events: [avi:jira:created:issue, 'avi:jira:updated:issue', avi:confluence:created:page]
  function:
    - key: main
      handler: index.run
permissions:
  scopes:
    - read:jira-work
    # a comment between entries
    - 'write:jira-work'
    - "storage:app"
"""


def test_forge_manifest():
    app = read("x/manifest.yml", FORGE_MANIFEST)
    assert app.kind == FORGE and app.name == "x"
    assert [d.name for d in app.declared] == ["read:jira-work", "write:jira-work", "storage:app"]
    assert [(d.place.line, d.place.column) for d in app.declared] == [(13, 7), (15, 7), (16, 7)]
    assert [(h.kind, h.event) for h in app.hooks] == [("trigger", "avi:jira:created:issue"), ("trigger", "avi:jira:updated:issue")]


def test_forge_manifest_without_scopes():
    app = read("m/manifest.yaml", "app:\n  id: ari:x\nmodules:\n  function:\n    - key: f\n      handler: i.h\n")
    assert app.declared == () and app.scopes_place.line == 1


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("applications:\n  - name: web\n    memory: 256M\n", id="cloud-foundry"),
        pytest.param("apiVersion: v1\nkind: Pod\n", id="kubernetes"),
        pytest.param("app: my-service\nmodules: [a]\n", id="app-is-not-a-mapping"),
        pytest.param("- a\n- b\n", id="a-list"),
        pytest.param("key: [unclosed\n", id="broken-yaml-of-another-tool"),
    ],
)
def test_other_manifest_yml_files_are_not_forge_apps(text):
    assert read("manifest.yml", text) is None


def test_connect_descriptor():
    text = '{\n  "key": "my-app",\n  "scopes": ["read", "WRITE"],\n  "modules": {"webhooks": [{"event": "jira:issue_created", "url": "/w"}]}\n}\n'
    app = read("atlassian-connect.json", text)
    assert app.kind == CONNECT and app.name == "my-app"
    assert [(d.name, d.place.line, d.place.column) for d in app.declared] == [("read", 3, 14), ("WRITE", 3, 22)]
    assert [(h.kind, h.event, h.place.line) for h in app.hooks] == [("webhook", "jira:issue_created", 4)]


def test_templated_connect_key_names_the_project_instead(tmp_path):
    d = tmp_path / "timesheets" / "src" / "main" / "resources"
    d.mkdir(parents=True)
    app = read(str(d / "atlassian-connect.json"), '{"key": "${addon.key}", "scopes": ["READ"]}')
    assert app.name == "timesheets"
    assert app.root == str(tmp_path / "timesheets")


BROKEN = [
    pytest.param("atlassian-connect.json", '{"key": "a", "scopes": ["READ",]}', "not valid JSON", id="json-trailing-comma"),
    pytest.param("atlassian-connect.json", '["READ"]', "must be a JSON object", id="json-not-an-object"),
    pytest.param("atlassian-connect.json", '{"scopes": "READ WRITE"}', "must be a list", id="scopes-a-string"),
    pytest.param("atlassian-connect.json", '{"scopes": ["READ", 3]}', "not a scope name", id="scope-not-a-string"),
    pytest.param("manifest.yml", "app:\n  id: x\npermissions:\n  scopes: read:jira-work\n", "must be a list", id="forge-scopes-a-string"),
    pytest.param("manifest.yml", "app:\n  id: x\npermissions:\n  scopes:\n    - [read:jira-work\n", "not valid YAML", id="forge-broken-yaml"),
]


@pytest.mark.parametrize("name, text, message", BROKEN)
def test_broken_descriptors_are_errors(name, text, message):
    with pytest.raises(DescriptorError, match=message):
        read(name, text)


@pytest.mark.parametrize(
    "descriptor, root",
    [
        ("app/atlassian-connect.json", "app"),
        ("app/manifest.yml", "app"),
        ("svc/src/main/resources/atlassian-connect.json", "svc"),
        ("svc/resources/atlassian-connect.json", "svc/resources"),
    ],
)
def test_app_root(descriptor, root, tmp_path):
    assert app_root(str(tmp_path / descriptor)) == os.path.join(str(tmp_path), root)
