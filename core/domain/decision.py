"""Decision: explicit, versioned thresholds turn a score into DEFERIDO, INDEFERIDO or review."""

from __future__ import annotations

from core.domain.model import Decision, Policy


def decide(
    score: float,
    policy: Policy,
    degraded: bool,
    critical_missing: bool,
    borderline_workload: bool,
    destino_unmapped: bool = False,
) -> Decision:
    """Apply SPEC §5.4 in order: degraded, critical concepts, thresholds, borderline workload.

    A destino with no recognizable concept cannot be judged automatically either way.
    """
    if degraded or destino_unmapped:
        return Decision.ANALISE_HUMANA
    if policy.exigir_criticos and critical_missing:
        return Decision.INDEFERIDO
    if score >= policy.min_score_deferir:
        decision = Decision.DEFERIDO
    elif score >= policy.min_score_complemento:
        decision = Decision.ANALISE_HUMANA
    else:
        decision = Decision.INDEFERIDO
    if decision is Decision.DEFERIDO and borderline_workload:
        return Decision.ANALISE_HUMANA
    return decision
