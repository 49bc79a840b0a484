"""Justifications in Portuguese: what was decided, why, and on which evidence."""

from __future__ import annotations

from core.domain.model import CoveredConcept, Decision, HardRuleResult, MissingConcept

_MAX_LISTED = 8


def _names(concepts: tuple[CoveredConcept, ...] | tuple[MissingConcept, ...]) -> str:
    names = [c.conceito for c in concepts[:_MAX_LISTED]]
    more = len(concepts) - len(names)
    text = ", ".join(names)
    return f"{text} e mais {more}" if more > 0 else text


def justify_hard_rule_failure(failed: tuple[HardRuleResult, ...]) -> tuple[str, str]:
    """Short and detailed text when a blocking hard rule rejected the request."""
    rules = ", ".join(r.rule for r in failed)
    short = f"INDEFERIDO: regra obrigatória não atendida ({rules})."
    detailed = " ".join(f"Regra '{r.rule}' não atendida: {r.details}." for r in failed)
    return short, detailed + " Nenhuma análise de conteúdo foi feita."


def justify(
    decision: Decision,
    score: float,
    cobertura: float,
    covered: tuple[CoveredConcept, ...],
    missing: tuple[MissingConcept, ...],
    degraded: bool,
    borderline_workload: bool,
    policy_min_deferir: float,
) -> tuple[str, str]:
    """Short and detailed justification naming the concepts and the reason."""
    missing_critical = tuple(m for m in missing if m.critico)
    reason = _reason(decision, score, degraded, missing_critical, borderline_workload, covered, missing, policy_min_deferir)
    short = f"{decision.value}: {reason}"
    parts = [
        f"Pontuação {score:.1f} de 100 (mínimo para deferimento: {policy_min_deferir:g}); "
        f"cobertura ponderada dos conceitos da disciplina de destino: {cobertura * 100:.0f}%."
    ]
    if covered:
        parts.append(f"Conceitos da destino cobertos pela origem: {_names(covered)}.")
        cited = [f"{c.conceito}: \"{c.evidence[0]}\"" for c in covered[:3] if c.evidence]
        if cited:
            parts.append("Evidências na ementa de origem — " + "; ".join(cited) + ".")
    if missing:
        parts.append(f"Conceitos da destino ausentes na origem: {_names(missing)}.")
    if missing_critical:
        parts.append(f"Conceitos críticos ausentes: {_names(missing_critical)}.")
    if borderline_workload:
        parts.append("A carga horária da origem é menor que a da destino, dentro da tolerância da política.")
    if degraded:
        parts.append("O mapeamento de conceitos operou em modo degradado; a decisão requer análise humana.")
    return short, " ".join(parts)


def _reason(
    decision: Decision,
    score: float,
    degraded: bool,
    missing_critical: tuple[MissingConcept, ...],
    borderline_workload: bool,
    covered: tuple[CoveredConcept, ...],
    missing: tuple[MissingConcept, ...],
    min_deferir: float,
) -> str:
    if degraded:
        return "mapeamento de conceitos indisponível ou incompleto (modo degradado); encaminhado para análise humana."
    if not covered and not missing:
        return "não foi possível identificar conceitos na ementa de destino; encaminhado para análise humana."
    if decision is Decision.INDEFERIDO and missing_critical:
        return f"faltam conceitos críticos da destino ({_names(missing_critical)})."
    if decision is Decision.DEFERIDO:
        return f"a origem cobre os conceitos da destino (pontuação {score:.1f}): {_names(covered)}."
    if borderline_workload and score >= min_deferir:
        return f"conteúdo equivalente (pontuação {score:.1f}), mas carga horária da origem menor que a da destino."
    if decision is Decision.ANALISE_HUMANA:
        return f"cobertura parcial (pontuação {score:.1f}); faltam: {_names(missing)}."
    return f"cobertura insuficiente (pontuação {score:.1f}); faltam: {_names(missing)}."
