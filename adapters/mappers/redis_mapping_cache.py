"""Mapping cache in Redis (full runtime): shared by every web and worker process.

A cache must never make an evaluation fail or wait: Redis errors count as misses (and
are counted), and the client's socket timeouts are short.
"""

from __future__ import annotations

import json
import logging
import threading

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.domain.model import ConceptMatch
from core.ports.metrics import Metrics

log = logging.getLogger(__name__)


class RedisMappingCache:
    def __init__(self, client: redis.Redis, ttl_seconds: int = 7 * 24 * 3600, metrics: Metrics | None = None) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._metrics = metrics
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.errors = 0

    @classmethod
    def from_url(cls, url: str, timeout_seconds: float = 0.2, metrics: Metrics | None = None) -> RedisMappingCache:
        client = redis.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),  # redis-py retries with backoff by default: a cache must not wait
            health_check_interval=30,
        )
        return cls(client, metrics=metrics)

    def get(self, key: str) -> tuple[ConceptMatch, ...] | None:
        try:
            raw = self._client.get(key)
        except redis.RedisError as exc:
            self._count_error("get", exc)
            self._count("misses")
            return None
        if raw is None:
            self._count("misses")
            return None
        self._count("hits")
        return tuple(ConceptMatch(m["node_id"], m["confidence"], tuple(m["evidence"])) for m in json.loads(raw))

    def set(self, key: str, matches: tuple[ConceptMatch, ...]) -> None:
        self.set_many([(key, matches)])

    def set_many(self, entries: list[tuple[str, tuple[ConceptMatch, ...]]]) -> None:
        """Write entries in one round trip (a pipeline, not a transaction)."""
        try:
            if len(entries) == 1:
                key, matches = entries[0]
                self._client.set(key, _encode(matches), ex=self._ttl)
                return
            pipe = self._client.pipeline(transaction=False)
            for key, matches in entries:
                pipe.set(key, _encode(matches), ex=self._ttl)
            pipe.execute()
        except redis.RedisError as exc:
            self._count_error("set", exc)

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except redis.RedisError:
            return False

    def _count(self, counter: str) -> None:
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)
        if self._metrics is not None and counter != "errors":
            self._metrics.cache_lookup("redis", hit=counter == "hits")

    def _count_error(self, operation: str, exc: redis.RedisError) -> None:
        self._count("errors")
        if self._metrics is not None:
            self._metrics.cache_error("redis", operation)
        log.warning("mapping cache %s failed (%s); treated as a miss", operation, type(exc).__name__)


def _encode(matches: tuple[ConceptMatch, ...]) -> str:
    return json.dumps(
        [{"node_id": m.node_id, "confidence": m.confidence, "evidence": list(m.evidence)} for m in matches],
        ensure_ascii=False,
    )
