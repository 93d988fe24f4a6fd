"""Many sites from one TOML file: parse and validate it, then plan / apply / verify across the sites
concurrently, one summary at the end.

The sites file names environment variables; it never holds secrets. Each site gets its own client
(its own credentials, retry budget and connection pool), its own store folder and lock (through the
executor) and its own plan file, so nothing of one site can end up in another's files. A failing site
never stops the others: its error becomes a row of the summary.

Bulk apply only applies the per-site plans that `sites plan` saved (listed in the run's manifest), so
the plan-then-apply safety model holds in bulk too.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import threading
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from migrate import __version__
from migrate.credentials import Credentials, EnvNames
from migrate.errors import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    ConfigError,
    MigrateError,
    PlanFileError,
)
from migrate.fetch import fetch_site
from migrate.jira.client import JiraClient, normalise_site_url
from migrate.jira.retry import RetryPolicy
from migrate.jira.throttle import DEFAULT_CONCURRENCY
from migrate.model import Scheme
from migrate.plan import MODES, Plan, make_plan
from migrate.planfile import load_plan, plan_id, save_plan
from migrate.progress import BulkProgress, Progress
from migrate.redact import redact
from migrate.rules import Rule, check_rule_against_site, resolve_rule
from migrate.scan import save_scan, scan_path_for, scan_site
from migrate.scan.text import summary
from migrate.siteurl import same_site, site_key
from migrate.store import atomic_write_json, read_user_text

DEFAULT_PARALLEL = 4
MAX_PARALLEL = 32
CONCURRENCY_RANGE = (1, 16)
MAX_RPS_LIMIT = 1000.0
MAX_SCHEME_ID = 2**63
DEFAULT_PLANS_DIR = Path("plans") / "sites"
MANIFEST_NAME = "manifest.json"
MANIFEST_KIND = "migrate-sites-manifest"
MANIFEST_VERSION = "1.0"

SITE_KEYS = (
    "name",
    "url",
    "flavour",
    "email_env",
    "token_env",
    "bearer_env",
    "mode",
    "concurrency",
    "max_rps",
    "include",
    "exclude",
)
DEFAULT_KEYS = ("flavour", "mode", "concurrency", "max_rps", "rule")
TOP_KEYS = ("site", "defaults")
ENV_KEYS = ("email_env", "token_env", "bearer_env")

# What users write -> the client's flavour. "auto" asks the server.
FLAVOURS = {
    "cloud": "cloud",
    "dc": "dc",
    "datacenter": "dc",
    "data-center": "dc",
    "data_center": "dc",
    "data center": "dc",
    "server": "dc",
    "auto": "auto",
}

SITE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# Upper-case on purpose: real tokens are mixed-case, so this alone refuses nearly every pasted secret.
ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")
# Keys that mean someone tried to put a credential in the file.
_SECRET_KEY_HINTS = ("token", "password", "passwd", "secret", "bearer", "pat", "email", "apikey", "api_key", "credential")


# --------------------------------------------------------------------------------------------- errors


class SitesFileError(ConfigError):
    """A sites file with one or more problems; each names its line."""

    def __init__(self, source: str, problems: Sequence[str]):
        self.problems = tuple(problems)
        n = len(self.problems)
        head = f"{source}: {n} problem{'s' if n != 1 else ''}"
        super().__init__(
            head + ":\n  " + "\n  ".join(self.problems),
            hint="see README, 'Many sites': each [[site]] needs name, url and the names of its credential env vars",
        )


# --------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class SchemeFilter:
    """include / exclude: scheme ids or case-insensitive name globs. Empty include means every scheme."""

    include: tuple[int | str, ...] = ()
    exclude: tuple[int | str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.include or self.exclude)

    @staticmethod
    def _hit(scheme: Scheme, pats: Iterable[int | str]) -> bool:
        name = scheme.name.casefold()
        for p in pats:
            if isinstance(p, int):
                if scheme.id == p:
                    return True
            elif fnmatch.fnmatchcase(name, p.casefold()):
                return True
        return False

    def matches(self, scheme: Scheme) -> bool:
        if self.include and not self._hit(scheme, self.include):
            return False
        return not self._hit(scheme, self.exclude)

    def unmatched_includes(self, schemes: Iterable[Scheme]) -> tuple[int | str, ...]:
        """Include patterns that matched no scheme: almost always a typo worth telling about."""
        schemes = list(schemes)
        return tuple(p for p in self.include if not any(self._hit(s, [p]) for s in schemes))

    def describe(self) -> str:
        parts = []
        if self.include:
            parts.append("include " + ", ".join(map(str, self.include)))
        if self.exclude:
            parts.append("exclude " + ", ".join(map(str, self.exclude)))
        return "; ".join(parts) or "all schemes"

    def to_json(self) -> dict[str, list]:
        return {"include": list(self.include), "exclude": list(self.exclude)}


@dataclass(frozen=True)
class SiteSpec:
    """One [[site]] of a sites file, validated. `url` is normalised; `flavour` is cloud | dc | auto."""

    name: str
    url: str
    flavour: str = "auto"
    email_env: str | None = None
    token_env: str | None = None
    bearer_env: str | None = None
    mode: str | None = None  # None: the file's [defaults] or the command line decide
    concurrency: int | None = None
    max_rps: float | None = None  # grant writes per second on this site (0: no client-side limit)
    filter: SchemeFilter = field(default_factory=SchemeFilter)
    line: int | None = None
    source: str = "sites file"

    @property
    def where(self) -> str:
        loc = f"{self.source} line {self.line}" if self.line else self.source
        return f"{loc} (site '{self.name}')"

    @property
    def env_vars(self) -> tuple[str, ...]:
        return tuple(v for v in (self.email_env, self.token_env, self.bearer_env) if v)

    def env_names(self) -> EnvNames:
        # Unused slots get "" so a site never falls back to the global JIRA_* variables.
        return EnvNames(url="", email=self.email_env or "", token=self.token_env or "", bearer=self.bearer_env or "")

    def missing_env(self, env: Mapping[str, str] | None = None) -> tuple[str, ...]:
        """The variables this site still needs: () when bearer_env, or email_env + token_env, are set.

        A site names one form only (the parser refuses both)."""
        env = os.environ if env is None else env

        def unset(name: str) -> bool:
            return not env.get(name, "").strip()

        if self.bearer_env and not unset(self.bearer_env):
            return ()
        if self.email_env and self.token_env:
            return tuple(n for n in (self.email_env, self.token_env) if unset(n))
        return (self.bearer_env,) if self.bearer_env else ()

    def credentials(self, env: Mapping[str, str] | None = None) -> Credentials:
        """This site's credentials, read only from the variables the file names for it (never JIRA_*)."""
        env = os.environ if env is None else env
        missing = self.missing_env(env)
        if missing:
            alt = f" (or set {self.bearer_env})" if self.bearer_env and self.bearer_env not in missing else ""
            plural = "s" if len(missing) > 1 else ""
            raise ConfigError(
                f"site '{self.name}': environment variable{plural} {', '.join(missing)} not set{alt}",
                hint=f"export the variables named in {self.where} before running migrate",
            )
        view = {n: env[n] for n in self.env_vars if n in env}
        return Credentials.from_env(view, names=self.env_names())

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "url": self.url,
            "flavour": self.flavour,
            "email_env": self.email_env,
            "token_env": self.token_env,
            "bearer_env": self.bearer_env,
            "mode": self.mode,
            "concurrency": self.concurrency,
            "max_rps": self.max_rps,
            "filter": self.filter.to_json(),
            "line": self.line,
        }


@dataclass(frozen=True)
class SiteDefaults:
    flavour: str = "auto"
    mode: str | None = None
    concurrency: int | None = None
    max_rps: float | None = None
    rule: Rule | None = None


@dataclass(frozen=True)
class SitesConfig:
    sites: tuple[SiteSpec, ...]
    defaults: SiteDefaults = field(default_factory=SiteDefaults)
    source: str = "sites file"
    path: Path | None = None

    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sites)

    def select(self, names: Iterable[str]) -> "SitesConfig":
        """Only the named sites, in file order; unknown names are a ConfigError."""
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return self
        unknown = [n for n in wanted if n not in self.names()]
        if unknown:
            raise ConfigError(
                f"{self.source} has no site named {', '.join(repr(u) for u in unknown)}",
                hint=f"sites in the file: {', '.join(self.names())}",
            )
        return replace(self, sites=tuple(s for s in self.sites if s.name in wanted))

    def mode_for(self, spec: SiteSpec, override: str | None = None) -> str:
        return override or spec.mode or self.defaults.mode or "add"

    def rule_for(self, override: Rule | None = None) -> Rule:
        return override or self.defaults.rule or resolve_rule(None)


# --------------------------------------------------------------------------------------------- parsing


_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _header_lines(lines: list[str], name: str, array: bool) -> list[int]:
    """1-based line numbers of `[[name]]` (array) or `[name]` headers, quoted or not."""
    q = rf"(?:{re.escape(name)}|\"{re.escape(name)}\"|'{re.escape(name)}')"
    pat = re.compile(rf"^\s*\[\[\s*{q}\s*\]\]\s*(#.*)?$" if array else rf"^\s*\[\s*{q}\s*\]\s*(#.*)?$")
    return [i + 1 for i, line in enumerate(lines) if pat.match(line)]


def _key_line(lines: list[str], start: int | None, end: int | None, key: str, table: str) -> int | None:
    """The line where `key` is set inside the table spanning [start, end), or its sub-table header."""
    if not start:
        return None
    stop = end - 1 if end else len(lines)
    kq = rf"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
    assign = re.compile(rf"^\s*{kq}\s*(=|\.)")
    sub = re.compile(rf"^\s*\[\[?\s*{re.escape(table)}\s*\.\s*{kq}\s*\]")
    for n in range(start, stop):  # lines after the header, up to the next header
        text = lines[n] if n < len(lines) else ""
        if assign.match(text) or sub.match(text):
            return n + 1
    return None


def _looks_like_secret(value: str) -> bool:
    v = value.strip()
    if v.startswith(("ATATT", "ATCTT", "ATBB")):  # Atlassian API / app-password token prefixes
        return True
    if len(v) > 64:
        return True
    has_lower = any(c.islower() for c in v)
    has_upper = any(c.isupper() for c in v)
    digits = sum(c.isdigit() for c in v)
    if len(v) >= 16 and has_lower and has_upper and digits >= 2:
        return True
    return len(v) >= 16 and any(c in v for c in "+/=") and not v.isupper()


class _Problems:
    def __init__(self, source: str):
        self.source = source
        self.items: list[tuple[int, str]] = []

    def add(self, line: int | None, who: str | None, msg: str) -> None:
        loc = f"{self.source} line {line}" if line else self.source
        self.items.append((line or 0, f"{loc}{f' ({who})' if who else ''}: {msg}"))

    def raise_if_any(self) -> None:
        if self.items:
            raise SitesFileError(self.source, [m for _, m in sorted(self.items, key=lambda t: t[0])])


def _unknown_key_message(key: str, allowed: Sequence[str]) -> str:
    low = key.lower()
    parts = set(re.split(r"[_\-.\s]+", low)) | {low}
    if low not in allowed and parts & set(_SECRET_KEY_HINTS) and not low.endswith("_env"):
        return (
            f"'{key}' is not allowed: the sites file never holds credentials (its value is not shown); "
            "put the secret in an environment variable and name it with email_env / token_env / bearer_env"
        )
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    tip = f" (did you mean '{close[0]}'?)" if close else f"; allowed: {', '.join(allowed)}"
    return f"unknown key '{key}'{tip}"


def _parse_flavour(v: Any) -> str | None:
    if not isinstance(v, str):
        return None
    return FLAVOURS.get(v.strip().lower())


def _parse_concurrency(v: Any) -> int | None:
    if isinstance(v, bool) or not isinstance(v, int):
        return None
    lo, hi = CONCURRENCY_RANGE
    return v if lo <= v <= hi else None


def _parse_max_rps(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if 0 <= v <= MAX_RPS_LIMIT else None


def _max_rps_error(v: Any) -> str:
    shown = v if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__
    return f"max_rps must be a number of grant writes per second from 0 (no limit) to {MAX_RPS_LIMIT:g} (got {shown})"


def _parse_patterns(v: Any) -> tuple[tuple[int | str, ...] | None, str | None]:
    """(patterns, error). Integers and digit strings are scheme ids; other strings are name globs."""
    if not isinstance(v, list):
        return None, "must be a list of scheme ids or name globs, e.g. [10000, \"Default*\"]"
    out: list[int | str] = []
    for item in v:
        if isinstance(item, bool):
            return None, "must hold scheme ids (integers) or name globs (strings), not true/false"
        if isinstance(item, int):
            if not 0 <= item < MAX_SCHEME_ID:
                return None, f"scheme id {item if abs(item) < 10**20 else '(a huge number)'} is out of range"
            out.append(item)
        elif isinstance(item, str):
            s = item.strip()
            if not s:
                return None, "holds an empty pattern"
            # ASCII digits only: str.isdigit() also accepts '²', which int() refuses
            if re.fullmatch(r"[0-9]+", s):
                if len(s) > 19 or int(s) >= MAX_SCHEME_ID:
                    return None, "holds a scheme id that is out of range"
                out.append(int(s))
            else:
                out.append(s)
        else:
            return None, f"must hold scheme ids or name globs, not {type(item).__name__}"
    return tuple(dict.fromkeys(out)), None


def parse_sites(text: str, *, source: str = "sites file", base_dir: Path | None = None) -> SitesConfig:
    """Parse and validate a sites file. Every problem is reported at once, each with its line."""
    problems = _Problems(source)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = _TOML_POS.search(msg)
        problems.add(int(m.group(1)) if m else None, None, f"not valid TOML: {_TOML_POS.sub('', msg)}")
        raise SitesFileError(source, [m for _, m in problems.items]) from None
    except (RecursionError, ValueError) as e:
        # tomllib raises these, not TOMLDecodeError, for 100k nested arrays or a 5000-digit integer
        what = "it is nested too deeply" if isinstance(e, RecursionError) else str(e)[:120]
        raise SitesFileError(source, [f"{source}: not a usable sites file: {what}"]) from None
    lines = text.splitlines()

    for key in doc:
        if key not in TOP_KEYS:
            pat = re.compile(rf"^\s*(\[\[?\s*{re.escape(key)}\s*[\].]|{re.escape(key)}\s*[=.])")
            line = next((i + 1 for i, t in enumerate(lines) if pat.match(t)), None)
            if key == "sites":
                problems.add(line, None, "sites are declared as [[site]] tables (one per site), not [sites.*]")
            else:
                problems.add(line, None, _unknown_key_message(key, TOP_KEYS))

    defaults = _parse_defaults(doc.get("defaults"), lines, problems, base_dir)

    raw_sites = doc.get("site")
    if raw_sites is None:
        problems.add(None, None, "no sites: add one [[site]] table per Jira site")
        problems.raise_if_any()
    if not isinstance(raw_sites, list) or not all(isinstance(s, dict) for s in raw_sites):
        line = next((i + 1 for i, t in enumerate(lines) if re.match(r"^\s*site\s*=", t)), None)
        problems.add(line, None, "'site' must be an array of tables: write each site as a [[site]] table")
        problems.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover

    headers = _header_lines(lines, "site", True)
    if len(headers) != len(raw_sites):  # inline tables: no per-site header to point at
        headers = []
    specs: list[SiteSpec] = []
    seen_names: dict[str, int | None] = {}
    seen_urls: dict[str, tuple[str, int | None]] = {}
    for i, raw in enumerate(raw_sites):
        start = headers[i] if headers else None
        end = headers[i + 1] if headers and i + 1 < len(headers) else None
        spec = _parse_site(raw, i, start, end, lines, problems, source, defaults)
        if spec is None:
            continue
        if spec.name in seen_names:
            first = seen_names[spec.name]
            problems.add(
                spec.line, f"site '{spec.name}'", f"duplicate site name (first used{f' on line {first}' if first else ''})"
            )
        else:
            seen_names[spec.name] = spec.line
        if site_key(spec.url) in seen_urls:
            other, first = seen_urls[site_key(spec.url)]
            problems.add(
                spec.line,
                f"site '{spec.name}'",
                f"duplicate url {spec.url} (already site '{other}'{f' on line {first}' if first else ''})",
            )
        else:
            seen_urls[site_key(spec.url)] = (spec.name, spec.line)
        specs.append(spec)
    if not raw_sites:
        problems.add(None, None, "no sites: add one [[site]] table per Jira site")
    problems.raise_if_any()
    return SitesConfig(sites=tuple(specs), defaults=defaults, source=source)


def _parse_defaults(raw: Any, lines: list[str], problems: _Problems, base_dir: Path | None) -> SiteDefaults:
    if raw is None:
        return SiteDefaults()
    start = (_header_lines(lines, "defaults", False) or [None])[0]
    if not isinstance(raw, dict):
        problems.add(start, None, "'defaults' must be a table: [defaults]")
        return SiteDefaults()
    later = [h for h in _all_header_lines(lines) if start and h > start]
    end = later[0] if later else None

    def at(key: str) -> int | None:
        return _key_line(lines, start, end, key, "defaults") or start

    for key in raw:
        if key not in DEFAULT_KEYS:
            problems.add(at(key), "defaults", _unknown_key_message(key, DEFAULT_KEYS))
    flavour = "auto"
    if "flavour" in raw:
        flavour = _parse_flavour(raw["flavour"]) or "auto"
        if _parse_flavour(raw["flavour"]) is None:
            problems.add(at("flavour"), "defaults", _flavour_error(raw["flavour"]))
    mode = raw.get("mode")
    if mode is not None and mode not in MODES:
        problems.add(at("mode"), "defaults", _mode_error(mode))
        mode = None
    conc = raw.get("concurrency")
    if conc is not None and _parse_concurrency(conc) is None:
        problems.add(at("concurrency"), "defaults", _concurrency_error(conc))
        conc = None
    rps = raw.get("max_rps")
    if rps is not None and _parse_max_rps(rps) is None:
        problems.add(at("max_rps"), "defaults", _max_rps_error(rps))
        rps = None
    rule = None
    if "rule" in raw:
        r = raw["rule"]
        if not isinstance(r, str) or not r.strip():
            problems.add(at("rule"), "defaults", "'rule' must be a built-in rule name or the path of a rule file")
        else:
            ref = r.strip()
            if base_dir is not None and (ref.endswith((".toml", ".json")) or "/" in ref) and not Path(ref).is_absolute():
                ref = str(base_dir / ref)
            try:
                rule = resolve_rule(ref)
            except ConfigError as e:
                problems.add(at("rule"), "defaults", e.message)
    return SiteDefaults(
        flavour=flavour, mode=mode, concurrency=conc, max_rps=None if rps is None else float(rps), rule=rule
    )


def _all_header_lines(lines: list[str]) -> list[int]:
    pat = re.compile(r"^\s*\[")
    return [i + 1 for i, t in enumerate(lines) if pat.match(t)]


def _flavour_error(v: Any) -> str:
    shown = repr(v) if isinstance(v, str) and len(v) <= 40 else type(v).__name__
    return f"flavour {shown} is not one of cloud, dc (Data Center; also 'datacenter'), auto"


def _mode_error(v: Any) -> str:
    shown = repr(v) if isinstance(v, str) and len(v) <= 40 else type(v).__name__
    return f"mode {shown} is not one of {', '.join(MODES)}"


def _concurrency_error(v: Any) -> str:
    lo, hi = CONCURRENCY_RANGE
    shown = v if isinstance(v, int) and not isinstance(v, bool) else type(v).__name__
    return f"concurrency must be an integer from {lo} to {hi} (got {shown})"


def _parse_site(
    raw: dict,
    index: int,
    start: int | None,
    end: int | None,
    lines: list[str],
    problems: _Problems,
    source: str,
    defaults: SiteDefaults,
) -> SiteSpec | None:
    name_v = raw.get("name")
    good_name = isinstance(name_v, str) and SITE_NAME_RE.match(name_v) is not None
    who = f"site '{name_v}'" if good_name else f"site #{index + 1}"

    def at(key: str) -> int | None:
        return _key_line(lines, start, end, key, "site") or start

    ok = True

    def bad(key: str | None, msg: str) -> None:
        nonlocal ok
        ok = False
        problems.add(at(key) if key else start, who, msg)

    for key in raw:
        if key not in SITE_KEYS:
            bad(key, _unknown_key_message(key, SITE_KEYS))

    if "name" not in raw:
        bad(None, "missing 'name'")
    elif not good_name:
        shown = repr(name_v) if isinstance(name_v, str) and len(name_v) <= 80 else type(name_v).__name__
        bad("name", f"name {shown} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")

    url = ""
    if "url" not in raw:
        bad(None, "missing 'url'")
    elif not isinstance(raw["url"], str):
        bad("url", "'url' must be a string such as \"https://acme.atlassian.net\"")
    else:
        try:
            url = normalise_site_url(raw["url"])
        except ConfigError as e:
            bad("url", e.message + (f" ({e.hint})" if e.hint else ""))
        except ValueError as e:  # urllib's own: a bad port or an unclosed IPv6 bracket
            bad("url", f"not a valid URL ({e})")

    flavour = defaults.flavour
    if "flavour" in raw:
        f = _parse_flavour(raw["flavour"])
        if f is None:
            bad("flavour", _flavour_error(raw["flavour"]))
        else:
            flavour = f

    envs: dict[str, str | None] = {k: None for k in ENV_KEYS}
    for key in ENV_KEYS:
        if key not in raw:
            continue
        v = raw[key]
        if not isinstance(v, str):
            bad(key, f"'{key}' must be the name of an environment variable (a string)")
            continue
        v = v.strip()
        if "@" in v:
            bad(key, f"'{key}' holds what looks like an email address; put the address in an environment "
                     f"variable and write that variable's name here (e.g. {key} = \"ACME_JIRA_EMAIL\")")
        elif _looks_like_secret(v):
            bad(key, f"'{key}' looks like a secret, not an environment variable name (its value is not shown): "
                     "the sites file must never hold credentials; name the variable that holds it instead")
        elif not ENV_NAME_RE.match(v):
            shown = f"'{v}'" if len(v) <= 40 else "the value"
            bad(key, f"{shown} is not an environment variable name: use A-Z, 0-9 and _, not starting with a digit "
                     f"(e.g. \"ACME_JIRA_TOKEN\")")
        else:
            envs[key] = v
    has_basic = bool(raw.get("email_env")) and bool(raw.get("token_env"))
    if raw.get("bearer_env") and (raw.get("token_env") or raw.get("email_env")):
        # Two credentials for one site: whichever won, a secret would go to the site for nothing, and the
        # reader of the file could not tell which account does the writes.
        both = ", ".join(k for k in ("email_env", "token_env") if raw.get(k))
        bad("bearer_env", f"both bearer_env and {both} are set: name one credential per site, "
                          "bearer_env (Data Center PAT, OAuth) or email_env + token_env (API token)")
    elif not raw.get("bearer_env") and not has_basic:
        if raw.get("token_env") and not raw.get("email_env"):
            bad(None, "'token_env' needs 'email_env' too (the Atlassian account the API token belongs to)")
        elif raw.get("email_env") and not raw.get("token_env"):
            bad(None, "'email_env' needs 'token_env' too (the variable holding the API token)")
        else:
            bad(None, "missing credentials: name the variables with email_env + token_env, or bearer_env")

    mode = None
    if "mode" in raw:
        if raw["mode"] not in MODES:
            bad("mode", _mode_error(raw["mode"]))
        else:
            mode = raw["mode"]

    conc = None
    if "concurrency" in raw:
        conc = _parse_concurrency(raw["concurrency"])
        if conc is None:
            bad("concurrency", _concurrency_error(raw["concurrency"]))

    rps = None
    if "max_rps" in raw:
        rps = _parse_max_rps(raw["max_rps"])
        if rps is None:
            bad("max_rps", _max_rps_error(raw["max_rps"]))

    pats: dict[str, tuple[int | str, ...]] = {"include": (), "exclude": ()}
    for key in ("include", "exclude"):
        if key in raw:
            parsed, error = _parse_patterns(raw[key])
            if error:
                bad(key, f"'{key}' {error}")
            else:
                pats[key] = parsed or ()
    same = [p for p in pats["include"] if p in pats["exclude"]]
    if same:
        bad("exclude", f"{', '.join(map(repr, same))} is both included and excluded, so it selects nothing: "
                       "drop it from one of the two lists")
    if not ok:
        return None
    return SiteSpec(
        name=name_v,
        url=url,
        flavour=flavour,
        email_env=envs["email_env"],
        token_env=envs["token_env"],
        bearer_env=envs["bearer_env"],
        mode=mode,
        concurrency=conc if conc is not None else defaults.concurrency,
        max_rps=rps if rps is not None else defaults.max_rps,
        filter=SchemeFilter(include=pats["include"], exclude=pats["exclude"]),
        line=start,
        source=source,
    )


def load_sites(path: Path | str) -> SitesConfig:
    p = Path(path)
    text = read_user_text(p, "sites file", ConfigError)
    cfg = parse_sites(text, source=str(p), base_dir=p.parent)
    return replace(cfg, path=p)


# --------------------------------------------------------------------------------------------- check


@dataclass(frozen=True)
class SiteCheck:
    name: str
    url: str
    line: int | None
    flavour: str
    mode: str
    env: dict[str, bool]  # variable name -> set (never the value)
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.name,
            "url": self.url,
            "line": self.line,
            "flavour": self.flavour,
            "mode": self.mode,
            "env": self.env,
            "ok": self.ok,
            "problems": list(self.problems),
        }


def check_sites(config: SitesConfig, env: Mapping[str, str] | None = None, *, mode: str | None = None) -> list[SiteCheck]:
    """Offline check: the file parsed (or we would not be here) and each site's variables are set."""
    env = os.environ if env is None else env
    out = []
    for s in config.sites:
        present = {n: bool(env.get(n, "").strip()) for n in s.env_vars}
        missing = s.missing_env(env)
        problems = ()
        if missing:
            problems = (f"{s.where}: not set: {', '.join(missing)}",)
        out.append(
            SiteCheck(
                name=s.name,
                url=s.url,
                line=s.line,
                flavour=s.flavour,
                mode=config.mode_for(s, mode),
                env=present,
                problems=problems,
            )
        )
    return out


# --------------------------------------------------------------------------------------------- running


def combine_exit_codes(codes: Iterable[int]) -> int:
    """One code for a bulk run (README, "Exit codes"): 1 when no site got done (every site failed or was
    refused); 4 when some did and others failed, were refused or are partial; else 3 when some site has
    changes pending; else 0. Any unknown non-zero code counts as a failed site."""
    codes = list(codes)
    failed = [c for c in codes if c not in (EXIT_OK, EXIT_CHANGES, EXIT_PARTIAL)]
    if failed:
        return EXIT_ERROR if len(failed) == len(codes) else EXIT_PARTIAL
    for c in (EXIT_PARTIAL, EXIT_CHANGES):
        if c in codes:
            return c
    return EXIT_OK


# A site's state at the end of a bulk run, for CI (`--json`: sites[].state, totals.states).
DONE = "done"  # the command did its job on the site (planned, applied, verified, rolled back, nothing to do)
PARTIAL = "partial"  # some schemes done, others skipped or failed (verify: some drifted)
PENDING_STATE = "pending"  # verify: the plan is not (fully) applied yet
REFUSED = "refused"  # a check said no before anything was written (credentials, rights, plan, lock, keys)
FAILED_STATE = "failed"  # an error on the way (network, server, bug); see the message
SKIPPED = "skipped"  # not started: the run was interrupted first
STATES = (DONE, PARTIAL, PENDING_STATE, REFUSED, FAILED_STATE, SKIPPED)


def _refusal(e: BaseException) -> bool:
    """A check said no (nothing was written): any of migrate's own refusals, and Jira refusing the
    credentials or the rights. Other Jira errors (network, 5xx, odd answers) and bugs are failures."""
    from migrate.errors import AuthenticationError, JiraError, PermissionDeniedError

    if isinstance(e, (AuthenticationError, PermissionDeniedError)):
        return True
    return isinstance(e, MigrateError) and not isinstance(e, JiraError)


@dataclass
class SiteOutcome:
    """One row of the bulk summary."""

    site: str
    url: str
    action: str  # plan | apply | verify
    status: str  # clean | changes | blocked | applied | partial | verified | pending | mismatch | error
    exit_code: int
    schemes_changed: int = 0
    grants_added: int = 0
    grants_removed: int = 0
    projects_affected: int = 0
    message: str = ""
    hint: str | None = None
    error: str | None = None  # the error class, for scripts
    plan_path: str | None = None
    plan_id: str | None = None
    mode: str | None = None
    missing_keys: tuple[str, ...] = ()
    requests: int = 0
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    state: str = DONE  # one of STATES

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "url": self.url,
            "action": self.action,
            "state": self.state,
            "status": self.status,
            "exit_code": self.exit_code,
            "mode": self.mode,
            "schemes_changed": self.schemes_changed,
            "grants_added": self.grants_added,
            "grants_removed": self.grants_removed,
            "projects_affected": self.projects_affected,
            "message": redact(self.message),
            "hint": redact(self.hint) if self.hint else None,
            "error": self.error,
            "plan": self.plan_path,
            "plan_id": self.plan_id,
            "missing_keys": list(self.missing_keys),
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "details": self.details,
        }


@dataclass(frozen=True)
class BulkResult:
    action: str
    outcomes: tuple[SiteOutcome, ...]
    manifest: Path | None = None
    plans_dir: Path | None = None
    interrupted: bool = False  # Ctrl-C: running sites stopped before their next write, others never started

    @property
    def exit_code(self) -> int:
        return combine_exit_codes(o.exit_code for o in self.outcomes)

    @property
    def totals(self) -> dict[str, int]:
        t = {
            "sites": len(self.outcomes),
            "sites_failed": sum(o.status == "error" for o in self.outcomes),
            "schemes_changed": sum(o.schemes_changed for o in self.outcomes),
            "grants_added": sum(o.grants_added for o in self.outcomes),
            "grants_removed": sum(o.grants_removed for o in self.outcomes),
            "states": {st: sum(o.state == st for o in self.outcomes) for st in STATES},
        }
        return t

    def sites_in(self, *states: str) -> list[str]:
        return [o.site for o in self.outcomes if o.state in states]

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "exit_code": self.exit_code,
            "totals": self.totals,
            "interrupted": self.interrupted,
            "manifest": str(self.manifest) if self.manifest else None,
            "plans_dir": str(self.plans_dir) if self.plans_dir else None,
            "sites": [o.to_json() for o in self.outcomes],
        }


Event = Callable[[str, str, str], None]  # (site name, stage, detail)


def retry_policy_for(spec: SiteSpec) -> RetryPolicy:
    """Each site gets its own retry policy (and so its own budget). Tests replace this to inject a clock."""
    return RetryPolicy()


def make_site_client(spec: SiteSpec, credentials: Credentials) -> JiraClient:
    pool = max(16, 2 * (spec.concurrency or DEFAULT_CONCURRENCY))  # fetch maps projects with 8 threads; apply adds its workers
    return JiraClient(spec.url, credentials, flavour=spec.flavour, retry=retry_policy_for(spec), pool_size=pool)


ClientFactory = Callable[[SiteSpec, Credentials], JiraClient]


def _error_outcome(spec: SiteSpec, action: str, e: BaseException, **kw: Any) -> SiteOutcome:
    if isinstance(e, MigrateError):
        msg, hint, name = e.message, e.hint, type(e).__name__
    else:  # a bug must not take the other sites down; it is reported like any error, without a traceback
        msg, hint, name = f"internal error: {type(e).__name__}: {e}", "set MIGRATE_DEBUG=1 and re-run this site alone", type(e).__name__
    kw.setdefault("state", REFUSED if _refusal(e) else FAILED_STATE)
    return SiteOutcome(
        site=spec.name,
        url=spec.url,
        action=action,
        status="error",
        exit_code=EXIT_ERROR,
        message=redact(str(msg))[:1000],
        hint=redact(hint) if hint else None,
        error=name,
        **kw,
    )


def _run_all(
    specs: Sequence[SiteSpec],
    one: Callable[[SiteSpec], SiteOutcome],
    action: str,
    parallel: int,
    on_event: Event | None,
    *,
    stop: threading.Event | None = None,
    progress: BulkProgress | None = None,
    skipped: Callable[[SiteSpec], SiteOutcome] | None = None,
) -> tuple[tuple[SiteOutcome, ...], bool]:
    """Run `one` for every site, `parallel` at a time, in file order. Returns (outcomes, interrupted).

    With a `stop` event (runs that write), Ctrl-C sets it: the executors stop before their next write,
    the running sites wind down and report what they did, the sites not started yet become `skipped`
    rows, and the run returns interrupted=True. A second Ctrl-C stops waiting. Without one (read-only
    runs), Ctrl-C ends the run at once."""
    emit = on_event or (lambda site, stage, detail: None)
    parallel = max(1, min(int(parallel), MAX_PARALLEL))

    def guarded(spec: SiteSpec) -> SiteOutcome:
        started = time.monotonic()
        emit(spec.name, "start", spec.url)
        try:
            res = one(spec)
        except BaseException as e:  # noqa: BLE001 - one site's failure is that site's row, nothing more
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            res = _error_outcome(spec, action, e)
        res.seconds = time.monotonic() - started
        if progress is not None:
            progress.finish(spec.name)
        emit(spec.name, res.status, res.message)
        return res

    if not specs:
        return (), False
    if progress is not None:
        progress.start()
    with ThreadPoolExecutor(max_workers=min(parallel, len(specs)), thread_name_prefix="site") as pool:
        futures = [pool.submit(guarded, s) for s in specs]
        try:
            return tuple(f.result() for f in futures), False
        except KeyboardInterrupt:
            if stop is None:
                for f in futures:
                    f.cancel()
                raise
            stop.set()
            for f in futures:
                f.cancel()
        outcomes = []
        for spec, f in zip(specs, futures):
            if f.cancelled():
                row = skipped(spec) if skipped else SiteOutcome(spec.name, spec.url, action, "skipped", EXIT_ERROR)
                row.state, row.status = SKIPPED, "skipped"
                row.message = row.message or "not started: the run was interrupted first"
                emit(spec.name, "skipped", row.message)
                outcomes.append(row)
            else:
                outcomes.append(f.result())  # a second Ctrl-C here ends the wait
        return tuple(outcomes), True


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------- plan


def plan_file_for(plans_dir: Path, spec_or_name: SiteSpec | str) -> Path:
    name = spec_or_name.name if isinstance(spec_or_name, SiteSpec) else spec_or_name
    return Path(plans_dir) / f"{name}.json"


def _check_flavour(spec: SiteSpec, deployment_type: str) -> None:
    cloud = deployment_type == "Cloud"
    if spec.flavour == "cloud" and not cloud or spec.flavour == "dc" and cloud:
        raise ConfigError(
            f"{spec.where}: flavour is {spec.flavour!r} but the server says it is {deployment_type or 'unknown'}",
            hint="fix 'flavour' in the sites file (or set it to auto)",
        )


def plan_site(
    spec: SiteSpec,
    *,
    rule: Rule,
    mode: str,
    plans_dir: Path,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    created_at: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    scan: bool = True,
) -> SiteOutcome:
    """Fetch, plan and save one site's plan to plans_dir/<name>.json (and, with ``scan``, the site-wide scan
    beside it, for `migrate report`)."""
    creds = spec.credentials(env)
    client = client_factory(spec, creds)
    try:
        data = fetch_site(client, progress=progress)
        _check_flavour(spec, data.site.deployment_type)
        check_rule_against_site(rule, data.site.permissions)
        schemes = [s for s in data.schemes if spec.filter.matches(s)]
        check_filter(spec, data.schemes, schemes)
        plan = make_plan(
            schemes,
            rule,
            data.site,
            mode=mode,
            projects_by_scheme=data.projects_by_scheme,
            created_at=created_at or _now_iso(),
            tool_version=__version__,
        )
        notes: list[str] = []
        if spec.filter.active:
            notes.append(
                f"scheme filter from the sites file ({spec.filter.describe()}): "
                f"{len(schemes)} of {len(data.schemes)} schemes considered"
            )
        if notes:
            plan = replace(plan, notes=plan.notes + tuple(notes))
        path = save_plan(plan, plan_file_for(plans_dir, spec))
        scanned = _scan_beside(client, data, path) if scan else {}
        requests = client.request_count
    finally:
        client.close()
    t = plan.totals
    if plan.empty:
        status, code, msg = "clean", EXIT_OK, "nothing to change"
    elif plan.missing_keys:
        status, code = "blocked", EXIT_CHANGES
        msg = (
            f"changes pending, but the site does not know {', '.join(plan.missing_keys)} yet: "
            "apply will refuse until Atlassian enables them"
        )
    else:
        status, code = "changes", EXIT_CHANGES
        msg = f"plan saved: {path}"
    return SiteOutcome(
        site=spec.name,
        url=spec.url,
        action="plan",
        status=status,
        exit_code=code,
        schemes_changed=t["schemes_changed"],
        grants_added=t["grants_added"],
        grants_removed=t["grants_removed"],
        projects_affected=t["projects_affected"],
        message=msg,
        plan_path=str(path),
        plan_id=plan_id(plan),
        mode=mode,
        missing_keys=tuple(plan.missing_keys),
        requests=requests,
        details=scanned,
        state=DONE,
    )


def _scan_beside(client: JiraClient, data: Any, plan_path: Path) -> dict[str, Any]:
    """The site-wide scan, saved beside the plan; a failed scan is noted, never fails the site's plan."""
    try:
        result = scan_site(client, site=data.site, schemes=data.schemes)
    except MigrateError as e:
        return {"scan": {"error": redact(e.message)}}
    except Exception as e:  # noqa: BLE001 - the plan is saved: a scan bug must not turn the site's row into an error
        return {"scan": {"error": f"internal error: {type(e).__name__}: {redact(str(e))[:300]}"}}
    path = save_scan(result, scan_path_for(plan_path))
    return {"scan": {"file": str(path), "counts": result.counts(), "summary": summary(result),
                     "requests": result.requests}}


def check_filter(spec: SiteSpec, every: Sequence[Scheme], picked: Sequence[Scheme]) -> None:
    """A filter that selects nothing is a mistake, never "nothing to change": refuse the site.

    Every include pattern must match some scheme (a typo in one of several would silently drop schemes),
    and the filter as a whole must leave at least one scheme."""
    if not spec.filter.active:
        return
    unmatched = spec.filter.unmatched_includes(every)
    if unmatched:
        guesses = [g for g in (_pattern_guess(p, [s.name for s in every]) for p in unmatched) if g]
        raise ConfigError(
            f"{spec.where}: include pattern(s) {', '.join(map(repr, unmatched))} match no permission scheme "
            f"of the site ({len(every)} schemes)" + (f"; {'; '.join(guesses)}" if guesses else ""),
            hint="fix 'include' in the sites file (scheme ids, or case-insensitive name globs such as \"Default*\")",
        )
    if not picked:
        raise ConfigError(
            f"{spec.where}: the scheme filter ({spec.filter.describe()}) leaves none of the site's {len(every)} schemes",
            hint="fix 'include' / 'exclude' in the sites file",
        )


def _pattern_guess(pattern: int | str, names: Sequence[str]) -> str | None:
    """A did-you-mean for a glob ('Defualt*' -> 'Default*'): its literal part against the same-length
    start (or the whole) of each scheme name."""
    if not isinstance(pattern, str):
        return None
    core = pattern.strip("*?")
    if not core or any(c in core for c in "*?["):
        return None
    pool: dict[str, str] = {}
    for n in names:
        pool.setdefault(n.casefold(), n)
        pool.setdefault(n[: len(core)].casefold(), n[: len(core)])
    close = difflib.get_close_matches(core.casefold(), list(pool), n=1, cutoff=0.7)
    if not close:
        return None
    return f"{pattern!r}: did you mean {pattern.replace(core, pool[close[0]])!r}?"


def plan_sites(
    config: SitesConfig,
    *,
    plans_dir: Path = DEFAULT_PLANS_DIR,
    rule: Rule | None = None,
    mode: str | None = None,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    on_event: Event | None = None,
    now: Callable[[], str] = _now_iso,
    scan: bool = True,
    progress: Progress | None = None,
) -> BulkResult:
    """Plan every site concurrently; save one plan per site (with its site-wide scan) and a manifest."""
    if mode is not None and mode not in MODES:
        raise ConfigError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    the_rule = config.rule_for(rule)
    created = now()
    plans_dir = Path(plans_dir)

    def one(spec: SiteSpec) -> SiteOutcome:
        m = config.mode_for(spec, mode)
        try:
            return plan_site(
                spec,
                rule=the_rule,
                mode=m,
                plans_dir=plans_dir,
                env=env,
                client_factory=client_factory,
                created_at=created,
                scan=scan,
            )
        except Exception as e:  # noqa: BLE001
            return _error_outcome(spec, "plan", e, mode=m)

    bulk = BulkProgress("sites plan (sites)", {spec.name: 1 for spec in config.sites}, progress) if progress else None
    outcomes, _ = _run_all(config.sites, one, "plan", parallel, on_event, progress=bulk)
    manifest = write_manifest(plans_dir, config, outcomes, rule=the_rule, created_at=created)
    return BulkResult(action="plan", outcomes=outcomes, manifest=manifest, plans_dir=plans_dir)


# --------------------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class ManifestEntry:
    site: str
    url: str
    status: str
    plan: str | None  # file name inside the plans dir
    plan_id: str | None
    message: str = ""


@dataclass(frozen=True)
class Manifest:
    path: Path
    created_at: str
    entries: Mapping[str, ManifestEntry]
    sites_file: str | None = None

    def plan_paths(self) -> list[tuple[str, Path]]:
        """(site name, plan path) of every site whose plan was saved, in file order."""
        return [(e.site, self.path.parent / e.plan) for e in self.entries.values() if e.plan and e.status != "error"]


def write_manifest(
    plans_dir: Path, config: SitesConfig, outcomes: Sequence[SiteOutcome], *, rule: Rule, created_at: str
) -> Path:
    doc = {
        "kind": MANIFEST_KIND,
        "format_version": MANIFEST_VERSION,
        "tool_version": __version__,
        "created_at": created_at,
        "sites_file": str(config.path) if config.path else None,
        "rule": rule.name,
        "sites": [
            {
                "site": o.site,
                "url": o.url,
                "status": o.status,
                "mode": o.mode,
                "plan": Path(o.plan_path).name if o.plan_path else None,
                "plan_id": o.plan_id,
                "totals": {
                    "schemes_changed": o.schemes_changed,
                    "grants_added": o.grants_added,
                    "grants_removed": o.grants_removed,
                },
                "message": redact(o.message),
            }
            for o in outcomes
        ],
    }
    return atomic_write_json(Path(plans_dir) / MANIFEST_NAME, doc)


def load_manifest(plans_dir: Path | str) -> Manifest:
    d = Path(plans_dir)
    p = d / MANIFEST_NAME if d.is_dir() or not d.suffix else d
    try:
        doc = json.loads(p.read_text("utf-8"))
    except FileNotFoundError:
        raise PlanFileError(
            f"{p} does not exist: {d} holds no `migrate sites plan` run",
            hint="run `migrate sites plan SITES.toml --plans-dir DIR` first, then the other `sites` commands with --plans-dir DIR",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise PlanFileError(f"cannot read sites manifest {p}: {e}") from None
    if not isinstance(doc, dict) or doc.get("kind") != MANIFEST_KIND or not isinstance(doc.get("sites"), list):
        raise PlanFileError(f"{p} is not a migrate sites manifest")
    if str(doc.get("format_version", "")).split(".")[0] != MANIFEST_VERSION.split(".")[0]:
        raise PlanFileError(f"{p} uses manifest format {doc.get('format_version')!r}, which this migrate cannot read")
    entries: dict[str, ManifestEntry] = {}
    for e in doc["sites"]:
        if not isinstance(e, dict) or not isinstance(e.get("site"), str):
            raise PlanFileError(f"{p} is malformed: a site entry has no name")
        plan = e.get("plan")
        if plan is not None and (not isinstance(plan, str) or Path(plan).name != plan):
            raise PlanFileError(f"{p} is malformed: plan of site {e['site']!r} must be a file name in {p.parent}")
        entries[e["site"]] = ManifestEntry(
            site=e["site"],
            url=str(e.get("url", "")),
            status=str(e.get("status", "")),
            plan=plan,
            plan_id=e.get("plan_id") if isinstance(e.get("plan_id"), str) else None,
            message=str(e.get("message", "")),
        )
    return Manifest(path=p, created_at=str(doc.get("created_at", "")), entries=entries, sites_file=doc.get("sites_file"))


# --------------------------------------------------------------------------------------------- apply / verify


@dataclass(frozen=True)
class PreparedSite:
    """A site ready for bulk apply/verify: its saved plan, or the reason it cannot go ahead."""

    spec: SiteSpec
    plan: Plan | None = None
    plan_path: Path | None = None
    problem: MigrateError | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and self.plan is not None


def prepare_sites(config: SitesConfig, plans_dir: Path = DEFAULT_PLANS_DIR, *, action: str = "apply") -> list[PreparedSite]:
    """Match each site of the file with the plan `sites plan` saved for it; refuse foreign or swapped plans.

    Raises PlanFileError only when the plans dir itself is unusable; per-site problems are kept per site.
    `action` (apply, verify, roll back) only words the messages.
    """
    manifest = load_manifest(plans_dir)
    out: list[PreparedSite] = []
    for spec in config.sites:
        entry = manifest.entries.get(spec.name)
        try:
            if entry is None:
                raise PlanFileError(
                    f"site '{spec.name}': no plan for it in {manifest.path.parent}",
                    hint="run `migrate sites plan` with this sites file first",
                )
            if entry.status == "error" or not entry.plan:
                raise PlanFileError(
                    f"site '{spec.name}': planning failed, so there is no plan to {action} ({entry.message})",
                    hint="fix the problem and re-run `migrate sites plan`",
                )
            path = manifest.path.parent / entry.plan
            plan = load_plan(path)
            if entry.plan_id and plan_id(plan) != entry.plan_id:
                raise PlanFileError(
                    f"site '{spec.name}': {path} is not the plan `sites plan` saved for this site "
                    "(it was replaced after the run)",
                    hint="re-run `migrate sites plan`",
                )
            if not same_site(normalise_site_url(plan.site.get("url", "")), spec.url):
                raise PlanFileError(
                    f"site '{spec.name}': {path} was made for {plan.site.get('url')}, not for {spec.url}",
                    hint="a plan is only ever applied to the site it was made for; re-run `migrate sites plan`",
                )
            out.append(PreparedSite(spec=spec, plan=plan, plan_path=path))
        except MigrateError as e:
            out.append(PreparedSite(spec=spec, problem=e))
    return out


def _plan_counts(plan: Plan) -> dict[str, int]:
    t = plan.totals
    return {k: t[k] for k in ("schemes_changed", "grants_added", "grants_removed", "projects_affected")}


def _base(prepared: PreparedSite, action: str) -> dict[str, Any]:
    spec, plan = prepared.spec, prepared.plan
    out: dict[str, Any] = dict(site=spec.name, url=spec.url, action=action)
    if plan is not None:
        out.update(plan_path=str(prepared.plan_path), plan_id=plan_id(plan), mode=plan.mode, **_plan_counts(plan))
    elif prepared.plan_path is not None:
        out["plan_path"] = str(prepared.plan_path)
    return out


# The executor's stale-scheme reason ends with advice for `migrate apply` (`--force`), which a bulk run
# does not offer: the site's hint below says what to do instead.
_SINGLE_SITE_ADVICE = re.compile(r";\s*re-run `migrate plan`.*$")


def _scheme_reason(o: Any) -> str:
    return _SINGLE_SITE_ADVICE.sub("", o.reason or "")


def apply_site(
    prepared: PreparedSite,
    *,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    force: bool = False,
    stop: threading.Event | None = None,
    store_root: Path | None = None,
    progress: Progress | None = None,
    sites_file: str = "SITES.toml",
) -> SiteOutcome:
    """Apply one site's saved plan through the executor, which takes the site's lock, preflights,
    snapshots, journals and verifies. Whole-site failures raise; per-scheme ones are in the outcome."""
    from migrate.apply import OUT_STALE, apply_plan  # imported late: plan/check must work without the executor

    if not prepared.ok:
        assert prepared.problem is not None
        raise prepared.problem
    plan, spec = prepared.plan, prepared.spec
    assert plan is not None
    base = _base(prepared, "apply")
    if plan.empty:
        return SiteOutcome(**base, status="clean", exit_code=EXIT_OK, message="nothing to apply: the plan has no changes")
    client = client_factory(spec, spec.credentials(env))
    try:
        extra: dict[str, Any] = {} if spec.max_rps is None else {"max_rps": spec.max_rps}
        result = apply_plan(
            client,
            plan,
            **extra,
            concurrency=spec.concurrency or DEFAULT_CONCURRENCY,
            force=force,
            plan_path=prepared.plan_path,
            stop=stop,
            store_root=store_root,
            progress=progress,
        )
        requests = client.request_count
    finally:
        client.close()
    counts = {k: v for k, v in result.counts.items() if v}
    problems = [o for o in result.schemes if not o.ok]
    hint = None
    if result.exit_code == EXIT_OK:
        status, state = "applied", DONE
        msg = ", ".join(f"{n} {k}" for k, n in counts.items()) or "applied"
    else:
        status, state = "partial", PARTIAL
        first = problems[0] if problems else None
        msg = ", ".join(f"{n} {k}" for k, n in counts.items())
        if first is not None:
            msg += f"; scheme {first.scheme_id} {first.scheme_name!r}: {_scheme_reason(first)}"
        hints = []
        if any(o.outcome == OUT_STALE for o in problems):
            hints.append(
                f"schemes changed since the plan: re-plan this site (`migrate sites plan {sites_file} --only {spec.name}`), "
                "review, then apply again"
            )
        if any(o.outcome != OUT_STALE for o in problems):
            hints.append(f"re-run `migrate sites apply {sites_file} --only {spec.name}` to retry the failed schemes")
        hints.append(f"`migrate sites rollback {sites_file} --only {spec.name}` undoes what was applied")
        hint = "; ".join(hints)
    base.update(grants_added=result.grants_added, grants_removed=result.grants_removed)
    return SiteOutcome(
        **base,
        status=status,
        state=state,
        exit_code=result.exit_code,
        message=redact(msg),
        hint=hint,
        requests=requests,
        details={
            "counts": result.counts,
            "snapshot": str(result.snapshot_path) if result.snapshot_path else None,
            "journal": str(result.journal_path) if result.journal_path else None,
            "schemes": [{**o.to_json(), "reason": _scheme_reason(o)} for o in result.schemes],
            "notes": list(result.notes),
        },
    )


def verify_site(
    prepared: PreparedSite,
    *,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
) -> SiteOutcome:
    """Re-read the site and check each changed scheme equals the plan's after-state (exit codes as `verify`)."""
    from migrate.verify import APPLIED, DRIFTED, summarise, verify_exit_code, verify_plan

    if not prepared.ok:
        assert prepared.problem is not None
        raise prepared.problem
    plan, spec = prepared.plan, prepared.spec
    assert plan is not None
    base = _base(prepared, "verify")
    if plan.empty:
        return SiteOutcome(**base, status="clean", exit_code=EXIT_OK, message="nothing to verify: the plan has no changes")
    client = client_factory(spec, spec.credentials(env))
    try:
        statuses = verify_plan(client, plan)
        requests = client.request_count
    finally:
        client.close()
    counts = summarise(statuses)
    code = verify_exit_code(statuses)
    bad = [s for s in statuses if s.status != APPLIED]
    if not bad:
        status, state, msg = "verified", DONE, f"all {len(statuses)} changed scheme(s) match the plan"
    else:
        # "pending": the plan is not (fully) applied yet; "drifted": someone changed what it wrote
        drifted = any(s.status == DRIFTED for s in bad)
        status, state = ("drifted", PARTIAL) if drifted else ("pending", PENDING_STATE)
        msg = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        first = next((s for s in bad if s.status == DRIFTED), bad[0])
        msg += f"; scheme {first.scheme_id} {first.scheme_name!r}: {first.detail}"
    return SiteOutcome(
        **base,
        status=status,
        state=state,
        exit_code=code,
        message=redact(msg),
        requests=requests,
        details={"counts": counts, "schemes": [s.to_json() for s in statuses]},
    )


def rollback_site(
    prepared: PreparedSite,
    *,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    stop: threading.Event | None = None,
    store_root: Path | None = None,
    progress: Progress | None = None,
    sites_file: str = "SITES.toml",
) -> SiteOutcome:
    """Roll back one site's plan through the rollback executor: from the site as it is now, whichever
    machine applied it (journaled, resumable). A plan none of whose changes is on the site is a no-op with
    a note; a rollback that would break the chain of applied plans or take access away is refused."""
    from migrate.rollback import rollback

    if not prepared.ok:
        assert prepared.problem is not None
        raise prepared.problem
    plan, spec = prepared.plan, prepared.spec
    assert plan is not None
    base = {**_base(prepared, "rollback"), "grants_added": 0, "grants_removed": 0}
    if plan.empty:
        return SiteOutcome(**base, status="clean", exit_code=EXIT_OK, message="nothing to roll back: the plan has no changes")
    client = client_factory(spec, spec.credentials(env))
    try:
        extra: dict[str, Any] = {} if spec.max_rps is None else {"max_rps": spec.max_rps}
        result = rollback(
            client,
            prepared.plan_path,
            **extra,
            concurrency=spec.concurrency or DEFAULT_CONCURRENCY,
            stop=stop,
            store_root=store_root,
            progress=progress,
        )
        requests = client.request_count
    finally:
        client.close()
    counts = {k: v for k, v in result.counts.items() if v}
    deleted = sum(o.deleted for o in result.schemes)
    recreated = sum(o.recreated for o in result.schemes)
    base.update(grants_added=recreated, grants_removed=deleted)
    hint = None
    if not result.schemes:
        status, state = "clean", DONE
        msg = "; ".join(result.notes) or "nothing to roll back"
    elif result.exit_code == EXIT_OK:
        status, state = "rolled-back", DONE
        msg = ", ".join(f"{n} {k}" for k, n in counts.items())
    else:
        status, state = "partial", PARTIAL
        first = next(o for o in result.schemes if not o.ok)
        msg = ", ".join(f"{n} {k}" for k, n in counts.items()) + f"; scheme {first.scheme_id} {first.scheme_name!r}: {first.reason}"
        hint = f"re-run `migrate sites rollback {sites_file} --only {spec.name}` to retry; drifted schemes need a look"
    return SiteOutcome(
        **base,
        status=status,
        state=state,
        exit_code=result.exit_code,
        message=redact(msg),
        hint=hint,
        requests=requests,
        details={
            "counts": result.counts,
            "journal": str(result.journal_path) if result.journal_path else None,
            "archived_to": str(result.archived_to) if result.archived_to else None,
            "schemes": [o.to_json() for o in result.schemes],
            "notes": list(result.notes),
        },
    )


def _run_prepared(
    prepared: Sequence[PreparedSite],
    action: str,
    work: Callable[[PreparedSite, threading.Event, Progress | None], SiteOutcome],
    parallel: int,
    on_event: Event | None,
    plans_dir: Path | None,
    *,
    progress: Progress | None = None,
    interruptible: bool = False,
    weigh: Callable[[PreparedSite], int] = lambda p: 1,
    work_stage: str | None = None,
    unit: str = "sites",
) -> BulkResult:
    by_name = {p.spec.name: p for p in prepared}
    stop = threading.Event()
    bulk = None
    if progress is not None:
        report = progress
        # after Ctrl-C the executors settle what they will not write as "done": a line saying 100% would be false
        quiet: Progress = lambda stage, done, total: None if stop.is_set() else report(stage, done, total)  # noqa: E731
        bulk = BulkProgress(f"sites {action} ({unit})", {p.spec.name: weigh(p) for p in prepared}, quiet, work_stage=work_stage)

    def one(spec: SiteSpec) -> SiteOutcome:
        p = by_name[spec.name]
        try:
            return work(p, stop, bulk.for_site(spec.name) if bulk else None)
        except Exception as e:  # noqa: BLE001 - the site's row, not the run's end
            keep = {k: v for k, v in _base(p, action).items() if k not in ("site", "url", "action")}
            if action in ("apply", "rollback"):  # the row counts grants written; a failed site's plan stays in the file
                keep.update(grants_added=0, grants_removed=0)
            return _error_outcome(spec, action, e, **keep)

    def skipped(spec: SiteSpec) -> SiteOutcome:
        base = _base(by_name[spec.name], action)
        base.update(grants_added=0, grants_removed=0)
        return SiteOutcome(**base, status="skipped", exit_code=EXIT_ERROR, state=SKIPPED)

    outcomes, interrupted = _run_all(
        [p.spec for p in prepared],
        one,
        action,
        parallel,
        on_event,
        stop=stop if interruptible else None,
        progress=bulk,
        skipped=skipped,
    )
    return BulkResult(action=action, outcomes=outcomes, plans_dir=plans_dir, interrupted=interrupted)


def _sites_file(prepared: Sequence[PreparedSite]) -> str:
    src = prepared[0].spec.source if prepared else ""
    return src if src and src != "sites file" else "SITES.toml"


def apply_sites(
    prepared: Sequence[PreparedSite],
    *,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    force: bool = False,
    on_event: Event | None = None,
    plans_dir: Path | None = None,
    store_root: Path | None = None,
    progress: Progress | None = None,
) -> BulkResult:
    """Apply each prepared site's plan, several sites at once; sites that could not be prepared are errors.
    Ctrl-C stops every site before its next write; the result says which sites got how far."""
    sites_file = _sites_file(prepared)
    return _run_prepared(
        prepared,
        "apply",
        lambda p, stop, prog: apply_site(
            p, env=env, client_factory=client_factory, force=force, stop=stop, store_root=store_root,
            progress=prog, sites_file=sites_file,
        ),
        parallel,
        on_event,
        plans_dir,
        progress=progress,
        interruptible=True,
        weigh=lambda p: max(1, sum(len(c.operations) for c in p.plan.changes)) if p.ok and p.plan else 1,
        work_stage="apply",
        unit="grant writes",
    )


def verify_sites(
    prepared: Sequence[PreparedSite],
    *,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    on_event: Event | None = None,
    plans_dir: Path | None = None,
    progress: Progress | None = None,
) -> BulkResult:
    return _run_prepared(
        prepared,
        "verify",
        lambda p, stop, prog: verify_site(p, env=env, client_factory=client_factory),
        parallel,
        on_event,
        plans_dir,
        progress=progress,
    )


def rollback_sites(
    prepared: Sequence[PreparedSite],
    *,
    parallel: int = DEFAULT_PARALLEL,
    env: Mapping[str, str] | None = None,
    client_factory: ClientFactory = make_site_client,
    on_event: Event | None = None,
    plans_dir: Path | None = None,
    store_root: Path | None = None,
    progress: Progress | None = None,
) -> BulkResult:
    """Roll back each site's applied plan, several sites at once, one summary (exit codes as apply)."""
    sites_file = _sites_file(prepared)
    return _run_prepared(
        prepared,
        "rollback",
        lambda p, stop, prog: rollback_site(
            p, env=env, client_factory=client_factory, stop=stop, store_root=store_root,
            progress=None, sites_file=sites_file,
        ),
        parallel,
        on_event,
        plans_dir,
        progress=progress,
        interruptible=True,
    )
