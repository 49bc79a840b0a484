"""Which tier of the mapping cache each mapper chain uses (ADR 0043).

The lexical mapper costs less than a shared-cache round trip: its chain keeps only the process's
own tier and never asks the shared one. A chain with an embedding model (a call that costs
milliseconds or a network hop) reads and fills the shared tier, so one process's mapping serves
the others.
"""

from __future__ import annotations

from adapters.mappers.cached_mapper import cache_key
from adapters.mappers.lexical_mapper import LexicalMapper
from adapters.mappers.memory_mapping_cache import MemoryMappingCache
from adapters.mappers.taxonomy_json import load_default_taxonomy
from adapters.mappers.tiered_mapping_cache import TieredMappingCache, local_tier
from core.domain.model import ConceptMatch
from entrypoints.mapper_chain import build_mapper_chain
from entrypoints.settings import MapperSettings

TAXONOMY = load_default_taxonomy()
TEXT = "Limites e continuidade. Derivadas e regras de derivação. Integrais definidas e indefinidas."


class CountingCache(MemoryMappingCache):
    """A shared tier that counts what is asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.gets = 0
        self.sets = 0

    def get(self, key: str) -> tuple[ConceptMatch, ...] | None:
        self.gets += 1
        return super().get(key)

    def set(self, key: str, matches: tuple[ConceptMatch, ...]) -> None:
        self.sets += 1
        super().set(key, matches)


def test_the_lexical_chain_never_asks_the_shared_tier() -> None:
    shared, local = CountingCache(), MemoryMappingCache()
    chain = build_mapper_chain(MapperSettings(), LexicalMapper(), TieredMappingCache(local, shared))
    first = chain.primary.map(TEXT, TAXONOMY)
    again = chain.primary.map(TEXT, TAXONOMY)
    assert first and again == first
    assert (shared.gets, shared.sets) == (0, 0)
    assert (local.misses, local.hits) == (1, 1)  # mapped once, then remembered by this process


def test_the_embedding_chain_reads_what_another_process_stored_in_the_shared_tier(tmp_path) -> None:  # type: ignore[no-untyped-def]
    shared = CountingCache()
    chain = build_mapper_chain(
        MapperSettings(embed_local_model="use-multilingual-v3"),
        LexicalMapper(),
        TieredMappingCache(MemoryMappingCache(), shared),
        vector_dir=tmp_path,
    )
    stored = (ConceptMatch("mat.calculo.limites", 0.9, ("Limites e continuidade",)),)
    shared.set(cache_key(TEXT, TAXONOMY.version, chain.primary.version, TAXONOMY.fingerprint), stored)
    assert chain.primary.map(TEXT, TAXONOMY) == stored  # no model call: the shared entry answers
    assert shared.gets == 1


def test_the_local_tier_of_a_cache_without_one_is_the_cache_itself() -> None:
    memory = MemoryMappingCache()
    assert local_tier(memory) is memory
    inner = MemoryMappingCache()
    assert local_tier(TieredMappingCache(inner, CountingCache())) is inner
