"""Rate limits in Redis (full runtime): one budget shared by every API process.

One Lua script runs the GCRA step of `core/domain/gcra.py` atomically on Redis' own clock, so
processes on different hosts agree and no race can let two calls take the last slot. redis-py
sends it with EVALSHA (loading it once on NOSCRIPT): one round trip per call, on a pooled
connection with short timeouts.

Redis unreachable: the call is allowed (fail open, `enforced=False`), a warning is logged at most
once a minute, and Redis is not asked again for `retry_after_failure_s`, so an outage costs the
API neither errors nor a timeout per request.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.domain.gcra import MICROSECONDS, emission_interval_us
from core.domain.rate_limits import RateDecision, RateLimit, not_enforced

log = logging.getLogger(__name__)

# KEYS[1] the bucket; ARGV[1] emission interval (µs); ARGV[2] count; ARGV[3] calls wanted (a
# lease, leased_rate_limiter.py; 1 for one call). Takes as many of them as the bucket allows now,
# at least one or none. Returns {allowed 0|1, remaining, retry_after_us, reset_us, taken}. With
# ARGV[3] = 1 it is exactly the GCRA step of core/domain/gcra.py.
GCRA_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local capacity = interval * tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local available = math.floor((capacity - (tat - now)) / interval)
if available < 1 then
  return {0, 0, tat + interval - capacity - now, tat - now, 0}
end
local taken = math.min(tonumber(ARGV[3]), available)
local new_tat = tat + taken * interval
local ttl = new_tat - now
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil(ttl / 1000))
return {1, math.floor((capacity - ttl) / interval), 0, ttl, taken}
"""


class RedisRateLimiter:
    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "eqv:rl",
        retry_after_failure_s: float = 1.0,
        warn_every_s: float = 60.0,
    ) -> None:
        self._client = client
        self._script = client.register_script(GCRA_LUA)
        self._prefix = prefix
        self._retry_after_failure_s = retry_after_failure_s
        self._warn_every_s = warn_every_s
        self._lock = threading.Lock()
        self._skip_until = 0.0
        self._next_warning = 0.0
        self.failures = 0

    @classmethod
    def from_url(
        cls, url: str, prefix: str = "eqv:rl", timeout_s: float = 0.25, retry_after_failure_s: float = 1.0
    ) -> RedisRateLimiter:
        client = redis.Redis.from_url(
            url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 0),  # a retry would double the wait of a request; fail open instead
            health_check_interval=30,
        )
        return cls(client, prefix, retry_after_failure_s)

    def hit(self, key: str, limit: RateLimit) -> RateDecision:
        return self.take(key, limit, 1)[0]

    def hit_now(self, key: str, limit: RateLimit) -> RateDecision | None:
        return None  # every call is a round trip to Redis

    def take(self, key: str, limit: RateLimit, wanted: int) -> tuple[RateDecision, int]:
        """Up to `wanted` calls at once in one round trip (a lease): the decision as of the
        last one taken, and how many were taken (0 when refused or not enforced)."""
        if time.monotonic() < self._skip_until:
            return not_enforced(limit), 0
        try:
            allowed, remaining, retry_us, reset_us, taken = self._script(
                keys=[f"{self._prefix}:{key}"], args=[emission_interval_us(limit), limit.count, wanted]
            )
        except redis.RedisError as exc:
            self._failed(exc)
            return not_enforced(limit), 0
        decision = RateDecision(bool(allowed), limit.count, int(remaining), retry_us / MICROSECONDS, reset_us / MICROSECONDS)
        return decision, int(taken)

    def close(self) -> None:
        self._client.close()

    def _failed(self, exc: redis.RedisError) -> None:
        now = time.monotonic()
        with self._lock:
            self.failures += 1
            self._skip_until = now + self._retry_after_failure_s
            if now < self._next_warning:
                return
            self._next_warning = now + self._warn_every_s
            failures = self.failures
        log.warning(
            "rate limit store unreachable (%s); calls are allowed unlimited until it answers (%d failures so far)",
            type(exc).__name__,
            failures,
        )
