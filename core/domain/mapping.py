"""Mapping orchestration: primary mapper, then the fallback, then degraded mode.

The AI only maps text to concepts; when it cannot, the evaluation goes on in degraded
mode and a human decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.domain.errors import MapperError
from core.domain.model import ConceptMatch, MappingOutcome, Taxonomy

if TYPE_CHECKING:  # the port is only a type here: the domain imports nothing outside itself
    from core.ports.concept_mapper import ConceptMapper


def map_ementa(
    text: str,
    taxonomy: Taxonomy,
    primary: ConceptMapper,
    fallback: ConceptMapper | None,
    allow_fallback: bool,
) -> MappingOutcome:
    """Map with the primary; on failure or an empty answer use the fallback and mark degraded.

    With no fallback to try, an empty answer is an answer (the ementa names no known
    concept), while a failure still degrades: nobody could read the ementa. So is an empty
    answer the fallback confirms: both readers agree the subject is outside the taxonomy
    (the topic path decides it), which is not a failure of either.
    """
    try:
        matches = _known(primary.map(text, taxonomy), taxonomy)
    except MapperError as exc:
        matches, error = (), f"mapeador principal falhou: {exc}"
    else:
        if matches:
            return MappingOutcome(matches, primary.version)
        error = _PRIMARY_EMPTY
        if fallback is None or not allow_fallback:
            return MappingOutcome((), primary.version)
    if fallback is None or not allow_fallback:
        return MappingOutcome((), primary.version, degraded=True, error=error)
    try:
        matches = _known(fallback.map(text, taxonomy), taxonomy)
    except MapperError as exc:
        return MappingOutcome((), fallback.version, degraded=True, error=f"{error}; fallback falhou: {exc}")
    if not matches and error == _PRIMARY_EMPTY:
        return MappingOutcome((), primary.version)
    return MappingOutcome(matches, fallback.version, degraded=True, error=error)


_PRIMARY_EMPTY = "mapeador principal não encontrou conceitos"


def _known(matches: tuple[ConceptMatch, ...], taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
    """A mapper can never invent a concept: anything outside the taxonomy is dropped."""
    return tuple(m for m in matches if m.node_id in taxonomy.by_id)
