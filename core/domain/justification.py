"""Justifications in Portuguese, as a coordinator would write them: what was decided, why,
which destino topics the origem covers (quoting the origem), which are missing (in the
destino's own words), and why a case went to review."""

from __future__ import annotations

from core.domain.model import Breakdown, CoveredConcept, Decision, HardRuleResult, MissingConcept
from core.domain.reading import IN_VOCABULARY, REASON_TEXT, Reading, ReviewReason

_MAX_LISTED = 8
_MAX_QUOTED = 3


def _names(concepts: tuple[CoveredConcept, ...] | tuple[MissingConcept, ...]) -> str:
    return _listing([c.conceito for c in concepts])


def _listing(names: list[str]) -> str:
    shown = names[:_MAX_LISTED]
    more = len(names) - len(shown)
    text = "; ".join(shown)
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
    breakdown: Breakdown,
    covered: tuple[CoveredConcept, ...],
    missing: tuple[MissingConcept, ...],
    reason: ReviewReason | None,
    reading: Reading | None,
    policy_min_deferir: float,
) -> tuple[str, str]:
    """Short and detailed justification naming topics, concepts, evidence and the reason.

    Where the taxonomy does not know the destino's subject (its vocabulary explains less than
    IN_VOCABULARY of the destino's topics), its concepts are words of another area that happen
    to appear ("dinâmica de populações" is no "dinâmica da partícula"): the decision rests on
    the topics, and the justification names topics only."""
    if reading is not None and (breakdown.cobertura_vocabulario or 0.0) < IN_VOCABULARY:
        covered, missing = (), ()
    short = f"{decision.value}: {_reason(decision, score, covered, missing, reason, reading, breakdown)}"
    parts = [f"Pontuação {score:.1f} de 100 (mínimo para deferimento: {policy_min_deferir:g})."]
    if reading is not None:
        parts.extend(_topic_parts(reading, breakdown))
        if decision is Decision.DEFERIDO and score < policy_min_deferir:
            if reading.topics.missing:
                parts.append(
                    "Deferido abaixo do mínimo da pontuação porque a leitura por tópicos confirma: a origem lista "
                    "a maior parte dos tópicos da disciplina de destino."
                )
            else:
                parts.append(
                    "Deferido abaixo do mínimo da pontuação porque a origem trata, ao menos em parte, de todos os "
                    "tópicos da disciplina de destino: nenhum tópico central falta, e a pontuação menor reflete "
                    "a redação diferente, não conteúdo ausente."
                )
    if decision is Decision.DEFERIDO and _concepts_grant_with_topics_missing(reading, breakdown):
        parts.append(
            "A pontuação mede os conceitos da taxonomia, não os tópicos: o deferimento se apoia nos conceitos "
            "cobertos, e os tópicos da disciplina de destino ausentes na origem ficam registrados para conferência."
        )
    if reading is not None and reason is None and not covered and not missing:
        parts.append("A taxonomia de conceitos não cobre a área da disciplina de destino: a decisão se apoia nos tópicos.")
    parts.extend(_concept_parts(breakdown, covered, missing))
    if reading is not None:
        aside = reading.origem.set_aside + reading.destino.set_aside
        if aside:
            parts.append("Não lido como conteúdo: " + "; ".join(aside) + ".")
    if reason is not None:
        parts.append(f"Encaminhado para análise humana: {REASON_TEXT[reason]}.")
    return short, " ".join(parts)


def _concepts_grant_with_topics_missing(reading: Reading | None, breakdown: Breakdown) -> bool:
    """The score is the taxonomy's concept coverage (the taxonomy knows the destino's subject)
    while the topic reading finds destino topics the origem does not list: a score of 100 next
    to a missing topic must say what each measures."""
    return (
        reading is not None
        and (breakdown.cobertura_vocabulario or 0.0) >= IN_VOCABULARY
        and bool(reading.topics.missing)
    )


def _topic_parts(reading: Reading, breakdown: Breakdown) -> list[str]:
    topics = reading.topics
    parts = [
        f"A origem lista {100 * (breakdown.cobertura_topicos or 0.0):.0f}% dos tópicos da "
        f"disciplina de destino ({len(topics.covered)} de {len(topics.topics)} cobertos)."
    ]
    quoted = [f"\"{t.topico}\" (na origem: \"{t.trecho_origem}\")" for t in topics.covered[:_MAX_QUOTED] if t.trecho_origem]
    if quoted:
        parts.append("Tópicos da disciplina de destino cobertos: " + "; ".join(quoted) + ".")
    partly = [f"\"{t.topico}\" (na origem: \"{t.trecho_origem}\")" for t in topics.partial[:_MAX_QUOTED] if t.trecho_origem]
    if partly:
        more = len(topics.partial) - len(partly)
        parts.append(
            "Tópicos da disciplina de destino tratados em parte na origem: "
            + "; ".join(partly)
            + (f" e mais {more}" if more > 0 else "")
            + "."
        )
    if topics.missing:
        parts.append(
            "Tópicos da disciplina de destino ausentes na origem: "
            + _listing([f"\"{t.topico}\"" for t in topics.missing])
            + "."
        )
    return parts


def _concept_parts(
    breakdown: Breakdown, covered: tuple[CoveredConcept, ...], missing: tuple[MissingConcept, ...]
) -> list[str]:
    if not covered and not missing:
        return []
    parts = [f"Cobertura ponderada dos conceitos da taxonomia na disciplina de destino: {breakdown.cobertura * 100:.0f}%."]
    if covered:
        parts.append(f"Conceitos da disciplina de destino cobertos pela origem: {_names(covered)}.")
        cited = [f"{c.conceito}: \"{c.evidence[0]}\"" for c in covered[:_MAX_QUOTED] if c.evidence]
        if cited:
            parts.append("Evidências na ementa de origem — " + "; ".join(cited) + ".")
    if missing:
        parts.append(f"Conceitos da disciplina de destino ausentes na origem: {_names(missing)}.")
    missing_critical = tuple(m for m in missing if m.critico)
    if missing_critical:
        parts.append(f"Conceitos críticos ausentes: {_names(missing_critical)}.")
    return parts


def _reason(
    decision: Decision,
    score: float,
    covered: tuple[CoveredConcept, ...],
    missing: tuple[MissingConcept, ...],
    reason: ReviewReason | None,
    reading: Reading | None,
    breakdown: Breakdown | None = None,
) -> str:
    if reason is not None:
        return f"{REASON_TEXT[reason]}; encaminhado para análise humana."
    missing_critical = tuple(m for m in missing if m.critico)
    topics_missing = [f"\"{t.topico}\"" for t in reading.topics.missing] if reading is not None else []
    if decision is Decision.DEFERIDO:
        if reading is not None and breakdown is not None and _concepts_grant_with_topics_missing(reading, breakdown):
            topics = reading.topics
            return (
                f"a origem cobre os conceitos da disciplina de destino (pontuação {score:.1f}, conceitos da "
                f"taxonomia) e trata, ao menos em parte, de {len(topics.topics) - len(topics.missing)} de "
                f"{len(topics.topics)} tópicos; "
                f"tópicos ausentes na origem: {_listing(topics_missing)}."
            )
        if reading is not None and reading.topics.covered:
            return (
                f"a origem cobre os tópicos da disciplina de destino (pontuação {score:.1f}): "
                f"{_listing([t.topico for t in reading.topics.covered])}."
            )
        return f"a origem cobre os conceitos da disciplina de destino (pontuação {score:.1f}): {_names(covered)}."
    if missing_critical:
        return f"faltam conceitos críticos da disciplina de destino ({_names(missing_critical)})."
    if topics_missing:
        return f"a origem não lista tópicos centrais da disciplina de destino (pontuação {score:.1f}): {_listing(topics_missing)}."
    if not covered and not missing:
        return "nenhum conteúdo da disciplina de destino foi encontrado na origem."
    return f"cobertura insuficiente (pontuação {score:.1f}); faltam: {_names(missing)}."
