"""`migrate plan` / `migrate show` / `migrate rules` through the real CLI against the local Jira site."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import requests

from migrate.credentials import Credentials
from migrate.errors import PlanFileError
from migrate.jira.client import JiraClient
from migrate.model import ADDON_ROLE_NAME
from migrate.planfile import check_site, load_plan

pytestmark = pytest.mark.e2e

B, VP, VI = "BROWSE_PROJECTS", "VIEW_PROJECTS", "VIEW_ISSUES"


def client_for(sb) -> JiraClient:
    return JiraClient(sb.url, Credentials.basic(sb.admin.email, sb.admin.token))


def expected_adds(sb) -> dict[int, set]:
    """Straight from the site's REST API, without migrate's model: per scheme, the (target, type, id) grants
    the rule should add: every BROWSE_PROJECTS holder gets both targets unless it already has them."""
    out: dict[int, set] = {}
    for s in schemes_of(sb):
        def key(g):
            h = g["holder"]
            return (h["type"], h.get("value") or h.get("parameter"))

        have = {(g["permission"],) + key(g) for g in s["permissions"]}
        need = {(t,) + key(g) for g in s["permissions"] if g["permission"] == B for t in (VP, VI)} - have
        if need:
            out[int(s["id"])] = need
    return out


def schemes_of(sb) -> list[dict]:
    r = requests.get(sb.api_url + "/permissionscheme", params={"expand": "permissions"}, auth=sb.admin.auth, timeout=10)
    r.raise_for_status()
    return r.json()["permissionSchemes"]


def gains_of(doc: dict) -> dict[int, set]:
    return {
        s["id"]: {(p, h["holder"]["type"], h["holder"].get("value") or h["holder"].get("parameter")) for h in s["holders"] for p in h["gains"]}
        for s in doc["schemes"]
    }


def simulate_apply(sb, plan_path: Path) -> None:
    """Carry a plan out with plain grant POST/DELETE calls (standing in for `migrate apply`)."""
    plan = load_plan(plan_path)
    with client_for(sb) as c:
        for ch in plan.changes:
            for o in ch.adds:
                c.create_grant(ch.scheme_id, o.permission, o.holder)
            for o in ch.removes:
                assert c.delete_grant(ch.scheme_id, o.grant_id)


def test_plan_demo_seed(sandbox, env, cli):
    expected = expected_adds(sandbox)
    r = cli("plan", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["applicable"] is True and doc["changes_pending"] is True and doc["mode"] == "add"
    assert doc["site"]["url"] == sandbox.url
    # exactly the grants the site's own data says are missing, nothing else
    assert gains_of(doc) == expected
    assert doc["totals"]["grants_added"] == sum(map(len, expected.values())) and doc["totals"]["grants_removed"] == 0
    assert all(not h["loses"] for s in doc["schemes"] for h in s["holders"])
    # the Connect add-on role gets both keys in every scheme it holds BROWSE_PROJECTS in
    addon = [h for s in doc["schemes"] for h in s["holders"] if h["addon_role"]]
    assert addon and all(h["gains"] == [VP, VI] for h in addon)
    assert all(h["display"] == f"projectRole: {ADDON_ROLE_NAME}" for h in addon)
    # a known group of the seed
    jsu = [h for s in doc["schemes"] for h in s["holders"] if h["display"] == "group: jira-software-users"]
    assert jsu and all(h["gains"] == [VP, VI] and h["kept"] == [B] for h in jsu)
    assert all(h["holder"]["value"] for h in jsu)  # Cloud groups by id
    # the shared default scheme and the project map
    default = next(s for s in doc["schemes"] if s["id"] == 0)
    assert default["name"] == "Default Permission Scheme" and len(default["projects"]) >= 2
    assert doc["totals"]["projects_affected"] == len({p for s in doc["schemes"] for p in s["projects"]})
    # the unknown app holder type is copied and flagged
    assert any("not one Jira documents" in n for s in doc["schemes"] for n in s["notes"])
    assert "plan saved to" in r.stderr and "migrate apply" in r.stderr


def test_text_diff_plan_file_and_show(sandbox, env, cli):
    r = cli("plan")
    assert r.exit_code == 0, r.stderr
    text = r.stdout
    assert "\x1b[" not in text  # piped: plain
    block = text[text.index(f"projectRole: {ADDON_ROLE_NAME}") :].splitlines()
    assert block[1:3] == ["      + VIEW_PROJECTS", "      + VIEW_ISSUES"]
    assert "~ scheme 0 'Default Permission Scheme' (used by" in text
    assert "\nPlan: " in text and "grants to add, 0 grants to remove" in text
    # saved by default into ./plans, 0600, and named in stderr
    (path,) = [p for p in Path("plans").iterdir() if p.suffix == ".json"]  # beside it: <plan>.scan
    assert str(path) in r.stderr
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sandbox.admin.token not in path.read_text()
    # show re-renders the same diff, offline
    before = sandbox.stats()
    shown = cli("show", path)
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout == text
    assert "checksum ok" in shown.stderr
    assert sandbox.stats() == before
    # and the JSON views agree too
    a = json.loads(cli("plan", "--json", "--out", "again.json").stdout)
    b = json.loads(cli("show", "again.json", "--json").stdout)
    assert a == b


def test_show_needs_no_site(sandbox, env, cli, monkeypatch):
    cli("plan", "--out", "p.json")
    for var in ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"):
        monkeypatch.delenv(var)
    sandbox.stop()
    r = cli("show", "p.json")
    assert r.exit_code == 0 and "+ VIEW_ISSUES" in r.stdout


def test_detailed_exitcode_through_add_then_finish(sandbox, env, cli):
    r = cli("plan", "--detailed-exitcode", "--out", "add.json")
    assert r.exit_code == 3
    simulate_apply(sandbox, Path("add.json"))
    r = cli("plan", "--detailed-exitcode", "--out", "add2.json")
    assert r.exit_code == 0, r.stdout
    assert "No changes" in r.stdout
    # finish: only removals are left, and only of BROWSE_PROJECTS
    r = cli("plan", "--mode", "finish", "--detailed-exitcode", "--json", "--out", "finish.json")
    assert r.exit_code == 3
    doc = json.loads(r.stdout)
    assert doc["totals"]["grants_added"] == 0 and doc["totals"]["grants_removed"] > 0
    assert {p for s in doc["schemes"] for h in s["holders"] for p in h["loses"]} == {B}
    assert all(h["targets_after"] == [VP, VI] for s in doc["schemes"] for h in s["holders"])
    simulate_apply(sandbox, Path("finish.json"))
    r = cli("plan", "--mode", "finish", "--detailed-exitcode")
    assert r.exit_code == 0 and "No changes" in r.stdout
    # and nothing is left to add either
    assert cli("plan", "--detailed-exitcode").exit_code == 0


def test_finish_before_add_adds_nothing_and_says_to_run_the_add_plan_first(sandbox, env, cli):
    r = cli("plan", "--mode", "finish", "--out", "f.json", "--json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["totals"]["grants_added"] == 0
    assert any("run the add plan first" in n for n in doc["notes"])
    assert "leaves their BROWSE_PROJECTS alone" in r.stderr and "--mode add" in r.stderr
    text = cli("show", "f.json")
    assert "run the add plan first" in text.stdout and "      + VIEW_" not in text.stdout


def test_legacy_site_plans_but_cannot_apply(sandbox_factory, env, cli, point_env):
    legacy = sandbox_factory("legacy")
    point_env(legacy)
    r = cli("plan", "--json", "--detailed-exitcode", "--no-projects")
    assert r.exit_code == 3  # changes are pending, even though they cannot be applied here yet
    doc = json.loads(r.stdout)
    assert doc["applicable"] is False and doc["missing_keys"] == [VP, VI]
    assert "apply is not possible" in doc["apply_blocked_reason"]
    assert doc["totals"]["grants_added"] > 0 and doc["projects_mapped"] is False
    assert doc["totals"]["projects_affected"] is None
    assert "apply is not possible on this site" in r.stderr and "Atlassian has not enabled the split" in r.stderr
    assert "migrate apply" not in r.stderr  # no invitation to apply
    text = cli("show", doc["plan_file"])
    assert "! apply is not possible on this site: it does not know VIEW_PROJECTS, VIEW_ISSUES" in text.stdout
    assert "apply is not possible" in text.stderr


def test_plan_for_another_site_is_refused(sandbox_factory, sandbox, env, cli):
    assert cli("plan", "--out", "a.json", "--no-projects").exit_code == 0
    plan = load_plan("a.json")
    with client_for(sandbox) as c:
        check_site(plan, c.site_info())  # its own site: fine
    other = sandbox_factory("demo")
    with client_for(other) as c:
        with pytest.raises(PlanFileError, match=f"made for {sandbox.url}"):
            check_site(plan, c.site_info())


def test_data_center_site(sandbox_factory, env, cli, point_env):
    dc = sandbox_factory("dc")
    point_env(dc)
    r = cli("plan", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["site"]["deployment_type"] != "Cloud"
    assert gains_of(doc) == expected_adds(dc)
    # Data Center never gets the new keys: the reason says so, rather than "wait for Atlassian"
    assert doc["applicable"] is False and "Data Center site" in doc["apply_blocked_reason"]
    assert "Jira Cloud only" in doc["apply_blocked_reason"] and "Atlassian has not enabled" not in doc["apply_blocked_reason"]
    # DC holders have no value: they are identified and copied by parameter
    assert all("value" not in h["holder"] for s in doc["schemes"] for h in s["holders"])
    assert doc["totals"]["projects_affected"] > 0  # the project map works on Data Center too


def test_scheme_filter(sandbox, env, cli):
    other = next(s["name"] for s in schemes_of(sandbox) if s["id"] != 0 and any(g["permission"] == B for g in s["permissions"]))
    r = cli("plan", "--json", "--scheme", "0", "--scheme", other.upper(), "--no-projects")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    names = {s["name"] for s in doc["schemes"]}
    assert names == {"Default Permission Scheme", other}
    assert any("limited by --scheme to 2 of" in n for n in doc["notes"])
    r = cli("plan", "--scheme", "No Such Scheme")
    assert r.exit_code == 1 and "no permission scheme has the id or name 'No Such Scheme'" in r.stderr


def test_custom_rule_file(sandbox, env, cli):
    Path("rule.toml").write_text(
        'name = "issues-only"\nsource = "BROWSE_PROJECTS"\ntargets = ["VIEW_PROJECTS", "VIEW_ISSUES"]\n'
        '[policy]\nissue-scoped = ["VIEW_ISSUES"]\nprojectRole = ["VIEW_ISSUES"]\n'
    )
    # the seed's scheme where issue-scoped holders have BROWSE_PROJECTS
    scheme = next(s for s in schemes_of(sandbox) if any(g["permission"] == B and g["holder"]["type"] == "reporter" for g in s["permissions"]))
    r = cli("plan", "--rule", "rule.toml", "--json", "--scheme", scheme["id"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    holders = {h["display"]: h for h in doc["schemes"][0]["holders"]}
    assert holders["reporter"]["gains"] == [VI] and holders["reporter"]["loses"] == []
    assert holders["reporter"]["without_all_targets"] is True
    # the add-on role is a projectRole, but it always gets both
    assert holders[f"projectRole: {ADDON_ROLE_NAME}"]["gains"] == [VP, VI]
    assert holders["projectRole: Administrators"]["gains"] == [VI]
    assert doc["totals"]["holders_without_all_targets"] >= 2


def test_rules_command(cli):
    r = cli("rules")
    assert r.exit_code == 0
    assert "BROWSE_PROJECTS -> VIEW_PROJECTS + VIEW_ISSUES" in r.stdout
    assert ADDON_ROLE_NAME in r.stdout and "reporter (issue-scoped)" in r.stdout
    doc = json.loads(cli("rules", "--json").stdout)
    assert len(doc["holder_policy"]) == 13


# ---------------------------------------------------------------------------------------- bad input


def _clean_failure(r, *phrases):
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stdout + r.stderr
    for p in phrases:
        assert p in r.stderr


def test_no_credentials(sandbox, env, cli, monkeypatch):
    monkeypatch.delenv("JIRA_EMAIL")
    monkeypatch.delenv("JIRA_API_TOKEN")
    _clean_failure(cli("plan"), "no Jira credentials found", "JIRA_API_TOKEN")
    monkeypatch.delenv("JIRA_URL")
    _clean_failure(cli("plan"), "no Jira site given")
    assert not Path("plans").exists()


def test_wrong_token(sandbox, env, cli, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "not-the-token-4f1c")
    r = cli("plan")
    _clean_failure(r, "rejected the credentials (401)")
    assert "not-the-token-4f1c" not in r.stdout + r.stderr


def test_bad_rule_file_fails_before_any_request(sandbox, env, cli):
    Path("rule.toml").write_text('name = "x"\nsource = "BROWSE_PROJECTS"\ntargets = ["VIEW_ISSUES"]\n[policy]\nreporter = []\n')
    before = sandbox.stats()
    _clean_failure(cli("plan", "--rule", "rule.toml"), "grants nothing", "rule.toml")
    assert sandbox.stats() == before


def test_show_refuses_bad_files(env, cli):
    cli("plan", "--out", "p.json", "--no-projects")
    doc = json.loads(Path("p.json").read_text())
    doc["changes"][0]["operations"][0][1] = "ADMINISTER"  # [action, permission, holder index]
    Path("tampered.json").write_text(json.dumps(doc))
    _clean_failure(cli("show", "tampered.json"), "failed its checksum")
    Path("trunc.json").write_text(Path("p.json").read_text()[:500])
    _clean_failure(cli("show", "trunc.json"), "not valid JSON")
    _clean_failure(cli("show", "missing.json"), "does not exist")


def test_unreachable_site(env, cli, monkeypatch, sandbox):
    sandbox.stop()
    _clean_failure(cli("plan"), "could not connect")


def test_out_directory_and_unwritable_out(sandbox, env, cli):
    Path("mine").mkdir()
    r = cli("plan", "--out", "mine", "--no-projects")
    assert r.exit_code == 0 and len(list(Path("mine").glob("*-add.json"))) == 1
    Path("ro").mkdir(mode=0o500)
    if os.access("ro", os.W_OK):  # running as root: permissions do not stop us, use a file as a parent
        Path("ro/file").write_text("x")
        target = "ro/file/plan.json"
    else:
        target = "ro/plan.json"
    _clean_failure(cli("plan", "--out", target, "--no-projects"), "cannot write the plan to")


def test_show_prints_names_literally(tmp_path, cli, monkeypatch):
    # scheme and group names are data, never markup: "[red]" must come out as typed
    from migrate.model import Grant, Holder, PermissionInfo, Scheme, SiteInfo
    from migrate.plan import make_plan
    from migrate.planfile import save_plan
    from migrate.rules import BROWSE_SPLIT

    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path))
    site = SiteInfo("https://acme.atlassian.net", "https://acme.atlassian.net", "Cloud", "1001", "Acme", "3",
                    {k: PermissionInfo(k, k, "PROJECT") for k in (B, VP, VI)})
    g = Holder("group", "[red]ops[/red] :smile:", "uuid-9", extra={"group": {"name": "[red]ops[/red] :smile:"}})
    plan = make_plan([Scheme(1, "[bold]Scheme[/bold]", (Grant(B, g, 1),))], BROWSE_SPLIT, site)
    path = save_plan(plan, tmp_path / "p.json")
    r = cli("show", path)
    assert r.exit_code == 0
    assert "~ scheme 1 '[bold]Scheme[/bold]'" in r.stdout and "group: [red]ops[/red] :smile:" in r.stdout
