"""Jira Cloud burst rate limits: a token bucket per (client identity, endpoint template, method).

``cloud`` = GET 100/s, POST 100/s, PUT 50/s, DELETE 50/s (REFERENCE.md §6); ``N/s`` = N for every method.
The clock is injected, so tests drive the buckets with a fake clock.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

CLOUD_LIMITS = {"GET": 100.0, "POST": 100.0, "PUT": 50.0, "DELETE": 50.0}


def parse_rate_limit(spec: Any) -> dict[str, float] | None:
    """None/""/"off" -> no limit; "cloud"; "N/s" or a number; or a {method: rate} mapping."""
    if spec is None or spec is False:
        return None
    if isinstance(spec, Mapping):
        out = {str(k).upper(): float(v) for k, v in spec.items()}
        if any(v <= 0 for v in out.values()):
            raise ValueError("rate limits must be positive")
        return out
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        if spec <= 0:
            raise ValueError("a rate limit must be positive")
        return {m: float(spec) for m in CLOUD_LIMITS}
    text = str(spec).strip().lower()
    if text in ("", "off", "none", "0"):
        return None
    if text == "cloud":
        return dict(CLOUD_LIMITS)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:/s)?", text)
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"rate limit {spec!r}: expected 'cloud' or 'N/s' (N > 0)")
    return {meth: float(m.group(1)) for meth in CLOUD_LIMITS}


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # whole seconds until a token is back (0 when allowed)
    reset_in: float  # seconds until the bucket is full again


class RateLimiter:
    """Not thread-safe by itself: the sandbox calls it under its lock."""

    def __init__(self, limits: dict[str, float] | None, clock: Callable[[], float]):
        self.limits = limits
        self.clock = clock
        self.buckets: dict[tuple[str, str, str], Bucket] = {}

    @property
    def enabled(self) -> bool:
        return bool(self.limits)

    def take(self, identity: str, method: str, template: str) -> Decision | None:
        if not self.limits:
            return None
        rate = self.limits.get(method) or self.limits.get("*")
        if rate is None:
            rate = min(self.limits.values())
        capacity = max(1.0, rate)
        now = self.clock()
        key = (identity, template, method)
        b = self.buckets.get(key)
        if b is None:
            b = self.buckets[key] = Bucket(capacity, now)
        else:
            b.tokens = min(capacity, b.tokens + (now - b.updated) * rate)
            b.updated = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            return Decision(True, int(capacity), int(b.tokens), 0, (capacity - b.tokens) / rate)
        wait = (1.0 - b.tokens) / rate
        return Decision(False, int(capacity), 0, max(1, math.ceil(wait - 1e-9)), (capacity - b.tokens) / rate)

    def reset(self) -> None:
        self.buckets.clear()
