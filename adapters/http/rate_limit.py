"""Rate limits on authenticated routes: 429 with Retry-After, and X-RateLimit-* on every answer.

The check runs inside the `principal` dependency, right after authentication and the role
check, because the budget belongs to the caller's tenant+role and the route's group. Public
routes (/health, /ready, /metrics, /schema) take no principal, so they are never limited.

A route names its group in `opt={"rate_group": RouteGroup...}` (a controller's opt applies to
its routes); without one, /admin paths are `admin`, GET/HEAD are `read`, anything else `evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from core.domain.rate_limits import RateDecision, RateLimit, RateLimitPolicy, RouteGroup, bucket_key
from core.domain.records import Principal
from core.ports.rate_limiter import RateLimiter

RATE_GROUP = "rate_group"
STATE_KEY = "rate_limit"


def rate_group_of(request: Request[Any, Any, Any]) -> RouteGroup:
    declared = request.route_handler.opt.get(RATE_GROUP)
    if declared is not None:
        return RouteGroup(declared)
    if request.scope["path"].startswith("/admin"):
        return RouteGroup.ADMIN
    return RouteGroup.READ if request.method in ("GET", "HEAD") else RouteGroup.EVALUATE


def rate_limited(
    provide_principal: Callable[[Request[Any, Any, Any]], Principal],
    limiter: RateLimiter,
    policy: RateLimitPolicy,
) -> Callable[[Request[Any, Any, Any]], Principal]:
    """Wrap the `principal` dependency: authenticate, then count the call against its budget."""

    def provide_limited_principal(request: Request[Any, Any, Any]) -> Principal:
        principal = provide_principal(request)
        limit, group = _limit(request, principal, policy)
        if limit is not None:
            _enforce(request, limiter.hit(bucket_key(principal.tenant_id, principal.role, group), limit), limit, group)
        return principal

    return provide_limited_principal


def rate_limited_now(
    provide_known: Callable[[Request[Any, Any, Any]], Principal | None],
    limiter: RateLimiter,
    policy: RateLimitPolicy,
) -> Callable[[Request[Any, Any, Any]], Principal | None]:
    """`rate_limited` without I/O, for the event loop: a known principal whose call the limiter
    can count now (`hit_now`), else None and nothing counted (then `rate_limited` in a thread)."""

    def provide_limited_known(request: Request[Any, Any, Any]) -> Principal | None:
        principal = provide_known(request)
        if principal is None:
            return None
        limit, group = _limit(request, principal, policy)
        if limit is None:
            return principal
        decision = limiter.hit_now(bucket_key(principal.tenant_id, principal.role, group), limit)
        if decision is None:
            return None
        _enforce(request, decision, limit, group)
        return principal

    return provide_limited_known


def _limit(request: Request[Any, Any, Any], principal: Principal, policy: RateLimitPolicy) -> tuple[RateLimit | None, RouteGroup]:
    group = rate_group_of(request)
    return policy.limit_for(principal.tenant_id, principal.role, group), group


def _enforce(request: Request[Any, Any, Any], decision: RateDecision, limit: RateLimit, group: RouteGroup) -> None:
    if decision.enforced:
        request.scope.setdefault("state", {})[STATE_KEY] = decision
    if not decision.allowed:
        raise TooManyRequestsException(
            detail=f"Rate limit exceeded: {limit} for '{group.value}' calls of this tenant and role",
            headers={"Retry-After": str(decision.retry_after_header)},
        )


def rate_limit_headers_middleware(app: ASGIApp) -> ASGIApp:
    """Add X-RateLimit-Limit/Remaining to the answer of any call that was counted."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                decision: RateDecision | None = scope.get("state", {}).get(STATE_KEY)
                if decision is not None:
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"x-ratelimit-limit", str(decision.limit).encode()),
                        (b"x-ratelimit-remaining", str(decision.remaining).encode()),
                    ]
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
