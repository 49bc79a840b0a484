"""Which rate limit applies to a call: per tenant, role and route group.

Every tenant+role+group pair has a budget of its own (`bucket_key`), so one tenant cannot use up
another's, an auditor reading cannot starve a client evaluating, and heavy evaluate traffic
leaves reads and admin calls alone. The counting itself is `core/domain/gcra.py`.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass

from core.domain.records import Role

_UNITS = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


class RouteGroup(str, enum.Enum):
    """Routes that cost alike share a budget: evaluations, batch submissions, reads, admin calls."""

    EVALUATE = "evaluate"
    BATCH = "batch"
    READ = "read"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class RateLimit:
    """`count` calls per `period_s` seconds, sustained; up to `count` at once after a pause."""

    count: int
    period_s: int

    def __post_init__(self) -> None:
        if self.count < 1 or self.period_s < 1:
            raise ValueError(f"a rate limit needs count >= 1 and period >= 1 s, got {self.count}/{self.period_s}s")

    def __str__(self) -> str:
        unit = _UNITS.get(self.period_s)
        return f"{self.count}/{unit}" if unit else f"{self.count}/{self.period_s}s"


@dataclass(frozen=True, slots=True)
class RateDecision:
    """The answer to one hit. `enforced` is False when the store could not be asked (fail open)."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: float
    reset_s: float
    enforced: bool = True

    @property
    def retry_after_header(self) -> int:
        """Whole seconds, at least 1: clients that retry at once would only be refused again."""
        return max(1, math.ceil(self.retry_after_s))


def not_enforced(limit: RateLimit) -> RateDecision:
    """The store is unreachable: let the call through rather than fail it (see ADR 0011)."""
    return RateDecision(True, limit.count, limit.count, 0.0, 0.0, enforced=False)


@dataclass(frozen=True, slots=True)
class LimitOverride:
    """A limit for one tenant and/or role in one group; None in tenant_id/role matches any."""

    group: RouteGroup
    limit: RateLimit | None  # None: unlimited
    tenant_id: str | None = None
    role: Role | None = None

    def matches(self, tenant_id: str, role: Role, group: RouteGroup) -> bool:
        return (
            self.group == group
            and (self.tenant_id is None or self.tenant_id == tenant_id)
            and (self.role is None or self.role == role)
        )

    @property
    def specificity(self) -> tuple[bool, bool]:
        """A tenant named beats a role named, and both beat either alone."""
        return (self.tenant_id is not None, self.role is not None)


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    """Defaults per group, refined by overrides; None means the group is not limited."""

    defaults: Mapping[RouteGroup, RateLimit | None]
    overrides: tuple[LimitOverride, ...] = ()

    def limit_for(self, tenant_id: str, role: Role, group: RouteGroup) -> RateLimit | None:
        """The most specific override that matches, else the group's default."""
        matching = [o for o in self.overrides if o.matches(tenant_id, role, group)]
        if matching:
            return max(matching, key=lambda o: o.specificity).limit
        return self.defaults.get(group)


def bucket_key(tenant_id: str, role: Role, group: RouteGroup) -> str:
    """One budget per tenant+role+group. Role and group come from closed sets and close the
    key, so a tenant id containing ':' cannot collide with another tenant's bucket."""
    return f"{tenant_id}:{role.value}:{group.value}"
