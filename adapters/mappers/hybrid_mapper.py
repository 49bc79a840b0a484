"""Hybrid mapper: the lexical mapper's keyword evidence combined with embedding similarity.

Confidences are combined as a noisy-OR, the embedding side discounted: a concept found by
one side keeps (about) that side's confidence, a concept found by both is surer than
either. Embeddings are not a free source of new concepts (similarity alone drifts across
subjects, and a stray concept lifts an origem into DEFERIDO or counts as missing in the
destino). A concept only the embeddings found is kept only when the lexical side agrees
on its subject: it found a concept of the same area *and* subarea (the area alone —
"computacao", "saude" — is far too broad). Such a concept is also never surer than the
lexical evidence for that subarea. When the lexical side found nothing, the embeddings
alone add nothing: the ementa goes on without concepts (review), not on similarity alone.
If the embedding side fails the hybrid fails too (MapperError), so the fallback chain
degrades to the lexical mapper alone and a human reviews the decision.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.domain.model import ConceptMatch, Taxonomy
from core.ports.concept_mapper import ConceptMapper

EMBEDDING_WEIGHT = 0.8
"""How much an embedding-only match is trusted relative to a lexical-only one."""
MIN_CONFIDENCE = 0.25
MAX_EVIDENCE = 3


class HybridMapper:
    def __init__(
        self,
        lexical: ConceptMapper,
        embedding: ConceptMapper,
        *,
        embedding_weight: float = EMBEDDING_WEIGHT,
        min_confidence: float = MIN_CONFIDENCE,
        max_evidence: int = MAX_EVIDENCE,
    ) -> None:
        if not 0.0 <= embedding_weight <= 1.0:
            raise ValueError("embedding_weight must be within [0, 1]")
        self._lexical = lexical
        self._embedding = embedding
        self._weight = embedding_weight
        self._min_confidence = min_confidence
        self._max_evidence = max_evidence

    @property
    def version(self) -> str:
        return f"hybrid-{self._lexical.version}-{self._embedding.version}"

    def map(self, text: str, taxonomy: Taxonomy) -> tuple[ConceptMatch, ...]:
        semantic = {m.node_id: m for m in self._embedding.map(text, taxonomy)}  # MapperError propagates
        lexical = {m.node_id: m for m in self._lexical.map(text, taxonomy)}
        support = _lexical_support(lexical.values(), taxonomy)
        combined: list[ConceptMatch] = []
        for node_id in lexical.keys() | semantic.keys():
            lex, emb = lexical.get(node_id), semantic.get(node_id)
            ceiling = 1.0
            if lex is None:
                subject = _subject(node_id, taxonomy)
                if subject is None or subject not in support:
                    continue
                ceiling = support[subject]
            miss = (1.0 - _clamp(lex.confidence if lex else 0.0)) * (
                1.0 - self._weight * _clamp(emb.confidence if emb else 0.0)
            )
            confidence = round(min(1.0 - miss, ceiling), 4)
            if confidence < self._min_confidence:
                continue
            evidence = list(lex.evidence if lex else ())
            for piece in emb.evidence if emb else ():
                if piece not in evidence:
                    evidence.append(piece)
            combined.append(ConceptMatch(node_id, confidence, tuple(evidence[: self._max_evidence])))
        combined.sort(key=lambda m: (-m.confidence, m.node_id))
        return tuple(combined)


def _subject(node_id: str, taxonomy: Taxonomy) -> tuple[str, str] | None:
    node = taxonomy.by_id.get(node_id)
    return (node.area, node.subarea) if node is not None else None


def _lexical_support(matches: Iterable[ConceptMatch], taxonomy: Taxonomy) -> dict[tuple[str, str], float]:
    """(area, subarea) → the best lexical confidence in it: where embedding-only concepts may count."""
    support: dict[tuple[str, str], float] = {}
    for match in matches:
        subject = _subject(match.node_id, taxonomy)
        if subject is not None:
            support[subject] = max(support.get(subject, 0.0), _clamp(match.confidence))
    return support


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))
