"""Two-level mapping cache: this process's memory in front of the shared Redis cache.

Mappings never change for a key (text hash + taxonomy version + mapper version), so a
local copy is always valid; it saves a Redis round trip and a JSON decode per ementa.
"""

from __future__ import annotations

from core.domain.model import ConceptMatch
from core.ports.mapping_cache import MappingCache


class TieredMappingCache:
    def __init__(self, local: MappingCache, shared: MappingCache) -> None:
        self.local = local
        self.shared = shared

    def get(self, key: str) -> tuple[ConceptMatch, ...] | None:
        found = self.local.get(key)
        if found is None:
            found = self.shared.get(key)
            if found is not None:
                self.local.set(key, found)
        return found

    def set(self, key: str, matches: tuple[ConceptMatch, ...]) -> None:
        self.local.set(key, matches)
        self.shared.set(key, matches)
