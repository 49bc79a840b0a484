"""How a precedent enters a decision: a binding one decides, related ones send the pair to a person.

A binding precedent answers DEFERIDO without any concept mapping (`model_version` "precedente",
score 100 by convention: the equivalence was judged by people, not measured), citing the
precedent and its parecer. Related precedents never decide: the pair goes to ANALISE_HUMANA
with them as evidence (docs/adr/0024-precedents.md).
"""

from __future__ import annotations

import dataclasses

from core.domain.hard_rules import approval_unknown
from core.domain.model import Breakdown, Decision, Evaluation, HardRuleResult, Policy
from core.domain.precedents import Precedent
from core.domain.reading import REASON_TEXT, ReviewReason

PRECEDENT_MODEL = "precedente"
PARECER_EXCERPT = 500


def decided_by_precedent(
    precedent: Precedent, rules: tuple[HardRuleResult, ...], policy: Policy, taxonomy_version: str
) -> Evaluation:
    """DEFERIDO by a binding precedent in vigência on the same ementa (hard rules already passed);
    ANALISE_HUMANA if the origem's approval was not stated (a precedent covers the courses, not the student)."""
    short = f"DEFERIDO pelo precedente {precedent.precedent_id} da tabela de equivalências da instituição."
    decision, reason = Decision.DEFERIDO, None
    if approval_unknown(rules):
        decision, reason = Decision.ANALISE_HUMANA, ReviewReason.APROVACAO_NAO_INFORMADA
        short = (
            f"O precedente {precedent.precedent_id} cobre o conteúdo, mas "
            f"{REASON_TEXT[ReviewReason.APROVACAO_NAO_INFORMADA]}: análise humana."
        )
    detailed = " ".join(
        part
        for part in (
            short,
            f"Mesma ementa de origem (impressão digital igual), vigente desde {precedent.valid_from.isoformat()}.",
            _provenance(precedent),
            _parecer(precedent),
        )
        if part
    )
    return Evaluation(
        decisao=decision,
        score=100.0,
        breakdown=Breakdown(1.0, 1.0, 0.0),
        hard_rules=rules,
        covered=(),
        missing=(),
        justificativa_curta=short,
        justificativa_detalhada=detailed,
        degraded_mode=False,
        model_version=PRECEDENT_MODEL,
        policy_version=policy.version,
        taxonomy_version=taxonomy_version,
        motivo_revisao=reason,
    )


def held_for_review(evaluation: Evaluation, related: tuple[Precedent, ...]) -> Evaluation:
    """The automatic evaluation, but ANALISE_HUMANA: a person weighs the related precedents."""
    if evaluation.decisao is Decision.ANALISE_HUMANA or not related:
        return evaluation
    ids = ", ".join(p.precedent_id for p in related)
    note = (
        f"Decisão automática seria {evaluation.decisao.value}; enviada à análise humana: "
        f"{REASON_TEXT[ReviewReason.PRECEDENTE_RELACIONADO]} ({ids})."
    )
    return dataclasses.replace(
        evaluation,
        decisao=Decision.ANALISE_HUMANA,
        motivo_revisao=ReviewReason.PRECEDENTE_RELACIONADO,
        justificativa_curta=note,
        justificativa_detalhada=f"{note} {evaluation.justificativa_detalhada}",
    )


def _provenance(precedent: Precedent) -> str:
    if precedent.review_id:
        return f"Registrado a partir da revisão {precedent.review_id}."
    if precedent.expressao:
        return f"Importado da tabela de equivalências (expressão: {precedent.expressao})."
    return "Importado da tabela de equivalências."


def _parecer(precedent: Precedent) -> str:
    if not precedent.parecer:
        return ""
    text = " ".join(precedent.parecer.split())
    if len(text) > PARECER_EXCERPT:
        text = text[: PARECER_EXCERPT - 1] + "…"
    return f"Parecer: \"{text}\""
