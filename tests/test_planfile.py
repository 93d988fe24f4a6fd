"""Saved plans: strict loading, 0600 files, and refusal of anything that is not exactly what was planned."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from migrate.errors import PlanFileError
from migrate.model import ADDON_ROLE_NAME, Grant, Holder, PermissionInfo, Scheme, SiteInfo
from migrate.plan import make_plan
from migrate.planfile import (
    FORMAT_VERSION,
    checksum_of,
    check_site,
    default_plan_path,
    encode_plan_doc,
    load_plan,
    plan_id,
    plan_to_json,
    save_plan,
)
from migrate.rederive import rederive
from migrate.rules import BROWSE_SPLIT

B, VP, VI = "BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"
GROUP = Holder("group", "jira-users", "uuid-1", extra={"group": {"name": "jira-users", "groupId": "uuid-1"}})
ADDON = Holder("projectRole", "10003", "10003", extra={"projectRole": {"name": ADDON_ROLE_NAME, "id": 10003}})


def site_info(url="https://acme.atlassian.net", base_url=None) -> SiteInfo:
    return SiteInfo(
        url=url,
        base_url=base_url or url,
        deployment_type="Cloud",
        version="1001.0.0",
        server_title="Acme",
        api_version="3",
        permissions={k: PermissionInfo(k, k, "PROJECT") for k in (B, VP, VI)},
    )


@pytest.fixture
def plan():
    schemes = [
        Scheme(
            10000,
            "Default Permission Scheme",
            (Grant(B, GROUP, 1, extra={"self": "https://x/1"}), Grant(B, ADDON, 2))
            + tuple(Grant(t, h, i) for i, (t, h) in enumerate([(VP, GROUP), (VI, GROUP), (VP, ADDON), (VI, ADDON)], 8)),
        ),
        Scheme(10001, "Équipe Montréal ☕", (Grant(B, GROUP, 3), Grant(VP, GROUP, 4), Grant("ADD_COMMENTS", GROUP, 5), Grant(VI, GROUP, 12))),
        Scheme(10002, "done", (Grant(VP, GROUP, 6), Grant(VI, GROUP, 7))),
    ]
    return make_plan(
        schemes,
        BROWSE_SPLIT,
        site_info(),
        mode="finish",
        projects_by_scheme={10000: ["ABC", "DEF"], 10001: ["MTL"]},
        created_at="2025-06-01T12:00:00+00:00",
        tool_version="0.1.0",
    )


@pytest.fixture
def saved(plan, tmp_path):
    return save_plan(plan, directory=tmp_path / "plans")


def rewrite(path, mutate, *, fix_checksum=False):
    doc = plan_to_json(load_plan(path))  # each grant and operation with its holder in full
    mutate(doc)
    if fix_checksum:  # as if the editor knew how to recompute the checksum: the checks behind it must hold
        path.write_bytes(encode_plan_doc(doc))
    else:
        path.write_text(json.dumps(doc))


def test_round_trip(plan, saved):
    loaded = load_plan(saved)
    assert loaded == plan
    assert loaded.meta["checksum"] == json.loads(saved.read_text())["checksum"]
    assert loaded.meta["projects_mapped"] is True
    assert plan_id(loaded) == plan_id(plan) and len(plan_id(plan)) == 16
    assert "self" not in loaded.change_for(10000).before[0].extras  # a grant's REST link is an address, not state
    assert any(o.holder.is_addon_role for o in loaded.change_for(10000).removes)


def test_default_path_and_mode(plan, saved, tmp_path):
    assert saved.parent == tmp_path / "plans"
    assert saved.name.endswith("-20250601T120000-finish.json") and saved.name.startswith("acme.atlassian.net-")
    assert saved == default_plan_path(plan, tmp_path / "plans")
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600
    explicit = save_plan(plan, tmp_path / "mine.json")
    assert stat.S_IMODE(os.stat(explicit).st_mode) == 0o600
    assert not [p for p in (tmp_path / "plans").iterdir() if p.name.startswith(".")]  # no temp files left


def test_tampered_operation(saved):
    rewrite(saved, lambda d: d["changes"][0]["operations"][0].update(permission="ADMINISTER"))
    with pytest.raises(PlanFileError, match="failed its checksum") as e:
        load_plan(saved)
    assert "edited" in e.value.message and e.value.hint


def test_tampered_site(saved):
    rewrite(saved, lambda d: d["site"].update(url="https://other.atlassian.net"))
    with pytest.raises(PlanFileError, match="checksum"):
        load_plan(saved)


def test_the_checksum_is_over_the_bytes(plan, saved):
    # format 2: reformatting the file (or any byte changed) fails the checksum; laid out again, it loads
    doc = json.loads(saved.read_text())
    saved.write_text(json.dumps(doc, indent=None, sort_keys=True))
    with pytest.raises(PlanFileError, match="failed its checksum"):
        load_plan(saved)
    saved.write_bytes(encode_plan_doc(doc))
    assert load_plan(saved) == plan


def test_a_byte_changed_after_the_checksum_line_is_refused(saved):
    raw = saved.read_bytes()
    saved.write_bytes(raw.rstrip(b"\n") + b" \n")
    with pytest.raises(PlanFileError, match="failed its checksum"):
        load_plan(saved)


def test_unknown_major_version(saved):
    rewrite(saved, lambda d: d.update(format_version="3.0"), fix_checksum=True)
    with pytest.raises(PlanFileError, match="plan format 3.0") as e:
        load_plan(saved)
    assert "re-run `migrate plan`" in e.value.hint


def test_newer_minor_version_is_read(plan, saved):
    major = FORMAT_VERSION.split(".")[0]
    rewrite(saved, lambda d: d.update(format_version=f"{major}.9", future_field=1), fix_checksum=True)
    assert load_plan(saved) == plan


@pytest.mark.parametrize("version", [None, 1, "x.1", ""])
def test_bad_format_version(saved, version):
    rewrite(saved, lambda d: d.update(format_version=version), fix_checksum=True)
    with pytest.raises(PlanFileError, match="format_version"):
        load_plan(saved)


def test_malformed_json(tmp_path):
    p = tmp_path / "p.json"
    p.write_text('{"kind": "migrate-plan", ')
    with pytest.raises(PlanFileError, match="not valid JSON"):
        load_plan(p)


def test_truncated_file(saved):
    raw = saved.read_bytes()
    saved.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(PlanFileError, match="not valid JSON"):
        load_plan(saved)


def test_empty_and_binary_files(tmp_path):
    (tmp_path / "empty.json").write_bytes(b"")
    with pytest.raises(PlanFileError, match="not valid JSON"):
        load_plan(tmp_path / "empty.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PlanFileError, match="not UTF-8"):
        load_plan(tmp_path / "bin.json")


def test_missing_file(tmp_path):
    with pytest.raises(PlanFileError, match="does not exist"):
        load_plan(tmp_path / "nope.json")


@pytest.mark.parametrize("doc,message", [([1, 2], "expected a JSON object"), ({"kind": "terraform-plan"}, "kind is 'terraform-plan'"), ({}, "kind is None")])
def test_wrong_kind(tmp_path, doc, message):
    p = tmp_path / "p.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(PlanFileError, match=message):
        load_plan(p)


def test_stored_fingerprints_are_shown_never_acted_on(saved):
    # a consistent checksum over edited fingerprints: the file loads and re-derives (its operations are the
    # planner's), `show` displays what it states, and the history chains plans by fingerprints it derives
    # from the before-state (tests/test_history.py), so a forged one decides nothing
    def forge(d):
        d["changes"][0]["fingerprint"] = "sha256:" + "0" * 64
        d["changes"][0]["after_fingerprint"] = "sha256:" + "1" * 64
    rewrite(saved, forge, fix_checksum=True)
    plan = load_plan(saved)
    rederive(plan)
    c = plan.changes[0]
    assert c.fingerprint == "sha256:" + "0" * 64 and c.after_fingerprint == "sha256:" + "1" * 64
    assert c.derived_after_fingerprint() != c.after_fingerprint


def test_remove_of_a_grant_not_in_the_before_state(saved):
    def mutate(d):
        for o in d["changes"][0]["operations"]:
            if o["action"] == "remove":
                o["grant_id"] = 999
    rewrite(saved, mutate, fix_checksum=True)
    with pytest.raises(PlanFileError, match="removes grant 999"):
        load_plan(saved)


def test_remove_pointing_at_another_grant(saved):
    # grant 5 exists (ADD_COMMENTS) but is not the BROWSE_PROJECTS grant the operation names
    def mutate(d):
        ops = [o for o in d["changes"][1]["operations"] if o["action"] == "remove"]
        ops[0]["grant_id"] = 5
    rewrite(saved, mutate, fix_checksum=True)
    with pytest.raises(PlanFileError, match="removes grant 5"):
        load_plan(saved)


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda d: d.pop("changes"), "has no 'changes'"),
        (lambda d: d.update(changes={}), "wrong type"),
        (lambda d: d.update(mode="yolo"), "unknown mode"),
        (lambda d: d.update(site="acme"), "wrong type"),
        (lambda d: d["site"].pop("url"), "has no 'url'"),
        (lambda d: d["rule"].update(targets=[]), "non-empty list"),
        (lambda d: d["rule"].update(extra=1), "unknown field"),
        (lambda d: d["changes"][0].update(scheme_id="10000"), "wrong type"),
        (lambda d: d["changes"][0].update(scheme_id=True), "wrong type"),
        (lambda d: d["changes"][0]["operations"].append({"action": "put"}), "action 'add' or 'remove'"),
        (lambda d: d["changes"][0]["before"].append({"permission": "X"}), "holder"),
        (lambda d: d["changes"].append(d["changes"][0]), "appears twice"),
        (lambda d: d.update(unchanged="10002"), "list of scheme ids"),
        (lambda d: d.update(missing_keys="VIEW_ISSUES"), "list of strings"),
        (lambda d: d["changes"][0].update(projects=[1]), "list of strings"),
        (lambda d: d.update(projects_mapped="yes"), "wrong type"),
    ],
)
def test_malformed_content(saved, mutate, message):
    rewrite(saved, mutate, fix_checksum=True)
    with pytest.raises(PlanFileError, match="malformed plan file") as e:
        load_plan(saved)
    assert message in e.value.message


def test_check_site(plan):
    check_site(plan, site_info())
    with pytest.raises(PlanFileError, match="made for https://acme.atlassian.net") as e:
        check_site(plan, site_info("https://other.atlassian.net"))
    assert "JIRA_URL" in e.value.hint
    # same URL, but the server behind it says it is another site
    with pytest.raises(PlanFileError):
        check_site(plan, site_info(base_url="https://acme-sandbox.atlassian.net"))
    check_site(plan, site_info(base_url="https://acme.atlassian.net/"))


EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "plans" / "examples").glob("*.json"))
LEGACY = sorted((Path(__file__).resolve().parent / "fixtures" / "plans-1.0").glob("*.json"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_plans_still_load(path):
    # the versioned examples must stay readable by this version (format and checksum)
    plan = load_plan(path)
    assert plan.changes and plan.site["url"].startswith("http://127.0.0.1")
    assert plan_to_json(plan)["checksum"] == json.loads(path.read_text())["checksum"]
    rederive(plan)


@pytest.mark.parametrize("path", LEGACY, ids=[p.name for p in LEGACY])
def test_format_1_plans_still_load(path, tmp_path):
    # plans written by earlier versions (format 1.0, canonical checksum) load, keep their id, re-derive,
    # and equal the same plan written again in format 2
    plan = load_plan(path)
    doc = json.loads(path.read_text())
    assert doc["format_version"] == "1.0" and plan.meta["checksum"] == doc["checksum"]
    rederive(plan)
    again = load_plan(save_plan(plan, tmp_path / "again.json"))
    assert again == plan and json.loads((tmp_path / "again.json").read_text())["format_version"] == FORMAT_VERSION
    legacy = json.loads(path.read_text())
    legacy["changes"][0]["operations"].pop()
    path_copy = tmp_path / "edited.json"
    path_copy.write_text(json.dumps(legacy))
    with pytest.raises(PlanFileError, match="failed its checksum"):
        load_plan(path_copy)


def test_legacy_examples_exist():
    assert {p.name for p in LEGACY} >= {"demo-add.json", "demo-finish.json"}


def test_examples_exist():
    assert {p.name for p in EXAMPLES} >= {"demo-add.json", "demo-finish.json"}


def test_plan_to_json_is_stable(plan):
    a, b = plan_to_json(plan), plan_to_json(plan)
    assert a == b and a["checksum"].startswith("sha256:") and a["format_version"] == FORMAT_VERSION
    assert a["totals"]["grants_removed"] == 3 and a["unchanged"] == [10002]


def _written_one_holder_at_a_time(plan) -> bytes:
    """The file as laid out with each holder encoded and told apart by its text as it comes."""
    from migrate import planfile

    table = planfile._HolderTable()
    rows = [planfile._change_row(c, table) for c in plan.changes]
    return b"".join(planfile._layout(planfile._header(plan), table.rows, rows))


@pytest.mark.parametrize(
    "body",
    [
        # two holder objects with the same JSON (the site spelled them differently): one row in the table
        b'{"permissionSchemes": [{"id": 1, "name": "a", "permissions": ['
        b'{"id": 1, "permission": "BROWSE_PROJECTS", "holder": {"type": "group", "parameter": "g", "value": "u"}},'
        b'{"id": 2, "permission": "ADD_COMMENTS", "holder": {"type":"group","parameter":"g","value":"u"}}]}]}',
        # an expansion the site pretty-printed: kept verbatim, newlines included
        b'{"permissionSchemes": [{"id": 1, "name": "a", "permissions": ['
        b'{"id": 1, "permission": "BROWSE_PROJECTS", "holder": {"type": "group", "parameter": "g", "value": "u",'
        b' "group": {\n  "name": "g",\n  "groupId": "u"\n}}},'
        b'{"id": 2, "permission": "BROWSE_PROJECTS", "holder": {"type": "user", "parameter": "a1", "value": "a1"}}]}]}',
    ],
    ids=["same-json-twice", "newline-in-expansion"],
)
def test_holder_table_from_a_scheme_list_is_the_documents(body, tmp_path):
    from migrate.model import parse_scheme_list

    plan = make_plan(parse_scheme_list(body), BROWSE_SPLIT, site_info(), created_at="2025-06-01T12:00:00+00:00",
                     tool_version="0.1.0")
    path = save_plan(plan, tmp_path / "p.json")
    written = path.read_bytes()
    assert written == _written_one_holder_at_a_time(plan)
    doc = json.loads(written)
    texts = [json.dumps(h, sort_keys=True) for h in doc["holders"]]
    assert len(texts) == len(set(texts))  # each holder once
    assert load_plan(path) == plan


def test_holder_table_numbers_many_holders_in_order_of_use(tmp_path):
    """More holders than one piece of the table's encoding (4,096), each object once, some of them equal:
    the file is what the document gives, row for row."""
    holders = [Holder("user", f"acc-{i}", f"acc-{i}") for i in range(5000)]
    twins = [Holder("user", f"acc-{i}", f"acc-{i}") for i in range(0, 5000, 997)]  # equal, other objects
    grants = tuple(Grant(B, h, i) for i, h in enumerate(holders + twins, 1))
    plan = make_plan([Scheme(10000, "big", grants)], BROWSE_SPLIT, site_info(), created_at="2025-06-01T12:00:00+00:00")
    written = save_plan(plan, tmp_path / "p.json").read_bytes()
    assert written == _written_one_holder_at_a_time(plan) == encode_plan_doc(plan_to_json(plan))
    assert len(json.loads(written)["holders"]) == 5000
