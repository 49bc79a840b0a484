"""Read a pair before deciding: hygiene and language of both ementas, concepts, topics.

Shared by every way a pair is decided (evaluate, batch items, `eval-pairs`), so what is
measured is what the service runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.mapping import map_ementa
from core.domain.model import MappingOutcome, Taxonomy
from core.domain.hygiene import SyllabusText
from core.domain.reading import Reading, read_syllabus
from core.ports.concept_mapper import ConceptMapper
from core.ports.topic_matcher import TopicMatcher


@dataclass(frozen=True, slots=True)
class PairReading:
    origem_mapping: MappingOutcome
    destino_mapping: MappingOutcome
    reading: Reading | None


@dataclass(frozen=True, slots=True)
class TextReading:
    """One ementa read: its syllabus part, its language and its concepts."""

    syllabus: SyllabusText
    idioma: str
    mapping: MappingOutcome


def read_text(
    text: str, taxonomy: Taxonomy, primary: ConceptMapper, fallback: ConceptMapper | None, allow_fallback: bool
) -> TextReading:
    """What `read_pair` does to each side, for one text (a case reads each ementa once)."""
    body, idioma = read_syllabus(text)
    return TextReading(body, idioma, map_ementa(body.text, taxonomy, primary, fallback, allow_fallback))


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
