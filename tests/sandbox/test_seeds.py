"""The generated sites: deterministic, realistic, and covering every case a migration meets."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest

from migrate.sandbox import SEEDS, resolve_seed
from migrate.sandbox.catalogue import APP_HOLDER_TYPE, DOCUMENTED_HOLDER_TYPES, FORGE_PERMISSION_KEY, NEW_KEYS
from migrate.sandbox.seeds import build_site

ADMIN, VIEWER = "admin@sandbox.test", "viewer@sandbox.test"


def site_of(name="demo", **kw):
    return build_site(resolve_seed(name, **kw), admin_email=ADMIN, viewer_email=VIEWER)


def grants(site):
    return [(s, g) for s in site.schemes.values() for g in s.grants.values()]


def test_seed_table():
    assert {"demo", "small", "medium", "large", "legacy", "dc"} <= set(SEEDS)
    assert SEEDS["demo"].schemes == 8 and SEEDS["small"].schemes == 10
    assert SEEDS["medium"].schemes == 500 and SEEDS["large"].schemes == 5000
    assert SEEDS["legacy"].new_keys is False and SEEDS["dc"].flavour == "dc"
    assert SEEDS["dc"].new_keys is False  # Data Center has no VIEW_PROJECTS / VIEW_ISSUES
    with pytest.raises(ValueError):
        resolve_seed("nope")
    with pytest.raises(ValueError):
        resolve_seed("demo", schemes=0)


def test_demo_is_small_and_readable():
    site = site_of("demo")
    assert 6 <= len(site.schemes) <= 10
    assert 10 <= len(site.projects) <= 14
    assert site.schemes[0].name == "Default Permission Scheme"
    assert all(len(s.name) < 60 for s in site.schemes.values())


@pytest.mark.parametrize("name", ["demo", "small", "legacy", "dc"])
def test_deterministic(name):
    assert site_of(name).dump() == site_of(name).dump()


def test_random_seed_and_size_change_the_site():
    a = site_of("small", random_seed=1).dump()
    assert a != site_of("small", random_seed=2).dump()
    assert len(site_of("small", schemes=37).schemes) == 37
    assert len(site_of("demo", schemes=1).schemes) == 1


@pytest.mark.parametrize("name,kw", [("demo", {}), ("small", {}), ("small", {"schemes": 120, "random_seed": 9})])
def test_every_holder_type_and_an_unknown_one(name, kw):
    site = site_of(name, **kw)
    types = Counter(g.holder.type for _, g in grants(site))
    assert set(DOCUMENTED_HOLDER_TYPES) <= set(types), set(DOCUMENTED_HOLDER_TYPES) - set(types)
    assert types[APP_HOLDER_TYPE] >= 1
    app_roles = {g.holder.parameter for _, g in grants(site) if g.holder.type == "applicationRole"}
    assert None in app_roles and "jira-software" in app_roles  # with and without a parameter
    for _, g in grants(site):
        h = g.holder
        if h.type == "group":
            assert h.value in site.groups and site.groups[h.value].name == h.parameter
        elif h.type in ("anyone", "assignee", "projectLead", "reporter", "sd.customer.portal.only"):
            assert h.parameter is None and h.value is None
        elif h.type in ("projectRole", "user", "userCustomField", "groupCustomField"):
            assert h.value == h.parameter and h.parameter
        if h.type == "user":
            assert h.value in site.users


def test_addon_role_on_every_permission_of_every_scheme():
    for name in ("demo", "small", "legacy"):
        site = site_of(name)
        addon = str(site.addon_role_id)
        legacy_keys = [k for k, p in site.permissions.items() if p.type == "PROJECT" and k not in NEW_KEYS]
        for s in site.schemes.values():
            granted = {g.permission for g in s.grants.values()}
            with_addon = {g.permission for g in s.grants.values()
                          if g.holder.type == "projectRole" and g.holder.parameter == addon}
            assert with_addon == granted, (name, s.name, granted - with_addon)
            assert set(legacy_keys) <= with_addon, (name, s.name)


def test_partially_migrated_schemes_only_on_new_key_sites():
    demo, legacy = site_of("demo"), site_of("legacy")
    partial = [s for s in demo.schemes.values() if any(g.permission in NEW_KEYS for g in s.grants.values())]
    assert partial
    for s in partial:  # partially: some BROWSE holders are not migrated yet
        browse = {g.holder.identity for g in s.grants.values() if g.permission == "BROWSE_PROJECTS"}
        issues = {g.holder.identity for g in s.grants.values() if g.permission == "VIEW_ISSUES"}
        assert issues < browse
    assert not any(g.permission in NEW_KEYS for _, g in grants(legacy))
    assert not set(NEW_KEYS) & set(legacy.permissions)


def test_legacy_is_demo_without_the_view_grants():
    def shape(site):
        return {s.name: sorted((g.permission, g.holder.identity) for g in s.grants.values()
                               if g.permission not in NEW_KEYS) for s in site.schemes.values()}

    assert shape(site_of("demo")) == shape(site_of("legacy"))


def test_dc_is_demo_spelled_the_data_center_way():
    demo, dc = site_of("demo"), site_of("dc")
    assert [p.key for p in dc.projects.values()] == [p.key for p in demo.projects.values()]
    assert all(g.holder.value is None for _, g in grants(dc))
    assert dc.addon_role_id is None and not any(p.simplified for p in dc.projects.values())
    assert FORGE_PERMISSION_KEY not in dc.permissions and FORGE_PERMISSION_KEY in demo.permissions
    users = {g.holder.parameter for _, g in grants(dc) if g.holder.type == "user"}
    assert users and all(u.startswith("JIRAUSER") for u in users)


def test_shared_unused_and_team_managed_schemes():
    site = site_of("medium")
    uses = Counter(p.scheme_id for p in site.projects.values())
    assert uses[0] >= 20  # the default scheme is shared widely
    assert sum(1 for n in uses.values() if n >= 3) >= 10
    assert any(sid not in uses for sid in site.schemes)  # schemes no project uses
    tm = [p for p in site.projects.values() if p.simplified]
    assert len(tm) >= 20
    for p in tm:
        s = site.schemes[p.scheme_id]
        assert s.scope_project == p.id and uses[s.id] == 1
    statuses = Counter(p.status for p in site.projects.values())
    assert statuses["archived"] and statuses["deleted"] and statuses["live"] > 0.9 * len(site.projects)


def test_realistic_size_and_unicode():
    site = site_of("medium")
    sizes = [len(s.grants) for s in site.schemes.values()]
    assert 40 <= statistics.mean(sizes) <= 85, statistics.mean(sizes)
    texts = [s.name for s in site.schemes.values()] + [p.name for p in site.projects.values()] + \
            [g.name for g in site.groups.values()] + [u.display_name for u in site.users.values()]
    assert any(not t.isascii() for t in texts)
    assert len({s.name for s in site.schemes.values()}) == len(site.schemes)  # names are unique
    assert len({p.key for p in site.projects.values()}) == len(site.projects)
    assert all(p.key.isascii() and p.key.isupper() for p in site.projects.values())


def test_grant_ids_unique_across_the_site():
    site = site_of("small", schemes=50)
    ids = [g.id for _, g in grants(site)]
    assert len(ids) == len(set(ids)) and site.next_grant_id > max(ids)


@pytest.mark.parametrize("name", ["small", "medium"])
def test_generated_sites_have_archived_and_deleted_projects(name):
    statuses = Counter(p.status for p in site_of(name).projects.values())
    assert statuses["archived"] >= 1 and statuses["deleted"] >= 1 and statuses["live"] >= 1


def _planted(site):
    rules = [r for w in site.workflows.values() for t in w.transitions
             for r in [*(t.conditions.walk() if t.conditions else []), *t.validators] if r.planted]
    props = [p for w in site.workflows.values() for s in [*w.statuses, *w.transitions] for p in s.planted_properties]
    return rules, props, [f for f in site.filters.values() if f.planted]


def test_configuration_is_deterministic_and_planted_on_cloud_only():
    a, b = site_of("medium"), site_of("medium")
    assert [w.id for w in a.workflows.values()] == [w.id for w in b.workflows.values()]
    assert [(f.id, f.jql) for f in a.filters.values()] == [(f.id, f.jql) for f in b.filters.values()]
    rules, props, filters = _planted(a)
    assert len(rules) >= 10 and len(props) >= 5 and len(filters) >= 20
    rules, props, filters = _planted(site_of("demo"))
    assert (len(rules), len(props), len(filters)) == (6, 3, 4)
    dc = site_of("dc")
    assert not dc.workflows and not dc.filters


def test_hidden_seed_carries_grants_of_keys_the_site_does_not_list():
    site = site_of("hidden")
    assert "VIEW_ISSUES" not in site.permissions
    hidden = [g for s in site.schemes.values() for g in s.grants.values() if g.permission in NEW_KEYS]
    assert len(hidden) == 4
    legacy = site_of("legacy")
    assert not [g for s in legacy.schemes.values() for g in s.grants.values() if g.permission in NEW_KEYS]
