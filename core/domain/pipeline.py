"""The evaluation pipeline of SPEC §5: hard rules, coverage, decision, justification.

Pure: mapping outcomes come in already computed (see `core.domain.mapping`), so the same
inputs and versions always give the same Evaluation.
"""

from __future__ import annotations

import datetime as dt

from core.domain.decision import decide
from core.domain.hard_rules import approval_unknown, failed_blocking, hard_rules, is_borderline_workload
from core.domain.justification import justify, justify_hard_rule_failure
from core.domain.model import (
    Breakdown,
    Course,
    Decision,
    Evaluation,
    HardRuleResult,
    MappingOutcome,
    Policy,
    Taxonomy,
)
from core.domain.reading import (
    IN_VOCABULARY,
    NEAR_MARGIN,
    Reading,
    ReviewReason,
    abstention,
    combine,
    solid_destino,
    vocabulary_coverage,
)
from core.domain.scoring import CoverageResult, coverage


def check_hard_rules(
    origem: Course, destino: Course, policy: Policy, today: dt.date
) -> tuple[tuple[HardRuleResult, ...], tuple[HardRuleResult, ...]]:
    """All hard-rule results and the blocking ones that failed."""
    results = hard_rules(origem, destino, policy, today)
    return results, failed_blocking(results)


def rejected_by_hard_rules(
    rules: tuple[HardRuleResult, ...],
    failed: tuple[HardRuleResult, ...],
    policy: Policy,
    taxonomy_version: str,
) -> Evaluation:
    """INDEFERIDO without any mapping: a blocking rule failed."""
    short, detailed = justify_hard_rule_failure(failed)
    return Evaluation(
        decisao=Decision.INDEFERIDO,
        score=0.0,
        breakdown=Breakdown(0.0, 0.0, 0.0),
        hard_rules=rules,
        covered=(),
        missing=(),
        justificativa_curta=short,
        justificativa_detalhada=detailed,
        degraded_mode=False,
        model_version="none",
        policy_version=policy.version,
        taxonomy_version=taxonomy_version,
    )


def evaluate(
    origem: Course,
    destino: Course,
    taxonomy: Taxonomy,
    policy: Policy,
    origem_mapping: MappingOutcome,
    destino_mapping: MappingOutcome,
    today: dt.date,
    reading: Reading | None = None,
) -> Evaluation:
    """Decide one pair from its mappings and reading (hard rules are re-checked: this is total).

    Without a `reading` (tests of the taxonomy alone) the taxonomy's decision stands.
    """
    rules, failed = check_hard_rules(origem, destino, policy, today)
    if failed:
        return rejected_by_hard_rules(rules, failed, policy, taxonomy.version)
    result = coverage(
        origem_mapping.matches, destino_mapping.matches, taxonomy, policy, origem, destino
    )
    degraded = origem_mapping.degraded or destino_mapping.degraded
    critical_missing = policy.exigir_criticos and any(m.critico for m in result.missing)
    by_taxonomy = decide(
        result.score,
        policy,
        degraded=degraded,
        critical_missing=critical_missing,
        borderline_workload=False,
        destino_unmapped=not result.covered and not result.missing,
    )
    decision, reason, score, breakdown = _fuse(
        by_taxonomy, result, reading, destino_mapping, taxonomy, policy, degraded, critical_missing
    )
    if decision is Decision.DEFERIDO and is_borderline_workload(origem, destino, policy):
        decision, reason = Decision.ANALISE_HUMANA, ReviewReason.CARGA_HORARIA_LIMITROFE
    if decision is Decision.DEFERIDO and approval_unknown(rules):
        decision, reason = Decision.ANALISE_HUMANA, ReviewReason.APROVACAO_NAO_INFORMADA
    short, detailed = justify(
        decision, score, breakdown, result.covered, result.missing, reason, reading, policy.min_score_deferir
    )
    return Evaluation(
        decisao=decision,
        score=score,
        breakdown=breakdown,
        hard_rules=rules,
        covered=result.covered,
        missing=result.missing,
        justificativa_curta=short,
        justificativa_detalhada=detailed,
        degraded_mode=degraded,
        model_version=_model_version(origem_mapping, destino_mapping, reading),
        policy_version=policy.version,
        taxonomy_version=taxonomy.version,
        reading=reading,
        motivo_revisao=reason,
    )


def _fuse(
    by_taxonomy: Decision,
    result: CoverageResult,
    reading: Reading | None,
    destino_mapping: MappingOutcome,
    taxonomy: Taxonomy,
    policy: Policy,
    degraded: bool,
    critical_missing: bool,
) -> tuple[Decision, ReviewReason | None, float, Breakdown]:
    """The decision, why it went to review (if it did), the score shown and its breakdown.

    The score is the taxonomy's where the taxonomy knows the destino's subject, else the
    topic coverage: it always measures what the decision rests on.
    """
    if reading is None:
        if by_taxonomy is not Decision.ANALISE_HUMANA:
            return by_taxonomy, None, result.score, result.breakdown
        why = ReviewReason.MAPEAMENTO_DEGRADADO if degraded else ReviewReason.COBERTURA_INCERTA
        return by_taxonomy, why, result.score, result.breakdown
    topics = reading.topics.coverage
    vocabulary = vocabulary_coverage(reading.topics, destino_mapping.matches, taxonomy, policy.confidence_cutoff)
    breakdown = Breakdown(
        result.breakdown.cobertura,
        result.breakdown.cobertura_critica,
        result.breakdown.penalidade_nivel,
        round(topics, 4),
        round(vocabulary, 4),
    )
    score = result.score if vocabulary >= IN_VOCABULARY else round(100.0 * topics, 2)
    if degraded:
        return Decision.ANALISE_HUMANA, ReviewReason.MAPEAMENTO_DEGRADADO, score, breakdown
    cannot_judge = abstention(reading)
    if cannot_judge is not None:
        return Decision.ANALISE_HUMANA, cannot_judge, score, breakdown
    near = result.score >= policy.min_score_deferir - NEAR_MARGIN
    decided = combine(
        by_taxonomy,
        topics,
        vocabulary,
        critical_missing,
        len(reading.topics.topics),
        reading.destino_mass,
        near,
        nothing_missing=not reading.topics.missing,
        none_covered=not reading.topics.covered,
        origem_solid=solid_destino(reading.origem_topics, reading.origem_mass),  # same test: it lists topics
        missing_share=reading.topics.missing_share,
    )
    return (*decided, score, breakdown)


def _model_version(
    origem_mapping: MappingOutcome, destino_mapping: MappingOutcome, reading: Reading | None
) -> str:
    versions = {origem_mapping.mapper_version, destino_mapping.mapper_version}
    if reading is not None:
        versions.add(reading.topics.matcher_version)
    return "+".join(sorted(versions))
