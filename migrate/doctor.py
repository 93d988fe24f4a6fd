"""Preflight: can this tool migrate this site, with these credentials, today?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migrate.errors import JiraError, PermissionDeniedError
from migrate.jira.client import JiraClient
from migrate.rules import BROWSE_SPLIT, Rule


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    blocking: bool = True  # a failed blocking check means apply cannot run


@dataclass(frozen=True)
class DoctorReport:
    url: str
    checks: tuple[Check, ...]
    server: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(c.ok or not c.blocking for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "ready": self.ready,
            "server": self.server,
            "checks": [{"name": c.name, "ok": c.ok, "blocking": c.blocking, "detail": c.detail} for c in self.checks],
        }


def run_doctor(client: JiraClient, rule: Rule = BROWSE_SPLIT) -> DoctorReport:
    """Connectivity and authentication errors propagate (nothing else can be checked without them)."""
    info = client.server_info()
    server = {k: info.get(k) for k in ("baseUrl", "serverTitle", "deploymentType", "version", "buildNumber")}
    checks = [
        Check(
            "server",
            True,
            f"{info.get('serverTitle') or '?'} ({info.get('deploymentType') or 'unknown type'} {info.get('version') or ''}, "
            f"REST API v{client.api_version})".replace(" ,", ","),
        )
    ]
    me = client.myself()
    who = me.get("displayName") or me.get("name") or me.get("accountId") or "?"
    ident = me.get("accountId") or me.get("key") or ""
    checks.append(Check("account", True, f"{who}" + (f" ({ident})" if ident else "")))
    try:
        admin = client.is_admin()
        checks.append(
            Check(
                "administer",
                admin,
                "holds Administer Jira (ADMINISTER)"
                if admin
                else "lacks the global permission 'Administer Jira' (ADMINISTER), needed to change permission schemes",
            )
        )
    except JiraError as e:
        checks.append(Check("administer", False, f"could not check ADMINISTER: {e.message}"))
    try:
        perms = client.all_permissions()
        present = [k for k in (rule.source, *rule.targets) if k in perms]
        missing = [k for k in rule.targets if k not in perms]
        checks.append(
            Check(
                "permission keys",
                not missing,
                f"site knows {', '.join(present) or 'none of the keys'}"
                + (f"; missing {', '.join(missing)}: plan works, apply is not possible yet" if missing else ""),
            )
        )
    except PermissionDeniedError as e:
        checks.append(
            Check("permission keys", False, f"GET /permissions refused: {e.message} (needs scope manage:jira-configuration)")
        )
    return DoctorReport(url=client.url, checks=tuple(checks), server=server)
