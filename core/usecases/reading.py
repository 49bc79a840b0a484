"""Read a pair before deciding: hygiene and language of both ementas, concepts, topics.

Shared by every way a pair is decided (evaluate, batch items, `eval-pairs`), so what is
measured is what the service runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.mapping import map_ementa
from core.domain.model import MappingOutcome, Taxonomy
from core.domain.reading import Reading, read_syllabus
from core.ports.concept_mapper import ConceptMapper
from core.ports.topic_matcher import TopicMatcher


@dataclass(frozen=True, slots=True)
class PairReading:
    origem_mapping: MappingOutcome
    destino_mapping: MappingOutcome
    reading: Reading | None


def read_pair(
    origem_text: str,
    destino_text: str,
    taxonomy: Taxonomy,
    primary: ConceptMapper,
    fallback: ConceptMapper | None,
    topics: TopicMatcher | None,
    allow_fallback: bool,
) -> PairReading:
    """Map the syllabus part of each ementa (never its bibliography or negated topics)."""
    origem, idioma_origem = read_syllabus(origem_text)
    destino, idioma_destino = read_syllabus(destino_text)
    origem_mapping = map_ementa(origem.text, taxonomy, primary, fallback, allow_fallback)
    destino_mapping = map_ementa(destino.text, taxonomy, primary, fallback, allow_fallback)
    if topics is None:
        return PairReading(origem_mapping, destino_mapping, None)
    comparison = topics.compare(origem.text, destino.text)
    reading = Reading(origem, destino, idioma_origem, idioma_destino, comparison)
    return PairReading(origem_mapping, destino_mapping, reading)
