"""Bulk plan / prepare / apply / verify with fake clients: isolation, failures per site, manifest, summary."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from migrate.apply import ApplyResult, SchemeOutcome
from migrate.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, AuthenticationError, PlanFileError
from migrate.model import Project
from migrate.planfile import load_plan, save_plan
from migrate.sites import (
    MANIFEST_NAME,
    apply_sites,
    load_manifest,
    parse_sites,
    plan_sites,
    prepare_sites,
    verify_sites,
)
from report_fixtures import schemes, site_info

SITES = """\
[[site]]
name = "alpha"
url = "https://alpha.atlassian.net"
email_env = "ALPHA_EMAIL"
token_env = "ALPHA_TOKEN"

[[site]]
name = "broken"
url = "https://broken.atlassian.net"
email_env = "BROKEN_EMAIL"
token_env = "BROKEN_TOKEN"

[[site]]
name = "legacy"
url = "https://legacy.atlassian.net"
bearer_env = "LEGACY_PAT"
include = ["Default*", 10001]

[[site]]
name = "nocreds"
url = "https://nocreds.atlassian.net"
bearer_env = "NOCREDS_PAT"
"""

ENV = {
    "ALPHA_EMAIL": "admin@alpha.test",
    "ALPHA_TOKEN": "alpha-canary-token-0001",
    "BROKEN_EMAIL": "admin@broken.test",
    "BROKEN_TOKEN": "broken-canary-token-0002",
    "LEGACY_PAT": "legacy-canary-token-0003",
}


class FakeClient:
    """Just what fetch_site and plan_site use; records which token it was built with."""

    instances: list["FakeClient"] = []
    lock = threading.Lock()

    def __init__(self, spec, creds):
        self.url = spec.url
        self.spec = spec
        self.creds = creds
        self.request_count = 0
        self.closed = False
        with FakeClient.lock:
            FakeClient.instances.append(self)

    def _tick(self):
        self.request_count += 1

    def site_info(self):
        self._tick()
        if self.spec.name == "broken":
            raise AuthenticationError(
                f"Jira rejected the credentials (401) at {self.url}", status=401, hint="check BROKEN_EMAIL/BROKEN_TOKEN"
            )
        return site_info(self.url, new_keys=self.spec.name != "legacy", title=f"{self.spec.name} title")

    def list_schemes(self):
        self._tick()
        return schemes()

    def search_projects(self):
        self._tick()
        return [Project(1, "ACME", "Acme"), Project(2, "OPS", "Ops")]

    def project_scheme_id(self, key):
        self._tick()
        return 10000

    def close(self):
        self.closed = True


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))
    FakeClient.instances = []


def _plan(tmp_path, **kw):
    cfg = parse_sites(SITES, source="sites.toml")
    kw.setdefault("scan", False)  # FakeClient serves the plan's reads only; the scan is tested against the sandbox
    return plan_sites(
        cfg, plans_dir=tmp_path / "plans", env=ENV, client_factory=FakeClient, now=lambda: "2026-01-01T00:00:00+00:00", **kw
    )


def test_plan_sites_continues_past_failures_and_saves_one_plan_per_site(tmp_path):
    res = _plan(tmp_path, parallel=3)
    rows = {o.site: o for o in res.outcomes}
    assert [o.site for o in res.outcomes] == ["alpha", "broken", "legacy", "nocreds"]  # file order, whatever finished first
    assert rows["alpha"].status == "changes" and rows["alpha"].exit_code == EXIT_CHANGES
    assert rows["alpha"].schemes_changed == 2 and rows["alpha"].grants_added == 9 and rows["alpha"].grants_removed == 0
    assert rows["broken"].status == "error" and rows["broken"].error == "AuthenticationError"
    assert "401" in rows["broken"].message and rows["broken"].hint
    assert rows["legacy"].status == "blocked" and rows["legacy"].missing_keys == ("VIEW_PROJECTS", "VIEW_ISSUES")
    assert rows["nocreds"].status == "error" and "NOCREDS_PAT not set" in rows["nocreds"].message
    assert res.exit_code == EXIT_ERROR
    assert res.totals == {"sites": 4, "sites_failed": 2, "schemes_changed": 4, "grants_added": 18, "grants_removed": 0}
    # one client per site that had credentials, each closed, each with its own token
    tokens = {c.spec.name: c.creds.token.reveal() if c.creds.token else c.creds.bearer.reveal() for c in FakeClient.instances}
    assert tokens == {"alpha": ENV["ALPHA_TOKEN"], "broken": ENV["BROKEN_TOKEN"], "legacy": ENV["LEGACY_PAT"]}
    assert all(c.closed for c in FakeClient.instances)
    plans = tmp_path / "plans"
    assert sorted(p.name for p in plans.iterdir()) == ["alpha.json", "legacy.json", MANIFEST_NAME]
    for p in plans.iterdir():
        assert os.stat(p).st_mode & 0o777 == 0o600


def test_plan_files_hold_only_their_own_site(tmp_path):
    _plan(tmp_path)
    for name, url in (("alpha", "https://alpha.atlassian.net"), ("legacy", "https://legacy.atlassian.net")):
        text = (tmp_path / "plans" / f"{name}.json").read_text()
        assert url in text
        for other in ("alpha", "broken", "legacy", "nocreds"):
            if other != name:
                assert f"{other}.atlassian.net" not in text
        for secret in ENV.values():
            assert secret not in text
    manifest = (tmp_path / "plans" / MANIFEST_NAME).read_text()
    for secret in ENV.values():
        assert secret not in manifest


def test_filter_note_recorded_in_plan(tmp_path):
    res = _plan(tmp_path)
    assert {o.site: o.details for o in res.outcomes}["legacy"] == {}
    typo = parse_sites(SITES.replace('include = ["Default*", 10001]', 'include = ["Defualt*", 10001]')).select(["legacy"])
    res = plan_sites(typo, plans_dir=tmp_path / "typo", env=ENV, client_factory=FakeClient, scan=False)
    assert res.outcomes[0].details == {"warnings": ["include pattern(s) matched no scheme: Defualt*"]}
    assert "matched no scheme: Defualt*" in res.outcomes[0].message
    plan = load_plan(tmp_path / "plans" / "legacy.json")
    assert [c.scheme_id for c in plan.changes] == [10000, 10001]
    assert any("include Default*, 10001" in n and "2 of 3 schemes" in n for n in plan.notes)


def test_mode_override_and_manifest(tmp_path):
    res = _plan(tmp_path, mode="finish")
    assert {o.mode for o in res.outcomes} == {"finish"}
    m = load_manifest(tmp_path / "plans")
    assert list(m.entries) == ["alpha", "broken", "legacy", "nocreds"]
    assert m.entries["broken"].status == "error" and m.entries["broken"].plan is None
    assert [n for n, _ in m.plan_paths()] == ["alpha", "legacy"]


def test_prepare_refuses_missing_foreign_and_swapped_plans(tmp_path):
    _plan(tmp_path)
    cfg = parse_sites(SITES, source="sites.toml")
    plans = tmp_path / "plans"
    prepared = {p.spec.name: p for p in prepare_sites(cfg, plans)}
    assert prepared["alpha"].ok and prepared["legacy"].ok
    assert "planning failed" in prepared["broken"].problem.message
    assert "planning failed" in prepared["nocreds"].problem.message

    # a plan copied over another site's file: the manifest's plan id catches it
    (plans / "alpha.json").write_bytes((plans / "legacy.json").read_bytes())
    p = {p.spec.name: p for p in prepare_sites(cfg, plans)}["alpha"]
    assert not p.ok and "not the plan `sites plan` saved" in p.problem.message

    # a plan for another site under the right name with a matching manifest: the URL check catches it
    other = replace(load_plan(plans / "legacy.json"), site={**load_plan(plans / "legacy.json").site})
    save_plan(other, plans / "alpha.json")
    doc = json.loads((plans / MANIFEST_NAME).read_text())
    from migrate.planfile import plan_id

    doc["sites"][0]["plan_id"] = plan_id(other)
    (plans / MANIFEST_NAME).write_text(json.dumps(doc))
    p = {p.spec.name: p for p in prepare_sites(cfg, plans)}["alpha"]
    assert not p.ok and "was made for https://legacy.atlassian.net, not for https://alpha.atlassian.net" in p.problem.message

    # a site added to the file after the plan run
    cfg2 = parse_sites(SITES + '\n[[site]]\nname = "late"\nurl = "https://late.atlassian.net"\nbearer_env = "LATE"\n')
    p = {p.spec.name: p for p in prepare_sites(cfg2, plans)}["late"]
    assert "no plan for it" in p.problem.message


def test_prepare_without_a_plan_run(tmp_path):
    cfg = parse_sites(SITES)
    with pytest.raises(PlanFileError, match="holds no `migrate sites plan` run"):
        prepare_sites(cfg, tmp_path / "empty")


def _fake_result(url, plan, outcome="applied"):
    outs = [
        SchemeOutcome(c.scheme_id, c.scheme_name, outcome, reason="" if outcome == "applied" else "changed since the plan",
                      added=len(c.adds) if outcome == "applied" else 0)
        for c in plan.changes
    ]
    return ApplyResult(plan_id="x", site_url=url, mode=plan.mode, schemes=outs)


def test_apply_sites_maps_executor_results(tmp_path, monkeypatch):
    _plan(tmp_path)
    cfg = parse_sites(SITES, source="sites.toml")
    seen = {}

    def fake_apply(client, plan, **kw):
        seen[client.spec.name] = (plan.site["url"], kw["concurrency"], kw["plan_path"])
        if client.spec.name == "legacy":
            return _fake_result(client.url, plan, outcome="skipped-stale")
        return _fake_result(client.url, plan)

    monkeypatch.setattr("migrate.apply.apply_plan", fake_apply)
    res = apply_sites(prepare_sites(cfg, tmp_path / "plans"), env=ENV, client_factory=FakeClient)
    rows = {o.site: o for o in res.outcomes}
    assert rows["alpha"].status == "applied" and rows["alpha"].exit_code == EXIT_OK and rows["alpha"].grants_added == 9
    assert rows["alpha"].message == "2 applied"
    assert rows["legacy"].status == "partial" and rows["legacy"].exit_code == EXIT_PARTIAL
    assert "changed since the plan" in rows["legacy"].message
    assert rows["broken"].status == "error" and rows["nocreds"].status == "error"
    assert rows["broken"].grants_added == 0  # an apply row counts grants written
    assert res.exit_code == EXIT_ERROR
    assert seen["alpha"][0] == "https://alpha.atlassian.net" and seen["alpha"][2] == tmp_path / "plans" / "alpha.json"
    assert seen["legacy"][0] == "https://legacy.atlassian.net"

    only_ok = [p for p in prepare_sites(cfg, tmp_path / "plans") if p.spec.name == "alpha"]
    assert apply_sites(only_ok, env=ENV, client_factory=FakeClient).exit_code == EXIT_OK


def test_apply_empty_plan_needs_no_network(tmp_path, monkeypatch):
    cfg = parse_sites(SITES, source="sites.toml").select(["alpha"])
    cfg = replace(cfg, sites=(replace(cfg.sites[0], filter=replace(cfg.sites[0].filter, include=(10002,))),))
    res = plan_sites(cfg, plans_dir=tmp_path / "plans", env=ENV, client_factory=FakeClient, scan=False)
    assert res.outcomes[0].status == "clean" and res.exit_code == EXIT_OK
    FakeClient.instances = []
    monkeypatch.setattr("migrate.apply.apply_plan", lambda *a, **k: pytest.fail("no apply for an empty plan"))
    res = apply_sites(prepare_sites(cfg, tmp_path / "plans"), env={}, client_factory=FakeClient)
    assert res.outcomes[0].status == "clean" and res.exit_code == EXIT_OK and FakeClient.instances == []


def test_verify_sites(tmp_path, monkeypatch):
    from migrate.verify import APPLIED, DRIFTED, PENDING, SchemeStatus

    _plan(tmp_path)
    cfg = parse_sites(SITES, source="sites.toml").select(["alpha", "legacy"])

    def fake_verify(client, plan, **kw):
        st = {"alpha": APPLIED, "legacy": DRIFTED}.get(client.spec.name, PENDING)
        return [SchemeStatus(c.scheme_id, c.scheme_name, st, detail="" if st == APPLIED else "1 grant(s) not in the plan")
                for c in plan.changes]

    monkeypatch.setattr("migrate.verify.verify_plan", fake_verify)
    res = verify_sites(prepare_sites(cfg, tmp_path / "plans"), env=ENV, client_factory=FakeClient)
    rows = {o.site: o for o in res.outcomes}
    assert rows["alpha"].status == "verified" and rows["legacy"].status == "mismatch"
    assert "not in the plan" in rows["legacy"].message
    assert res.exit_code == EXIT_PARTIAL
    cfg = parse_sites(SITES + '[[site]]\nname = "late"\nurl = "https://late.atlassian.net"\nbearer_env = "LEGACY_PAT"\n')
    plan_sites(cfg.select(["late"]), plans_dir=tmp_path / "late", env=ENV, client_factory=FakeClient, scan=False)
    res = verify_sites(prepare_sites(cfg.select(["late"]), tmp_path / "late"), env=ENV, client_factory=FakeClient)
    assert res.outcomes[0].status == "pending" and res.exit_code == EXIT_PARTIAL


def test_an_internal_error_in_one_site_is_its_row(tmp_path):
    class Exploding(FakeClient):
        def list_schemes(self):
            if self.spec.name == "alpha":
                raise RuntimeError("boom with alpha-canary-token-0001 inside")
            return super().list_schemes()

    cfg = parse_sites(SITES, source="sites.toml").select(["alpha", "legacy"])
    res = plan_sites(cfg, plans_dir=tmp_path / "plans", env=ENV, client_factory=Exploding)
    rows = {o.site: o for o in res.outcomes}
    assert rows["alpha"].status == "error" and rows["alpha"].message.startswith("internal error: RuntimeError")
    assert ENV["ALPHA_TOKEN"] not in json.dumps(res.to_json())
    assert rows["legacy"].status == "blocked"


def test_summary_json_shape(tmp_path):
    doc = _plan(tmp_path).to_json()
    assert doc["action"] == "plan" and doc["exit_code"] == EXIT_ERROR
    assert Path(doc["manifest"]).name == MANIFEST_NAME
    row = doc["sites"][0]
    for k in ("site", "url", "status", "exit_code", "schemes_changed", "grants_added", "grants_removed", "message", "plan"):
        assert k in row
