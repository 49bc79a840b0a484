"""Rate limit settings, from the environment (read when a process starts).

EQV_RATE_LIMITS_ENABLED      "false" turns rate limiting off (default true)
EQV_RATE_LIMIT_EVALUATE      POST /v1/equivalences/evaluate          (default 100000/minute)
EQV_RATE_LIMIT_BATCH         POST /v1/equivalences/batch             (default 600/minute)
EQV_RATE_LIMIT_READ          GET results, jobs and their items       (default 100000/minute)
EQV_RATE_LIMIT_ADMIN         /admin/...                              (default 6000/minute)
EQV_RATE_LIMIT_OVERRIDES     "TENANT[:ROLE]:GROUP=RATE; ..." with * for any tenant or role,
                             e.g. "acme:evaluate=1000/minute; *:auditor:read=60/minute"
EQV_RATE_LIMIT_NAMESPACE     Redis key prefix of the buckets (default "eqv:rl")
EQV_RATE_LIMIT_TIMEOUT_S     Redis socket timeout of the limiter (default 0.25)

A RATE is COUNT/UNIT (UNIT: second, minute, hour, day, or N seconds like "100/10s"), or
"unlimited". Every tenant+role+group has a budget of its own. The defaults only stop runaway
clients (see ADR 0011); set lower ones per deployment.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from core.domain.rate_limits import LimitOverride, RateLimit, RateLimitPolicy, RouteGroup
from core.domain.records import Role
from entrypoints.settings import ConfigurationError, env_number

DEFAULT_LIMITS: dict[RouteGroup, RateLimit | None] = {
    RouteGroup.EVALUATE: RateLimit(100_000, 60),
    RouteGroup.BATCH: RateLimit(600, 60),
    RouteGroup.READ: RateLimit(100_000, 60),
    RouteGroup.ADMIN: RateLimit(6_000, 60),
}
_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d*)\s*([a-z]+)\s*$")
_PERIODS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_UNLIMITED = {"unlimited", "none", "off"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    enabled: bool = True
    policy: RateLimitPolicy = field(default_factory=lambda: RateLimitPolicy(dict(DEFAULT_LIMITS)))
    namespace: str = "eqv:rl"
    redis_timeout_s: float = 0.25

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> RateLimitSettings:
        env = dict(os.environ if environ is None else environ)
        defaults = {
            group: parse_rate(env[name], name) if env.get(name) else DEFAULT_LIMITS[group]
            for group in RouteGroup
            for name in (f"EQV_RATE_LIMIT_{group.name}",)
        }
        return cls(
            enabled=env.get("EQV_RATE_LIMITS_ENABLED", "true").strip().lower() not in _FALSE,
            policy=RateLimitPolicy(defaults, parse_overrides(env.get("EQV_RATE_LIMIT_OVERRIDES", ""))),
            namespace=env.get("EQV_RATE_LIMIT_NAMESPACE") or "eqv:rl",
            redis_timeout_s=env_number(env, "EQV_RATE_LIMIT_TIMEOUT_S", 0.25, float, maximum=5.0),
        )


def parse_rate(text: str, setting: str = "rate") -> RateLimit | None:
    """"600/minute", "10 per second", "100/10s" or "unlimited" (None)."""
    value = text.strip().lower()
    if value in _UNLIMITED:
        return None
    found = _RATE.match(value)
    if not found or found.group(3) not in _PERIODS:
        raise ConfigurationError(
            f"{setting} must look like 600/minute, 10/second, 100/10s or unlimited, got {text!r}"
        )
    count, multiple, unit = int(found.group(1)), int(found.group(2) or 1), found.group(3)
    if count < 1 or multiple < 1:
        raise ConfigurationError(f"{setting} needs a count and a period of at least 1, got {text!r}")
    return RateLimit(count, multiple * _PERIODS[unit])


def parse_overrides(text: str) -> tuple[LimitOverride, ...]:
    """"acme:evaluate=1000/minute; *:auditor:read=60/minute" → overrides (';' or ',' separate)."""
    overrides = []
    for entry in filter(None, (part.strip() for part in re.split(r"[;,]", text))):
        scope, equals, rate = entry.rpartition("=")
        parts = [p.strip() for p in scope.rsplit(":", 2)] if equals else []
        if len(parts) == 2:
            parts.insert(1, "*")
        if len(parts) != 3 or not parts[0]:
            raise ConfigurationError(
                f"EQV_RATE_LIMIT_OVERRIDES entries look like TENANT:GROUP=RATE or TENANT:ROLE:GROUP=RATE, got {entry!r}"
            )
        tenant, role, group = parts
        overrides.append(
            LimitOverride(
                group=_choice(RouteGroup, group, "group"),
                limit=parse_rate(rate, f"EQV_RATE_LIMIT_OVERRIDES entry {entry!r}"),
                tenant_id=None if tenant == "*" else tenant,
                role=None if role == "*" else _choice(Role, role, "role"),
            )
        )
    return tuple(overrides)


def _choice(kind: type[RouteGroup] | type[Role], value: str, what: str):  # type: ignore[no-untyped-def]
    try:
        return kind(value.lower())
    except ValueError:
        names = ", ".join(member.value for member in kind)
        raise ConfigurationError(f"EQV_RATE_LIMIT_OVERRIDES: unknown {what} {value!r} (one of {names})") from None
