"""Plan files are untrusted input: a re-checksummed edit is refused unless the planner gives the same
operations, a custom rule is shown by name and digest, and a plan for another site never gets as far as a
request (so credentials only reach the site the user named)."""

from __future__ import annotations

import json

import pytest

from migrate.apply import OUT_DRIFTED, OUT_STALE, apply_plan
from migrate.errors import PlanFileError
from migrate.model import Grant, Scheme, fingerprint_grants
from migrate.plan import make_plan, plan_scheme
from migrate.planfile import encode_plan_doc, load_plan, plan_to_json, save_plan
from migrate.rederive import rederive, rule_identity
from migrate.rollback import rollback
from migrate.rules import BROWSE_SPLIT, Rule
from migrate.verify import verify_plan
from test_apply_fakes import URL, group, make_plan_file, standard_site

BIG = group("everyone-incl-contractors")


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MIGRATE_HOME", str(tmp_path / "home"))


def tamper(path, mutate):
    """Edit a plan file the way someone with write access to a CI artefact could: change it, then make
    every fingerprint and the checksum consistent again."""
    doc = plan_to_json(load_plan(path))  # each grant and operation with its holder written out in full
    mutate(doc)
    for c in doc["changes"]:
        c["fingerprint"] = fingerprint_grants(Grant.from_json(g) for g in c["before"])
        c.pop("after_fingerprint", None)  # left out, the loader derives it
    path.write_bytes(encode_plan_doc(doc))  # the checksum recomputed, as anyone can
    return load_plan(path)  # integrity holds: the file loads


def slip_in_admin(doc):
    doc["changes"][0]["operations"].append(
        {"action": "add", "permission": "ADMINISTER_PROJECTS", "holder": BIG.to_json()}
    )


def all_three(fake, path):
    """apply, verify and rollback, each expected to refuse the plan with a PlanFileError."""
    plan = load_plan(path)
    for call in (
        lambda: apply_plan(fake, plan, max_rps=0),
        lambda: verify_plan(fake, plan),
        lambda: rollback(fake, path, max_rps=0),
    ):
        with pytest.raises(PlanFileError) as e:
            call()
        yield e.value


def test_an_operation_slipped_in_with_a_recomputed_checksum_is_refused_before_any_request(tmp_path):
    fake = standard_site()
    path, _ = make_plan_file(fake, tmp_path)
    tamper(path, slip_in_admin)
    before = fake.request_count
    for err in all_three(fake, path):
        assert "does not follow its own rule" in err.message
        assert "scheme 10000 'Default'" in err.message and "+ADMINISTER_PROJECTS -> group: everyone-incl-contractors" in err.message
        assert "checksum only proves" in err.hint
    assert fake.request_count == before  # nothing sent: not even the credentials check
    assert ("ADMINISTER_PROJECTS", BIG.identity) not in fake.keys(10000)


@pytest.mark.parametrize(
    "mutate, expected",
    [
        pytest.param(lambda d: d["changes"][0]["operations"].pop(), "gives +VIEW_ISSUES", id="operation-dropped"),
        pytest.param(
            lambda d: d["changes"][0]["operations"][0]["holder"].update(value="gid-admins", parameter="admins"),
            "operation 1 is +VIEW_PROJECTS -> group: admins",
            id="holder-swapped",
        ),
        pytest.param(lambda d: d.update(mode="finish"), "finish mode", id="mode-flipped"),
        pytest.param(
            lambda d: d["changes"][0]["operations"].__setitem__(
                0, {"action": "remove", "permission": "EDIT_ISSUES", "holder": group("devs").to_json(), "grant_id": d["changes"][0]["before"][3]["id"]}
            ),
            "operation 1 is -EDIT_ISSUES -> group: devs",
            id="remove-of-another-permission",
        ),
    ],
)
def test_any_edit_the_planner_would_not_make_is_refused(tmp_path, mutate, expected):
    fake = standard_site()
    path, _ = make_plan_file(fake, tmp_path)
    plan = tamper(path, mutate)
    with pytest.raises(PlanFileError) as e:
        rederive(plan)
    assert expected in e.value.message


def test_a_forged_before_state_rederives_but_adds_nothing_for_a_source_not_on_the_site(tmp_path):
    # The forger adds a BROWSE_PROJECTS grant for a big group to the before-state and the matching adds:
    # the planner agrees with the file, but the site has no such source grant.
    fake = standard_site()
    path, _ = make_plan_file(fake, tmp_path)

    def forge(doc):
        c = doc["changes"][0]
        c["before"].append(Grant("BROWSE_PROJECTS", BIG, 999).to_json())
        grants = tuple(Grant.from_json(g) for g in c["before"])
        redo = plan_scheme(Scheme(c["scheme_id"], c["scheme_name"], grants), BROWSE_SPLIT, "add")
        c["operations"] = [o.to_json() for o in redo.operations]

    plan = tamper(path, forge)
    rederive(plan)  # consistent
    res = apply_plan(fake, plan, max_rps=0)
    s = next(s for s in res.schemes if s.scheme_id == 10000)
    assert s.outcome == OUT_STALE  # the site does not match the forged before-state
    forced = apply_plan(fake, plan, max_rps=0, force=True)
    s = next(s for s in forced.schemes if s.scheme_id == 10000)
    assert s.outcome == OUT_DRIFTED and any("gone from the site" in n for n in s.notes)
    assert not {k for k in fake.keys(10000) if k[1] == BIG.identity}


def test_a_custom_rule_is_shown_by_name_and_digest(tmp_path):
    fake = standard_site()
    sneaky = Rule("browse-split", "BROWSE_PROJECTS", ("VIEW_PROJECTS", "VIEW_ISSUES", "ADMINISTER_PROJECTS"))
    plan = load_plan(save_plan(make_plan(fake.list_schemes(), sneaky, fake.site_info(), mode="add"), tmp_path / "p.json"))
    rederive(plan)  # it follows its own rule...
    seen = []
    with pytest.raises(Exception):
        apply_plan(fake, plan, max_rps=0, confirm=lambda p: seen.append(p) or False)
    ident = seen[0].rule
    assert not ident.builtin and ident.name == "browse-split" and ident.digest.startswith("sha256:")
    assert "custom rule 'browse-split' (not the built-in rule of that name), digest sha256:" in ident.describe()
    assert rule_identity(BROWSE_SPLIT).builtin and rule_identity(BROWSE_SPLIT).describe() == "built-in rule browse-split"
    assert fake.stats["http:POST"] == 0


@pytest.mark.parametrize(
    "site_url, accepted",
    [
        (URL, True),
        ("HTTPS://Example.Atlassian.NET/", True),
        ("https://example.atlassian.net/rest/api/3", True),
        ("https://other.atlassian.net", False),
        ("https://example.atlassian.net.evil.test", False),
        ("http://127.0.0.1:8990", False),
        ("not a url at all", False),
    ],
)
def test_a_plan_for_another_site_is_refused_before_any_request(tmp_path, site_url, accepted):
    fake = standard_site()
    path, _ = make_plan_file(fake, tmp_path)
    plan = tamper(path, lambda d: d["site"].update(url=site_url))
    if accepted:
        assert apply_plan(fake, plan, max_rps=0).ok
        return
    before = fake.request_count
    for err in all_three(fake, path):
        assert "made for" in err.message or "no usable site URL" in err.message
    assert fake.request_count == before
