"""Snapshot files: written straight from the model's grants, read back to the same snapshot as the
grants' to_json() form would give, secrets redacted either way."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.model import Scheme, parse_scheme_list
from migrate.redact import MASK, register_secret
from migrate.snapshot import Snapshot, load_snapshot, save_snapshot

SITE = {"url": "https://example.atlassian.net", "base_url": "https://example.atlassian.net"}

# Holders as a site sends them: with or without parameter/value, expansions (spaced as a site might
# write them), and a field nobody documents.
_holder_parts = st.fixed_dictionaries(
    {"type": st.sampled_from(["group", "projectRole", "user", "anyone", "com.example.app"])},
    optional={
        "parameter": st.sampled_from(["g-1", "10002", "acc-7", "üñî"]),
        "value": st.sampled_from(["uuid-1", "10002", "acc-7"]),
        "group": st.just({"name": "jira-users", "groupId": "uuid-1"}),
        "projectRole": st.just({"name": "Developers", "id": 10002, "scale": 1.5}),
        "user": st.just({"accountId": "acc-7", "displayName": "Zoë", "active": True}),
        "expand": st.just("group,user"),
        "undocumented": st.just({"x": [1, None, "y"]}),
    },
)
_grant_parts = st.fixed_dictionaries(
    {"permission": st.sampled_from(["BROWSE_PROJECTS", "CREATE_ISSUES", "ADMINISTER_PROJECTS"]), "holder": _holder_parts},
    optional={
        "id": st.integers(1, 10**12),
        "self": st.just("https://example.atlassian.net/rest/api/3/permissionscheme/1/permission/9"),
        "undocumentedGrantField": st.just(["a", 2]),
    },
)
_scheme_parts = st.fixed_dictionaries(
    {"id": st.integers(1, 99999), "name": st.text(min_size=1, max_size=8), "permissions": st.lists(_grant_parts, max_size=6)},
    optional={
        "description": st.just("the default"),
        "self": st.just("https://example.atlassian.net/rest/api/3/permissionscheme/1"),
        "scope": st.just({"type": "PROJECT", "project": {"id": "10000"}}),
        "expand": st.just("permissions"),
        "schemeExtra": st.just({"k": "v"}),
    },
)


def _schemes(docs: list[dict], fast: bool) -> dict[int, Scheme]:
    """The schemes as the scheme-list parser builds them (raw expansions, shared holders) or as the lenient
    parser does (decoded extras)."""
    if fast:
        body = msgspec.json.encode({"permissionSchemes": docs}).replace(b'":{', b'": {')  # not msgspec's spacing
        parsed = parse_scheme_list(body)
    else:
        parsed = [Scheme.from_json(d) for d in docs]
    return {s.id: s for s in parsed}


def _snapshot(schemes: dict[int, Scheme]) -> Snapshot:
    return Snapshot(plan_id="p1", site=SITE, taken_at="2024-01-01T00:00:00+00:00", schemes=schemes, mode="add",
                    plan_checksum="sha256:x", tool_version="9.9")


@settings(max_examples=150, deadline=None)
@given(docs=st.lists(_scheme_parts, max_size=4, unique_by=lambda d: d["id"]), fast=st.booleans())
def test_a_saved_snapshot_loads_to_what_the_to_json_form_says(tmp_path_factory, docs, fast):
    snap = _snapshot(_schemes(docs, fast))
    path = tmp_path_factory.mktemp("snap") / "s.json"
    with mock.patch.multiple("migrate.redact", _ordered=(), _json_ordered=()):  # other tests' secrets would mask text
        save_snapshot(snap, path)
    written = json.loads(path.read_text())
    assert written == json.loads(msgspec.json.encode(snap.to_json()))  # json-equal to the to_json() path
    loaded = load_snapshot(path)
    assert loaded == snap
    assert loaded.to_json() == snap.to_json()  # ids, expansions, links and extras all kept
    for sid, scheme in snap.schemes.items():
        assert [g.extras for g in loaded.schemes[sid].grants] == [g.extras for g in scheme.grants]
        assert [g.holder.extras for g in loaded.schemes[sid].grants] == [g.holder.extras for g in scheme.grants]


def test_grants_are_written_as_the_site_sent_their_expansions(tmp_path, monkeypatch):
    # the expansion's own spacing is kept: it went out undecoded. Secrets other tests registered are set
    # aside: one that matches masks the text, which is then re-encoded (and loses the spacing), as it should.
    monkeypatch.setattr("migrate.redact._ordered", ())
    monkeypatch.setattr("migrate.redact._json_ordered", ())
    docs = [{"id": 1, "name": "s", "permissions": [
        {"id": 5, "permission": "BROWSE_PROJECTS", "holder": {"type": "group", "parameter": "g", "value": "u"},
         "self": "https://x/1"}]}]
    body = msgspec.json.encode({"permissionSchemes": docs}).replace(b'"parameter":"g"', b'"parameter":"g","group": {"name": "g"}')
    snap = _snapshot({s.id: s for s in parse_scheme_list(body)})
    save_snapshot(snap, tmp_path / "s.json")
    assert '"group":{"name": "g"}' in (tmp_path / "s.json").read_text()
    assert load_snapshot(tmp_path / "s.json") == snap


SECRET = "snapshot-test-secret-9QvX"


@pytest.mark.parametrize(
    "group_json",
    [
        pytest.param(f'{{"name": "{SECRET}"}}', id="as written"),
        pytest.param('{"name": "' + "".join(f"\\u{ord(c):04x}" for c in SECRET) + '"}', id="escaped by the site"),
        pytest.param(f'{{"name": "{SECRET[:5]}\\/{SECRET[5:]}"}}', id="slash escaped"),
    ],
)
def test_secrets_in_what_a_site_sent_are_redacted(tmp_path, group_json):
    register_secret(SECRET)
    register_secret(SECRET[:5] + "/" + SECRET[5:])
    body = ('{"permissionSchemes": [{"id": 1, "name": "s", "permissions": [{"id": 5, "permission": "P", '
            '"holder": {"type": "group", "parameter": "g", "group": ' + group_json + "}}]}]}").encode()
    snap = _snapshot({s.id: s for s in parse_scheme_list(body)})
    save_snapshot(snap, tmp_path / "s.json")
    text = (tmp_path / "s.json").read_text()
    decoded = json.dumps(json.loads(text), ensure_ascii=False)
    assert SECRET not in decoded and SECRET[:5] + "/" not in decoded
    assert MASK in text
    assert (Path(tmp_path / "s.json").stat().st_mode & 0o777) == 0o600
