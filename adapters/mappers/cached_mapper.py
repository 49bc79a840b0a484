"""A ConceptMapper decorator that caches by text hash + taxonomy version and content + mapper version."""

from __future__ import annotations

import hashlib

from core.domain.model import ConceptMatch, Taxonomy
from core.ports.concept_mapper import ConceptMapper
from core.ports.mapping_cache import MappingCache


def cache_key(text: str, taxonomy_version: str, mapper_version: str, taxonomy_fingerprint: str = "") -> str:
    """The text's SHA-256 stays last (bench/bench_data.py finds a run's entries by it)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"eqv:map:{mapper_version}:{taxonomy_version}:{taxonomy_fingerprint}:{digest}"


class CachedMapper:
    """Same answers as the wrapped mapper; failures are not cached (MapperError propagates)."""

    def __init__(self, inner: ConceptMapper, cache: MappingCache) -> None:
        self._inner = inner
        self._cache = cache

    @property
    def version(self) -> str:
        return self._inner.version

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        key = cache_key(text, taxonomy.version, self._inner.version, taxonomy.fingerprint)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        matches = self._inner.map(text, taxonomy)
        self._cache.set(key, matches)
        return matches
