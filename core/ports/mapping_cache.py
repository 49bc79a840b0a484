from __future__ import annotations

from typing import Protocol

from core.domain.model import ConceptMatch


class MappingCache(Protocol):
    """Stores mappings by (text hash, taxonomy version, mapper version)."""

    def get(self, key: str) -> tuple[ConceptMatch, ...] | None: ...

    def set(self, key: str, matches: tuple[ConceptMatch, ...]) -> None: ...
