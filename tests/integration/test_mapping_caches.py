"""Mapping caches: Redis (full runtime) and memory (embedded), and the CachedMapper over them."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import pytest
import redis
from adapters.mappers.cached_mapper import CachedMapper, cache_key
from adapters.mappers.memory_mapping_cache import MemoryMappingCache
from adapters.mappers.redis_mapping_cache import RedisMappingCache
from adapters.mappers.tiered_mapping_cache import TieredMappingCache
from adapters.mappers.write_behind import WriteBehind
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
    assert mapper.map("Limites", TAXONOMY) == MATCHES
    assert cache.errors == 2 and cache.misses == 1 and not cache.ping()  # one try for the get, one for the set


def test_same_version_name_with_other_concepts_is_another_cache_entry(cache) -> None:  # type: ignore[no-untyped-def]
    # two tenants may own different taxonomies under one version name: no shared mapping
    inner = CountingMapper(version=f"counting-{uuid.uuid4().hex[:6]}")
    mapper = CachedMapper(inner, cache)
    mapper.map("Limites", TAXONOMY)
    mapper.map("Limites", Taxonomy(TAXONOMY.version, (TaxonomyNode("b", "x", "y", "Derivadas"),)))
    assert inner.calls == 2
    mapper.map("Limites", Taxonomy(TAXONOMY.version, TAXONOMY.nodes))  # same content, new object
    assert inner.calls == 2


class RecordingShared:
    def __init__(self) -> None:
        self.batches: list[list[tuple[str, tuple[ConceptMatch, ...]]]] = []
        self.release = threading.Event()

    def get(self, key: str) -> tuple[ConceptMatch, ...] | None:
        return None

    def set(self, key: str, matches: tuple[ConceptMatch, ...]) -> None:
        raise AssertionError("a write-behind tier never writes on the request path")

    def set_many(self, entries: list[tuple[str, tuple[ConceptMatch, ...]]]) -> None:
        self.release.wait(5)
        self.batches.append(list(entries))


def test_write_behind_leaves_the_request_path_and_pipelines_what_queued_up() -> None:
    shared = RecordingShared()
    writer = WriteBehind(shared)
    tiered = TieredMappingCache(MemoryMappingCache(), shared, writer)
    for i in range(5):
        tiered.set(f"k{i}", MATCHES)  # returns at once although the shared write is held
    assert tiered.get("k3") == MATCHES  # the local copy answers meanwhile
    shared.release.set()
    writer.flush()
    written = [key for batch in shared.batches for key, _ in batch]
    assert written == [f"k{i}" for i in range(5)] and len(shared.batches) <= 2


def test_write_behind_drops_beyond_its_bound_and_never_blocks() -> None:
    shared = RecordingShared()
    writer = WriteBehind(shared, max_pending=2)
    for i in range(10):
        writer.submit(f"k{i}", MATCHES)
    assert 5 <= writer.dropped <= 8  # up to three in the writer's hands, two queued
    shared.release.set()
    writer.flush()


def test_write_behind_with_redis_down_still_answers_and_counts_the_failure() -> None:
    shared = RedisMappingCache.from_url("redis://127.0.0.1:1/0", timeout_seconds=0.1)
    writer = WriteBehind(shared)
    mapper = CachedMapper(CountingMapper(), TieredMappingCache(MemoryMappingCache(), shared, writer))
    assert mapper.map("Limites", TAXONOMY) == MATCHES
    assert mapper.map("Limites", TAXONOMY) == MATCHES  # the local tier answers the second time
    writer.flush()
    assert shared.errors == 2 and shared.misses == 1  # the GET that missed, the SET behind


def test_write_behind_reaches_redis_in_one_pipelined_round_trip(redis_url: str) -> None:
    shared = RedisMappingCache.from_url(redis_url)
    writer = WriteBehind(shared)
    keys = [f"eqv:test:{uuid.uuid4().hex}" for _ in range(3)]
    shared.set_many([(k, MATCHES) for k in keys])
    writer.submit(keys[0], MATCHES)
    writer.flush()
    reader = RedisMappingCache.from_url(redis_url)
    assert [reader.get(k) for k in keys] == [MATCHES] * 3 and shared.errors == 0
