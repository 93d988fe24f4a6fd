"""Faults, rate limits, latency and the bookkeeping around them. Every clock here is a FakeClock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from migrate.sandbox import FaultSpecError, parse_faults, parse_rate_limit

from ._helpers import group_holder

# ---- the spec language ----------------------------------------------------------------------------------


def test_parse_full_spec():
    cfg = parse_faults("429=0.1, 5xx=5%, reset=0.02; lost-post=2x, 503@GET=0.5, reset@POST:/permissionscheme/*/permission=1x,"
                       "latency=20-80, retry-after=0, retry-after-503=1, lost-mode=502, seed=7")
    kinds = [(r.kind, r.method, r.path, r.probability, r.count) for r in cfg.rules]
    assert kinds == [("429", None, None, 0.1, None), ("5xx", None, None, 0.05, None), ("reset", None, None, 0.02, None),
                     ("lost-post", None, None, None, 2), ("503", "GET", None, 0.5, None),
                     ("reset", "POST", "/permissionscheme/*/permission", None, 1)]
    assert cfg.latency_ms == (20, 80) and cfg.retry_after == 0 and cfg.retry_after_503 == 1
    assert cfg.lost_mode == "502" and cfg.seed == 7
    assert parse_faults(cfg.spec).to_json() == cfg.to_json()  # the spec round-trips
    assert parse_faults(None).rules == [] and parse_faults("").spec == ""
    assert parse_faults("admin-edit@/permissionscheme/*=0.3").rules[0].path == "/permissionscheme/*"
    assert parse_faults(None, latency_ms=25).latency_ms == (25, 25)


@pytest.mark.parametrize("bad", ["429", "429=2", "boom=0.1", "503@PATCH=0.1", "503@permissionscheme=0.1",
                                 "latency=5-1", "retry-after=-1", "lost-mode=maybe", "seed@GET=1", "429=abc"])
def test_parse_errors_are_clear(bad):
    with pytest.raises(FaultSpecError):
        parse_faults(bad)


def test_parse_rate_limit():
    assert parse_rate_limit("cloud") == {"GET": 100, "POST": 100, "PUT": 50, "DELETE": 50}
    assert parse_rate_limit("20/s") == {"GET": 20, "POST": 20, "PUT": 20, "DELETE": 20}
    assert parse_rate_limit(None) is None and parse_rate_limit("off") is None
    assert parse_rate_limit({"put": 5})["PUT"] == 5
    for bad in ("fast", "0/s", -1):
        with pytest.raises(ValueError):
            parse_rate_limit(bad)


# ---- injected errors ----------------------------------------------------------------------------------
def test_429_burst_retry_after_and_early_retries(make_server, clock):
    sb = make_server("demo", faults="429=1x,retry-after=3")
    url, auth = sb.api_url + "/permissionscheme", sb.admin.auth
    r = requests.get(url, auth=auth)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3" and r.headers["RateLimit-Reason"] == "jira-burst-based"
    assert r.headers["X-RateLimit-Remaining"] == "0" and r.headers["X-RateLimit-Limit"]
    assert r.headers["X-RateLimit-Reset"].endswith("Z") and "T" in r.headers["X-RateLimit-Reset"]
    assert r.json()["status"] == 429
    clock.advance(1)
    early = requests.get(url, auth=auth)  # retried before Retry-After elapsed: refused again
    assert early.status_code == 429 and int(early.headers["Retry-After"]) >= 2
    assert requests.get(url, auth=sb.viewer.auth).status_code == 200  # another identity is not penalised
    clock.advance(3)
    assert requests.get(url, auth=auth).status_code == 200
    st = sb.stats()
    assert st["early_retries"] == 1 and st["early_retries_by_identity"] == {"admin@sandbox.test": 1}
    assert st["early_retries_same_endpoint"] == 1 and st["fault_429s"] == 1 and st["faults"] == {"429": 1}


def test_retry_after_zero_never_penalises(make_server):
    sb = make_server("demo", faults="429=2x,retry-after=0")
    url = sb.api_url + "/serverInfo"
    statuses = [requests.get(url).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]
    assert sb.stats()["early_retries"] == 0
    assert requests.get(url).status_code == 200


@pytest.mark.parametrize("kind,status,ctype", [("500", 500, "json"), ("502", 502, "html"), ("503", 503, "json"),
                                               ("504", 504, "html")])
def test_server_errors(make_server, kind, status, ctype):
    sb = make_server("demo", faults=f"{kind}=1x,retry-after-503=1,retry-after=2")
    r = requests.get(sb.api_url + "/permissionscheme", auth=sb.admin.auth)
    assert r.status_code == status
    assert ctype in r.headers["Content-Type"]
    assert ("Retry-After" in r.headers) is (status == 503)
    assert sb.requests()[0]["fault"] == kind and sb.requests()[0]["status"] == status
    assert requests.get(sb.api_url + "/permissionscheme", auth=sb.admin.auth, timeout=5).status_code in (200, 429)


def test_5xx_picks_among_500_502_503_and_never_commits(make_server):
    sb = make_server("demo", faults="5xx=1,retry-after-503=0,seed=3")
    seen = set()
    for _ in range(30):
        r = requests.post(sb.api_url + "/permissionscheme/10000/permission",
                          json={"permission": "VIEW_ISSUES", "holder": {"type": "reporter"}}, auth=sb.admin.auth)
        seen.add(r.status_code)
    assert seen == {500, 502, 503}
    assert sb.state.find_grant(sb.state.schemes[10000], "VIEW_ISSUES", sb.state.normalise_holder({"type": "reporter"})) is None


def test_reset_is_a_connection_error_and_nothing_happens(make_server):
    sb = make_server("demo", faults="reset@POST=1x")
    body = {"permission": "VIEW_ISSUES", "holder": {"type": "reporter"}}
    with pytest.raises(requests.ConnectionError) as exc:
        requests.post(sb.api_url + "/permissionscheme/10000/permission", json=body, auth=sb.admin.auth)
    assert "reset" in repr(exc.value).lower() or "aborted" in repr(exc.value).lower()
    assert requests.get(sb.api_url + "/serverInfo").status_code == 200  # GET was out of scope
    r = requests.post(sb.api_url + "/permissionscheme/10000/permission", json=body, auth=sb.admin.auth)
    assert r.status_code == 201  # the reset request did not commit anything
    st = sb.stats()
    assert st["connection_resets"] == 1 and st["faults"] == {"reset": 1}
    assert sb.requests()[0]["status"] is None and sb.requests()[0]["fault"] == "reset"


@pytest.mark.parametrize("mode", ["reset", "502"])
def test_lost_post_commits_the_grant_then_fails(make_server, mode):
    sb = make_server("demo", faults=f"lost-post=1x,lost-mode={mode}")
    holder = group_holder(sb, "jira-users")
    body = {"permission": "VIEW_ISSUES", "holder": holder}
    url = sb.api_url + "/permissionscheme/10000/permission"
    if mode == "reset":
        with pytest.raises(requests.ConnectionError):
            requests.post(url, json=body, auth=sb.admin.auth)
    else:
        assert requests.post(url, json=body, auth=sb.admin.auth).status_code == 502
    grants = requests.get(url, auth=sb.admin.auth).json()["permissions"]
    assert [g for g in grants if g["permission"] == "VIEW_ISSUES" and g["holder"].get("value") == holder["value"]]
    retry = requests.post(url, json=body, auth=sb.admin.auth)
    assert retry.status_code == 400  # a blind retry meets the grant the lost POST created
    st = sb.stats()
    assert st["lost_writes"] == 1 and st["grants_created"] == 1 and st["duplicate_grant_400s"] == 1
    assert st["faults"] == {"lost-post": 1}


def test_lost_delete_commits_then_fails(make_server):
    sb = make_server("demo", faults="lost-delete=1x,lost-mode=502")
    gid = next(iter(sb.state.schemes[10000].grants))
    url = f"{sb.api_url}/permissionscheme/10000/permission/{gid}"
    assert requests.delete(url, auth=sb.admin.auth).status_code == 502
    assert gid not in sb.state.schemes[10000].grants
    assert requests.delete(url, auth=sb.admin.auth).status_code == 400


def test_lost_write_only_after_success(make_server):
    sb = make_server("demo", faults="lost-write=1x,lost-mode=reset")
    bad = requests.post(sb.api_url + "/permissionscheme/10000/permission",
                        json={"permission": "NOPE", "holder": {"type": "anyone"}}, auth=sb.admin.auth)
    assert bad.status_code == 400  # failed writes are not "lost"; the 1x is still pending
    assert requests.get(sb.url + "/_sandbox/faults").json()["rules"][0]["remaining"] == 1
    with pytest.raises(requests.ConnectionError):
        requests.put(sb.api_url + "/permissionscheme/10000", json={"name": "renamed"}, auth=sb.admin.auth)
    assert sb.state.schemes[10000].name == "renamed"  # committed all the same


def test_scopes_and_counts(make_server):
    sb = make_server("demo", faults="503@GET:/permissionscheme/*=2x,retry-after-503=0")
    a = sb.admin.auth
    assert requests.get(sb.api_url + "/permissionscheme", auth=a).status_code == 200  # not /permissionscheme/*
    assert requests.get(sb.api_url + "/serverInfo").status_code == 200
    assert requests.get(sb.api_url + "/permissionscheme/0", auth=a).status_code == 503
    assert requests.post(sb.api_url + "/permissionscheme/0/permission", auth=a,
                         json={"permission": "VIEW_ISSUES", "holder": {"type": "reporter"}}).status_code == 201
    assert requests.get(sb.api_url + "/permissionscheme/10000/permission", auth=a).status_code == 503
    assert requests.get(sb.api_url + "/permissionscheme/10000", auth=a).status_code == 200  # 2x used up


def test_faults_are_reproducible_with_a_seed(make_server):
    def run(seed):
        sb = make_server("demo", faults=f"429=0.2,5xx=0.2,retry-after=0,seed={seed}")
        return [requests.get(sb.api_url + "/serverInfo").status_code for _ in range(40)]

    first, second, other = run(11), run(11), run(12)
    assert first == second and first != other
    assert {200, 429} <= set(first)


def test_control_endpoints_are_never_faulted_or_limited(make_server):
    sb = make_server("demo", faults="reset=1,503=1", rate_limit="1/s")
    for _ in range(5):
        assert requests.get(sb.url + "/_sandbox/stats").status_code == 200


def test_set_faults_at_runtime(server):
    assert server.faults.spec == ""
    server.set_faults("503=1x")
    assert requests.get(server.api_url + "/serverInfo").status_code == 503
    server.set_faults(None)
    assert requests.get(server.api_url + "/serverInfo").status_code == 200


def test_reset_rearms_count_rules(make_server):
    sb = make_server("demo", faults="503=1x,retry-after-503=0")
    assert requests.get(sb.api_url + "/serverInfo").status_code == 503
    assert requests.get(sb.api_url + "/serverInfo").status_code == 200
    sb.reset()
    assert requests.get(sb.api_url + "/serverInfo").status_code == 503


# ---- other admin --------------------------------------------------------------------------------------
def test_admin_edit_fault_changes_the_scheme_after_a_read(make_server):
    sb = make_server("demo", faults="admin-edit@GET=1x,seed=5")
    url = sb.api_url + "/permissionscheme/10000"
    first = requests.get(url, params={"expand": "permissions"}, auth=sb.admin.auth).json()
    second = requests.get(url, params={"expand": "permissions"}, auth=sb.admin.auth).json()
    assert first["permissions"] != second["permissions"]  # drift between "plan" and "apply"
    third = requests.get(url, params={"expand": "permissions"}, auth=sb.admin.auth).json()
    assert third == second
    st = sb.stats()
    assert st["admin_edits"] == 1 and st["admin_edit_log"][0]["cause"] == "fault"
    assert st["admin_edit_log"][0]["scheme"] == 10000


# ---- latency and concurrency ------------------------------------------------------------------------------
def test_latency_uses_the_injected_sleep(make_server, clock):
    sb = make_server("demo", latency_ms=250)
    requests.get(sb.api_url + "/serverInfo")
    requests.get(sb.api_url + "/serverInfo")
    assert clock.sleeps == [0.25, 0.25] and clock() == pytest.approx(0.5)
    assert sb.requests()[0]["duration"] == pytest.approx(0.25)
    sb.set_faults("latency=10-20,seed=1")
    requests.get(sb.api_url + "/serverInfo")
    assert 0.01 <= clock.sleeps[-1] <= 0.02


def test_concurrency_is_measured(make_server, clock):
    """A barrier stands in for latency: three writes to one scheme are in flight at once."""
    barrier = threading.Barrier(3, timeout=10)
    sb = make_server("demo", latency_ms=1, sleep=lambda s: barrier.wait())
    names = ["jira-users", "jira-software-users", "jira-servicemanagement-users"]

    def post(name):
        return requests.post(sb.api_url + "/permissionscheme/10000/permission", auth=sb.admin.auth,
                             json={"permission": "VIEW_PROJECTS", "holder": group_holder(sb, name)}).status_code

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(post, names)) == [201, 201, 201]
    st = sb.stats()
    assert st["max_concurrency"] == 3 and st["max_concurrent_writes_per_scheme"] == 3


# ---- rate limiting ------------------------------------------------------------------------------------
def test_token_bucket_per_identity_endpoint_and_method(make_server, clock):
    sb = make_server("demo", rate_limit="2/s")
    url, a = sb.api_url + "/permissionscheme", sb.admin.auth
    ok = requests.get(url, auth=a)
    assert ok.headers["X-RateLimit-Limit"] == "2" and ok.headers["X-RateLimit-Remaining"] == "1"
    assert requests.get(url, auth=a).status_code == 200
    limited = requests.get(url, auth=a)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert limited.headers["RateLimit-Reason"] == "jira-burst-based" and "X-RateLimit-Reset" in limited.headers
    assert requests.get(url, auth=sb.viewer.auth).status_code == 200  # separate identity, separate bucket
    clock.advance(1)
    assert requests.get(url + "/10000", auth=a).status_code == 200  # penalty over; other endpoint's bucket
    assert requests.get(url, auth=a).status_code == 200  # refilled
    st = sb.stats()
    assert st["rate_limited_429s"] == 1 and st["early_retries"] == 0


def test_cloud_limits_are_per_method(make_server, clock):
    sb = make_server("demo", rate_limit="cloud")
    r = requests.get(sb.api_url + "/serverInfo")
    assert r.headers["X-RateLimit-Limit"] == "100"
    gid = next(iter(sb.state.schemes[10000].grants))
    d = requests.delete(f"{sb.api_url}/permissionscheme/10000/permission/{gid}", auth=sb.admin.auth)
    assert d.status_code == 204 and d.headers["X-RateLimit-Limit"] == "50"
    statuses = [requests.put(sb.api_url + "/permissionscheme/10001", json={"name": f"n{i}"},
                             auth=sb.admin.auth).status_code for i in range(51)]
    assert statuses[:50] == [200] * 50 and statuses[50] == 429
    clock.advance(1)
    assert requests.put(sb.api_url + "/permissionscheme/10001", json={"name": "again"},
                        auth=sb.admin.auth).status_code == 200


def test_early_retry_after_rate_limit_is_counted(make_server, clock):
    sb = make_server("demo", rate_limit="1/s")
    url = sb.api_url + "/serverInfo"
    assert [requests.get(url).status_code for _ in range(3)] == [200, 429, 429]
    assert sb.stats()["early_retries"] == 1  # the third came before the first 429's Retry-After elapsed
    clock.advance(2)
    assert requests.get(url).status_code == 200
