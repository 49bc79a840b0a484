from __future__ import annotations

from typing import Protocol

from core.domain.topics import TopicComparison


class TopicMatcher(Protocol):
    """Scores how well an origem ementa covers each topic of a destino ementa (any subject)."""

    @property
    def version(self) -> str: ...

    def compare(self, origem: str, destino: str) -> TopicComparison: ...
