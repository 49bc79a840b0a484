"""The evaluation pipeline of SPEC §5: hard rules, coverage, decision, justification.

Pure: mapping outcomes come in already computed (see `core.domain.mapping`), so the same
inputs and versions always give the same Evaluation.
"""

from __future__ import annotations

import datetime as dt

from core.domain.decision import decide
from core.domain.hard_rules import failed_blocking, hard_rules, is_borderline_workload
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
from core.domain.scoring import coverage


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
) -> Evaluation:
    """Decide one pair from its mappings (hard rules are re-checked, so this is total)."""
    rules, failed = check_hard_rules(origem, destino, policy, today)
    if failed:
        return rejected_by_hard_rules(rules, failed, policy, taxonomy.version)
    result = coverage(
        origem_mapping.matches, destino_mapping.matches, taxonomy, policy, origem, destino
    )
    degraded = origem_mapping.degraded or destino_mapping.degraded
    borderline = is_borderline_workload(origem, destino, policy)
    critical_missing = any(m.critico for m in result.missing)
    decision = decide(
        result.score,
        policy,
        degraded=degraded,
        critical_missing=critical_missing,
        borderline_workload=borderline,
        destino_unmapped=not result.covered and not result.missing,
    )
    short, detailed = justify(
        decision,
        result.score,
        result.breakdown.cobertura,
        result.covered,
        result.missing,
        degraded,
        borderline,
        policy.min_score_deferir,
    )
    return Evaluation(
        decisao=decision,
        score=result.score,
        breakdown=result.breakdown,
        hard_rules=rules,
        covered=result.covered,
        missing=result.missing,
        justificativa_curta=short,
        justificativa_detalhada=detailed,
        degraded_mode=degraded,
        model_version=_model_version(origem_mapping, destino_mapping),
        policy_version=policy.version,
        taxonomy_version=taxonomy.version,
    )


def _model_version(origem_mapping: MappingOutcome, destino_mapping: MappingOutcome) -> str:
    versions = sorted({origem_mapping.mapper_version, destino_mapping.mapper_version})
    return "+".join(versions)
