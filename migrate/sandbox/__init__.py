"""The local Jira site ("sandbox"): a real HTTP server on loopback that behaves like Jira Cloud
(/rest/api/3) or Data Center (/rest/api/2) for every endpoint migrate uses.

It is an independent fake: it imports nothing from the rest of ``migrate``, so the client is tested
against it honestly. It never imports typer or rich (only ``migrate.cli.sandbox`` does).

    from migrate.sandbox import Sandbox, FakeClock

    with Sandbox("demo") as site:
        r = requests.get(site.api_url + "/permissionscheme", params={"expand": "permissions"},
                         auth=site.admin.auth)
"""

import importlib
from typing import TYPE_CHECKING

# Names resolve on first use (PEP 562): `migrate --help` should not pay for werkzeug and the server.
_WHERE = {
    "Credentials": "app",
    "Login": "app",
    "FakeClock": "clock",
    "FaultConfig": "faults",
    "FaultSpecError": "faults",
    "parse_faults": "faults",
    "parse_rate_limit": "ratelimit",
    "SEEDS": "seeds",
    "SeedSpec": "seeds",
    "resolve_seed": "seeds",
    "Sandbox": "server",
    "SandboxError": "server",
    "is_loopback": "server",
}

if TYPE_CHECKING:
    from migrate.sandbox.app import Credentials, Login
    from migrate.sandbox.clock import FakeClock
    from migrate.sandbox.faults import FaultConfig, FaultSpecError, parse_faults
    from migrate.sandbox.ratelimit import parse_rate_limit
    from migrate.sandbox.seeds import SEEDS, SeedSpec, resolve_seed
    from migrate.sandbox.server import Sandbox, SandboxError, is_loopback


def __getattr__(name: str):
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'migrate.sandbox' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"migrate.sandbox.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Credentials",
    "FakeClock",
    "FaultConfig",
    "FaultSpecError",
    "Login",
    "SEEDS",
    "Sandbox",
    "SandboxError",
    "SeedSpec",
    "is_loopback",
    "parse_faults",
    "parse_rate_limit",
    "resolve_seed",
]
