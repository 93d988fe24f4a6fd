"""Fault injection for the sandbox: a small spec language and a seeded injector.

Grammar (whitespace is ignored; items are separated by ``,`` or ``;``)::

    spec     := item ("," item)*
    item     := rule | setting
    rule     := KIND ["@" scope] "=" amount
    KIND     := 429 | 500 | 502 | 503 | 504 | 5xx | reset
              | lost-post | lost-delete | lost-write | admin-edit
    scope    := METHOD | METHOD ":" PATH | PATH        METHOD: GET POST PUT DELETE or *
                                                       PATH: a glob, relative to /rest/api/N, matched
                                                       against the route template or the actual path
    amount   := probability (0.05 or 5%) | N "x" (exactly the next N matching requests)
    setting  := latency=MS | latency=MIN-MAX           added to every API request, in milliseconds
              | retry-after=S                          Retry-After seconds on injected 429/503 (default 1; 0 ok)
              | retry-after-503=P                      share of injected 503s that carry Retry-After (0.5)
              | lost-mode=reset|502|504|mix            how a lost write fails after committing (mix)
              | seed=N                                 RNG seed, so a run is reproducible (0)

Kinds:
  ``429``            a rate-limit burst: 429 with Retry-After; the client identity is then penalised until
                     Retry-After elapses (requests before that get 429 too and count as early retries)
  ``500/502/503/504`` an error before anything is done; ``5xx`` picks one of 500/502/503
  ``reset``          the connection is reset (RST, no response) before anything is done
  ``lost-post``      POST /permissionscheme/{id}/permission: the grant IS created, then the response is
                     lost (reset or 502, see lost-mode). The hardest case for a retrying client
  ``lost-delete``    the same for DELETE of a grant: the grant IS deleted, then the response is lost
  ``lost-write``     the same for any write (POST, PUT, DELETE)
  ``admin-edit``     after a request that touches a scheme, "another admin" edits that scheme: adds a
                     BROWSE_PROJECTS grant for a group, removes a BROWSE_PROJECTS grant, or adds a VIEW_*
                     grant the tool is about to add (the site's drift between plan and apply)

Examples: ``429=0.1,5xx=0.05,reset=0.02,lost-post=0.1,retry-after=0,seed=7``,
``503@GET=0.2``, ``lost-post=1x``, ``reset@POST:/permissionscheme/*/permission=3x``, ``latency=20-80``.
Faults never apply to the control API (/_sandbox/...).
"""

from __future__ import annotations

import fnmatch
import random
import re
from dataclasses import dataclass, field, replace
from typing import Any

RULE_KINDS = ("429", "500", "502", "503", "504", "5xx", "reset", "lost-post", "lost-delete", "lost-write",
              "admin-edit")
SETTINGS = ("latency", "retry-after", "retry-after-503", "lost-mode", "seed")
METHODS = ("GET", "POST", "PUT", "DELETE", "*")
LOST_MODES = ("reset", "502", "504", "mix")


class FaultSpecError(ValueError):
    pass


@dataclass
class FaultRule:
    kind: str
    method: str | None = None  # None = any
    path: str | None = None  # glob relative to the API root
    probability: float | None = None
    count: int | None = None  # remaining deterministic hits ("Nx")

    def matches(self, method: str, template: str | None, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self.path is not None:
            if not (fnmatch.fnmatchcase(path, self.path) or (template and fnmatch.fnmatchcase(template, self.path))):
                return False
        return True

    def describe(self) -> str:
        scope = ""
        if self.method or self.path:
            scope = "@" + ":".join(x for x in (self.method, self.path) if x)
        amount = f"{self.count}x" if self.count is not None else f"{self.probability:g}"
        return f"{self.kind}{scope}={amount}"


@dataclass
class FaultConfig:
    rules: list[FaultRule] = field(default_factory=list)
    latency_ms: tuple[float, float] = (0.0, 0.0)
    retry_after: int = 1
    retry_after_503: float = 0.5
    lost_mode: str = "mix"
    seed: int = 0

    @property
    def spec(self) -> str:
        parts = [r.describe() for r in self.rules]
        lo, hi = self.latency_ms
        if hi > 0:
            parts.append(f"latency={lo:g}" if lo == hi else f"latency={lo:g}-{hi:g}")
        if self.retry_after != 1:
            parts.append(f"retry-after={self.retry_after}")
        if self.retry_after_503 != 0.5:
            parts.append(f"retry-after-503={self.retry_after_503:g}")
        if self.lost_mode != "mix":
            parts.append(f"lost-mode={self.lost_mode}")
        if self.seed:
            parts.append(f"seed={self.seed}")
        return ",".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "rules": [
                {"kind": r.kind, "method": r.method, "path": r.path, "probability": r.probability,
                 "remaining": r.count}
                for r in self.rules
            ],
            "latency_ms": list(self.latency_ms),
            "retry_after": self.retry_after,
            "retry_after_503": self.retry_after_503,
            "lost_mode": self.lost_mode,
            "seed": self.seed,
        }


_ITEM = re.compile(r"^(?P<kind>[A-Za-z0-9.\-]+)(?:@(?P<scope>[^=]+))?=(?P<value>.+)$")


def _probability(text: str, item: str) -> float:
    try:
        p = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise FaultSpecError(f"{item!r}: {text!r} is not a probability (0.05, 5%) or a count (3x)") from None
    if not 0.0 <= p <= 1.0:
        raise FaultSpecError(f"{item!r}: a probability must be between 0 and 1")
    return p


def parse_faults(spec: str | FaultConfig | None, *, latency_ms: float = 0) -> FaultConfig:
    """Parse a fault spec (see the module docstring). ``latency_ms`` adds a fixed base latency."""
    if isinstance(spec, FaultConfig):
        cfg = spec
    else:
        cfg = FaultConfig()
        text = (spec or "").strip()
        for raw in re.split(r"[,;]", text) if text else []:
            item = "".join(raw.split())
            if not item:
                continue
            m = _ITEM.match(item)
            if not m:
                raise FaultSpecError(f"{item!r}: expected KIND[@SCOPE]=VALUE")
            kind, scope, value = m.group("kind").lower(), m.group("scope"), m.group("value")
            if kind in SETTINGS:
                if scope:
                    raise FaultSpecError(f"{item!r}: {kind} takes no scope")
                _setting(cfg, kind, value, item)
                continue
            if kind not in RULE_KINDS:
                raise FaultSpecError(
                    f"{item!r}: unknown fault {kind!r}; known: {', '.join(RULE_KINDS + SETTINGS)}")
            rule = FaultRule(kind)
            if scope:
                rule.method, rule.path = _scope(scope, item)
            if re.fullmatch(r"\d+x", value, flags=re.I):
                rule.count = int(value[:-1])
            else:
                rule.probability = _probability(value, item)
            cfg.rules.append(rule)
    if latency_ms:
        lo, hi = cfg.latency_ms
        cfg.latency_ms = (lo + float(latency_ms), hi + float(latency_ms))
    return cfg


def _scope(scope: str, item: str) -> tuple[str | None, str | None]:
    method, path = None, None
    if scope.startswith("/"):
        path = scope
    elif ":" in scope:
        method, path = scope.split(":", 1)
    else:
        method = scope
    if method is not None:
        method = method.upper()
        if method not in METHODS:
            raise FaultSpecError(f"{item!r}: {method!r} is not one of {', '.join(METHODS)}")
        if method == "*":
            method = None
    if path is not None and not path.startswith("/"):
        raise FaultSpecError(f"{item!r}: a path scope starts with '/' (relative to /rest/api/N)")
    return method, path


def _setting(cfg: FaultConfig, kind: str, value: str, item: str) -> None:
    try:
        if kind == "latency":
            if "-" in value:
                lo, hi = (float(x) for x in value.split("-", 1))
            else:
                lo = hi = float(value)
            if lo < 0 or hi < lo:
                raise ValueError
            cfg.latency_ms = (lo, hi)
        elif kind == "retry-after":
            ra = int(value)
            if ra < 0:
                raise ValueError
            cfg.retry_after = ra
        elif kind == "retry-after-503":
            cfg.retry_after_503 = _probability(value, item)
        elif kind == "lost-mode":
            if value.lower() not in LOST_MODES:
                raise ValueError
            cfg.lost_mode = value.lower()
        elif kind == "seed":
            cfg.seed = int(value)
    except FaultSpecError:
        raise
    except ValueError:
        raise FaultSpecError(f"{item!r}: bad value for {kind}") from None


LOST_KINDS = {"lost-post", "lost-delete", "lost-write"}
GRANT_TEMPLATE_SUFFIX = "/permissionscheme/{schemeId}/permission"
GRANT_ITEM_SUFFIX = "/permissionscheme/{schemeId}/permission/{permissionId}"


class FaultInjector:
    """Draws faults for one request at a time. Callers serialise calls (the sandbox lock)."""

    def __init__(self, config: FaultConfig):
        self.config = config  # left untouched, so a reset re-arms "Nx" rules
        self.rules = [replace(r) for r in config.rules]  # these count down
        self.rng = random.Random(config.seed)

    def remaining(self) -> list[int | None]:
        return [r.count for r in self.rules]

    def _fire(self, rule: FaultRule) -> bool:
        if rule.count is not None:
            if rule.count > 0:
                rule.count -= 1
                return True
            return False
        return self.rng.random() < (rule.probability or 0.0)

    def draw(self, kinds: tuple[str, ...], method: str, template: str | None, path: str) -> str | None:
        """The first rule of the given kinds that fires for this request (rules are tried in spec order)."""
        for rule in self.rules:
            if rule.kind in kinds and rule.matches(method, template, path) and self._fire(rule):
                return rule.kind
        return None

    def draw_lost(self, method: str, template: str | None, path: str) -> str | None:
        kinds = ["lost-write"] if method != "GET" else []
        if method == "POST" and template and template.endswith(GRANT_TEMPLATE_SUFFIX):
            kinds.append("lost-post")
        if method == "DELETE" and template and template.endswith(GRANT_ITEM_SUFFIX):
            kinds.append("lost-delete")
        return self.draw(tuple(kinds), method, template, path) if kinds else None

    def pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def latency_seconds(self) -> float:
        lo, hi = self.config.latency_ms
        if hi <= 0:
            return 0.0
        return (lo if lo == hi else self.rng.uniform(lo, hi)) / 1000.0

    def lost_failure(self) -> str:
        mode = self.config.lost_mode
        return self.rng.choice(("reset", "502")) if mode == "mix" else mode
