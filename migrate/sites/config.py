"""The sites file: parse and validate it (line numbers in every message), the site entries it names, and
the offline check of their environment variables. The file names environment variables; it never holds
secrets (a value that looks like one is refused)."""

from __future__ import annotations

import difflib
import fnmatch
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from migrate.credentials import Credentials, EnvNames
from migrate.errors import (
    ConfigError,
)
from migrate.jira.client import normalise_site_url
from migrate.model import Scheme
from migrate.plan import MODES
from migrate.rules import Rule, resolve_rule
from migrate.siteurl import site_key
from migrate.store import read_user_text

CONCURRENCY_RANGE = (1, 16)
MAX_RPS_LIMIT = 1000.0
MAX_SCHEME_ID = 2**63

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


