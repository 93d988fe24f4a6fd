"""The server over real sockets: start/stop hygiene, loopback only, concurrent writers with faults."""

from __future__ import annotations

import threading

import pytest
import requests

from migrate.sandbox import Sandbox, SandboxError


def test_start_stop_leaves_no_threads_or_sockets(clock):
    before = {t.ident for t in threading.enumerate()}
    sb = Sandbox("demo", clock=clock, sleep=clock.sleep).start()
    url = sb.url
    sess = requests.Session()
    for _ in range(5):
        sess.get(url + "/rest/api/3/serverInfo")
    sess.close()
    sb.stop()
    leftover = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert leftover == []
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/rest/api/3/serverInfo", timeout=2)
    sb.stop()  # idempotent


def test_only_loopback():
    with pytest.raises(SandboxError, match="loopback"):
        Sandbox("demo", host="0.0.0.0")
    with pytest.raises(SandboxError):
        Sandbox("demo", host="192.168.1.10")
    with pytest.raises(ValueError):
        Sandbox("nope")


def test_port_in_use_is_a_clear_error(server):
    with pytest.raises(SandboxError, match="cannot listen"):
        Sandbox("demo", port=server.port).start()


def test_parallel_writers_keep_the_state_consistent(make_server):
    from concurrent.futures import ThreadPoolExecutor

    sb = make_server("small", faults="lost-post=0.1,reset@GET=0.05,retry-after=0,seed=4")
    people = [u for u in sb.state.users.values() if u.email.startswith("user")]

    def work(i):
        s = requests.Session()
        out = []
        for j, u in enumerate(people[i::4]):
            sid = list(sb.state.schemes)[j % 5]
            try:
                r = s.post(f"{sb.api_url}/permissionscheme/{sid}/permission", auth=sb.admin.auth,
                           json={"permission": "VIEW_ISSUES", "holder": {"type": "user", "value": u.account_id}})
                out.append(r.status_code)
            except requests.ConnectionError:
                out.append("reset")
            try:
                s.get(f"{sb.api_url}/permissionscheme/{sid}", params={"expand": "permissions"}, auth=sb.admin.auth)
            except requests.ConnectionError:
                pass
        s.close()
        return out

    with ThreadPoolExecutor(4) as pool:
        results = [x for xs in pool.map(work, range(4)) for x in xs]
    assert set(results) <= {201, 502, "reset"} and len(results) == len(people)
    with sb.lock:
        for s in sb.state.schemes.values():
            assert len(s.index) == len(s.grants)
            assert all(s.index[g.key] == gid for gid, g in s.grants.items())
    created = sum(1 for s in sb.state.schemes.values() for g in s.grants.values() if g.permission == "VIEW_ISSUES"
                  and g.holder.type == "user")
    assert created == len(people)  # lost POSTs committed too
