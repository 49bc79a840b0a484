"""The in-process mapping cache: LRU answers as stored, and a full cache costs the garbage
collector's full passes nothing (ADR 0044)."""

from __future__ import annotations

import gc

from hypothesis import given
from hypothesis import strategies as st

from adapters.mappers.memory_mapping_cache import MemoryMappingCache
from core.domain.model import ConceptMatch

matches = st.lists(
    st.builds(
        ConceptMatch,
        node_id=st.text(min_size=1, max_size=12),
        confidence=st.floats(min_value=0, max_value=1),
        evidence=st.lists(st.text(max_size=30), max_size=3).map(tuple),
    ),
    max_size=6,
).map(tuple)


@given(st.lists(matches, min_size=1, max_size=8))
def test_a_hit_answers_what_was_stored(stored: list[tuple[ConceptMatch, ...]]) -> None:
    cache = MemoryMappingCache(max_entries=len(stored))
    for k, value in enumerate(stored):
        cache.set(f"k{k}", value)
    for k, value in enumerate(stored):
        assert cache.get(f"k{k}") == value
    assert cache.get("absent") is None


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = MemoryMappingCache(max_entries=2)
    one, two, three = ((ConceptMatch(f"n.{k}", 0.9, (f"trecho {k}",)),) for k in range(3))
    cache.set("1", one)
    cache.set("2", two)
    assert cache.get("1") == one  # 1 is now the most recent: 2 goes when 3 arrives
    cache.set("3", three)
    assert cache.get("2") is None and cache.get("1") == one and cache.get("3") == three


def test_a_full_cache_adds_nothing_the_collector_walks() -> None:
    """10,000 entries of 20 concepts each, as ConceptMatch objects, were 200,000 tracked objects
    walked by every full collection; kept as tuples of strings and floats they leave the
    collector's books at the first collection they survive."""
    cache = MemoryMappingCache(max_entries=2_000)
    gc.collect()
    before = len(gc.get_objects())
    for k in range(2_000):
        concepts = tuple(ConceptMatch(f"area.conceito_{k}_{c}", 0.5 + c / 100, (f"trecho {k} {c}",)) for c in range(20))
        cache.set(f"chave-{k}", concepts)
    del concepts
    for _ in range(2):  # a tuple is untracked once what it holds is: the nested ones go first
        gc.collect()
    assert len(gc.get_objects()) - before < 100  # 40,000 concepts stored: not one of them tracked
    assert cache.get("chave-7") == tuple(
        ConceptMatch(f"area.conceito_7_{c}", 0.5 + c / 100, (f"trecho 7 {c}",)) for c in range(20)
    )
