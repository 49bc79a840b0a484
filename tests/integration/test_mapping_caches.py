"""Mapping caches: Redis (full runtime) and memory (embedded), and the CachedMapper over them."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import pytest
import redis
from adapters.mappers.cached_mapper import CachedMapper, cache_key
from adapters.mappers.memory_mapping_cache import MemoryMappingCache
from adapters.mappers.redis_mapping_cache import RedisMappingCache
from adapters.mappers.tiered_mapping_cache import TieredMappingCache
from core.domain.model import ConceptMatch, Taxonomy, TaxonomyNode

TAXONOMY = Taxonomy("cache-test-1", (TaxonomyNode("a", "x", "y", "Limites"),))
MATCHES = (ConceptMatch("a", 0.9, ("Limites e continuidade",)), ConceptMatch("b", 0.55, ()))


@dataclass
class CountingMapper:
    version: str = "counting-1"
    calls: int = 0

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        self.calls += 1
        return MATCHES


@pytest.fixture(autouse=True)
def forget_test_keys(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Leave the shared Redis as it was: delete the keys these tests wrote."""
    yield
    if "redis_url" in request.fixturenames:
        client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        for pattern in ("eqv:test:*", "eqv:map:counting-*"):
            for key in client.scan_iter(pattern):
                client.delete(key)
        client.close()


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if request.param == "memory":
        return MemoryMappingCache()
    return RedisMappingCache.from_url(request.getfixturevalue("redis_url"))


def test_tiered_cache_reads_shared_entries_once_and_keeps_a_local_copy(redis_url: str) -> None:
    key = f"eqv:test:{uuid.uuid4().hex}"
    RedisMappingCache.from_url(redis_url).set(key, MATCHES)  # written by another process
    shared = RedisMappingCache.from_url(redis_url)
    tiered = TieredMappingCache(MemoryMappingCache(), shared)
    assert tiered.get(key) == MATCHES and tiered.get(key) == MATCHES
    assert shared.hits == 1
    other = f"eqv:test:{uuid.uuid4().hex}"
    tiered.set(other, MATCHES)
    assert RedisMappingCache.from_url(redis_url).get(other) == MATCHES


def test_round_trip_and_counters(cache) -> None:  # type: ignore[no-untyped-def]
    key = f"eqv:test:{uuid.uuid4().hex}"
    assert cache.get(key) is None and cache.misses == 1
    cache.set(key, MATCHES)
    assert cache.get(key) == MATCHES and cache.hits == 1


def test_cached_mapper_maps_once_per_text_taxonomy_and_mapper_version(cache) -> None:  # type: ignore[no-untyped-def]
    inner = CountingMapper(version=f"counting-{uuid.uuid4().hex[:6]}")
    mapper = CachedMapper(inner, cache)
    assert mapper.map("Limites e continuidade", TAXONOMY) == MATCHES
    assert mapper.map("Limites e continuidade", TAXONOMY) == MATCHES
    assert inner.calls == 1
    mapper.map("Limites e continuidade", Taxonomy("cache-test-2", TAXONOMY.nodes))
    assert inner.calls == 2


def test_keys_differ_by_every_component() -> None:
    keys = {cache_key("t", "v1", "m1"), cache_key("t", "v2", "m1"), cache_key("t", "v1", "m2"), cache_key("u", "v1", "m1")}
    assert len(keys) == 4


def test_unreachable_redis_is_a_miss_not_a_failure() -> None:
    cache = RedisMappingCache.from_url("redis://127.0.0.1:1/0", timeout_seconds=0.1)
    inner = CountingMapper()
    mapper = CachedMapper(inner, cache)
    started = time.monotonic()
    assert mapper.map("Limites", TAXONOMY) == MATCHES
    assert time.monotonic() - started < 1.0
    assert cache.errors == 2 and cache.misses == 1 and not cache.ping()
