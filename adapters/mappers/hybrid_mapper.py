"""Hybrid mapper: the lexical mapper's keyword evidence combined with embedding similarity.

Confidences are combined as a noisy-OR, the embedding side discounted: a concept found by
one side keeps (about) that side's confidence, a concept found by both is surer than
either. A concept only the embeddings found must belong to an area the lexical side found
(unless it found none): similarity alone drifts across subjects, and a stray concept in
the destino's mapping would count as missing. If the embedding service fails the hybrid fails too (MapperError), so the
fallback chain degrades to the lexical mapper alone and a human reviews the decision.
"""

from __future__ import annotations

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
        areas = {taxonomy.node(n).area for n in lexical if n in taxonomy.by_id}
        combined: list[ConceptMatch] = []
        for node_id in lexical.keys() | semantic.keys():
            lex, emb = lexical.get(node_id), semantic.get(node_id)
            if lex is None and not _supported(node_id, areas, taxonomy):
                continue
            miss = (1.0 - _clamp(lex.confidence if lex else 0.0)) * (
                1.0 - self._weight * _clamp(emb.confidence if emb else 0.0)
            )
            confidence = round(1.0 - miss, 4)
            if confidence < self._min_confidence:
                continue
            evidence = list(lex.evidence if lex else ())
            for piece in emb.evidence if emb else ():
                if piece not in evidence:
                    evidence.append(piece)
            combined.append(ConceptMatch(node_id, confidence, tuple(evidence[: self._max_evidence])))
        combined.sort(key=lambda m: (-m.confidence, m.node_id))
        return tuple(combined)


def _supported(node_id: str, areas: set[str], taxonomy: Taxonomy) -> bool:
    """An embedding-only concept counts in a subject the keywords confirm (or when they found none)."""
    node = taxonomy.by_id.get(node_id)
    return node is not None and (not areas or node.area in areas)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))
