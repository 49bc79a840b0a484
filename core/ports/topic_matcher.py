from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.domain.topics import TopicComparison


class TopicMatcher(Protocol):
    """Scores how well an origem ementa covers each topic of a destino ementa (any subject)."""

    @property
    def version(self) -> str: ...

    def compare(self, origem: str, destino: str) -> TopicComparison: ...


class CaseTopics(Protocol):
    """The topics of one case's texts, each read once (POST /v1/cases, ADR 0027).

    Origem and destino texts are addressed by their index in the sequences given to `for_case`."""

    def pairwise(self, origem: int, destino: int) -> float:
        """`compare(origem, destino).coverage` of one origem text alone."""
        ...

    def compare(self, origens: tuple[int, ...], destino: int, excerpts: bool = False) -> TopicComparison:
        """What `compare` gives for the origem texts joined (in this order, by blank lines)
        against the destino; without `excerpts` no `trecho_origem` is quoted (cheaper)."""
        ...


class CaseTopicMatcher(TopicMatcher, Protocol):
    """A TopicMatcher that can read a whole case's texts at once."""

    def for_case(self, origens: Sequence[str], destinos: Sequence[str]) -> CaseTopics: ...
