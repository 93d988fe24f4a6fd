"""The local Jira site ("sandbox"): a real HTTP server on loopback that behaves like Jira Cloud
(/rest/api/3) or Data Center (/rest/api/2) for every endpoint migrate uses.

It is an independent fake: it imports nothing from the rest of ``migrate``, so the client is tested
against it honestly. It never imports typer or rich (only ``migrate.cli.sandbox`` does).

    from migrate.sandbox import Sandbox, FakeClock

    with Sandbox("demo") as site:
        r = requests.get(site.api_url + "/permissionscheme", params={"expand": "permissions"},
                         auth=site.admin.auth)
"""

from migrate.sandbox.app import Credentials, Login
from migrate.sandbox.clock import FakeClock
from migrate.sandbox.faults import FaultConfig, FaultSpecError, parse_faults
from migrate.sandbox.ratelimit import parse_rate_limit
from migrate.sandbox.seeds import SEEDS, SeedSpec, resolve_seed
from migrate.sandbox.server import Sandbox, SandboxError, is_loopback

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
