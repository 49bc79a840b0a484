"""Scoring: how much of what the destino teaches the origem also teaches.

Only concepts the mapper is reasonably sure of (confidence >= policy.confidence_cutoff)
count. Each destino concept weighs by the mapper's confidence in it, so incidental
mentions matter less than the subject's core.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.model import (
    Breakdown,
    ConceptMatch,
    Course,
    CoveredConcept,
    MissingConcept,
    Policy,
    Taxonomy,
)


@dataclass(frozen=True, slots=True)
class CoverageResult:
    breakdown: Breakdown
    score: float
    covered: tuple[CoveredConcept, ...]
    missing: tuple[MissingConcept, ...]


def confident(matches: tuple[ConceptMatch, ...], cutoff: float) -> dict[str, ConceptMatch]:
    """The matches a decision may rest on, by node id (the most confident one wins)."""
    best: dict[str, ConceptMatch] = {}
    for match in matches:
        if match.confidence >= cutoff and (
            match.node_id not in best or match.confidence > best[match.node_id].confidence
        ):
            best[match.node_id] = match
    return best


def coverage(
    origem_matches: tuple[ConceptMatch, ...],
    destino_matches: tuple[ConceptMatch, ...],
    taxonomy: Taxonomy,
    policy: Policy,
    origem: Course,
    destino: Course,
) -> CoverageResult:
    """Weighted coverage, critical coverage, level penalty and the 0-100 score."""
    required = confident(destino_matches, policy.confidence_cutoff)
    offered = confident(origem_matches, policy.confidence_cutoff)
    covered: list[CoveredConcept] = []
    missing: list[MissingConcept] = []
    for node_id in sorted(required, key=lambda n: (-required[n].confidence, n)):
        node = taxonomy.node(node_id)
        weight = round(required[node_id].confidence, 4)
        if node_id in offered:
            match = offered[node_id]
            covered.append(
                CoveredConcept(node_id, node.conceito, weight, round(match.confidence, 4), match.evidence)
            )
        else:
            missing.append(MissingConcept(node_id, node.conceito, node.critico, weight))
    total = sum(c.weight for c in covered) + sum(m.weight for m in missing)
    cobertura = sum(c.weight for c in covered) / total if total else 0.0
    criticos = [n for n in required if taxonomy.node(n).critico]
    cobertura_critica = (
        sum(1 for n in criticos if n in offered) / len(criticos) if criticos else 1.0
    )
    penalidade = level_penalty(origem, destino)
    score = weighted_score(cobertura, cobertura_critica, penalidade, policy)
    breakdown = Breakdown(round(cobertura, 4), round(cobertura_critica, 4), round(penalidade, 4))
    return CoverageResult(breakdown, score, tuple(covered), tuple(missing))


def level_penalty(origem: Course, destino: Course) -> float:
    """A course taught at a lower level than the destino's covers its topics less deeply."""
    if origem.nivel is None or destino.nivel is None:
        return 0.0
    gap = destino.nivel.rank - origem.nivel.rank
    return max(0, gap) / 2.0


def weighted_score(cobertura: float, cobertura_critica: float, penalidade: float, policy: Policy) -> float:
    """Blend coverage and critical coverage by the policy's weights, minus the level penalty."""
    w = policy.weights
    blend_total = w.cobertura + w.critica
    blend = (w.cobertura * cobertura + w.critica * cobertura_critica) / blend_total if blend_total else 0.0
    raw = 100.0 * (blend - w.nivel * penalidade)
    return round(min(100.0, max(0.0, raw)), 2)
