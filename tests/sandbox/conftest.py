"""Fixtures for the sandbox tests, on a shared fake clock.

``site`` / ``make_site`` build a site that is not started and ``api`` / ``make_api`` drive it in-process
through werkzeug's test Client: most tests. ``server`` / ``make_server`` start a real server on loopback
for what needs a socket (faults that reset connections, rate limits, start/stop).
"""

from __future__ import annotations

import pytest

from migrate.sandbox import FakeClock, Sandbox

from ._helpers import Api, HttpApi


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_site(clock):
    """A site to drive in-process (not started): links in responses use its would-be URL."""

    def make(seed: str = "demo", **kw) -> Sandbox:
        kw.setdefault("clock", clock)
        kw.setdefault("sleep", clock.sleep)
        return Sandbox(seed, **kw).in_process()

    return make


@pytest.fixture
def make_server(clock):
    """Start a sandbox on the shared fake clock; every one started here is stopped at teardown."""
    started: list[Sandbox] = []

    def make(seed: str = "demo", **kw) -> Sandbox:
        kw.setdefault("clock", clock)
        kw.setdefault("sleep", clock.sleep)
        sb = Sandbox(seed, **kw).start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def site(make_site) -> Sandbox:
    return make_site("demo")


@pytest.fixture
def server(make_server) -> Sandbox:
    return make_server("demo")


@pytest.fixture
def make_api():
    """make_api(sb): in-process for a site that is not started, over HTTP for a started one."""
    made: list[Api] = []

    def make(sb: Sandbox) -> Api:
        a = HttpApi(sb) if sb.running else Api(sb)
        made.append(a)
        return a

    yield make
    for a in made:
        a.close()


@pytest.fixture
def api(site, make_api) -> Api:
    return make_api(site)
