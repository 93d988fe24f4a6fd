"""Fixtures for the sandbox tests: a started site on a fake clock, and plain `requests` helpers."""

from __future__ import annotations

import pytest

from migrate.sandbox import FakeClock, Sandbox

from ._helpers import Api


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_site(clock):
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
def api(site) -> Api:
    a = Api(site)
    yield a
    a.session.close()


@pytest.fixture
def make_api():
    made: list[Api] = []

    def make(sb: Sandbox) -> Api:
        a = Api(sb)
        made.append(a)
        return a

    yield make
    for a in made:
        a.session.close()
