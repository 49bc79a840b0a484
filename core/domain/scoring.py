"""Scoring: how much of what the destino teaches the origem also teaches.

Only concepts the mapper is reasonably sure of (confidence >= policy.confidence_cutoff)
count. Semantics of the breakdown:

- ``cobertura``: share of the destino's weight the origem covers. Each destino concept
  weighs by its *salience*, the mapper's confidence above the cutoff rescaled to 0..1
  (``salience``): a concept named plainly in the destino's own subject weighs ~1, an
  incidental or off-subject mention little. A destino concept the origem does not list
  earns ``IMPLIED_CREDIT`` of its weight when it is *basic* and the origem teaches the same
  subarea at a higher level (``implied_basics``); it is still reported as missing.
- ``cobertura_critica``: share of the destino's *salient* critical concepts the origem
  covers; a critical concept the destino only mentions in passing (salience below
  ``CRITICAL_SALIENCE``) neither counts here nor makes the pair INDEFERIDO. With no critical
  concept it is 1, or 0 when nothing at all is covered.
- ``penalidade_nivel``: the level gap (``level_penalty``).

Weights depend on the destino only and credit only grows with the origem's concepts, so
more origem coverage never lowers the score.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.model import (
    Breakdown,
    ConceptMatch,
    Course,
    CoveredConcept,
    Level,
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
    weights = {n: round(salience(m.confidence, policy.confidence_cutoff), 4) for n, m in required.items()}
    covered: list[CoveredConcept] = []
    missing: list[MissingConcept] = []
    for node_id in sorted(required, key=lambda n: (-required[n].confidence, n)):
        node = taxonomy.node(node_id)
        weight = weights[node_id]
        if node_id in offered:
            match = offered[node_id]
            covered.append(
                CoveredConcept(node_id, node.conceito, weight, round(match.confidence, 4), match.evidence)
            )
        else:
            missing.append(
                MissingConcept(node_id, node.conceito, is_core_critical(node.critico, weight), weight)
            )
    total = sum(c.weight for c in covered) + sum(m.weight for m in missing)
    implied = implied_basics(missing, offered, taxonomy)
    credit = sum(c.weight for c in covered) + IMPLIED_CREDIT * sum(m.weight for m in implied)
    cobertura = credit / total if total else 0.0
    criticos = [n for n in required if is_core_critical(taxonomy.node(n).critico, weights[n])]
    # nothing critical to cover counts as all covered only if anything was covered at all:
    # a 0% coverage must never score 40
    cobertura_critica = (
        sum(1 for n in criticos if n in offered) / len(criticos) if criticos else float(cobertura > 0)
    )
    penalidade = level_penalty(origem, destino)
    score = weighted_score(cobertura, cobertura_critica, penalidade, policy)
    breakdown = Breakdown(round(cobertura, 4), round(cobertura_critica, 4), round(penalidade, 4))
    return CoverageResult(breakdown, score, tuple(covered), tuple(missing))


IMPLIED_CREDIT = 1 / 3
"""Share of a missing basic concept credited when the origem teaches its subject further on:
likely seen on the way, but not attested by the ementa, so well under half."""


def implied_basics(
    missing: list[MissingConcept], offered: dict[str, ConceptMatch], taxonomy: Taxonomy
) -> list[MissingConcept]:
    """Missing basic concepts whose subject the origem teaches at a higher level.

    Whoever passed the intermediate or advanced topics of a subject (derivatives, recursion)
    has worked with its basics (functions, control structures) even if the ementa does not
    list them; they earn partial credit, never count as taught, and never satisfy a critical
    concept. Adding origem concepts can only add implied ones, so coverage stays monotone.
    """
    advanced: set[tuple[str, str]] = set()
    for node_id in offered:
        node = taxonomy.by_id.get(node_id)
        if node is not None and node.nivel is not None and node.nivel.rank > Level.BASICO.rank:
            advanced.add((node.area, node.subarea))
    out = []
    for m in missing:
        node = taxonomy.node(m.node_id)
        if node.nivel is Level.BASICO and (node.area, node.subarea) in advanced:
            out.append(m)
    return out


MIN_SALIENCE = 0.05
"""A destino concept right at the cutoff still counts a little (never zero weight)."""


def salience(confidence: float, cutoff: float) -> float:
    """How much a destino concept weighs: the mapper's confidence *above the cutoff*, in 0..1.

    A concept barely above the cutoff is about as likely incidental as core; one the mapper is
    sure of is the destino's core. Depends on the destino only, so it keeps coverage monotone.
    """
    room = 1.0 - cutoff
    above = (confidence - cutoff) / room if room > 0 else 1.0
    return min(1.0, max(MIN_SALIENCE, above))


CRITICAL_SALIENCE = 0.5
"""A critical concept binds only when it is at least this salient in the destino."""


def is_core_critical(critico: bool, weight: float) -> bool:
    """A critical concept the destino only mentions in passing is not what the destino is about."""
    return critico and weight >= CRITICAL_SALIENCE


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
